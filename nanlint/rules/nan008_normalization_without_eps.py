"""NAN008 normalization-without-eps: the rule, its examples and its fix."""

from __future__ import annotations

import ast
import re

from typing import Optional

import libcst as cst

from nanlint.linting.names import descendants
from nanlint.rule import UNSAFE, Invalid, PendingFix, Replace, Rule
from nanlint.values.api import HALF_POWER, call_triggers
from nanlint.values.calls import DIVIDE, DIVIDE_METHODS, division_operands
from nanlint.values.facts import addend_code, bare_code
from nanlint.values.flow import names_read
from nanlint.values.gradient import in_reference_implementation, in_test_file
from nanlint.values.guards import is_guarded, is_patched, subjects, under_where_on
from nanlint.values.library import AUTOGRAD, library_of
from nanlint.values.sinks import compared_after, in_drawing_code, only_displayed
from nanlint.values.spread import (
    MAXIMA, MINIMA, MIN_SHIFTED, PLAIN, Shape, Spread, is_fixed_data, is_random_draw, shape_of, spread_of,
    SUMS, summed_products_with,
)
from nanlint.values.zeros import CLAMP, MAXIMUM, RELU, can_reach_zero

_DIVISIONS = ("__truediv__", "__itruediv__", *DIVIDE_METHODS)

_SPREAD_METHODS = ("std", "norm", "sqrt", "var")
_SPREAD_FUNCTIONS = tuple(
    f"{module}.{function}"
    for module in ("torch", "numpy", "jax.numpy")
    for function in ("std", "nanstd", "var", "nanvar", "sqrt", "norm")
) + ("torch.linalg.norm", "torch.linalg.vector_norm", "numpy.linalg.norm", "jax.numpy.linalg.norm")
_BESIDE_MAXIMUM = ("min", "amin", "relu", "clamp", "clamp_min", "clip")

# What the spread is, and the input on which it is 0 along with the numerator.
_SPREADS = {
    "range": ("its own range", "a constant input"),
    "max": ("its own maximum after its minimum was subtracted (its range)", "a constant input"),
    "std": ("its own standard deviation", "a constant input"),
    "norm": ("its own norm", "an all-zero input"),
    "energy": ("the energy of the reference it projects onto", "an all-zero (silent) reference"),
}
# Where a reference is all zero in the data: a signal-to-distortion ratio, whose
# reference stems and utterances fall silent.
_SIGNAL_RATIO = re.compile(r"(?i)sdr|snr|sisnr|sisdr")


