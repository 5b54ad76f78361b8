"""Datasets in the course layout: ``X`` is ``(n_x, m)`` (examples in columns), ``Y`` is ``(1, m)``.

All arrays are NumPy float64 (labels ``0.``/``1.``). Generators take an explicit ``seed`` and draw
from their own ``np.random.RandomState``; the global NumPy RNG is never touched. The extra sets
follow scikit-learn's generators (same draws in the same order: ``seed=s`` ~ ``random_state=s``)
without depending on it. :func:`load` dispatches by name and returns a :class:`Dataset`.

Modules:

    catvnoncat  load_catvnoncat (the course's cat / non-cat HDF5 files), CAT_FILES
    planar      planar_flower, noisy_circles, noisy_moons, blobs, gaussian_quantiles
    houses      house_prices (synthetic regression set), standardize
    _generate   seeded RNG, shuffle and layout helpers shared by the generators
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dnnjax.data.catvnoncat import CAT_FILES, load_catvnoncat
from dnnjax.data.houses import house_prices, standardize
from dnnjax.data.planar import blobs, gaussian_quantiles, noisy_circles, noisy_moons, planar_flower
from dnnjax.errors import InvalidTypeError, InvalidValueError

__all__ = [
    "CAT_FILES", "load_catvnoncat", "planar_flower", "noisy_circles", "noisy_moons", "blobs",
    "gaussian_quantiles", "house_prices", "standardize", "Dataset", "NAMES", "load",
]


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
