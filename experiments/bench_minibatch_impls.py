"""The implementations experiments/bench_minibatch.py races: the same minibatch SGD, one epoch =
a fresh permutation, ``ceil(m/B)`` steps (the last on the partial batch), mean cost per batch.

Each ``make_<impl>(p0, X, Y, lr, B)`` takes the course-layout float32 problem (``p0`` {"W1":
(n_1, n_x), ...}, ``X`` (n_x, m), one-hot ``Y`` (C, m)), puts it in the layout it prefers
(outside the timing), and returns ``run(epochs) -> params`` in the course layout. ReLU hidden
layers, softmax output, plain SGD (no momentum, no weight decay).
"""
from __future__ import annotations

import numpy as np


def make_dnnjax(p0, X, Y, lr, B):
    import jax
    import dnnjax

    key = jax.random.key(0)
    Xj, Yj = jax.device_put(X), jax.device_put(Y)
    pj = jax.device_put(p0)  # on the device once, as init_params gives them (the hand scan's too)

    def run(epochs):
        p, c = dnnjax.fit(pj, Xj, Yj, output="softmax", learning_rate=lr, batch_size=B, num_epochs=epochs, key=key,
                          log_every=max(epochs, 1))
        jax.block_until_ready(p)
        return p
    return run


def make_jax_scan(p0, X, Y, lr, B):
    """A careful hand-written JAX scan: row layout (examples in rows, gathers of contiguous
    rows), packed-sort permutations, all of the run's drawn at once before the epochs (one
    threefry loop and one sort: per epoch, the draw costs ~10 % of a digits epoch), full
    batches in one ``lax.scan``, the partial batch a step of its own shape, the whole run one
    ``jit``."""
    import jax
    import jax.numpy as jnp

    L = len(p0) // 2
    m = X.shape[1]
    nb, r = divmod(m, B)
    bits = (m - 1).bit_length()
    XT, YT = jnp.asarray(X.T), jnp.asarray(Y.T)

    def loss(p, xb, yb):
        a = xb
        for l in range(1, L + 1):
            z = a @ p[f"W{l}"] + p[f"b{l}"]
            a = jax.nn.relu(z) if l < L else z
        return -jnp.mean(jnp.sum(yb * jax.nn.log_softmax(a, axis=1), axis=1))

    def sgd(p, idx):
        g = jax.grad(loss)(p, XT[idx], YT[idx])
        return jax.tree.map(lambda w, d: w - lr * d, p, g)

    def permutations(epochs_arr):  # (epochs, m): epoch e's from fold_in(key, e), one batched sort
        k = jax.vmap(lambda e: jax.random.fold_in(jax.random.key(0), e))(epochs_arr)
        random_bits = jax.vmap(lambda ke: jax.random.bits(ke, (m,), jnp.uint32))(k)
        packed = (random_bits << bits) | jnp.arange(m, dtype=jnp.uint32)
        return (jnp.sort(packed, axis=1) & ((1 << bits) - 1)).astype(jnp.int32)

    def epoch(p, perm):
        p, _ = jax.lax.scan(lambda q, idx: (sgd(q, idx), None), p, perm[:nb * B].reshape(nb, B))
        return (sgd(p, perm[nb * B:]) if r else p), None

    @jax.jit
    def train(p, epochs_arr):
        return jax.lax.scan(epoch, p, permutations(epochs_arr))[0]

    start = {f"W{l}": jnp.asarray(p0[f"W{l}"].T) for l in range(1, L + 1)}
    start.update({f"b{l}": jnp.asarray(p0[f"b{l}"].T) for l in range(1, L + 1)})

    def run(epochs):
        p = jax.block_until_ready(train(start, jnp.arange(epochs)))
        return {k: np.asarray(v).T for k, v in p.items()}
    return run


