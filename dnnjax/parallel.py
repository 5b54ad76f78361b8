"""Data-parallel training over a device mesh (``jax.sharding``).

The examples axis (columns of ``X`` (n_x, m) and ``Y`` (n_L, m)) is split over the mesh axis
``"batch"``: ``NamedSharding(mesh, P(None, "batch"))``, so each of the ``d`` devices holds an
``(n_x, m/d)`` block of columns. Parameters and optimizer state are replicated, ``P()``. The
compiled training loop is the single-device one: ``jit`` propagates these input shardings, so
every device runs the forward/backward pass on its columns and the sums over examples (the
cost and ``dW = dZ A^T``, ``db = sum(dZ)``) become cross-device all-reduces; the updated
parameters come back replicated.

``m`` must be divisible by the number of devices: otherwise a ShapeError names ``m`` and the
device count (no silent padding: padded columns would change the mean cost).

Minibatch training (``fit(..., batch_size=B)``) replicates ``X``/``Y`` instead, so every device
can gather any batch of the epoch's global permutation, and splits each gathered batch's
``B`` columns over the devices (``B`` must divide evenly: :func:`check_batch_divisible`; the
masked partial batch is padded to ``B``, so it splits too). The steps are those of one device:
4 devices equal 1 up to the order of the sums over examples.

Across hosts (after ``jax.distributed.initialize``) each process holds only its own block of
columns; :func:`from_process_local` builds the global arrays from them, and :func:`prepare`
(what ``fit`` calls) checks X on device and Y block by block, as no process sees all of it.

Helpers: :func:`make_mesh`, :func:`shard_batch` and :func:`replicate` (single process: place
arrays yourself), :func:`from_process_local` (several processes).
"""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import jax
import numpy as np
from jax.sharding import AxisType, Mesh, NamedSharding, PartitionSpec as P

from dnnjax import inputs, validate
from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError

BATCH = "batch"


def make_mesh(devices=None) -> Mesh:
    """A 1-D mesh with axis ``"batch"`` (``AxisType.Auto``: ``jit`` propagates shardings).

    ``devices``: None (every device, all processes), an int ``N`` (the first ``N`` of
    ``jax.devices()``), or a non-empty sequence of distinct ``jax.Device``.
    """
    available = jax.devices()
    if devices is None:
        devs = available
    elif isinstance(devices, (numbers.Integral, np.integer)) and not isinstance(devices, bool):
        if not 1 <= devices <= len(available):
            raise InvalidValueError(
                f"devices must be between 1 and the {len(available)} available device(s) "
                f"({available[0].platform}); got devices={devices}")
        devs = available[: int(devices)]
    elif isinstance(devices, Sequence) and not isinstance(devices, (str, bytes)):
        devs = list(devices)
        if not devs or not all(isinstance(d, jax.Device) for d in devs):
            raise InvalidTypeError(f"devices must be an int or a non-empty list of jax.Device; got {devices!r}")
        if len(set(devs)) != len(devs):
            raise InvalidValueError(f"devices lists a device twice: {devs}")
    else:
        raise InvalidTypeError(f"devices must be None, an int or a list of jax.Device; got {type(devices).__name__}")
    return jax.make_mesh((len(devs),), (BATCH,), (AxisType.Auto,), devices=devs)


def resolve(mesh=None, devices=None) -> Mesh | None:
    """The mesh ``fit`` trains on: ``mesh``, ``make_mesh(devices)``, or None (one device).

    A given mesh keeps its devices and axes but is used with ``AxisType.Auto`` axes, so
    ``jit`` propagates the shardings through the (unannotated) core code.
    """
    if mesh is not None and devices is not None:
        raise InvalidValueError("give fit either mesh= or devices=, not both")
    if mesh is None:
        return None if devices is None else make_mesh(devices)
    if not isinstance(mesh, Mesh):
        raise InvalidTypeError(f"mesh must be a jax.sharding.Mesh; got {type(mesh).__name__}")
    if BATCH not in mesh.axis_names:
        raise InvalidValueError(f"mesh must have an axis named {BATCH!r}; got axes {mesh.axis_names}")
    if not mesh.are_all_axes_auto:  # Explicit axes would make the backward pass's dZ @ A.T ambiguous
        mesh = Mesh(mesh.devices, mesh.axis_names, axis_types=(AxisType.Auto,) * len(mesh.axis_names))
    return mesh


def batch_sharding(mesh: Mesh) -> NamedSharding:
    """Columns (examples) split over ``"batch"``, rows whole: ``P(None, "batch")``."""
    return NamedSharding(mesh, P(None, BATCH))


