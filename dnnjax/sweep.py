"""Many models in one compiled call: ``jit(vmap(train_chunks))`` over a batch of models.

A *batch* is ``B`` networks of the same shapes in one pytree whose leaves carry a leading
batch axis: ``{"W1": (B, n_1, n_0), "b1": (B, n_1, 1), ...}``. Every model sees the same ``X``
(n_x, m) and ``Y`` (n_L, m) and has its own learning rate; the engine is
:func:`dnnjax.train.train_chunks` (no second training loop). Sweeps are full-batch gradient
descent (or an optax optimizer on the full batch): minibatch training (``batch_size=``) is
:func:`dnnjax.fit`'s, one model at a time.

- :func:`fit_many`: train a given batch (optionally masked); :func:`fit_seeds`: initialise
  with :func:`dnnjax.init_params` from a batch of keys inside the ``vmap``, then train;
  :func:`fit_hidden_sizes` (:func:`hidden_size_masks`, :func:`sub_network`): hidden widths
  by masking one ``n_max``-wide network.

Divergence is an expected outcome of a learning-rate sweep, so nothing raises on it: results
carry ``diverged`` (B,) bool and ``first_bad`` (B,), the first iteration whose cost was
non-finite (``num_iterations`` if only the final parameters are), else ``-1``. Compiled
programs are cached on (shapes, dtypes, hidden, output, method, optimizer, iteration plan).
"""
from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dnnjax import inputs, validate
from dnnjax.compiled import platform_jit
from dnnjax.errors import InvalidTypeError, InvalidValueError, ShapeError
from dnnjax.init import SCALES, init_params
from dnnjax.train import step_functions, train_chunks


class SweepResult(NamedTuple):
    """``params``: ``{"W1": (B, n_1, n_0), ...}``; ``costs``: (B, ceil(num_iterations / log_every));
    ``diverged``: (B,) bool; ``first_bad``: (B,) int32 (-1 where the model stayed finite)."""
    params: dict
    costs: jax.Array
    diverged: jax.Array
    first_bad: jax.Array


def _train_one(params, lr, mask, X, Y, *, config, optimizer, plan):
    """One model: the course's update (or ``optimizer(lr)``) over ``plan``'s chunked phases."""
    grad_fn, cost_fn = step_functions(params, config[2], batched=True)  # narrow form for small manual nets
    if mask is not None:  # masked entries start at zero and get zero gradient: they stay zero
        params = jax.tree.map(jnp.multiply, params, mask)
        unmasked = grad_fn

        def grad_fn(p, X_, Y_, cfg):
            cost, g = unmasked(p, X_, Y_, cfg)
            return cost, jax.tree.map(jnp.multiply, g, mask)
    opt = None if optimizer is None else optimizer(lr)
    opt_state = () if opt is None else opt.init(params)
    costs, bad, it = [], jnp.asarray(-1, jnp.int32), 0
    for n_chunks, chunk in plan:  # at most two phases: full chunks, then the remainder
        params, opt_state, c, b = train_chunks(params, opt_state, X, Y, lr, it, grad_fn=grad_fn, config=config,
                                               optimizer=opt, n_chunks=n_chunks, chunk=chunk, cost_fn=cost_fn)
        costs.append(c)
        bad = jnp.where(bad < 0, b, bad)
        it += n_chunks * chunk
    costs = jnp.concatenate(costs) if costs else jnp.zeros((0,), lr.dtype)
    return SweepResult(params, costs, bad >= 0, bad)


@platform_jit(static_argnames=("config", "optimizer", "plan"))
def _fit_many_jit(params, lrs, mask, X, Y, *, config, optimizer, plan):
    def grow(v):  # a shared (rows, cols) leaf -> (B, rows, cols); batched leaves pass through
        return jnp.broadcast_to(v, lrs.shape + v.shape[-2:])
    params, mask = jax.tree.map(grow, params), jax.tree.map(grow, mask)
    one = partial(_train_one, config=config, optimizer=optimizer, plan=plan)
    return jax.vmap(one, in_axes=(0, 0, 0, None, None))(params, lrs, mask, X, Y)


