"""NAN001 sqrt-without-eps: the rule, its examples and its fix."""


from __future__ import annotations

from typing import Optional

import libcst as cst

from nanlint.rule import SAFE, UNSAFE, Invalid, PendingFix, Replace, Rule
from nanlint.values.api import NORM_NAN_AT_ZERO, NORM_TRIGGERS, POW, ROOT_TRIGGERS, RSQRT, SQRT, call_triggers
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.facts import (
    addend_code,
    bare_code,
    is_direction,
    is_learned_output,
    is_sum_of_squares,
    is_weight,
    is_written_variance,
    receiver_code,
    squared_bases,
    squared_operand,
)
from nanlint.values.flow import assigned_value
from nanlint.values.gradient import feeds_no_gradient, in_reference_implementation, ruled_out_by_code
from nanlint.values.guards import eps_added_after
from nanlint.values.numbers import is_eps_like, literal_number
from nanlint.values.roots import Root, root_of
from nanlint.values.zeros import (
    clamp_lower_bound,
    clamped_operand,
    passed_distance,
    raw_prediction,
    saturating_probability,
    tensorflow_relu,
)
from nanlint.values.gradient import carries_gradient, value_carries_gradient
from nanlint.values.library import NUMPY, PYTHON, TORCH, library_of


class SqrtWithoutEps(Rule):
    """`sqrt` of a value that can be exactly 0, with no eps inside the root.

    ## Why is this bad?
    d/dx sqrt(x) = 1 / (2 sqrt(x)) is inf at x = 0. A sum of squares such as a
    squared distance is exactly 0 whenever two points coincide, and autograd then
    multiplies that inf by the 0 gradient of the square: inf * 0 is NaN, and the NaN
    spreads to every weight. The forward value is fine (sqrt(0) = 0), so nothing looks
    wrong until the one batch where the distance is 0.

    Flagged: `torch.sqrt(E)`, `E.sqrt()`, `E ** 0.5`, `torch.pow(E, 0.5)`, `E.pow(0.5)`,
    `torch.rsqrt(E)` and the `jax.numpy`, TensorFlow and Keras forms (`tf.sqrt`, `K.sqrt`), and
    TensorFlow's and JAX's 2-norms (`tf.norm(x)`, `jnp.linalg.norm(x)`: their gradient at the
    zero vector is 0/0 = NaN, where torch's is 0; of any vector but a layer's weights or outputs
    or one named as a direction (`rays_d`, `viewdirs`, `normals`: never the zero vector), with
    no fix: the eps belongs under their root), where E is a sum or mean of squares
    (`** 2`, `.pow(2)`, `torch.square`, `x * x`), a variance
    (`x.var()`, or written out as `E[x**2] - c * E[x]**2`, which is 0 for any constant
    x), a vector dotted with itself (`torch.dot(v, v)`, `torch.einsum("bi,bi->b", h, h)`),
    or a squared distance written out, `|x|^2 + |y|^2 - 2 x . y` (`xx + yy.t() - 2 * x @ y.t()`,
    or with the diagonal of a gram matrix: exactly 0 between a point and itself, and a
    hair below 0 beside it after rounding), or an average pool of squares (`avg_pool2d(x ** 2)`,
    `super().call(tf.square(x))` in a subclass of `AveragePooling2D`), directly or through the local names that reach
    it, or through a function of the module that sums or averages what it is given
    (`torch.sqrt(squared_sum(w ** 2, dims))`) or returns a squared distance of its own
    (`tf.sqrt(diff_sq(u, u_shift) + diff_sq(v, v_shift))`); or E is a softmax output (of a function or a model of the module, or a parameter
    passed one: a Hellinger distance's `sqrt(p)`), which underflows to exactly 0 once two
    logits are 104 apart in float32. Not a sigmoid or softplus output: they reach 0 only
    for an input below about -88, and their root is how diffusion schedules
    (`sqrt(sigmoid(log_snr))`) and positive scales are written; or E is one minus a square (`1 - cos ** 2`, 0 at parallel vectors and a hair
    below 0 after rounding; also clamped at 0, `(1 - cos ** 2).clamp(0, 1)`, which an exact
    |cos| = 1 still reaches), or a sum of squares clamped at 0 (the clamp passes the
    gradient of an exact 0 through), or a sum holding a sum of squares clamped at 0 (a
    Wasserstein distance); or E is a loss's raw prediction (`pred_tensor`, `y_pred`,
    through indexing and reshapes: YOLO's box width and height), which nothing keeps
    above 0 (at 0 the gradient is inf, below it the value NaN); or E is a parameter of a
    function that some call in the module hands one of these distances (a loss passing
    `d = (dxy ** 2).sum(-1).clamp(0).sqrt()` to its `postprocess(d)` helper), and that
    the function does not replace before the root. A relu or a clamp at 0 of another value is left
    alone: their backward selects 0 where they cut (`where`, not a product), so the
    root's inf never comes back.
    Only where a gradient flows through the root: in a function a gradient runs
    through (a module's `forward`, a Keras layer's `call` or a Flax/Haiku module's `__call__`, a loss or
    penalty function, a training step that
    calls `backward()` or TensorFlow's `tape.gradient(...)`, a function handed to `jax.grad`,
    `jax.value_and_grad`, a Keras `Lambda` layer or `model.compile(loss=...)`, a JAX function
    that takes the weights it applies first (`def layer_norm(params, x)`; not an update that
    takes the gradients too, nor one that calls `jax.grad` itself), and what those
    call in the same module, unless the module calls it only under `no_grad`; module-level code of a script that calls `backward()`), or
    computed from a trainable `nn.Parameter` of the class (in a function `jax.grad` is
    given, only from the arguments it differentiates: `argnums`, the first by default);
    not what a training step computes after its last backward call (a gradient norm for
    the log, an update). The forward value is fine, so a root nothing differentiates is
    left alone: metrics, data transforms and datasets, the `forward` of a module that learns
    nothing (an STFT or a beamformer with fixed buffers), weight initialisation, autograd's
    own `backward` functions, test files, code under `torch.no_grad()` /
    `torch.inference_mode()`, NumPy arrays and Python numbers (no autograd; domain
    errors are NAN004's), and helpers nothing in their module calls from gradient code.
    Not flagged either: the root of a sum of squares of a learned layer's output (the
    norm of `self.projector(x)`, of `nn.Dense(128)(x)`, an embedding or a prediction: all
    zero only if every weight and bias conspires to it), a root the same function divides by as it is (`dist = ...sqrt()`
    then `vec / dist.view(-1, 1)`: the forward is inf wherever the root is 0, so the code
    already rules 0 out, as for distances between distinct atoms) or checks in an
    `assert` or an `if` that raises (`assert not torch.isclose(sigma, zeros).all()`), an eps or a clamp
    inside the root, a root with an eps added
    right after it (`E.sqrt() + eps`: NAN002's finding, whose fix moves that eps inside;
    one hazard gets one finding), a root whose value only
    feeds `torch.bucketize`, `argmax`, a comparison, `.item()` or a log (`tf.summary.*`,
    `writer.add_scalar`, `wandb.log`), also through a selection of it assigned to the same
    name (`epe = epe.view(-1)[valid]`), and a test's
    reference implementation (`reference_fn=lambda ...`, `def np_ref(...)`: the
    textbook formula is its point).

    ## Fix safety
    When E is a sum of squares of D (`(D ** 2).sum(dim)`, `torch.sum(D ** 2, dim=...)`,
    `D.pow(2).sum(...)`) and known to be a tensor, the root becomes `torch.linalg.vector_norm(D, dim=...,
    keepdim=...)`: the same value, and a gradient of 0 at 0. This fix is exact and safe.
    Otherwise the fix adds the configured eps inside the root, `torch.sqrt(E + eps)`,
    which changes values by about sqrt(eps) near 0 (1e-6 for the default eps 1e-12):
    an unsafe fix. A variance written out is clamped instead, `torch.sqrt(V.clamp_min(eps))`:
    rounding leaves E[x**2] - E[x]**2 a little below 0 for a constant x, further than an
    added eps reaches; so is a squared distance written out, and a clamp at 0 gets its
    bound raised to the eps (`d.clamp(min=1e-12)`, `tf.maximum(d, 1e-12)`). In JAX and
    TensorFlow the clamp is `jnp.maximum` / `tf.maximum`. An eps below about 6e-8 is 0 in
    float16; raise `eps` for fp16 code.
    """

    messages = {
        "squares": "`{root}` of a value that can be exactly 0 (a sum of squares, a squared distance or a variance): its gradient "
        "there is inf and autograd turns it into NaN; {advice}",
        "region": "`{root}` of {zero}, which is exactly 0 on a whole region: its gradient there is inf and "
        "autograd turns it into NaN; {advice}",
        "passed": "`{root}` of {passed} (a sum of squares or its root): it is exactly 0 where the points meet, "
        "and there its gradient is inf and autograd turns it into NaN; {advice}",
        "norm": "`{function}` of a vector that can be all 0 (two points that meet): its gradient there is 0/0 = NaN "
        "in TensorFlow and JAX, and autograd spreads it to every weight; take the root of the sum of squares "
        "plus an eps instead, `sqrt(sum(x ** 2) + eps)`",
        "prediction": "`{root}` of the raw prediction `{prediction}`, which nothing keeps above 0: at 0 its "
        "gradient is inf and below 0 its value is NaN; clamp it at a small positive value inside the root "
        "(or make the model's output positive, with a softplus or an exp)",
    }
    code = "NAN001"
    name = "sqrt-without-eps"
    summary = "sqrt of a value that can be exactly 0 has an infinite gradient there"
    triggers = (*ROOT_TRIGGERS, *call_triggers("power"), *NORM_TRIGGERS)
    fixable = True
    incident = (
        "An embedding-space loss computed `torch.sum((a - b) ** 2, dim=1).sqrt()` and went "
        "NaN on the batch where a point equalled an endpoint; adding 1e-8 to the loss changed "
        "nothing. Measured with torch 2.13 CPU: the hand-written root has gradient NaN at "
        "a == b, `torch.linalg.vector_norm(a - b)` has gradient 0 there."
    )
    options = {"eps": "the eps the fix inserts inside the root (default 1e-12)"}

    valid = [
        # The scale of a loss's target: data, beside the prediction that carries the gradient.
        "import torch\ndef tukey_loss(y, y_hat):\n"
        "    scale = torch.sqrt(((y - y.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True))\n"
        "    return (torch.abs(y - y_hat) / scale.clamp_min(1e-2)).mean()\n",
        # Energies that only decide which frames a loss keeps: arithmetic then a comparison.
        "import torch\ndef stoi_loss(x, y, w):\n"
        "    energy = 20 * torch.log10(torch.sqrt(torch.matmul(w ** 2, x ** 2)) + 1e-9)\n"
        "    keep = energy - torch.max(energy) + 40 > 0\n    return ((x[:, keep] - y[:, keep]) ** 2).mean()\n",
        # A metric in the auxiliary output of `jax.value_and_grad`, which nothing differentiates.
        "import jax\nimport jax.numpy as jnp\ndef step(params, batch, apply_fn):\n    def loss_fn(p):\n"
        "        out = apply_fn(p, batch)\n        loss = ((out['rgb'] - batch['rgb']) ** 2).mean()\n"
        "        stats = {'loss': loss}\n"
        "        stats['metric/curl'] = jnp.mean(jnp.sqrt(jnp.sum(out['curl'] ** 2, axis=-1)))\n"
        "        return loss, stats\n"
        "    (loss, stats), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)\n    return grads, stats\n",
        # An eps inside the linear map of squares; a weightless module no model here holds
        # (a transform, which its pipeline runs on data).
        "import torch\nclass Bands(torch.nn.Module):\n    def forward(self, spec):\n"
        "        return torch.matmul(self.bands, spec.abs() ** 2 + 1e-8).sqrt()\n",
        "import torch\nclass UnitCrop(torch.nn.Module):\n    def __init__(self, size=8):\n        super().__init__()\n"
        "        self.size = size\n    def forward(self, img):\n"
        "        return img / torch.sqrt(torch.sum(img ** 2, dim=1, keepdim=True))\n",
        "import torch.nn.functional as F\ndef stem_rmse_loss(est, ref):\n    err = F.mse_loss(est, ref, reduction='none')\n"
        "    return (err.mean(-1) + 1e-8).sqrt().mean()\n",
        # A convergence test: only its largest value, as a Python number, is compared.
        "import torch\nclass Flow(torch.nn.Module):\n    def forward(self, a):\n"
        "        residual = (a.transpose(2, 1) @ a - self.eye).pow(2).sum(dim=(1, 2))\n"
        "        norms = torch.sqrt(residual)\n        if torch.max(norms).item() < 1e-6:\n"
        "            return a\n        return self.step(a)\n",
        # Detached after a reshape: a feature of the data, with no gradient through the root.
        "import torch\nclass Net(torch.nn.Module):\n    def forward(self, x, vel):\n"
        "        speed = torch.sqrt(torch.sum(vel ** 2, dim=1)).unsqueeze(1).detach()\n"
        "        return self.mlp(torch.cat([x, speed], 1))\n",
        # torch's norms have gradient 0 at the zero vector; an L1 norm has no root.
        "import torch\ndef contrastive_loss(a, b):\n    return torch.linalg.vector_norm(a - b, dim=-1).mean()\n",
        "import tensorflow as tf\ndef l1_loss(a, b):\n    return tf.reduce_mean(tf.norm(a - b, ord=1, axis=-1))\n",
        # Its author asserts it is not 0 before anything is differentiated.
        "import torch\ndef ggd_loss(x):\n    sigma = x.pow(2).mean(dim=(-1, -2)).sqrt().squeeze(-1)\n"
        "    if (sigma == 0).any():\n        raise ValueError('an image with no contrast')\n"
        "    return (x.abs().mean(dim=(-1, -2)) / sigma).mean()\n",
        # The same helper given something that is never 0.
        "import torch\ndef squared_sum(x, dims):\n    return torch.sum(x, dims)\n"
        "def weight_norm_penalty(w):\n    return torch.sqrt(squared_sum(w.abs() + 1, (1, 2))).mean()\n",
        # A diffusion schedule's sqrt(sigmoid(log_snr)): a sigmoid reaches 0 only below -88.
        "import torch\ndef p_losses(model, x, log_snr, noise):\n"
        "    alpha, sigma = log_snr.sigmoid().sqrt(), (-log_snr).sigmoid().sqrt()\n"
        "    return (model(x * alpha + noise * sigma) - noise).pow(2).mean()\n",
        # An eps added to the root later, through an index or a name, is NAN002's to move.
        "import torch\ndef inverse_std_loss(x, index, eps=1e-6):\n    var = x.var(0)\n"
        "    return (1.0 / (var.sqrt()[index] + eps)).mean()\n",
        "import torch\ndef path_loss(a, b):\n    d = ((a - b) ** 2).sum(-1).sqrt()\n    e = d * 2\n"
        "    return (e + 1e-8).mean()\n",
        # Divided by right after: its author rules 0 out (distinct atoms of a radius graph).
        "import torch\nclass ForceField(torch.nn.Module):\n    def forward(self, pos, i, j):\n"
        "        dist = (pos[i] - pos[j]).pow(2).sum(dim=-1).sqrt()\n"
        "        unit = (pos[i] - pos[j]) / dist.view(-1, 1)\n        return self.mlp(dist) * unit\n",
        # A helper's parameter is not known to be a distance when its callers pass
        # something else, or when the helper replaces it before the root.
        "import torch\ndef _shrink(d):\n    return torch.sqrt(d)\ndef box_loss(pred, target):\n"
        "    return _shrink(pred.abs().mean() + 1.0)\n",
        "import torch\ndef _shrink(d):\n    d = d + 1e-6\n    return torch.sqrt(d)\ndef box_loss(pred, target):\n"
        "    return _shrink(((pred - target) ** 2).sum(-1))\n",
        # An eps after the root is NAN002's to move inside: one hazard, one finding.
        "import torch\n\nclass Rms:\n    def forward(self, m):\n        return m.pow(2).mean(-1).sqrt() + 1e-8\n",
        # Guarded roots, in a loss where a gradient does flow.
        "import torch\ndef loss(a, b):\n    return torch.sqrt(((a - b) ** 2).sum(-1) + 1e-8).mean()\n",
        "import torch\ndef loss(x):\n    return torch.sqrt(torch.clamp((x ** 2).sum(), min=1e-12))\n",
        "import torch\ndef loss(a, b):\n    return torch.linalg.vector_norm(a - b, dim=-1).mean()\n",
        "import torch\ndef loss(x):\n    return (x.pow(2).sum(-1) + self.eps).sqrt().mean()\n",
        "import torch\ndef loss(x):\n    return x.pow(2).sum(-1).clamp_min(1e-12).sqrt().mean()\n",
        "import torch\ndef loss(a, b):\n    d = (a - b).pow(2).sum(-1)\n    d = d + 1e-6\n    return d.sqrt()\n",
        "import torch\ndef loss(var, eps):\n    return torch.sqrt(var + eps).mean()\n",
        "import torch\ndef loss(x):\n    return torch.sqrt(x).mean()\n",
        "import torch\ndef sqrt(v):\n    return v\ndef loss(x):\n    return sqrt((x ** 2).sum())\n",
        # No autograd: math and NumPy, Python numbers.
        "import math\ndef loss(x, y):\n    return math.sqrt(x ** 2 + y ** 2)\n",
        "import numpy as np\ndef loss(x):\n    return np.sqrt(np.sum(x ** 2))\n",
        "def loss(x1, x2, y1, y2):\n    return ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5\n",
        "import numpy as np\nimport torch\nclass Stepper:\n    def forward(self, dr: np.ndarray):\n"
        "        return (dr ** 2).sum(-1) ** 0.5\n",
        # Autograd off.
        "import torch\ndef loss(x):\n    with torch.no_grad():\n        return torch.sqrt((x ** 2).sum())\n",
        "import torch\nclass Norm(torch.nn.Module):\n    @torch.no_grad()\n    def forward(self, x):\n"
        "        return x.pow(2).sum(-1).sqrt()\n",
        "import torch\ndef loss(x):\n    with torch.inference_mode():\n        return torch.rsqrt(x.pow(2).mean(-1))\n",
        # No gradient reaches the root: nothing in the module computes a loss or a forward
        # pass through it (a metric, a data transform, weight init, a hand-written backward).
        "import torch\ndef rmse(pred, target):\n    return torch.sqrt(((pred - target) ** 2).mean())\n",
        "import torch\nclass PointJitter(BaseTransform):\n    def forward(self, points):\n"
        "        r = torch.sqrt((points ** 2).sum(-1, keepdim=True))\n        return points / r\n",
        "import torch\nclass Net(torch.nn.Module):\n    def init_weights(self):\n"
        "        self.w.data /= torch.sqrt((self.w.data ** 2).sum())\n    def forward(self, x):\n        return x @ self.w\n",
        # A prediction made positive first, a prediction's variance in a metric, a target.
        "import torch\nimport torch.nn.functional as F\ndef box_loss(pred, target):\n"
        "    wh = F.softplus(pred[:, 2:4]) + 1e-6\n    return ((wh.sqrt() - target[:, 2:4].sqrt()) ** 2).mean()\n",
        "import torch\ndef forward(self, preds_var, target):\n    return torch.sqrt(preds_var)\n",
        "import torch\nclass WHLoss(torch.nn.Module):\n    def forward(self, pred, target):\n"
        "        return (pred - torch.sqrt(target)).abs().mean()\n",
        "import torch\nclass Spectrogram(torch.nn.Module):\n    def __init__(self, n_fft=512):\n"
        "        super().__init__()\n        self.register_buffer('window', torch.hann_window(n_fft))\n"
        "    def forward(self, wav):\n        spec = torch.stft(wav, 512, window=self.window, return_complex=True)\n"
        "        return torch.sqrt(spec.real ** 2 + spec.imag ** 2)\n",
        "import torch\nclass Dist(torch.autograd.Function):\n    @staticmethod\n    def backward(ctx, g):\n"
        "        (d,) = ctx.saved_tensors\n        return g * d / torch.sqrt((d ** 2).sum())\n",
        # The root only feeds `bucketize`, a comparison or `.item()`, which pass no gradient.
        "import torch\ndef distogram_loss(pts, boundaries, logits):\n"
        "    dists = torch.sqrt(torch.sum((pts.unsqueeze(-2) - pts.unsqueeze(-3)) ** 2, dim=-1))\n"
        "    return torch.nn.functional.cross_entropy(logits, torch.bucketize(dists, boundaries))\n",
        # Only logged: a summary, a tracker, Python numbers of a metric taken out of a
        # selection of it. Nothing differentiates what is logged.
        "import tensorflow as tf\ndef summaries(G_z):\n    rms = tf.sqrt(tf.reduce_mean(tf.square(G_z), axis=1))\n"
        "    tf.summary.histogram('rms', rms)\n    tf.summary.scalar('mean_rms', tf.reduce_mean(rms))\n",
        "import torch\ndef flow_loss(pred, gt, valid, writer, step):\n    loss = (pred - gt).abs().mean()\n"
        "    epe = torch.sum((pred - gt) ** 2, dim=1).sqrt()\n    epe = epe.view(-1)[valid.view(-1)]\n"
        "    writer.add_scalar('epe', epe.mean(), step)\n    return loss, {'1px': (epe < 1).float().mean().item()}\n",
        "import torch\ndef contact_loss(pts, cutoff, logits):\n"
        "    near = torch.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1)) < cutoff\n"
        "    return torch.nn.functional.binary_cross_entropy_with_logits(logits, near.float())\n",
        # In a forward, but of a constant table (a grid of positions) or of indices: no
        # gradient comes back to it.
        "import torch\nclass Rope(torch.nn.Module):\n    def forward(self, x, h, w):\n"
        "        ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')\n"
        "        radius = torch.sqrt(xs.float() ** 2 + ys.float() ** 2)\n        return x * radius\n",
        # The square of a setting in the sum: `sigma_data ** 2 + sigma ** 2` is never 0.
        "import torch\nclass Precond(torch.nn.Module):\n    def forward(self, x, sigma):\n"
        "        return x / torch.sqrt(self.sigma_data ** 2 + sigma ** 2)\n",
        # Directions are never the zero vector: a ray's, for unit view directions.
        "import tensorflow as tf\ndef render_loss(rays_d, z_vals, rgb, target):\n"
        "    viewdirs = rays_d / tf.linalg.norm(rays_d, axis=-1, keepdims=True)\n"
        "    dists = z_vals * tf.linalg.norm(rays_d[..., None, :], axis=-1)\n"
        "    return tf.reduce_mean((rgb - target) ** 2) + tf.reduce_mean(dists), viewdirs\n",
        # A clamp at a positive bound, a softplus: never 0. A relu or a clamp at 0 of a
        # value that is not itself 0: their backward selects 0 where they cut, no NaN.
        "import torch\nimport torch.nn.functional as F\ndef loss(x):\n"
        "    return torch.sqrt(x.clamp(min=1e-6)).mean() + torch.sqrt(F.softplus(x)).mean()\n",
        "import torch\nimport torch.nn.functional as F\ndef loss(x):\n"
        "    return torch.sqrt(F.relu(x)).mean() + x.clamp(0).sqrt().mean()\n",
        # The cosine clamped strictly inside (-1, 1) first (an additive angular margin).
        "import torch\nclass AAM(torch.nn.Module):\n    def forward(self, cosine):\n"
        "        cosine = torch.clamp(cosine, -1 + 1e-7, 1 - 1e-7)\n        return torch.sqrt(1.0 - torch.pow(cosine, 2))\n",
        # The eps first in the sum, a guard by `torch.maximum`.
        "import torch\ndef forward(c_x, c_y, eps=1e-20):\n    norm = torch.sqrt(eps + c_x**2 + c_y**2)\n"
        "    return -c_y / norm, c_x / norm\n",
        "import torch\ndef forward(h, eps_t):\n    m = torch.mean(h**2, dim=-1, keepdim=True)\n"
        "    return h / torch.sqrt(torch.maximum(m, eps_t))\n",
        # A pairwise distance matrix written out and clamped at a positive bound; the same
        # in NumPy, which has no autograd; torch's finite differences are no backward pass.
        "import torch\ndef mining_loss(e):\n    sq = (e * e).sum(1, keepdim=True)\n"
        "    d = (sq + sq.t() - 2 * e @ e.t()).clamp(min=1e-12).sqrt()\n    return d.mean()\n",
        "import numpy as np\ndef spread_loss(e):\n    g = e @ e.T\n    s = np.diag(g)\n"
        "    return np.sqrt(np.maximum(s[:, None] - 2 * g + s[None, :], 0)).mean()\n",
        "import torch\ndef edge_strength(img):\n    gy, gx = torch.gradient(img)\n"
        "    return torch.sqrt(gx ** 2 + gy ** 2)\n",
        # The norm of a layer's output: an embedding is never the zero vector.
        "import torch\nclass Contrast(torch.nn.Module):\n    def forward(self, x):\n        z = self.projector(x)\n"
        "        return z / torch.sqrt((z ** 2).sum(-1, keepdim=True))\n",
        "import jax.numpy as jnp\ndef embed_loss(images, texts, cfg):\n    vit = VisionTransformer(**cfg)\n"
        "    z = vit(images)\n    z = z / jnp.linalg.norm(z, axis=1, keepdims=True)\n    return -(z * texts).sum()\n",
        # JAX differentiates the function it is given, not the caller's own code: a
        # gradient norm for the log next to `jax.value_and_grad`.
        "import jax\nimport jax.numpy as jnp\ndef update(params, loss_fn):\n"
        "    loss, grads = jax.value_and_grad(loss_fn)(params)\n"
        "    grad_norm = jnp.sqrt(jnp.sum(grads ** 2))\n    return params - 0.1 * grads, grad_norm\n",
        # JAX differentiates `params` only: the batch's norm carries no gradient.
        "import jax\nimport jax.numpy as jnp\ndef loss_fn(params, batch):\n"
        "    scale = jnp.sqrt(jnp.sum(batch ** 2, axis=-1))\n    return jnp.mean((batch @ params - scale) ** 2)\n"
        "grad_fn = jax.grad(loss_fn)\n",
        # A gradient norm for the log, computed after the step's backward call.
        "import torch\ndef train_step(model, x, y, opt):\n    loss = ((model(x) - y) ** 2).mean()\n"
        "    loss.backward()\n    grad_norm = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))\n"
        "    opt.step()\n    return grad_norm.item()\n",
        # A test's reference implementation spells the formula out on purpose; so does a
        # test file as a whole.
        "import torch\ndef forward(x, w):\n    def rms_norm_ref(x, w):\n"
        "        return w * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True))\n    return rms_norm_ref(x, w)\n",
    ]
    invalid = [
        # A linear map of squares (band energies) is 0 where the squares all are (silence).
        Invalid(
            "import torch\nclass Bands(torch.nn.Module):\n    def forward(self, spec):\n"
            "        return torch.matmul(self.bands, spec.abs() ** 2).sqrt()\n",
            "import torch\nclass Bands(torch.nn.Module):\n    def forward(self, spec):\n"
            "        return (torch.matmul(self.bands, spec.abs() ** 2) + 1e-12).sqrt()\n",
            UNSAFE,
        ),
        # A mean squared error is 0 where an estimate meets its target (a silent stem).
        Invalid(
            "import torch.nn.functional as F\ndef stem_rmse_loss(est, ref):\n    err = F.mse_loss(est, ref, reduction='none')\n"
            "    return err.mean(-1).sqrt().mean()\n",
            "import torch.nn.functional as F\ndef stem_rmse_loss(est, ref):\n    err = F.mse_loss(est, ref, reduction='none')\n"
            "    return (err.mean(-1) + 1e-12).sqrt().mean()\n",
            UNSAFE,
        ),
        # A module without weights runs in the gradient of the model that holds it.
        Invalid(
            "import torch\nclass Match(torch.nn.Module):\n    def __init__(self, rate=2):\n        super().__init__()\n"
            "        self.rate = rate\n    def forward(self, p):\n"
            "        return p / torch.sqrt(torch.sum(p ** 2, dim=1, keepdim=True))\n"
            "class Inpainter(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.conv = torch.nn.Conv2d(3, 8, 3)\n        self.match = Match()\n"
            "    def forward(self, x):\n        return self.match(self.conv(x))\n",
            "import torch\nclass Match(torch.nn.Module):\n    def __init__(self, rate=2):\n        super().__init__()\n"
            "        self.rate = rate\n    def forward(self, p):\n"
            "        return p / torch.linalg.vector_norm(p, dim=1, keepdim=True)\n"
            "class Inpainter(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.conv = torch.nn.Conv2d(3, 8, 3)\n        self.match = Match()\n"
            "    def forward(self, x):\n        return self.match(self.conv(x))\n",
        ),
        # Logged, and trained on too.
        Invalid(
            "import torch\ndef loss_fn(pred, target, writer, step):\n    d = torch.sqrt(((pred - target) ** 2).sum(-1))\n"
            "    writer.add_scalar('dist', d.mean(), step)\n    return d.mean()\n",
            "import torch\ndef loss_fn(pred, target, writer, step):\n    d = torch.linalg.vector_norm(pred - target, dim=-1)\n"
            "    writer.add_scalar('dist', d.mean(), step)\n    return d.mean()\n",
        ),
        # L2 pooling: the average pool of a square is 0 on an all-zero window (after a relu).
        Invalid(
            "import torch\nimport torch.nn.functional as F\nclass L2Pool(torch.nn.Module):\n"
            "    def forward(self, x):\n        return torch.sqrt(F.avg_pool2d(x ** 2, 2))\n",
            "import torch\nimport torch.nn.functional as F\nclass L2Pool(torch.nn.Module):\n"
            "    def forward(self, x):\n        return torch.sqrt(F.avg_pool2d(x ** 2, 2) + 1e-12)\n",
            UNSAFE,
        ),
        # A batch's pairwise distances written out: 0 on the diagonal, where a clamp at 0
        # passes the root's inf gradient on (a batch-hard triplet loss).
        Invalid(
            "import torch\ndef batch_hard_loss(emb, margin):\n    sq = emb.pow(2).sum(1, keepdim=True)\n"
            "    d = sq + sq.t() - 2 * emb @ emb.t()\n    d = d.clamp(min=0).sqrt()\n"
            "    return torch.relu(d.max(1)[0] - d.min(1)[0] + margin).mean()\n",
            "import torch\ndef batch_hard_loss(emb, margin):\n    sq = emb.pow(2).sum(1, keepdim=True)\n"
            "    d = sq + sq.t() - 2 * emb @ emb.t()\n    d = d.clamp(min=1e-12).sqrt()\n"
            "    return torch.relu(d.max(1)[0] - d.min(1)[0] + margin).mean()\n",
            applicability=UNSAFE,
        ),
        # The same from a gram matrix's diagonal in TensorFlow, unclamped: rounding takes
        # it below 0 too.
        Invalid(
            "import tensorflow as tf\ndef spread_loss(emb):\n    gram = tf.matmul(emb, emb, transpose_b=True)\n"
            "    sq = tf.linalg.diag_part(gram)\n    d = tf.expand_dims(sq, 1) - 2.0 * gram + tf.expand_dims(sq, 0)\n"
            "    return tf.reduce_mean(tf.sqrt(d))\n",
            "import tensorflow as tf\ndef spread_loss(emb):\n    gram = tf.matmul(emb, emb, transpose_b=True)\n"
            "    sq = tf.linalg.diag_part(gram)\n    d = tf.expand_dims(sq, 1) - 2.0 * gram + tf.expand_dims(sq, 0)\n"
            "    return tf.reduce_mean(tf.sqrt(tf.maximum(d, 1e-12)))\n",
            applicability=UNSAFE,
        ),
        # Gradient context from what differentiates a function: a Keras `Lambda` layer,
        # `jax.grad`, TensorFlow's tape.
        Invalid(
            "from tensorflow.keras import backend as K\nfrom tensorflow.keras.layers import Lambda\n"
            "def distance(pair):\n    a, b = pair\n    return K.sqrt(K.sum(K.square(a - b), axis=1, keepdims=True))\n"
            "out = Lambda(distance)([left, right])\n",
            "from tensorflow.keras import backend as K\nfrom tensorflow.keras.layers import Lambda\n"
            "def distance(pair):\n    a, b = pair\n"
            "    return K.sqrt(K.sum(K.square(a - b), axis=1, keepdims=True) + 1e-12)\n"
            "out = Lambda(distance)([left, right])\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import jax\nimport jax.numpy as jnp\ndef spread(x):\n    return jnp.sqrt(jnp.sum(x ** 2))\n"
            "spread_grad = jax.grad(spread)\n",
            "import jax\nimport jax.numpy as jnp\ndef spread(x):\n    return jnp.sqrt(jnp.sum(x ** 2) + 1e-12)\n"
            "spread_grad = jax.grad(spread)\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import jax\nimport jax.numpy as jnp\ndef spread(p, x):\n    return jnp.sqrt(jnp.sum((x @ p) ** 2))\n"
            "def update(p, x):\n    return p - 0.1 * jax.grad(lambda q: spread(q, x))(p)\n",
            "import jax\nimport jax.numpy as jnp\ndef spread(p, x):\n    return jnp.sqrt(jnp.sum((x @ p) ** 2) + 1e-12)\n"
            "def update(p, x):\n    return p - 0.1 * jax.grad(lambda q: spread(q, x))(p)\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import tensorflow as tf\ndef step(model, x, y, opt):\n    with tf.GradientTape() as tape:\n"
            "        d = tf.sqrt(tf.reduce_sum(tf.square(model(x) - y), axis=-1))\n        loss = tf.reduce_mean(d)\n"
            "    grads = tape.gradient(loss, model.trainable_variables)\n"
            "    opt.apply_gradients(zip(grads, model.trainable_variables))\n",
            "import tensorflow as tf\ndef step(model, x, y, opt):\n    with tf.GradientTape() as tape:\n"
            "        d = tf.sqrt(tf.reduce_sum(tf.square(model(x) - y), axis=-1) + 1e-12)\n        loss = tf.reduce_mean(d)\n"
            "    grads = tape.gradient(loss, model.trainable_variables)\n"
            "    opt.apply_gradients(zip(grads, model.trainable_variables))\n",
            applicability=UNSAFE,
        ),
        # A Flax module's `__call__` is its forward pass.
        Invalid(
            "import jax.numpy as jnp\nimport flax.linen as nn\nclass Head(nn.Module):\n    @nn.compact\n"
            "    def __call__(self, x):\n        h = nn.Dense(8)(x)\n        return jnp.sqrt(jnp.mean((h - x) ** 2, axis=-1))\n",
            "import jax.numpy as jnp\nimport flax.linen as nn\nclass Head(nn.Module):\n    @nn.compact\n"
            "    def __call__(self, x):\n        h = nn.Dense(8)(x)\n        return jnp.sqrt(jnp.mean((h - x) ** 2, axis=-1) + 1e-12)\n",
            applicability=UNSAFE,
        ),
        # A vector contracted with itself by `einsum`.
        Invalid(
            "import torch\nclass Radial(torch.nn.Module):\n    def forward(self, h):\n"
            "        return torch.sqrt(torch.einsum('bi,bi->b', h, h))\n",
            "import torch\nclass Radial(torch.nn.Module):\n    def forward(self, h):\n"
            "        return torch.sqrt(torch.einsum('bi,bi->b', h, h) + 1e-12)\n",
            applicability=UNSAFE,
        ),
        # An edge magnitude rebuilt through one name, squared with `torch.mul`.
        Invalid(
            "import torch\nfrom torch import nn\nclass EdgeMagnitude(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.grad = nn.Conv2d(1, 2, 3, bias=False)\n"
            "    def forward(self, img):\n        g = self.grad(img)\n        g = torch.mul(g, g)\n"
            "        g = g.sum(dim=1, keepdim=True)\n        return torch.sqrt(g)\n",
            "import torch\nfrom torch import nn\nclass EdgeMagnitude(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.grad = nn.Conv2d(1, 2, 3, bias=False)\n"
            "    def forward(self, img):\n        g = self.grad(img)\n        g = torch.mul(g, g)\n"
            "        g = g.sum(dim=1, keepdim=True)\n        return torch.sqrt(g + 1e-12)\n",
            applicability=UNSAFE,
        ),
        # An angular-margin head: the sine from the cosine, clamped at 0, which |cos| = 1 reaches.
        Invalid(
            "import torch\nimport torch.nn.functional as F\nclass MarginHead(torch.nn.Module):\n"
            "    def forward(self, x):\n        cos = F.linear(F.normalize(x), F.normalize(self.weight))\n"
            "        sin = torch.sqrt((1.0 - cos * cos).clamp(0, 1))\n        return cos * 0.9 - sin * 0.4\n",
            "import torch\nimport torch.nn.functional as F\nclass MarginHead(torch.nn.Module):\n"
            "    def forward(self, x):\n        cos = F.linear(F.normalize(x), F.normalize(self.weight))\n"
            "        sin = torch.sqrt((1.0 - cos * cos).clamp(1e-12, 1))\n        return cos * 0.9 - sin * 0.4\n",
            applicability=UNSAFE,
        ),
        # TensorFlow's and JAX's norms: their gradient at the zero vector is 0/0 (measured
        # with JAX 0.10: grad of jnp.linalg.norm at zeros is NaN), no fix in place.
        Invalid(
            "import jax.numpy as jnp\ndef pair_energy_loss(r):\n    d = jnp.linalg.norm(r[:, None] - r[None], axis=-1)\n"
            "    return jnp.sum(jnp.exp(-d))\n"
        ),
        Invalid(
            "import tensorflow as tf\ndef contrastive_loss(a, b, same):\n    d = tf.norm(a - b, axis=-1)\n"
            "    return tf.reduce_mean(same * d ** 2 + (1 - same) * tf.nn.relu(1.0 - d) ** 2)\n"
        ),
        # TensorFlow and Keras roots have autograd too.
        Invalid(
            "import tensorflow as tf\nfrom tensorflow.keras import backend as K\ndef triplet_loss(a, p, n):\n"
            "    d_pos = tf.sqrt(tf.reduce_sum(tf.square(a - p), axis=-1))\n"
            "    d_neg = K.sqrt(K.sum(K.square(a - n), axis=-1))\n    return tf.nn.relu(d_pos - d_neg + 1.0)\n",
            "import tensorflow as tf\nfrom tensorflow.keras import backend as K\ndef triplet_loss(a, p, n):\n"
            "    d_pos = tf.sqrt(tf.reduce_sum(tf.square(a - p), axis=-1) + 1e-12)\n"
            "    d_neg = K.sqrt(K.sum(K.square(a - n), axis=-1) + 1e-12)\n    return tf.nn.relu(d_pos - d_neg + 1.0)\n",
            applicability=UNSAFE,
        ),
        # A helper of the module that sums what it is given, given squares.
        Invalid(
            "import torch\ndef squared_sum(x, dims):\n    return torch.sum(x, dims)\n"
            "def weight_norm_penalty(w):\n    return torch.sqrt(squared_sum(w ** 2, (1, 2))).mean()\n",
            "import torch\ndef squared_sum(x, dims):\n    return torch.sum(x, dims)\n"
            "def weight_norm_penalty(w):\n    return torch.sqrt(squared_sum(w ** 2, (1, 2)) + 1e-12).mean()\n",
            applicability=UNSAFE,
        ),
        # A Hellinger distance: the root of a softmax output that underflows to 0.
        Invalid(
            "import torch\ndef hellinger_loss(logits, target):\n    p = torch.softmax(logits, dim=-1)\n"
            "    return ((p.sqrt() - target.sqrt()) ** 2).sum(-1).mean()\n",
            "import torch\ndef hellinger_loss(logits, target):\n    p = torch.softmax(logits, dim=-1)\n"
            "    return ((p.clamp_min(1e-12).sqrt() - target.sqrt()) ** 2).sum(-1).mean()\n",
            applicability=UNSAFE,
        ),
        # A loss hands its helper a distance; the helper's optional root is taken where
        # the boxes meet (a rotated-box loss of this shape went NaN on identical boxes).
        Invalid(
            "import torch\ndef _transform(dist, how):\n    if how == 'sqrt':\n        dist = torch.sqrt(dist)\n"
            "    return dist\ndef center_loss(pred, target):\n    d = (pred - target).square().sum(-1)\n"
            "    d = d.clamp(0)\n    return _transform(d, 'sqrt')\n",
            "import torch\ndef _transform(dist, how):\n    if how == 'sqrt':\n        dist = torch.sqrt(dist + 1e-12)\n"
            "    return dist\ndef center_loss(pred, target):\n    d = (pred - target).square().sum(-1)\n"
            "    d = d.clamp(0)\n    return _transform(d, 'sqrt')\n",
            applicability=UNSAFE,
        ),
        # The incident: an embedding-space loss.
        Invalid(
            "import torch\ndef path_loss(vecs, emb):\n"
            "    d1 = torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, dim=1).sqrt()\n    return d1.mean()\n",
            "import torch\ndef path_loss(vecs, emb):\n"
            "    d1 = torch.linalg.vector_norm(vecs[0].unsqueeze(0) - emb, dim=1)\n    return d1.mean()\n",
        ),
        Invalid(
            "import torch as T\ndef triplet_loss(a, b):\n    return T.sqrt(((a - b) ** 2).sum(-1)).mean()\n",
            "import torch as T\ndef triplet_loss(a, b):\n    return T.linalg.vector_norm(a - b, dim=-1).mean()\n",
        ),
        Invalid(
            "from torch import sqrt\nimport torch\ndef criterion(a, b):\n"
            "    return sqrt(torch.sum((a - b) ** 2, dim=-1, keepdim=True))\n",
            "from torch import sqrt\nimport torch\ndef criterion(a, b):\n"
            "    return torch.linalg.vector_norm(a - b, dim=-1, keepdim=True)\n",
        ),
        Invalid(
            "import torch\nclass Distance(torch.nn.Module):\n    def forward(self, a, b):\n"
            "        return (a - b).pow(2).sum(1, True) ** 0.5\n",
            "import torch\nclass Distance(torch.nn.Module):\n    def forward(self, a, b):\n"
            "        return torch.linalg.vector_norm(a - b, dim=1, keepdim=True)\n",
        ),
        Invalid(
            "import torch\ndef weight_penalty(x):\n    return torch.pow(torch.sum(torch.square(x)), 0.5)\n",
            "import torch\ndef weight_penalty(x):\n    return torch.linalg.vector_norm(x)\n",
        ),
        Invalid(
            "from torch import sqrt\nclass Head:\n    def forward(self, x):\n        return sqrt((x * x).sum(dim=-1))\n",
            "from torch import sqrt\nimport torch\nclass Head:\n    def forward(self, x):\n"
            "        return torch.linalg.vector_norm(x, dim=-1)\n",
        ),
        # A training script: the loop's backward puts the whole module in gradient context.
        Invalid(
            "import torch\nfor x, y in loader:\n    d = torch.sqrt(((model(x) - y) ** 2).sum(-1))\n"
            "    d.mean().backward()\n",
            "import torch\nfor x, y in loader:\n    d = torch.linalg.vector_norm(model(x) - y, dim=-1)\n"
            "    d.mean().backward()\n",
        ),
        Invalid(
            "import torch\ndef distance_loss(a, b):\n    d = (a - b).pow(2).sum(-1)\n    return d.sqrt()\n",
            "import torch\ndef distance_loss(a, b):\n    d = (a - b).pow(2).sum(-1)\n    return (d + 1e-12).sqrt()\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\nclass Whiten(torch.nn.Module):\n    def forward(self, x):\n"
            "        return x / torch.sqrt(x.var(dim=0))\n",
            "import torch\nclass Whiten(torch.nn.Module):\n    def forward(self, x):\n"
            "        return x / torch.sqrt(x.var(dim=0) + 1e-12)\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\nclass RMSNorm(torch.nn.Module):\n    def forward(self, x):\n"
            "        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True))\n",
            "import torch\nclass RMSNorm(torch.nn.Module):\n    def forward(self, x):\n"
            "        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-12)\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\ndef cosine_loss(u, v):\n    return 1 - u.dot(v) / torch.sqrt(torch.dot(v, v))\n",
            "import torch\ndef cosine_loss(u, v):\n    return 1 - u.dot(v) / torch.sqrt(torch.dot(v, v) + 1e-12)\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import jax.numpy as jnp\ndef loss(a, b):\n    return jnp.sqrt(jnp.sum((a - b) ** 2, axis=-1)).mean()\n",
            "import jax.numpy as jnp\ndef loss(a, b):\n    return jnp.sqrt(jnp.sum((a - b) ** 2, axis=-1) + 1e-12).mean()\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\nclass Polar(torch.nn.Module):\n    def forward(self, dx, dy):\n"
            "        return torch.sqrt(dx ** 2 + dy ** 2)\n",
            "import torch\nclass Polar(torch.nn.Module):\n    def forward(self, dx, dy):\n"
            "        return torch.sqrt(dx ** 2 + dy ** 2 + 1e-12)\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\nclass Scale(torch.nn.Module):\n    def forward(self, x):\n"
            "        return x / x.pow(2).mean(-1).pow(0.5)\n",
            "import torch\nclass Scale(torch.nn.Module):\n    def forward(self, x):\n"
            "        return x / (x.pow(2).mean(-1) + 1e-12).pow(0.5)\n",
            applicability=UNSAFE,
        ),
        # A helper is in gradient context when a forward pass of the module calls it
        # (CLIP's `_get_vector_norm`, through two local names).
        Invalid(
            "import torch\ndef _get_vector_norm(tensor):\n    square_tensor = torch.pow(tensor, 2)\n"
            "    sum_tensor = torch.sum(square_tensor, dim=-1, keepdim=True)\n"
            "    return torch.pow(sum_tensor, 0.5)\n"
            "class Clip(torch.nn.Module):\n    def forward(self, e):\n        return e / _get_vector_norm(e)\n",
            "import torch\ndef _get_vector_norm(tensor):\n    square_tensor = torch.pow(tensor, 2)\n"
            "    sum_tensor = torch.sum(square_tensor, dim=-1, keepdim=True)\n"
            "    return torch.pow(sum_tensor + 1e-12, 0.5)\n"
            "class Clip(torch.nn.Module):\n    def forward(self, e):\n        return e / _get_vector_norm(e)\n",
            applicability=UNSAFE,
        ),
        # A method is in gradient context when a training step calls it: the gradient
        # penalty of a WGAN-GP solver.
        Invalid(
            "import torch\nclass Solver:\n    def gp(self, grad):\n"
            "        return ((torch.sqrt(torch.sum(grad ** 2, dim=1)) - 1) ** 2).mean()\n"
            "    def train(self, d_loss, grad):\n        (d_loss + self.gp(grad)).backward()\n",
            "import torch\nclass Solver:\n    def gp(self, grad):\n"
            "        return ((torch.linalg.vector_norm(grad, dim=1) - 1) ** 2).mean()\n"
            "    def train(self, d_loss, grad):\n        (d_loss + self.gp(grad)).backward()\n",
        ),
        Invalid(
            "import torch\ndef target_magnitude_loss(h):\n    return torch.mean(h**2, dim=-1, keepdim=True) ** 0.5\n",
            "import torch\ndef target_magnitude_loss(h):\n    return (torch.mean(h**2, dim=-1, keepdim=True) + 1e-12) ** 0.5\n",
            applicability=UNSAFE,
        ),
        # A variance written out is 0 for a perfect prediction (GLPN's scale-invariant loss).
        Invalid(
            "import torch\ndef silog_loss(d, lambd):\n    return torch.sqrt(torch.pow(d, 2).mean() - lambd * torch.pow(d.mean(), 2))\n",
            "import torch\ndef silog_loss(d, lambd):\n"
            "    return torch.sqrt((torch.pow(d, 2).mean() - lambd * torch.pow(d.mean(), 2)).clamp_min(1e-12))\n",
            applicability=UNSAFE,
        ),
        # A trainable parameter read in a helper is evidence of a gradient by itself.
        Invalid(
            "import torch\nclass Codebook(torch.nn.Module):\n    def __init__(self):\n"
            "        self.codes = torch.nn.Parameter(torch.randn(8, 4))\n    def spread(self):\n"
            "        return torch.sqrt((self.codes ** 2).sum(-1))\n",
            "import torch\nclass Codebook(torch.nn.Module):\n    def __init__(self):\n"
            "        self.codes = torch.nn.Parameter(torch.randn(8, 4))\n    def spread(self):\n"
            "        return torch.linalg.vector_norm(self.codes, dim=-1)\n",
        ),
        # A loss taking the root of the network's raw output (YOLO's box width and
        # height): nothing keeps it above 0.
        Invalid(
            "import torch\nimport torch.nn.functional as F\nclass YoloLoss(torch.nn.Module):\n"
            "    def forward(self, pred_tensor, target):\n        boxes = pred_tensor.view(-1, 5)\n"
            "        return F.mse_loss(torch.sqrt(boxes[:, 2:4]), torch.sqrt(target[:, 2:4]))\n",
            "import torch\nimport torch.nn.functional as F\nclass YoloLoss(torch.nn.Module):\n"
            "    def forward(self, pred_tensor, target):\n        boxes = pred_tensor.view(-1, 5)\n"
            "        return F.mse_loss(torch.sqrt(boxes[:, 2:4].clamp_min(1e-12)), torch.sqrt(target[:, 2:4]))\n",
            UNSAFE,
        ),
        # Zeros on a whole region, not sums of squares: a clamp at 0 (a Wasserstein
        # distance clamped before its root), a relu, one minus a squared cosine.
        Invalid(
            "import torch\ndef gwd_loss(mu_p, mu_t):\n    return (mu_p - mu_t).pow(2).sum(-1).clamp(0).sqrt()\n",
            "import torch\ndef gwd_loss(mu_p, mu_t):\n    return (mu_p - mu_t).pow(2).sum(-1).clamp(1e-12).sqrt()\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef gwd_loss(mu_p, mu_t, trace_term, alpha):\n"
            "    xy_distance = (mu_p - mu_t).square().sum(dim=-1)\n"
            "    return (xy_distance + alpha * alpha * trace_term).clamp(0).sqrt()\n",
            "import torch\ndef gwd_loss(mu_p, mu_t, trace_term, alpha):\n"
            "    xy_distance = (mu_p - mu_t).square().sum(dim=-1)\n"
            "    return (xy_distance + alpha * alpha * trace_term).clamp(1e-12).sqrt()\n",
            applicability=UNSAFE,
        ),
        # A loss written as a module whose constructor only runs its base's: gradients
        # run through it (here: 0 for a grey image, whose channel means agree).
        Invalid(
            "import torch\nfrom torch import nn\nclass ColourConstancy(nn.Module):\n    def __init__(self):\n"
            "        super(ColourConstancy, self).__init__()\n    def forward(self, x):\n"
            "        r, g = torch.mean(x, [2, 3]).split(1, dim=1)[:2]\n"
            "        d = torch.pow(r - g, 2)\n        return torch.pow(torch.pow(d, 2), 0.5).mean()\n",
            "import torch\nfrom torch import nn\nclass ColourConstancy(nn.Module):\n    def __init__(self):\n"
            "        super(ColourConstancy, self).__init__()\n    def forward(self, x):\n"
            "        r, g = torch.mean(x, [2, 3]).split(1, dim=1)[:2]\n"
            "        d = torch.pow(r - g, 2)\n        return torch.pow(torch.pow(d, 2) + 1e-12, 0.5).mean()\n",
            UNSAFE,
        ),
        # L2 pooling built on Keras' average pooling: the parent's `call` averages the squares.
        Invalid(
            "import tensorflow as tf\nfrom tensorflow.keras.layers import AveragePooling2D\n"
            "class L2Pooling2D(AveragePooling2D):\n    def call(self, x):\n"
            "        return tf.sqrt(super().call(tf.square(x)))\n",
            "import tensorflow as tf\nfrom tensorflow.keras.layers import AveragePooling2D\n"
            "class L2Pooling2D(AveragePooling2D):\n    def call(self, x):\n"
            "        return tf.sqrt(super().call(tf.square(x)) + 1e-12)\n",
            UNSAFE,
        ),
        # A smoothness penalty whose helper returns squared differences: 0 where the field is flat.
        Invalid(
            "import tensorflow as tf\ndef smoothness_loss(u, v):\n    def diff_sq(a, b):\n"
            "        return tf.reduce_sum((a - b) ** 2, axis=-1)\n"
            "    return tf.reduce_mean(tf.sqrt(diff_sq(u[:, 1:], u[:, :-1]) + diff_sq(v[:, 1:], v[:, :-1])))\n",
            "import tensorflow as tf\ndef smoothness_loss(u, v):\n    def diff_sq(a, b):\n"
            "        return tf.reduce_sum((a - b) ** 2, axis=-1)\n"
            "    return tf.reduce_mean(tf.sqrt(diff_sq(u[:, 1:], u[:, :-1]) + diff_sq(v[:, 1:], v[:, :-1]) + 1e-12))\n",
            UNSAFE,
        ),
        # TensorFlow's relu differentiates as a product with its mask: inf * 0 where it
        # cuts (here through the Keras layer the class keeps; `tf.nn.relu` alike).
        Invalid(
            "import tensorflow as tf\nfrom tensorflow.keras import layers\nclass Spread(layers.Layer):\n"
            "    def __init__(self):\n        super().__init__()\n        self.proj = layers.Dense(8)\n"
            "        self.rectify = layers.ReLU()\n    def call(self, x):\n        m = self.proj(x)\n"
            "        spread = tf.reduce_mean(m * x, -1) - tf.reduce_mean(m, -1) * tf.reduce_mean(x, -1)\n"
            "        spread = self.rectify(spread)\n        return tf.math.sqrt(spread)\n",
            "import tensorflow as tf\nfrom tensorflow.keras import layers\nclass Spread(layers.Layer):\n"
            "    def __init__(self):\n        super().__init__()\n        self.proj = layers.Dense(8)\n"
            "        self.rectify = layers.ReLU()\n    def call(self, x):\n        m = self.proj(x)\n"
            "        spread = tf.reduce_mean(m * x, -1) - tf.reduce_mean(m, -1) * tf.reduce_mean(x, -1)\n"
            "        spread = self.rectify(spread)\n        return tf.math.sqrt(tf.maximum(spread, 1e-12))\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef angle_loss(cos):\n    return torch.sqrt(1 - cos ** 2).mean()\n",
            "import torch\ndef angle_loss(cos):\n    return torch.sqrt((1 - cos ** 2).clamp_min(1e-12)).mean()\n",
            applicability=UNSAFE,
        ),
    ]

    @classmethod
    def wants(cls, index) -> bool:
        if index.calls_any(SQRT + RSQRT + POW + NORM_NAN_AT_ZERO):
            return True
        tensors = index.imports.imports_module("torch") or index.imports.imports_module("jax")
        return tensors and (index.half_powers or index.calls_method(("sqrt", "rsqrt", "pow")))

    @classmethod
    def wants_part(cls, part, module) -> bool:
        return cls.wants(part)  # a finding is a root in the part itself

    def visit_Call(self, node: cst.Call) -> None:
        self._check(root_of(self.context, node))

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self._check(root_of(self.context, node))  # `E ** 0.5`

    def _check(self, root: Optional[Root]) -> None:
        if root is None:
            return
        self.context.trail.clear()
        if root.kind == "norm":
            # Of any vector but a layer's weights or outputs: 0 wherever the vector is (two
            # embeddings that meet).
            squares = not is_weight(root.radicand) and not is_learned_output(self.context, root.radicand) and not (
                is_direction(self.context, root.radicand)
            )
        else:
            squares = is_sum_of_squares(self.context, root.radicand)
            bases = squared_bases(self.context, root.radicand) if squares else None
            if bases and all(is_learned_output(self.context, base) or is_direction(self.context, base) for base in bases):
                return  # the norm of a layer's output (an embedding, a prediction) or of a direction is not 0
        zero = None if squares or root.kind == "norm" else _zero_region(self.context, root.radicand)
        prediction = None if squares or zero is not None else raw_prediction(self.context, root.radicand)
        passed = None if squares or zero or prediction else passed_distance(self.context, root.radicand)
        related = tuple(self.context.trail)
        if not squares and zero is None and prediction is None and passed is None:
            return
        # The value of a root at 0 is fine: only a gradient through it goes NaN.
        library = library_of(self.context, root.radicand)
        if library in (NUMPY, PYTHON) or not carries_gradient(self.context, root.node):
            return
        if not value_carries_gradient(self.context, root.radicand):
            return  # a constant table, or values past `detach()` / `argmax`
        if feeds_no_gradient(self.context) or in_reference_implementation(self.context):
            return
        if ruled_out_by_code(self.context):
            return  # its forward is already inf at 0, or it is asserted: the code rules 0 out
        if self._eps_added_after(root) or squares and eps_added_after(self.context, self.context.ancestors):
            return  # `E.sqrt() + eps`, or an eps added to it later: NAN002's, whose fix moves it inside
        if root.kind == "norm":
            function = self.context.code(root.node.func) if isinstance(root.node, cst.Call) else "norm"
            self.report(root.node, self.say("norm", function=function), None, related)
            return
        if passed is not None:
            fix = self._eps_fix(root)
            advice = fix.message[0].lower() + fix.message[1:]
            self.report(root.node, self.say("passed", root=root.kind, passed=passed, advice=advice), fix, related)
            return
        if prediction is not None:
            fix = self._zero_fix(root)
            self.report(root.node, self.say("prediction", root=root.kind, prediction=prediction), fix, related)
            return
        if zero is not None:
            # A clamp at 0 gets its bound raised to the eps; anything else an eps inside.
            fix = self._zero_fix(root)
            advice = fix.message[0].lower() + fix.message[1:]
            self.report(root.node, self.say("region", root=root.kind, zero=zero, advice=advice), fix, related)
            return
        eps_fix = self._eps_fix(root)
        fix = eps_fix
        # Only where the value is known to be a tensor: on a NumPy array or an integer
        # tensor the rewrite would be a TypeError.
        if root.kind == "sqrt" and root.framework == "torch" and (library == TORCH or root.where != "base"):
            fix = self._vector_norm_fix(root.node, root.radicand, eps_fix) or fix
        advice = (
            "use `torch.linalg.vector_norm`, whose gradient at 0 is 0"
            if fix.applicability == SAFE
            else "clamp it at a small positive value inside the root"
            if fix.message.startswith("Clamp")
            else "add an eps inside the root"
        )
        self.report(root.node, self.say("squares", root=root.kind, advice=advice), fix, related)

    def _eps_added_after(self, root: Root) -> bool:
        path = self.context.ancestors
        parent = path[-2] if len(path) > 1 and path[-1] is root.node else None
        if not (isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Add)):
            return False
        other = parent.right if parent.left is root.node else parent.left
        return is_eps_like(self.context, other)

    def _vector_norm_fix(
        self, root: cst.CSTNode, radicand: cst.BaseExpression, fallback: Optional[PendingFix]
    ) -> Optional[PendingFix]:
        """`sqrt(sum(D ** 2, dim))` is `vector_norm(D, dim=dim)`: exact, grad 0 at 0."""
        if not isinstance(radicand, cst.Call):
            return None
        qualified, method = callee(self.context, radicand)
        if qualified is not None:
            if qualified != "torch.sum":
                return None
            squares, first_option = argument(radicand, 0, "input"), 1
        elif method == "sum":
            squares, first_option = receiver(radicand), 0
        else:
            return None
        operand = squared_operand(self.context, squares) if squares is not None else None
        if operand is None:
            return None
        options = _norm_options(radicand, first_option, self.context)
        reference = self.context.reference("torch.linalg.vector_norm")
        if options is None or reference is None:
            return None
        function, needed = reference
        arguments = ", ".join([bare_code(self.context, operand)] + options)
        return PendingFix(
            "Use torch.linalg.vector_norm",
            (Replace(root, f"{function}({arguments})"),),
            SAFE,
            (needed,) if needed else (),
            fallback,
        )

    def _zero_fix(self, root: Root) -> PendingFix:
        """A clamp at 0 gets its bound raised to the eps (where the root's operand is
        clamped, or the name it reads was); one minus a square a clamp at the eps, which
        also repairs the rounding below 0 that an added eps does not."""
        eps = self.context.options.eps
        clamp = root.radicand
        if isinstance(clamp, cst.Name):
            clamp = assigned_value(self.context, clamp)
        bound = clamp_lower_bound(self.context, clamp) if clamp is not None else None
        if bound is not None and literal_number(bound) == 0:
            return PendingFix(f"Clamp at {eps} instead of 0", (Replace(bound, eps),), UNSAFE)
        return self._clamp_fix(root) or self._add_fix(root)

    def _eps_fix(self, root: Root) -> PendingFix:
        if is_written_variance(self.context, root.radicand):
            # Rounding leaves E[x^2] - E[x]^2 a little below 0, where `+ eps` is too little.
            return self._clamp_fix(root) or self._add_fix(root)
        return self._add_fix(root)

    def _clamp_fix(self, root: Root) -> Optional[PendingFix]:
        """`E.clamp_min(eps)` in torch, `jnp.maximum(E, eps)` / `tf.maximum(E, eps)`
        where the file spells that function; else None."""
        eps = self.context.options.eps
        if root.framework == "torch":
            code = f"{receiver_code(self.context, root.radicand)}.clamp_min({eps})"
        else:
            maximum = {"jax": "jax.numpy.maximum", "tensorflow": "tensorflow.maximum"}.get(root.framework)
            reference = self.context.reference(maximum) if maximum is not None else None
            if reference is None or reference[1] is not None:
                return None  # spelled only through a module the file does not import
            code = f"{reference[0]}({bare_code(self.context, root.radicand)}, {eps})"
        return PendingFix(f"Clamp it at {eps} inside the root", (Replace(root.radicand, code),), UNSAFE)

    def _add_fix(self, root: Root) -> PendingFix:
        eps = self.context.options.eps
        code = f"{addend_code(self.context, root.radicand)} + {eps}"
        if root.where != "argument":
            code = f"({code})"
        return PendingFix(f"Add {eps} inside the root", (Replace(root.radicand, code),), UNSAFE)


