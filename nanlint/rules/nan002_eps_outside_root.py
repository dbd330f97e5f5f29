"""NAN002 eps-outside-root: the rule, its examples and its fix."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import libcst as cst

from nanlint.rule import UNSAFE, Invalid, PendingFix, Replace, Rule
from nanlint.values.api import (
    DETACHING_METHODS,
    LOG,
    LOG_METHODS,
    LOG_TRIGGERS,
    MEAN,
    NO_GRAD,
    POW,
    ROOT_TRIGGERS,
    RSQRT,
    SHAPE_METHODS,
    SQRT,
    STD_AS_ROOT,
    STD_TRIGGERS,
    SUM,
)
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.facts import addend_code, is_sum_of_squares
from nanlint.values.flow import reaching_definitions
from nanlint.values.gradient import in_reference_implementation
from nanlint.values.numbers import is_eps_like, is_positive_constant, literal_number
from nanlint.values.roots import root_of
from nanlint.values.zeros import ABS, EXP, can_reach_zero, clamp_lower_bound, unclampable_divisor
from nanlint.values.definitions import OUTSIDE
from nanlint.values.gradient import carries_gradient, feeds_no_gradient, value_carries_gradient
from nanlint.values.library import NUMPY, PYTHON, library_of

# Calls whose result is > 0 whatever their input: a root of one is not at 0.
_POSITIVE = EXP + ("torch.nn.functional.softplus", "torch.cosh", "jax.nn.softplus")
_NAME_DEPTH = 2


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class _Root:
    """A root the eps fails to protect, and how it was reached."""

    call: cst.CSTNode
    kind: str  # "sqrt", "rsqrt", "root" (a p-norm's `pow(1 / p)`) or "log"
    radicand: cst.BaseExpression
    where: str  # the radicand is the call's "argument", its "receiver" or the "base" of `** 0.5`
    via: Optional[cst.Assign]  # the earlier `name = ...` it sits in; None in the eps's own statement


class EpsOutsideRoot(Rule):
    """An eps added after a root or a log, where it protects nothing.

    ## Why is this bad?
    `torch.sqrt(E) + eps` looks guarded, but the eps comes too late: at E = 0 the
    value is fine (sqrt(0) = 0) while the gradient of the root, 1 / (2 sqrt(E)), is
    already inf, and autograd turns inf * 0 into NaN before the eps is ever added.
    `x / (torch.sqrt(E) + eps)` keeps the division finite and the root's gradient
    still infinite. For a log the value itself is lost: `torch.log(0) + 1e-8` is -inf.
    The same holds when the root sits in an earlier line: with
    `d1 = torch.sum((a - b) ** 2, dim=1).sqrt()`, `loss = torch.abs(d1 + d2 - c) + 1e-8`
    goes NaN on the batch where a == b.

    Flagged: an eps (`1e-8`, `eps`, `self.eps`, `torch.finfo(t).eps`) added to an
    expression whose terms, through `+ - * /`, unary minus, `abs`, `sum`, `mean`,
    indexing, reshapes (`view`, `reshape`, `expand_as`, `unsqueeze`, `.float()`, ...)
    and local names assigned once, are roots (`sqrt`, `rsqrt`, `** 0.5`, `pow(0.5)` of
    torch and jax; `x.pow(p).sum().pow(1 / p)`, a p-norm written out) or logs (torch,
    numpy, jax). Not `x.std() + eps`: torch's std backward returns 0 where the std is 0
    (a constant row gives gradient 0 with torch 2.13; `x.var().sqrt()` gives NaN), so a
    hand-written layer norm over `std` is safe on today's torch, though it was not on
    the old ones its authors used. JAX's `jnp.std`, TensorFlow's `tf.math.reduce_std` and
    Keras' `K.std` are flagged like roots: each is sqrt(var), whose gradient at a constant
    row is NaN (measured with JAX 0.10: `jnp.std(x) + 1e-6` of a constant row has gradient
    NaN, `jnp.sqrt(jnp.var(x) + 1e-6)` has 0). Their finding has no fix (an eps moved
    inside a std changes nothing); its message says to take the root of the variance
    plus the eps. A root added to directly is flagged unless its argument already holds an eps
    or a clamp; a root reached through other terms or names only when its argument can
    be exactly 0 (a sum of squares, a variance). Roots and standard deviations are
    flagged only where a gradient flows through them (see NAN001: a forward pass, a
    loss, a training step and what they call; not metrics, data code, tests, NumPy
    arrays or code under `torch.no_grad()`), since only their gradient is at fault; a
    log's -inf is a value and is flagged anywhere. Nothing in a test's reference
    implementation (`reference_fn=lambda ...`, `def layer_norm_ref(...)`) is flagged:
    its textbook formula is the point.

    ## Fix safety
    The fix moves the eps inside each root it failed to protect and drops it from the
    outside: `torch.sqrt(E) + eps` becomes `torch.sqrt(E + eps)`, and an earlier
    `d1 = E.sqrt()` becomes `d1 = (E + eps).sqrt()`. Values change by up to
    sqrt(eps) near 0 and wherever else the eps was added, and an eps that also kept a
    division finite now does so from inside the root: the fix is unsafe. NAN001 flags
    the bare root as well; when both fixes apply, NAN001's exact rewrite goes first.
    """

    messages = {"after": "eps `{eps}` is added after {roots}, where it protects nothing: {why}; {advice}"}
    code = "NAN002"
    name = "eps-outside-root"
    summary = "an eps added after a sqrt or log does not protect it"
    triggers = (*ROOT_TRIGGERS, *LOG_TRIGGERS, *STD_TRIGGERS)
    fixable = True
    incident = (
        "An embedding-space loss computed `d1 = torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, "
        "dim=1).sqrt()` and `loss = torch.abs(d1 + d2 - torch.dist(...)) + 1e-8`; the loss went "
        "NaN when `emb` equalled an endpoint, and the 1e-8 changed nothing. The author's fix "
        "moved the eps inside the sum, before the root. Measured with torch 2.13 CPU: "
        "`torch.sum((x - y) ** 2).sqrt()` at x == y has gradient NaN, with or without an eps "
        "added afterwards."
    )

    valid = [
        # A robust loss's scale of its targets, through a helper that reads no weights:
        # data, beside the prediction that carries the gradient.
        "import torch\nclass TukeyLoss:\n    def masked_mean(self, x, mask, dim):\n"
        "        return (x * mask).sum(dim, keepdim=True) / mask.sum(dim, keepdim=True).clamp(min=1)\n"
        "    def __call__(self, y, y_hat, mask=None):\n        if mask is None:\n            mask = torch.ones_like(y_hat)\n"
        "        y_mean = self.masked_mean(y, mask, -1)\n"
        "        y_std = torch.sqrt(self.masked_mean((y - y_mean) ** 2, mask, -1)) + 1e-2\n"
        "        return ((y - y_hat).abs() / y_std).mean()\n",
        # Band levels in dB that only pick the frames to keep: nothing differentiates them.
        "import torch\ndef voiced_frames(x, w):\n"
        "    level = 20 * torch.log10(torch.sqrt(torch.matmul(w ** 2, x ** 2)) / 16.0 + 1e-9)\n"
        "    return x[:, level > level.max() - 40]\n",
        # The root is detached: no gradient runs back through it, and the eps guards the division.
        "import torch\nclass Layer(torch.nn.Module):\n    def forward(self, coord_diff):\n"
        "        radial = torch.sum(coord_diff ** 2, 1).unsqueeze(1)\n"
        "        return coord_diff / (torch.sqrt(radial).detach() + 1e-8)\n",
        # An optimizer's update, computed after the backward pass from its gradients:
        # nothing differentiates it.
        "import tensorflow as tf\ndef train_step(model, x, y, lr, eps=1e-8):\n    with tf.GradientTape() as tape:\n"
        "        loss = tf.reduce_mean(tf.square(model(x) - y))\n"
        "    grads = tape.gradient(loss, model.trainable_variables)\n"
        "    for p, g in zip(model.trainable_variables, grads):\n        v = tf.square(g)\n"
        "        p.assign_sub(lr * g / (tf.sqrt(v) + eps))\n",
        # The root of the variance plus the eps; NumPy's std (no gradient at all).
        "import jax.numpy as jnp\ndef norm_loss(x):\n    return jnp.sum(x / jnp.sqrt(jnp.var(x, axis=-1) + 1e-6))\n",
        "import numpy as np\ndef zscore(x):\n    return (x - x.mean(0)) / (np.std(x, axis=0) + 1e-8)\n",
        # A graph convolution normalised by the root of node degrees: counts of the
        # graph's structure, which no gradient comes back through.
        "import torch\nclass ChebConv(torch.nn.Module):\n    def aggregate(self, graph, message):\n"
        "        degree_out = graph.degree_out.unsqueeze(-1)\n"
        "        return message / (degree_out.sqrt() + 1e-10)\n"
        "    def forward(self, graph, x):\n        return self.aggregate(graph, self.linear(x))\n",
        # The eps inside the root, as the incident's author fixed it.
        "import torch\n"
        "def loss_fn(vecs, emb):\n"
        "    d1 = (torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, dim=1) + 1e-8).sqrt()\n"
        "    d2 = (torch.sum((vecs[-1].unsqueeze(0) - emb) ** 2, dim=1) + 1e-8).sqrt()\n"
        "    return torch.abs(d1 + d2 - torch.dist(vecs[0], vecs[-1], p=2)) + 1e-8\n",
        "import torch\ndef forward(x, var, eps):\n    return x / (torch.sqrt(var + eps) + eps)\n",
        "import torch\ndef forward(x, var):\n    return x / (torch.sqrt(torch.clamp(var, min=1e-12)) + 1e-6)\n",
        "import torch\ndef loss(p):\n    return -(torch.log(p.clamp_min(1e-12)) + 1e-8).mean()\n",
        "import torch\ndef forward(x):\n    return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + 1e-5)\n",
        # A local function named like the torch one.
        "import torch\ndef sqrt(v):\n    return v\ndef forward(x, var):\n    return x / (sqrt(var) + 1e-6)\n",
        # Autograd is off: sqrt(0) = 0 is a fine value.
        "import torch\ndef forward(x, var):\n    with torch.no_grad():\n        return x / (torch.sqrt(var) + 1e-6)\n",
        "import torch\n@torch.inference_mode()\ndef forward(x):\n    return x / (x.pow(2).sum(-1, keepdim=True).sqrt() + 1e-6)\n",
        # No gradient reaches the root: nothing in the module differentiates through it
        # (a data normalisation, a metric), or the value is a NumPy array.
        "import torch\ndef normalize_advantages(adv):\n    return (adv - adv.mean()) / (adv.var().sqrt() + 1e-8)\n",
        # A hand-written layer norm over `std`: torch's std backward is 0 where the std
        # is 0, so the eps outside it is enough on today's torch.
        "import torch\nclass LayerNorm(torch.nn.Module):\n    def forward(self, x):\n"
        "        mean = x.mean(-1, keepdim=True)\n        std = x.std(-1, keepdim=True)\n"
        "        return self.a_2 * (x - mean) / (std + self.eps) + self.b_2\n",
        "import torch\ndef snr(signal, noise):\n    return signal.pow(2).mean().sqrt() / (noise.pow(2).mean().sqrt() + 1e-8)\n",
        "import numpy as np\ndef loss(x):\n    return np.sqrt(np.sum(x ** 2)) + 1e-8\n",
        "import math\ndef loss(x):\n    return math.sqrt(x) + 1e-8\n",
        # A root through a name whose argument cannot be exactly 0.
        "import torch\ndef forward(x, w):\n    s = torch.sqrt(w)\n    return x * s + 1e-6\n",
        # A root through a name, computed without gradients.
        "import torch\ndef forward(x):\n    with torch.no_grad():\n        n = x.pow(2).sum(-1).sqrt()\n    return x / (n + 1e-6)\n",
        # A name assigned twice is not followed.
        "import torch\ndef forward(x):\n    n = x.pow(2).sum(-1).sqrt()\n    n = n.clamp_min(1e-6)\n    return x / (n + 1e-6)\n",
        # Positive or constant arguments.
        "import torch\nimport numpy as np\ndef loss(s):\n    c = torch.log(torch.exp(s) + 1) + 1e-6\n"
        "    return c + np.log(2 * np.pi) + 1e-8\n",
        "import torch\nimport torch.nn.functional as F\ndef forward(raw):\n    return torch.sqrt(F.softplus(raw)) + 1e-6\n",
        "import torch\ndef forward(x):\n    return torch.sqrt(x) - 1e-8, torch.sqrt(x) * 1e-8\n",
        "import torch\ndef forward(q, k, head_dim):\n    return q @ k / (head_dim ** 0.5 + 1e-6)\n",
        "import torch\ndef forward(state_sum, eps):\n    return state_sum.sqrt().add_(eps)\n",
        # A weight norm: a layer's weights are never all 0 (torch's own weight_norm takes no eps).
        "import torch\nclass WNConv(torch.nn.Conv2d):\n    def forward(self, x):\n"
        "        wn = torch.sqrt(torch.sum(self.weight * self.weight, dim=[1, 2, 3]))\n"
        "        return self._conv_forward(x, self.weight / (wn.view(-1, 1, 1, 1) + 1e-5), self.bias)\n",
        # A data-dependent init: the statistics go through a helper that detaches them.
        "import torch\nclass ActNorm(torch.nn.Module):\n    def forward(self, x):\n"
        "        def stat(v):\n            return v.mean(0).detach()\n"
        "        scale = 1.0 / (torch.sqrt(stat(x * x)) + 1e-6)\n        return x * scale\n",
        "import jax.numpy as jnp\ndef loss(x):\n    return jnp.sqrt(jnp.sum(x ** 2) + 1e-8)\n",
        # From real code: the eps already inside (hiera), an optimizer's no-grad step, a
        # test's reference implementation.
        "import torch\ndef forward_loss(label):\n    mean = label.mean(dim=-1, keepdim=True)\n"
        "    var = label.var(dim=-1, keepdim=True)\n    return (label - mean) / (var + 1.0e-6) ** 0.5\n",
        "import torch\n@torch.no_grad()\ndef adam_denom(exp_avg_sq, bias_correction2_sqrt, eps):\n"
        "    return (exp_avg_sq.sqrt() / bias_correction2_sqrt) + eps\n",
        "import torch\ndef forward(x):\n    def layer_norm_ref(x, eps=1e-5):\n"
        "        return (x - x.mean(-1, keepdim=True)) / (x.var(-1, keepdim=True).sqrt() + eps)\n"
        "    return layer_norm_ref(x)\n",
    ]
    invalid = [
        # JAX's std is sqrt(var): NaN gradient at a constant row, whatever is added after.
        Invalid(
            "import jax\nimport jax.numpy as jnp\ndef norm_loss(x):\n    std = jnp.std(x, axis=-1, keepdims=True)\n"
            "    return jnp.sum((x - x.mean(-1, keepdims=True)) / (std + 1e-6))\n"
        ),
        # A functional JAX layer: it takes the weights it applies, so jax.grad runs through it.
        Invalid(
            "import jax.numpy as jnp\ndef layer_norm(params, x, eps=1e-5):\n    gamma, beta = params\n"
            "    std = jnp.std(x, axis=-1, keepdims=True)\n"
            "    return gamma * (x - x.mean(-1, keepdims=True)) / (std + eps) + beta\n"
        ),
        Invalid(
            "from keras import backend as K\ndef standardized_loss(y_true, y_pred):\n"
            "    return K.mean(y_pred / (K.std(y_pred) + K.epsilon()))\n"
        ),
        # Incident 1, as it was written.
        Invalid(
            "import torch\n"
            "def loss_fn(vecs, emb):\n"
            "    d1 = torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, dim=1).sqrt()\n"
            "    d2 = torch.sum((vecs[-1].unsqueeze(0) - emb) ** 2, dim=1).sqrt()\n"
            "    loss = torch.abs(d1 + d2 - torch.dist(vecs[0], vecs[-1], p=2)) + 1e-8\n"
            "    return loss\n",
            "import torch\n"
            "def loss_fn(vecs, emb):\n"
            "    d1 = (torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, dim=1) + 1e-8).sqrt()\n"
            "    d2 = (torch.sum((vecs[-1].unsqueeze(0) - emb) ** 2, dim=1) + 1e-8).sqrt()\n"
            "    loss = torch.abs(d1 + d2 - torch.dist(vecs[0], vecs[-1], p=2))\n"
            "    return loss\n",
            UNSAFE,
        ),
        # A root spread over lines keeps its line breaks and their indentation.
        Invalid(
            "import torch\nclass UnitPhase(torch.nn.Module):\n    def forward(self, z):\n"
            "        return z / (torch.sqrt(\n            z[:, 0] ** 2 +\n            z[:, 1] ** 2)\n"
            "            + 1e-8)\n",
            "import torch\nclass UnitPhase(torch.nn.Module):\n    def forward(self, z):\n"
            "        return z / torch.sqrt(\n            z[:, 0] ** 2 +\n            z[:, 1] ** 2 + 1e-8)\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef forward(E, eps):\n    return torch.sqrt(E) + eps\n",
            "import torch\ndef forward(E, eps):\n    return torch.sqrt(E + eps)\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef penalty(E):\n    return E.sqrt() + 1e-8\n",
            "import torch\ndef penalty(E):\n    return (E + 1e-8).sqrt()\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\nclass Norm:\n    def forward(self, x, var):\n        return x / (torch.sqrt(var) + self.eps)\n",
            "import torch\nclass Norm:\n    def forward(self, x, var):\n        return x / torch.sqrt(var + self.eps)\n",
            UNSAFE,
        ),
        # A log's -inf is a value: flagged wherever it is computed.
        Invalid(
            "import torch\nlogp = torch.log(p) + 1e-8\n",
            "import torch\nlogp = torch.log(p + 1e-8)\n",
            UNSAFE,
        ),
        Invalid(
            "import torch as T\ndef loss(x, a, b):\n    return x / ((a - b).pow(2).sum(-1, keepdim=True).sqrt() + 1e-6)\n",
            "import torch as T\ndef loss(x, a, b):\n    return x / ((a - b).pow(2).sum(-1, keepdim=True) + 1e-6).sqrt()\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef forward(d):\n    return torch.sqrt(torch.clamp(d, min=0)) + 1e-6\n",
            "import torch\ndef forward(d):\n    return torch.sqrt(torch.clamp(d, min=0) + 1e-6)\n",
            UNSAFE,
        ),
        Invalid(
            "from torch import sqrt\ndef forward(x):\n    return x / (sqrt(x.var(0)) + 1e-5)\n",
            "from torch import sqrt\ndef forward(x):\n    return x / sqrt(x.var(0) + 1e-5)\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef forward(x, eps=1e-6):\n"
            "    n = torch.sum(x * x, dim=-1, keepdim=True).sqrt()\n"
            "    return x / (n + eps)\n",
            "import torch\ndef forward(x, eps=1e-6):\n"
            "    n = (torch.sum(x * x, dim=-1, keepdim=True) + eps).sqrt()\n"
            "    return x / n\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef forward(dx, dy):\n    return 1e-8 + (torch.square(dx) + torch.square(dy)) ** 0.5\n",
            "import torch\ndef forward(dx, dy):\n    return (torch.square(dx) + torch.square(dy) + 1e-8) ** 0.5\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef forward(x):\n    return x / x.pow(2).sum(-1, keepdim=True).sqrt().add(1e-6)\n",
            "import torch\ndef forward(x):\n    return x / (x.pow(2).sum(-1, keepdim=True) + 1e-6).sqrt()\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef forward(x):\n    return torch.pow(x.var(-1), 0.5) + 1e-6\n",
            "import torch\ndef forward(x):\n    return torch.pow(x.var(-1) + 1e-6, 0.5)\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef forward(x):\n    return torch.rsqrt(x.pow(2).mean(-1, keepdim=True)) + 1e-6\n",
            "import torch\ndef forward(x):\n    return torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)\n",
            UNSAFE,
        ),
        Invalid(
            "import numpy as np\nent = -(p * np.log(p)).sum() + 1e-12\nlp = np.log(p) + 1e-12\n",
            "import numpy as np\nent = -(p * np.log(p)).sum() + 1e-12\nlp = np.log(p + 1e-12)\n",
            UNSAFE,
        ),
        Invalid(
            "import jax.numpy as jnp\ndef loss(a, b):\n    return jnp.sqrt(jnp.sum((a - b) ** 2)) + 1e-8\n",
            "import jax.numpy as jnp\ndef loss(a, b):\n    return jnp.sqrt(jnp.sum((a - b) ** 2) + 1e-8)\n",
            UNSAFE,
        ),
        # Through arithmetic in the same statement: both roots get the eps.
        Invalid(
            "import torch\ndef loss(a, b):\n    return (torch.sqrt((a ** 2).sum()) + torch.sqrt((b ** 2).sum())).mean() + 1e-8\n",
            "import torch\ndef loss(a, b):\n    return (torch.sqrt((a ** 2).sum() + 1e-8) + torch.sqrt((b ** 2).sum() + 1e-8)).mean()\n",
            UNSAFE,
        ),
        # Weight standardisation: the eps after a reshape of the root.
        Invalid(
            "import torch\nclass Conv(torch.nn.Conv2d):\n    def forward(self, x):\n"
            "        w = self.weight - self.weight.mean(dim=(1, 2, 3), keepdim=True)\n"
            "        std = w.view(w.size(0), -1).var(dim=1).sqrt().view(-1, 1, 1, 1) + 1e-5\n"
            "        return torch.conv2d(x, w / std)\n",
            "import torch\nclass Conv(torch.nn.Conv2d):\n    def forward(self, x):\n"
            "        w = self.weight - self.weight.mean(dim=(1, 2, 3), keepdim=True)\n"
            "        std = (w.view(w.size(0), -1).var(dim=1) + 1e-5).sqrt().view(-1, 1, 1, 1)\n"
            "        return torch.conv2d(x, w / std)\n",
            UNSAFE,
        ),
        # A root set in both branches of an if: both reach the eps.
        Invalid(
            "import torch\nclass Norm(torch.nn.Module):\n    def forward(self, x):\n"
            "        if x.size(0) == 1:\n            std = x.view(-1).var().sqrt()\n"
            "        else:\n            std = x.view(x.size(0), -1).var(1).sqrt()\n"
            "        return x / (std + self.eps)\n",
            "import torch\nclass Norm(torch.nn.Module):\n    def forward(self, x):\n"
            "        if x.size(0) == 1:\n            std = (x.view(-1).var() + self.eps).sqrt()\n"
            "        else:\n            std = (x.view(x.size(0), -1).var(1) + self.eps).sqrt()\n"
            "        return x / std\n",
            UNSAFE,
        ),
        # A p-norm written out, `x.pow(p).sum(1).pow(1 / p)`: 0 for an all-zero row.
        Invalid(
            "import torch\nclass Normalize(torch.nn.Module):\n    def forward(self, x):\n"
            "        norm = x.pow(self.power).sum(1, keepdim=True).pow(1. / self.power)\n"
            "        return x.div(norm + 1e-7)\n",
            "import torch\nclass Normalize(torch.nn.Module):\n    def forward(self, x):\n"
            "        norm = (x.pow(self.power).sum(1, keepdim=True) + 1e-7).pow(1. / self.power)\n"
            "        return x.div(norm)\n",
            UNSAFE,
        ),
        # Indexing keeps the root's values: the eps after it comes too late.
        Invalid(
            "import torch\ndef forward(x, var, index):\n    return x / (var.pow(2).sum(-1).sqrt()[index] + 1e-6)\n",
            "import torch\ndef forward(x, var, index):\n    return x / (var.pow(2).sum(-1) + 1e-6).sqrt()[index]\n",
            UNSAFE,
        ),
        # A per-graph layer norm: the eps meant for the root, after it is indexed per node.
        Invalid(
            "import torch\nclass GraphNorm(torch.nn.Module):\n    def forward(self, x, batch):\n"
            "        var = segment_mean(x * x, batch)\n        return x / (var.sqrt()[batch] + self.eps)\n",
            "import torch\nclass GraphNorm(torch.nn.Module):\n    def forward(self, x, batch):\n"
            "        var = segment_mean(x * x, batch)\n        return x / (var + self.eps).sqrt()[batch]\n",
            UNSAFE,
        ),
        # A Keras layer's `call` is its forward.
        Invalid(
            "import tensorflow.keras.backend as K\nfrom tensorflow.keras.layers import Layer\n"
            "class LayerNorm(Layer):\n    def call(self, x):\n        std = K.std(x, axis=-1, keepdims=True)\n"
            "        return (x - K.mean(x, axis=-1, keepdims=True)) / (std + self.eps)\n"
        ),
        # Where every w is 0, `w / w.sum()` is 0/0 = NaN and stays NaN with the eps moved
        # inside: flagged, with no fix (NAN003 says the same of the bare log).
        Invalid(
            "import torch\ndef entropy_weights(w):\n    return torch.log(w / w.sum(-1, keepdim=True)) + 1e-8\n",
        ),
        # The eps is a local assigned after the root: flagged, but not moved there.
        Invalid(
            "import torch\ndef forward(x):\n    n = x.pow(2).sum(-1).sqrt()\n    eps = 1e-6\n    return x / (n + eps)\n",
        ),
        # From real code: encodec's normalisation (silence is all zeros) in its forward.
        Invalid(
            "import torch\nclass Encodec(torch.nn.Module):\n    def forward(self, input_values):\n"
            "        mono = torch.sum(input_values, 1, keepdim=True) / input_values.shape[1]\n"
            "        scale = mono.pow(2).mean(dim=-1, keepdim=True).sqrt() + 1e-8\n"
            "        return input_values / scale\n",
            "import torch\nclass Encodec(torch.nn.Module):\n    def forward(self, input_values):\n"
            "        mono = torch.sum(input_values, 1, keepdim=True) / input_values.shape[1]\n"
            "        scale = (mono.pow(2).mean(dim=-1, keepdim=True) + 1e-8).sqrt()\n"
            "        return input_values / scale\n",
            UNSAFE,
        ),
    ]

    @classmethod
    def wants(cls, index) -> bool:
        if index.calls_any(SQRT + RSQRT + POW + LOG + STD_AS_ROOT):
            return True
        tensors = index.imports.imports_module("torch") or index.imports.imports_module("jax")
        return tensors and (index.half_powers or index.calls_method(("sqrt", "rsqrt", "pow") + LOG_METHODS))

    @classmethod
    def wants_part(cls, part, module) -> bool:
        if cls.wants(part):
            return True
        if isinstance(part.node, _DEFINITIONS):
            return False  # a function adds the eps to its own roots, or there is no finding
        # Module-level code may add it to a root that other module-level code assigned.
        return not part.loads.isdisjoint(cls._root_names(module))

    @classmethod
    def _root_names(cls, module) -> frozenset:
        """The names module-level code that takes a root assigns (a superset)."""
        if cls.code not in module.memo:
            names: set = set()
            parts = list(module.parts)
            while parts:
                part = parts.pop()
                if not isinstance(part.node, _DEFINITIONS) and cls.wants(part):
                    names |= part.stores
                    parts.extend(part.parts)  # the rows of a table
            module.memo[cls.code] = frozenset(names)
        return module.memo[cls.code]

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Add):
            return
        if is_eps_like(self.context, node.right) and not is_eps_like(self.context, node.left):
            eps, term = node.right, node.left
        elif is_eps_like(self.context, node.left) and not is_eps_like(self.context, node.right):
            eps, term = node.left, node.right
        else:
            return
        self._check(node, eps, term, "left" if term is node.left else "right")

    def visit_Call(self, node: cst.Call) -> None:
        # `E.sqrt().add(eps)`; not the in-place `add_`, the idiom of no-grad optimizer code.
        qualified, method = callee(self.context, node)
        if qualified is None and method == "add" and len(node.args) == 1 and node.args[0].keyword is None:
            eps = node.args[0].value
            if is_eps_like(self.context, eps) and self.context.imports.imports_module("torch"):
                self._check(node, eps, receiver(node), "receiver")

    def _check(self, added: cst.CSTNode, eps: cst.BaseExpression, term: cst.BaseExpression, side: str) -> None:
        if in_reference_implementation(self.context):
            return
        roots = self._unprotected_roots(term)
        if not roots:
            return
        # `log(w / w.sum()) + eps`: where every w is 0 the quotient is 0/0 = NaN, and
        # an eps moved inside, after the division, leaves it NaN: no fix to offer.
        divisor = next(
            (d for d in (unclampable_divisor(self.context, r.radicand) for r in roots) if d is not None), None
        )
        # An eps inside a std changes nothing: the root of the variance plus eps is the fix.
        stds = any(root.kind == "std" for root in roots)
        fix = self._fix(added, eps, term, side, roots) if divisor is None and not stds else None
        related = [(root.call, f"the `{root.kind}` the eps is added after") for root in roots if root.via is not None]
        self.report(eps, self._message(eps, roots, divisor), fix, related)

    # -- finding the roots -----------------------------------------------------------
    def _unprotected_roots(self, term: cst.BaseExpression) -> List[_Root]:
        # A root's value at 0 is fine: only a gradient through it goes NaN. A log's
        # -inf is a value, wherever it is computed.
        gradient = carries_gradient(self.context, term) and not feeds_no_gradient(self.context)
        found = []
        for root in self._roots_in(term, _NAME_DEPTH, None):
            if root.kind != "log" and (
                not gradient
                or library_of(self.context, root.radicand) in (NUMPY, PYTHON)
                or not value_carries_gradient(self.context, root.radicand)
            ):
                continue
            if root.call is _same_value(self.context, term):
                # `sqrt(E) + eps`, `var.sqrt()[batch] + eps`: the eps was meant for this root.
                if _is_guarded(self.context, root.radicand, _NAME_DEPTH):
                    continue
            elif not self._can_be_zero(root):
                continue
            if root.via is not None and root.kind != "log" and self._computed_without_grad(root.via):
                continue
            if all(root.call is not other.call for other in found):
                found.append(root)
        return found

    def _roots_in(self, node: cst.CSTNode, depth: int, via: Optional[cst.Assign]) -> List[_Root]:
        """Roots among the terms of `node`, looking through arithmetic, abs/sum/mean and names."""
        root = self._root(node, via)
        if root is not None:
            return [root]
        if isinstance(node, cst.BinaryOperation) and isinstance(
            node.operator, (cst.Add, cst.Subtract, cst.Multiply, cst.Divide)
        ):
            return self._roots_in(node.left, depth, via) + self._roots_in(node.right, depth, via)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
            return self._roots_in(node.expression, depth, via)
        if isinstance(node, cst.Subscript):
            return self._roots_in(node.value, depth, via)  # `var.sqrt()[index] + eps`
        if isinstance(node, cst.Call):
            operand = self._reduced_operand(node)
            found = self._roots_in(operand, depth, via) if operand is not None else []
            if callee(self.context, node)[1] in DETACHING_METHODS:
                # `torch.sqrt(r).detach() + eps`: no gradient runs back through the root.
                return [root for root in found if root.kind == "log"]
            return found
        if isinstance(node, cst.Name) and depth > 0:
            # Every assignment that can reach the name (`std` set in both branches of an if).
            found = []
            for assign in self._local_assignments(node):
                found += self._roots_in(assign.value, depth - 1, assign)
            return found
        return []

    def _root(self, node: cst.CSTNode, via: Optional[cst.Assign]) -> Optional[_Root]:
        root = root_of(self.context, node)
        if root is not None:
            return _Root(root.node, root.kind, root.radicand, root.where, via)
        if not isinstance(node, cst.Call):
            return None
        qualified, method = callee(self.context, node)
        # `x.pow(p).sum(1).pow(1 / p)`: a p-norm written out, 0 for an all-zero row.
        if qualified is None and method == "pow" and len(node.args) == 1 and _is_reciprocal(node.args[0].value):
            base = receiver(node)
            if base is not None and _sums_powers(self.context, base):
                return _Root(node, "root", base, "receiver", via)
        # Not `x.std()`: torch's std backward returns 0 where the std is 0 (measured with
        # torch 2.13: a constant row gives gradient 0, `x.var().sqrt()` gives NaN), so
        # `x.std() + eps` is no hazard on today's torch, whatever it was on old ones.
        # JAX's, TensorFlow's and Keras' are sqrt(var), and their gradient is NaN there.
        if qualified in STD_AS_ROOT:
            operand = argument(node, 0, "a" if qualified.startswith("jax.") else "x")
            return _Root(node, "std", operand, "argument", via) if operand is not None else None
        if qualified in LOG and len(node.args) == 1:
            operand = argument(node, 0, "input" if qualified.startswith("torch.") else "x")
            return _Root(node, "log", operand, "argument", via) if operand is not None else None
        if qualified is None and method in LOG_METHODS and not node.args:
            if self.context.imports.imports_module("torch"):
                return _Root(node, "log", receiver(node), "receiver", via)
        return None

    def _reduced_operand(self, call: cst.Call) -> Optional[cst.BaseExpression]:
        """`x` in `abs(x)`, `x.abs()`, `torch.sum(x)`, `x.mean(-1)`: a term the eps also reaches."""
        qualified, method = callee(self.context, call)
        if qualified is not None:
            if qualified in ABS or qualified in SUM or qualified in MEAN:
                return argument(call, 0, "input")
            return None
        if (method in ("abs", "sum", "mean") or method in SHAPE_METHODS) and receiver(call) is not None:
            return receiver(call)
        return None

    def _local_assignments(self, name: cst.Name) -> List[cst.Assign]:
        """The `name = value` statements of the function (or module) being visited that
        can reach this read of `name`; none when something else can (a parameter)."""
        for node in reversed(self.context.ancestors):
            if isinstance(node, (cst.ClassDef, cst.Lambda)):
                return []
            if isinstance(node, (cst.FunctionDef, cst.Module)):
                found = reaching_definitions(self.context, name)
                if found is None:
                    single = self.context.bindings(node).single_assignment(name.value)
                    return [single] if single is not None else []
                assigns = [d.node for d in found if d != OUTSIDE and isinstance(d.node, cst.Assign) and d.value is not None]
                return assigns if len(assigns) == len(found) else []
        return []

    def _can_be_zero(self, root: _Root) -> bool:
        if root.kind in ("root", "std"):
            return True  # a p-norm written out: 0 for an all-zero row; a std of a constant one
        if root.kind == "log":
            return can_reach_zero(self.context, root.radicand) is not None
        return is_sum_of_squares(self.context, root.radicand)

    def _computed_without_grad(self, assign: cst.Assign) -> bool:
        """Whether the earlier assignment sits in a `with torch.no_grad():` block."""
        scope = self.context.enclosing_function() or self.context.module
        for node in _path(scope, assign)[:-1]:
            if isinstance(node, cst.With):
                for item in node.items:
                    target = item.item.func if isinstance(item.item, cst.Call) else item.item
                    if self.context.qualified_name(target) in NO_GRAD:
                        return True
        return False

    # -- reporting and fixing ----------------------------------------------------------
    def _message(
        self, eps: cst.BaseExpression, roots: Sequence[_Root], divisor: Optional[cst.BaseExpression]
    ) -> str:
        names = ", ".join(_describe(self.context, root) for root in roots)
        kinds = {root.kind for root in roots}
        why = []
        if kinds - {"log"}:
            why.append("a root's gradient at 0 is inf, and autograd makes it NaN before the eps is added")
        if "log" in kinds:
            why.append("log(0) is -inf whatever is added after it")
        advice = "move the eps inside"
        if "std" in kinds:
            advice = "take the root of the variance plus the eps instead (`sqrt(var(x) + eps)`)"
        if divisor is not None:
            denominator = " ".join(self.context.code(divisor).split())
            advice = (
                f"moving it inside is not enough where `{denominator}` is 0 as well (0/0 is NaN): "
                f"keep `{denominator}` away from 0 before dividing"
            )
        return self.say("after", eps=self.context.code(eps).strip(), roots=names, why="; ".join(why), advice=advice)

    def _fix(
        self,
        added: cst.CSTNode,
        eps: cst.BaseExpression,
        term: cst.BaseExpression,
        side: str,
        roots: Sequence[_Root],
    ) -> Optional[PendingFix]:
        eps_code = self.context.code(eps).strip()
        if any(root.via is not None for root in roots) and not self._defined_throughout(eps):
            return None
        edits = []
        swaps: Dict[int, object] = {}
        for root in roots:
            if root.via is None:
                # Built from the radicand's own node, not reparsed from its text: a radicand
                # spread over lines keeps its line breaks and the indentation around them.
                swaps[id(root.radicand)] = _guarded_radicand(self.context, root, eps)
            else:
                edits.append(Replace(root.radicand, self.context.code(_guarded_radicand(self.context, root, eps))))
        # The edit replaces `term + eps` with its parentheses: `x / (n + eps)` becomes `x / n`.
        swaps[id(added)] = _KeepTerm(side, bool(getattr(added, "lpar", ())))
        new = added.visit(_Swap(swaps))
        edits.append(Replace(added, self.context.code(new)))
        return PendingFix(f"Move `{eps_code}` inside the root", tuple(edits), UNSAFE)

    def _defined_throughout(self, eps: cst.BaseExpression) -> bool:
        """Whether the eps may be spelled in an earlier line of the function: it names
        only parameters and names the function does not bind."""
        function = self.context.enclosing_function()
        names = _names_in(eps)
        if function is None:
            return not names
        params = {param.name.value for param in _params(function.params)}
        bindings = self.context.bindings(function)
        return all(name in params or not bindings.is_bound(name) for name in names)


def _is_reciprocal(node: cst.CSTNode) -> bool:
    """`1 / p`, `1. / self.power`."""
    return (
        isinstance(node, cst.BinaryOperation)
        and isinstance(node.operator, cst.Divide)
        and literal_number(node.left) == 1
    )


def _sums_powers(context, node: cst.CSTNode) -> bool:
    """`x.pow(p).sum(1)`, `(x ** p).sum(-1)`: a sum of powers."""
    if not isinstance(node, cst.Call):
        return False
    _, method = callee(context, node)
    inner = receiver(node) if method in ("sum", "mean") else None
    if isinstance(inner, cst.Call):
        _, inner_method = callee(context, inner)
        return inner_method == "pow"
    return isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Power)


def _guarded_radicand(context, root: _Root, eps: cst.BaseExpression) -> cst.BaseExpression:
    """The radicand plus `eps`, built around the radicand's own node (a radicand spread
    over lines keeps its line breaks): `E + eps` as a call's argument; `(E + eps)` as the
    receiver of `.sqrt()` or the base of `** 0.5`, reusing the radicand's parentheses."""
    radicand = root.radicand if root.where == "argument" else _unparenthesized(root.radicand)
    if addend_code(context, radicand) != context.code(radicand):  # it needs parentheses
        radicand = radicand.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    plus = cst.BinaryOperation(left=radicand, operator=cst.Add(), right=_unparenthesized(eps))
    if root.where == "argument":
        return plus
    return plus.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _unparenthesized(node: cst.BaseExpression) -> cst.BaseExpression:
    if getattr(node, "lpar", None):
        return node.with_changes(lpar=[], rpar=[])
    return node


