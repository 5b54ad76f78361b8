"""dnnjax.check.diagnose: each diagnosis word appears for the mistake it names, and never for a match.

Arrays are float64 random normals (no entry near another's negative or a multiple by chance), so
each expected phrase is the only explanation of the mistake built here.
"""
import jax.numpy as jnp
import numpy as np
import pytest

from dnnjax.check.diagnose import diagnose, diagnose_dict, layer_of

rng = np.random.RandomState(0)
E = rng.randn(5, 3)  # a W of shape (n, n_prev) = (5, 3)
COL = rng.randn(5, 1)  # a b / db of shape (n, 1)
M = 20


@pytest.mark.parametrize("got, expected", [
    (E.copy(), E), (jnp.asarray(E), E), (E + 1e-12, E), (COL.astype(np.float32), COL),
    (0.5, np.array(0.5)), (0.5, np.array([[0.5]])), (np.array([[0.5]]), 0.5), (np.float32(0.5), np.array([0.5])),
])
def test_a_match_gives_no_phrases(got, expected):
    assert diagnose(got, expected) == []  # float32 storage rounds by ~6e-8 relative, inside rtol=1e-6


def test_the_tolerance_is_the_callers():
    near = E * (1 + 1e-5)
    assert diagnose(near, E) == ["off by a constant factor 1.00001 (got = 1.00001 * expected)"]
    assert diagnose(near, E, rtol=1e-4) == []


@pytest.mark.parametrize("got, word", [
    (-E, "sign flipped"),
    (E * M, "missing 1/m"),
    (E / M, "an extra 1/m"),
    (2 * E, "off by a constant factor 2"),
    (-M * E, "sign flipped and off by a constant factor -20 = -m: missing 1/m"),
    (np.zeros_like(E), "all zeros"),
    (np.where(E > 1, np.nan, E), "not finite: "),
    (np.where(E > 1, np.inf, E), "are inf"),
])
def test_whole_array_mistakes(got, word):
    phrases = diagnose(got, E, m=M)
    assert any(word in p for p in phrases), phrases


def test_transposed_and_shape_with_axis_names():
    phrases = diagnose(E.T, E, axis_names=("n", "n_prev"))
    assert phrases == ["shape (3, 5) where (5, 3) is expected: (n_prev, n) for (n, n_prev)", "transposed"]
    square = rng.randn(4, 4)
    assert diagnose(square.T, square) == ["transposed"]
    assert "sign flipped" in diagnose(-E.T, E) and "transposed" in diagnose(-E.T, E)


def test_a_1d_column_is_a_shape_error_even_with_the_right_values():
    phrases = diagnose(COL[:, 0], COL)
    assert phrases[0].startswith("shape (5,) where (5, 1) is expected") and "keepdims" in phrases[0]
    assert phrases[1] == "the values are right once reshaped to (5, 1)"
    assert "missing 1/m" in diagnose(COL[:, 0] * M, COL, m=M)[1]


def test_a_missing_sum_or_mean_over_examples():
    per_example = rng.randn(5, 4)
    db = per_example.sum(axis=1, keepdims=True)
    assert "not summed over axis 1" in diagnose(per_example, db)[1]
    assert "missing np.sum(..., axis=1, keepdims=True) and 1/m" in diagnose(per_example, db / 4, m=4)[1]
    assert diagnose(rng.randn(5, 4), db)[1:] == []  # no reduction explains random numbers: shape only


def test_entries_that_differ_are_located():
    Z = rng.randn(4, 6)
    Z[0, 1] = Z[2, 3] = 0.0
    right = np.where(Z > 0, 1.0, 0.0)
    wrong = np.where(Z >= 0, 1.0, 0.0)  # relu' taken as 1 at Z == 0
    masks = {"Z < 0": Z < 0, "Z == 0": Z == 0, "Z <= 0": Z <= 0}
    assert diagnose(wrong, right, masks=masks) == ["differs only at 2 of 24 entries (where Z == 0)"]
    assert diagnose(wrong, right, masks={"Z <= 0": Z <= 0}) == ["differs only at 2 of 24 entries (all where Z <= 0)"]
    off = E.copy()
    off[3, 1] += 0.25
    assert diagnose(off, E) == [f"differs at 1 of 15 entries; the largest error is 0.25 at index (3, 1) "
                                f"(got {off[3, 1]:.4g}, expected {E[3, 1]:.4g})"]
    flipped = np.where(E > 0, -E, E)
    assert diagnose(flipped, E)[0].startswith("sign flipped at ")


