"""check_grads(manual=fn): a user's own backprop checked against jax.grad and finite differences.

The user functions are written as a learner writes them: NumPy, the course's loop over layers,
examples in columns. Each broken one carries one realistic bug, and the report must name it.
"""
import numpy as np
import pytest

import jax
import jax.numpy as jnp

import dnnjax
from dnnjax.check.user_code import UserCodeError, UserCodeTimeout
from dnnjax.errors import InvalidTypeError

DIMS, M = [3, 4, 2, 1], 10


def learner_backprop(params, X, Y, hidden="relu", bug=None):
    """The course's forward + backward pass in NumPy (sigmoid output, mean cross-entropy)."""
    L = len(params) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        caches.append((A, Z))
        A = 1 / (1 + np.exp(-Z)) if l == L else (np.maximum(0, Z) if hidden == "relu" else np.tanh(Z))
    m = X.shape[1]
    dZ = (Y - A) if bug == "sign" else (A - Y)
    grads = {}
    for l in range(L, 0, -1):
        A_prev, Z = caches[l - 1]
        grads[f"W{l}"] = (A_prev @ dZ.T / m) if bug == "transposed" and l == 1 else dZ @ A_prev.T / (1 if bug == "no 1/m" else m)
        grads[f"b{l}"] = np.sum(dZ, axis=1) / m if bug == "1-D b" and l == 2 else np.sum(dZ, axis=1, keepdims=True) / m
        if l > 1:
            dA = params[f"W{l}"].T @ dZ
            Z_prev = caches[l - 2][1]
            dZ = dA * (Z_prev > 0) if hidden == "relu" else dA * (1 - np.tanh(Z_prev) ** 2)
            if bug == "no g' at layer 2" and l == 3:
                dZ = dA
    return grads


@pytest.fixture(scope="module")
def problem():
    with jax.enable_x64(True):
        params = dnnjax.init_params(jax.random.key(1), DIMS, scale=1.0, dtype=jnp.float64)
        params = {k: v + 0.1 if k.startswith("b") else v for k, v in params.items()}  # non-zero biases
        rng = np.random.RandomState(0)
        X, Y = rng.randn(DIMS[0], M), (rng.rand(1, M) > 0.5).astype(np.float64)
    return params, X, Y


def check(problem, fn, **kw):
    params, X, Y = problem
    with jax.enable_x64(True):
        return dnnjax.check_grads(params, X, Y, manual=fn, **kw)


def test_a_correct_numpy_backprop_passes(problem):
    seen = {}

    def my_grads(params, X, Y):
        seen.update({k: (type(v), v.dtype, v.flags.writeable) for k, v in dict(params, X=X, Y=Y).items()})
        return learner_backprop(params, X, Y)

    report = check(problem, my_grads)
    assert report.ok and not report.problems and not report.errors, str(report)
    assert report.dtype == "float64" and report.overall["manual vs autodiff"] <= 1e-10
    assert report.overall["manual vs finite diff"] <= 1e-7
    assert set(seen.values()) == {(np.ndarray, np.dtype(np.float64), True)}  # writable float64 NumPy arrays
    text = str(report)
    assert "manual = test_a_correct_numpy_backprop_passes.<locals>.my_grads (your function)" in text
    assert "verdict: OK" in text and "what is wrong" not in text


def test_a_float32_caller_is_checked_in_float64(problem):
    params, X, Y = problem
    p32 = {k: np.asarray(v, np.float32) for k, v in params.items()}
    assert not jax.config.jax_enable_x64
    report = dnnjax.check_grads(p32, X.astype(np.float32), Y.astype(np.float32), manual=learner_backprop)
    assert report.ok and report.dtype == "float64" and report.fd_meaningful, str(report)
    assert "your parameters were float32; they were converted (exactly) to float64" in str(report)
    assert "WARNING" not in str(report)
    seen = []
    dnnjax.check_grads(p32, X, Y, manual=lambda p, X, Y: seen.append(X) or learner_backprop(p, X, Y))
    assert np.array_equal(seen[0], X)  # float64 data stay float64: not rounded through the parameters' float32


def test_jax_code_and_the_course_keys_are_accepted(problem):
    def jax_grads(params, X, Y):  # not jit-able: a Python float() of an array
        g = jax.grad(lambda p: float(1.0) * dnnjax.cost(p, X, Y))(params)
        return {f"d{k}": v for k, v in g.items()} | {"dA0": np.zeros_like(X)}

    report = check(problem, jax_grads)
    assert report.ok, str(report)


