"""``jit`` for the training loops, with XLA options chosen by the platform the arrays live on.

XLA:CPU's loop emitter prefers 256-bit vectors by default. The element-wise fusions of a
training step (bias, activation, derivative, the narrow form's stacked rows) run ~15-20 %
faster with 512-bit vectors on CPUs that have AVX-512 (planar 2-4-1, measured side by side
in one process; the GEMM-bound workloads are unchanged, since their matmuls are library
calls). On a CPU without AVX-512 the preference is capped by what the CPU has. The option
belongs to XLA:CPU only, so arrays on any other platform get the plain compilation.

Float64 programs also get the plain compilation: wider vectors change the order of the sums
over examples, and float64 is what the course reproductions and gradient checks run in, whose
results are pinned to the course's (the planar run at lr 1.2 oscillates late in training, and
a different summation order flips one borderline flower point: 90.5 % instead of the course's
90.75 %). Float32, the speed path, gets the option.

Each platform has its own ``jax.jit`` object (compiled programs are cached per object and
per compiler options), so a second call with the same configuration does not recompile.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

CPU_OPTIONS = {"xla_cpu_prefer_vector_width": 512}


def _platform(args) -> str:
    for leaf in jax.tree.leaves(args):
        if isinstance(leaf, jax.Array):
            return next(iter(leaf.devices())).platform
    return jax.default_backend()


def _has_float64(args) -> bool:
    return any(getattr(leaf, "dtype", None) == jnp.float64 for leaf in jax.tree.leaves(args))


class PlatformJit:
    """``jax.jit(fn, **jit_kwargs)``, plus :data:`CPU_OPTIONS` when the arguments are on a CPU
    and none is float64."""

    def __init__(self, fn, **jit_kwargs):
        self.plain = jax.jit(fn, **jit_kwargs)
        self.cpu = jax.jit(fn, compiler_options=CPU_OPTIONS, **jit_kwargs)

    def for_args(self, args):
        return self.cpu if _platform(args) == "cpu" and not _has_float64(args) else self.plain

    def __call__(self, *args, **kwargs):
        return self.for_args(args)(*args, **kwargs)

    def lower(self, *args, **kwargs):
        return self.for_args(args).lower(*args, **kwargs)

    def _cache_size(self) -> int:
        """Compiled programs held, both platforms together (the tests' recompilation checks)."""
        return self.plain._cache_size() + self.cpu._cache_size()


def platform_jit(fn=None, **jit_kwargs):
    """:class:`PlatformJit` of ``fn``; without ``fn``, a decorator (like ``partial(jax.jit, ...)``)."""
    if fn is None:
        return lambda f: PlatformJit(f, **jit_kwargs)
    return PlatformJit(fn, **jit_kwargs)
