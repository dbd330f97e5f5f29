"""NAN003 log-of-possibly-zero: the rule, its examples and its fix."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Tuple

import libcst as cst

from nanlint.rule import SAFE, UNSAFE, Invalid, PendingFix, Replace, Rule
from nanlint.values.api import LOG, LOG_METHODS, LOG_SIGMOID, LOG_SOFTMAX_HOME, LOG_TRIGGERS, SIGMOID, SOFTMAX
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.facts import bare_code, receiver_code
from nanlint.values.gradient import in_inverse_direction, in_reference_implementation, in_test_file
from nanlint.values.guards import is_guarded, is_patched, subjects
from nanlint.values.numbers import literal_number
from nanlint.values.sinks import is_psnr, only_ranked
from nanlint.values.zeros import (
    can_reach_zero,
    clamp_lower_bound,
    sampled_action,
    selected_softmax,
    unclampable_divisor,
    weighs_its_own_log,
)

class LogOfPossiblyZero(Rule):
    """`log` of a value that can be exactly 0: a softmax or sigmoid output, a relu, ...

    ## Why is this bad?
    log(0) is -inf, and d/dx log(x) = 1/x is inf there. Softmax and sigmoid outputs
    are exactly 0 in floating point once their logits are far enough apart
    (`torch.sigmoid(torch.tensor(-104.))` is 0.0 in float32), and `1 - sigmoid(x)` is
    0.0 from x = 17. A relu or a clamp at 0 is 0 on a whole region, `exp(-x)` is 0.0
    from x = 104, and `(a - b) ** 2` is 0 wherever a == b. The -inf then meets a 0 in
    the next product: an entropy `-(p * torch.log(p)).sum()` at p = 0 is 0 * -inf =
    NaN in value, and its gradient is NaN for every logit (measured with torch 2.13 CPU).

    Flagged: `torch.log`, `torch.log2`, `torch.log10`, `E.log()` (in a module that
    imports torch), the `numpy` / `jax.numpy` logs, TensorFlow's `tf.math.log` (and
    TensorFlow 1's `tf.log`) and Keras' `K.log`, where E is
    - a softmax, sigmoid or softplus output (softplus underflows to 0 where sigmoid
      does: a VAE's std made positive with it), or one minus a softmax or sigmoid: of
      the function (`F.softmax`,
      `tf.nn.softmax`, `K.sigmoid`), of a model of the module whose last layer is one
      (`D = nn.Sequential(..., nn.Sigmoid())` then `D(x)`; `self.head` built so; a
      `Net()` whose `forward` returns a softmax), a parameter named as a probability
      (`probs`, `ps`, `class_probs`; Keras' `y_pred` in a loss `(y_true, y_pred)`;
      not one with a numeric default, `prior_prob=0.01`, a prior, or one typed
      `float`: settings a user picks), a parameter of a function in gradient context that
      also takes one minus it (a cross-entropy written out, `y * log(p) + (1 - y) *
      log(1 - p)`; a focal loss's `where(t == 1, p, 1 - p)`; not a private helper's, whose
      callers clamp), a
      parameter that a call in the module hands one (`nll(F.softmax(x, -1), y)`,
      `self._kl(probs, q)`, through tuples the module's functions return), what a
      function of the module returns (`def probs(x): return x.softmax(-1)`), or a
      `where` that chooses one;
    - a relu output, a clamp at 0 (`x.clamp(min=0)`, `torch.clamp(x, 0, 1)`,
      `np.maximum(x, 0)`), an exp of a negation, the exp of a difference less one
      (`exp(h1 - h0) - 1`, 0 where the two agree), a variance;
    - the square, abs or norm of a difference of two plain values (`a - b`,
      `x - x.mean()`), of a spectrum (`torch.stft`, `np.fft.rfft`: 0 on silence and
      padding) or of one of the above, and sums and means of these;
    - a product, an index or a quotient (by its numerator) of one of the above;
    - any value the code multiplies by its own log, as an entropy or a KL term does
      (`target * torch.log(target)`, `p * p.log()`): its author expects entries of 0,
      where the term is 0 * -inf = NaN; not a number a caller picks (`def
      binary_entropy(prob: float)`);
    directly or through local names: every assignment that can reach the log counts
    (the value rebuilt through the same name, set in either branch of an `if`, or again
    later in a loop), since on that path the value is 0.

    Not flagged: E with an eps added (`p + 1e-8`) or a positive clamp
    (`p.clamp(min=1e-6)`, or in place before the log: `p.clamp_(1e-6, 1 - 1e-6)`),
    `relu(x) + 1`, a masked `p[p > 0]` (or `p[keep]` with
    `keep = p != 0`), `np.log(p, where=...)`,
    the square or abs of an arbitrary value (`log(scale ** 2)`, `abs(det).log()`: that
    is how positive scales and log-determinants are written, and they are 0 only where
    the math says -inf), a test's reference implementation (`reference_fn=lambda m, p,
    i: i.sigmoid().log()`, `def softmax_ref(x):`: a test of `LogSigmoid` against
    `logsigmoid` would test nothing), a test file (its -inf fails the test that shows
    it), `math.log` (NAN004's), the probability of an action a policy took, picked out
    of its softmax by the action (`pi.gather(1, a)`, `probs[range(n), actions]`: it was
    sampled where its probability was above 0, and a policy-gradient step moves it only
    a little; a label's probability is flagged), a log that is only ranked or drawn
    from, shifted or scaled on the way (`tf.random.categorical(tf.math.log(p), 1)`,
    `(p.log() + gumbel).argsort()`, `Categorical(logits=p.log())`: -inf is a logit of
    probability 0 and the last in any order) or only tested for -inf (`torch.isinf(t)` of
    `t = (x.exp() - 1).log()`), the log of a PSNR (in a function named for one,
    or assigned to `psnr`: an MSE of 0 gives an infinite PSNR, the right value for identical
    images), the inverse direction of an invertible layer (`def inverse(self, z)`,
    `reverse_flow`, the branch of `if reverse:`: a flow samples through it, and its
    log-determinant is the forward one negated, found there). Code under `torch.no_grad()` is
    flagged too: the forward value is already -inf there, and an entropy or a metric
    built on it is NaN.

    ## Fix safety
    `log(softmax(x, dim))` becomes `log_softmax(x, dim)` in the namespace the code
    used (`F.log_softmax`, `torch.log_softmax`, `x.log_softmax(dim)`); `log(sigmoid(x))`
    becomes `torch.nn.functional.logsigmoid(x)`, and `log(1 - sigmoid(x))` becomes
    `logsigmoid(-x)`, since 1 - sigmoid(x) = sigmoid(-x); a layer the class holds as exactly
    `nn.Sigmoid()` or `nn.Softmax(dim=d)` (`self.sigmoid(x)`) is that function too, and
    its log becomes `logsigmoid(x)` / `log_softmax(x, dim=d)`. These are the same function,
    computed without the underflow: exact, safe fixes. `log(1 + x)` -> `log1p(x)` is
    not offered: log1p(-1) is -inf too, so it fixes nothing this rule flags.

    Otherwise the fix clamps the value at the configured eps before the log:
    `torch.log(E.clamp_min(eps))`, `np.log(np.maximum(E, eps))`, or the 0 of a clamp
    becomes eps (`x.clamp(min=0)` -> `x.clamp(min=eps)`). Values below eps change and
    their gradient becomes 0: an unsafe fix. An eps below about 6e-8 is 0 in float16.

    A quotient gets the clamp only when its denominator is a positive constant
    (`relu(x) / 255.0`). `torch.log(w / w.sum())` is 0/0 = NaN where every w is 0, and
    a clamp after the division keeps the NaN (the runtime shim measures exactly that);
    a clamp on the denominator would flip the sign of one that can be negative. Such a
    finding has no fix: its message says to keep the denominator away from 0 before
    dividing, or to take the log in log space (`log_softmax`, `logsumexp`).

    Nor does the probability of a chosen class picked out of a softmax (`probs[i,
    target]`, `p.gather(1, y)`, even collected over a loop with `torch.cat`): its log is a
    log-likelihood, which a clamp would cap for rare classes (at -27.6 for 1e-12), and the
    exact fix, `log_softmax` of the logits before picking, spans statements the rule does
    not rewrite. The message says so.
    """

    messages = {"zero": "`{log}` of {reason}, which can be exactly 0: {function}(0) is -inf{gradient}; {advice}"}
    code = "NAN003"
    name = "log-of-possibly-zero"
    summary = "log of a value that can be exactly 0 is -inf, and its gradient inf"
    triggers = LOG_TRIGGERS
    fixable = True
    incident = (
        "\"Loss is NaN\", the usual list: log of zero. Measured with torch 2.13 CPU: "
        "`torch.log(0.)` is -inf with gradient inf; the entropy `-(p * torch.log(p)).sum()` "
        "of `p = torch.softmax(torch.tensor([[0., 200.]]), -1)` is NaN and so is the "
        "gradient of both logits, while the same entropy from `torch.log_softmax` is 0 "
        "with gradient 0."
    )
    options = {"eps": "the lower bound the clamp fix puts under the log (default 1e-12)"}

    valid = [
        # Weighed by its own log, but kept from 0 first, or tested.
        "import numpy as np\ndef entropy(p):\n    h = 0.0\n    for q in p.ravel():\n        if q > 0.0:\n"
        "            h -= q * np.log2(q)\n    return h\n",
        "import torch\ndef entropy(counts):\n    p = counts / counts.sum() + 1e-12\n    return -(p * torch.log(p)).sum()\n",
        "import numpy as np\ndef entropy(p):\n    p = np.clip(p, 1e-12, 1.0)\n    return -np.sum(p * np.log(p))\n",
        # A flow's inverse direction samples; its log-det is the forward one negated, which
        # is where a finding belongs.
        "import torch\nclass Coupling(torch.nn.Module):\n    def inverse(self, z, logdet):\n"
        "        s = torch.sigmoid(self.net(z) + 2.0)\n        return z / s, logdet - torch.log(s).sum()\n",
        "import torch\ndef step(z, logdet, reverse):\n    s = torch.sigmoid(z + 2.0)\n    if not reverse:\n"
        "        return z * s, logdet + torch.log(s.clamp(min=1e-12)).sum()\n"
        "    else:\n        return z / s, logdet - torch.log(s).sum()\n",
        # Only drawn from or ranked: -inf is a logit of probability 0, last in any order.
        "import tensorflow as tf\ndef act(pi, s):\n    prob = pi(s)\n"
        "    return tf.random.categorical(tf.math.log(prob), 1)[0]\n",
        "import torch\ndef remask(logits, noise, k):\n    probs = torch.softmax(logits, -1)\n"
        "    confidence = torch.log(probs) + noise\n    return confidence.topk(k, dim=-1).indices\n",
        # Policy gradient: the probability of the action the policy sampled was above 0.
        "import torch\ndef pg_loss(logits, a, advantage):\n    pi = torch.softmax(logits, dim=1)\n"
        "    pi_a = pi.gather(1, a)\n    return -(torch.log(pi_a) * advantage).mean()\n",
        "import torch\nlp = torch.log_softmax(logits, dim=-1)\n",
        "import torch\np = torch.softmax(x, -1)\nent = -(p * torch.log(p + 1e-8)).sum(-1)\n",
        "import torch\ny = torch.log(torch.sigmoid(x).clamp(min=1e-6))\n",
        "import torch\ndef log(v):\n    return v\ny = log(torch.softmax(x, -1))\n",
        "import torch as T\ny = T.log(T.relu(x) + 1)\n",
        "from torch import log\ny = log(x.abs() + eps)\n",
        "import math\ny = math.log(abs(x))\n",
        # No torch here: `.log()` is someone else's method.
        "y = p.softmax(-1).log()\n",
        "import torch\np = torch.softmax(x, -1)\ny = p[p > 0].log()\n",
        # The inverse softplus of a setting (an initial scale): no difference, never 0 here.
        "import torch\ndef init_rho(sigma0):\n    return torch.log(torch.exp(torch.tensor(sigma0)) - 1.0)\n",
        # A PSNR: an MSE of 0 is an infinite PSNR, the right value for identical images.
        "import torch\ndef psnr(pred, target):\n    mse = ((pred - target) ** 2).mean()\n"
        "    return -10 * torch.log10(mse)\n",
        "import torch\ndef evaluate(pred, gt):\n    mse = torch.mean((pred - gt) ** 2)\n"
        "    psnr = 20 * torch.log10(torch.tensor(1.0)) - 10 * torch.log10(mse)\n    return {'psnr': psnr}\n",
        # A loss's probability clamped in place first, and a private helper's, whose
        # module's callers hand it a clamped one.
        "import torch\ndef bernoulli_loss(p, y):\n    p.clamp_(1e-6, 1 - 1e-6)\n"
        "    return -(y * p.log() + (1 - y) * (1 - p).log()).mean()\n",
        "import torch\ndef _focal_term(pred, gt):\n"
        "    return torch.log(pred) * (1 - pred) ** 2 * gt + torch.log(1 - pred) * pred ** 2 * (1 - gt)\n",
        "import numpy as np\ny = np.log(p, where=p > 0)\n",
        "import torch\ny = torch.log(torch.exp(x))\n",
        "import torch\np = torch.softmax(x, -1)\np = p + 1e-9\ny = torch.log(p)\n",
        "import torch\ny = torch.log(1 - torch.sigmoid(x) + 1e-7)\n",
        "import torch\ny = torch.log(torch.clamp(probs, min=eps))\n",
        "import torch\nd1 = torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, dim=1).sqrt()\n",
        "import numpy as np\ny = np.log10(np.maximum(np.abs(spec), 1e-10))\n",
        # A square or abs of an arbitrary value is how positive scales are written.
        "import torch\ndef kl(p, q):\n    var_ratio = (p.scale / q.scale).pow(2)\n    return var_ratio.log()\n",
        "import torch\ndef log_abs_det_jacobian(scale):\n    return torch.abs(scale).log()\n",
        "import numpy as np\nsizes = range(int(np.log2(16 * 1024 ** 2)))\n",
        "import torch\np = torch.softmax(x, -1)\ny = torch.log(p.sum(-1))\n",
        # From real code: torch's test reference implementations (the naive formula is the
        # point of a reference), zoedepth's clamped binomial.
        "import torch\ncases = [dict(reference_fn=lambda m, p, i: i.sigmoid().log())]\n",
        "import torch\ndef multilabelsoftmargin_loss_reference_fn(i, t):\n"
        "    return -(t * i.sigmoid().log() + (1 - t) * (-i).sigmoid().log()).mean()\n",
        "import torch\ndef log_binomial(p, k, eps=1e-4):\n    one_minus_p = torch.clamp(1 - p, eps, 1)\n"
        "    p = torch.clamp(p, eps, 1)\n    return k * torch.log(p) + (1 - k) * torch.log(one_minus_p)\n",
        # A clamp after the last sigmoid hides the earlier one; a Keras loss clips first.
        "import torch\ndef loss(z, y):\n    p = torch.sigmoid(z)\n    p = p.clamp(1e-6, 1 - 1e-6)\n"
        "    return -(y * torch.log(p)).mean()\n",
        "from keras import backend as K\ndef focal(y_true, y_pred):\n"
        "    y_pred = K.clip(y_pred, K.epsilon(), 1 - K.epsilon())\n    return -K.mean(y_true * K.log(y_pred))\n",
        # A model's probability shifted away from 0 before the log.
        "import torch\nmodel = torch.nn.Sequential(torch.nn.Linear(4, 1), torch.nn.Sigmoid())\n"
        "rate = torch.log(model(x) + 1)\n",
        # The zeros masked out first, through a name.
        "import torch\ndef nca(logits, same):\n    p = torch.sum(torch.softmax(logits, 1) * same, dim=1)\n"
        "    keep = p != 0\n    return -torch.log(p[keep]).mean()\n",
        # A parameter is a probability by its name only: `scale` is not one.
        "import torch\ndef nll(scale, x):\n    return torch.log(scale) + x / scale\n",
        # The helper clamps what it returns; the caller's tuple holds a softmax
        # elsewhere than where the log looks.
        "import torch\ndef probs(x):\n    return torch.sigmoid(x).clamp(1e-6, 1 - 1e-6)\n"
        "def nll(x, y):\n    return -(y * torch.log(probs(x))).sum()\n",
        "import torch\ndef split(x):\n    return x.softmax(-1), x\n"
        "def f(x):\n    p, raw = split(x)\n    return torch.log(raw.abs() + 1)\n",
        # A softplus of a bounded input, as botorch's log_softplus; one minus a softplus.
        "import torch\nfrom torch.nn.functional import softplus\ndef log_softplus(x, lower=-15.0):\n"
        "    mask = x > lower\n    return torch.where(mask, softplus(x.masked_fill(~mask, lower)).log(), x)\n",
        "import torch\nimport torch.nn.functional as F\ndef f(x):\n    return torch.log(1 - F.softplus(x) + 2)\n",
        # The caller clamps what it hands the helper.
        "import torch\nimport torch.nn.functional as F\ndef nll(p, y):\n    return -(y * torch.log(p)).sum()\n"
        "def loss(x, y):\n    return nll(F.softmax(x, -1).clamp_min(1e-6), y)\n",
        # A prior with its usual value is a setting, not a model's output.
        "import numpy as np\ndef bias_init_with_prob(prior_prob=0.01):\n"
        "    return float(-np.log((1 - prior_prob) / prior_prob))\n",
        # A prior is a number its user picks, and so is a probability typed `float`.
        "import numpy as np\ndef bias_init_with_prob(prior_prob):\n"
        "    return float(-np.log((1 - prior_prob) / prior_prob))\n",
        "import numpy as np\ndef binary_entropy(prob: float):\n    return -(prob * np.log(prob) + (1 - prob) * np.log(1 - prob))\n",
        "import numpy as np\nimport torch\ndef pad_blank(log_p, blank_prob: float = np.e ** -1):\n"
        "    return torch.nn.functional.pad(log_p, (1, 0), value=np.log(blank_prob))\n",
    ]
    invalid = [
        # A term weighed by its own log: the author expects zeros (0 log 0 taken as 0),
        # where the product is 0 * -inf = NaN.
        Invalid(
            "import torch\ndef kl_to_target(target, q):\n"
            "    return (target * torch.log(target)).sum() - (target * q.log()).sum()\n",
            "import torch\ndef kl_to_target(target, q):\n"
            "    return (target * torch.log(target.clamp_min(1e-12))).sum() - (target * q.log()).sum()\n",
            UNSAFE,
        ),
        # The exp of a difference less one: 0 where the two sides agree (a discrete
        # Weibull log-likelihood's cumulative hazards).
        Invalid(
            "import torch\ndef discrete_loglik(y, u, a, b):\n    hazard0 = ((y + 1e-35) / a) ** b\n"
            "    hazard1 = ((y + 1.0) / a) ** b\n"
            "    return (u * torch.log(torch.exp(hazard1 - hazard0) - 1.0) - hazard1).mean()\n",
            "import torch\ndef discrete_loglik(y, u, a, b):\n    hazard0 = ((y + 1e-35) / a) ** b\n"
            "    hazard1 = ((y + 1.0) / a) ** b\n"
            "    return (u * torch.log((torch.exp(hazard1 - hazard0) - 1.0).clamp_min(1e-12)) - hazard1).mean()\n",
            UNSAFE,
        ),
        # A loss that takes its parameter and one minus it: a probability, which a
        # confident model saturates to exactly 0 or 1.
        Invalid(
            "import torch\ndef bce_loss(pred, y):\n"
            "    return -(y * torch.log(pred) + (1 - y) * torch.log(1 - pred)).mean()\n",
            "import torch\ndef bce_loss(pred, y):\n"
            "    return -(y * torch.log(pred.clamp_min(1e-12)) + (1 - y) * torch.log((1 - pred).clamp_min(1e-12))).mean()\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\nfrom torch import nn\nclass BinaryFocal(nn.Module):\n    def forward(self, x, target):\n"
            "        p_t = torch.where(target == 1, x, 1 - x)\n        return (-(1 - p_t) ** 2 * torch.log(p_t)).mean()\n",
            "import torch\nfrom torch import nn\nclass BinaryFocal(nn.Module):\n    def forward(self, x, target):\n"
            "        p_t = torch.where(target == 1, x, 1 - x)\n        return (-(1 - p_t) ** 2 * torch.log(p_t.clamp_min(1e-12))).mean()\n",
            UNSAFE,
        ),
        # A class that holds the layer: `self.sigmoid(x)` is `torch.sigmoid(x)`.
        Invalid(
            "import torch\nfrom torch import nn\nclass SigmoidLoss(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.sigmoid = nn.Sigmoid()\n        self.nll = nn.NLLLoss()\n"
            "    def forward(self, x, y):\n        return self.nll(torch.log(self.sigmoid(x)), y)\n",
            "import torch\nfrom torch import nn\nclass SigmoidLoss(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.sigmoid = nn.Sigmoid()\n        self.nll = nn.NLLLoss()\n"
            "    def forward(self, x, y):\n        return self.nll(nn.functional.logsigmoid(x), y)\n",
        ),
        Invalid(
            "import torch\nfrom torch import nn\nclass Head(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.softmax = nn.Softmax(dim=1)\n"
            "    def forward(self, x, y):\n        return -(y * torch.log(self.softmax(x))).sum(1).mean()\n",
            "import torch\nfrom torch import nn\nclass Head(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.softmax = nn.Softmax(dim=1)\n"
            "    def forward(self, x, y):\n        return -(y * nn.functional.log_softmax(x, dim=1)).sum(1).mean()\n",
        ),
        # A VAE's std made positive with a softplus head, handed to a KL term.
        Invalid(
            "import torch\nfrom torch import nn\nclass VRNN(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.enc_std = nn.Sequential(nn.Linear(8, 8), nn.Softplus())\n"
            "    def forward(self, h, prior_std):\n        return self._kld(self.enc_std(h), prior_std)\n"
            "    def _kld(self, std_1, std_2):\n        return (2 * torch.log(std_2) - 2 * torch.log(std_1)).sum()\n",
            "import torch\nfrom torch import nn\nclass VRNN(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.enc_std = nn.Sequential(nn.Linear(8, 8), nn.Softplus())\n"
            "    def forward(self, h, prior_std):\n        return self._kld(self.enc_std(h), prior_std)\n"
            "    def _kld(self, std_1, std_2):\n        return (2 * torch.log(std_2) - 2 * torch.log(std_1.clamp_min(1e-12))).sum()\n",
            UNSAFE,
        ),
        # A helper of the module that returns a softmax, part of a tuple.
        Invalid(
            "import torch\nclass VAE(torch.nn.Module):\n"
            "    def _decode(self, z):\n        out = self.net(z)\n        return out.softmax(-1), z\n"
            "    def forward(self, x):\n        recon, z = self._decode(x)\n        return recon, z\n"
            "    def loss(self, x):\n        recon, _ = self(x)\n        return self.ce(x, recon)\n"
            "    def ce(self, x, recon):\n        return -(x * recon.log()).sum()\n",
            "import torch\nclass VAE(torch.nn.Module):\n"
            "    def _decode(self, z):\n        out = self.net(z)\n        return out.softmax(-1), z\n"
            "    def forward(self, x):\n        recon, z = self._decode(x)\n        return recon, z\n"
            "    def loss(self, x):\n        recon, _ = self(x)\n        return self.ce(x, recon)\n"
            "    def ce(self, x, recon):\n        return -(x * recon.clamp_min(1e-12).log()).sum()\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef probs(x):\n    return torch.softmax(x, -1)\n"
            "def entropy(x):\n    p = probs(x)\n    return -(p * torch.log(p)).sum(-1)\n",
            "import torch\ndef probs(x):\n    return torch.softmax(x, -1)\n"
            "def entropy(x):\n    p = probs(x)\n    return -(p * torch.log(p.clamp_min(1e-12))).sum(-1)\n",
            UNSAFE,
        ),
        # A helper of the module, handed a softmax by its caller.
        Invalid(
            "import torch\nimport torch.nn.functional as F\ndef nll(p, y):\n    return -(y * torch.log(p)).sum()\n"
            "def loss(x, y):\n    return nll(F.softmax(x, -1), y)\n",
            "import torch\nimport torch.nn.functional as F\ndef nll(p, y):\n"
            "    return -(y * torch.log(p.clamp_min(1e-12))).sum()\n"
            "def loss(x, y):\n    return nll(F.softmax(x, -1), y)\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\np = F.softmax(logits, dim=-1)\n"
            "entropy = -(p * torch.log(p)).sum(-1)\n",
            "import torch\nimport torch.nn.functional as F\np = F.softmax(logits, dim=-1)\n"
            "entropy = -(p * torch.log(p.clamp_min(1e-12))).sum(-1)\n",
            UNSAFE,
        ),
        # TensorFlow 1's hand-written cross entropy; a Keras focal loss on `y_pred`.
        Invalid(
            "import tensorflow as tf\npred = tf.nn.softmax(tf.matmul(x, W) + b)\n"
            "cost = tf.reduce_mean(-tf.reduce_sum(y * tf.log(pred), axis=1))\n",
            "import tensorflow as tf\npred = tf.nn.softmax(tf.matmul(x, W) + b)\n"
            "cost = tf.reduce_mean(-tf.reduce_sum(y * tf.log(tf.maximum(pred, 1e-12)), axis=1))\n",
            UNSAFE,
        ),
        Invalid(
            "import tensorflow as tf\nfrom keras import backend as K\ndef focal_loss(y_true, y_pred):\n"
            "    pt = tf.where(tf.equal(y_true, 1), y_pred, tf.ones_like(y_pred))\n"
            "    return -K.mean((1 - pt) ** 2 * K.log(pt))\n",
            "import tensorflow as tf\nfrom keras import backend as K\ndef focal_loss(y_true, y_pred):\n"
            "    pt = tf.where(tf.equal(y_true, 1), y_pred, tf.ones_like(y_pred))\n"
            "    return -K.mean((1 - pt) ** 2 * K.log(K.maximum(pt, 1e-12)))\n",
            UNSAFE,
        ),
        # A GAN discriminator whose last layer is a sigmoid.
        Invalid(
            "import torch\nD = torch.nn.Sequential(torch.nn.Linear(784, 1), torch.nn.Sigmoid())\n"
            "d_real, d_fake = D(x), D(g)\nloss = -torch.mean(torch.log(d_real) + torch.log(1 - d_fake))\n",
            "import torch\nD = torch.nn.Sequential(torch.nn.Linear(784, 1), torch.nn.Sigmoid())\n"
            "d_real, d_fake = D(x), D(g)\n"
            "loss = -torch.mean(torch.log(d_real.clamp_min(1e-12)) + torch.log((1 - d_fake).clamp_min(1e-12)))\n",
            UNSAFE,
        ),
        # A module whose forward returns a softmax, and its output's log.
        Invalid(
            "import torch\nclass Decoder(torch.nn.Module):\n    def forward(self, h):\n"
            "        return torch.softmax(self.out(h), dim=1)\n"
            "def reconstruction_loss(h, counts):\n    decoder = Decoder()\n"
            "    return -(decoder(h).log() * counts).sum(dim=1).mean()\n",
            "import torch\nclass Decoder(torch.nn.Module):\n    def forward(self, h):\n"
            "        return torch.softmax(self.out(h), dim=1)\n"
            "def reconstruction_loss(h, counts):\n    decoder = Decoder()\n"
            "    return -(decoder(h).clamp_min(1e-12).log() * counts).sum(dim=1).mean()\n",
            UNSAFE,
        ),
        # Probabilities given by the caller, turned into logits.
        Invalid(
            "import torch\ndef probs_to_logits(probs):\n    return torch.log(probs) - torch.log1p(-probs)\n",
            "import torch\ndef probs_to_logits(probs):\n    return torch.log(probs.clamp_min(1e-12)) - torch.log1p(-probs)\n",
            UNSAFE,
        ),
        # Set before a loop and again inside it: both reach the log.
        Invalid(
            "import torch\ndef train(z, y, w):\n    p = torch.sigmoid(z)\n    for _ in range(3):\n"
            "        loss = -(y * torch.log(p)).mean()\n        p = torch.sigmoid(z @ w)\n    return loss\n",
            "import torch\ndef train(z, y, w):\n    p = torch.sigmoid(z)\n    for _ in range(3):\n"
            "        loss = -(y * torch.log(p.clamp_min(1e-12))).mean()\n        p = torch.sigmoid(z @ w)\n    return loss\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\nlp = torch.log(F.softmax(logits, dim=-1))\n",
            "import torch\nimport torch.nn.functional as F\nlp = F.log_softmax(logits, dim=-1)\n",
        ),
        Invalid(
            "import torch as T\nlp = T.log(T.softmax(x, 1))\n",
            "import torch as T\nlp = T.log_softmax(x, 1)\n",
        ),
        Invalid(
            "import torch\nlp = x.softmax(-1).log()\n",
            "import torch\nlp = x.log_softmax(-1)\n",
        ),
        Invalid(
            "from torch import log, sigmoid\nls = log(sigmoid(z))\n",
            "from torch import log, sigmoid\nimport torch\nls = torch.nn.functional.logsigmoid(z)\n",
        ),
        Invalid(
            "import torch\nloss = -torch.log(1 - torch.sigmoid(logits)).mean()\n",
            "import torch\nloss = -torch.nn.functional.logsigmoid(-logits).mean()\n",
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\nls = torch.sigmoid(a + b).log()\n",
            "import torch\nimport torch.nn.functional as F\nls = F.logsigmoid(a + b)\n",
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\ny = torch.log(F.relu(x))\n",
            "import torch\nimport torch.nn.functional as F\ny = torch.log(F.relu(x).clamp_min(1e-12))\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ny = torch.log(x.clamp(min=0))\n",
            "import torch\ny = torch.log(x.clamp(min=1e-12))\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ny = torch.log2(torch.clamp(x, 0, 1))\n",
            "import torch\ny = torch.log2(torch.clamp(x, 1e-12, 1))\n",
            UNSAFE,
        ),
        Invalid(
            "import numpy as np\nmag = np.log(np.abs(np.fft.rfft(frame)))\n",
            "import numpy as np\nmag = np.log(np.maximum(np.abs(np.fft.rfft(frame)), 1e-12))\n",
            UNSAFE,
        ),
        Invalid(
            "import jax\nimport jax.numpy as jnp\nlp = jnp.log(jax.nn.softmax(x))\n",
            "import jax\nimport jax.numpy as jnp\nlp = jax.nn.log_softmax(x)\n",
        ),
        # Where every w underflows, `w / w.sum()` is 0/0 = NaN and a clamp after the
        # division keeps the NaN: flagged, with advice and no fix.
        Invalid("import torch\ndef weights(d, tau):\n    w = torch.exp(-d / tau)\n    return torch.log(w / w.sum())\n"),
        Invalid(
            "import torch\nimport torch.nn.functional as F\ny = torch.log(F.relu(x) / 255.0)\n",
            "import torch\nimport torch.nn.functional as F\ny = torch.log((F.relu(x) / 255.0).clamp_min(1e-12))\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ny = torch.log10((a - b) ** 2)\n",
            "import torch\ny = torch.log10(((a - b) ** 2).clamp_min(1e-12))\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef loss(a, b):\n    d = a - b\n    return torch.log(d.pow(2).sum(-1)).mean()\n",
            "import torch\ndef loss(a, b):\n    d = a - b\n    return torch.log(d.pow(2).sum(-1).clamp_min(1e-12)).mean()\n",
            UNSAFE,
        ),
        # The chosen class's probability: flagged, with `log_softmax` as the advice and no
        # clamp, which would cap the log-likelihood of a rare class.
        Invalid("import torch\np = torch.softmax(logits, -1)\nnll = -torch.log(p.gather(1, y[:, None]))\n"),
        Invalid(
            "import torch\ndef perplexity(logits, target):\n    probs = torch.softmax(logits, dim=-1)\n"
            "    probs = probs[torch.arange(target.numel()), target]\n    return torch.exp(-probs.log().mean())\n"
        ),
        Invalid(
            "import torch\np = torch.sigmoid(z)\nwith torch.no_grad():\n    h = -(p * p.log() + (1 - p) * (1 - p).log())\n",
            "import torch\np = torch.sigmoid(z)\nwith torch.no_grad():\n"
            "    h = -(p * p.clamp_min(1e-12).log() + (1 - p) * (1 - p).clamp_min(1e-12).log())\n",
            UNSAFE,
        ),
        # The exact rewrite would drop the comment: the clamp is offered instead.
        Invalid(
            "import torch\nlp = torch.log(  # log-probabilities\n    torch.softmax(x, -1))\n",
            "import torch\nlp = torch.log(  # log-probabilities\n    torch.softmax(x, -1).clamp_min(1e-12))\n",
            UNSAFE,
        ),
        Invalid(
            "from jax.numpy import log\nimport jax.numpy as jnp\ny = log(jnp.maximum(x, 0))\n",
            "from jax.numpy import log\nimport jax.numpy as jnp\ny = log(jnp.maximum(x, 1e-12))\n",
            UNSAFE,
        ),
        # Real-code shapes: a DPO-style preference loss, and a reference model's
        # log-probabilities (a `ref` in the name is not a reference implementation).
        Invalid(
            "import torch\ndef preference_loss(chosen, rejected, beta):\n"
            "    return -torch.log(torch.sigmoid(beta * (chosen - rejected))).mean()\n",
            "import torch\ndef preference_loss(chosen, rejected, beta):\n"
            "    return -torch.nn.functional.logsigmoid(beta * (chosen - rejected)).mean()\n",
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\ndef compute_ref_logps(logits, labels):\n"
            "    probs = F.softmax(logits, dim=-1)\n    return torch.log(probs).gather(-1, labels)\n",
            "import torch\nimport torch.nn.functional as F\ndef compute_ref_logps(logits, labels):\n"
            "    probs = F.softmax(logits, dim=-1)\n    return torch.log(probs.clamp_min(1e-12)).gather(-1, labels)\n",
            UNSAFE,
        ),
    ]

    @classmethod
    def wants(cls, index) -> bool:
        return index.calls_any(LOG) or (index.calls_method(LOG_METHODS) and index.imports.imports_module("torch"))

    @classmethod
    def wants_part(cls, part, module) -> bool:
        return cls.wants(part)  # a finding is a log in the part itself

    def visit_Call(self, node: cst.Call) -> None:
        found = self._log(node)
        if found is None:
            return
        operand, framework = found
        self.context.trail.clear()
        reason = can_reach_zero(self.context, operand)
        if (
            reason is None
            and weighs_its_own_log(self.context, node, operand)
            and not is_guarded(self.context, subjects(self.context, operand))
        ):
            reason = (
                f"`{bare_code(self.context, operand)}`, weighed by its own log as in an entropy "
                "(`p * log(p)` is 0 * -inf = NaN where p = 0)"
            )
        related = tuple(self.context.trail)
        # A test runs its own inputs: a -inf there fails the test that shows it.
        if reason is None or in_reference_implementation(self.context) or in_test_file(self.context):
            return
        if sampled_action(self.context, operand):
            return  # the probability of an action the policy itself sampled
        if is_patched(self.context, subjects(self.context, operand)):
            return  # clamped in place before the log: `x.clamp_(eps, 1 - eps)`
        if only_ranked(self.context):
            return  # -inf is a fine logit to draw from or value to rank: last, never drawn
        if is_psnr(self.context):
            return  # an infinite PSNR is the right one for identical images
        if in_inverse_direction(self.context):
            return  # a flow's sampling direction: its forward's log-det, negated
        function = _function(self.context, node)
        divisor = unclampable_divisor(self.context, operand)
        # The probability of the chosen class: a clamp would cap the log-likelihoods of
        # rare classes (and 1e-12 is 0 in float16); `log_softmax` before picking is exact.
        likelihood = divisor is None and selected_softmax(self.context, operand)
        fix = self._clamp_fix(node, operand, framework) if divisor is None and not likelihood else None
        exact = self._exact_fix(node, operand, framework) if function == "log" else None
        if exact is not None:
            fix = replace(exact, fallback=fix)  # the clamp, where the rewrite would drop a comment
        spelled = f".{function}()" if operand is receiver(node) else self.context.code(node.func)
        gradient = " and its gradient inf" if framework != "numpy" else ""
        if fix is not None:
            advice = fix.message[0].lower() + fix.message[1:]
        elif likelihood:
            advice = (
                "take `log_softmax` of the logits and pick the classes from it, which is exact where a "
                "clamp would cap the log-likelihood of rare classes (and 1e-12 is 0 in float16)"
            )
        else:
            denominator = " ".join(self.context.code(divisor).split())
            advice = (
                f"where `{denominator}` is 0 as well the quotient is 0/0 = NaN, which no clamp after "
                f"the division repairs: keep `{denominator}` away from 0 before dividing, or take "
                "the log in log space (`log_softmax`, `logsumexp`)"
            )
        self.report(
            node,
            self.say("zero", log=spelled, reason=reason, function=function, gradient=gradient, advice=advice),
            fix,
            related,
        )

    def _log(self, node: cst.Call) -> Optional[Tuple[cst.BaseExpression, str]]:
        """(the value whose log is taken, its framework) for a log call."""
        qualified, method = callee(self.context, node)
        if qualified is not None:
            if qualified not in LOG:
                return None
            framework = qualified.rsplit(".", 1)[0]
            if framework == "torch":
                operand = argument(node, 0, "input")
            else:
                if argument(node, None, "where") is not None:
                    return None  # `np.log(p, where=p > 0)` skips the zeros
                operand = argument(node, 0, "x")
            return (operand, framework) if operand is not None else None
        if method in LOG_METHODS and not node.args and self.context.imports.imports_module("torch"):
            return receiver(node), "torch"
        return None

    # -- fixes ---------------------------------------------------------------------
    def _exact_fix(self, log: cst.Call, operand: cst.BaseExpression, framework: str) -> Optional[PendingFix]:
        """log(softmax) is log_softmax, log(sigmoid(x)) is logsigmoid(x), and
        log(1 - sigmoid(x)) is logsigmoid(-x): the same values, without underflow."""
        if len(log.args) > 1:
            return None  # `out=` and the like
        softmax = self._log_softmax(operand, framework) or self._layer_log_softmax(operand, framework)
        if softmax is not None:
            code, needed = softmax
            return _fix("Use log_softmax", Replace(log, code), SAFE, needed)
        negate = False
        if (
            isinstance(operand, cst.BinaryOperation)
            and isinstance(operand.operator, cst.Subtract)
            and literal_number(operand.left) == 1
        ):
            operand, negate = operand.right, True
        value = self._sigmoid_input(operand, framework)
        home = LOG_SIGMOID.get(framework)
        reference = self.context.reference(home) if home is not None else None
        if value is None or reference is None:
            return None
        function, needed = reference
        code = _negated(self.context, value) if negate else bare_code(self.context, value)
        return _fix(f"Use {function.rsplit('.', 1)[-1]}", Replace(log, f"{function}({code})"), SAFE, needed)

    def _log_softmax(self, operand: cst.BaseExpression, framework: str) -> Optional[Tuple[str, Optional[str]]]:
        """The softmax call renamed to log_softmax, and any module that needs."""
        if not isinstance(operand, cst.Call):
            return None
        qualified, method = callee(self.context, operand)
        if qualified is None:
            if method != "softmax" or framework != "torch" or not operand.args:
                return None
            owner = receiver(operand)
            if isinstance(owner, cst.Name) and owner.value == "self":
                return None  # `self.softmax(x)` calls a layer the class holds, not Tensor.softmax
        elif qualified not in SOFTMAX or not qualified.startswith(LOG_SOFTMAX_HOME.get(framework, "\0")):
            return None
        if isinstance(operand.func, cst.Attribute):
            renamed = operand.func.with_changes(attr=cst.Name("log_softmax"))
            return self.context.code(operand.with_changes(func=renamed)), None
        assert qualified is not None
        reference = self.context.reference(qualified.rsplit(".", 1)[0] + ".log_softmax")
        if reference is None:
            return None
        function, needed = reference
        arguments = self.context.code(operand)[len(self.context.code(operand.func)) :]
        return function + arguments, needed

    def _layer(self, operand: cst.BaseExpression, framework: str):
        """(the layer, its dim, its input) for `self.act(x)` where `self.act` is exactly an
        `nn.Sigmoid()` or `nn.Softmax(dim=d)`; else None."""
        if framework != "torch" or not isinstance(operand, cst.Call) or len(operand.args) != 1:
            return None
        func, arg = operand.func, operand.args[0]
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"):
            return None
        if arg.keyword is not None or arg.star:
            return None
        layer = self.context.summary.single_layers.get(f"self.{func.attr.value}")
        return (*layer, arg.value) if layer is not None else None

    def _layer_log_softmax(self, operand: cst.BaseExpression, framework: str) -> Optional[Tuple[str, Optional[str]]]:
        """`log(self.softmax(x))` with `self.softmax = nn.Softmax(dim=1)`: `log_softmax(x, dim=1)`."""
        layer = self._layer(operand, framework)
        if layer is None or layer[0] != "Softmax":
            return None
        reference = self.context.reference("torch.nn.functional.log_softmax")
        if reference is None:
            return None
        function, needed = reference
        return f"{function}({bare_code(self.context, layer[2])}, dim={layer[1]})", needed

    def _sigmoid_input(self, operand: cst.BaseExpression, framework: str) -> Optional[cst.BaseExpression]:
        layer = self._layer(operand, framework)
        if layer is not None and layer[0] == "Sigmoid":
            return layer[2]  # `self.sigmoid(x)` with `self.sigmoid = nn.Sigmoid()`
        if not isinstance(operand, cst.Call):
            return None
        qualified, method = callee(self.context, operand)
        if qualified is None:
            if method == "sigmoid" and not operand.args and framework == "torch":
                return receiver(operand)
            return None
        if qualified not in SIGMOID or len(operand.args) != 1:
            return None
        if framework not in LOG_SIGMOID:
            return None
        family = LOG_SIGMOID[framework].split(".")[0]
        if qualified.split(".")[0] != family:
            return None
        return argument(operand, 0, "input" if family == "torch" else "x")

    def _clamp_fix(self, log: cst.Call, operand: cst.BaseExpression, framework: str) -> PendingFix:
        eps = self.context.options.eps
        bound = clamp_lower_bound(self.context, operand)
        if bound is not None and literal_number(bound) == 0:
            return _fix(f"Clamp at {eps} instead of 0", Replace(bound, eps), UNSAFE, None)
        if framework == "torch":
            code = f"{receiver_code(self.context, operand)}.clamp_min({eps})"
            return _fix(f"Clamp it at {eps} before the log", Replace(operand, code), UNSAFE, None)
        maximum, needed = self._maximum(log, framework)
        code = f"{maximum}({bare_code(self.context, operand)}, {eps})"
        return _fix(f"Clamp it at {eps} before the log", Replace(operand, code), UNSAFE, needed)

    def _maximum(self, log: cst.Call, framework: str) -> Tuple[str, Optional[str]]:
        """`np.maximum` in the namespace of `np.log`, else as the imports spell it."""
        if isinstance(log.func, cst.Attribute):
            return f"{self.context.code(log.func.value)}.maximum", None
        return self.context.reference(f"{framework}.maximum") or (f"{framework}.maximum", framework.split(".")[0])


def _function(context, call: cst.Call) -> str:
    """`log`, `log2` or `log10`."""
    qualified, method = callee(context, call)
    return qualified.rsplit(".", 1)[-1] if qualified is not None else str(method)


def _negated(context, node: cst.BaseExpression) -> str:
    """Code for -node: `-x`, `y` for `-y`, `-(a + b)`."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return bare_code(context, node.expression)
    if isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
        return f"-{context.code(node)}"
    return f"-({bare_code(context, node)})"


def _fix(message: str, edit: Replace, applicability: str, needed: Optional[str]) -> PendingFix:
    return PendingFix(message, (edit,), applicability, (needed,) if needed else ())