def _zero_region(context, radicand: cst.BaseExpression, depth: int = 2) -> Optional[str]:
    """Why the radicand is exactly 0 other than as a sum of squares: one minus a square
    (0 wherever |x| = 1, as `sqrt(1 - cos ** 2)` at parallel vectors, and a hair below 0
    after rounding), a softmax output (it underflows to 0,
    and the root's inf gradient meets the probability's gradient, 0 there: NaN, measured
    with torch 2.13 for `sqrt(softmax([0, 200]))`), or a clamp at 0 of a value that
    reaches 0 itself. A relu, or a clamp
    of any value, is not enough: their backward selects 0 where they cut (torch computes
    `where(x > 0, grad, 0)`, not `grad * 0`), so no NaN comes back through them
    (measured with the runtime shim). TensorFlow's relu is: its backward is the product."""
    if isinstance(radicand, cst.BinaryOperation) and isinstance(radicand.operator, cst.Subtract):
        squared = squared_operand(context, radicand.right) if literal_number(radicand.left) == 1 else None
        if squared is not None and not _clamped_inside_unit(context, squared):
            return "one minus a square"
    probability = saturating_probability(context, radicand)
    if probability is not None and "softmax" in probability:
        return probability  # its root's gradient is inf times the probability's 0: NaN
    if tensorflow_relu(context, radicand):
        return "a TensorFlow relu output (whose backward multiplies by its 0/1 mask: inf * 0)"
    if isinstance(radicand, cst.Call):
        bound = clamp_lower_bound(context, radicand)
        inner = clamped_operand(context, radicand) if bound is not None and literal_number(bound) == 0 else None
        if inner is not None and _holds_square_term(context, inner, 2):
            return "a sum of squares clamped at 0"
        if inner is not None and _zero_region(context, inner) == "one minus a square":
            # `(1 - cos ** 2).clamp(0, 1)`: the clamp cuts what rounds below 0, not the 0 itself.
            return "one minus a square, clamped at 0"
    if isinstance(radicand, cst.Name) and depth > 0:
        # `d = tf.maximum(d, 0.0)` and then `tf.sqrt(d)`
        value = assigned_value(context, radicand)
        zero = _zero_region(context, value, depth - 1) if isinstance(value, cst.Call) else None
        if zero is not None:
            context.trail.append((value, f"`{context.code(radicand)}` gets its value here"))
        return zero
    return None


