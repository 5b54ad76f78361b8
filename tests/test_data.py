"""Tests of dnnjax.data: the cat loader (real files when present, small generated h5 files
otherwise), the planar flower against the course's code, the extra sets, house prices, load()."""
import os
from pathlib import Path

import h5py
import numpy as np
import pytest

from dnnjax import data
from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError

REAL_DIR = Path(os.environ.get("DNNJAX_DATA_DIR")
                or Path(__file__).resolve().parents[2] / "shared/data/catvnoncat")
needs_real = pytest.mark.skipif(not (REAL_DIR / "train_catvnoncat.h5").is_file(),
                                reason=f"cat data not present at {REAL_DIR}")


def make_cat_dir(folder, m_train=5, m_test=3, hw=(2, 3), **override):
    """Write train/test h5 files of the course layout; ``override`` maps 'train:key' -> value
    (None deletes the key)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(0)
    for split, m in (("train", m_train), ("test", m_test)):
        content = {f"{split}_set_x": rng.randint(0, 256, (m, *hw, 3)).astype(np.uint8),
                   f"{split}_set_y": np.arange(m) % 2,
                   "list_classes": np.array([b"non-cat", b"cat"])}
        for key, value in override.items():
            s, k = key.split(":")
            if s == split:
                content[k] = value
        with h5py.File(folder / f"{split}_catvnoncat.h5", "w") as f:
            for k, v in content.items():
                if v is not None:
                    f.create_dataset(k, data=v)
    return folder


@needs_real
def test_real_cat_data_shapes_counts_and_preprocessing():
    train_x, train_y, test_x, test_y, classes = data.load_catvnoncat(REAL_DIR)
    assert train_x.shape == (12288, 209) and test_x.shape == (12288, 50)
    assert train_y.shape == (1, 209) and test_y.shape == (1, 50)
    assert train_x.dtype == np.float64 and train_y.dtype == np.float64
    assert train_y.sum() == 72 and test_y.sum() == 33
    assert list(classes) == [b"non-cat", b"cat"]
    with h5py.File(REAL_DIR / "train_catvnoncat.h5", "r") as f:
        raw = f["train_set_x"][:]
    np.testing.assert_array_equal(train_x, raw.reshape(209, -1).T / 255.0)
    assert 0.0 <= train_x.min() and train_x.max() <= 1.0


@needs_real
def test_load_dispatcher_cat_uses_course_split():
    ds = data.load("cat", data_dir=REAL_DIR)
    assert ds.task == "binary" and ds.train_x.shape == (12288, 209) and ds.test_y.shape == (1, 50)


def test_small_cat_files_flatten_in_c_order(tmp_path):
    folder = make_cat_dir(tmp_path / "cat")
    train_x, train_y, test_x, test_y, classes = data.load_catvnoncat(str(folder))
    with h5py.File(folder / "train_catvnoncat.h5", "r") as f:
        raw = f["train_set_x"][:]
    H, W = 2, 3
    assert train_x.shape == (H * W * 3, 5) and test_x.shape == (H * W * 3, 3)
    # pixel (example i, row h, column w, channel c) lands in row (h*W + w)*3 + c, column i
    assert train_x[(1 * W + 2) * 3 + 1, 4] == raw[4, 1, 2, 1] / 255.0
    np.testing.assert_array_equal(train_y, [[0.0, 1.0, 0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(test_y, [[0.0, 1.0, 0.0]])
    assert list(classes) == [b"non-cat", b"cat"]


@pytest.mark.parametrize("override, error, words", [
    ({"test:test_set_x": None}, InvalidValueError, "test_set_x"),
    ({"train:train_set_y": None}, InvalidValueError, "train_set_y"),
    ({"test:list_classes": None}, InvalidValueError, "list_classes"),
    ({"train:train_set_x": np.zeros((5, 2, 3), np.uint8)}, ShapeError, "(m, H, W, 3)"),
    ({"train:train_set_x": np.zeros((5, 2, 3, 4), np.uint8)}, ShapeError, "(5, 2, 3, 4)"),
    ({"test:test_set_x": np.zeros((3, 4, 3, 3), np.uint8)}, ShapeError, "same (H, W, 3)"),
    ({"train:train_set_y": np.zeros(4)}, ShapeError, "(5,)"),
    ({"train:train_set_y": np.zeros((1, 5))}, ShapeError, "(1, 5)"),
    ({"train:train_set_x": np.zeros((5, 2, 3, 3), np.float32)}, InvalidTypeError, "float32"),
    ({"test:test_set_x": np.full((3, 2, 3, 3), 256, np.int16)}, InvalidValueError, "0..255"),
    ({"test:test_set_x": np.full((3, 2, 3, 3), -1, np.int16)}, InvalidValueError, "0..255"),
    ({"train:train_set_y": np.array([0, 1, 2, 0, 1])}, InvalidValueError, "0 or 1"),
    ({"test:test_set_y": np.array([0.0, 0.5, 1.0])}, InvalidValueError, "0 or 1"),
    ({"test:list_classes": np.array([b"a", b"b", b"c"])}, InvalidValueError, "2 class names"),
])
def test_cat_loader_rejects_bad_files(tmp_path, override, error, words):
    folder = make_cat_dir(tmp_path / "cat", **override)
    with pytest.raises(error) as info:
        data.load_catvnoncat(folder)
    assert words in str(info.value)


def test_cat_loader_missing_folder_and_file(tmp_path):
    with pytest.raises(InvalidValueError, match="not an existing folder"):
        data.load_catvnoncat(tmp_path / "nope")
    folder = make_cat_dir(tmp_path / "cat")
    (folder / "test_catvnoncat.h5").unlink()
    with pytest.raises(InvalidValueError, match="test_catvnoncat.h5.*does not exist"):
        data.load_catvnoncat(folder)
    with pytest.raises(InvalidTypeError, match="path"):
        data.load_catvnoncat(42)


@pytest.mark.parametrize("damage", ["truncate", "text"])
def test_cat_loader_names_a_corrupt_file(tmp_path, damage):
    folder = make_cat_dir(tmp_path / "cat")
    file = folder / "train_catvnoncat.h5"
    raw = file.read_bytes()
    file.write_bytes(raw[: len(raw) // 2] if damage == "truncate" else b"not an hdf5 file\n")
    with pytest.raises(InvalidValueError, match="train_catvnoncat.h5.*not a readable HDF5"):
        data.load_catvnoncat(folder)


def course_load_planar_dataset():
    """A literal transcription of the course's planar_utils.load_planar_dataset."""
    np.random.seed(1)
    m = 400
    N = int(m / 2)
    D = 2
    X = np.zeros((m, D))
    Y = np.zeros((m, 1), dtype="uint8")
    a = 4
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2
        r = a * np.sin(4 * t) + np.random.randn(N) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T