def make_numpy(p0, X, Y, lr, B):
    """Vectorised NumPy, row layout, ``X[idx]`` gathers."""
    L = len(p0) // 2
    XT, YT = np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)
    m = XT.shape[0]
    rng = np.random.default_rng(0)

    def run(epochs):
        W = [np.ascontiguousarray(p0[f"W{l}"].T) for l in range(1, L + 1)]
        b = [p0[f"b{l}"].T.copy() for l in range(1, L + 1)]
        for _ in range(epochs):
            perm = rng.permutation(m)
            for k in range(0, m, B):
                idx = perm[k:k + B]
                a, acts = XT[idx], []
                for l in range(L):
                    acts.append(a)
                    z = a @ W[l] + b[l]
                    a = np.maximum(z, 0) if l < L - 1 else z
                e = np.exp(a - a.max(axis=1, keepdims=True))
                dz = (e / e.sum(axis=1, keepdims=True) - YT[idx]) / len(idx)
                for l in range(L - 1, -1, -1):
                    dW, db = acts[l].T @ dz, dz.sum(axis=0, keepdims=True)
                    if l:
                        dz = (dz @ W[l].T) * (acts[l] > 0)
                    W[l] -= lr * dW
                    b[l] -= lr * db
        out = {f"W{l + 1}": W[l].T for l in range(L)}
        out.update({f"b{l + 1}": b[l].T for l in range(L)})
        return out
    return run


def make_torch(p0, X, Y, lr, B):
    """PyTorch eager: leaf tensors, autograd, ``torch.randperm``, in-place SGD update."""
    import torch

    L = len(p0) // 2
    XT, yi = torch.from_numpy(np.ascontiguousarray(X.T)), torch.from_numpy(np.argmax(Y, axis=0))
    m = XT.shape[0]
    g = torch.Generator().manual_seed(0)

    def run(epochs):
        W = [torch.tensor(p0[f"W{l}"], requires_grad=True) for l in range(1, L + 1)]  # (out, in): F.linear's layout
        b = [torch.tensor(p0[f"b{l}"][:, 0], requires_grad=True) for l in range(1, L + 1)]
        for _ in range(epochs):
            perm = torch.randperm(m, generator=g)
            for k in range(0, m, B):
                idx = perm[k:k + B]
                a = XT[idx]
                for l in range(L):
                    a = torch.nn.functional.linear(a, W[l], b[l])
                    if l < L - 1:
                        a = torch.relu(a)
                loss = torch.nn.functional.cross_entropy(a, yi[idx])
                for t in W + b:
                    t.grad = None
                loss.backward()
                with torch.no_grad():
                    for t in W + b:
                        t.sub_(lr * t.grad)
        out = {f"W{l + 1}": W[l].detach().numpy() for l in range(L)}
        out.update({f"b{l + 1}": b[l].detach().numpy()[:, None] for l in range(L)})
        return out
    return run


def make_sklearn(p0, X, Y, lr, B):
    """scikit-learn's ``MLPClassifier(solver="sgd", momentum=0)``, started from ``p0``."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    L = len(p0) // 2
    XT, yi = np.ascontiguousarray(X.T), np.argmax(Y, axis=0)
    hidden = tuple(p0[f"W{l}"].shape[0] for l in range(1, L))

    clf = MLPClassifier(hidden_layer_sizes=hidden, solver="sgd", momentum=0.0, nesterovs_momentum=False,
                        learning_rate="constant", learning_rate_init=1e-30, batch_size=B, alpha=0.0, shuffle=True,
                        max_iter=1, tol=0.0, n_iter_no_change=10**9, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(XT, yi)  # allocates coefs_ (overwritten with p0 before every run)

    def run(epochs):
        clf.coefs_ = [np.array(p0[f"W{l}"].T) for l in range(1, L + 1)]
        clf.intercepts_ = [np.array(p0[f"b{l}"][:, 0]) for l in range(1, L + 1)]
        clf.set_params(max_iter=epochs, learning_rate_init=lr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(XT, yi)  # warm_start: continues from coefs_
        out = {f"W{l}": clf.coefs_[l - 1].T for l in range(1, L + 1)}
        out.update({f"b{l}": clf.intercepts_[l - 1][:, None] for l in range(1, L + 1)})
        return out
    return run


IMPLS = {"dnnjax fit": make_dnnjax, "hand JAX scan": make_jax_scan, "numpy (rows)": make_numpy,
         "pytorch eager": make_torch, "sklearn MLP sgd": make_sklearn}
