"""A small multilayer perceptron's full-batch loss and its exact gradient, compiled.

The parameters are one flat vector in the order ``torch.nn.Module.parameters()`` gives for a
stack of ``torch.nn.Linear`` layers: each layer's weight (out, in), row-major, then its bias.
Backpropagation is written once here and checked against finite differences
(``tests/test_networks.py``). Activations are stored feature-major, (units, n), so every
inner loop runs over the samples and vectorises.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from landscapes._jit import jit
from landscapes.vecmath import vexp

TANH, RELU = 0, 1
ACTIVATIONS = {"tanh": TANH, "relu": RELU}
CLASSIFICATION, REGRESSION = 0, 1


def layout(sizes: tuple[int, ...], bias: bool = True) -> tuple[list[tuple[int, ...]], int]:
    """The parameter shapes in torch's order (weight (out, in), then bias (out,)) and their count."""
    shapes: list[tuple[int, ...]] = []
    for a, b in itertools.pairwise(sizes):
        shapes += [(b, a), (b,)] if bias else [(b, a)]
    return shapes, int(sum(int(np.prod(s)) for s in shapes))


@jit(inline="always")
def vtanh(x: float) -> float:
    """tanh(x) = ±(1 − 2/(e^{2|x|} + 1)) with the vectorisable exp: within ~2e-16 absolute of
    libm's tanh (relative error grows only where tanh itself is below ~1e-3), so a layer's
    activations become SIMD code; torch's own vectorised tanh differs from libm's as much."""
    a = abs(x)
    t = 1.0 - 2.0 / (vexp(2.0 * a) + 1.0)
    return t if x >= 0.0 else (-t if x < 0.0 else x)


@jit
def forward_backward(params, XT, labels, targets, sizes, act, task, bias, A, D, grad, want_grad):
    """The mean loss at ``params`` (cross-entropy over two or more logits, or mean squared
    error); with ``want_grad`` also its gradient into ``grad``.

    ``XT`` is the inputs feature-major (d, n); ``bias`` whether the layers have biases; ``A``
    and ``D`` are work buffers (units, n) for the activations and the back-propagated errors,
    units = sum(sizes).
    """
    n = XT.shape[1]
    n_layers = sizes.shape[0] - 1
    d_in = sizes[0]
    for k in range(d_in):
        for i in range(n):
            A[k, i] = XT[k, i]
    # forward: A[off_l : off_l + w_l] = act(W_l A_{l-1} + b_l), the last layer linear
    off_prev = 0
    off = d_in
    pos = 0
    for layer in range(n_layers):
        w_in = sizes[layer]
        w_out = sizes[layer + 1]
        b0 = pos + w_out * w_in
        for j in range(w_out):
            bj = params[b0 + j] if bias else 0.0
            for i in range(n):
                A[off + j, i] = bj
            for k in range(w_in):
                wjk = params[pos + j * w_in + k]
                for i in range(n):
                    A[off + j, i] += wjk * A[off_prev + k, i]
            if layer < n_layers - 1:
                if act == TANH:
                    for i in range(n):
                        A[off + j, i] = vtanh(A[off + j, i])
                else:
                    for i in range(n):
                        A[off + j, i] = max(A[off + j, i], 0.0)
        pos = b0 + (w_out if bias else 0)
        off_prev = off
        off += w_out
    # the loss and its derivative with respect to the outputs (into D's output rows)
    out = off_prev
    c = sizes[n_layers]
    total = 0.0
    if task == CLASSIFICATION:
        for i in range(n):
            m = A[out, i]
            for j in range(1, c):
                m = max(m, A[out + j, i])
            s = 0.0
            for j in range(c):
                e = math.exp(A[out + j, i] - m)
                D[out + j, i] = e
                s += e
            total += m + math.log(s) - A[out + labels[i], i]
            if want_grad:
                for j in range(c):
                    D[out + j, i] = D[out + j, i] / s / n
                D[out + labels[i], i] -= 1.0 / n
        loss = total / n
    else:
        for i in range(n):
            for j in range(c):
                r = A[out + j, i] - targets[i, j]
                total += r * r
                if want_grad:
                    D[out + j, i] = 2.0 * r / (n * c)
        loss = total / (n * c)
    if not want_grad:
        return loss
    # backward, last layer first
    off = out
    for layer in range(n_layers - 1, -1, -1):
        w_in = sizes[layer]
        w_out = sizes[layer + 1]
        pos -= w_out * w_in + (w_out if bias else 0)
        b0 = pos + w_out * w_in
        off_prev = off - w_in
        for j in range(w_out):
            gb = 0.0
            for i in range(n):
                gb += D[off + j, i]
            if bias:
                grad[b0 + j] = gb
            for k in range(w_in):
                gw = 0.0
                for i in range(n):
                    gw += D[off + j, i] * A[off_prev + k, i]
                grad[pos + j * w_in + k] = gw
        if layer > 0:
            for k in range(w_in):
                for i in range(n):
                    D[off_prev + k, i] = 0.0
            for j in range(w_out):
                for k in range(w_in):
                    wjk = params[pos + j * w_in + k]
                    for i in range(n):
                        D[off_prev + k, i] += wjk * D[off + j, i]
            for k in range(w_in):
                if act == TANH:
                    for i in range(n):
                        a = A[off_prev + k, i]
                        D[off_prev + k, i] *= 1.0 - a * a
                else:
                    for i in range(n):
                        if A[off_prev + k, i] <= 0.0:
                            D[off_prev + k, i] = 0.0
        off = off_prev
    return loss