class NormalizationWithoutEps(Rule):
    """A value divided by its own range, standard deviation or norm, with no eps.

    ## Why is this bad?
    The spread of a value is exactly 0 where the value is constant (its range
    `max - min`, its standard deviation) or all zero (its norm), and there the value
    shifted by its minimum or mean, or the value itself, is 0 too: the quotient is
    0/0 = NaN, in torch, NumPy and JAX alike, and so is its gradient. Constant inputs
    are ordinary: a flat Grad-CAM map (every activation cut by the relu), a silent
    audio frame, a feature column that never varies, a batch of equal RL advantages,
    an all-zero feature vector.

    Flagged, where the denominator is the spread of the same value as the numerator
    (of what the numerator was computed from, through reshapes, indexes and local
    names):
    - min-max rescaling: `(x - x.min()) / (x.max() - x.min())` with `amin`/`amax`,
      `x.min(dim)[0]`, `x.view(b, -1).max(1)[0]`, `np.min`/`np.max`; and
      `x = x - x.min(); x = x / x.max()` or in place, `x -= x.min(); x /= x.max()`
      (the maximum of a value shifted by its minimum is its range);
    - standardisation: `(x - x.mean()) / x.std()`, `/ np.std(x, axis=0)`,
      `/ np.sqrt(np.var(x))`;
    - L2 normalisation, `x / x.norm(dim=-1, keepdim=True)`, `x / torch.norm(x)`,
      `x / np.linalg.norm(x, axis=1, keepdims=True)`, `x / x.pow(2).sum().sqrt()`, and
      division by the maximum, `cam / np.max(cam)`, of a value that a relu or a clamp
      at 0 can leave all zero (`x = F.relu(x)`, `np.maximum(cam, 0)`);
    as `/`, `/=`, `torch.div`, `np.divide` and `x.div(...)`; the moments may come from a
    helper of the module (`me, st = self._moments(data)`).

    Not flagged: an eps added to the denominator or a clamp on it (`+ 1e-8`,
    `.clamp_min(eps)`, `np.maximum(n, eps)`, `max(n, eps)`), a guard on the way
    (`if std > 0:`, `assert`, `torch.where(r > 0, ...)`, `std[std == 0] = 1`), a
    library function that guards (`F.normalize`, sklearn's scalers), a division by the
    spread of another value (its 0 is not the numerator's: that is not 0/0), a norm or
    a maximum with no evidence that the value can be all zero (embeddings, directions,
    quaternions and weights are normalised so all over library code, and are not 0 by
    construction), a random draw (`torch.randn(...)`, a `generator=`: never constant), a
    value only made into a picture or a sample (8-bit pixels, an image writer, a plot, a
    TensorBoard `add_audio`, or anything a
    function, file or folder named for drawing computes: `def plot(self, sample)`,
    `draw_point_cloud`, `visualizer/`; a constant input is a blank image, not a NaN in
    training) unless a relu or a clamp at 0 can cut the whole map (a flat Grad-CAM) or the
    drawing code then tests the value (`keep = w > 1e-7`: a NaN fails it everywhere), a
    value computed from constants alone (a dataset the code names: its author ran it;
    also a table read from a file the module names, through its own helpers),
    a test file and a test's reference implementation.

    ## Fix safety
    The fix adds the configured eps to the denominator: `/ (x.max() - x.min() + eps)`,
    `/ (x.std() + eps)`, `/ (x.norm(dim=-1, keepdim=True) + eps)`; where the spread is a
    local name that the function reads again (`-torch.log(std)` beside `x / std`), to that
    name where it is computed, `std = x.std(0) + eps`, so that every use is kept from 0. A constant input
    then gives 0 instead of NaN, and every other quotient changes by a factor of about
    1 - eps / spread: an unsafe fix. For the L2 case the gradient at 0 is then 1/eps
    (1e12 for the default eps: finite, but large); `F.normalize(x, dim=..., eps=...)`
    or a larger `eps` suits an L2 normalisation that trains. An eps below about 6e-8 is 0 in float16; raise `eps` for fp16 code.
    The unbiased `x.std()` of a single sample divides by n - 1 = 0 inside the std: NaN
    with any eps added after it, which is no matter of this rule.
    """

    messages = {
        "spread": "`{numerator}` divided by {what} `{denominator}` with no eps: on {when} both are 0, and "
        "0/0 is NaN{gradient}; {advice}",
    }
    code = "NAN008"
    name = "normalization-without-eps"
    summary = "a value divided by its own range, std or norm is 0/0 = NaN on a constant or zero input"
    # Spreads are called as `x.max(...)`, `np.std(...)`, `torch.linalg.norm(...)`: after a
    # dot (the builtin `max(a, b)` is no spread); or imported by name; or a `** 0.5`.
    triggers = (
        *call_triggers(r"\.(?:max|amax|nanmax|std|nanstd|var|nanvar|norm|vector_norm|sqrt)"),
        # `from numpy import std`, `from torch.linalg import (\n    norm,\n)`
        r"import(?<!\wimport)(?:[^\n(]*|\s*\([^)]*)\b(?:max|amax|nanmax|std|nanstd|var|nanvar|norm|vector_norm|sqrt)\b",
        HALF_POWER,
        # A signal ratio, whose projection divides by the reference's energy, a sum.
        "sdr", "snr", "SDR", "SNR", "Sdr", "Snr",
    )
    # And a division: `/`, `/=`, `torch.div`, `np.true_divide`, `x.div_(...)`.
    also_triggers = ((r"\/", "div"),)
    fixable = True
    incident = (
        "\"Loss is NaN\", the usual list: division by zero; and a LayerNorm-like `(x - mean) / std` "
        "without eps. Measured with torch 2.13 CPU: for `x = torch.zeros(4, requires_grad=True)`, "
        "`(x - x.min()) / (x.max() - x.min())`, `(x - x.mean()) / x.std()` and `x / x.norm()` are "
        "all NaN, and so is the gradient of x. With `+ 1e-12` in the denominator all three are 0; "
        "the gradient is 0 for the range and the std, and 1/eps = 1e12 (finite) for the norm."
    )
    options = {"eps": "the eps the fix adds to the denominator (default 1e-12)"}

    valid = [
        # The SDR's projection with an eps; a projection outside a signal ratio (a
        # regression's slope, whose reference is no silent signal).
        "import torch\ndef si_snr(est, ref, eps=1e-8):\n"
        "    scale = (est * ref).sum(-1, keepdim=True) / ((ref ** 2).sum(-1, keepdim=True) + eps)\n    return scale * ref\n",
        "import torch\ndef slope(x, y):\n    return (x * y).sum(-1) / (x ** 2).sum(-1)\n",
        # Only made into a picture: a constant input is a black image, not a NaN in training.
        "import numpy as np\nfrom matplotlib import cm\ndef spectrogram_image(s):\n"
        "    scaled = (s - np.min(s)) / (np.max(s) - np.min(s))\n"
        "    return np.uint8(cm.magma(scaled.T) * 255)\n",
        "import torch\ndef depth_png(depth):\n    shown = (depth - depth.min()) / (depth.max() - depth.min())\n"
        "    return (shown.clamp(0, 1) * 255).byte().cpu().numpy()\n",
        "import numpy as np\ndef disparity_png(d):\n    img = (d - d.min()) / (d.max() - d.min())\n"
        "    img = np.clip(img, 0, 1) * 255\n    return img.astype(np.uint8)\n",
        "import numpy as np\nclass Tiles:\n    def plot(self, sample):\n        rgb = sample['image']\n"
        "        rgb = (rgb - rgb.min(0)) / (rgb.max(0) - rgb.min(0))\n        return rgb\n",
        "import numpy as np\ndef draw_cloud(points):\n    z = points[:, 2]\n"
        "    return (z - np.min(z)) / (np.max(z) - np.min(z))\n",
        # A public table the module reads by name (the UCI sets flow papers load), through
        # its own helpers: its author ran exactly this data, whose columns are not constant.
        "import os\nimport pandas as pd\nDATA_ROOT = os.environ.get('DATA_ROOT', 'data')\ndef load_power():\n    def read(path):\n"
        "        return pd.read_csv(os.path.join(path, 'household_power.txt'), sep=';')\n"
        "    def standardized(path):\n        table = read(path)\n"
        "        return (table - table.mean()) / table.std()\n"
        "    return standardized(os.path.join(DATA_ROOT, 'power'))\n",
        # Guarded: an eps added, a clamp, a maximum with an eps.
        "import torch\ncam = (cam - cam.min()) / (cam.max() - cam.min() + 1e-8)\n",
        "import torch\nadv = (adv - adv.mean()) / (adv.std() + 1e-8)\n",
        "import torch\nz = x / x.norm(dim=-1, keepdim=True).clamp_min(1e-12)\n",
        "import numpy as np\nz = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)\n",
        "import numpy as np\ndef unit(v):\n    return v / max(np.linalg.norm(v), 1e-12)\n",
        "import torch\ndef scale(x, eps):\n    r = x.max() - x.min()\n    r = r + eps\n    return (x - x.min()) / r\n",
        # A guard on the way.
        "import numpy as np\ndef zscore(x):\n    s = np.std(x)\n    if s > 0:\n        x = (x - np.mean(x)) / s\n    return x\n",
        "import torch\ndef unit(v):\n    n = v.norm()\n    assert n > 0\n    return v / n\n",
        "import torch\ndef unit(v):\n    n = v.norm(dim=-1, keepdim=True)\n    return torch.where(n > 0, v / n, v)\n",
        "import numpy as np\ndef normalize(data):\n    me, st = data.mean(0), data.std(0)\n"
        "    st[st == 0] = 1\n    return (data - me) / st\n",
        # Libraries that guard.
        "import torch.nn.functional as F\nz = F.normalize(x, dim=-1)\n",
        # The spread of another value: a 0 there is not the numerator's.
        "import torch\ny = (pred - target.mean()) / target.std()\n",
        "import torch\ny = x / w.norm(dim=0, keepdim=True)\n",
        "import numpy as np\ny = (img - lo) / (hi - lo)\n",
        "import torch\ny = (x - x.min()) / (ref.max() - ref.min())\n",
        # Dividing by the maximum of a value that was not shifted by its minimum, an
        # elementwise maximum, a setting.
        "import torch\ny = x / torch.max(x, other)\n",
        "import numpy as np\nwav = wav / 32768.0\n",
        # A norm with no evidence that the vector can be all zero: projected embeddings,
        # directions, learned weights are normalised so all over library code.
        "import torch\ndef encode(model, x):\n    f = model(x)\n    return f / f.norm(dim=-1, keepdim=True)\n",
        "import torch\ndef axis(q):\n    return q / torch.linalg.norm(q, dim=-1, keepdim=True)\n",
        # A random draw is never constant; a dataset the code names is what its author ran.
        "import torch\nv = torch.randn(3)\nv = v / v.norm()\n",
        "import torch\ndef basis(shape, generator):\n    a = torch.randn(shape, generator=generator)\n    return a / a.std()\n",
        "import torch\ndef noise(shape):\n    g = torch.randn(shape)\n    g -= g.min()\n    g /= g.max()\n    return g\n",
        "import numpy as np\ndef load():\n    data = np.genfromtxt('airfoil.dat', dtype=np.float32, delimiter='\\t')\n"
        "    return (data - data.mean(axis=0)) / data.std(axis=0)\n",
        # A test file's and a reference implementation's formulas are the point.
        "import torch\ndef normalize_ref(x):\n    return x / x.norm(dim=-1, keepdim=True)\n",
    ]
    invalid = [
        # Min-max rescaling with the quotient taken first: 0 * inf for a constant image.
        Invalid(
            "import numpy as np\ndef rescale(img, lo_out=0.0, hi_out=255.0):\n    lo, hi = img.min(), img.max()\n"
            "    return (img - lo) * ((hi_out - lo_out) / (hi - lo)) + lo_out\n",
            "import numpy as np\ndef rescale(img, lo_out=0.0, hi_out=255.0):\n    lo, hi = img.min(), img.max()\n"
            "    return (img - lo) * ((hi_out - lo_out) / (hi - lo + 1e-12)) + lo_out\n",
            UNSAFE,
        ),
        # A scale-invariant SDR projects the estimate onto its reference: 0/0 for a silent one.
        Invalid(
            "import torch\ndef si_sdr(est, ref):\n    scale = (est * ref).sum(-1, keepdim=True) / (ref ** 2).sum(-1, keepdim=True)\n"
            "    proj = scale * ref\n    return 10 * torch.log10((proj ** 2).sum(-1) / ((est - proj) ** 2).sum(-1))\n",
            "import torch\ndef si_sdr(est, ref):\n"
            "    scale = (est * ref).sum(-1, keepdim=True) / ((ref ** 2).sum(-1, keepdim=True) + 1e-12)\n"
            "    proj = scale * ref\n    return 10 * torch.log10((proj ** 2).sum(-1) / ((est - proj) ** 2).sum(-1))\n",
            UNSAFE,
        ),
        # A data-dependent init that divides by the std and takes its log too: the eps goes
        # where the std is computed, so that neither use meets 0.
        Invalid(
            "import torch\ndef actnorm_init(x):\n    std = x.std(dim=0)\n    shift = -(x / std).mean(dim=0)\n"
            "    return shift, -torch.log(std)\n",
            "import torch\ndef actnorm_init(x):\n    std = x.std(dim=0) + 1e-12\n    shift = -(x / std).mean(dim=0)\n"
            "    return shift, -torch.log(std)\n",
            UNSAFE,
        ),
        # Drawn, but then tested: a NaN fails `> 1e-7` for every edge and none is drawn.
        Invalid(
            "import torch\ndef draw_graph(edge_index, edge_weight):\n    edge_weight = edge_weight - edge_weight.min()\n"
            "    edge_weight = edge_weight / edge_weight.max()\n    keep = edge_weight > 1e-7\n"
            "    return edge_index[:, keep]\n",
            "import torch\ndef draw_graph(edge_index, edge_weight):\n    edge_weight = edge_weight - edge_weight.min()\n"
            "    edge_weight = edge_weight / (edge_weight.max() + 1e-12)\n    keep = edge_weight > 1e-7\n"
            "    return edge_index[:, keep]\n",
            UNSAFE,
        ),
        # Drawn, but a relu can cut the whole map: a flat Grad-CAM is ordinary.
        Invalid(
            "import torch\nimport torch.nn.functional as F\ndef visualize_cam(acts, grads):\n"
            "    cam = F.relu((acts * grads.mean((2, 3), keepdim=True)).sum(1))\n"
            "    return (cam - cam.min()) / (cam.max() - cam.min())\n",
            "import torch\nimport torch.nn.functional as F\ndef visualize_cam(acts, grads):\n"
            "    cam = F.relu((acts * grads.mean((2, 3), keepdim=True)).sum(1))\n"
            "    return (cam - cam.min()) / (cam.max() - cam.min() + 1e-12)\n",
            UNSAFE,
        ),
        # Standardisation spelled with calls: `torch.sub` for the centring, `true_divide`.
        Invalid(
            "import torch\ndef standardise(x: torch.Tensor, dim: int = -1) -> torch.Tensor:\n"
            "    return torch.true_divide(torch.sub(x, x.mean(dim, keepdim=True)), x.std(dim, keepdim=True))\n",
            "import torch\ndef standardise(x: torch.Tensor, dim: int = -1) -> torch.Tensor:\n"
            "    return torch.true_divide(torch.sub(x, x.mean(dim, keepdim=True)), x.std(dim, keepdim=True) + 1e-12)\n",
            UNSAFE,
        ),
        # Score-CAM-like: per-channel min-max rescaling through names.
        Invalid(
            "import torch\ndef scale(up):\n    b, c = up.shape[:2]\n"
            "    maxs = up.view(b, c, -1).max(dim=-1)[0]\n    mins = up.view(b, c, -1).min(dim=-1)[0]\n"
            "    maxs, mins = maxs[:, :, None, None], mins[:, :, None, None]\n"
            "    return (up - mins) / (maxs - mins)\n",
            "import torch\ndef scale(up):\n    b, c = up.shape[:2]\n"
            "    maxs = up.view(b, c, -1).max(dim=-1)[0]\n    mins = up.view(b, c, -1).min(dim=-1)[0]\n"
            "    maxs, mins = maxs[:, :, None, None], mins[:, :, None, None]\n"
            "    return (up - mins) / (maxs - mins + 1e-12)\n",
            UNSAFE,
        ),
        # Grad-CAM: shifted by its minimum, then divided by its maximum, in place.
        Invalid(
            "import torch\nimport torch.nn.functional as F\ndef cam(fmaps, weights):\n"
            "    g = F.relu((fmaps * weights).sum(1))\n    b = g.size(0)\n    g = g.view(b, -1)\n"
            "    g -= g.min(dim=1, keepdim=True)[0]\n    g /= g.max(dim=1, keepdim=True)[0]\n    return g\n",
            "import torch\nimport torch.nn.functional as F\ndef cam(fmaps, weights):\n"
            "    g = F.relu((fmaps * weights).sum(1))\n    b = g.size(0)\n    g = g.view(b, -1)\n"
            "    g -= g.min(dim=1, keepdim=True)[0]\n    g /= g.max(dim=1, keepdim=True)[0] + 1e-12\n    return g\n",
            UNSAFE,
        ),
        Invalid(
            "import numpy as np\ndef heatmap(cam):\n    cam = np.maximum(cam, 0)\n"
            "    cam = (cam - np.min(cam)) / (np.max(cam) - np.min(cam))\n    return np.uint8(cam * 255)\n",
            "import numpy as np\ndef heatmap(cam):\n    cam = np.maximum(cam, 0)\n"
            "    cam = (cam - np.min(cam)) / (np.max(cam) - np.min(cam) + 1e-12)\n    return np.uint8(cam * 255)\n",
            UNSAFE,
        ),
        Invalid(
            "import numpy as np\ndef heatmap(m):\n    m = m - m.min()\n    m = m / m.max()\n    return m\n",
            "import numpy as np\ndef heatmap(m):\n    m = m - m.min()\n    m = m / (m.max() + 1e-12)\n    return m\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef rescale(x):\n    return (x - torch.amin(x, dim=(1, 2), keepdim=True)) / "
            "(torch.amax(x, dim=(1, 2), keepdim=True) - torch.amin(x, dim=(1, 2), keepdim=True))\n",
            "import torch\ndef rescale(x):\n    return (x - torch.amin(x, dim=(1, 2), keepdim=True)) / "
            "(torch.amax(x, dim=(1, 2), keepdim=True) - torch.amin(x, dim=(1, 2), keepdim=True) + 1e-12)\n",
            UNSAFE,
        ),
        # RL advantages standardised by the batch std.
        Invalid(
            "import torch\ndef training_step(self, batch):\n    state, action, adv = batch\n"
            "    adv = (adv - adv.mean()) / adv.std()\n    return adv\n",
            "import torch\ndef training_step(self, batch):\n    state, action, adv = batch\n"
            "    adv = (adv - adv.mean()) / (adv.std() + 1e-12)\n    return adv\n",
            UNSAFE,
        ),
        # z-scores of feature columns, through names.
        Invalid(
            "import numpy as np\ndef zscore(data):\n    me = np.mean(data, axis=0)\n    st = np.std(data, axis=0)\n"
            "    return (data - me) / st\n",
            "import numpy as np\ndef zscore(data):\n    me = np.mean(data, axis=0)\n    st = np.std(data, axis=0)\n"
            "    return (data - me) / (st + 1e-12)\n",
            UNSAFE,
        ),
        Invalid(
            "import numpy as np\ndef zscore(x):\n    return (x - x.mean()) / np.sqrt(np.var(x))\n",
            "import numpy as np\ndef zscore(x):\n    return (x - x.mean()) / (np.sqrt(np.var(x)) + 1e-12)\n",
            UNSAFE,
        ),
        # z-scores with the moments from a helper of the class.
        Invalid(
            "import numpy as np\nclass Scaler:\n    def _moments(self, data):\n"
            "        return np.mean(data, axis=0), np.std(data, axis=0)\n"
            "    def normalize(self, data):\n        me, st = self._moments(data)\n        return (data - me) / st\n",
            "import numpy as np\nclass Scaler:\n    def _moments(self, data):\n"
            "        return np.mean(data, axis=0), np.std(data, axis=0)\n"
            "    def normalize(self, data):\n        me, st = self._moments(data)\n        return (data - me) / (st + 1e-12)\n",
            UNSAFE,
        ),
        # L2 normalisation of what a relu or a clamp at 0 can leave all zero.
        # A written-out root: the eps after it repairs the value, not the root's gradient,
        # so the finding says what to do and offers no fix.
        Invalid(
            "import torch\ndef l2norm(X):\n    X = torch.relu(X)\n    norm = torch.pow(X, 2).sum(dim=1, keepdim=True).sqrt()\n"
            "    X = torch.div(X, norm)\n    return X\n"
        ),
        Invalid(
            "import torch\nimport torch.nn.functional as F\ndef embed(fc, x):\n    h = F.relu(fc(x))\n"
            "    return h / h.norm(dim=-1, keepdim=True)\n",
            "import torch\nimport torch.nn.functional as F\ndef embed(fc, x):\n    h = F.relu(fc(x))\n"
            "    return h / (h.norm(dim=-1, keepdim=True) + 1e-12)\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef pooled(x):\n    x = x.clamp(min=0)\n    return x / torch.norm(x)\n",
            "import torch\ndef pooled(x):\n    x = x.clamp(min=0)\n    return x / (torch.norm(x) + 1e-12)\n",
            UNSAFE,
        ),
        Invalid(
            "import numpy as np\ndef unit_rows(v):\n    v = np.maximum(v, 0)\n    return v / np.linalg.norm(v, axis=1, keepdims=True)\n",
            "import numpy as np\ndef unit_rows(v):\n    v = np.maximum(v, 0)\n"
            "    return v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-12)\n",
            UNSAFE,
        ),
        Invalid("import torch\ndef unit(x):\n    x = x.relu()\n    x /= x.pow(2).sum(-1, keepdim=True).sqrt()\n    return x\n"),
        Invalid(
            "import numpy as np\ndef unit(v):\n    v = np.maximum(v, 0)\n    return v / np.sqrt((v ** 2).sum())\n",
            "import numpy as np\ndef unit(v):\n    v = np.maximum(v, 0)\n    return v / (np.sqrt((v ** 2).sum()) + 1e-12)\n",
            UNSAFE,
        ),
        Invalid(
            "import jax\nimport jax.numpy as jnp\ndef unit(x):\n    h = jax.nn.relu(x)\n"
            "    return h / jnp.linalg.norm(h, axis=-1, keepdims=True)\n",
            "import jax\nimport jax.numpy as jnp\ndef unit(x):\n    h = jax.nn.relu(x)\n"
            "    return h / (jnp.linalg.norm(h, axis=-1, keepdims=True) + 1e-12)\n",
            UNSAFE,
        ),
        # A class-activation map cut by a relu, divided by its maximum: 0/0 where the relu
        # cut every value.
        Invalid(
            "import numpy as np\ndef cam(weights, fmaps):\n    cam = np.maximum((weights[:, None, None] * fmaps).sum(0), 0)\n"
            "    return cam / np.max(cam)\n",
            "import numpy as np\ndef cam(weights, fmaps):\n    cam = np.maximum((weights[:, None, None] * fmaps).sum(0), 0)\n"
            "    return cam / (np.max(cam) + 1e-12)\n",
            UNSAFE,
        ),
    ]

    @classmethod
    def wants(cls, index) -> bool:
        # A module that divides nowhere has nothing to flag: most code that takes a max or
        # a norm never divides by it (the index records `/` as `__truediv__`).
        return (index.calls_method(_DIVISIONS) or index.calls_any(DIVIDE)) and cls._spreads(index)

    @classmethod
    def _spreads(cls, index) -> bool:
        if index.calls_method(_SPREAD_METHODS) or index.calls_any(_SPREAD_FUNCTIONS) or index.half_powers:
            return True
        if (index.calls_method(("sum",)) or index.calls_any(SUMS)) and any(
            _SIGNAL_RATIO.search(name) for part in (index, *index.parts) for name in part.mentions
        ):
            return True  # the energy of a signal ratio's reference (a module's own names are its parts')
        # A maximum is a spread only beside a minimum (a range) or a cut at 0.
        return (index.calls_method(("max", "amax")) or index.calls_any(MAXIMA)) and (
            index.calls_method(_BESIDE_MAXIMUM) or index.calls_any(MINIMA + RELU + CLAMP + MAXIMUM)
        )

    @classmethod
    def wants_part(cls, part, module) -> bool:
        """A part that divides, and computes a spread or calls a function of the module
        that does (`me, st = self._moments(data)` divides by what the helper computed)."""
        if not cls._spreads(part):
            helpers = module.memo.get(cls.code)
            if helpers is None:
                helpers = module.memo[cls.code] = frozenset(_spread_helpers(module))
            if helpers.isdisjoint(part.mentions):
                return False
        return _divides(part) or _returns_tuple(part.node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Divide):
            self._check(node, node.left, node.right, parenthesize=True)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.DivideAssign):
            self._check(node, node.target, node.value, parenthesize=False)

    def visit_Call(self, node: cst.Call) -> None:
        operands = division_operands(self.context, node)
        if operands is not None:
            self._check(node, *operands, parenthesize=False)

    def _check(self, node: cst.CSTNode, numerator: cst.BaseExpression, denominator: cst.BaseExpression,
               parenthesize: bool) -> None:
        spread = spread_of(self.context, denominator)
        if spread is None:
            return
        shape = shape_of(self.context, numerator)
        if spread.kind == "energy":
            # `(est * ref).sum(-1) / (ref ** 2).sum(-1)`: a projection onto `ref`, 0/0
            # where it is silent; known to happen for the references of a signal ratio.
            if not summed_products_with(self.context, numerator, spread.of.root) or not self._signal_ratio():
                return
        elif not _same_value(shape, spread):
            # `(x - lo) * (span / (hi - lo))`: min-max rescaling with the quotient taken
            # first, 0 * inf = NaN where x is constant.
            factor = self._scaled_factor(node) if spread.kind == "range" else None
            if factor is None or not _same_value(shape_of(self.context, factor), spread):
                return
            numerator = factor
        # A random draw is never constant, a fixed dataset is what the author ran; a vector of the norm kind is all zero only
        # with evidence (a relu, a clamp at 0): directions, embeddings and weights
        # are normalised by their norm all over library code and are not 0 by construction.
        if is_random_draw(self.context, numerator) or is_fixed_data(self.context, numerator):
            return
        if spread.kind == "norm" and not self._can_be_all_zero(numerator):
            return
        if spread.kind == "max" and MIN_SHIFTED not in (shape.how, spread.of.how) and not self._cut_at_zero(numerator):
            return
        # A test runs its own inputs; a reference implementation spells the formula out.
        if in_test_file(self.context) or in_reference_implementation(self.context):
            return
        if self._only_drawn(numerator):
            return
        about = subjects(self.context, denominator)
        if is_guarded(self.context, about) or under_where_on(self.context, about) or is_patched(self.context, about):
            return
        what, when = _SPREADS[spread.kind]
        if spread.kind == "max" and MIN_SHIFTED not in (shape.how, spread.of.how):
            what, when = "its own maximum", "an all-zero input (a relu or a clamp at 0 cuts every value)"
        eps = self.context.options.eps
        autograd = self._has_autograd(numerator, denominator)
        if spread.by_hand and autograd:
            # d/dv sqrt(v) is inf at v = 0: with the eps after the root the value is
            # repaired, the gradient is still NaN (the runtime shim measures it).
            fix = None
            advice = (
                "the written-out root has an infinite gradient there too: compute it with "
                "`torch.linalg.vector_norm` (or put the eps inside the root), then add an eps to the denominator"
            )
        else:
            shared = self._shared_definition(denominator)
            if shared is not None:
                # `std = x.std(0)` read again (`-torch.log(std)` beside `x / std`): the eps goes
                # where it is computed, so that every use of it is kept from 0 alike.
                code = f"{addend_code(self.context, shared)} + {eps}"
                fix = PendingFix(f"Add {eps} to `{denominator.value}` where it is computed",
                                 (Replace(shared, code),), UNSAFE)
            elif parenthesize:
                code = f"({bare_code(self.context, denominator)} + {eps})"
                fix = PendingFix(f"Add {eps} to the denominator", (Replace(denominator, code),), UNSAFE)
            else:
                code = f"{addend_code(self.context, denominator)} + {eps}"
                fix = PendingFix(f"Add {eps} to the denominator", (Replace(denominator, code),), UNSAFE)
            advice = fix.message[0].lower() + fix.message[1:]
        gradient = " (and so is its gradient)" if autograd else ""
        self.report(
            node,
            self.say(
                "spread",
                numerator=" ".join(bare_code(self.context, numerator).split()),
                what=what,
                denominator=" ".join(bare_code(self.context, denominator).split()),
                when=when,
                gradient=gradient,
                advice=advice,
            ),
            fix,
        )

    def _scaled_factor(self, division: cst.CSTNode) -> Optional[cst.BaseExpression]:
        """The other factor of the product the quotient `division` is a factor of."""
        path = self.context.ancestors
        parent = path[-2] if len(path) > 1 and path[-1] is division else None
        if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Multiply):
            return parent.left if parent.right is division else parent.right
        return None

    def _signal_ratio(self) -> bool:
        """In a function or class named for a signal-to-distortion or -noise ratio."""
        return any(
            isinstance(node, (cst.FunctionDef, cst.ClassDef)) and _SIGNAL_RATIO.search(node.name.value)
            for node in self.context.ancestors
        )

    def _can_be_all_zero(self, numerator: cst.BaseExpression) -> bool:
        self.context.trail.clear()
        reason = can_reach_zero(self.context, numerator)
        self.context.trail.clear()
        # A softmax or sigmoid output sums to more than 0: its norm is never 0.
        return reason is not None and not reason.startswith(("a softmax", "a sigmoid", "one minus", "a softplus"))

    def _only_drawn(self, numerator: cst.BaseExpression) -> bool:
        """A picture of the value: a constant input gives a blank image, not a NaN in
        training; unless a relu can cut the whole map (a flat Grad-CAM is ordinary), or
        code that draws then tests the value (`keep = w > 1e-7`), which a NaN fails for
        every element."""
        if self._cut_at_zero(_unshifted(numerator)):
            return False
        if only_displayed(self.context):
            return True
        return in_drawing_code(self.context) and not compared_after(self.context)

    def _cut_at_zero(self, numerator: cst.BaseExpression) -> bool:
        """A relu output or a value clamped at 0: all 0 wherever the input is at most 0,
        as a class-activation map whose every activation the relu cut."""
        self.context.trail.clear()
        reason = can_reach_zero(self.context, numerator)
        self.context.trail.clear()
        return reason in ("a relu output", "a value clamped at 0")

    def _shared_definition(self, denominator: cst.BaseExpression):
        """The value of `denominator`, a local name assigned once in this function, when the
        function reads that name elsewhere too; else None."""
        function = self.context.enclosing_function()
        if not isinstance(denominator, cst.Name) or function is None:
            return None
        assign = self.context.assignment_of(denominator)
        if assign is None or len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
            return None
        if not self.context.bindings(function).is_bound(denominator.value):
            return None  # a name of an enclosing scope: its definition is not this function's
        mentions = sum(1 for name in names_read(function.body) if name.value == denominator.value)
        return assign.value if mentions > 2 else None  # the definition, this read, and another

    def _has_autograd(self, numerator: cst.BaseExpression, denominator: cst.BaseExpression) -> bool:
        library = library_of(self.context, numerator) or library_of(self.context, denominator)
        if library is not None:
            return library in AUTOGRAD
        return self.context.imports.imports_module("torch") or self.context.imports.imports_module("jax")