def _is_guarded(context, node: cst.CSTNode, depth: int) -> bool:
    """A constant, or an argument holding an eps or a positive constant added in, a clamp
    at a positive bound or a positive-valued call, directly or through a name assigned once."""
    return _is_constant(context, node) or _holds_guard(context, node, depth)


def _holds_guard(context, node: cst.CSTNode, depth: int) -> bool:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        if is_positive_constant(context, node.left) or is_positive_constant(context, node.right):
            return True
    if isinstance(node, cst.Call):
        bound = clamp_lower_bound(context, node)
        if bound is not None and is_positive_constant(context, bound):
            return True
        qualified, method = callee(context, node)
        if qualified in _POSITIVE or (qualified is None and method == "exp" and not node.args):
            return True
    if isinstance(node, cst.Name):
        if depth > 0:
            assign = context.assignment_of(node)
            return assign is not None and _is_guarded(context, assign.value, depth - 1)
        return False
    return any(_holds_guard(context, child, depth) for child in node.children)


def _is_constant(context, node: cst.CSTNode) -> bool:
    """`2 * np.pi`, `0.5`: numbers and module constants only."""
    if literal_number(node) is not None:
        return True
    if isinstance(node, cst.Attribute):
        return context.qualified_name(node) is not None
    if isinstance(node, cst.BinaryOperation):
        return _is_constant(context, node.left) and _is_constant(context, node.right)
    return False