@platform_jit(static_argnames=("layer_dims", "scale", "dtype", "config", "optimizer", "plan"))
def _fit_seeds_jit(keys, lrs, X, Y, *, layer_dims, scale, dtype, config, optimizer, plan):
    def one(key, lr):
        p = init_params(key, layer_dims, scale=scale, dtype=dtype)
        return _train_one(p, lr, None, X, Y, config=config, optimizer=optimizer, plan=plan)
    return jax.vmap(one, in_axes=(0, 0))(keys, lrs)


def _common(hidden, output, method, optimizer, num_iterations, log_every):
    inputs.names(hidden, output)
    validate.one_of(method, inputs.METHODS, "method")
    if optimizer is not None and not callable(optimizer):
        raise InvalidTypeError("optimizer must be None or a function learning_rate -> optax.GradientTransformation "
                               f"(e.g. optax.adam); got {type(optimizer).__name__}")
    log_every = validate.positive_int(log_every, "log_every")
    full, rest = divmod(validate.nonneg_int(num_iterations, "num_iterations"), log_every)  # as dnnjax.train.run
    return (hidden, output, method), tuple(([(full, log_every)] if full else []) + ([(1, rest)] if rest else []))


def _batch_size(name, B, n):
    if B is not None and n != B:
        raise ShapeError(f"{name} has a batch of {n} models but another argument has {B}; the leading axes must agree")
    return n


def _learning_rates(lrs, B, dtype):
    """A scalar or a (B,) sequence of finite rates > 0 -> ``(B or None, array)``."""
    arr = np.asarray(lrs) if isinstance(lrs, (jax.Array, np.ndarray, list, tuple)) else None
    if arr is None:
        return B, validate.positive_float(lrs, "learning_rates")
    if arr.ndim > 1 or arr.dtype.kind not in "iuf" or arr.size == 0:
        raise InvalidValueError(f"learning_rates must be a number or a 1-D list of numbers (one per model); "
                                f"got shape {arr.shape}, dtype {arr.dtype}")
    if not (np.all(np.isfinite(arr)) and np.all(arr > 0)):
        raise InvalidValueError(f"learning_rates must all be finite and > 0; got {arr.tolist()}")
    return (B if arr.ndim == 0 else _batch_size("learning_rates", B, arr.shape[0])), arr.astype(dtype)


def fit_many(params_batch, X, Y, *, hidden="relu", output="sigmoid", learning_rates=0.0075, num_iterations=2500,
             log_every=100, method="autodiff", optimizer=None, masks=None) -> SweepResult:
    """Train ``B`` models of the same shapes in one compiled call; model ``i`` equals
    ``dnnjax.fit(take(params_batch, i), X, Y, learning_rate=learning_rates[i], ...)``.

    Args:
      params_batch: ``{"W1": (B, n_1, n_0), "b1": (B, n_1, 1), ...}``, or one network's
        parameters (``W1`` 2-D), shared as the start of every model.
      X: (n_x, m); Y: (n_L, m), shared by every model.
      learning_rates: a number (every model) or a length-``B`` sequence.
      optimizer: None (the course's gradient descent) or ``learning_rate -> optax transform``,
        e.g. ``optax.adam``, called inside the ``vmap`` with each model's rate (pass the same
        function object each time: it is part of the compiled configuration).
      masks: optional 0/1 pytree like ``params_batch`` (leaves with or without the batch axis):
        masked entries are zeroed at the start and get zero gradient, so they stay zero (with
        gradient descent, or any optimizer whose update is zero for a zero gradient history).
      Everything else as :func:`dnnjax.fit`.

    Returns:
      :class:`SweepResult` with a leading batch axis ``B`` on every field. Does not raise on
      divergence: see ``diverged`` / ``first_bad``.
    """
    config, plan = _common(hidden, output, method, optimizer, num_iterations, log_every)
    batched, probe = _probe(params_batch)
    _, X, Y = inputs.prepare(probe, X, Y, hidden=hidden, output=output)
    dtype = X.dtype
    sizes = {np.shape(v)[0] for v in params_batch.values()} if batched else {None}
    if len(sizes) != 1:
        raise ShapeError(f"params_batch leaves disagree on the batch size: {sorted(sizes)}")
    B = sizes.pop()
    B, lrs = _learning_rates(learning_rates, B, dtype)
    if masks is not None:
        B, masks = _masks(masks, params_batch, B, batched, dtype)
    lrs = np.broadcast_to(np.asarray(lrs, dtype), (1 if B is None else B,))
    params = {k: jnp.asarray(v, dtype) for k, v in params_batch.items()}  # broadcast to B inside the jit
    return _fit_many_jit(params, lrs, masks, X, Y, config=config, optimizer=optimizer, plan=plan)