def _unshifted(numerator: cst.BaseExpression) -> cst.BaseExpression:
    """The value a numerator shifts by its minimum or mean: `cam` of `cam - cam.min()`."""
    if isinstance(numerator, cst.BinaryOperation) and isinstance(numerator.operator, cst.Subtract):
        return numerator.left
    return numerator


def _same_value(shape: Shape, spread: Spread) -> bool:
    """Whether the numerator is 0 where the spread is: the same value, shifted by its
    minimum (for a range or a maximum), by its mean or not at all."""
    if shape.root != spread.of.root:
        return False
    if spread.kind == "norm":
        return shape.how == spread.of.how
    if spread.kind in ("range", "max"):
        return shape.how in (PLAIN, MIN_SHIFTED)
    return True  # a std: of x, of x - x.mean()


def _returns_tuple(node) -> bool:
    """A function that returns a tuple: a helper whose spread its caller divides by, read
    where the caller is."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    return any(type(inner) is ast.Return and isinstance(inner.value, ast.Tuple) for inner in descendants(node))


def _spread_helpers(module):
    """The names of the module's functions and methods that compute a spread and return
    a tuple (`return x.mean(0), x.std(0)`)."""
    stack = list(module.parts)
    while stack:
        part = stack.pop()
        stack.extend(part.parts)
        if NormalizationWithoutEps._spreads(part) and _returns_tuple(part.node):
            yield part.node.name


def _divides(part) -> bool:
    """Whether the `ast` of a part holds a true division: `/`, `/=`, `div(...)`."""
    node = part.node
    if node is None:
        return True
    if part.calls_method(_DIVIDE_NAMES):
        return True  # `x.div(y)`, `torch.divide(a, b)`
    if not part.calls_method(_DIVISIONS) and part.loads.isdisjoint(_DIVIDE_NAMES):
        return False  # the index saw no `/`, `/=`, method `div` or name `div` anywhere in it
    for inner in descendants(node):
        kind = type(inner)
        if (kind is ast.BinOp or kind is ast.AugAssign) and type(inner.op) is ast.Div:
            return True
        if kind is ast.Call:
            func = inner.func
            name = func.attr if type(func) is ast.Attribute else getattr(func, "id", None)
            if name in _DIVIDE_NAMES:
                return True
    return False


_DIVIDE_NAMES = frozenset(DIVIDE_METHODS)
