"""NAN006 exp-overflow: the rule, its examples and its fix."""

from __future__ import annotations

import ast
from typing import List, Optional, Sequence, Tuple

import libcst as cst

from nanlint.rule import SAFE, UNSAFE, Invalid, PendingFix, Replace, Rule
from nanlint.values.api import (
    EXP_FUNCTIONS, EXP_TRIGGERS, LOG1P, LOG_FUNCTIONS, SHAPE_FUNCTIONS, SHAPE_METHODS, SOFTPLUS_HOME,
)
from nanlint.values.bounds import bounded_above, exp_factor, exp_of, upper_clamped
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.definitions import OUTSIDE
from nanlint.values.facts import bare_code, is_segment_sum, is_sum, receiver_code, summed_operand
from nanlint.values.flow import reaching_values, unchanged_between
from nanlint.values.gradient import carries_gradient, feeds_no_gradient, in_reference_implementation, in_test_file
from nanlint.values.guards import is_guarded, subjects
from nanlint.values.numbers import is_eps_like, literal_number

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# Where exp overflows, by the library of the exp: float32 is a tensor's default dtype,
# float64 NumPy's; `math.exp` raises instead.
_LIMITS = {
    "torch": "88.7 in float32 (11.1 in float16)",
    "jax": "88.7 in float32 (11.1 in float16)",
    "tensorflow": "88.7 in float32 (11.1 in float16)",
    "numpy": "709.8 in float64 (88.7 in float32)",
}
_AUTOGRAD = ("torch", "jax", "tensorflow")


