"""Datasets in the course layout: ``X`` is ``(n_x, m)`` (examples in columns), ``Y`` is ``(n_y, m)``.

All arrays are NumPy float64 (binary labels ``0.``/``1.`` in ``(1, m)``, multi-class labels one-hot
``(C, m)``). Generators take an explicit ``seed`` and never touch the global NumPy RNG; the extra
planar sets and the digits come from scikit-learn. :func:`load` dispatches by name and returns a
:class:`Dataset`.

Modules:

    catvnoncat  load_catvnoncat (the course's cat / non-cat HDF5 files), CAT_FILES
    planar      planar_flower, noisy_circles, noisy_moons, blobs, gaussian_quantiles
    digits      digits (scikit-learn's 8x8 digits, 10 classes), one_hot
    houses      house_prices (synthetic regression set), standardize
    split       stratified_split, random_split (held-out test columns)
    _generate   seeded RNG and layout helpers shared by the generators
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dnnjax.data.catvnoncat import CAT_FILES, load_catvnoncat
from dnnjax.data.digits import DIGIT_CLASSES, DIGIT_SHAPE, digits, one_hot
from dnnjax.data.houses import house_prices, standardize
from dnnjax.data.planar import blobs, gaussian_quantiles, noisy_circles, noisy_moons, planar_flower
from dnnjax.data.split import random_split, stratified_split
from dnnjax.errors import InvalidTypeError, InvalidValueError

__all__ = [
    "CAT_FILES", "load_catvnoncat", "planar_flower", "noisy_circles", "noisy_moons", "blobs",
    "gaussian_quantiles", "digits", "one_hot", "DIGIT_SHAPE", "DIGIT_CLASSES", "house_prices", "standardize",
    "random_split", "stratified_split", "Dataset", "NAMES", "SPLITS", "load", "labels_of",
]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A named dataset in the course layout; ``task`` is ``"binary"``, ``"multiclass"`` or
    ``"regression"``; ``classes`` the number of classes (2 for binary, None for regression).

    ``test_x``/``test_y`` are ``None`` for generated sets loaded without ``test_fraction``.
    """

    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray | None
    test_y: np.ndarray | None
    task: str
    classes: int | None = 2


_GENERATED = {"flower": planar_flower, "moons": noisy_moons, "circles": noisy_circles,
              "blobs": blobs, "quantiles": gaussian_quantiles, "houses": house_prices}
NAMES = (*_GENERATED, "digits", "cat")
SPLITS = ("stratified", "random")


def labels_of(Y: np.ndarray, task: str) -> np.ndarray:
    """Class indices ``(m,)`` of binary ``(1, m)`` 0/1 or one-hot ``(C, m)`` labels."""
    return np.argmax(Y, axis=0) if task == "multiclass" else np.asarray(Y[0])


def load(name: str, data_dir=None, seed: int | None = None, *, m: int | None = None,
         test_fraction: float = 0.0, split: str = "stratified") -> Dataset:
    """Load the dataset ``name`` (one of :data:`NAMES`) as a :class:`Dataset`.

    ``cat`` needs ``data_dir`` (the folder of the two ``.h5`` files) and keeps the course's own
    train/test split. The other sets use ``seed``/``m`` (``None``: the generator's defaults, the
    course's sets; ``digits`` is fixed and takes neither) and by default put every point in the
    training arrays, as the course does (its planar accuracies are training accuracies). With
    ``0 < test_fraction < 1`` columns are held out with ``RandomState(seed or 0)``:
    ``round(n_c * test_fraction)`` of every class ``c`` (``split="stratified"``, classification
    sets), or ``round(m * test_fraction)`` of one permutation (regression, or ``split="random"``).
    """
    if name not in NAMES:
        raise InvalidValueError(f"name: expected one of {list(NAMES)}, got {name!r}")
    if split not in SPLITS:
        raise InvalidValueError(f"split: expected one of {list(SPLITS)}, got {split!r}")
    if name == "cat":
        if data_dir is None:
            raise InvalidValueError("data_dir (--data-dir): the cat dataset needs the folder holding "
                                    f"{sorted(CAT_FILES.values())}; none was given")
        if m is not None or test_fraction:
            raise InvalidValueError("m, test_fraction: the cat dataset has a fixed train/test split")
        return Dataset(*load_catvnoncat(data_dir)[:4], task="binary")
    if name == "digits":
        if m is not None:
            raise InvalidValueError("m: the digits dataset has a fixed size (1797 images)")
        (X, Y), task, classes = digits(), "multiclass", DIGIT_CLASSES
    else:
        kwargs = {k: v for k, v in (("seed", seed), ("m", m)) if v is not None}
        X, Y = _GENERATED[name](**kwargs)
        task, classes = ("regression", None) if name == "houses" else ("binary", 2)
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)):
        raise InvalidTypeError(f"test_fraction: expected a float in [0, 1), got {test_fraction!r}")
    if not 0 <= test_fraction < 1:
        raise InvalidValueError(f"test_fraction: expected a float in [0, 1), got {test_fraction}")
    if test_fraction == 0:
        return Dataset(X, Y, None, None, task, classes)
    split_seed = seed if seed is not None else 0
    if task == "regression" or split == "random":
        tr, te = random_split(X.shape[1], test_fraction, split_seed)
    else:
        tr, te = stratified_split(labels_of(Y, task), test_fraction, split_seed)
    return Dataset(X[:, tr], Y[:, tr], X[:, te], Y[:, te], task, classes)
