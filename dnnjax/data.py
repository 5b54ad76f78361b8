"""Datasets in the course layout: ``X`` is ``(n_x, m)`` (examples in columns), ``Y`` is ``(1, m)``.

All arrays are NumPy float64 (labels ``0.``/``1.``). Generators take an explicit ``seed`` and draw
from their own ``np.random.RandomState``; the global NumPy RNG is never touched. The extra sets
follow scikit-learn's generators (same draws in the same order: ``seed=s`` ~ ``random_state=s``)
without depending on it. :func:`load` dispatches by name and returns a :class:`Dataset`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError

CAT_FILES = {"train": "train_catvnoncat.h5", "test": "test_catvnoncat.h5"}


# ----------------------------------------------------------------------------- cat / non-cat
def _read_h5(file: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Read ``keys`` of the HDF5 ``file`` fully into memory; any I/O trouble names the file."""
    if not file.is_file():
        raise InvalidValueError(f"cat data: expected the file {file}, but it does not exist")
    try:
        with h5py.File(file, "r") as f:
            missing = [k for k in keys if not isinstance(f.get(k), h5py.Dataset)]
            if missing:
                raise InvalidValueError(f"cat data: {file} lacks the dataset(s) {missing}; "
                                        f"expected {list(keys)}, found {sorted(f.keys())}")
            return {k: np.asarray(f[k][()]) for k in keys}
    except OSError as e:  # not HDF5, truncated, unreadable
        raise InvalidValueError(f"cat data: {file} is not a readable HDF5 file "
                                f"(truncated or corrupt?): {e}") from e


def _check_images(x: np.ndarray, where: str) -> None:
    """Images must be (m, H, W, 3), integer, values in 0..255, m >= 1."""
    if x.ndim != 4 or x.shape[-1] != 3 or min(x.shape) < 1:
        raise ShapeError(f"{where}: expected images of shape (m, H, W, 3), got {x.shape}")
    if not np.issubdtype(x.dtype, np.integer):
        raise InvalidTypeError(f"{where}: expected integer pixels (uint8), got dtype {x.dtype}")
    lo, hi = int(x.min()), int(x.max())
    if lo < 0 or hi > 255:
        raise InvalidValueError(f"{where}: expected pixel values in 0..255, got {lo}..{hi}")


def _check_labels(y: np.ndarray, m: int, where: str) -> None:
    """Labels must be (m,), numeric, each 0 or 1."""
    if y.shape != (m,):
        raise ShapeError(f"{where}: expected labels of shape ({m},) to match the images, got {y.shape}")
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
        raise InvalidTypeError(f"{where}: expected numeric 0/1 labels, got dtype {y.dtype}")
    bad = ~np.isin(y, (0, 1))
    if bad.any():
        raise InvalidValueError(f"{where}: expected labels 0 or 1, got {np.unique(y[bad])[:5]}")


def _check_classes(c: np.ndarray, where: str) -> None:
    """The class list must be 1-D with exactly two string entries."""
    is_text = c.dtype.kind in "SU" or (c.dtype == object and all(isinstance(v, (bytes, str)) for v in c.ravel()))
    if c.ndim != 1 or c.shape[0] != 2 or not is_text:
        raise InvalidValueError(f"{where}: expected 2 class names like [b'non-cat', b'cat'], "
                                f"got shape {c.shape}, dtype {c.dtype}")


def load_catvnoncat(path):
    """Load the course's cat / non-cat set from the folder ``path``.

    Returns ``(train_x (12288, 209), train_y (1, 209), test_x (12288, 50), test_y (1, 50),
    classes)``: pixels flattened in C order (height, width, channel) into columns and divided by
    255 (float64), labels float64 ``0.``/``1.``, classes the test file's ``list_classes`` (bytes).
    Everything is validated before anything is returned.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidTypeError(f"path: expected a folder path (str or os.PathLike), got {type(path).__name__}")
    folder = Path(path)
    if not folder.is_dir():
        raise InvalidValueError(f"path: expected a folder holding {sorted(CAT_FILES.values())}, "
                                f"but {folder} is not an existing folder")
    out, shapes = [], []
    for split in ("train", "test"):
        file = folder / CAT_FILES[split]
        kx, ky = f"{split}_set_x", f"{split}_set_y"
        arrays = _read_h5(file, (kx, ky) + (("list_classes",) if split == "test" else ()))
        x, y = arrays[kx], arrays[ky]
        _check_images(x, f"{file}[{kx}]")
        _check_labels(y, x.shape[0], f"{file}[{ky}]")
        shapes.append(x.shape[1:])
        out += [np.ascontiguousarray(x.reshape(x.shape[0], -1).T.astype(np.float64) / 255.0),
                y.astype(np.float64).reshape(1, -1)]
    if shapes[0] != shapes[1]:
        raise ShapeError(f"cat data: train images are {shapes[0]} but test images are {shapes[1]}; "
                         "expected the same (H, W, 3)")
    classes = arrays["list_classes"]  # ``arrays`` is the test file's, as in the course
    _check_classes(classes, f"{folder / CAT_FILES['test']}[list_classes]")
    return (*out, classes)


# ----------------------------------------------------------------------------- generated sets
def _check_int(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidTypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    if not lo <= value < hi:
        raise InvalidValueError(f"{name}: expected an int in [{lo}, {hi}), got {value}")
    return int(value)


def _rng_and_m(seed, m, m_min: int):
    """Validated ``(np.random.RandomState(seed), m)``."""
    return np.random.RandomState(_check_int("seed", seed, 0, 2**32)), _check_int("m", m, m_min, 10**8)


def _course_layout(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(m, 2) points and (m,) labels -> X (2, m) float64, Y (1, m) float64."""
    return np.ascontiguousarray(X.T, dtype=np.float64), y.astype(np.float64).reshape(1, -1)