class ExpOverflow(Rule):
    """A hand-written softplus, softmax or log-sum-exp whose `exp` overflows to inf.

    ## Why is this bad?
    exp(x) is inf in float32 from x = 88.73 (in float16 from 11.09, in float64 from
    709.79), and the formulas that take an exp only to shrink it again break there
    although their value is perfectly finite:

    - softplus `log(1 + exp(x))` (or `log1p(exp(x))`) is about x for large x, but the
      hand-written one is inf, and its gradient exp(x) / (1 + exp(x)) = inf / inf is
      NaN. Measured with torch 2.13 CPU: `torch.log(1 + torch.exp(x))` at x = 89 in
      float32 is inf with gradient NaN (at x = 12 in float16; at x = 710 in float64),
      where `F.softplus(x)` is 89 with gradient 1.
    - softmax `exp(x) / exp(x).sum(-1, keepdim=True)` is inf / inf = NaN as soon as one
      logit passes 88.7: `[[0., 100.]]` gives `[[0., nan]]` and a NaN gradient for
      every logit, where `torch.softmax` gives `[[0., 1.]]`.
    - log-sum-exp `log(exp(x).sum(dim))` is inf where `torch.logsumexp` is 100, and its
      gradient NaN.

    Logits, network outputs and trainable parameters have no bound: a few bad steps
    take them past 88. The library functions subtract the maximum first (softmax,
    logsumexp) or switch to x for large x (softplus), and never overflow.

    Flagged: `log(1 + exp(x))`, `log(exp(x) + 1)`, `log1p(exp(x))`; `exp(x) / exp(x).sum(...)`
    with the exp and the sum inline or through local names, the sum or mean of each group of
    a graph (`scatter_add(e, index)[index]`, `scatter(e, dst, reduce="mean")[dst]`), (`e = np.exp(y); s =
    np.sum(e); e / s`), a masked `exp(x) * mask` likewise, an eps added to the sum
    (it guards 0 / 0, not inf / inf); `log(exp(x).sum(dim))`, `log(torch.sum(exp(x)))`;
    in torch (functions and `x.exp()`, `.log()`, `.log1p()`), NumPy (and
    `autograd.numpy`), `jax.numpy`, TensorFlow and Keras' backend. `math.log(1 +
    math.exp(x))` too: `math.exp` raises `OverflowError` from x = 709.79 (a softmax or
    log-sum-exp over Python numbers is left alone: that code rarely meets such
    values).

    Not flagged: an exp of a value the code bounds: shifted by a maximum (`x - x.max(-1,
    keepdim=True)[0]`, `x - np.max(x)`, `x - m` with `m = x.amax(...)`, `x - logsumexp`,
    a name or helper named as a maximum or log-normalizer: `x - x_max`, `x - lse`,
    `x - _safe_amax(x, dim)`, or in place: `x -= x.max(-1, keepdims=True)`),
    the negation of a value never negative (`-x.abs()`, `-F.relu(x)`, `-F.softplus(x)`,
    `-d ** 2`, `-gamma * dist ** 2`), a sigmoid, tanh, softmax or log-softmax output, a
    clamp with an upper bound (`x.clamp(max=20)`), a log-probability parameter
    (`log_probs`), a number, a value the code replaces where it is large
    (`x.masked_fill(~small, 0)`), a table between bounded ends (`torch.linspace(-eta,
    0, n)`); every assignment that can reach a name must bound it. An exp under an `if`
    (or after an `if ...: return`) that tests what it exponentiates (`if a > b:` around
    `log1p(exp(b - a))`, a log-add-exp of two numbers). Not a
    bare exp (`sigma = torch.exp(h)`, a density or a scale: whether it overflows depends
    on what the network learns, not on a formula that has a stable form). Test files
    and reference implementations (`def softmax_ref(x):`): a test chooses its inputs,
    and a reference is the textbook formula on purpose.

    Also flagged, in code a gradient runs through: a bound put after the exp
    (`torch.clamp(x.exp(), max=M)`, `x.exp().clamp(max=M)`, `torch.minimum(x.exp(), M)`): the
    value is finite, but the clamp's gradient at the overflow, 0, times the exp's inf is
    NaN (no fix: the bound belongs on the exponent, at log(M)); not of a value the object
    stores (`self.log_alpha.exp().clamp(max=1e6)`, a Lagrange multiplier or a learned
    variance: trained in steps of the learning rate, it does not reach 88).

    ## Fix safety
    A softplus becomes `torch.nn.functional.softplus(x)` (as the file spells it, `F.softplus`),
    `np.logaddexp(0, x)` in NumPy (in the namespace of the exp: `autograd.numpy`'s
    too) and `jax.nn.softplus(x)` in JAX. The NumPy and JAX forms are the same function
    to rounding: safe. torch's is unsafe: `F.softplus` returns x itself above its
    threshold of 20, which in float32 (and float16) is the same value to the last bit
    (measured: at most 1 ulp from `log1p(exp(x))` on [-80, 80]), but in float64 is off by
    up to exp(-20) = 2.1e-9 (and its gradient is 1 instead of 1 - 2.1e-9) for x in
    (20, 37): a change a float64 computation can see.

    A torch softmax whose sum names its dim and keeps it (`e.sum(-1, keepdim=True)`)
    becomes `torch.softmax(x, -1)` (`x.softmax(-1)` for `x.exp()`): the same values,
    safe. Otherwise, where the sum is over everything or over an axis it keeps
    (`np.sum(e, axis=1, keepdims=True)`), the exp's argument is shifted by its maximum
    (`np.exp(y - np.max(y))`): the quotient is the same to rounding; safe when the
    exps are inline in the quotient, unsafe when the exp is a name the code may read
    elsewhere (that value changes by the factor exp(-max)). A torch log-sum-exp with a
    dim becomes `torch.logsumexp(x, dim)`, a JAX one `jax.nn.logsumexp(x, axis)`: safe.
    No fix where the dim cannot be read exactly (a sum without `keepdim`, a mask, an
    eps in the sum, an argument too long to repeat), for TensorFlow, Keras and `math`,
    and for a NumPy log-sum-exp (`scipy.special.logsumexp` would be a new dependency).
    """

    messages = {
        "softplus": "hand-written softplus `{spelled}`: {overflow}, so {result} where softplus is about x{gradient}; {advice}",
        "softmax": "hand-written softmax with no maximum subtracted: {overflow}, and inf / inf is NaN{gradient}; {advice}",
        "sigmoid": "hand-written sigmoid `{spelled}`: {overflow}, and inf / inf is NaN{gradient}; write it with "
        "`exp(-|x|)`, or use the library's sigmoid (its derivative is `sigmoid(x) * (1 - sigmoid(x))`)",
        "logsumexp": "hand-written log-sum-exp with no maximum subtracted: {overflow}, so the log is inf{gradient}; {advice}",
        "clamped": "`{spelled}` clamps the exp only after it: {overflow} first, and the clamp's gradient there, 0, "
        "times the exp's inf is NaN; clamp the exponent before the exp instead (`exp(x.clamp(max=log(bound)))`)",
    }
    code = "NAN006"
    name = "exp-overflow"
    summary = "a hand-written softplus, softmax or log-sum-exp whose exp overflows to inf"
    triggers = EXP_TRIGGERS
    fixable = True
    incident = (
        "\"Loss is NaN\", the usual list: overflow in exp. Measured with torch 2.13 CPU: "
        "`torch.log(1 + torch.exp(x))` at x = 89.0 (float32) is inf and its gradient NaN, where "
        "`F.softplus(x)` is 89.0 with gradient 1.0; `e = torch.exp(x); e / e.sum(-1, keepdim=True)` "
        "of `[[0., 100.]]` is `[[0., nan]]` with a NaN gradient for both logits, and "
        "`torch.log(torch.exp(x).sum(-1))` is inf with gradient `[0., nan]`, where "
        "`torch.logsumexp` is 100.0."
    )

    valid = [
        # NumPy's stable logistic: `where` keeps each branch where its exp is small (both
        # are computed, with a warning at most; NumPy has no gradient to spoil); a filter's
        # coefficient from its settings, which nothing differentiates; a softmax shifted by
        # its maximum made a column.
        "import numpy as np\ndef proba(x, w, b):\n    z = x @ w.T + b\n"
        "    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))\n",
        "import math\nimport torch\ndef allpass(wave, sample_rate, freq, q):\n"
        "    a2 = torch.exp(-2 * math.pi * torch.as_tensor(freq / q) / sample_rate)\n"
        "    return wave * (-4 * a2 / (1 + a2))\n",
        "import numpy as np\ndef softmax(x):\n    x = np.exp(x - np.expand_dims(np.max(x, axis=1), axis=1))\n"
        "    return x / np.expand_dims(x.sum(axis=1), axis=1)\n",
        # A logistic of a value kept at or below 0; a softmax shifted by its maximum, summed
        # into a column.
        "import torch\ndef logistic(x):\n    return torch.exp(-x.abs()) / (1 + torch.exp(-x.abs()))\n",
        "import numpy as np\ndef softmax(x):\n    z = np.exp(x - x.max(axis=1, keepdims=True))\n"
        "    return z / np.reshape(z.sum(axis=1), (len(x), 1))\n",
        # A Gaussian kernel: the exponent is a negated square over a positive scale, at most 0.
        "import numpy as np\ndef kernel(radius, sigma):\n    x = np.arange(-radius, radius + 1)\n"
        "    w = np.exp(-np.power(x, 2) / (2 * sigma * sigma))\n    return w / w.sum()\n",
        # The maximum subtracted in place before the exp.
        "import numpy as np\ndef softmax(x):\n    x -= np.max(x, axis=1, keepdims=True)\n    e = np.exp(x)\n"
        "    return e / e.sum(axis=1, keepdims=True)\n",
        "import jax.numpy as jnp\ndef nll(logits, picked):\n    logits -= logits.max(-1, keepdims=True)\n"
        "    return jnp.log(jnp.exp(logits).sum(axis=-1)) - picked\n",
        # A learned log-multiplier clamped after its exp: it moves by steps of the rate.
        "import torch\nclass CQL(torch.nn.Module):\n    def alpha_loss(self, gap):\n"
        "        alpha = torch.clamp(self.log_alpha.exp(), 0.0, 1e6)\n        return -(alpha * gap).mean()\n",
        # A clamp from below, or a clamp after the exp with no gradient to poison.
        "import torch\nclass Head(torch.nn.Module):\n    def forward(self, h):\n        return self.proj(h).exp().clamp(min=1e-6)\n",
        "import torch\nclass Head(torch.nn.Module):\n    def forward(self, h):\n        with torch.no_grad():\n"
        "            return self.proj(h).exp().clamp(max=1e8)\n",
        # A value named as a distance is never negative: exp of its negation is at most 1.
        "import numpy as np\ndef weights(original_dist, idx):\n    w = np.exp(-original_dist[idx])\n    return w / np.sum(w)\n",
        "import torch\nimport torch.nn.functional as F\ny = F.softplus(x)\n",
        "import torch\ny = torch.log1p(torch.exp(-torch.abs(x))) + torch.relu(x)\n",
        "import torch\ne = torch.exp(x - x.max(dim=-1, keepdim=True)[0])\np = e / e.sum(-1, keepdim=True)\n",
        "import numpy as np\ndef softmax(y):\n    m = np.max(y)\n    e = np.exp(y - m)\n    return e / np.sum(e)\n",
        "import torch\ndef f(x):\n    lse = torch.logsumexp(x, -1, keepdim=True)\n    return torch.exp(x - lse) / torch.exp(x - lse).sum(-1, keepdim=True)\n",
        # Bounded arguments: a negated distance, a tanh, a clamp with an upper bound.
        "import torch\nw = torch.exp(-d ** 2) / torch.exp(-d ** 2).sum()\n",
        "import torch\ny = torch.log(1 + torch.exp(torch.tanh(z)))\n",
        "import torch\ny = torch.log(1 + torch.exp(x.clamp(max=20.0)))\n",
        "import numpy as np\ny = np.log(1 + np.exp(-np.abs(x))) + np.maximum(x, 0)\n",
        "import torch\nimport torch.nn.functional as F\ndef f(x):\n    return torch.log1p(torch.exp(-F.softplus(x)))\n",
        "import torch\ndef kernel(d, gamma):\n    k = torch.exp(-gamma * d.pow(2))\n    return k / k.sum(-1, keepdim=True)\n",
        "import torch\ndef f(log_probs):\n    p = log_probs.exp()\n    return p / p.sum(-1, keepdim=True)\n",
        # A bare exp: a scale or a density, no formula with a stable form.
        "import torch\nsigma = torch.exp(h[..., 0])\n",
        "import math\ny = math.exp(x) / (1 + math.exp(x))\n",
        # The shift through a name rebuilt in place (a fixed softmax).
        "import numpy\ndef infer(w):\n    a = w.sum(axis=0)\n    a = a - numpy.max(a)\n    e = numpy.exp(a)\n    return e / numpy.sum(e)\n",
        # A log-softmax: x minus its log-sum-exp is at most 0.
        "import torch\nlp = x - torch.logsumexp(x, -1, keepdim=True)\np = lp.exp() / lp.exp().sum(-1, keepdim=True)\n",
        # A test's reference implementation.
        "import torch\ndef softplus_ref(x):\n    return torch.log(1 + torch.exp(x))\n",
        # Not the same value summed: a ratio of two exps.
        "import torch\nr = torch.exp(a) / torch.exp(b).sum()\n",
        # A sigmoid written out is 1 / (1 + exp(-x)): inf in the denominator gives 0, not NaN.
        "import torch\ns = 1 / (1 + torch.exp(-x))\n",
        # A lambda applied in place to a bounded value; an `if a > b:` that orders the
        # difference (a log-add-exp of two numbers, as RNN-T kernels write it).
        "import torch\ndef log1pexp(x):\n    small = x <= 18\n"
        "    return torch.where(small, (lambda z: z.exp().log1p())(x.clamp(max=18)), x)\n",
        "import math\ndef log_add(a, b):\n    if a > b:\n        return a + math.log1p(math.exp(b - a))\n"
        "    return b + math.log1p(math.exp(a - b))\n",
        # Someone else's `.exp()` in a file without torch.
        "y = (1 + x.exp()).log()\n",
    ]
    invalid = [
        # A sigmoid's derivative written out (a spiking neuron's surrogate gradient), and a
        # softmax whose sums are reshaped into a column.
        Invalid(
            "import torch\nclass Spike(torch.autograd.Function):\n    @staticmethod\n    def backward(ctx, g):\n"
            "        (u,) = ctx.saved_tensors\n        e = torch.exp(-ctx.k * u)\n        return g * ctx.k * e / (e + 1) ** 2\n"
        ),
        Invalid(
            "import numpy as np\ndef softmax(x):\n"
            "    return np.exp(x) / np.reshape(np.sum(np.exp(x), axis=1), (len(x), 1))\n"
        ),
        # A bound put after the exp: the value is finite, the gradient NaN.
        Invalid(
            "import torch\nclass Head(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.proj = torch.nn.Linear(8, 1)\n    def forward(self, h):\n"
            "        return torch.clamp(self.proj(h).exp(), max=1e8)\n"
        ),
        # A softmax over a graph's neighbourhoods, the sum taken per group and indexed back.
        Invalid(
            "import torch\nfrom torch_scatter import scatter_add\ndef group_softmax(src, index):\n"
            "    out = src.exp()\n    return out / scatter_add(out, index, dim=0)[index]\n"
        ),
        # ...without importing torch itself, and with a mean over each group (a package's
        # own `scatter`): inf in a group is inf in its mean too.
        Invalid(
            "from torch_scatter import scatter_add\ndef group_softmax(src, index):\n"
            "    out = src.exp()\n    return out / scatter_add(out, index, dim=0)[index]\n"
        ),
        Invalid(
            "import torch\nfrom mylib import scatter\ndef edge_attention(q, k, dst, n):\n"
            "    e = (q[dst] * k).sum(-1).exp()\n    z = scatter(e, dst, dim=0, dim_size=n, reduce='mean')\n"
            "    return e / z[dst]\n"
        ),
        # Bayes-by-backprop: sigma from a trainable rho.
        Invalid(
            "import torch\nfrom torch import nn\nclass Sampler(nn.Module):\n    def __init__(self, rho):\n"
            "        super().__init__()\n        self.rho = nn.Parameter(rho)\n"
            "    def sigma(self):\n        return torch.log1p(torch.exp(self.rho))\n",
            "import torch\nfrom torch import nn\nclass Sampler(nn.Module):\n    def __init__(self, rho):\n"
            "        super().__init__()\n        self.rho = nn.Parameter(rho)\n"
            "    def sigma(self):\n        return nn.functional.softplus(self.rho)\n",
            UNSAFE,
        ),
        # An uncertainty head made positive by hand.
        Invalid(
            "import torch\nimport torch.nn.functional as F\ndef head(u):\n    return torch.log(1 + torch.exp(u))\n",
            "import torch\nimport torch.nn.functional as F\ndef head(u):\n    return F.softplus(u)\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ny = (x.exp() + 1).log()\n",
            "import torch\ny = torch.nn.functional.softplus(x)\n",
            UNSAFE,
        ),
        # A NumPy activation, as autograd spells it.
        Invalid(
            "import autograd.numpy as np\ndef softplus(z):\n    return np.log(1 + np.exp(z))\n",
            "import autograd.numpy as np\ndef softplus(z):\n    return np.logaddexp(0, z)\n",
        ),
        Invalid(
            "import numpy as np\nloss = np.mean(np.log1p(np.exp(-margins)))\n",
            "import numpy as np\nloss = np.mean(np.logaddexp(0, -margins))\n",
        ),
        Invalid(
            "import jax.numpy as jnp\ndef act(x):\n    return jnp.log(1.0 + jnp.exp(x))\n",
            "import jax.numpy as jnp\nimport jax\ndef act(x):\n    return jax.nn.softplus(x)\n",
        ),
        # A softmax through names: NumPy per time step, as a CTC decoder's loader had it.
        Invalid(
            "import numpy as np\ndef softmax(mat):\n    res = np.zeros(mat.shape)\n    for t in range(mat.shape[0]):\n"
            "        row = mat[t, :]\n        e = np.exp(row)\n        s = np.sum(e)\n        res[t, :] = e / s\n    return res\n",
            "import numpy as np\ndef softmax(mat):\n    res = np.zeros(mat.shape)\n    for t in range(mat.shape[0]):\n"
            "        row = mat[t, :]\n        e = np.exp(row - np.max(row))\n        s = np.sum(e)\n        res[t, :] = e / s\n    return res\n",
            UNSAFE,
        ),
        Invalid(
            "import numpy as np\np = np.exp(y) / np.sum(np.exp(y), axis=1, keepdims=True)\n",
            "import numpy as np\np = np.exp(y - np.max(y, axis=1, keepdims=True)) / np.sum(np.exp(y - np.max(y, axis=1, keepdims=True)), axis=1, keepdims=True)\n",
        ),
        Invalid(
            "import torch\ndef attend(q, k):\n    scores = q @ k.transpose(-2, -1)\n    w = torch.exp(scores)\n"
            "    return w / w.sum(dim=-1, keepdim=True)\n",
            "import torch\ndef attend(q, k):\n    scores = q @ k.transpose(-2, -1)\n    w = torch.exp(scores)\n"
            "    return torch.softmax(scores, dim=-1)\n",
        ),
        Invalid(
            "import torch\np = logits.exp() / logits.exp().sum(1, keepdim=True)\n",
            "import torch\np = logits.softmax(1)\n",
        ),
        Invalid(
            "import torch\ndef probs(x):\n    return torch.exp(x) / torch.exp(x).sum()\n",
            "import torch\ndef probs(x):\n    return torch.exp(x - x.max()) / torch.exp(x - x.max()).sum()\n",
        ),
        # A mask and an eps: flagged, no fix (the dim of a masked softmax is not the whole story).
        Invalid(
            "import torch\ndef masked_softmax(x, mask):\n    e = torch.exp(x) * mask\n"
            "    return e / (e.sum(-1, keepdim=True) + 1e-8)\n"
        ),
        Invalid("import torch\ne = torch.exp(x)\np = e / e.sum(-1)\n"),
        # Log-sum-exp.
        Invalid(
            "import torch\nlse = torch.log(torch.exp(x).sum(-1))\n",
            "import torch\nlse = torch.logsumexp(x, -1)\n",
        ),
        Invalid(
            "import torch\nlse = torch.log(torch.sum(torch.exp(scores), dim=1, keepdim=True))\n",
            "import torch\nlse = torch.logsumexp(scores, dim=1, keepdim=True)\n",
        ),
        Invalid(
            "import torch\nlse = x.exp().sum(-1).log()\n",
            "import torch\nlse = x.logsumexp(-1)\n",
        ),
        Invalid(
            "import jax.numpy as jnp\nimport jax\nlse = jnp.log(jnp.sum(jnp.exp(x), axis=-1))\n",
            "import jax.numpy as jnp\nimport jax\nlse = jax.nn.logsumexp(x, axis=-1)\n",
        ),
        Invalid("import numpy as np\ndef nll(x, y):\n    return np.log(np.sum(np.exp(x))) - x[y]\n"),
        Invalid("import tensorflow as tf\ny = tf.math.log(1 + tf.exp(x))\n"),
        Invalid("import math\ndef softplus(x):\n    return math.log(1 + math.exp(x))\n"),
        # An eps in the log guards log(0), not the overflow.
        Invalid(
            "import torch\ndef kl(z):\n    return torch.log(torch.exp(z).sum(-1) + 1e-10).mean()\n"
        ),
    ]

    @classmethod
    def wants(cls, index) -> bool:
        # An exp, and what makes it a softplus or log-sum-exp (a log) or a softmax (a sum);
        # a sigmoid needs nothing more than the exp.
        return _calls_exp(index)

    @classmethod
    def wants_part(cls, part, module) -> bool:
        # The exp is in the part that takes its log or divides by its sum, or in an
        # earlier module-level statement that names it (`e = np.exp(y)` in a script).
        if cls.wants(part):
            return True
        if not cls.wants(module):
            return False
        named = module.memo.get(cls.code)
        if named is None:
            # Names that module-level code binds to an exp; a function's locals are its own.
            named = module.memo[cls.code] = frozenset().union(
                *(p.stores for p in module.parts if not isinstance(p.node, _DEFINITIONS) and _calls_exp(p))
            )
        return bool(named) and not part.loads.isdisjoint(named)

    def __init__(self, context) -> None:
        super().__init__(context)
        self._reported: set = set()

    # -- softplus and log-sum-exp ----------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        found = self._log(node)
        if found is None:
            self._clamped_after(node)
            return
        operand, function = found
        if function == "log1p":
            self._softplus(node, operand)
            return
        exp = _plus_one(self.context, operand)
        if exp is not None:
            self._softplus(node, exp)
            return
        self._logsumexp(node, operand)

    def _log(self, node: cst.Call) -> Optional[Tuple[cst.BaseExpression, str]]:
        """(the value whose log is taken, "log" or "log1p") for a log or log1p call."""
        qualified, method = callee(self.context, node)
        if qualified is not None:
            if qualified in LOG1P:
                function = "log1p"
            elif qualified in LOG_FUNCTIONS and qualified.endswith(".log"):
                function = "log"
            else:
                return None
            if len(node.args) != 1:
                return None  # `out=`, `where=`, a base
            operand = argument(node, 0, "input") or argument(node, 0, "x")
            return (operand, function) if operand is not None else None
        if method in ("log", "log1p") and not node.args and self.context.imports.imports_module("torch"):
            return receiver(node), method
        return None

    def _softplus(self, log: cst.Call, operand: cst.BaseExpression) -> None:
        exp, named = _exp_call(self.context, operand)
        if exp is None or self._excused(exp):
            return
        value, library = exp_of(self.context, exp)
        fix = None if named else self._softplus_fix(log, exp, value, library)
        spelled = " ".join(self.context.code(log).split())
        if library == "math":
            overflow, result = "`math.exp` raises `OverflowError: math range error` from x = 709.8", "the call raises"
        else:
            overflow, result = f"`exp(x)` is inf for x above {_LIMITS[library]}", "the value is inf"
        gradient = " and its gradient exp(x) / (1 + exp(x)) = inf / inf is NaN" if library in _AUTOGRAD else ""
        advice = _advice(fix, "use the library's softplus (`logaddexp(0, x)`), or `relu(x) + log1p(exp(-abs(x)))`")
        message = self.say("softplus", spelled=_short(spelled), overflow=overflow, result=result, gradient=gradient, advice=advice)
        self.report(log, message, fix, _where_exp(exp, log, named))

    def _logsumexp(self, log: cst.Call, operand: cst.BaseExpression) -> None:
        total, named_sum = _through_name(self.context, operand, is_sum)
        eps = False
        if total is None and isinstance(operand, cst.BinaryOperation) and isinstance(operand.operator, cst.Add):
            # `log(exp(x).sum() + eps)`: the eps guards log(0), not the overflow.
            for one, other in ((operand.left, operand.right), (operand.right, operand.left)):
                if is_eps_like(self.context, one) and is_sum(self.context, other):
                    total, eps = other, True
        if total is None:
            return
        summed = summed_operand(self.context, total)
        exp = exp_factor(self.context, summed) if summed is not None else None
        if exp is None or self._excused(exp):
            return
        _, library = exp_of(self.context, exp)
        if library == "math":
            return  # a sum of Python numbers: out of scope
        inline = exp is summed and not named_sum and not eps
        fix = self._logsumexp_fix(log, total, exp, library) if inline else None
        gradient = " and its gradient NaN" if library in _AUTOGRAD else ""
        overflow = f"`exp(x)` is inf for x above {_LIMITS[library]}"
        advice = _advice(fix, "use `logsumexp`, or subtract the maximum before the exp and add it back after the log")
        self.report(log, self.say("logsumexp", overflow=overflow, gradient=gradient, advice=advice), fix,
                    _where_exp(exp, log, named_sum or exp is not summed))

    def _clamped_after(self, clamp: cst.Call) -> None:
        """`torch.clamp(x.exp(), max=M)`, `x.exp().clamp(max=M)`, `torch.minimum(x.exp(), M)`:
        a bound meant to stop the overflow, put where the exp has already overflowed."""
        exp = _upper_clamped(self.context, clamp)
        if exp is None or self._excused(exp):
            return
        exponent, library = exp_of(self.context, exp)
        if library not in _AUTOGRAD or not carries_gradient(self.context, clamp) or feeds_no_gradient(self.context):
            return  # the clamped value is finite: only a gradient through the inf goes NaN
        if _stored_scalar(exponent):
            return  # a learned log-multiplier or temperature: small steps never take it to 88
        spelled = _short(" ".join(self.context.code(clamp).split()))
        overflow = f"`exp(x)` is inf for x above {_LIMITS[library]}"
        self.report(exp, self.say("clamped", spelled=spelled, overflow=overflow), None,
                    ((clamp, "the clamp, after the exp"),))

    # -- softmax -------------------------------------------------------------------
    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Divide):
            self._softmax(node, node.left, node.right)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.DivideAssign):
            self._softmax(node, node.target, node.value)

    def _softmax(self, division: cst.CSTNode, numerator: cst.BaseExpression, denominator: cst.BaseExpression) -> None:
        exp = exp_factor(self.context, numerator)
        if exp is None:
            return
        if self._sigmoid(division, exp, denominator):
            return
        eps = False
        if isinstance(denominator, cst.BinaryOperation) and isinstance(denominator.operator, cst.Add):
            # `e / (e.sum() + eps)`: the eps guards 0 / 0, not inf / inf.
            if is_eps_like(self.context, denominator.right):
                denominator, eps = denominator.left, True
        # `e / scatter_add(e, index)[index]`: each element over the sum of its group;
        # `np.exp(x) / np.reshape(np.sum(np.exp(x), axis=1), (n, 1))`: the sums as a column.
        indexed = False
        while True:
            if isinstance(denominator, cst.Subscript):
                denominator, indexed = denominator.value, True
                continue
            reshaped = _reshaped(self.context, denominator)
            if reshaped is None:
                break
            denominator, indexed = reshaped, True
        total, named_sum = _through_name(self.context, denominator, is_sum)
        if total is None:
            return
        summed = summed_operand(self.context, total)
        if summed is None or not _same_value(self.context, numerator, summed):
            return
        if self._excused(exp):
            return
        value, library = exp_of(self.context, exp)
        if library == "math":
            return  # a softmax of Python numbers: out of scope
        # The fixes need the exp itself on both sides (no mask, no eps in the sum).
        mine, numerator_named = _exp_call(self.context, numerator)
        theirs, summed_named = _exp_call(self.context, summed)
        grouped = isinstance(total, cst.Call) and is_segment_sum(callee(self.context, total)[0] or "")
        plain = not eps and not indexed and not grouped and mine is exp and theirs is not None
        exps = [mine] if theirs is mine else [mine, theirs]
        named = numerator_named or summed_named
        apart = exp_of(self.context, numerator) is None  # the exp is taken elsewhere
        fix = self._softmax_fix(division, numerator, total, exp, value, library, exps, named) if plain else None
        gradient = " in the value and in the gradient of every input" if library in _AUTOGRAD else ""
        overflow = f"`exp(x)` is inf for x above {_LIMITS[library]}"
        advice = _advice(fix, "use the library's softmax, or subtract the maximum from x before the exp")
        message = self.say("softmax", overflow=overflow, gradient=gradient, advice=advice)
        if apart and self.context.enclosing_function() is not None:
            # The exp that overflows is the finding, where it is taken; the quotient is
            # where its inf meets another. One finding per exp, however often it is divided.
            if id(exp) in self._reported:
                return
            self._reported.add(id(exp))
            self.report(exp, message, fix, ((division, "inf / inf is NaN here"),))
        else:
            self.report(division, message, fix, _where_exp(exp, division, apart))

    def _sigmoid(self, division: cst.CSTNode, exp: cst.Call, denominator: cst.BaseExpression) -> bool:
        """`exp(x) / (1 + exp(x))`, the derivative `k * exp(-k * u) / (exp(-k * u) + 1) ** 2`:
        both exps overflow together."""
        while isinstance(denominator, cst.BinaryOperation) and isinstance(denominator.operator, cst.Power):
            denominator = denominator.left
        if not (isinstance(denominator, cst.BinaryOperation) and isinstance(denominator.operator, cst.Add)):
            return False
        pairs = ((denominator.left, denominator.right), (denominator.right, denominator.left))
        theirs = next((exp_factor(self.context, term) for term, one in pairs if literal_number(one) is not None), None)
        if theirs is None or not (theirs is exp or theirs.deep_equals(exp)):
            return False
        _, library = exp_of(self.context, exp)
        if library not in _AUTOGRAD or self._excused(exp) or not self._differentiated(division):
            # A logistic of NumPy or Python numbers is float64 (709.8 before it overflows),
            # and a coefficient computed from settings (a filter's) is no model's logit.
            return True
        overflow = f"`exp(x)` is inf for x above {_LIMITS[library]}"
        gradient = " in the value and in the gradient" if library in _AUTOGRAD else ""
        spelled = _short(" ".join(self.context.code(division).split()))
        self.report(division, self.say("sigmoid", spelled=spelled, overflow=overflow, gradient=gradient), None)
        return True

    def _differentiated(self, node: cst.CSTNode) -> bool:
        """In gradient context, or a custom autograd function's `backward`, whose value is
        the gradient itself."""
        function = self.context.enclosing_function()
        if function is not None and function.name.value == "backward":
            return True
        return carries_gradient(self.context, node)

    def _excused(self, exp: cst.Call) -> bool:
        """An exp of a bounded value (by what it is, or by an `if a > b:` around the
        code), or code whose inputs a test chooses."""
        value, _ = exp_of(self.context, exp)
        if bounded_above(self.context, value) or in_test_file(self.context) or in_reference_implementation(self.context):
            return True
        return is_guarded(self.context, subjects(self.context, value))

    # -- fixes ---------------------------------------------------------------------
    def _softplus_fix(self, log: cst.Call, exp: cst.Call, value, library: str) -> Optional[PendingFix]:
        home = SOFTPLUS_HOME.get(library)
        if home is None:
            return None
        code = bare_code(self.context, value)
        if library == "numpy":
            spelled, needed = _namespaced(self.context, exp, "logaddexp")
            return _fix("Use np.logaddexp(0, x)", Replace(log, f"{spelled}(0, {code})"), SAFE, needed)
        reference = self.context.reference(home)
        if reference is None:
            return None
        function, needed = reference
        applicability = UNSAFE if library == "torch" else SAFE
        return _fix("Use softplus", Replace(log, f"{function}({code})"), applicability, needed)

    def _logsumexp_fix(self, log: cst.Call, total: cst.Call, exp: cst.Call, library: str) -> Optional[PendingFix]:
        value, _ = exp_of(self.context, exp)
        dims = _reduction_arguments(self.context, total, library)
        if dims is None or not dims:
            return None  # a sum over everything: torch.logsumexp needs its dims
        code = bare_code(self.context, value)
        if library == "torch":
            if all(_is_method(self.context, call) for call in (log, total, exp)):
                code = f"{receiver_code(self.context, value)}.logsumexp({', '.join(dims)})"
                return _fix("Use logsumexp", Replace(log, code), SAFE, None)
            reference = self.context.reference("torch.logsumexp")
        elif library == "jax":
            reference = self.context.reference("jax.nn.logsumexp")
        else:
            return None
        if reference is None:
            return None
        function, needed = reference
        return _fix("Use logsumexp", Replace(log, f"{function}({code}, {', '.join(dims)})"), SAFE, needed)

    def _softmax_fix(self, division, numerator, total: cst.Call, exp: cst.Call, value, library: str,
                     exps: Sequence[cst.Call], named: bool) -> Optional[PendingFix]:
        if library not in ("torch", "numpy", "jax"):
            return None
        dims = _reduction_arguments(self.context, total, library)
        if dims is None:
            return None
        keep = _keeps_dim(self.context, total, library)
        if library == "torch" and dims and keep is not None and isinstance(division, cst.BinaryOperation):
            if isinstance(numerator, cst.Name) and not unchanged_between(self.context, value, numerator):
                return None
            dim = [d for d in dims if not d.startswith("keepdim")]
            if len(dim) != 1:
                return None
            if _is_method(self.context, exp):
                code = f"{receiver_code(self.context, value)}.softmax({dim[0]})"
                return _fix("Use softmax", Replace(division, code), SAFE, None)
            reference = self.context.reference("torch.softmax")
            if reference is None:
                return None
            function, needed = reference
            return _fix("Use softmax", Replace(division, f"{function}({bare_code(self.context, value)}, {dim[0]})"), SAFE, needed)
        # Shift by the maximum over what the sum reduces: over everything, or over the
        # axes it keeps (a maximum without them would broadcast along the wrong axis).
        if dims and keep is None:
            return None
        edits: List[Replace] = []
        for one in exps:
            shifted, _ = exp_of(self.context, one)
            if not _atomic(shifted):
                return None
            maximum, needed = self._maximum(one, shifted, library, [d for d in dims if not d.startswith("keepdim")])
            code = self.context.code(shifted)
            edits.append(Replace(shifted, f"{code} - {maximum}"))
        # Through a name, the exp's own value changes too, by the factor exp(-max).
        applicability = UNSAFE if named else SAFE
        return PendingFix("Subtract the maximum before the exp", tuple(edits), applicability, (needed,) if needed else ())

    def _maximum(self, exp: cst.Call, value, library: str, axes: List[str]) -> Tuple[str, Optional[str]]:
        code = self.context.code(value)
        if library == "torch":
            if not axes:
                return f"{code}.max()", None
            return f"{code}.amax({axes[0]}, keepdim=True)", None
        spelled, needed = _namespaced(self.context, exp, "max")
        if not axes:
            return f"{spelled}({code})", needed
        return f"{spelled}({code}, {axes[0]}, keepdims=True)", needed


