"""The pieces `dnnjax check` relies on: the NumPy reference callees equal dnnjax.course, the oracle
equals the course's hand-written backward pass, the loader runs only imports and defs, and the
served helper modules have the course's semantics.

Tolerance 1e-12 relative: float64 on both sides, the same formulas, only summation order differs.
"""
from __future__ import annotations

import jax
import numpy as np
import pytest

from dnnjax.check import cases as cs
from dnnjax.check import helpers, loader, oracle, reference
from dnnjax.course import deep, logistic, planar

TOL = dict(rtol=1e-12, atol=1e-12)


def _same(a, b):
    if isinstance(a, dict):
        assert set(a) == set(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), **TOL)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_reference_callees_equal_dnnjax_course(rng):
    """dnnjax.course's own (pure) forward, cost and backward functions, run in one compiled batch."""
    batch, pairs = oracle.Batch(), []
    for _, dims, m in cs.DEEP_NETS:
        X, Y, p, AL, caches = cs.deep_net(rng, dims, m)
        pairs.append((reference.L_model_forward(X, p), batch.add(oracle.deep_forward, X, p)))
        pairs.append((reference.L_model_backward(AL, Y, caches), batch.add(deep._L_model_backward, AL, Y, caches)))
        pairs.append((reference.compute_cost(AL, Y), batch.add(oracle.cost, AL, Y)))
    X, Y = cs.data(rng, 2, 5)
    p = cs.params(rng, (2, 4, 1))
    A2, cache = reference.forward_propagation(X, p)
    pairs.append(((A2, cache), batch.add(oracle.planar_forward, X, p)))
    pairs.append((reference.backward_propagation(p, cache, X, Y), batch.add(planar._backward, p, cache, X, Y)))
    w, b = rng.standard_normal((2, 1)), 0.3
    g, c = reference.propagate(w, b, X, Y)
    pairs.append(((c, {"b": g["db"], "w": g["dw"]}), batch.add(logistic._value_and_grad, {"w": w, "b": b}, X, Y)))
    batch.compute()
    for ours, course in pairs:
        _same(ours, course.value)
    with jax.enable_x64(True):  # the functions without a pure core: a few eager calls
        steps = {f"d{k}": v for k, v in p.items()}
        _same(reference.update_parameters(p, steps, 0.1), planar.update_parameters(p, steps, 0.1))
        _same(reference.logistic_predict(w, b, X), logistic.predict(w, b, X))


def test_oracle_gradients_equal_the_course_backward_pass(rng):
    """jax.grad of the forward definitions == dnnjax.course's hand-written backward pass."""
    batch, pairs = oracle.Batch(), []
    for _, dims, m in cs.DEEP_NETS:
        X, Y, p, AL, caches = cs.deep_net(rng, dims, m)
        pairs.append((batch.add(oracle.deep_gradients, X, Y, p), batch.add(deep._L_model_backward, AL, Y, caches)))
    X, Y = cs.data(rng, 3, 6)
    p = cs.params(rng, (3, 5, 1))
    _, cache = reference.forward_propagation(X, p)
    pairs.append((batch.add(oracle.planar_gradients, X, Y, p), batch.add(planar._backward, p, cache, X, Y)))
    batch.compute()
    for ours, course in pairs:
        _same(ours.value, course.value)


def test_relu_derivative_at_zero_is_zero_like_the_course(rng):
    A, W, b, Z = cs.layer(rng, 3, 4, 5)
    assert Z[0, 0] == 0.0
    dA = np.ones_like(Z)
    got = oracle.Batch().add(oracle.layer_backward, dA, A, W, b, activation="relu").value
    _same(got, reference.linear_activation_backward(dA, ((A, W, b), Z), "relu"))


def test_served_helpers_have_the_course_semantics():
    Z = np.array([[-1.0, 0.0, 2.0]])
    dA = np.array([[5.0, 6.0, 7.0]])
    with helpers.serving():
        import dnn_utils_v2
        import planar_utils
        from testCases_v4a import linear_forward_test_case
    A, cache = dnn_utils_v2.relu(Z)
    assert np.array_equal(A, [[0, 0, 2]]) and cache is Z
    dZ = dnn_utils_v2.relu_backward(dA, Z)
    assert np.array_equal(dZ, [[0, 0, 7]]) and np.array_equal(dA, [[5, 6, 7]])  # a copy, dA untouched
    np.testing.assert_allclose(planar_utils.sigmoid(Z), 1 / (1 + np.exp(-Z)))
    with pytest.raises(helpers.NotServed, match="linear_forward_test_case"):
        linear_forward_test_case()
    with pytest.raises(ImportError):
        import dnn_utils_v2  # noqa: F401, F811  (gone again after the block)


def test_loader_keeps_only_imports_and_defs(tmp_path):
    path = tmp_path / "s.py"
    path.write_text("import numpy as np\nfrom not_a_module import thing\nX = 1 / 0\n%matplotlib inline\n"
                    "!pip install nothing\nfiles = !ls\nnp.dot?\n\ndef f(x):\n    return x + 1\n\nraise SystemExit\n"
                    "def g(x=undefined_name):\n    return x\n")
    sol = loader.load(path)
    assert set(sol.defined) == {"f"} and sol.defined["f"](1) == 2
    assert "X" not in sol.namespace
    assert "No module named 'not_a_module'" in sol.failed_imports["thing"].error
    assert "NameError" in sol.failed_defs["g"]


def test_notebook_cells_and_syntax_errors(tmp_path):
    import json
    cell = lambda src: {"cell_type": "code", "metadata": {}, "outputs": [], "source": src}  # noqa: E731
    nb = {"cells": [cell(["%%bash\n", "for i in 1 2; do echo $i; done\n"]), cell("def f(x):\n    return 2 * x\n"),
                    {"cell_type": "markdown", "metadata": {}, "source": "def not_code(): ..."},
                    cell(["%%time\n", "def h(x):\n", "    return x\n"])], "nbformat": 4, "nbformat_minor": 4, "metadata": {}}
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(nb))
    assert set(loader.load(path).defined) == {"f", "h"}
    nb["cells"].append(cell("def broken(:\n    pass\n"))
    path.write_text(json.dumps(nb))
    with pytest.raises(loader.SolutionError, match=r"cell 5\], line 1"):
        loader.load(path)