def _is_atom(node: cst.CSTNode) -> bool:
    return bool(getattr(node, "lpar", None)) or isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript))


def _describe(context, root: _Root) -> str:
    code = " ".join(context.code(root.call).split())
    if len(code) > 60:
        code = code[:57] + "..."
    if root.via is not None:
        target = root.via.targets[0].target
        return f"`{code}` (the value of `{context.code(target).strip()}`)"
    return f"`{code}`"


def _names_in(node: cst.CSTNode) -> List[str]:
    """Free names an expression reads (`self` in `self.eps`, none in `1e-8`)."""
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, cst.Attribute):
        return _names_in(node.value)
    found: List[str] = []
    for child in node.children:
        found.extend(_names_in(child))
    return found


def _params(params: cst.Parameters) -> List[cst.Param]:
    found = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
    found += [star for star in (params.star_arg, params.star_kwarg) if isinstance(star, cst.Param)]
    return found


def _path(scope: cst.CSTNode, target: cst.CSTNode) -> List[cst.CSTNode]:
    """The nodes from `scope` down to `target`, both included; [] when not found."""
    if scope is target:
        return [scope]
    for child in scope.children:
        found = _path(child, target)
        if found:
            return [scope] + found
    return []


@dataclass(frozen=True)
class _KeepTerm:
    """What `term + eps` or `term.add(eps)` becomes: the term, parenthesized if it needs to be."""

    side: str  # where the term is: "left", "right" or "receiver"
    parenthesized: bool  # whether `(term + eps)` had parentheses, which a compound term keeps

    def __call__(self, updated: cst.CSTNode) -> cst.BaseExpression:
        term = updated.func.value if self.side == "receiver" else getattr(updated, self.side)
        if self.parenthesized and not _is_atom(term):
            term = term.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return term


class _Swap(cst.CSTTransformer):
    """Replaces nodes, found by identity, with new ones or with what a function makes
    of their updated form."""

    def __init__(self, replacements: Dict[int, object]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):
        new = self.replacements.get(id(original_node))
        if new is None:
            return updated_node
        return new(updated_node) if callable(new) else new


def _same_value(context, node: cst.BaseExpression) -> cst.BaseExpression:
    """`node` without the indexing and reshapes around it (`var.sqrt()[batch]`,
    `std.view(-1, 1)`), which keep its values."""
    while True:
        if isinstance(node, cst.Subscript):
            node = node.value
            continue
        if isinstance(node, cst.Call):
            qualified, method = callee(context, node)
            if qualified is None and method in SHAPE_METHODS and receiver(node) is not None:
                node = receiver(node)
                continue
        return node