def _shuffle(rng: np.random.RandomState, X, y):
    """scikit-learn's ``utils.shuffle``: permute an index vector in place with ``rng.shuffle``."""
    idx = np.arange(X.shape[0])
    rng.shuffle(idx)
    return X[idx], y[idx]


def planar_flower(seed: int = 1, m: int = 400):
    """The course's planar "flower": X (2, m), Y (1, m) float64 0./1. (m even; m//2 per class)."""
    rng, m = _rng_and_m(seed, m, 2)
    if m % 2:
        raise InvalidValueError(f"m: expected an even number of points (two equal classes), got {m}")
    N, a = m // 2, 4
    X, Y = np.zeros((m, 2)), np.zeros((m, 1), dtype="uint8")
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * 0.2  # theta
        r = a * np.sin(4 * t) + rng.randn(N) * 0.2  # radius
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return _course_layout(X, Y.ravel())


def noisy_circles(seed: int = 1, m: int = 200, *, factor: float = 0.5, noise: float = 0.3):
    """``make_circles(m, factor=.5, noise=.3)``: outer circle label 0, inner (radius ``factor``) 1."""
    rng, m = _rng_and_m(seed, m, 2)
    n_out, n_in = m // 2, m - m // 2
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([np.append(np.cos(t_out), np.cos(t_in) * factor),
                   np.append(np.sin(t_out), np.sin(t_in) * factor)]).T
    X, y = _shuffle(rng, X, np.r_[np.zeros(n_out), np.ones(n_in)])
    return _course_layout(X + rng.normal(scale=noise, size=X.shape), y)


def noisy_moons(seed: int = 1, m: int = 200, *, noise: float = 0.2):
    """``make_moons(m, noise=.2)``: two interleaved half circles, labels 0 (upper) and 1 (lower)."""
    rng, m = _rng_and_m(seed, m, 2)
    n_out, n_in = m // 2, m - m // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(t_out), 1 - np.cos(t_in)),
                   np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5)]).T
    X, y = _shuffle(rng, X, np.r_[np.zeros(n_out), np.ones(n_in)])
    return _course_layout(X + rng.normal(scale=noise, size=X.shape), y)