@pytest.mark.parametrize("bug, lines", [
    ("transposed", ["W1: shape (3, 4) where (4, 3) is expected: (n[0], n[1]) for (n[1], n[0]); transposed"]),
    ("sign", [f"{k}: sign flipped" for k in ("W1", "b1", "W2", "b2", "W3", "b3")]),
    ("no 1/m", [f"{k}: off by a constant factor 10 = m: missing 1/m" for k in ("W1", "W2", "W3")]),
    ("1-D b", ["b2: shape (2,) where (2, 1) is expected (a 1-D array: keep the axis, e.g. keepdims=True or "
               ".reshape(2, 1)); the values are right once reshaped to (2, 1)"]),
])
def test_each_bug_is_named_at_its_parameter(problem, bug, lines):
    report = check(problem, lambda p, X, Y: learner_backprop(p, X, Y, bug=bug))
    assert not report.ok and "verdict: MISMATCH" in str(report)
    assert sorted(report.problems) == sorted(line.split(":")[0] for line in lines)
    for line in lines:
        assert f"  {line}\n" in str(report), str(report)


def test_the_first_wrong_layer_from_the_output_is_named(problem):
    report = check(problem, lambda p, X, Y: learner_backprop(p, X, Y, bug="no g' at layer 2"))
    assert sorted(report.problems) == ["W1", "W2", "b1", "b2"]  # layer 3 is right, the error flows down
    assert any(e.startswith("the first wrong layer counting from the output is layer 2 of 3; its largest error is ")
               for e in report.errors), str(report)


def test_the_wrong_activation_is_named(problem):
    params, X, Y = problem
    with jax.enable_x64(True):  # a tanh network's backprop, checked as the default relu network
        report = dnnjax.check_grads(params, X, Y, manual=lambda p, X, Y: learner_backprop(p, X, Y, hidden="tanh"))
    assert "W1: equals what hidden='tanh' would give" in str(report), str(report)


def test_missing_and_extra_keys_wrong_dtypes_and_nan(problem):
    def sloppy(params, X, Y):
        g = learner_backprop(params, X, Y)
        del g["b3"]
        g["W1"] = g["W1"].astype(np.float32)
        g["b1"] = g["b1"] * np.nan
        return g | {"W4": 0.0}

    report = check(problem, sloppy)
    text = str(report)
    assert not report.ok
    assert "b3: missing from the result (expected an array of shape (1, 1))" in text
    assert "extra keys ['W4'] in what " in text and "(expected only ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'])" in text
    assert "W1: dtype float32 where float64 is expected" in text
    assert "b1: not finite: 4 of 4 entries are NaN" in text
    assert "n/a" in text  # b3 has no manual figures


def test_a_result_that_is_not_a_dict(problem):
    report = check(problem, lambda p, X, Y: tuple(learner_backprop(p, X, Y).values()))
    assert not report.ok and "returned a tuple of 6 items; expected a dict {'W1': dW1, 'b1': db1, ...}" in str(report)


def test_agreement_to_only_1e_8_is_not_enough(problem):
    report = check(problem, lambda p, X, Y: {k: v * (1 + 1e-8 * np.sign(v)) ** 2 for k, v in learner_backprop(p, X, Y).items()})
    assert not report.ok and "agrees with jax.grad only to" in str(report), str(report)


def test_modifying_the_inputs_in_place_is_reported_and_the_callers_arrays_are_safe(problem):
    params, X, Y = problem
    before = {k: np.array(v) for k, v in params.items()}

    def trains_while_checking(params, X, Y):
        g = learner_backprop(params, X, Y)
        params["W1"] -= 0.1 * g["W1"]
        return g

    report = check(problem, trains_while_checking)
    assert not report.ok and "modifies its input in place: params['W1'] changed at 12 of 12 entries" in str(report)
    assert all(np.array_equal(before[k], params[k]) for k in params)


def test_a_raising_function_points_at_its_own_line(problem):
    def broken(params, X, Y):
        dZ = learner_backprop(params, X, Y)["W2"]
        return {"W1": dZ @ X}  # (2, 4) @ (3, 10): a shape error in the user's code

    with pytest.raises(UserCodeError) as info:
        check(problem, broken)
    err = info.value
    assert isinstance(err, dnnjax.DnnjaxError) and err.exc_type == "ValueError"
    assert err.filename == __file__ and err.source_line == 'return {"W1": dZ @ X}  # (2, 4) @ (3, 10): a shape error in the user\'s code'
    assert "broken raised ValueError: matmul" in str(err) and "test_gradcheck_manual.py:" in str(err)


def test_a_hung_function_is_stopped(problem):
    def forever(params, X, Y):
        while True:
            pass

    with pytest.raises(UserCodeTimeout, match=r"forever did not finish within 0.2 s"):
        check(problem, forever, timeout=0.2)