def _calls_exp(index) -> bool:
    return index.calls_any(EXP_FUNCTIONS) or (index.calls_method(("exp",)) and index.imports.imports_module("torch"))


def _advice(fix: Optional[PendingFix], otherwise: str) -> str:
    return fix.message[0].lower() + fix.message[1:] if fix is not None else otherwise


def _short(code: str, limit: int = 60) -> str:
    return code if len(code) <= limit else code[: limit - 3] + "..."


def _fix(message: str, edit: Replace, applicability: str, needed: Optional[str]) -> PendingFix:
    return PendingFix(message, (edit,), applicability, (needed,) if needed else ())


def _is_method(context, call: cst.Call) -> bool:
    """`x.exp()`, not `torch.exp(x)`."""
    return callee(context, call)[0] is None


def _atomic(node: cst.CSTNode) -> bool:
    """A value cheap and safe to write twice: a name, an attribute, an item."""
    if isinstance(node, (cst.Name, cst.Attribute)):
        return True
    if isinstance(node, cst.Subscript):
        return _atomic(node.value)
    return False


def _namespaced(context, exp: cst.Call, function: str) -> Tuple[str, Optional[str]]:
    """`np.max` beside `np.exp`, or as the imports spell `numpy.max`."""
    if isinstance(exp.func, cst.Attribute):
        return f"{context.code(exp.func.value)}.{function}", None
    qualified, _ = callee(context, exp)
    module = qualified.rsplit(".", 1)[0] if qualified else "numpy"
    return context.reference(f"{module}.{function}") or (f"{module}.{function}", module.split(".")[0])


