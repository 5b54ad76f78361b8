"""The training engine behind :func:`dnnjax.fit`: one compiled loop, steps over a schedule.

- :mod:`~dnnjax.training.engine`: the loop (``jit`` + nested ``lax.scan``: logging chunks,
  units, steps), the optimizer update, the divergence guard, and :func:`run`, its host driver
  (chunk plan, ``progress``, resume from ``opt_state``/``start``).
- :mod:`~dnnjax.training.schedules`: which columns each step sees. :data:`FULL_BATCH` (a unit
  is one iteration on all ``m`` columns) and :class:`Minibatch` (a unit is one epoch of
  ``ceil(m / B)`` steps on permuted batches, the last partial one masked). A new mode is a new
  schedule, not a new loop.
- :mod:`~dnnjax.training.masked`: the gradient of a weighted mean cost, what a masked partial
  batch needs.
- :mod:`~dnnjax.training.state`: :class:`TrainState` and the check of a given ``opt_state``.

:mod:`dnnjax.train` is the public face (``fit``, and the step chosen in ``step_functions``).
"""