def _probe(params_batch):
    """``(batched, one model's parameters as NumPy zeros)``: shapes and dtypes, no device work."""
    if not isinstance(params_batch, dict) or "W1" not in params_batch:
        validate.params(params_batch)  # raises the usual message
    ndim = {k: np.ndim(v) for k, v in params_batch.items()}
    batched = all(d == 3 for d in ndim.values())
    if not batched and not all(d == 2 for d in ndim.values()):
        raise ShapeError(f"params_batch leaves must all be (B, rows, cols) or all (rows, cols); got ndims {ndim}")
    probe = {k: np.zeros(np.shape(v)[batched:], v.dtype if hasattr(v, "dtype") else np.asarray(v).dtype)
             for k, v in params_batch.items()}
    validate.params(probe)
    return batched, probe


def _masks(masks, params_batch, B, batched, dtype):
    if not isinstance(masks, dict) or set(masks) != set(params_batch):
        got = sorted(masks) if isinstance(masks, dict) else type(masks).__name__
        raise InvalidValueError(f"masks must be a dict with the keys of params {sorted(params_batch)}; got {got}")
    out = {}
    for k, v in masks.items():
        shape = np.shape(params_batch[k])[batched:]
        arr = np.asarray(v)
        if arr.shape[-2:] != shape or arr.ndim not in (2, 3):
            raise ShapeError(f"masks['{k}'] must have shape {shape} or (B, *{shape}); got {arr.shape}")
        if not np.all((arr == 0) | (arr == 1)):
            raise InvalidValueError(f"masks['{k}'] must hold only 0/1 (or booleans)")
        if arr.ndim == 3:
            B = _batch_size(f"masks['{k}']", B, arr.shape[0])
        out[k] = np.asarray(arr, dtype)
    return B, out


def fit_seeds(keys, layer_dims, X, Y, *, scale=0.01, dtype=jnp.float32, hidden="relu", output="sigmoid",
              learning_rates=0.0075, num_iterations=2500, log_every=100, method="autodiff",
              optimizer=None) -> SweepResult:
    """One model per key, initialised by ``init_params(keys[i], layer_dims, scale=, dtype=)``
    inside the compiled ``vmap``, then trained as :func:`fit_many` does.

    ``keys``: (B,) typed keys (``jax.random.split(jax.random.key(0), B)``) or raw (B, 2) uint32.
    """
    config, plan = _common(hidden, output, method, optimizer, num_iterations, log_every)
    keys = _keys(keys)
    dims = validate.layer_dims(layer_dims)
    validate.init_scale(scale, SCALES)
    dtype = validate.float_dtype(dtype)
    shapes = jax.eval_shape(lambda k: init_params(k[0], dims, scale=scale, dtype=dtype), keys)
    _, X, Y = inputs.prepare({k: np.zeros(v.shape, v.dtype) for k, v in shapes.items()}, X, Y, hidden=hidden, output=output)
    _, lrs = _learning_rates(learning_rates, keys.shape[0], dtype)
    lrs = np.broadcast_to(np.asarray(lrs, dtype), keys.shape)
    return _fit_seeds_jit(keys, lrs, X, Y, layer_dims=dims, scale=scale if isinstance(scale, str) else float(scale),
                          dtype=dtype, config=config, optimizer=optimizer, plan=plan)


