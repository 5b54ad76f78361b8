"""`dnnjax check` / `dnnjax.course.check_solution`: correct course solutions pass, one-bug mutants
fail at the function with the bug (and only there) with the diagnosis word of their class.

The fixtures in tests/solutions/ are written the way the course's NumPy notebooks are (top-level
data loading, training, plots, grader calls and `raise` that must not run; imports of helper
modules that are not installed). Mutants are made here from them by one textual replacement, so
each carries exactly one bug.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli

from dnnjax.check import deep as deep_checks
from dnnjax.check.loader import SolutionError
from dnnjax.course import check_solution

SOLUTIONS = Path(__file__).parent / "solutions"
DEEP, APP = SOLUTIONS / "deep_correct.py", SOLUTIONS / "deep_app_correct.py"
PLANAR, LOGISTIC = SOLUTIONS / "planar_correct.ipynb", SOLUTIONS / "logistic_correct.py"


def _lines(report):
    return str(report).splitlines()


def _status(report):
    return {o.name: o.passed for o in report.outcomes}


@pytest.mark.parametrize("path, assignment, n", [
    (DEEP, "deep", 10), (DEEP.with_suffix(".ipynb"), "deep", 10), (APP, "deep", 2),
    (PLANAR, "planar", 8), (PLANAR.with_suffix(".py"), "planar", 8),
    (LOGISTIC, "logistic", 6), (LOGISTIC.with_suffix(".ipynb"), "logistic", 6)])
def test_correct_solutions_pass_every_function(path, assignment, n):
    report = check_solution(path)
    assert report.assignment == assignment and report.detected
    assert report.ok, str(report)
    assert len(report.outcomes) == n
    assert sum(ln.startswith("PASS  ") for ln in _lines(report)) == n
    assert not any(ln.startswith("FAIL") for ln in _lines(report))


def test_cli_exit_codes_and_output(capsys, tmp_path):
    rc, out, _ = run_cli(capsys, "check", DEEP)
    assert rc == 0 and "PASS  L_model_backward" in out and "not defined in the file" in out
    bad = tmp_path / "w4.py"
    bad.write_text(DEEP.read_text().replace("dW = 1 / m * np.dot(dZ, A_prev.T)", "dW = np.dot(dZ, A_prev.T)"))
    rc, out, _ = run_cli(capsys, "check", bad)
    assert rc == 1 and "FAIL  linear_backward" in out and "missing 1/m" in out
    rc, _, err = run_cli(capsys, "check", tmp_path / "nope.py")
    assert rc == 2 and "no such file" in err
    (tmp_path / "syntax.py").write_text("import numpy as np\n\ndef f(x):\n    return x +\n")
    rc, _, err = run_cli(capsys, "check", tmp_path / "syntax.py")
    assert rc == 2 and "syntax error" in err and "line 4" in err
    (tmp_path / "none.py").write_text("import numpy as np\n\ndef helper(x):\n    return x\n")
    rc, _, err = run_cli(capsys, "check", tmp_path / "none.py")
    assert rc == 2 and "no course function" in err


def test_help_says_what_is_checked(capsys):
    rc, out, _ = run_cli(capsys, "check", "--help")
    assert rc == 0
    for words in ("--assignment", "{logistic,planar,deep}", "--seed", ".ipynb", "exit status", "missing 1/m"):
        assert words in out


def _mutant(tmp_path, source: Path, old: str, new: str) -> Path:
    text = source.read_text()
    if source.suffix == ".ipynb":
        nb = json.loads(text)
        hits = 0
        for cell in nb["cells"]:
            src = "".join(cell["source"])
            if old in src:
                hits += 1
                cell["source"] = src.replace(old, new).splitlines(True)
        assert hits == 1, old
        out = tmp_path / source.name
        out.write_text(json.dumps(nb))
        return out
    assert text.count(old) == 1, old
    out = tmp_path / source.name
    out.write_text(text.replace(old, new))
    return out


# (fixture, old, new, the function with the bug, words its FAIL lines must hold)
MUTANTS = [
    (DEEP, "dW = 1 / m * np.dot(dZ, A_prev.T)", "dW = np.dot(dZ, A_prev.T)", "linear_backward", ["missing 1/m"]),
    (DEEP, "dW = 1 / m * np.dot(dZ, A_prev.T)", "dW = 1 / m * np.dot(A_prev, dZ.T)", "linear_backward",
     ["shape (4, 3) where (3, 4)", "transposed"]),
    (DEEP, "db = 1 / m * np.sum(dZ, axis=1, keepdims=True)", "db = 1 / m * np.sum(dZ, axis=1)", "linear_backward",
     ["shape (3,) where (3, 1)"]),
    (DEEP, "dA_prev = np.dot(W.T, dZ)\n    return dA_prev, dW, db", "dA_prev = np.dot(W.T, dZ)\n    return dW, dA_prev, db",
     "linear_backward", ["outputs swapped"]),
    (DEEP, "dZ = relu_backward(dA, activation_cache)", "dZ = sigmoid_backward(dA, activation_cache)",
     "linear_activation_backward", ["equals what sigmoid' would give"]),
    (DEEP, "dZ = relu_backward(dA, activation_cache)", "dZ = dA; dZ[activation_cache <= 0] = 0",
     "linear_activation_backward", ["modifies its input in place", "dA changed"]),
    (DEEP, "dZ = relu_backward(dA, activation_cache)", "dZ = np.array(dA, copy=True); dZ[activation_cache < 0] = 0",
     "linear_activation_backward", ["equals what relu' taken as 1 where Z == 0 would give"]),
    (DEEP, 'linear_activation_backward(grads["dA" + str(l + 1)], current_cache, "relu")',
     'linear_activation_backward(grads["dA" + str(l + 1)], current_cache, "sigmoid")', "L_model_backward",
     ["equals what sigmoid' in the hidden layers would give", "passes: L=1"]),
    (DEEP, 'linear_activation_backward(grads["dA" + str(l + 1)], current_cache, "relu")',
     'linear_activation_backward(grads["dA" + str(L - 1)], current_cache, "relu")', "L_model_backward",
     ["first wrong layer counting from the output is layer 1 of 3", "largest error", "passes: L=1; L=2"]),
    (DEEP, "current_cache = caches[l]\n", "current_cache = caches[l + 1 if l + 1 < L - 1 else l]\n",
     "L_model_backward", ["first wrong layer", "passes: L=1; L=2"]),
    (DEEP, 'grads["dA" + str(l)] = dA_prev_temp', "pass", "L_model_backward", ["missing keys ['dA0'"]),
    (DEEP, "cost = -1 / m * np.sum(", "cost = 1 / m * np.sum(", "compute_cost", ["sign flipped"]),
    (DEEP, "cost = np.squeeze(cost)", "cost = np.squeeze(cost) + np.log(-1.0)", "compute_cost", ["not finite"]),
    (DEEP, "Z = np.dot(W, A) + b", "Z = np.dot(W, A)", "linear_forward", ["equals what W A (without + b) would give"]),
    (DEEP, "Z = np.dot(W, A) + b", 'raise NotImplementedError("todo")', "linear_forward",
     ["raised NotImplementedError: todo at", "deep_correct.py:", 'raise NotImplementedError("todo")']),
    (DEEP, '                         activation="relu")', '                         activation="sigmoid")',
     "L_model_forward", ["equals what sigmoid hidden layers would give", "passes: L=1"]),
    (DEEP, "cache = (linear_cache, activation_cache)", "cache = (activation_cache, linear_cache)",
     "linear_activation_forward", ["swapped"]),
    (DEEP, '] - learning_rate * grads["dW"', '] + learning_rate * grads["dW"', "update_parameters", ["sign flipped"]),
    (DEEP, "layer_dims[l - 1]) * 0.01", "layer_dims[l - 1])", "initialize_parameters_deep", ["factor"]),
    (DEEP, "b1 = np.zeros((n_h, 1))", "b1 = np.ones((n_h, 1))", "initialize_parameters", ["b1: not zeros"]),
    (APP, "if i % 100 == 0 or i == num_iterations:\n            costs.append(cost)\n    return parameters, costs\n\n\n"
          "def plot_costs", "if i % 1 == 0:\n            costs.append(cost)\n    return parameters, costs\n\n\n"
          "def plot_costs", "two_layer_model", ["costs[1]"]),
    (APP, "parameters = update_parameters(parameters, grads, learning_rate)\n        if print_cost and i % 100 == 0 "
          "or i == num_iterations - 1:\n            print(\"Cost after iteration {}: {}\".format(i, np.squeeze(cost)))"
          "\n        if i % 100 == 0 or i == num_iterations:\n            costs.append(cost)\n    return parameters, costs"
          "\n\n\nparameters, costs = L_layer_model",
     "parameters = update_parameters(parameters, grads, 0.0075)\n        if i % 100 == 0:\n            "
     "costs.append(cost)\n    return parameters, costs\n\n\nparameters, costs = L_layer_model",
     "L_layer_model", ["parameters after training", "differs"]),
    (PLANAR, "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))", "dZ1 = np.dot(W2.T, dZ2) * (A1 * (1 - A1))",
     "backward_propagation", ["equals what sigmoid' would give", "first wrong layer counting from the output is layer 1"]),
    (PLANAR, "dW2 = (1 / m) * np.dot(dZ2, A1.T)", "dW2 = np.dot(dZ2, A1.T)", "backward_propagation", ["missing 1/m"]),
    (PLANAR, "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))", "dZ1 = np.dot(W2.T, dZ2) * (A1 > 0)",
     "backward_propagation", ["equals what relu' would give"]),
    (PLANAR, "A2 = sigmoid(Z2)", "A2 = np.tanh(Z2)", "forward_propagation", ["equals what a tanh output layer would give"]),
    (PLANAR, "predictions = A2 > 0.5", "predictions = A2 >= 0.5", "predict", ["differs only at 1 of 6 entries (where A2 == 0.5)"]),
    (PLANAR, "def update_parameters(parameters, grads, learning_rate = 1.2):",
     "def update_parameters(parameters, grads, learning_rate = 0.12):", "update_parameters", ["factor 0.1"]),
    (PLANAR, "A1 = np.tanh(Z1)", "A1 = np.maximum(Z1, 0)", "forward_propagation", ["equals what a relu hidden layer would give"]),
    (PLANAR, "W1 = np.random.randn(n_h, n_x) * 0.01", "W1 = np.random.randn(n_x, n_h) * 0.01", "initialize_parameters",
     ["shape (40, 25) where (25, 40)", "transposed"]),
    (PLANAR, "n_x = X.shape[0]\n    n_h = 4", "n_x = X.shape[1]\n    n_h = 4", "layer_sizes", ["(5, 4, 2)"]),
    (PLANAR, "parameters = update_parameters(parameters, grads)", "parameters = update_parameters(parameters, grads, 0.5)",
     "nn_model", ["parameters after training"]),
    (LOGISTIC, "s = 1 / (1 + np.exp(-z))", "s = 1 / (1 + np.exp(z))", "sigmoid", ["equals what sigmoid(-z) would give"]),
    (LOGISTIC, "w = np.zeros((dim, 1))", "w = np.zeros(dim)", "initialize_with_zeros", ["shape (5,) where (5, 1)"]),
    (LOGISTIC, "db = 1 / m * np.sum(A - Y)", "db = np.sum(A - Y)", "propagate", ["missing 1/m"]),
    (LOGISTIC, "             \"db\": db}\n    return grads, cost", "             \"db\": db}\n    return cost, grads",
     "propagate", ["outputs swapped"]),
    (DEEP, "cache = (A, W, b)\n    return Z, cache", "cache = (A, W, b)\n    return cache, Z", "linear_forward",
     ["outputs swapped"]),
    (LOGISTIC, "dw = 1 / m * np.dot(X, (A - Y).T)", "dw = 1 / m * np.dot((A - Y), X.T)", "propagate", ["transposed"]),
    (LOGISTIC, "if A[0, i] > 0.5:", "if A[0, i] >= 0.5:", "predict", ["where A == 0.5"]),
    (LOGISTIC, "if i % 100 == 0:", "if i % 1 == 0:", "optimize",
     ["costs: 5 entries where 1 are expected"]),
    (LOGISTIC, "Y_prediction_train = predict(w, b, X_train)", "Y_prediction_train = predict(w, b, X_test)", "model",
     ["Y_prediction_train: shape (1, 4) where (1, 8)"]),
]


@pytest.mark.parametrize("source, old, new, function, words", MUTANTS,
                         ids=[f"{m[0].stem}-{m[3]}-{i}" for i, m in enumerate(MUTANTS)])
def test_one_bug_fails_at_its_function_only(tmp_path, source, old, new, function, words):
    report = check_solution(_mutant(tmp_path, source, old, new))
    assert not report.ok
    assert report.failed == [function], str(report)
    text = str(report)
    block = text.split(f"FAIL  {function}\n", 1)[1].split("\nPASS  ", 1)[0].split("\nFAIL  ", 1)[0]
    for w in words:
        assert w in block, f"{w!r} not in:\n{block}"


@pytest.mark.parametrize("source, old, new", [
    # mathematically equivalent code passes on consistent inputs (the course's graders fail some of these)
    (DEEP, 'dA_prev_temp, dW_temp, db_temp = linear_activation_backward(dAL, current_cache, "sigmoid")',
     "dA_prev_temp, dW_temp, db_temp = linear_backward(AL - Y, current_cache[0])"),
    (PLANAR, "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))", 'dZ1 = np.dot(W2.T, dZ2) * (1 - np.tanh(cache["Z1"]) ** 2)'),
    # older notebooks' conventions: dA1..dAL keys, compute_cost(A2, Y, parameters), parameters alone returned
    (DEEP, 'grads["dA" + str(L - 1)] = dA_prev_temp', 'grads["dA" + str(L)] = dA_prev_temp'),
    (PLANAR, "def compute_cost(A2, Y):", "def compute_cost(A2, Y, parameters=None):"),
    (APP, "return parameters, costs\n\n\ndef plot_costs", "return parameters\n\n\ndef plot_costs"),
])
def test_equivalent_and_older_versions_pass(tmp_path, source, old, new):
    if "str(L)] = dA_prev_temp" in new:  # the 2017-2019 loop stored dA_prev of layer l+1 as dA{l+1}
        text = source.read_text().replace(old, new).replace('grads["dA" + str(l)] = dA_prev_temp',
                                                            'grads["dA" + str(l + 1)] = dA_prev_temp')
        text = text.replace('linear_activation_backward(grads["dA" + str(l + 1)]', 'linear_activation_backward(grads["dA" + str(l + 2)]')
        path = tmp_path / "old.py"
        path.write_text(text)
    else:
        path = _mutant(tmp_path, source, old, new)
    report = check_solution(path)
    assert report.ok, str(report)


def test_callee_bug_reported_once_dependents_pass_with_a_note(tmp_path):
    report = check_solution(_mutant(tmp_path, DEEP, "Z = np.dot(W, A) + b", "Z = np.dot(W, A)"))
    assert report.failed == ["linear_forward"]
    notes = {o.name: " ".join(o.lines) for o in report.outcomes if o.passed and o.lines}
    assert "with your own linear_forward" in notes["linear_activation_forward"]
    assert "with your own linear_activation_forward" in notes["L_model_forward"]


def test_own_relu_backward_in_place_is_found(tmp_path):
    own = ("\n\ndef relu_backward(dA, cache):\n    Z = cache\n    dZ = dA\n    dZ[Z <= 0] = 0\n    return dZ\n")
    path = tmp_path / "w4.py"
    path.write_text(DEEP.read_text().replace("\nraise SystemExit", own + "\nraise SystemExit"))
    report = check_solution(path)
    assert report.failed == ["relu_backward"]
    assert "modifies its input in place" in str(report)
    strict = own.replace("Z <= 0", "Z < 0").replace("dZ = dA\n", "dZ = np.array(dA, copy=True)\n")
    path.write_text(DEEP.read_text().replace("\nraise SystemExit", strict + "\nraise SystemExit"))
    report = check_solution(path)
    assert report.failed == ["relu_backward"] and "differs only at 1 of 12 entries (where Z == 0)" in str(report)


def test_hung_function_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(deep_checks, "PIECE_TIMEOUT", 0.5)
    report = check_solution(_mutant(tmp_path, DEEP, "    m = Y.shape[1]\n    cost =", "    while True:\n        pass\n    cost ="))
    assert report.failed == ["compute_cost"] and "did not finish within 0.5 s" in str(report)


def test_notebook_top_level_code_does_not_run_and_helpers_are_cleaned_up(tmp_path):
    before = set(sys.modules)
    state = np.random.get_state()[1].copy()
    report = check_solution(PLANAR)  # its cells raise, call !ls, %%bash, load data, import PIL
    assert report.ok
    assert not {"planar_utils", "testCases_v2", "public_tests"} & (set(sys.modules) - before)
    assert np.array_equal(np.random.get_state()[1], state)  # the learner's np.random.seed calls are undone


def test_failed_import_is_named_when_a_function_needs_it(tmp_path):
    path = tmp_path / "w2.py"
    path.write_text(LOGISTIC.read_text().replace("import numpy as np\n", "import numpy as np\nfrom nowhere_pkg import helper_fn\n")
                    .replace("    s = 1 / (1 + np.exp(-z))", "    s = helper_fn(z)"))
    report = check_solution(path)
    assert report.failed == ["sigmoid"]
    assert "helper_fn comes from `from nowhere_pkg import helper_fn`" in str(report)
    assert "No module named 'nowhere_pkg'" in str(report)


def test_helper_file_next_to_the_solution_is_used(tmp_path):
    (tmp_path / "dnn_utils_v2.py").write_text(
        "import numpy as np\nMARK = 'local copy'\n"
        "def sigmoid(Z):\n    return 1 / (1 + np.exp(-Z)), Z\n"
        "def relu(Z):\n    return np.maximum(0, Z), Z\n"
        "def relu_backward(dA, cache):\n    dZ = np.array(dA, copy=True)\n    dZ[cache <= 0] = 0\n    return dZ\n"
        "def sigmoid_backward(dA, cache):\n    s = 1 / (1 + np.exp(-cache))\n    return dA * s * (1 - s)\n")
    path = tmp_path / "w4.py"
    path.write_text(DEEP.read_text().replace("relu, relu_backward\n", "relu, relu_backward, MARK\n"))
    report = check_solution(path)
    assert report.ok, str(report)
    assert "dnn_utils_v2" not in sys.modules


def test_a_wrong_helper_file_next_to_the_solution_is_named(tmp_path):
    (tmp_path / "dnn_utils_v2.py").write_text(
        "import numpy as np\n"
        "def sigmoid(Z):\n    return 1 / (1 + np.exp(-Z)), Z\n"
        "def relu(Z):\n    return np.maximum(0, Z), Z\n"
        "def relu_backward(dA, cache):\n    dZ = np.array(dA, copy=True)\n    dZ[cache < 0] = 0\n    return dZ\n"
        "def sigmoid_backward(dA, cache):\n    s = 1 / (1 + np.exp(-cache))\n    return dA * s * (1 - s)\n")
    path = tmp_path / "w4.py"
    path.write_text(DEEP.read_text())
    report = check_solution(path)
    assert report.failed == ["linear_activation_backward"]
    assert "relu_backward (from dnn_utils_v2)" in str(report) and "where Z == 0" in str(report)


def test_namespace_and_assignment_override():
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def initialize_with_zeros(dim):
        return np.zeros((dim, 1)), 0

    report = check_solution({"sigmoid": sigmoid, "initialize_with_zeros": initialize_with_zeros, "np": np})
    assert report.ok and report.assignment == "logistic"
    with pytest.raises(SolutionError, match="defines no course function"):
        check_solution({"np": np})
    report = check_solution(DEEP, assignment="planar")  # week 4 names checked as week 3's: shared ones only
    assert {o.name for o in report.outcomes} == {"initialize_parameters", "compute_cost", "update_parameters"}
    with pytest.raises(SolutionError, match="defines none of the logistic assignment's functions"):
        check_solution(DEEP, assignment="logistic")