def test_bad_manual_and_timeout_arguments(problem):
    with pytest.raises(InvalidTypeError, match="manual must be a function manual"):
        check(problem, "learner_backprop")
    with pytest.raises(ValueError, match="timeout must be"):
        check(problem, learner_backprop, timeout=0)


def test_without_manual_the_report_is_as_before(problem):
    report = check(problem, None)
    assert report.ok and report.manual_name is None and "manual =" not in str(report)


# ----------------------------------------------------------------------------- the command line
def test_the_command_is_float64_by_default_and_speaks_in_flags(capsys):
    from dnnjax.cli import main

    assert main(["gradcheck", "--layers", "3,1", "--m", "8"]) == 0  # one layer: quick to compile, same messages
    out = capsys.readouterr().out
    assert "Gradient check (float64" in out and "verdict: OK" in out and "WARNING" not in out
    assert main(["gradcheck", "--layers", "3,1", "--m", "8", "--float32"]) == 0
    out = capsys.readouterr().out
    assert "Gradient check (float32" in out and "Rerun without --float32: float64 is the default." in out
    assert "enable_x64" not in out and "jnp." not in out  # no Python advice at a shell prompt


def test_the_python_report_speaks_in_code():
    params = dnnjax.init_params(jax.random.key(0), [3, 1])
    X, Y = np.ones((3, 5), np.float32), np.ones((1, 5), np.float32)
    text = str(dnnjax.check_grads(params, X, Y))
    assert "float32 cannot resolve" in text and "`with jax.enable_x64(True):`" in text and "--float32" not in text


def test_x64_and_float32_together_are_a_usage_error(capsys):
    from dnnjax.cli import main

    assert main(["gradcheck", "--layers", "3,1", "--x64", "--float32"]) == 2
    assert "--float32: not allowed with argument --x64" in capsys.readouterr().err


def test_a_command_line_mistake_is_said_in_flags(capsys):
    from dnnjax.cli import main

    assert main(["gradcheck", "--layers", "3,1", "--output", "softmax"]) == 2
    err = capsys.readouterr().err
    assert "--output softmax needs at least 2 classes: the last of --layers 3,1 is 1" in err and "output='" not in err


LEARNER_FILE = '''\
import numpy as np
DATA = np.load("not-there.npy")   # top-level statements are not run, as with `dnnjax check`

def relu_grad(Z):
    return Z > 0

def grads(params, X, Y, bug=False):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = W1 @ X + b1
    A1 = np.maximum(0, Z1)
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    m = X.shape[1]
    dZ2 = A2 - Y
    dZ1 = W2.T @ dZ2 * relu_grad(Z1)
    return {"dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m,
            "dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / (1 if bug else m)}

def buggy(params, X, Y):
    return grads(params, X, Y, bug=True)

def raises(params, X, Y):
    return params["W3"]

def hangs(params, X, Y):
    while True:
        pass
'''


def test_the_command_checks_your_own_function_from_a_file(tmp_path, capsys):
    from dnnjax.cli import main

    path = tmp_path / "my_grads.py"
    path.write_text(LEARNER_FILE)
    gc = ["gradcheck", "--layers", "3,4,1", "--m", "8", "--manual"]
    assert main([*gc, f"{path}:grads"]) == 0
    out = capsys.readouterr().out
    assert "manual = grads (your function)" in out and "verdict: OK" in out
    assert main([*gc, f"{path}:buggy"]) == 1
    assert "b1: off by a constant factor 8 = m: missing 1/m" in capsys.readouterr().out
    assert main([*gc, f"{path}:raises"]) == 1
    assert "verdict: FAIL: raises raised KeyError: 'W3' at " in capsys.readouterr().out
    assert main([*gc, f"{path}:hangs", "--timeout", "0.3"]) == 1
    assert "verdict: FAIL: hangs did not finish within 0.3 s and was stopped at " in capsys.readouterr().out


@pytest.mark.parametrize("spec, extra, words", [
    ("{path}", [], "name the function, e.g. --manual {path}:NAME ({path} defines 5 functions: buggy, grads, hangs, "
                   "raises, relu_grad)"),
    ("{path}:nope", [], "defines no function 'nope' (it defines: buggy, grads, hangs, raises, relu_grad)"),
    ("{path}:grads", ["--float32"], "--manual is always checked in float64 (finite differences need it); drop --float32"),
    ("{path}.missing:grads", [], "no such file: {path}.missing"),
])
def test_manual_mistakes_on_the_command_line(tmp_path, capsys, spec, extra, words):
    from dnnjax.cli import main

    path = tmp_path / "my_grads.py"
    path.write_text(LEARNER_FILE)
    assert main(["gradcheck", "--layers", "3,4,1", "--manual", spec.format(path=path), *extra]) == 2
    assert words.format(path=path) in capsys.readouterr().err