def _keys(keys):
    if isinstance(keys, jax.Array) and jnp.issubdtype(keys.dtype, jax.dtypes.prng_key):
        if keys.ndim != 1 or keys.shape[0] < 1:
            raise ShapeError(f"keys must be a 1-D batch of keys (B,); got shape {keys.shape}")
        return keys
    if isinstance(keys, (jax.Array, np.ndarray)) and keys.dtype == np.uint32 and keys.ndim == 2 and keys.shape[1] == 2:
        return jax.random.wrap_key_data(jnp.asarray(keys))
    raise InvalidTypeError("keys must be a batch of jax.random keys, e.g. jax.random.split(jax.random.key(0), B); "
                           f"got {type(keys).__name__} {getattr(keys, 'dtype', '')} {getattr(keys, 'shape', '')}")


def hidden_size_masks(layer_dims, sizes, *, layer=1):
    """0/1 masks ``{"W1": (len(sizes), n_1, n_0), ...}`` keeping the first ``sizes[i]`` units of
    hidden layer ``layer``: rows of ``W{layer}``/``b{layer}`` and columns of ``W{layer+1}``."""
    dims = validate.layer_dims(layer_dims)
    if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer < len(dims) - 1:
        raise InvalidValueError(f"layer must be a hidden layer, an int in [1, {len(dims) - 2}]; got {layer!r}")
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (list, tuple, np.ndarray)):
        raise InvalidTypeError(f"sizes must be a list of hidden-layer widths; got {type(sizes).__name__}")
    sizes = [validate.positive_int(s, "sizes[i]") for s in sizes]
    if not sizes or max(sizes) > dims[layer]:
        raise InvalidValueError(f"sizes must be a non-empty list of ints in [1, n[{layer}] = {dims[layer]}]; got {sizes}")
    keep = np.arange(dims[layer])[None, :] < np.asarray(sizes)[:, None]  # (S, n_layer)
    out = {}
    for l in range(1, len(dims)):
        W, b = np.ones((len(sizes), dims[l], dims[l - 1])), np.ones((len(sizes), dims[l], 1))
        if l == layer:
            W, b = W * keep[:, :, None], b * keep[:, :, None]
        if l == layer + 1:
            W = W * keep[:, None, :]
        out[f"W{l}"], out[f"b{l}"] = W, b
    return out


def fit_hidden_sizes(params, X, Y, sizes, *, layer=1, **kwargs) -> SweepResult:
    """Sweep the width of hidden layer ``layer`` over ``sizes`` in one compiled call.

    ``params``: one ``n_max``-wide network (shared start) or a batch of ``len(sizes)``. Model
    ``i`` equals a separate fit of ``sub_network(start_i, sizes[i], layer=layer)``; its
    ``result.params`` stay ``n_max`` wide with zeros beyond ``sizes[i]``. ``kwargs``: as
    :func:`fit_many`.
    """
    dims = validate.params(_probe(params)[1])
    return fit_many(params, X, Y, masks=hidden_size_masks(dims, sizes, layer=layer), **kwargs)


def take(params_batch, i):
    """Model ``i`` of a batch: ``{"W1": (n_1, n_0), ...}``."""
    return {k: v[i] for k, v in params_batch.items()}


def sub_network(params, n_h, *, layer=1):
    """The first ``n_h`` units of hidden layer ``layer`` of one network, as a smaller network."""
    W, Wn = params[f"W{layer}"], params[f"W{layer + 1}"]
    return {**params, f"W{layer}": W[:n_h], f"b{layer}": params[f"b{layer}"][:n_h], f"W{layer + 1}": Wn[:, :n_h]}