def test_planar_flower_matches_course_bit_for_bit():
    state = np.random.get_state()
    try:
        X_ref, Y_ref = course_load_planar_dataset()
    finally:
        np.random.set_state(state)
    before = np.random.get_state()[1].copy()
    X, Y = data.planar_flower()
    assert np.array_equal(np.random.get_state()[1], before)  # global RNG untouched
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert np.array_equal(X, X_ref) and X.tobytes() == np.ascontiguousarray(X_ref).tobytes()
    assert np.array_equal(Y, Y_ref) and Y.dtype == np.float64


@pytest.mark.parametrize("fn", [data.noisy_circles, data.noisy_moons, data.blobs,
                                data.gaussian_quantiles, data.planar_flower])
def test_binary_sets_shapes_labels_and_determinism(fn):
    X, Y = fn(seed=3, m=120)
    assert X.shape == (2, 120) and Y.shape == (1, 120) and X.dtype == Y.dtype == np.float64
    assert set(np.unique(Y)) == {0.0, 1.0} and np.isfinite(X).all()
    X2, Y2 = fn(seed=3, m=120)
    assert np.array_equal(X, X2) and np.array_equal(Y, Y2)
    assert not np.array_equal(X, fn(seed=4, m=120)[0])


def test_extra_sets_default_to_course_sizes_and_balance():
    for fn in (data.noisy_circles, data.noisy_moons, data.blobs, data.gaussian_quantiles):
        X, Y = fn()
        assert X.shape == (2, 200) and Y.sum() == 100