def _plus_one(context, node: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """`E` in `1 + E` or `E + 1`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        if literal_number(node.left) == 1:
            return node.right
        if literal_number(node.right) == 1:
            return node.left
    return None


def _exp_call(context, node: cst.CSTNode) -> Tuple[Optional[cst.Call], bool]:
    """(the exp call `node` is, directly or through the one value of a name; whether
    through a name)."""
    if exp_of(context, node) is not None:
        return node, False  # type: ignore[return-value]
    found, named = _through_name(context, node, lambda c, n: exp_of(c, n) is not None)
    return found, named


def _through_name(context, node: cst.CSTNode, test) -> Tuple[Optional[cst.Call], bool]:
    """`node` if `test` holds for it, else the one value that reaches the name `node`
    if it holds there."""
    if test(context, node):
        return node, False  # type: ignore[return-value]
    if isinstance(node, cst.Name):
        values = reaching_values(context, node)
        if values is not None and len(values) == 1 and values[0] not in (OUTSIDE, None) and test(context, values[0]):
            return values[0], True
    return None, False


def _reshaped(context, node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """`s` in `np.reshape(s, shape)`, `s.reshape(shape)`, `s.unsqueeze(-1)`, `np.expand_dims(s, 1)`."""
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified in SHAPE_FUNCTIONS:
        return argument(node, 0)
    if qualified is None and method in SHAPE_METHODS:
        return receiver(node)
    return None


def _same_value(context, numerator: cst.CSTNode, summed: cst.CSTNode) -> bool:
    """The quotient's numerator is what the sum adds up: the same name, the same code,
    or the same exp through names."""
    if numerator.deep_equals(summed):
        return True
    mine, theirs = exp_factor(context, numerator), exp_factor(context, summed)
    if mine is None or theirs is None:
        return False
    # `e / np.sum(np.exp(y))` with `e = np.exp(y)`: the same exp written twice.
    return mine is theirs or mine.deep_equals(theirs)


def _reduction_arguments(context, total: cst.Call, library: str) -> Optional[List[str]]:
    """The sum's arguments after what it sums, as code (`-1`, `dim=1`, `keepdim=True`);
    None when one of them is something else (`dtype=`, `out=`, `*args`)."""
    qualified, _ = callee(context, total)
    args = list(total.args)
    if qualified is not None:
        args = args[1:]  # the summed value
    allowed = ("dim", "keepdim") if library == "torch" else ("axis", "keepdims")
    found: List[str] = []
    for arg in args:
        if arg.star:
            return None
        if arg.keyword is None:
            found.append(context.code(arg.value))
        elif arg.keyword.value in allowed:
            found.append(f"{arg.keyword.value}={context.code(arg.value)}")
        else:
            return None
    if len(found) > 2:
        return None
    return found


def _keeps_dim(context, total: cst.Call, library: str) -> Optional[bool]:
    """True when the sum keeps its reduced dims (`keepdim=True`, `keepdims=True`); None
    when it does not say so."""
    keyword = "keepdim" if library == "torch" else "keepdims"
    value = argument(total, None, keyword)
    if value is None:
        positional = [a for a in total.args if a.keyword is None]
        offset = 0 if callee(context, total)[0] is None else 1
        if len(positional) == offset + 2:
            value = positional[offset + 1].value
    return True if isinstance(value, cst.Name) and value.value == "True" else None


def _where_exp(exp: cst.Call, reported: cst.CSTNode, apart: bool):
    return ((exp, "the exp is taken here"),) if apart else ()


def _stored_scalar(node: cst.CSTNode) -> bool:
    """`self.log_alpha`, `self.variance * 10.0`: a value the object stores (a Lagrange
    multiplier's log, a learned variance), perhaps scaled by a number, not one computed
    from each input; trained at a small learning rate, it moves by steps of the rate."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Multiply, cst.Divide)):
        if literal_number(node.right) is not None:
            node = node.left
        elif literal_number(node.left) is not None and isinstance(node.operator, cst.Multiply):
            node = node.right
    return isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self"




_MINIMA = ("torch.minimum", "numpy.minimum", "jax.numpy.minimum", "tensorflow.minimum")


def _upper_clamped(context, call: cst.Call) -> Optional[cst.Call]:
    """The exp call that `call` bounds from above (a clamp, or a minimum with it), or None."""
    inner = upper_clamped(context, call)
    if inner is None and context.qualified_name(call.func) in _MINIMA and call.args and call.args[0].keyword is None:
        inner = call.args[0].value
    return inner if inner is not None and exp_of(context, inner) is not None else None  # type: ignore[return-value]
