"""Hold out a test split of a data set in the course layout (examples in columns).

``stratified_split`` holds out ``round(n_c * fraction)`` columns of every class ``c`` (each class
keeps its share in both splits); ``random_split`` (regression, and checkpoints written before
splits were stratified) holds out ``round(m * fraction)`` columns of one permutation. Both draw
from ``np.random.RandomState(seed)`` and return column indices ``(train, test)`` (stratified:
sorted; random: in the permutation's order, as dnnjax has always split).
"""
from __future__ import annotations

import numpy as np

from dnnjax.errors import InvalidValueError

__all__ = ["random_split", "stratified_split"]


def random_split(m: int, fraction: float, seed: int):
    n_test = int(round(m * fraction))
    if not 1 <= n_test < m:
        raise InvalidValueError(f"test_fraction: {fraction} of {m} points leaves an empty split")
    perm = np.random.RandomState(seed).permutation(m)
    return perm[n_test:], perm[:n_test]


def stratified_split(labels, fraction: float, seed: int):
    """``labels``: ``(m,)`` class indices. Every class with at least two examples gets at least
    one test and one training example."""
    labels = np.asarray(labels)
    rng = np.random.RandomState(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        idx = idx[rng.permutation(idx.size)]
        n_test = int(round(idx.size * fraction))
        if idx.size >= 2:
            n_test = min(max(n_test, 1), idx.size - 1)
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    train, test = np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
    if test.size == 0 or train.size == 0:
        raise InvalidValueError(f"test_fraction: {fraction} of {labels.size} points leaves an empty split")
    return train, test