def blobs(seed: int = 5, m: int = 200, *, centers: int = 6):
    """``make_blobs(m, random_state=5, n_features=2, centers=6)``, label = centre index % 2.

    Centres uniform in [-10, 10]^2, unit standard deviation. The default seed 5 is the course's.
    """
    rng, m = _rng_and_m(seed, m, 1)
    c = rng.uniform(-10.0, 10.0, size=(centers, 2))
    counts = [m // centers + (i < m % centers) for i in range(centers)]
    X = np.concatenate([rng.normal(loc=c[i], scale=1.0, size=(n, 2)) for i, n in enumerate(counts)])
    X, y = _shuffle(rng, X, np.repeat(np.arange(centers), counts))
    return _course_layout(X, y % 2)


def gaussian_quantiles(seed: int = 1, m: int = 200, *, cov: float = 0.5):
    """``make_gaussian_quantiles(cov=.5, n_samples=m, n_features=2, n_classes=2)``.

    Points from N(0, cov I); the m//2 nearest the origin are label 0, the rest label 1.
    """
    rng, m = _rng_and_m(seed, m, 2)
    X = rng.multivariate_normal(np.zeros(2), cov * np.identity(2), (m,))
    X = X[np.argsort(np.sum(X**2, axis=1))]
    step = m // 2
    y = np.hstack([np.repeat(np.arange(2), step), np.repeat(1, m - 2 * step)])
    return _course_layout(*_shuffle(rng, X, y))


def house_prices(seed: int = 0, m: int = 200):
    """Synthetic house prices: X (4, m) raw features, Y (1, m) price in thousands of USD.

    Rows of X: 0 living area (square feet, 600..3500, multiples of 10); 1 bedrooms (count 1..6);
    2 zip code (an index 0..9 of ten neighbourhoods, stored as float); 3 wealth (neighbourhood
    median household income, thousands of USD per year). The price hides a nonlinear story:
    family size from area and bedrooms, walkability from the zip code, school quality from zip
    and wealth, plus Gaussian noise (sd 15k USD). Features are not standardised: see
    :func:`standardize`.
    """
    rng, m = _rng_and_m(seed, m, 1)
    size = np.round(rng.uniform(600, 3500, m), -1)
    beds = np.clip(np.round(size / 700 + rng.normal(0, 0.7, m)), 1, 6)
    zipc = rng.randint(0, 10, m).astype(np.float64)
    wealth = np.round(np.exp(rng.normal(np.log(45 + 9 * zipc), 0.3)), 1)
    family = 1 + 0.9 * (beds - 1) + 0.4 * np.tanh((size - 1500) / 800)
    walk = 0.5 + 0.5 * np.cos(0.9 * zipc)
    school = 1 / (1 + np.exp(-(wealth - 80) / 25 - 0.25 * (zipc - 4.5)))
    price = (60 + 0.09 * size * (0.8 + 0.4 * walk) + 35 * np.sqrt(family) + 150 * school**2
             + rng.normal(0, 15, m))
    return np.stack([size, beds, zipc, wealth]), price.reshape(1, m)


def standardize(X, mean=None, std=None):
    """Return ``(X_std (n_x, m), mean (n_x, 1), std (n_x, 1))`` with ``X_std = (X - mean) / std``.

    Without ``mean``/``std`` they are X's row means and (population) standard deviations, a
    constant row getting std 1; pass a training set's ``mean``/``std`` to scale a test set alike.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ShapeError(f"X: expected (n_x, m), got shape {X.shape}")
    if (mean is None) != (std is None):
        raise InvalidValueError("mean, std: give both (to reuse a training set's scaling) or neither")
    if mean is None:
        mean, std = X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True)
        std = np.where(std > 0, std, 1.0)
    mean, std = np.asarray(mean, np.float64), np.asarray(std, np.float64)
    if mean.shape != (X.shape[0], 1) or std.shape != (X.shape[0], 1):
        raise ShapeError(f"mean, std: expected shape ({X.shape[0]}, 1), got {mean.shape}, {std.shape}")
    return (X - mean) / std, mean, std


# ----------------------------------------------------------------------------- dispatcher
@dataclass(frozen=True, eq=False)
class Dataset:
    """A named dataset in the course layout; ``task`` is ``"binary"`` or ``"regression"``.

    ``test_x``/``test_y`` are ``None`` for generated sets loaded without ``test_fraction``.
    """

    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray | None
    test_y: np.ndarray | None
    task: str


_GENERATED = {"flower": planar_flower, "moons": noisy_moons, "circles": noisy_circles,
              "blobs": blobs, "quantiles": gaussian_quantiles, "houses": house_prices}
NAMES = (*_GENERATED, "cat")


def load(name: str, data_dir=None, seed: int | None = None, *, m: int | None = None,
         test_fraction: float = 0.0) -> Dataset:
    """Load the dataset ``name`` (one of :data:`NAMES`) as a :class:`Dataset`.

    ``cat`` needs ``data_dir`` (the folder of the two ``.h5`` files) and keeps the course's own
    train/test split. Generated sets use ``seed``/``m`` (``None``: the generator's defaults, the
    course's sets) and by default put every point in the training arrays, as the course does
    (its planar accuracies are training accuracies). With ``0 < test_fraction < 1`` a random
    ``round(m * test_fraction)`` columns (permutation from ``RandomState(seed)``) are held out.
    """
    if name not in NAMES:
        raise InvalidValueError(f"name: expected one of {list(NAMES)}, got {name!r}")
    if name == "cat":
        if data_dir is None:
            raise InvalidValueError("data_dir (--data-dir): the cat dataset needs the folder holding "
                                    f"{sorted(CAT_FILES.values())}; none was given")
        if m is not None or test_fraction:
            raise InvalidValueError("m, test_fraction: the cat dataset has a fixed train/test split")
        return Dataset(*load_catvnoncat(data_dir)[:4], task="binary")
    kwargs = {k: v for k, v in (("seed", seed), ("m", m)) if v is not None}
    X, Y = _GENERATED[name](**kwargs)
    task = "regression" if name == "houses" else "binary"
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)):
        raise InvalidTypeError(f"test_fraction: expected a float in [0, 1), got {test_fraction!r}")
    if not 0 <= test_fraction < 1:
        raise InvalidValueError(f"test_fraction: expected a float in [0, 1), got {test_fraction}")
    n_test = int(round(X.shape[1] * test_fraction))
    if test_fraction == 0:
        return Dataset(X, Y, None, None, task)
    if not 1 <= n_test < X.shape[1]:
        raise InvalidValueError(f"test_fraction: {test_fraction} of {X.shape[1]} points leaves an empty split")
    perm = np.random.RandomState(seed if seed is not None else 0).permutation(X.shape[1])
    te, tr = perm[:n_test], perm[n_test:]
    return Dataset(X[:, tr], Y[:, tr], X[:, te], Y[:, te], task)