def test_noiseless_geometry_follows_sklearn():
    X, Y = data.noisy_circles(m=50, noise=0.0)
    radius = np.hypot(*X)
    np.testing.assert_allclose(radius[Y[0] == 0], 1.0)
    np.testing.assert_allclose(radius[Y[0] == 1], 0.5)
    X, Y = data.noisy_moons(m=50, noise=0.0)
    upper, lower = X[:, Y[0] == 0], X[:, Y[0] == 1]
    np.testing.assert_allclose(np.hypot(*upper), 1.0)
    np.testing.assert_allclose(np.hypot(lower[0] - 1, lower[1] - 0.5), 1.0)  # centre (1, .5)
    X, Y = data.gaussian_quantiles(m=101)
    r = np.hypot(*X)
    assert r[Y[0] == 0].max() <= r[Y[0] == 1].min() and Y.sum() == 51


def test_blobs_six_clusters_labelled_by_parity():
    X, Y = data.blobs()
    assert X.min() > -14 and X.max() < 14  # centres in [-10, 10]^2 plus unit noise
    assert X.shape == (2, 200) and Y.sum() == 100  # 34, 34, 33, 33, 33, 33 points; evens -> 0


def test_house_prices_units_and_signal():
    X, Y = data.house_prices()
    assert X.shape == (4, 200) and Y.shape == (1, 200)
    size, beds, zipc, wealth = X
    assert 600 <= size.min() and size.max() <= 3500 and np.all(size % 10 == 0)
    assert set(np.unique(beds)) <= set(range(1, 7)) and set(np.unique(zipc)) <= set(range(10))
    assert wealth.min() > 0 and 50 < Y.min() and Y.max() < 1500
    assert np.corrcoef(size, Y[0])[0, 1] > 0.5  # bigger houses cost more
    assert np.array_equal(Y, data.house_prices()[1])