def test_alternatives_are_named():
    Z = rng.randn(5, 3)
    t = np.tanh(Z)
    alts = {"tanh' = 1 - A**2": 1 - t ** 2, "sigmoid'": 1 / (1 + np.exp(-Z)) * (1 - 1 / (1 + np.exp(-Z)))}
    assert diagnose(alts["sigmoid'"], 1 - t ** 2, alternatives=alts) == ["equals what sigmoid' would give"]


@pytest.mark.parametrize("got, words", [
    (None, "None (nothing returned) where an array of shape (5, 3) is expected"),
    ((E, E), "a tuple of 2 items where an array"),
    ("text", "a str where"),
    (np.array(["a"]), "dtype <U1 (not real numbers)"),
])
def test_non_arrays_are_described(got, words):
    assert words in diagnose(got, E)[0]


def test_single_numbers():
    assert diagnose(0.7, 0.5) == ["got 0.7, expected 0.5"]  # no "factor 1.4": two numbers always have one
    assert diagnose(10.0, 0.5, m=20) == ["off by a constant factor 20 = m: missing 1/m"]
    assert diagnose(float("nan"), np.array([[0.5]])) == ["not finite: NaN"]


def test_dict_missing_extra_and_the_first_wrong_layer_from_the_output():
    ref = {f"d{c}{l}": rng.randn(3, 3) for l in (1, 2, 3) for c in "Wb"}
    got = dict(ref, dW2=-ref["dW2"], db1=2 * ref["db1"], extra=1.0)
    del got["dW1"]
    lines = diagnose_dict(got, ref)
    err = float(np.max(np.abs(2 * ref["dW2"])))
    assert lines[0].startswith("the first wrong layer counting from the output is layer 2 of 3 (dW2)")
    assert f"the largest error is {err:.4g} in dW2" in lines[0]
    assert "missing keys ['dW1']" in lines[1] and "extra keys ['extra']" in lines[2]
    assert lines[3:] == ["dW2: sign flipped", "db1: off by a constant factor 2 (got = 2 * expected)"]
    assert diagnose_dict(dict(ref), ref) == []
    assert diagnose_dict((1, 2), ref) == [f"a tuple of 2 items where a dict with keys {list(ref)} is expected"]


def test_layer_of_course_keys():
    assert [layer_of(k) for k in ("W3", "dW3", "db3", "dA2", "A2", "Z2", "cost")] == [3, 3, 3, 3, 2, 2, None]


def test_per_example_values_where_one_number_is_expected():
    losses = rng.rand(1, 6)
    assert diagnose(losses, losses.mean()) == ["shape (1, 6) where a single number is expected",
                                               "not averaged: the mean of its entries is the expected value"]
    assert diagnose(losses, np.array([[losses.sum()]]))[1] == "not summed: the sum of its entries is the expected value"
    assert diagnose(losses, 3.0) == ["shape (1, 6) where a single number is expected"]


def test_bfloat16_arrays_are_numbers():
    assert diagnose(jnp.ones((2, 2), jnp.bfloat16), np.ones((2, 2))) == []


def test_a_non_finite_layer_is_said_so():
    ref = {"dW2": np.ones((2, 2)), "dW1": np.ones((2, 2))}
    lines = diagnose_dict({"dW2": np.full((2, 2), np.nan), "dW1": np.zeros((2, 2))}, ref)
    assert lines[0] == "the first wrong layer counting from the output is layer 2 of 2 (dW2); dW2 is not finite at index (0, 0)"
