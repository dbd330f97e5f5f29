"""NAN007 acos-of-unclamped-cosine: the rule, its examples and its fix."""

from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from nanlint.rule import SAFE, UNSAFE, Invalid, PendingFix, Replace, Rule
from nanlint.values.api import ARC, ARC_METHODS, ARC_TRIGGERS
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.cosines import arc_argument, compared_with_one, of_random_draws, patched_after
from nanlint.values.facts import bare_code, receiver_code
from nanlint.values.gradient import in_no_grad, in_reference_implementation, in_test_file

# float32 has 2**-24 (6e-8) between 1 and the float below it: 1 - 1e-7 rounds to
# 1 - 2**-23, not to 1, and acos' gradient there is -2048, not -inf (measured). It is 1 in
# float16 and bfloat16, whose spacing below 1 is 2**-11 and 2**-8.
ARC_EPS = "1e-7"
# Where a generic array namespace (`lib.arccos`, `xp.arccos`) is handed in.
_GENERIC = "generic"


class AcosOfUnclampedCosine(Rule):
    """`acos` / `asin` of a cosine computed in floating point, not clamped to [-1, 1].

    ## Why is this bad?
    A cosine is in [-1, 1] by mathematics, but `dot(u, v) / (norm(u) * norm(v))` is
    computed with rounding, and for parallel vectors it comes out as 1.0000001: with
    u == v it exceeds 1 in about a third of random float32 draws of 64 values (and
    `F.cosine_similarity(u, u)` in a fifth; measured with torch 2.13 CPU). acos and
    asin of that are NaN (numpy: nan with a RuntimeWarning), and the NaN spreads
    through the loss or the metric. In torch the gradient of acos at exactly +-1 is
    -inf as well, so `torch.acos(c.clamp(-1, 1))` repairs the value but not the
    gradient where identical vectors meet: acos(clamp(1.0000001, -1, 1)) has gradient
    0, acos(clamp(1.0, -1, 1)) has gradient -inf, and autograd turns that into NaN
    in every input (measured).

    Flagged: `torch.acos` / `arccos` / `asin` / `arcsin` and the tensor methods
    (`c.acos()`, in a module that imports torch), `np.arccos` / `np.arcsin`, the
    `jax.numpy` ones, TensorFlow's `tf.math.acos` / `asin`, and a backend-generic
    `lib.arccos(x)` (a namespace the function is handed, as array libraries
    dispatching on their input do), of
    - a dot product divided by both norms: `dot(u, v) / (norm(u) * norm(v))`,
      `(u * v).sum() / u.norm() / v.norm()`, `x /= norm(a) * norm(b)` in place, an
      eps added to the product kept (`/ (na * nb + 1e-8)` is still 1 + 1 ulp in float32),
      the norms as functions (`np.linalg.norm`, `u.norm(dim=-1)`), attributes
      (`v.magnitude`), the root of a sum of squares or functions of the code's own
      named for one (`vector_norm(u)`, `CalcLength(u)`, `mag.xy_z(...)`);
    - a dot product with a unit vector divided by the other vector's norm
      (`torch.einsum(..., u, e) / u.norm(dim=-1)` with `e = d / d.norm()`: the angle of
      a point against a line, NaN for a point on it);
    - a dot product of normalised vectors: `(a * b).sum(-1)` with `a = u / u.norm()`,
      `F.normalize(u)` or a function of the code's own named `normalize`, and a
      triple product of unit vectors (`dot(cross(a, b), c)`);
    - `F.cosine_similarity` (and sklearn's `cosine_similarity`), an `nn.CosineSimilarity`
      module's output;
    - `2 * d ** 2 - 1` of an inner product d (the angle between two quaternions);
    - in torch, JAX or TensorFlow, any value whose acos the code patches afterwards where
      it passes +-1 (`phi = torch.acos(r) / 3` then `phi[r >= 1] = 0`): the author's word
      that it does, and the patch repairs the value, not the gradient through the acos;
    - the law of cosines, `(b * b + c * c - a * a) / (2 * b * c)` (a triangle's angle from
      its sides, past 1 for three points on a line);
    - a rotation's angle from its trace, `(tr(R) - 1) / 2` (`torch.trace`, `np.trace`,
      the sum of `torch.diagonal(R, ...)`, `R[..., 0, 0] + R[..., 1, 1] + R[..., 2, 2]`):
      the trace of a rotation near the identity rounds past 3 (a geodesic loss on SO(3)
      at a perfect prediction);
    - any other dot product (`np.arccos(np.dot(u, v))`, `np.einsum("ij,ij->i", p, n)`,
      `x1 * x2 + y1 * y2 + z1 * z2`, also under `abs`): only unit vectors make one an
      angle's cosine, so the code holds them unit (a docstring, an assert, a caller's
      normalisation), and two unit vectors that are (anti)parallel round past 1;
    directly or through local names: every assignment that reaches the call counts.

    Not flagged: a value clamped or clipped to [-1, 1] first (`c.clamp(-1, 1)`,
    `np.clip(c, -1, 1)`, `torch.clamp(c, -1 + eps, 1 - eps)`, `max(-1, min(1, c))`,
    on every path that reaches the call), constants, values bounded by construction
    (`torch.cos(t)`, `tanh`, `sin`: they have no rounding past 1), a value the code
    shows no evidence of being a cosine (`acos(x)` of a parameter: precision first),
    code in a function that tests the value against +-1 (`if abs(c) > 1: ...`,
    `-1 <= c <= 1`, `mask = d > 1 - eps`; a margin's threshold, `if cos > thresh:`, is
    only a lower bound and guards nothing), test files and reference
    implementations, and `math.acos` / `math.asin`, which raise rather than return NaN
    and are NAN004's.

    ## Fix safety
    numpy code, a generic namespace, and torch / JAX / TensorFlow code under
    `torch.no_grad()` (or `inference_mode`): clip to exactly [-1, 1]
    (`np.arccos(np.clip(c, -1.0, 1.0))`, `lib.minimum(lib.maximum(c, -1.0), 1.0)`,
    `c.clamp(-1.0, 1.0)`). That changes only results that were NaN, into 0 or pi; a
    NaN input stays NaN. It is safe where the bound is mathematics (a quotient by both
    norms, `cosine_similarity`, vectors divided by their norms in the code), and unsafe
    where it rests on an assumption the code does not show (vectors normalised by a
    function of its own, a unit quaternion): there a value far outside [-1, 1] is the
    caller's bug, which the clip would hide.

    Anywhere else in torch, JAX or TensorFlow the clamp is to [-1 + 1e-7, 1 - 1e-7]
    (`torch.acos(c.clamp(-1 + 1e-7, 1 - 1e-7))`, `tf.clip_by_value(...)`): 1 - 1e-7
    rounds to the float32 just below 1, where the gradient is finite (-2048), and a
    clamp to exactly [-1, 1] would leave -inf at +-1 (the runtime shim shows it on its
    one-hot probe). Only autograd switched off proves no gradient comes: a helper with
    no sign of training (a slerp, an angle metric) is still differentiated by a caller,
    so `carries_gradient`, which answers no without evidence, is not used to choose.
    The eps changes the angle of (nearly) parallel vectors by up to 4.9e-4 rad and
    zeroes the gradient there: an unsafe fix. In float16 and bfloat16 1 - 1e-7 is 1
    again: such code needs an eps of about 1e-3.

    The clamp does not repair a 0/0 of zero vectors (`dot(u, v) / (|u| |v|)` with
    u = 0 is NaN before the acos): keep the norms away from 0 for that.
    """

    messages = {
        "cosine": "`{function}` of {reason}, which rounding can push past +-1: {arc} is NaN there{gradient}; {advice}",
    }
    code = "NAN007"
    name = "acos-of-unclamped-cosine"
    summary = "acos / asin of a computed cosine is NaN where rounding pushes it past +-1"
    triggers = ARC_TRIGGERS
    fixable = True
    incident = (
        "A turning-angle metric took `np.arccos(np.dot(v0, v1) / (norm(v0) * norm(v1)))` "
        "and returned nan for collinear segments; the fix clipped the cosine to [-1, 1]. "
        "Measured with torch 2.13 CPU: for u == v of 64 random float32 values, "
        "`dot(u, v) / (u.norm() * v.norm())` exceeds 1 in 634 of 2000 draws, and "
        "`torch.acos(F.cosine_similarity(u, u, -1))` has NaN gradients."
    )

    valid = [
        # A slerp between two independent noise latents: in many dimensions they are
        # nearly orthogonal, never near +-1.
        "import torch\ndef interpolate(shape, steps):\n    def slerp(a, b, t):\n"
        "        theta = torch.acos((a * b).sum() / (a.norm() * b.norm()))\n"
        "        return (torch.sin((1 - t) * theta) * a + torch.sin(t * theta) * b) / torch.sin(theta)\n"
        "    z0, z1 = torch.randn(shape), torch.randn(shape)\n"
        "    return [slerp(z0, z1, i / steps) for i in range(steps)]\n",
        # A test of the cosine against both ends of the range.
        "import torch\ndef angle(a, b):\n    c = torch.dot(a, b) / (a.norm() * b.norm())\n    if -1 <= c <= 1:\n"
        "        return torch.acos(c)\n    return torch.zeros(())\n",
        # The trace's cosine clamped first; the trace of a matrix that is no rotation, taken
        # no arc cosine of.
        "import torch\ndef geodesic(R):\n    cos = ((R.diagonal(dim1=-2, dim2=-1).sum(-1) - 1) / 2).clamp(-1 + 1e-6, 1 - 1e-6)\n"
        "    return torch.acos(cos)\n",
        "import numpy as np\ndef spread(C):\n    return np.sqrt((np.trace(C) - 1) / 2)\n",
        "import torch\ndef angle(u, v):\n    c = (u * v).sum(-1) / (u.norm(dim=-1) * v.norm(dim=-1))\n"
        "    return torch.acos(c.clamp(-1 + 1e-7, 1 - 1e-7))\n",
        "import numpy as np\ndef angle(u, v):\n    c = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))\n"
        "    return np.arccos(np.clip(c, -1.0, 1.0))\n",
        "import torch\nimport torch.nn.functional as F\ny = torch.acos(torch.clamp(F.cosine_similarity(a, b), -1, 1))\n",
        # Bounded by construction: no rounding takes a cos or a tanh past 1.
        "import torch\ndef f(t):\n    return torch.acos(torch.cos(t))\n",
        "import torch\ny = torch.asin(torch.tanh(x))\n",
        # No evidence the value is a cosine: precision first.
        "import torch\ndef f(x):\n    return torch.acos(x)\n",
        "import numpy as np\ndef lat(z, r):\n    return np.arcsin(z / r)\n",
        "import numpy as np\ny = np.arccos(0.5)\n",
        # `math.acos` is NAN004's.
        "import math\ndef angle(u, v):\n    return math.acos(dot(u, v) / (norm(u) * norm(v)))\n",
        # Clamped on every path that reaches the call; tested before it.
        "import torch\ndef angle(a, b):\n    d = (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1))\n"
        "    d = d.clamp(-1.0, 1.0)\n    return d.acos()\n",
        "import numpy as np\ndef angle(u, v):\n    c = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))\n"
        "    c = min(max(c, -1.0), 1.0)\n    return np.arccos(c)\n",
        "import numpy as np\ndef angle(u, v):\n    c = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))\n"
        "    if abs(c) > 1:\n        c = np.sign(c)\n    return np.arccos(c)\n",
        # The ends of the range masked out and replaced (a slerp falling back to lerp).
        "import torch\ndef slerp(a, b, t, eps=1e-7):\n    a = a / a.norm(dim=-1, keepdim=True)\n"
        "    b = b / b.norm(dim=-1, keepdim=True)\n    d = (a * b).sum(-1, keepdim=True)\n"
        "    collinear = (d > 1 - eps) | (d < -1 + eps)\n    omega = d.acos()\n"
        "    out = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / omega.sin()\n"
        "    return torch.where(collinear, a, out)\n",
        # The dot product of unit vectors clipped first.
        "import numpy as np\ndef angle(u, v):\n    return np.arccos(np.clip(np.dot(u, v), -1.0, 1.0))\n",
        # A test checks its own values; a reference implementation is the formula itself.
        "import torch\ndef reference_fn(u, v):\n    return torch.acos(torch.dot(u, v) / (u.norm() * v.norm()))\n",
        "import jax.numpy as jnp\ndef f(u, v):\n    c = jnp.dot(u, v) / (jnp.linalg.norm(u) * jnp.linalg.norm(v))\n"
        "    return jnp.arccos(jnp.clip(c, -1, 1))\n",
        # A projection coefficient is not a cosine: divided by one norm, squared.
        "import torch\ndef f(u, v):\n    return torch.acos(torch.dot(u, v) / u.norm() ** 2)\n",
    ]
    invalid = [
        # A dot product spelled with `np.multiply`, and one by a class's own methods named
        # for a dot product and a length.
        Invalid(
            "import numpy as np\ndef angular_distance(a, b):\n"
            "    similarity = np.sum(np.multiply(a, b), axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))\n"
            "    return np.arccos(similarity) / np.pi\n",
            "import numpy as np\ndef angular_distance(a, b):\n"
            "    similarity = np.sum(np.multiply(a, b), axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))\n"
            "    return np.arccos(np.clip(similarity, -1.0, 1.0)) / np.pi\n",
        ),
        Invalid(
            "import numpy as np\nclass Lattice:\n    def angle(self, u, v):\n"
            "        return np.arccos(self.CalcDot(u, v) / self.CalcLength(u) / self.CalcLength(v))\n",
            "import numpy as np\nclass Lattice:\n    def angle(self, u, v):\n"
            "        return np.arccos(np.clip(self.CalcDot(u, v) / self.CalcLength(u) / self.CalcLength(v), -1.0, 1.0))\n",
        ),
        # `nn.CosineSimilarity` as a module is `F.cosine_similarity`.
        Invalid(
            "import torch\nfrom torch import nn\ndef angular_similarity(x, y):\n"
            "    cos = nn.CosineSimilarity(dim=1)(x, y)\n    return 1 - torch.acos(cos) / 3.141592653589793\n",
            "import torch\nfrom torch import nn\ndef angular_similarity(x, y):\n"
            "    cos = nn.CosineSimilarity(dim=1)(x, y)\n    return 1 - torch.acos(cos.clamp(-1 + 1e-7, 1 - 1e-7)) / 3.141592653589793\n",
            UNSAFE,
        ),
        # The result patched where the input passes +-1 (closed-form 3x3 eigenvalues): the
        # value is repaired, the gradient through the acos is NaN there all the same.
        Invalid(
            "import math\nimport torch\ndef trig_eigenvalues(q, p, r):\n    phi = torch.acos(r) / 3.0\n"
            "    phi[r <= -1] = math.pi / 3\n    phi[r >= 1] = 0\n    return q + 2 * p * torch.cos(phi)\n",
            "import math\nimport torch\ndef trig_eigenvalues(q, p, r):\n    phi = torch.acos(r.clamp(-1 + 1e-7, 1 - 1e-7)) / 3.0\n"
            "    phi[r <= -1] = math.pi / 3\n    phi[r >= 1] = 0\n    return q + 2 * p * torch.cos(phi)\n",
            UNSAFE,
        ),
        # A rotation's angle from its trace: past 1 where the prediction is exact.
        Invalid(
            "import torch\ndef geodesic_loss(R_pred, R_gt):\n    R = R_pred @ R_gt.transpose(-1, -2)\n"
            "    cos = (torch.diagonal(R, dim1=-2, dim2=-1).sum(-1) - 1) / 2\n    return torch.acos(cos).mean()\n",
            "import torch\ndef geodesic_loss(R_pred, R_gt):\n    R = R_pred @ R_gt.transpose(-1, -2)\n"
            "    cos = (torch.diagonal(R, dim1=-2, dim2=-1).sum(-1) - 1) / 2\n"
            "    return torch.acos(cos.clamp(-1 + 1e-7, 1 - 1e-7)).mean()\n",
            UNSAFE,
        ),
        Invalid(
            "import numpy as np\ndef rotation_error(R1, R2):\n    return np.degrees(np.arccos((np.trace(R1.T @ R2) - 1) / 2))\n",
            "import numpy as np\ndef rotation_error(R1, R2):\n"
            "    return np.degrees(np.arccos(np.clip((np.trace(R1.T @ R2) - 1) / 2, -1.0, 1.0)))\n",
            UNSAFE,
        ),
        # A margin's threshold is a lower bound: 1.0000001 passes it.
        Invalid(
            "import torch\ndef margin_logit(feats, weight, i, lb, thresh, m):\n"
            "    cos = torch.mm(feats / feats.norm(dim=1, keepdim=True), (weight / weight.norm(dim=1, keepdim=True)).t())\n"
            "    if cos[i, lb] > thresh:\n        return torch.cos(torch.acos(cos[i, lb]) + m)\n    return cos[i, lb]\n",
            "import torch\ndef margin_logit(feats, weight, i, lb, thresh, m):\n"
            "    cos = torch.mm(feats / feats.norm(dim=1, keepdim=True), (weight / weight.norm(dim=1, keepdim=True)).t())\n"
            "    if cos[i, lb] > thresh:\n        return torch.cos(torch.acos(cos[i, lb].clamp(-1 + 1e-7, 1 - 1e-7)) + m)\n"
            "    return cos[i, lb]\n",
            UNSAFE,
        ),
        # The angle between two unit quaternions, through the name of its magnitude.
        Invalid(
            "import torch\ndef quat_angle(q1, q2):\n    d = torch.abs((q1 * q2).sum(-1))\n    return 2 * torch.acos(d)\n",
            "import torch\ndef quat_angle(q1, q2):\n    d = torch.abs((q1 * q2).sum(-1))\n"
            "    return 2 * torch.acos(d.clamp(-1 + 1e-7, 1 - 1e-7))\n",
            UNSAFE,
        ),
        # A turning angle between consecutive segments (numpy, no gradient).
        Invalid(
            "import numpy as np\ndef winding(proj):\n    turn = 0\n    for j in range(len(proj) - 1):\n"
            "        v0, v1 = proj[j], proj[j + 1]\n"
            "        c = np.dot(v0, v1) / (np.linalg.norm(v0) * np.linalg.norm(v1))\n"
            "        turn += np.arccos(c)\n    return turn\n",
            "import numpy as np\ndef winding(proj):\n    turn = 0\n    for j in range(len(proj) - 1):\n"
            "        v0, v1 = proj[j], proj[j + 1]\n"
            "        c = np.dot(v0, v1) / (np.linalg.norm(v0) * np.linalg.norm(v1))\n"
            "        turn += np.arccos(np.clip(c, -1.0, 1.0))\n    return turn\n",
        ),
        # Divided in place by both norms, then an optional abs.
        Invalid(
            "import numpy as np\ndef angle_between(v0, v1, directed=True, axis=0):\n"
            "    dot = np.sum(v0 * v1, axis=axis)\n"
            "    dot /= np.linalg.norm(v0, axis=axis) * np.linalg.norm(v1, axis=axis)\n"
            "    return np.arccos(dot if directed else np.fabs(dot))\n",
            "import numpy as np\ndef angle_between(v0, v1, directed=True, axis=0):\n"
            "    dot = np.sum(v0 * v1, axis=axis)\n"
            "    dot /= np.linalg.norm(v0, axis=axis) * np.linalg.norm(v1, axis=axis)\n"
            "    return np.arccos(np.clip(dot if directed else np.fabs(dot), -1.0, 1.0))\n",
        ),
        # A slerp between normalised latents: a helper, which a training loop may
        # differentiate through.
        Invalid(
            "import torch\ndef normalize(x):\n    return x / torch.sqrt(x.pow(2).sum(-1, keepdim=True))\n"
            "def slerp(a, b, t):\n    a = normalize(a)\n    b = normalize(b)\n    d = (a * b).sum(-1, keepdim=True)\n"
            "    p = t * torch.acos(d)\n    return a * torch.cos(p) + b * torch.sin(p)\n",
            "import torch\ndef normalize(x):\n    return x / torch.sqrt(x.pow(2).sum(-1, keepdim=True))\n"
            "def slerp(a, b, t):\n    a = normalize(a)\n    b = normalize(b)\n    d = (a * b).sum(-1, keepdim=True)\n"
            "    p = t * torch.acos(d.clamp(-1 + 1e-7, 1 - 1e-7))\n    return a * torch.cos(p) + b * torch.sin(p)\n",
            UNSAFE,
        ),
        # An angular loss: a gradient flows, so the clamp stays inside (-1, 1).
        Invalid(
            "import torch\nimport torch.nn.functional as F\nclass AngularLoss(torch.nn.Module):\n"
            "    def forward(self, pred, target):\n        cos = F.cosine_similarity(pred, target, dim=-1)\n"
            "        return torch.acos(cos).mean()\n",
            "import torch\nimport torch.nn.functional as F\nclass AngularLoss(torch.nn.Module):\n"
            "    def forward(self, pred, target):\n        cos = F.cosine_similarity(pred, target, dim=-1)\n"
            "        return torch.acos(cos.clamp(-1 + 1e-7, 1 - 1e-7)).mean()\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef angle(u, v):\n    return ((u * v).sum() / u.norm() / v.norm()).acos()\n",
            "import torch\ndef angle(u, v):\n    return ((u * v).sum() / u.norm() / v.norm()).clamp(-1 + 1e-7, 1 - 1e-7).acos()\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef angle(u, v):\n    c = torch.dot(u, v) / (torch.linalg.vector_norm(u) * torch.linalg.vector_norm(v))\n"
            "    return torch.arccos(c)\n",
            "import torch\ndef angle(u, v):\n    c = torch.dot(u, v) / (torch.linalg.vector_norm(u) * torch.linalg.vector_norm(v))\n"
            "    return torch.arccos(c.clamp(-1 + 1e-7, 1 - 1e-7))\n",
            UNSAFE,
        ),
        # Normalised by division, then a matrix of pairwise cosines; an eps kept in
        # the norm does not keep the quotient below 1 in float32.
        Invalid(
            "import torch\ndef pairwise_angles(x):\n    x = x / (x.norm(dim=-1, keepdim=True) + 1e-8)\n"
            "    return torch.acos(x @ x.T)\n",
            "import torch\ndef pairwise_angles(x):\n    x = x / (x.norm(dim=-1, keepdim=True) + 1e-8)\n"
            "    return torch.acos((x @ x.T).clamp(-1 + 1e-7, 1 - 1e-7))\n",
            UNSAFE,
        ),
        # The angle between two quaternions from their inner product.
        Invalid(
            "import numpy as np\ndef quat_angle(q0, q1):\n    d = np.dot(q0, q1)\n    return np.arccos(2 * d ** 2 - 1)\n",
            "import numpy as np\ndef quat_angle(q0, q1):\n    d = np.dot(q0, q1)\n    return np.arccos(np.clip(2 * d ** 2 - 1, -1.0, 1.0))\n",
            UNSAFE,
        ),
        # A triple product of unit vectors: the signed angle between two normals.
        Invalid(
            "import torch\nimport torch.nn.functional as F\ndef dihedral(n1, n2, axis):\n"
            "    a, b, e = F.normalize(n1, dim=-1), F.normalize(n2, dim=-1), F.normalize(axis, dim=-1)\n"
            "    s = (torch.cross(a, b, dim=-1) * e).sum(-1)\n    return torch.asin(s)\n",
            "import torch\nimport torch.nn.functional as F\ndef dihedral(n1, n2, axis):\n"
            "    a, b, e = F.normalize(n1, dim=-1), F.normalize(n2, dim=-1), F.normalize(axis, dim=-1)\n"
            "    s = (torch.cross(a, b, dim=-1) * e).sum(-1)\n    return torch.asin(s.clamp(-1 + 1e-7, 1 - 1e-7))\n",
            UNSAFE,
        ),
        # The angle between a point's offset and a line's unit direction: NaN for a
        # point on the line, whose distance `norm * sin(angle)` then fails every test.
        Invalid(
            "import numpy as np\ndef on_line(p, a, b, tol):\n"
            "    e = (b - a) / np.linalg.norm(b - a, axis=-1, keepdims=True)\n    v = p - a\n"
            "    c = (v * e).sum(-1) / np.linalg.norm(v, axis=-1)\n"
            "    return np.linalg.norm(v, axis=-1) * np.sin(np.arccos(c)) <= tol\n",
            "import numpy as np\ndef on_line(p, a, b, tol):\n"
            "    e = (b - a) / np.linalg.norm(b - a, axis=-1, keepdims=True)\n    v = p - a\n"
            "    c = (v * e).sum(-1) / np.linalg.norm(v, axis=-1)\n"
            "    return np.linalg.norm(v, axis=-1) * np.sin(np.arccos(np.clip(c, -1.0, 1.0))) <= tol\n",
        ),
        # Any dot product: only unit vectors make it a cosine, and (anti)parallel ones round past 1.
        Invalid(
            "import numpy as np\ndef angle(pt1, pt2):\n    \"\"\"The angle between unit vectors.\"\"\"\n"
            "    return np.arccos(np.sum(pt1 * pt2, axis=-1))\n",
            "import numpy as np\ndef angle(pt1, pt2):\n    \"\"\"The angle between unit vectors.\"\"\"\n"
            "    return np.arccos(np.clip(np.sum(pt1 * pt2, axis=-1), -1.0, 1.0))\n",
            UNSAFE,
        ),
        Invalid(
            "import numpy as np\ndef tilt(rays, normals):\n"
            "    return np.arccos(np.abs(np.einsum('ij,ij->i', rays, normals)))\n",
            "import numpy as np\ndef tilt(rays, normals):\n"
            "    return np.arccos(np.clip(np.abs(np.einsum('ij,ij->i', rays, normals)), -1.0, 1.0))\n",
            UNSAFE,
        ),
        Invalid(
            "import numpy as np\ndef spread(a, b):\n    out = []\n    for u in b:\n"
            "        d = a[0] * u[0] + a[1] * u[1] + a[2] * u[2]\n        out.append(np.degrees(np.arccos(d)))\n    return out\n",
            "import numpy as np\ndef spread(a, b):\n    out = []\n    for u in b:\n"
            "        d = a[0] * u[0] + a[1] * u[1] + a[2] * u[2]\n"
            "        out.append(np.degrees(np.arccos(np.clip(d, -1.0, 1.0))))\n    return out\n",
            UNSAFE,
        ),
        # A triangle's angle from its three sides: past 1 for three points on a line.
        Invalid(
            "import numpy as np\ndef corner(a, b, c):\n    cos_a = (b * b + c * c - a * a) / (2 * b * c)\n"
            "    return np.arccos(cos_a)\n",
            "import numpy as np\ndef corner(a, b, c):\n    cos_a = (b * b + c * c - a * a) / (2 * b * c)\n"
            "    return np.arccos(np.clip(cos_a, -1.0, 1.0))\n",
            UNSAFE,
        ),
        # A backend-generic helper: the namespace is an argument.
        Invalid(
            "def deltaangle(lib, x1, y1, x2, y2):\n    m1 = lib.sqrt(x1 ** 2 + y1 ** 2)\n"
            "    m2 = lib.sqrt(x2 ** 2 + y2 ** 2)\n    return lib.arccos((x1 * x2 + y1 * y2) / m1 / m2)\n",
            "def deltaangle(lib, x1, y1, x2, y2):\n    m1 = lib.sqrt(x1 ** 2 + y1 ** 2)\n"
            "    m2 = lib.sqrt(x2 ** 2 + y2 ** 2)\n"
            "    return lib.arccos(lib.minimum(lib.maximum((x1 * x2 + y1 * y2) / m1 / m2, -1.0), 1.0))\n",
        ),
        Invalid(
            "import jax.numpy as jnp\ndef angle(u, v):\n    return jnp.arccos(jnp.dot(u, v) / (jnp.linalg.norm(u) * jnp.linalg.norm(v)))\n",
            "import jax.numpy as jnp\ndef angle(u, v):\n"
            "    return jnp.arccos(jnp.clip(jnp.dot(u, v) / (jnp.linalg.norm(u) * jnp.linalg.norm(v)), -1 + 1e-7, 1 - 1e-7))\n",
            UNSAFE,
        ),
        # A Keras loss `(y_true, y_pred)`: a gradient flows through it.
        Invalid(
            "import tensorflow as tf\ndef angular_loss(y_true, y_pred):\n"
            "    cos = tf.reduce_sum(y_true * y_pred, -1) / (tf.norm(y_true, axis=-1) * tf.norm(y_pred, axis=-1))\n"
            "    return tf.reduce_mean(tf.math.acos(cos))\n",
            "import tensorflow as tf\ndef angular_loss(y_true, y_pred):\n"
            "    cos = tf.reduce_sum(y_true * y_pred, -1) / (tf.norm(y_true, axis=-1) * tf.norm(y_pred, axis=-1))\n"
            "    return tf.reduce_mean(tf.math.acos(tf.clip_by_value(cos, -1 + 1e-7, 1 - 1e-7)))\n",
            UNSAFE,
        ),
        # Under no_grad: a metric, the exact clamp is enough.
        Invalid(
            "import torch\nimport torch.nn.functional as F\n@torch.no_grad()\ndef angular_error(pred, gt):\n"
            "    return torch.rad2deg(torch.acos(F.cosine_similarity(pred, gt, dim=1))).mean()\n",
            "import torch\nimport torch.nn.functional as F\n@torch.no_grad()\ndef angular_error(pred, gt):\n"
            "    return torch.rad2deg(torch.acos(F.cosine_similarity(pred, gt, dim=1).clamp(-1.0, 1.0))).mean()\n",
        ),
    ]

    @classmethod
    def wants(cls, index) -> bool:
        return index.calls_any(ARC) or index.calls_method(ARC_METHODS)

    @classmethod
    def wants_part(cls, part, module) -> bool:
        return cls.wants(part)  # a finding is an arc call in the part itself

    def visit_Call(self, node: cst.Call) -> None:
        found = self._arc(node)
        if found is None:
            return
        operand, library = found
        self.context.trail.clear()
        evidence = arc_argument(self.context, operand)
        related = tuple(self.context.trail)
        # The result patched where the input passes +-1: the author's word that it does,
        # and in an autograd library the gradient through the acos is NaN there all the same.
        patched = library in ("torch", "jax.numpy", "tensorflow") and not in_no_grad(self.context) and patched_after(
            self.context, operand
        )
        if patched and evidence is None:
            evidence = ("a value the code itself compares with +-1 after the arc function (patching the result "
                        "repairs the value, not the gradient)", True)
        if evidence is None or in_test_file(self.context) or in_reference_implementation(self.context):
            return
        # Only a test of the cosine against +-1 (`if abs(c) > 1:`, `-1 <= c <= 1`) says it
        # is in range: not a test that its vectors are not zero, nor a margin's threshold
        # (`if cos > self.thresh:`, a lower bound, which 1.0000001 passes), nor a patch of
        # the result afterwards where a gradient runs.
        if compared_with_one(self.context, operand) and not patched:
            return
        if of_random_draws(self.context, operand):
            return  # two independent draws in many dimensions are nearly orthogonal
        reason, exact = evidence
        # Only autograd switched off proves no gradient will come: a helper with no sign of
        # training (a slerp, an angle metric) is still differentiated by whoever calls it.
        gradient = library in ("torch", "jax.numpy", "tensorflow") and not in_no_grad(self.context)
        fix = self._fix(node, operand, library, gradient, exact)
        spelled = f".{_function(self.context, node)}()" if operand is receiver(node) else self.context.code(node.func)
        arc = "acos" if "cos" in _function(self.context, node) else "asin"
        after = " and its gradient -inf at exactly +-1" if library in ("torch", "jax.numpy", "tensorflow") else ""
        self.report(
            node,
            self.say("cosine", function=spelled, reason=reason, arc=arc, gradient=after,
                     advice=fix.message[0].lower() + fix.message[1:]),
            fix,
            related,
        )

    def _arc(self, node: cst.Call) -> Optional[Tuple[cst.BaseExpression, str]]:
        """(the value whose arc cosine or sine is taken, its library) for such a call."""
        qualified, method = callee(self.context, node)
        if qualified is not None:
            if qualified not in ARC:
                return None
            library = qualified.rsplit(".", 1)[0]
            library = "tensorflow" if library.startswith("tensorflow") else library
            operand = argument(node, 0, "input" if library == "torch" else "x")
            return (operand, library) if operand is not None else None
        if method not in ARC_METHODS:
            return None
        if not node.args and self.context.imports.imports_module("torch"):
            return receiver(node), "torch"
        # `lib.arccos(x)`: an array namespace handed to the function (array API style).
        owner = receiver(node)
        if (
            len(node.args) == 1
            and node.args[0].keyword is None
            and not node.args[0].star
            and isinstance(owner, cst.Name)
            and owner.value not in ("self", "cls")
            and method.startswith("arc")
        ):
            return node.args[0].value, _GENERIC
        return None

    # -- the fix -------------------------------------------------------------------
    def _fix(self, arc: cst.Call, operand: cst.BaseExpression, library: str, gradient: bool,
             exact: bool) -> PendingFix:
        low, high = (f"-1 + {ARC_EPS}", f"1 - {ARC_EPS}") if gradient else ("-1.0", "1.0")
        code = bare_code(self.context, operand)
        needed = None
        if library == "torch":
            new = f"{receiver_code(self.context, operand)}.clamp({low}, {high})"
        elif library == _GENERIC:
            lib = self.context.code(receiver(arc))
            new = f"{lib}.minimum({lib}.maximum({code}, {low}), {high})"
        else:
            function, needed = self._namespace(arc, library)
            new = f"{function}({code}, {low}, {high})"
        if gradient:
            message = f"Clamp it to [{low}, {high}]: a clamp to exactly [-1, 1] leaves the gradient -inf at +-1"
        else:
            message = "Clip it to [-1, 1] first"
        safe = SAFE if exact and not gradient else UNSAFE
        return PendingFix(message, (Replace(operand, new),), safe, (needed,) if needed else ())

    def _namespace(self, arc: cst.Call, library: str) -> Tuple[str, Optional[str]]:
        """`np.clip` in the namespace of `np.arccos`, `tf.clip_by_value` for TensorFlow."""
        name = "clip_by_value" if library == "tensorflow" else "clip"
        if library == "tensorflow":
            reference = self.context.reference("tensorflow.clip_by_value")
            return reference or ("tensorflow.clip_by_value", "tensorflow")
        if isinstance(arc.func, cst.Attribute):
            return f"{self.context.code(arc.func.value)}.{name}", None
        return self.context.reference(f"{library}.{name}") or (f"{library}.{name}", library.split(".")[0])


def _function(context, call: cst.Call) -> str:
    qualified, method = callee(context, call)
    return qualified.rsplit(".", 1)[-1] if qualified is not None else str(method)
