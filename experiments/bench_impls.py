"""The implementations ``experiments/bench.py`` races, each on the same math and initial parameters.

Every ``make_*`` takes ``(params0, X, Y, hidden, lr)`` (NumPy float32, course layout) and
returns ``run(n) -> params`` that trains ``n`` full-batch gradient-descent iterations from
``params0`` and returns the final parameters as NumPy arrays (so costs can be compared).
"""
from __future__ import annotations

import importlib.util
import os

import numpy as np


def make_numpy(params0, X, Y, hidden, lr):
    """The course's algorithm in vectorised NumPy, Python loop over iterations (the reference)."""

    def run(n):
        p = {k: v.copy() for k, v in params0.items()}
        L, m = len(p) // 2, X.shape[1]
        for _ in range(n):
            A, caches = X, []
            for l in range(1, L + 1):
                Z = p[f"W{l}"] @ A + p[f"b{l}"]
                caches.append((A, Z))
                A = (np.maximum(Z, 0) if hidden == "relu" else np.tanh(Z)) if l < L else 1 / (1 + np.exp(-Z))
            dA = -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))
            for l in range(L, 0, -1):
                A_prev, Z = caches[l - 1]
                if l == L:
                    s = 1 / (1 + np.exp(-Z))
                    dZ = dA * s * (1 - s)
                elif hidden == "relu":
                    dZ = np.array(dA, copy=True)
                    dZ[Z <= 0] = 0
                else:
                    dZ = dA * (1 - np.tanh(Z) ** 2)
                dW = 1.0 / m * dZ @ A_prev.T
                db = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
                dA = p[f"W{l}"].T @ dZ
                p[f"W{l}"] = p[f"W{l}"] - lr * dW
                p[f"b{l}"] = p[f"b{l}"] - lr * db
        return p

    return run


def make_dnnjax(method, gram="auto"):
    def make(params0, X, Y, hidden, lr):
        import jax
        import jax.numpy as jnp

        import dnnjax

        Xj, Yj = jnp.asarray(X), jnp.asarray(Y)  # on device once, as a user's data would be
        p0 = {k: jnp.asarray(v) for k, v in params0.items()}

        def run(n):
            params, _ = dnnjax.fit(p0, Xj, Yj, hidden=hidden, learning_rate=lr, num_iterations=n, method=method, gram=gram)
            return {k: np.asarray(v) for k, v in jax.block_until_ready(params).items()}

        return run

    return make


def make_torch(params0, X, Y, hidden, lr):
    """PyTorch eager with autograd and the same plain gradient-descent update (on
    ``$BENCH_TORCH_DEVICE``, default cpu; experiments/gpu_check.sh sets cuda)."""
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    device = os.environ.get("BENCH_TORCH_DEVICE", "cpu")
    Xt, Yt = torch.from_numpy(X).to(device), torch.from_numpy(Y).to(device)
    act = torch.relu if hidden == "relu" else torch.tanh
    L = len(params0) // 2

    def run(n):
        p = {k: torch.tensor(v, requires_grad=True, device=device) for k, v in params0.items()}
        for _ in range(n):
            A = Xt
            for l in range(1, L + 1):
                Z = torch.addmm(p[f"b{l}"], p[f"W{l}"], A)
                A = act(Z) if l < L else Z
            loss = torch.nn.functional.binary_cross_entropy_with_logits(A, Yt)
            loss.backward()
            with torch.no_grad():
                for v in p.values():
                    v -= lr * v.grad
                    v.grad = None
        return {k: v.detach().cpu().numpy() for k, v in p.items()}  # waits for the device

    return run


def make_sklearn(params0, X, Y, hidden, lr):
    """scikit-learn MLPClassifier: full batch, plain SGD (no momentum, no L2), warm-started
    from the same initial parameters (its layout is transposed: X (m, n_x), coefs (n_in, n_out))."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    L, m = len(params0) // 2, X.shape[1]
    sizes = tuple(params0[f"W{l}"].shape[0] for l in range(1, L))
    Xs, ys = np.ascontiguousarray(X.T), Y.ravel().astype(int)

    def run(n):
        clf = MLPClassifier(hidden_layer_sizes=sizes, activation=hidden, solver="sgd", alpha=0.0, batch_size=m,
                            learning_rate="constant", learning_rate_init=lr, momentum=0.0, nesterovs_momentum=False,
                            max_iter=1, shuffle=False, tol=0.0, n_iter_no_change=10**9, warm_start=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(Xs, ys)  # sets up the internals; the parameters are replaced below
            clf.coefs_ = [params0[f"W{l}"].T.copy() for l in range(1, L + 1)]
            clf.intercepts_ = [params0[f"b{l}"].ravel().copy() for l in range(1, L + 1)]
            clf.max_iter = n
            clf.fit(Xs, ys)
        out = {}
        for l in range(1, L + 1):
            out[f"W{l}"], out[f"b{l}"] = clf.coefs_[l - 1].T, clf.intercepts_[l - 1][:, None]
        return out

    return run


def available():
    """Implementations by label; optional libraries are looked up, not imported, so each
    worker process loads (and starts the thread pools of) only the library it runs."""
    impls = {"numpy (course reference)": make_numpy, "dnnjax fit autodiff": make_dnnjax("autodiff"),
             "dnnjax fit manual": make_dnnjax("manual"),
             # the same without the first layer's Gram form (dnnjax.dual), for the primal matmul efficiency
             "dnnjax manual gram=False": make_dnnjax("manual", gram=False)}
    if importlib.util.find_spec("torch") is not None:
        impls["pytorch eager"] = make_torch
    if importlib.util.find_spec("sklearn") is not None:
        impls["sklearn MLPClassifier"] = make_sklearn
    return impls