def test_standardize_and_reuse_on_test_set():
    X, _ = data.house_prices(m=100)
    Xs, mean, std = data.standardize(X)
    assert mean.shape == std.shape == (4, 1)
    np.testing.assert_allclose(Xs.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(Xs.std(axis=1), 1.0)
    Xt, mean_t, _ = data.standardize(X[:, :10], mean, std)
    np.testing.assert_array_equal(Xt, Xs[:, :10])
    assert np.array_equal(mean_t, mean)
    const, _, s = data.standardize(np.ones((2, 5)))
    assert np.all(const == 0.0) and np.all(s == 1.0)
    with pytest.raises(ShapeError):
        data.standardize(X, mean[:2], std[:2])


def test_load_dispatcher_generated_sets():
    for name in ("flower", "moons", "circles", "blobs", "quantiles", "houses"):
        ds = data.load(name)
        assert ds.test_x is None and ds.test_y is None
        assert ds.task == ("regression" if name == "houses" else "binary")
        assert ds.train_x.shape[1] == ds.train_y.shape[1] == (400 if name == "flower" else 200)
    np.testing.assert_array_equal(data.load("flower").train_x, data.planar_flower()[0])


def test_load_held_out_split_partitions_the_points():
    full = data.load("moons", seed=2)
    ds = data.load("moons", seed=2, test_fraction=0.25)
    assert ds.train_x.shape == (2, 150) and ds.test_x.shape == (2, 50) and ds.test_y.shape == (1, 50)
    merged = np.concatenate([ds.train_x, ds.test_x], axis=1)
    assert sorted(map(tuple, merged.T)) == sorted(map(tuple, full.train_x.T))


def test_load_errors_name_the_problem():
    with pytest.raises(InvalidValueError, match="flower.*cat"):
        data.load("mnist")
    with pytest.raises(InvalidValueError, match="--data-dir"):
        data.load("cat")
    with pytest.raises(InvalidValueError, match="test_fraction"):
        data.load("moons", test_fraction=1.5)
    with pytest.raises(InvalidValueError, match="even"):
        data.planar_flower(m=401)
    with pytest.raises(InvalidTypeError, match="seed"):
        data.noisy_moons(seed=1.5)


# ----------------------------------------------------------------------------- scikit-learn sets, digits, splits
@pytest.mark.parametrize("name", ["noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles"])
@pytest.mark.parametrize("seed, m", [(None, None), (3, 120), (7, 51)])
def test_extra_sets_are_bit_identical_to_the_former_hand_written_copies(name, seed, m):
    """dnnjax.data now calls scikit-learn; the copies it shipped before drew the same numbers
    (checked with scikit-learn 1.9.1). A change in scikit-learn's generators would show here."""
    import planar_copies

    kwargs = {k: v for k, v in (("seed", seed), ("m", m)) if v is not None}
    X, Y = getattr(data, name)(**kwargs)
    X_ref, Y_ref = getattr(planar_copies, name)(**kwargs)
    assert X.dtype == Y.dtype == np.float64 and X.flags.c_contiguous
    assert X.tobytes() == X_ref.tobytes() and Y.tobytes() == Y_ref.tobytes()


def test_digits_layout_scaling_and_one_hot_labels():
    from sklearn.datasets import load_digits

    X, Y = data.digits()
    bunch = load_digits()
    assert X.shape == (64, 1797) and Y.shape == (10, 1797) and X.dtype == Y.dtype == np.float64
    assert X.min() == 0.0 and X.max() == 1.0
    # image i, pixel (row r, column c) lands in row 8*r + c of column i, divided by 16
    assert X[8 * 3 + 5, 100] == bunch.images[100, 3, 5] / 16.0
    np.testing.assert_array_equal(Y.sum(axis=0), 1.0)
    np.testing.assert_array_equal(np.argmax(Y, axis=0), bunch.target)
    _, labels = data.digits(one_hot_labels=False)
    assert labels.shape == (1, 1797) and np.array_equal(labels[0], bunch.target)
    np.testing.assert_array_equal(data.one_hot(labels, 10), Y)
    with pytest.raises(InvalidValueError, match="0..9"):
        data.one_hot(np.array([[0, 10]]), 10)


def test_digits_split_holds_out_every_class_in_proportion():
    ds = data.load("digits", test_fraction=0.2)
    assert ds.task == "multiclass" and ds.classes == 10
    assert ds.train_x.shape[1] + ds.test_x.shape[1] == 1797
    full = np.bincount(np.argmax(data.digits()[1], axis=0))
    test = np.bincount(np.argmax(ds.test_y, axis=0), minlength=10)
    np.testing.assert_array_equal(test, np.round(full * 0.2).astype(int))
    # the two splits partition the images, and another seed gives another split
    merged = np.concatenate([ds.train_x, ds.test_x], axis=1)
    assert sorted(map(bytes, merged.T)) == sorted(map(bytes, data.digits()[0].T))
    assert not np.array_equal(ds.test_x, data.load("digits", seed=1, test_fraction=0.2).test_x)


def test_binary_split_is_stratified_and_random_split_is_the_former_one():
    ds = data.load("flower", test_fraction=0.1)
    assert ds.test_y.shape == (1, 40) and ds.test_y.sum() == 20  # 200 of each class, 20 each held out
    old = data.load("moons", seed=2, test_fraction=0.25, split="random")
    perm = np.random.RandomState(2).permutation(200)  # how dnnjax split before stratifying
    X, Y = data.noisy_moons(seed=2)
    np.testing.assert_array_equal(old.test_x, X[:, perm[:50]])
    np.testing.assert_array_equal(old.train_y, Y[:, perm[50:]])
    with pytest.raises(InvalidValueError, match="split"):
        data.load("moons", test_fraction=0.25, split="bogus")