def _holds_square_term(context, node: cst.BaseExpression, depth: int) -> bool:
    """A sum of squares, or a sum one of whose terms is one (`xy_distance + alpha * w`,
    a Wasserstein distance): clamped at 0, such a sum is one its author expects to reach
    0 and round below it."""
    if is_sum_of_squares(context, node):
        return True
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _holds_square_term(context, node.left, depth) or _holds_square_term(context, node.right, depth)
    if isinstance(node, cst.Name) and depth > 0:
        value = assigned_value(context, node)
        return value is not None and _holds_square_term(context, value, depth - 1)
    return False


def _clamped_inside_unit(context, node: cst.CSTNode) -> bool:
    """`torch.clamp(cos, -1 + 1e-7, 1 - 1e-7)`, directly or as the value of the name: an
    upper bound written as one minus an eps keeps `1 - cos ** 2` above 0."""
    value = assigned_value(context, node) if isinstance(node, cst.Name) else node
    if not isinstance(value, cst.Call):
        return False
    qualified, method = callee(context, value)
    if qualified is not None:
        upper = argument(value, 2, "max")
    elif method in ("clamp", "clip"):
        upper = argument(value, 1, "max")
    else:
        return False
    number = literal_number(upper) if upper is not None else None
    if number is not None:
        return abs(number) < 1
    return (
        isinstance(upper, cst.BinaryOperation)
        and isinstance(upper.operator, cst.Subtract)
        and literal_number(upper.left) == 1
        and is_eps_like(context, upper.right)
    )


def _norm_options(reduction: cst.Call, first: int, context) -> Optional[list]:
    """`dim=`/`keepdim=`/`dtype=` for vector_norm from a sum's arguments; None if odd."""
    names = ("dim", "keepdim")
    options = []
    position = 0
    for arg in reduction.args:
        if arg.star:
            return None
        value = context.code(arg.value).strip()
        if arg.keyword is None:
            if position >= first:
                index = position - first
                if index >= len(names):
                    return None
                options.append(f"{names[index]}={value}")
            position += 1
            continue
        keyword = arg.keyword.value
        if keyword == "input":
            continue
        if keyword == "axis":
            keyword = "dim"
        if keyword not in ("dim", "keepdim", "dtype"):
            return None
        options.append(f"{keyword}={value}")
    return options

