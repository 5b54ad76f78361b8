"""Activation functions and the derivatives the hand-written backward pass uses.

Every function is elementwise and shape-preserving: ``Z`` of shape ``(n[l], m)`` in,
the same shape out. Derivatives are taken with respect to the pre-activation ``Z``,
as in the course (``dZ = dA * g'(Z)``).

Conventions kept consistent with ``jax.grad`` so manual and automatic gradients agree
even at the kinks: ``relu'(0) = 0`` and ``leaky_relu'(0) = slope``.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp

LEAKY_SLOPE = 0.01


def sigmoid(z):
    """``1 / (1 + exp(-z))``, computed stably for any finite ``z``."""
    return jax.nn.sigmoid(z)


def sigmoid_grad(z):
    s = jax.nn.sigmoid(z)
    return s * (1 - s)


def tanh(z):
    return jnp.tanh(z)


def tanh_grad(z):
    return 1 - jnp.tanh(z) ** 2


def relu(z):
    """``max(z, 0)``; ``jax.nn.relu`` defines the derivative at 0 as 0, like the course."""
    return jax.nn.relu(z)


def relu_grad(z):
    return (z > 0).astype(z.dtype)


def leaky_relu(z):
    """``z`` for ``z > 0`` else ``LEAKY_SLOPE * z`` (derivative ``LEAKY_SLOPE`` at 0)."""
    return jnp.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_grad(z):
    return jnp.where(z > 0, jnp.ones_like(z), jnp.full_like(z, LEAKY_SLOPE))


def linear(z):
    return z


class Activation(NamedTuple):
    fn: Callable
    grad: Callable


HIDDEN: dict[str, Activation] = {
    "relu": Activation(relu, relu_grad),
    "tanh": Activation(tanh, tanh_grad),
    "sigmoid": Activation(sigmoid, sigmoid_grad),
    "leaky_relu": Activation(leaky_relu, leaky_relu_grad),
}
"""Hidden-layer activations by name."""

OUTPUTS: tuple[str, ...] = ("sigmoid", "softmax", "linear")
"""Output layers: sigmoid (binary cross-entropy), softmax (categorical CE), linear (MSE)."""


def output_activation(z, output: str):
    """The network's output ``A_L`` from its logits ``Z_L`` (n_L, m)."""
    if output == "sigmoid":
        return jax.nn.sigmoid(z)
    if output == "softmax":
        return jax.nn.softmax(z, axis=0)
    if output == "linear":
        return z
    raise ValueError(f"unknown output {output!r}")