def replicated(mesh: Mesh) -> NamedSharding:
    """Whole array on every device: ``P()``."""
    return NamedSharding(mesh, P())


def check_divisible(m: int, mesh: Mesh) -> None:
    d = mesh.shape[BATCH]
    if m % d:
        raise ShapeError(
            f"X and Y have m = {m} examples (columns), which do not split evenly over the {d} devices "
            f"of the mesh axis {BATCH!r}; use m divisible by {d} (e.g. drop {m % d} example(s)) or "
            f"a device count that divides {m}")


def check_batch_divisible(batch_size: int, mesh: Mesh) -> None:
    """Minibatch training splits each step's ``batch_size`` columns over the mesh's devices."""
    d = mesh.shape[BATCH]
    if batch_size % d:
        raise ShapeError(
            f"batch_size = {batch_size} does not split evenly over the {d} devices of the mesh axis {BATCH!r} "
            f"(each step's batch is divided among them); use a batch_size divisible by {d}")


def shard_batch(X, Y, mesh: Mesh):
    """Place ``X`` (n_x, m) and ``Y`` (n_L, m) with their columns split over ``"batch"``."""
    check_divisible(X.shape[1], mesh)
    s = batch_sharding(mesh)
    return jax.device_put(X, s), jax.device_put(Y, s)


def replicate(tree, mesh: Mesh):
    """Every leaf of ``tree`` (parameters, optimizer state) copied whole to every device."""
    return jax.device_put(tree, replicated(mesh))


def from_process_local(X_local, Y_local, mesh: Mesh):
    """Global ``(X, Y)`` from this process's columns (multi-process: every process calls it).

    ``X_local`` (n_x, m_local), ``Y_local`` (n_L, m_local): the block of examples the mesh gives
    this process's devices; with :func:`make_mesh` (devices in ``jax.devices()`` order, process
    by process) process ``i`` holds block ``i``. Global ``m`` is the sum over processes.
    """
    s = batch_sharding(mesh)
    return (jax.make_array_from_process_local_data(s, np.asarray(X_local)),
            jax.make_array_from_process_local_data(s, np.asarray(Y_local)))


def _place(a, dtype, sharding):
    """``a`` as ``dtype`` on ``sharding``; host data goes straight to its devices (no one-device copy)."""
    if not isinstance(a, jax.Array) or (a.is_fully_addressable and not sharding.is_fully_addressable):
        return jax.device_put(np.asarray(a, dtype), sharding)  # every process holds the whole of ``a``
    return jax.device_put(a.astype(dtype), sharding)


def _check_Y(Y, m, n_out, output):
    """validate.Y; for a Y spanning other processes, its shape and then this process's blocks."""
    if not (isinstance(Y, jax.Array) and not Y.is_fully_addressable):
        return validate.Y(Y, m, n_out, output)
    if Y.shape != (n_out, m):
        raise ShapeError(f"Y must have shape ({n_out}, {m}): n_L = {n_out} rows and one column per example of X; got {Y.shape}")
    for shard in Y.addressable_shards:
        if shard.replica_id == 0:
            block = np.asarray(shard.data)
            validate.Y(block, block.shape[1], n_out, output)
    return Y


def prepare(params, X, Y, mesh: Mesh, *, hidden: str, output: str, split_columns: bool = True):
    """The checks of :func:`dnnjax.inputs.prepare`, then ``(params, X, Y)`` placed on ``mesh``.

    params replicated, X (n_x, m) / Y (n_L, m) split by columns, all in ``W1``'s dtype (with
    ``split_columns=False``, minibatch training: X/Y replicated, every device can gather any
    batch; the loop splits each gathered batch over the devices instead). NumPy
    data goes from the host straight to the devices' column blocks. X's checks run on device
    (they work on global arrays); a Y spanning other processes is checked block by block.
    """
    inputs.names(hidden, output)
    dims = validate.params(params)
    X = validate.X(X, dims)
    m = X.shape[1]
    Y = _check_Y(Y, m, dims[-1], output)
    if output == "softmax" and dims[-1] < 2:
        raise InvalidValueError(f"output='softmax' needs n_L >= 2 classes; the last layer has {dims[-1]} unit")
    if split_columns:
        check_divisible(m, mesh)
    dtype = jax.dtypes.canonicalize_dtype(params["W1"].dtype)  # float64 -> float32 unless x64 is on
    rep = replicated(mesh)
    cols = batch_sharding(mesh) if split_columns else rep
    params = {k: _place(v, dtype, rep) for k, v in params.items()}
    return params, _place(X, dtype, cols), _place(Y, dtype, cols)
