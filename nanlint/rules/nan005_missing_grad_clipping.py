"""NAN005 missing-grad-clipping: the rule, its examples and its fix."""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import libcst as cst

from nanlint.rule import UNSAFE, InsertLinesBefore, Invalid, PendingFix, Replace, Rule
from nanlint.values.api import call_triggers
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.zeros import parameters
from nanlint.values.gradient import function_path, in_test_file
from nanlint.linting.walk import handlers, walk

CLIP_GRAD_NORM = "torch.nn.utils.clip_grad_norm_"
GRAD_SCALERS = ("torch.cuda.amp.GradScaler", "torch.amp.GradScaler", "torch.GradScaler", "torch.cpu.amp.GradScaler")
# Names of calls that clip gradients, whoever defines them: `clip_grad_norm_`,
# `accelerator.clip_grad_norm_`, `fabric.clip_gradients`, `self._clip_grad()`...
_CLIPPING_NAME = re.compile(r"(?i)clip_?grad|grad(ient)?_?clip|clip_?norm|clip_by_(global_)?norm")
_OPTIMIZER_WORDS = ("opt", "optim", "optimizer", "optimiser", "optimizers", "optimisers")
_BACKWARD_OWNERS = ("accelerator", "fabric")
_TEST_CLASS = re.compile(r"^Test|Test(s|Case)?$")
_CLIPPING_OPTION = re.compile(r"(?i)clip|max_grad_norm")
# Modules whose code is torch code: paddle, oneflow and megengine spell a training
# step the same way, and torch's clipping would be wrong there.
_TORCH_FAMILY = ("torch", "lightning", "pytorch_lightning", "lightning_fabric", "accelerate")
_ADAPTIVE = tuple(
    f"torch.optim.{name}"
    for name in ("Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta", "SparseAdam")
)
_LR_FINDER = re.compile(r"(?i)lr_?find|learning_?rate_?find|range_test")
# A linear probe (a logistic regression on frozen features): its loss is convex in the
# weights and its gradient bounded by the features, so no batch explodes it.
_LINEAR_PROBE = re.compile(r"(?i)linear_?(prob|eval)|_probing|logistic_?regression")
# A hook run between the backward pass and the step (`engine.fire_event(BACKWARD_COMPLETED)`,
# `self.call_hook("on_after_backward")`): the place a library engine's users clip.
_HOOK = re.compile(
    r"(?i)^(_?fire_event|call_hook|_?call_\w*hooks?|_?run_\w*(hooks?|callbacks?)|trigger_event|"
    r"on_after_backward|on_before_optimizer_step|_?callbacks?)$"
)
# A value in scope that already says how far to clip: `max_grad_norm`, `grad_clip`.
_MAX_NORM_NAME = re.compile(r"(?i)^(max_grad_norm|grad_clip(_norm)?|clip_grad(_norm)?|gradient_clip(_val)?|max_norm)$")
# A parameter for a gradient-clipping bound by another name (`grad_clip_value`); not a
# WGAN's `clip_value`, which clips weights.
_GRADIENT_CLIP_NAME = re.compile(r"(?i)grad\w*clip|clip\w*grad")
# What a script names the options `argparse` parsed, when it hands them to a function.
_PARSED_OPTIONS = ("args", "opt", "opts", "options", "flags", "hparams", "cfg", "config")
# A comment about clipping the gradients (`# TODO: clip_grad_norm`, a clipping call left
# commented out): not `# clip boxes to the image`.
_CLIPPING_COMMENT = re.compile(
    r"(?i)clip_?grad|grad(ient)?s?[ _-]*(norm[ _-]*)?clip|clip\w*[ _-]+(the[ _-]+)?(grad|norm)|clip_?norm|max_grad_norm"
)
# ...which says the loop does not clip, on purpose: `# no gradient clipping, as in the paper`.
_NOT_CLIPPING = re.compile(r"(?i)\b(no|not|don'?t|without|never|skip\w*|disabled?|unclipped|unnecessary|unneeded)\b")


@dataclass(frozen=True)
class _Step:
    call: cst.Call
    optimizer: cst.BaseExpression
    scaler: Optional[cst.BaseExpression]  # `scaler` in `scaler.step(optimizer)`


@dataclass(frozen=True)
class _Backward:
    call: cst.Call
    owner: Optional[str]  # "accelerator", "fabric" or "lightning" when they own the backward pass
    owner_code: str = ""


class _ScopeFacts:
    """What a function (or a module's top level) does, in source order."""

    def __init__(self) -> None:
        self.order: Dict[int, int] = {}  # id(call) -> its rank among the scope's own calls
        self.calls: List[cst.Call] = []  # the scope's own calls, nested definitions left out
        self.blocks: Dict[int, Tuple[int, ...]] = {}  # id(call) -> the ids of the blocks around it
        self.clips = False  # whether any call in it, nested ones included, clips gradients
        self.clip_calls: List[cst.Call] = []  # its own calls that clip, in source order
        self.unscales = False  # whether it calls `scaler.unscale_(...)`
        # Whether it calls `self.assertEqual`, `assert_close`...: a test, not a training
        # loop (a bare `assert` is also a training loop's sanity check).
        self.asserts = False


class _FactCollector:
    def __init__(self, scope: cst.CSTNode, resolve: Callable[[cst.BaseExpression], Optional[str]]) -> None:
        self.scope = scope
        self.resolve = resolve  # what a called name was imported as: `clip` -> `torch.nn.utils.clip_grad_norm_`
        self.facts = _ScopeFacts()
        self.nested = 0
        self.blocks: List[int] = []

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.blocks.append(id(node))

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.blocks.pop()

    def _enter(self, node: cst.CSTNode) -> bool:
        if node is not self.scope:
            self.nested += 1
        return True

    def _leave(self, node: cst.CSTNode) -> None:
        if node is not self.scope:
            self.nested -= 1

    visit_FunctionDef = visit_Lambda = visit_ClassDef = _enter
    leave_FunctionDef = leave_Lambda = leave_ClassDef = _leave

    def visit_Call(self, node: cst.Call) -> None:
        name = _last_name(node.func)
        if not self.nested and name is not None and name.lower().startswith("assert"):
            self.facts.asserts = True
        clips = name is not None and (_CLIPPING_NAME.search(name) or _clamps_a_grad(node, name)) or (
            # `from torch.nn.utils import clip_grad_norm_ as clip`
            isinstance(node.func, cst.Name) and _CLIPPING_NAME.search((self.resolve(node.func) or "").rsplit(".")[-1])
        )
        if clips:
            self.facts.clips = True
            if not self.nested:
                self.facts.clip_calls.append(node)
        if name == "unscale_":
            self.facts.unscales = True
        if not self.nested:
            self.facts.order[id(node)] = len(self.facts.calls)
            self.facts.blocks[id(node)] = tuple(self.blocks)
            self.facts.calls.append(node)


class MissingGradClipping(Rule):
    """A training step that applies gradients from `backward()` without clipping them.

    ## Why is this bad?
    One batch with an exploding gradient (a loss spike, a near-zero denominator, a
    too-high learning rate) makes `optimizer.step()` move the weights by a huge or
    infinite amount. The step itself raises nothing: the damage shows one iteration
    later, when every output is NaN and stays NaN. Clipping the gradient norm before
    the step bounds every update, so one bad batch costs one bad update at most.

    Flagged: `optimizer.step()` or `scaler.step(optimizer)` after `loss.backward()`,
    `scaler.scale(loss).backward()`, `accelerator.backward(loss)`,
    `fabric.backward(loss)`, `self.manual_backward(loss)` or
    `torch.autograd.backward(...)` in the same function, when nothing in that function
    clips gradients (`torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`,
    `accelerator.clip_grad_norm_`, `fabric.clip_gradients`, any call whose name, or
    the name it was imported under, says it clips gradients, `p.grad.clamp_(...)`). The stepped object must be an
    optimizer: built by `torch.optim` in the module, or named like one (`optimizer`,
    `optim`, `opt_g`, `self.optimizer`); `scheduler.step()` and `env.step(action)` are
    not. Each step is paired with its own backward pass: the last one before it that
    always runs when it does (so the discriminator's step is not blamed on the
    generator's loss), else the last one before it.

    Only with evidence that gradients can explode where the step runs (in its function,
    its class, the classes it builds; for a model handed in, what the module imports and
    its top-level code) that the model is one whose standard recipe clips: a recurrent
    layer (LSTM, GRU, RNN), attention or a transformer (`MultiheadAttention`, a class of
    the code's named `...Attention`, `TransformerEncoderLayer`, `AutoModel...`,
    `from_pretrained`, an import from `transformers`); a recurrent net or attention only
    where the optimizer is not an adaptive one built by `torch.optim` (Adam, AdamW,
    RMSprop, Adagrad...), whose step is about the learning rate however large the
    gradient (measured: a 1e18 gradient moves a weight by about 5 lr), so no one batch
    sends the weights to inf: the textbook explosion is of SGD's step, and reviewers of
    transformer and GAN recipes trained from scratch with Adam judged every such finding
    a false alarm. A pretrained Hugging Face model (`from_pretrained`, `AutoModel...`, an
    import from `transformers`) is flagged whatever the optimizer: the library's own
    Trainer clips at 1.0 by default, and a loop that fine-tunes one without it has left
    out what its recipe does. Most unclipped loops train fine
    and their recipes do not clip: a linear model, a CNN with SGD, a GAN or a transformer
    with Adam, a mixed-precision loop (its GradScaler skips every step whose gradients
    overflow). A rule that flags every tutorial is noise.

    The author's own word is evidence too, and no recipe overrules it: a comment in the
    step's function (or just above it) about clipping (`# TODO: clip_grad_norm`, a
    `clip_grad_norm_(...)` call left commented out), a clipping parameter of the function
    that nothing reads (`def train(model, loader, max_grad_norm)`), or a `--grad_clip`
    option its module declares and never reads. A comment that says the loop does not
    clip on purpose (`# no gradient clipping, as in the paper`) silences the rule there.
    So are clipped gradients that never reach the update: TensorFlow's
    `clipped, _ = tf.clip_by_global_norm(grads, c)` read nowhere while
    `optimizer.apply_gradients(zip(grads, variables))` applies the raw ones (the fix
    applies `clipped`); and a clipping written after the step (`optimizer.step()` then
    `clip_grad_norm_(...)`, in the same block or one inside it, with no step after the
    clipping to apply it): the update has already used the raw gradients, and the
    clipping only touches gradients the next backward pass replaces. A bound of `inf`
    measures the norm for the log and is left alone; no fix is offered, since moving
    the clipping above the step is a change of the code's order for its author to make.

    Left alone: `optimizer.step(closure)`, whose backward pass is in the closure;
    an optimizer built after the backward pass, which takes one step and is gone; an
    optimizer over a list of tensors (`SGD([latents])`, `Adam([mask])`), which fits
    inputs or masks, not a network's weights; an LR range test, which drives the loss
    to diverge on purpose; a step with a hook between it and its backward pass
    (`engine.fire_event(BACKWARD_COMPLETED)`, `self.call_hook("on_after_backward")`), a
    library engine's place for its users' clipping; and tests (a test file, a test module, a `test_*`
    function, a `Test*` class, a function that calls `self.assertEqual` /
    `assert_close`), which step optimizers to compare them, where clipping would
    change what they test.

    ## Fix safety
    The bound is the code owner's choice. A parameter of the step's function that
    already names one (`max_grad_norm`, `grad_clip`, `gradient_clip_val`) is used; a
    script or a function without options gets the `max-norm` setting (default 1.0);
    a method, or a function with defaulted parameters (library code whose caller
    chooses its settings), gets no fix: the message asks for a `max_grad_norm`
    option instead of a number written into someone's library.

    The fix inserts, on its own line before the step,
    `torch.nn.utils.clip_grad_norm_(PARAMS, max_norm=BOUND)`, where PARAMS is what the
    optimizer was built with when that is `model.parameters()` and visible at the
    step, and every parameter of the optimizer's groups otherwise. With a GradScaler
    it first unscales the gradients (`scaler.unscale_(optimizer)`): the norm of scaled
    gradients is inflated by the scale factor, and clipping it would shrink every
    update. With Accelerate, Fabric or Lightning it calls their own clipping, which
    knows about their scalers. Clipping changes every update whose
    gradient norm exceeds `max-norm`, and so the training run: the fix is unsafe.
    """

    messages = {
        "unclipped": "`{step}` applies the gradients of `{backward}` unclipped, {why}: one "
        "batch with exploding gradients sends the weights to inf/NaN, and every output after it is NaN; {advice}",
        "unused": "`{step}` applies `{raw}`, the gradients before clipping: `{clipped}`, which `{clip}` "
        "computes from them, is read nowhere, so the update is unclipped; apply `{clipped}`",
        "late": "`{step}` applies the gradients of `{backward}` before `{clip}` clips them: the update is unclipped, "
        "and the clipping only touches gradients the next backward pass replaces; clip between the backward pass "
        "and the step",
    }
    code = "NAN005"
    name = "missing-grad-clipping"
    summary = "an optimizer step after backward() with no gradient clipping"
    # A call or an import of backward; not `def backward(` (autograd Functions), not `backward.x`.
    # A call of `backward` or `manual_backward` that is not their definition.
    triggers = (
        *call_triggers(
            r"backward(?<!def backward)(?<!def manual_backward)"
            r"(?:(?<!\wbackward)|(?<=\Wmanual_backward)|(?<=^manual_backward))"
        ),
        *call_triggers("apply_gradients"),  # TensorFlow's update, for its clipping left unused
    )
    fixable = True
    incident = (
        "A talking-head video model trained fine for one iteration and gave all-NaN outputs "
        "from the second on: the classic signature of an update that blew the weights up "
        "(exploding gradients, a too-high learning rate). The advice was to lower the learning "
        "rate, clip gradients and monitor intermediate values."
    )
    options = {"max-norm": "the `max_norm` the inserted clipping uses (default 1.0)"}

    valid = [
        # A detector under SGD: the attention layer is only asked about, for DDP's sake.
        "import torch\nfrom torch import nn\ndef train(model, loader, compute_loss):\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n"
        "    unused = any(isinstance(m, nn.MultiheadAttention) for m in model.modules())\n"
        "    model = nn.parallel.DistributedDataParallel(model, find_unused_parameters=unused)\n"
        "    for imgs, targets in loader:\n        compute_loss(model(imgs), targets).backward()\n"
        "        optimizer.step()\n        optimizer.zero_grad()\n",
        # A linear probe on frozen features: a convex loss, a gradient bounded by the
        # features. The clipping left commented out is no request there.
        "import torch\ndef linear_probe_eval(head, feats, labels, optimizer, epochs):\n    for _ in range(epochs):\n"
        "        loss = torch.nn.functional.cross_entropy(head(feats), labels)\n        optimizer.zero_grad()\n"
        "        loss.backward()\n        # torch.nn.utils.clip_grad_norm_(head.parameters(), max_norm=3)\n"
        "        optimizer.step()\n",
        # A transformer under AdamW: however large the gradient, a step is about the learning rate.
        "import torch\ndef train(loader, vocab):\n"
        "    layer = torch.nn.TransformerEncoderLayer(d_model=64, nhead=4)\n"
        "    model = torch.nn.TransformerEncoder(layer, num_layers=2)\n"
        "    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)\n"
        "    for x, y in loader:\n        (model(x) - y).pow(2).mean().backward()\n"
        "        optimizer.step()\n        optimizer.zero_grad()\n",
        # A recurrent net under Adam, whose step is about its learning rate however large the gradient.
        "import torch\ndef train(loader):\n    model = torch.nn.LSTM(28, 128, batch_first=True)\n"
        "    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n    for x, y in loader:\n"
        "        loss = (model(x)[0][:, -1] - y).pow(2).mean()\n        loss.backward()\n        optimizer.step()\n",
        # A CNN in mixed precision: the GradScaler skips steps whose gradients overflow.
        "import torch\ndef train(model, loader, optimizer):\n    scaler = torch.cuda.amp.GradScaler()\n"
        "    for x, y in loader:\n        with torch.autocast('cuda'):\n"
        "            loss = torch.nn.functional.cross_entropy(model(x), y)\n"
        "        scaler.scale(loss).backward()\n        scaler.step(optimizer)\n        scaler.update()\n",
        # A GAN with Adam, the recipe as published: Adam's step is bounded by its learning rate.
        "import torch\ndef train(G, D, loader, z_dim):\n"
        "    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))\n"
        "    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))\n"
        "    for real in loader:\n        fake = G(torch.randn(len(real), z_dim))\n"
        "        d_loss = -(torch.log(D(real)) + torch.log(1 - D(fake.detach()))).mean()\n"
        "        d_loss.backward()\n        opt_d.step()\n"
        "        g_loss = -torch.log(D(fake)).mean()\n        g_loss.backward()\n        opt_g.step()\n",
        # A style-transfer CNN that its authors named a transformer.
        "import torch\nclass TransformerNet(torch.nn.Module):\n    def forward(self, x):\n        return x\n"
        "def train(loader):\n    net = TransformerNet()\n    optimizer = torch.optim.Adam(net.parameters())\n"
        "    for x in loader:\n        net(x).mean().backward()\n        optimizer.step()\n",
        # A library engine: its users clip in the hook it fires after the backward pass.
        "import torch\n"
        "class Trainer:\n"
        "    def iteration(self, engine, batch):\n"
        "        with torch.autocast('cuda'):\n"
        "            loss = engine.loss_function(engine.network(batch[0]), batch[1])\n"
        "        engine.scaler.scale(loss).backward()\n"
        "        engine.fire_event(IterationEvents.BACKWARD_COMPLETED)\n"
        "        engine.scaler.step(engine.optimizer)\n"
        "        engine.scaler.update()\n",
        # A textbook's module: a recurrent model defined beside it says nothing of the
        # convolutional network this loop is handed.
        "import torch\nfrom torch import nn\n"
        "class GRU(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.rnn = nn.GRU(8, 8)\n"
        "def train_cnn(net, loader, lr):\n"
        "    optimizer = torch.optim.SGD(net.parameters(), lr=lr)\n"
        "    for x, y in loader:\n"
        "        nn.functional.cross_entropy(net(x), y).backward()\n"
        "        optimizer.step()\n",
        # No sign that gradients can explode: a small classifier, as in most tutorials.
        "import torch\n"
        "def train(loader):\n"
        "    model = torch.nn.Sequential(torch.nn.Linear(784, 10))\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    for x, y in loader:\n"
        "        torch.nn.functional.cross_entropy(model(x), y).backward()\n"
        "        optimizer.step()\n",
        # Not a network's weights: latents, masks or a transform fitted by gradient
        # descent, with risk evidence in the module all the same.
        "import torch\n"
        "def guide(unet, latents, steps):\n"
        "    latents = latents.detach().requires_grad_(True)\n"
        "    optimizer = torch.optim.SGD([latents], lr=0.1)\n"
        "    with torch.autocast('cuda'):\n"
        "        loss = unet(latents).pow(2).mean()\n"
        "    loss.backward()\n"
        "    optimizer.step()\n",
        # An LR range test drives the loss to diverge on purpose.
        "import torch\n"
        "class LearningRateFinder:\n"
        "    def range_test(self, model, optimizer, loader):\n"
        "        for x in loader:\n"
        "            self.scaler.scale(model(x)).backward()\n"
        "            self.scaler.step(optimizer)\n",
        # Clipped, as incident 4's advice says.
        "import torch\n"
        "def train(loader):\n"
        "    model = torch.nn.LSTM(8, 8)\n"
        "    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
        "    for x, y in loader:\n"
        "        optimizer.zero_grad()\n"
        "        loss = model(x)[0].mean()\n"
        "        loss.backward()\n"
        "        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)\n"
        "        optimizer.step()\n",
        "from torch.nn.utils import clip_grad_value_\n"
        "def step(model, optimizer, loss):\n"
        "    loss.backward()\n"
        "    clip_grad_value_(model.parameters(), 0.5)\n"
        "    optimizer.step()\n",
        "def step(accelerator, model, optimizer, loss):\n"
        "    accelerator.backward(loss)\n"
        "    if accelerator.sync_gradients:\n"
        "        accelerator.clip_grad_norm_(model.parameters(), 1.0)\n"
        "    optimizer.step()\n",
        "def step(self, loss):\n"
        "    self.scaler.scale(loss).backward()\n"
        "    self._clip_gradients()\n"
        "    self.scaler.step(self.optimizer)\n",
        "def step(model, optimizer, loss):\n"
        "    loss.backward()\n"
        "    for p in model.parameters():\n"
        "        p.grad.data.clamp_(-1, 1)\n"
        "    optimizer.step()\n",
        # A clipping after one step that a later step applies (a GAN's two optimizers), one in
        # the other branch, and a norm measured for the log with an infinite bound.
        "import torch\ndef train(G, D, g_opt, d_opt, d_loss, g_loss):\n"
        "    d_loss.backward()\n    d_opt.step()\n    g_loss.backward()\n"
        "    torch.nn.utils.clip_grad_norm_(G.parameters(), 5.0)\n    g_opt.step()\n",
        "import torch\ndef train(model, opt, loss, fast):\n    loss.backward()\n    if fast:\n        opt.step()\n"
        "    else:\n        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n        opt.step()\n",
        "import torch\nimport math\ndef train(model, opt, loss, log):\n"
        "    loss.backward()\n    opt.step()\n"
        "    log(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf))\n",
        # TensorFlow's clipped gradients applied, and the raw ones logged beside them.
        "import tensorflow as tf\ndef train_step(model, x, opt):\n    with tf.GradientTape() as tape:\n"
        "        loss = model(x)\n    grads = tape.gradient(loss, model.trainable_variables)\n"
        "    clipped, norm = tf.clip_by_global_norm(grads, 5.0)\n"
        "    opt.apply_gradients(zip(clipped, model.trainable_variables))\n    return grads, norm\n",
        # Not optimizers.
        "def train(model, optimizer, scheduler, loss):\n"
        "    loss.backward()\n"
        "    scheduler.step()\n",
        "def rollout(env, policy, loss):\n"
        "    loss.backward()\n"
        "    obs = env.step(policy.act())\n",
        # No backward pass in this function: it belongs to the caller.
        "def apply(optimizer):\n    optimizer.step()\n    optimizer.zero_grad()\n",
        # The backward pass is in the closure, which the optimizer calls.
        "def train(model, optimizer, x):\n"
        "    def closure():\n"
        "        optimizer.zero_grad()\n"
        "        loss = model(x)\n"
        "        loss.backward()\n"
        "        return loss\n"
        "    optimizer.step(closure)\n",
        # An autograd Function's backward, not a backward pass.
        "import torch\n"
        "class Square(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def backward(ctx, grad):\n"
        "        out = super().backward(ctx, grad)\n"
        "        ctx.optimizer.step()\n"
        "        return out\n",
        # A local `step` of something that is not an optimizer.
        "def train(model, opt_state, loss):\n"
        "    loss.backward()\n"
        "    trainer.step()\n",
        # Other frameworks with torch's spelling: their clipping is not torch's.
        "import paddle\n"
        "def train(model, optimizer, loader):\n"
        "    for x, y in loader:\n"
        "        loss = model(x, y)\n"
        "        loss.backward()\n"
        "        optimizer.step()\n"
        "        optimizer.clear_grad()\n",
        # An optimizer that clips by itself.
        "import torch\n"
        "from apex.optimizers import FusedLAMB\n"
        "def train(model, loader):\n"
        "    optimizer = FusedLAMB(model.parameters(), max_grad_norm=1.0)\n"
        "    for x in loader:\n"
        "        model(x).sum().backward()\n"
        "        optimizer.step()\n",
        # Tests compare optimizer steps; clipping would change what they test.
        "import torch\n"
        "def test_ddp_matches_local(model, ddp_model, optimizer, ddp_optimizer, x):\n"
        "    model(x).sum().backward()\n"
        "    optimizer.step()\n",
        "import torch\n"
        "def check_same(model, optimizer, x, expected):\n"
        "    model(x).sum().backward()\n"
        "    optimizer.step()\n"
        "    torch.testing.assert_close(model.weight, expected)\n",
        # A fresh optimizer takes one step after the backward pass: there is no next iteration.
        "import torch\n"
        "def compare(model, x):\n"
        "    model(x).sum().backward()\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n"
        "    optimizer.step()\n",
        "def train(model, optimizer, loss, args):\n"
        "    loss.backward()\n"
        "    if args.max_grad_norm:\n"
        "        torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)\n"
        "    optimizer.step()\n",
        # Clipping under an alias is still clipping.
        "import torch\nfrom torch.nn.utils import clip_grad_norm_ as clip\n"
        "def train(model, optimizer, loader):\n"
        "    for x, y in loader:\n"
        "        loss = model(x, y)\n"
        "        loss.backward()\n"
        "        clip(model.parameters(), 1.0)\n"
        "        optimizer.step()\n",
        # Its author says it does not clip, on purpose: a recurrent model all the same.
        "import torch\n"
        "def train(loader):\n"
        "    model = torch.nn.GRU(16, 32)\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    for x in loader:\n"
        "        model(x)[0].mean().backward()\n"
        "        # no gradient clipping here: the paper's recipe does not clip\n"
        "        optimizer.step()\n",
        # A comment about clipping boxes, not gradients; an option that is read.
        "import torch\n"
        "def train(model, optimizer, loader):\n"
        "    for images, boxes in loader:\n"
        "        boxes = boxes.clamp(0, 1)  # clip boxes to the image\n"
        "        model(images, boxes).backward()\n"
        "        optimizer.step()\n",
        "import argparse\nimport torch\n"
        "parser = argparse.ArgumentParser()\n"
        "parser.add_argument('--grad-clip', type=float, default=0.0)\n"
        "args = parser.parse_args()\n"
        "def train(model, optimizer, loader):\n"
        "    for x in loader:\n"
        "        model(x).mean().backward()\n"
        "        if args.grad_clip > 0:\n"
        "            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)\n"
        "        optimizer.step()\n",
        # A DeepSpeed engine steps itself and clips as its config says: not an optimizer.
        "def train(model_engine, loader):\n"
        "    for batch in loader:\n"
        "        loss = model_engine(batch)\n"
        "        model_engine.backward(loss)\n"
        "        model_engine.step()\n",
    ]
    invalid = [
        # Its author meant to clip: a note above the loop, a clipping call commented out,
        # a bound handed in and never used, an option declared and never read. Adam or
        # not, no sign of a risky model needed.
        Invalid(
            "import torch\n"
            "# TODO: clip_grad_norm\n"
            "def train_epoch(model, loader, optimizer):\n"
            "    for x, y in loader:\n"
            "        loss = torch.nn.functional.cross_entropy(model(x), y)\n"
            "        loss.backward()\n"
            "        optimizer.step()\n"
            "        optimizer.zero_grad()\n",
            "import torch\n"
            "# TODO: clip_grad_norm\n"
            "def train_epoch(model, loader, optimizer):\n"
            "    for x, y in loader:\n"
            "        loss = torch.nn.functional.cross_entropy(model(x), y)\n"
            "        loss.backward()\n"
            "        torch.nn.utils.clip_grad_norm_([p for group in optimizer.param_groups for p in group[\"params\"]], max_norm=1.0)\n"
            "        optimizer.step()\n"
            "        optimizer.zero_grad()\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\n"
            "def train(model, loader, epochs):\n"
            "    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
            "    for _ in range(epochs):\n"
            "        for batch in loader:\n"
            "            optimizer.zero_grad()\n"
            "            model(batch).abs().mean().backward()\n"
            "            # torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
            "            optimizer.step()\n",
            "import torch\n"
            "def train(model, loader, epochs):\n"
            "    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
            "    for _ in range(epochs):\n"
            "        for batch in loader:\n"
            "            optimizer.zero_grad()\n"
            "            model(batch).abs().mean().backward()\n"
            "            # torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
            "            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)\n"
            "            optimizer.step()\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\n"
            "def fit(net, batches, opt, max_grad_norm):\n"
            "    for x, y in batches:\n"
            "        opt.zero_grad()\n"
            "        (net(x) - y).pow(2).mean().backward()\n"
            "        opt.step()\n",
            "import torch\n"
            "def fit(net, batches, opt, max_grad_norm):\n"
            "    for x, y in batches:\n"
            "        opt.zero_grad()\n"
            "        (net(x) - y).pow(2).mean().backward()\n"
            "        torch.nn.utils.clip_grad_norm_([p for group in opt.param_groups for p in group[\"params\"]], max_norm=max_grad_norm)\n"
            "        opt.step()\n",
            UNSAFE,
        ),
        Invalid(
            "import argparse\nimport torch\n"
            "def main(args):\n"
            "    model = torch.nn.Linear(8, 1)\n"
            "    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)\n"
            "    for x, y in args.data:\n"
            "        torch.nn.functional.l1_loss(model(x), y).backward()\n"
            "        optimizer.step()\n"
            "        optimizer.zero_grad()\n"
            "if __name__ == '__main__':\n"
            "    parser = argparse.ArgumentParser()\n"
            "    parser.add_argument('--lr', type=float, default=1e-3)\n"
            "    parser.add_argument('--gradient_clip', type=float, default=1.0)\n"
            "    main(parser.parse_args())\n",
            "import argparse\nimport torch\n"
            "def main(args):\n"
            "    model = torch.nn.Linear(8, 1)\n"
            "    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)\n"
            "    for x, y in args.data:\n"
            "        torch.nn.functional.l1_loss(model(x), y).backward()\n"
            "        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=args.gradient_clip)\n"
            "        optimizer.step()\n"
            "        optimizer.zero_grad()\n"
            "if __name__ == '__main__':\n"
            "    parser = argparse.ArgumentParser()\n"
            "    parser.add_argument('--lr', type=float, default=1e-3)\n"
            "    parser.add_argument('--gradient_clip', type=float, default=1.0)\n"
            "    main(parser.parse_args())\n",
            UNSAFE,
        ),
        # The loop builds a model of the module whose class holds the LSTM.
        Invalid(
            "import torch\nfrom torch import nn\n"
            "class Seq2Seq(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.encoder = nn.LSTM(32, 64)\n"
            "def train(loader):\n"
            "    model = Seq2Seq()\n"
            "    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)\n"
            "    for x in loader:\n"
            "        model(x).pow(2).mean().backward()\n"
            "        optimizer.step()\n",
            "import torch\nfrom torch import nn\n"
            "class Seq2Seq(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.encoder = nn.LSTM(32, 64)\n"
            "def train(loader):\n"
            "    model = Seq2Seq()\n"
            "    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)\n"
            "    for x in loader:\n"
            "        model(x).pow(2).mean().backward()\n"
            "        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)\n"
            "        optimizer.step()\n",
            UNSAFE,
        ),
        # An LSTM language model: the textbook case for clipping.
        Invalid(
            "import torch\n"
            "def train(loader):\n"
            "    model = torch.nn.LSTM(128, 256)\n"
            "    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)\n"
            "    for x, y in loader:\n"
            "        optimizer.zero_grad()\n"
            "        loss = model(x)[0].sub(y).pow(2).mean()\n"
            "        loss.backward()\n"
            "        optimizer.step()\n",
            "import torch\n"
            "def train(loader):\n"
            "    model = torch.nn.LSTM(128, 256)\n"
            "    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)\n"
            "    for x, y in loader:\n"
            "        optimizer.zero_grad()\n"
            "        loss = model(x)[0].sub(y).pow(2).mean()\n"
            "        loss.backward()\n"
            "        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)\n"
            "        optimizer.step()\n",
            UNSAFE,
        ),
        # The optimizer's parameters are not visible here: all of its groups.
        Invalid(
            "from transformers import AutoModel\nimport torch\ndef step(optimizer, loss):\n    with torch.autocast('cuda'):\n        loss = loss.float()\n"
            "    loss.backward()\n    optimizer.step()\n",
            "from transformers import AutoModel\nimport torch\ndef step(optimizer, loss):\n    with torch.autocast('cuda'):\n        loss = loss.float()\n"
            "    loss.backward()\n"
            '    torch.nn.utils.clip_grad_norm_([p for group in optimizer.param_groups for p in group["params"]], max_norm=1.0)\n'
            "    optimizer.step()\n",
            UNSAFE,
        ),
        # A method of a class takes its own options: the bound it already has is used.
        Invalid(
            "import torch.optim as optim\n"
            "import torch.nn as nn\n"
            "class Trainer:\n"
            "    def __init__(self, net):\n"
            "        self.net = nn.Transformer()\n"
            "        self.opt = optim.SGD(self.net.parameters(), lr=0.1)\n"
            "    def train_step(self, x, max_grad_norm):\n"
            "        loss = self.net(x, x).mean()\n"
            "        loss.backward()\n"
            "        self.opt.step()\n",
            "import torch.optim as optim\n"
            "import torch.nn as nn\n"
            "class Trainer:\n"
            "    def __init__(self, net):\n"
            "        self.net = nn.Transformer()\n"
            "        self.opt = optim.SGD(self.net.parameters(), lr=0.1)\n"
            "    def train_step(self, x, max_grad_norm):\n"
            "        loss = self.net(x, x).mean()\n"
            "        loss.backward()\n"
            "        nn.utils.clip_grad_norm_(self.net.parameters(), max_norm=max_grad_norm)\n"
            "        self.opt.step()\n",
            UNSAFE,
        ),
        # TensorFlow: the clipped gradients are computed and the raw ones applied.
        Invalid(
            "import tensorflow as tf\ndef train_op(loss, optimizer):\n"
            "    grads, variables = zip(*optimizer.compute_gradients(loss))\n"
            "    clipped, _ = tf.clip_by_global_norm(grads, 1.0)\n"
            "    return optimizer.apply_gradients(zip(grads, variables))\n",
            "import tensorflow as tf\ndef train_op(loss, optimizer):\n"
            "    grads, variables = zip(*optimizer.compute_gradients(loss))\n"
            "    clipped, _ = tf.clip_by_global_norm(grads, 1.0)\n"
            "    return optimizer.apply_gradients(zip(clipped, variables))\n",
            UNSAFE,
        ),
        # Clipping after the step: the update used the raw gradients, whatever the model.
        Invalid(
            "import torch\nfrom torch import nn\ndef fit(model, optimizer, batches, clip):\n"
            "    for x, y in batches:\n        optimizer.zero_grad()\n"
            "        loss = nn.functional.mse_loss(model(x), y)\n        loss.backward()\n"
            "        optimizer.step()\n        nn.utils.clip_grad_norm_(model.parameters(), clip)\n"
        ),
        Invalid(
            "import torch\nclass Runner:\n    def one_batch(self, model, batch, max_grad_norm=None):\n"
            "        loss = model(batch)\n        loss.backward()\n        self.optimizer.step()\n"
            "        self.timer.record('step')\n        if max_grad_norm is not None:\n"
            "            torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)\n"
            "        self.optimizer.zero_grad()\n"
        ),
        # ... and without one, no bound is hard-coded into it: flagged, no fix.
        Invalid(
            "from transformers import AutoModel\nimport torch\nclass Engine:\n    def step(self, loss):\n"
            "        self.scaler.scale(loss).backward()\n        self.scaler.step(self.optimizer)\n"
            "        self.scaler.update()\n"
        ),
        # A GradScaler: unscale first, or the clipping sees scaled gradients.
        Invalid(
            "from transformers import AutoModel\nimport torch\n"
            "scaler = torch.cuda.amp.GradScaler()\n"
            "def step(model, optimizer, loss):\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n",
            "from transformers import AutoModel\nimport torch\n"
            "scaler = torch.cuda.amp.GradScaler()\n"
            "def step(model, optimizer, loss):\n"
            "    scaler.scale(loss).backward()\n"
            "    scaler.unscale_(optimizer)\n"
            '    torch.nn.utils.clip_grad_norm_([p for group in optimizer.param_groups for p in group["params"]], max_norm=1.0)\n'
            "    scaler.step(optimizer)\n"
            "    scaler.update()\n",
            UNSAFE,
        ),
        # Accelerate owns the backward pass and its scaler: use its clipping.
        Invalid(
            "from accelerate import Accelerator\n"
            "from transformers import AutoModelForCausalLM\n"
            "def train(accelerator, model, optimizer, loader):\n"
            "    for batch in loader:\n"
            "        loss = model(**batch).loss\n"
            "        accelerator.backward(loss)\n"
            "        optimizer.step()\n"
            "        optimizer.zero_grad()\n",
            "from accelerate import Accelerator\n"
            "from transformers import AutoModelForCausalLM\n"
            "def train(accelerator, model, optimizer, loader):\n"
            "    for batch in loader:\n"
            "        loss = model(**batch).loss\n"
            "        accelerator.backward(loss)\n"
            '        accelerator.clip_grad_norm_([p for group in optimizer.param_groups for p in group["params"]], max_norm=1.0)\n'
            "        optimizer.step()\n"
            "        optimizer.zero_grad()\n",
            UNSAFE,
        ),
        Invalid(
            "from transformers import AutoModel\nimport torch\n"
            "def train(fabric, model, loader):\n"
            "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
            "    for batch in loader:\n"
            "        with fabric.autocast():\n"
            "            loss = model(batch)\n"
            "        fabric.backward(loss)\n"
            "        optimizer.step()\n",
            "from transformers import AutoModel\nimport torch\n"
            "def train(fabric, model, loader):\n"
            "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
            "    for batch in loader:\n"
            "        with fabric.autocast():\n"
            "            loss = model(batch)\n"
            "        fabric.backward(loss)\n"
            "        fabric.clip_gradients(model, optimizer, max_norm=1.0)\n"
            "        optimizer.step()\n",
            UNSAFE,
        ),
        # Lightning's manual optimization of a GAN: a method, its own bound in scope.
        Invalid(
            "from transformers import AutoModel\nimport lightning as L\n"
            "class GAN(L.LightningModule):\n"
            "    def training_step(self, batch, gradient_clip_val=1.0):\n"
            "        opt_g, opt_d = self.optimizers()\n"
            "        self.manual_backward(self.generator_loss(self.discriminator, batch))\n"
            "        opt_g.step()\n",
            "from transformers import AutoModel\nimport lightning as L\n"
            "class GAN(L.LightningModule):\n"
            "    def training_step(self, batch, gradient_clip_val=1.0):\n"
            "        opt_g, opt_d = self.optimizers()\n"
            "        self.manual_backward(self.generator_loss(self.discriminator, batch))\n"
            '        self.clip_gradients(opt_g, gradient_clip_val=gradient_clip_val, gradient_clip_algorithm="norm")\n'
            "        opt_g.step()\n",
            UNSAFE,
        ),
        # A script, with aliased imports: the spelling the module already has.
        Invalid(
            "import torch as T\n"
            "model = T.nn.GRU(2, 1)\n"
            "sgd = T.optim.SGD(model.parameters(), lr=0.1)\n"
            "for x in data:\n"
            "    model(x)[0].sum().backward()\n"
            "    sgd.step()\n",
            "import torch as T\n"
            "model = T.nn.GRU(2, 1)\n"
            "sgd = T.optim.SGD(model.parameters(), lr=0.1)\n"
            "for x in data:\n"
            "    model(x)[0].sum().backward()\n"
            "    T.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)\n"
            "    sgd.step()\n",
            UNSAFE,
        ),
        # A step after gradient accumulation; the comment above the step stays with it.
        Invalid(
            "from torch import nn\n"
            "def train(model, optimizer, loader, accum):\n"
            "    attention = nn.MultiheadAttention(64, 8)\n"
            "    for i, batch in enumerate(loader):\n"
            "        (model(attention, batch) / accum).backward()\n"
            "        if (i + 1) % accum == 0:\n"
            "            # update\n"
            "            optimizer.step()\n"
            "            optimizer.zero_grad()\n",
            "from torch import nn\n"
            "def train(model, optimizer, loader, accum):\n"
            "    attention = nn.MultiheadAttention(64, 8)\n"
            "    for i, batch in enumerate(loader):\n"
            "        (model(attention, batch) / accum).backward()\n"
            "        if (i + 1) % accum == 0:\n"
            "            # update\n"
            '            nn.utils.clip_grad_norm_([p for group in optimizer.param_groups for p in group["params"]], max_norm=1.0)\n'
            "            optimizer.step()\n"
            "            optimizer.zero_grad()\n",
            UNSAFE,
        ),
        # Two optimizers (a GAN): each step gets the clipping of its own backward pass.
        Invalid(
            "from transformers import AutoModel\nimport torch\n"
            "def train(G, D, loader):\n"
            "    optimizer_g = torch.optim.SGD(G.parameters(), lr=0.01)\n"
            "    optimizer_d = torch.optim.SGD(D.parameters(), lr=0.01)\n"
            "    for real in loader:\n"
            "        d_loss = D(real).mean()\n"
            "        d_loss.backward()\n"
            "        optimizer_d.step()\n"
            "        G(real).mean().backward()\n"
            "        optimizer_g.step()\n",
            "from transformers import AutoModel\nimport torch\n"
            "def train(G, D, loader):\n"
            "    optimizer_g = torch.optim.SGD(G.parameters(), lr=0.01)\n"
            "    optimizer_d = torch.optim.SGD(D.parameters(), lr=0.01)\n"
            "    for real in loader:\n"
            "        d_loss = D(real).mean()\n"
            "        d_loss.backward()\n"
            "        torch.nn.utils.clip_grad_norm_(D.parameters(), max_norm=1.0)\n"
            "        optimizer_d.step()\n"
            "        G(real).mean().backward()\n"
            "        torch.nn.utils.clip_grad_norm_(G.parameters(), max_norm=1.0)\n"
            "        optimizer_g.step()\n",
            UNSAFE,
        ),
        # Each branch's backward pass goes with the step after it, not the first one
        # in the function: the message names the right one.
        Invalid(
            "from transformers import AutoModel\nimport torch\n"
            "def train(model, optimizer, scaler, loader, amp):\n"
            "    for x in loader:\n"
            "        if amp:\n"
            "            scaler.scale(model(x)).backward()\n"
            "            scaler.step(optimizer)\n"
            "        else:\n"
            "            model(x).backward()\n"
            "            optimizer.step()\n",
            "from transformers import AutoModel\nimport torch\n"
            "def train(model, optimizer, scaler, loader, amp):\n"
            "    for x in loader:\n"
            "        if amp:\n"
            "            scaler.scale(model(x)).backward()\n"
            "            scaler.unscale_(optimizer)\n"
            '            torch.nn.utils.clip_grad_norm_([p for group in optimizer.param_groups for p in group["params"]], max_norm=1.0)\n'
            "            scaler.step(optimizer)\n"
            "        else:\n"
            "            model(x).backward()\n"
            '            torch.nn.utils.clip_grad_norm_([p for group in optimizer.param_groups for p in group["params"]], max_norm=1.0)\n'
            "            optimizer.step()\n",
            UNSAFE,
        ),
        # A bare `assert` is a training loop's sanity check, not a sign of a test.
        Invalid(
            "from transformers import AutoModel\nimport torch\n"
            "def train(model, optimizer, loader):\n"
            "    for x in loader:\n"
            "        with torch.autocast('cuda', dtype=torch.bfloat16):\n"
            "            loss = model(x)\n"
            "        assert torch.isfinite(loss)\n"
            "        loss.backward()\n"
            "        optimizer.step()\n",
            "from transformers import AutoModel\nimport torch\n"
            "def train(model, optimizer, loader):\n"
            "    for x in loader:\n"
            "        with torch.autocast('cuda', dtype=torch.bfloat16):\n"
            "            loss = model(x)\n"
            "        assert torch.isfinite(loss)\n"
            "        loss.backward()\n"
            '        torch.nn.utils.clip_grad_norm_([p for group in optimizer.param_groups for p in group["params"]], max_norm=1.0)\n'
            "        optimizer.step()\n",
            UNSAFE,
        ),
        # The step shares its line with another statement: flagged, no fix.
        Invalid(
            "from transformers import AutoModel\nimport torch\n"
            "def train(model, optimizer, loss):\n"
            "    loss.half().backward()\n"
            "    optimizer.step(); optimizer.zero_grad()\n",
        ),
        # A local variable named `torch`: the clipping cannot be spelled, no fix.
        Invalid(
            "import lightning\n"
            "def train(model, optimizer, loss, torch):\n"
            "    loss.backward()\n"
            "    optimizer.step()\n"
            "rnn = lightning.LSTM\n",
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self._facts: Dict[int, _ScopeFacts] = {}
        self._optimizers: Optional[Dict[str, List[Tuple[cst.Call, cst.CSTNode]]]] = None
        self._scalers: Optional[set] = None
        self._torch_code = False

    @classmethod
    def wants(cls, index) -> bool:
        if index.calls_method(("apply_gradients",)) and index.calls_any(_TENSORFLOW_CLIPS):
            return True
        if not any(index.imports.imports_module(name) for name in _TORCH_FAMILY):
            return False
        return index.calls_method(("backward", "manual_backward")) or index.calls_any(("torch.autograd.backward",))

    @classmethod
    def wants_part(cls, part, module) -> bool:
        if part.calls_method(("apply_gradients",)) and part.calls_any(_TENSORFLOW_CLIPS):
            return True
        # Where the optimizers and scalers are built is read from anywhere in the module.
        if any(call.startswith("torch.optim.") for call in part.calls) or part.calls_any(GRAD_SCALERS):
            return True
        if not part.calls_method(("step",)):
            return False
        if isinstance(part.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return cls.wants(part)  # the backward pass and the step in the one function
        return True  # module-level code: the step's scope is all of it

    def visit_Module(self, node: cst.Module) -> None:
        imports = self.context.imports
        self._torch_code = any(imports.imports_module(name) for name in _TORCH_FAMILY)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "apply_gradients":
            self._check_unused_clipping(node)
            return
        if not self._torch_code:
            return
        step = self._optimizer_step(node)
        if step is None:
            return
        scope = self._scope()
        if scope is None:
            return
        if self._report_late_clipping(step, self._scope_facts(scope)):
            return
        # Evidence that gradients can explode here: without it (a linear model, a small
        # CNN on MNIST) an unclipped loop is the norm, not a bug. Or the author's own
        # word that this loop should clip, which no recipe overrules.
        risks = self.context.summary.risks_at(function_path(self.context))
        intent = self._intent(scope)
        if intent is _ON_PURPOSE or (not risks and intent is None):
            return
        facts = self._scope_facts(scope)
        if facts.clips or facts.asserts or self._in_test() or self._named(_LR_FINDER) or self._named(_LINEAR_PROBE):
            return
        backward = self._backward_before(facts, node)
        if backward is None or self._built_after(step.optimizer, backward.call, facts):
            return
        if self._hook_between(facts, backward.call, node):
            return
        if self._clips_itself(step.optimizer) or self._fits_no_weights(step.optimizer):
            return
        if intent is None and "a pretrained transformer" not in risks and self._adaptive(step.optimizer):
            return  # under Adam a step is about lr however large the gradient: no weights to inf
        stepped = " ".join(self.context.code(step.call).split())
        fix, advice = self._fix(step, backward, facts)
        why = intent.why if intent is not None else "in a model with " + " and ".join(risks)
        message = self.say("unclipped", step=stepped, backward=_short(self.context, backward.call), why=why, advice=advice)
        related = [(backward.call, "the backward pass whose gradients it applies")]
        if intent is not None and intent.node is not None:
            related.append((intent.node, intent.note))
        self.report(node, message, fix, related)

    # -- what the author wrote -------------------------------------------------------
    def _intent(self, scope: cst.CSTNode) -> Optional["_Intent"]:
        """The author's word that this loop should clip: a comment in it about clipping
        (`# TODO: clip_grad_norm`, a clipping call commented out), a clipping parameter
        of its function that nothing reads, or a `--grad_clip` option its module
        declares and never reads. `_ON_PURPOSE` where a comment says it does not clip."""
        found: Optional[_Intent] = None
        for comment in self._comments(scope):
            if not _CLIPPING_COMMENT.search(comment.value):
                continue
            if _NOT_CLIPPING.search(comment.value):
                return _ON_PURPOSE
            if found is None:
                shown = _short_text(comment.value)
                found = _Intent(f"though a comment asks for clipping (`{shown}`)", comment, "the comment")
        if found is not None:
            return found
        if isinstance(scope, cst.FunctionDef):
            read = _names_read(scope.body)
            for param in parameters(scope):
                name = param.name.value
                if (_MAX_NORM_NAME.search(name) or _GRADIENT_CLIP_NAME.search(name)) and name not in read:
                    return _Intent(f"though its `{name}` parameter, a clipping bound, is never used", param, "the parameter")
        return self._unused_clipping_option()

    def _comments(self, scope: cst.CSTNode) -> List[cst.Comment]:
        """The comments in the step's function (and just above it), or in the
        module-level statement that holds the step."""
        if isinstance(scope, cst.FunctionDef):
            roots: List[cst.CSTNode] = [scope]
            above = [line.comment for line in scope.leading_lines if line.comment is not None]
        else:
            roots, above = list(self.context.ancestors[1:2]), []  # the module's statement around the step
        collector = _CommentCollector()
        visits, leaves = handlers([collector])
        for root in roots:
            walk(root, visits, leaves)
        return above + collector.comments

    def _unused_clipping_option(self) -> Optional["_Intent"]:
        """`parser.add_argument("--gradient_clip", ...)` where nothing reads `args.gradient_clip`."""
        unused = self.context.summary.unused_clipping_options
        return _Intent(f"though its module's `--{unused[0]}` option is read nowhere", None, "") if unused else None

    # -- what the calls are ----------------------------------------------------------
    def _optimizer_step(self, call: cst.Call) -> Optional[_Step]:
        qualified, method = callee(self.context, call)
        if method != "step":
            return None
        owner = receiver(call)
        if self._is_scaler(owner):
            optimizer = argument(call, 0, "optimizer")
            if optimizer is not None and len(call.args) == 1 and self._is_optimizer(optimizer):
                return _Step(call, optimizer, owner)
            return None
        if call.args or not self._is_optimizer(owner):
            return None  # `optimizer.step(closure)` runs the backward pass itself
        return _Step(call, owner, None)

    def _is_optimizer(self, node: Optional[cst.BaseExpression]) -> bool:
        if isinstance(node, cst.Subscript):
            node = node.value  # optimizers[i]
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return False
        return _named_like_optimizer(_last_name(node) or "") or _dotted(node) in self._optimizer_constructors()

    def _is_scaler(self, node: Optional[cst.BaseExpression]) -> bool:
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return False
        if "scaler" in (_last_name(node) or "").lower():
            return True
        if self._scalers is None:
            self._scalers = {
                target
                for target, value in _module_assignments(self.context.module)
                if isinstance(value, cst.Call) and self._qualified(value.func) in GRAD_SCALERS
            }
        return _dotted(node) in self._scalers

    def _optimizer_constructors(self) -> Dict[str, List[Tuple[cst.Call, cst.CSTNode]]]:
        """`optimizer` / `self.opt` -> the `torch.optim.X(...)` calls assigned to it, and where."""
        if self._optimizers is None:
            self._optimizers = {}
            for target, value, scope in _module_assignments(self.context.module, with_scope=True):
                if not isinstance(value, cst.Call):
                    continue
                qualified = self._qualified(value.func) or ""
                if qualified.startswith("torch.optim.") and not qualified.startswith(
                    ("torch.optim.lr_scheduler", "torch.optim.swa_utils")
                ):
                    self._optimizers.setdefault(target, []).append((value, scope))
        return self._optimizers

    def _constructor_of(self, optimizer: cst.BaseExpression) -> Optional[Tuple[cst.Call, cst.CSTNode]]:
        """The one `torch.optim.X(...)` this optimizer was built by: the one in the step's
        function if there is one there, else the only one in the module."""
        built = self._optimizer_constructors().get(_dotted(optimizer) or "", [])
        here = [entry for entry in built if entry[1] is self._scope()]
        if here:
            return here[0] if len(here) == 1 else None
        return built[0] if len(built) == 1 else None

    def _qualified(self, node: cst.BaseExpression) -> Optional[str]:
        # Resolved from the imports alone: these assignments may sit in any function.
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        base = self.context.imports.resolve(head)
        return f"{base}.{rest}" if base and rest else base

    def _backward_before(self, facts: _ScopeFacts, step: cst.Call) -> Optional[_Backward]:
        """The backward pass whose gradients this step applies: the last one before it
        that always runs when it runs (its block holds the step), else the last one
        before it (one of the branches before the step)."""
        rank = facts.order.get(id(step))
        if rank is None:
            return None
        found = [(call, b) for call in facts.calls[:rank] for b in (self._backward(call),) if b is not None]
        if not found:
            return None
        step_blocks = facts.blocks[id(step)]
        enclosing = [b for call, b in found if step_blocks[: len(facts.blocks[id(call)])] == facts.blocks[id(call)]]
        return (enclosing or [b for _, b in found])[-1]

    def _check_unused_clipping(self, step: cst.Call) -> None:
        """`clipped, _ = tf.clip_by_global_norm(grads, 5.0)` and then
        `optimizer.apply_gradients(zip(grads, variables))`: the clipped gradients are
        computed, read nowhere, and the update applies the raw ones."""
        scope = self._scope()
        if not isinstance(scope, cst.FunctionDef):
            return
        applied = {name.value: name for name in _names_in(step)}
        mentions = Counter(name.value for name in _names_in(scope.body))
        for clip, raw, clipped in _clippings(self.context, scope):
            if raw in applied and mentions.get(clipped) == 1:  # bound, and read nowhere
                stepped = " ".join(self.context.code(step).split())
                fix = PendingFix(f"Apply `{clipped}`", (Replace(applied[raw], clipped),), UNSAFE)
                message = self.say("unused", step=stepped, raw=raw, clipped=clipped, clip=_short(self.context, clip))
                self.report(step, message, fix, [(clip, "the clipping, whose result nothing reads")])
                return

    def _report_late_clipping(self, step: _Step, facts: _ScopeFacts) -> bool:
        """Report a step whose clipping comes after it: the author's intent, whatever the
        model. No fix: moving code between statements is the author's to do."""
        late = self._clipped_after(facts, step.call)
        if late is None or facts.asserts or self._in_test():
            return False
        clip, backward = late
        stepped = " ".join(self.context.code(step.call).split())
        message = self.say("late", step=stepped, backward=_short(self.context, backward.call), clip=_short(self.context, clip))
        related = [(clip, "the clipping, after the step"), (backward.call, "the backward pass whose gradients it applies")]
        self.report(step.call, message, None, related)
        return True

    def _clipped_after(self, facts: _ScopeFacts, step: cst.Call) -> Optional[Tuple[cst.Call, _Backward]]:
        """The clipping that runs right after this step, with the backward pass the step
        applies, where nothing clips between the two: the author meant to clip, and the
        update has already used the raw gradients (`optimizer.step()` then
        `clip_grad_norm_(...)`, which clips gradients the next `zero_grad()` discards).
        Not a clipping that another step after it applies, one in another branch, or a
        norm measured for the log with an infinite bound."""
        if not facts.clip_calls:
            return None
        backward = self._backward_before(facts, step)
        rank = facts.order.get(id(step))
        if backward is None or rank is None:
            return None
        start = facts.order[id(backward.call)]
        if any(start < facts.order[id(clip)] < rank for clip in facts.clip_calls):
            return None
        later = [clip for clip in facts.clip_calls if facts.order[id(clip)] > rank]
        if not later:
            return None
        clip = later[0]
        end = facts.order[id(clip)]
        if any(self._optimizer_step(c) or self._backward(c) for c in facts.calls[rank + 1 : end]):
            return None  # another step or backward pass comes first: the clipping is theirs
        for call in facts.calls[end + 1 :]:
            if self._backward(call):
                break
            if self._optimizer_step(call):
                return None  # a later step applies the clipped gradients
        mine, theirs = facts.blocks[id(step)], facts.blocks[id(clip)]
        if mine[: len(theirs)] != theirs and theirs[: len(mine)] != mine:
            return None  # the other branch of an `if`
        bound = argument(clip, 1, "max_norm")
        if bound is not None and _INFINITE.search(self.context.code(bound)):
            return None  # `clip_grad_norm_(params, float("inf"))`: the norm, for the log
        return clip, backward

    @staticmethod
    def _hook_between(facts: _ScopeFacts, backward: cst.Call, step: cst.Call) -> bool:
        """Whether a hook runs after the backward pass and before the step: clipping is
        then its users' option (a library's training engine), not this code's omission."""
        start, end = facts.order.get(id(backward)), facts.order.get(id(step))
        if start is None or end is None:
            return False
        return any(_HOOK.match(_last_name(call.func) or "") for call in facts.calls[start + 1 : end])

    def _backward(self, call: cst.Call) -> Optional[_Backward]:
        qualified, method = callee(self.context, call)
        if qualified == "torch.autograd.backward":
            return _Backward(call, None)
        if method == "manual_backward":
            return _Backward(call, "lightning", self.context.code(receiver(call)))
        if method != "backward":
            return None
        owner = receiver(call)
        if isinstance(owner, cst.Call) and _last_name(owner.func) == "super":
            return None  # an autograd Function's or a module's own `backward`
        if isinstance(owner, cst.Name) and owner.value[:1].isupper():
            return None  # `MyFunction.backward(ctx, grad)`: a class, not a value
        first = argument(call, 0)
        if isinstance(first, cst.Name) and first.value == "ctx":
            return None
        name = (_last_name(owner) or "").lower()
        for kind in _BACKWARD_OWNERS:
            if kind in name and call.args:
                return _Backward(call, kind, self.context.code(owner))
        return _Backward(call, None)

    def _in_test(self) -> bool:
        """Tests step optimizers to compare them or check their results, not to train:
        code in a test file or module, a `test_*` function or a `Test*` class."""
        if in_test_file(self.context):
            return True
        if self.context.imports.imports_module("unittest") or self.context.imports.imports_module("pytest"):
            return True
        for node in self.context.ancestors:
            if isinstance(node, cst.FunctionDef) and node.name.value.lstrip("_").startswith("test"):
                return True
            if isinstance(node, cst.ClassDef) and _TEST_CLASS.search(node.name.value):
                return True
        return False

    def _named(self, words: re.Pattern) -> bool:
        """Whether a function or class around the step is named for what `words` match:
        an LR range test (it raises the learning rate until the loss diverges, which
        clipping would hide), a linear probe."""
        return any(
            isinstance(node, (cst.FunctionDef, cst.ClassDef)) and words.search(node.name.value)
            for node in self.context.ancestors
        )

    def _fits_no_weights(self, optimizer: cst.BaseExpression) -> bool:
        """An optimizer over a list of tensors (`SGD([latents])`, `Adam([mask])`) fits
        inputs, masks or a few transform parameters, not a network's weights."""
        built = self._constructor_of(optimizer)
        if built is None:
            return False
        params = argument(built[0], 0, "params")
        if not isinstance(params, (cst.List, cst.Tuple)) or not params.elements:
            return False
        return all(isinstance(e.value, (cst.Name, cst.Attribute, cst.Subscript)) for e in params.elements)

    def _adaptive(self, optimizer: cst.BaseExpression) -> bool:
        """An optimizer that divides by a running gradient scale (`torch.optim.Adam`,
        `RMSprop`...): a 1e18 gradient moves a weight by a few learning rates."""
        built = self._constructor_of(optimizer)
        return built is not None and self.context.qualified_name(built[0].func) in _ADAPTIVE

    def _clips_itself(self, optimizer: cst.BaseExpression) -> bool:
        """An optimizer built with a clipping option (`max_grad_norm=`, `grad_clip=`)."""
        target = _dotted(optimizer)
        # Built with any callable: the assignment may sit in a part left unparsed.
        self.context.require_seen([_last_name(optimizer) or ""])
        for name, value in _module_assignments(self.context.module):
            if name == target and isinstance(value, cst.Call):
                if any(arg.keyword is not None and _CLIPPING_OPTION.search(arg.keyword.value) for arg in value.args):
                    return True
        return False

    def _built_after(self, optimizer: cst.BaseExpression, backward: cst.Call, facts: _ScopeFacts) -> bool:
        """An optimizer built after the backward pass takes one step and is gone: no loop
        will reach the second iteration that incident 4 is about."""
        built = self._constructor_of(optimizer)
        if built is None:
            return False
        rank = facts.order.get(id(built[0]))
        return rank is not None and rank > facts.order[id(backward)]

    def _scope(self) -> Optional[cst.CSTNode]:
        for node in reversed(self.context.ancestors):
            if isinstance(node, cst.FunctionDef):
                return None if node.name.value == "backward" else node
            if isinstance(node, (cst.Lambda, cst.ClassDef)):
                return None
            if isinstance(node, cst.Module):
                return node
        return None

    def _scope_facts(self, scope: cst.CSTNode) -> _ScopeFacts:
        facts = self._facts.get(id(scope))
        if facts is None:
            if isinstance(scope, cst.Module):
                self.context.require_whole()  # what all module-level code calls
            collector = _FactCollector(scope, self._qualified)
            visits, leaves = handlers([collector])
            for root in scope.body if isinstance(scope, cst.Module) else (scope,):
                walk(root, visits, leaves)
            facts = self._facts[id(scope)] = collector.facts
        return facts

    # -- the fix ---------------------------------------------------------------------
    def _fix(self, step: _Step, backward: _Backward, facts: _ScopeFacts) -> Tuple[Optional[PendingFix], str]:
        """The fix and the advice of the message. The clipping bound is a choice of the
        code's owner: a value already in scope (`max_grad_norm`) is used; a script or a
        function without options gets the `max-norm` setting; a method or a function that
        takes options gets no hard-coded bound, only the advice to add one."""
        advice = "clip the gradient norm before the step"
        max_norm = self._max_norm_in_scope()
        if max_norm is None:
            if self._takes_options():
                return None, advice + " (a `max_grad_norm` option the caller can set)"
            max_norm = self.context.options.max_norm
        return self._clip_fix(step, backward, facts, max_norm), advice

    def _max_norm_in_scope(self) -> Optional[str]:
        """A parameter of the step's function named like a clipping bound, or the
        module's unread clipping option where the function is handed the parsed
        options (`args.gradient_clip` in `def main(args)`)."""
        function = self.context.enclosing_function()
        if function is None:
            return None
        for param in parameters(function):
            if _MAX_NORM_NAME.search(param.name.value):
                return param.name.value
        unused = self.context.summary.unused_clipping_options
        for param in parameters(function) if unused else ():
            if param.name.value in _PARSED_OPTIONS:
                return f"{param.name.value}.{unused[0].replace('-', '_')}"
        return None

    def _takes_options(self) -> bool:
        """A method, or a function with a defaulted parameter: library code whose
        caller chooses its settings."""
        function = self.context.enclosing_function()
        if function is None:
            return False
        if any(isinstance(node, cst.ClassDef) for node in self.context.ancestors):
            return True
        return any(p.default is not None for p in parameters(function))

    def _clip_fix(self, step: _Step, backward: _Backward, facts: _ScopeFacts, max_norm: str) -> Optional[PendingFix]:
        statement = self.context.current_statement()
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        optimizer = self.context.code(step.optimizer).strip()
        model = self._parameters_owner(step.optimizer)
        params = f"{model}.parameters()" if model else (
            f'[p for group in {optimizer}.param_groups for p in group["params"]]'
        )
        lines: List[str] = []
        imports: Tuple[str, ...] = ()
        if backward.owner == "accelerator":
            lines.append(f"{backward.owner_code}.clip_grad_norm_({params}, max_norm={max_norm})")
        elif backward.owner == "fabric":
            if model is None:
                return None
            lines.append(f"{backward.owner_code}.clip_gradients({model}, {optimizer}, max_norm={max_norm})")
        elif backward.owner == "lightning":
            lines.append(
                f"{backward.owner_code}.clip_gradients({optimizer}, gradient_clip_val={max_norm}, "
                'gradient_clip_algorithm="norm")'
            )
        else:
            reference = self.context.reference(CLIP_GRAD_NORM)
            if reference is None:
                return None
            function, needed = reference
            imports = (needed,) if needed else ()
            if step.scaler is not None and not facts.unscales:
                lines.append(f"{self.context.code(step.scaler).strip()}.unscale_({optimizer})")
            lines.append(f"{function}({params}, max_norm={max_norm})")
        return PendingFix(
            "Clip the gradient norm before the step",
            (InsertLinesBefore(statement, tuple(lines)),),
            UNSAFE,
            imports,
        )

    def _parameters_owner(self, optimizer: cst.BaseExpression) -> Optional[str]:
        """`model` when the optimizer was built with `model.parameters()` and `model`
        means the same thing at the step: same function, same class through `self`, or
        a module-level name."""
        built = self._constructor_of(optimizer)
        if built is None:
            return None
        constructor, where = built
        params = argument(constructor, 0, "params")
        if not (
            isinstance(params, cst.Call)
            and not params.args
            and isinstance(params.func, cst.Attribute)
            and params.func.attr.value == "parameters"
        ):
            return None
        owner = params.func.value
        dotted = _dotted(owner)
        if dotted is None:
            return None
        root = dotted.split(".")[0]
        here = self._scope()
        if where is here:
            return dotted
        if root == "self" and isinstance(where, cst.FunctionDef) and isinstance(here, cst.FunctionDef):
            return dotted if _class_of(self.context.module, where) is _class_of(self.context.module, here) else None
        if isinstance(where, cst.Module) and root != "self":
            if isinstance(here, cst.FunctionDef) and self.context.bindings(here).is_bound(root):
                return None  # shadowed in the step's function
            return dotted
        return None


# -- helpers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Intent:
    """Where the author said the loop should clip, for the message and its related location."""

    why: str
    node: Optional[cst.CSTNode]
    note: str


_ON_PURPOSE = _Intent("", None, "")


class _CommentCollector:
    def __init__(self) -> None:
        self.comments: List[cst.Comment] = []

    # The walk enters comments only through the lines that hold them.
    def visit_EmptyLine(self, node: cst.EmptyLine) -> None:
        pass

    def visit_TrailingWhitespace(self, node: cst.TrailingWhitespace) -> None:
        pass

    def visit_Comment(self, node: cst.Comment) -> None:
        self.comments.append(node)


# An infinite bound: `float("inf")`, `math.inf`, `np.inf`, `torch.inf`.
_INFINITE = re.compile(r"\binf\b")

# TensorFlow's clipping functions, which return the clipped gradients (the global-norm one
# as a pair with the norm).
_TENSORFLOW_CLIPS = (
    "tensorflow.clip_by_global_norm", "tensorflow.clip_by_norm", "tensorflow.clip_by_value",
    "tensorflow.math.clip_by_global_norm", "tensorflow.math.clip_by_norm",
)


def _clippings(context, function: cst.FunctionDef) -> List[Tuple[cst.Call, str, str]]:
    """(the call, the gradients it clips, the name its result is bound to) for each
    `clipped = tf.clip_by_norm(g, c)` / `clipped, _ = tf.clip_by_global_norm(grads, c)`."""
    found = []

    class _Assigns(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is function

        def visit_Assign(self, node: cst.Assign) -> None:
            value = node.value
            if not isinstance(value, cst.Call) or callee(context, value)[0] not in _TENSORFLOW_CLIPS:
                return
            raw = argument(value, 0, "t_list") or argument(value, 0, "t")
            target = node.targets[0].target if len(node.targets) == 1 else None
            if isinstance(target, (cst.Tuple, cst.List)) and target.elements:
                target = target.elements[0].value
            if isinstance(raw, cst.Name) and isinstance(target, cst.Name):
                found.append((value, raw.value, target.value))

    function.visit(_Assigns())
    return found


def _names_in(node: cst.CSTNode) -> List[cst.Name]:
    """Every name in `node`, in source order, with the engine's walk."""
    class Collector:
        def __init__(self) -> None:
            self.names: List[cst.Name] = []

        def visit_Name(self, name: cst.Name) -> None:
            self.names.append(name)

    collector = Collector()
    walk(node, *handlers([collector]))
    return collector.names


def _names_read(node: cst.CSTNode) -> set:
    return {name.value for name in _names_in(node)}


def _short_text(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 50 else text[:47] + "..."


def _last_name(node: Optional[cst.CSTNode]) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _dotted(node: Optional[cst.CSTNode]) -> Optional[str]:
    """`self.model.opt` for that chain of names; None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _named_like_optimizer(name: str) -> bool:
    """`optimizer`, `optim`, `opt`, `opt_g`, `g_optimizer`, `optimizerD`, `optD`."""
    lowered = name.lower()
    if "sched" in lowered or "scaler" in lowered:
        return False
    if "optimizer" in lowered or "optimiser" in lowered:
        return True
    if any(word in _OPTIMIZER_WORDS for word in lowered.split("_")):
        return True
    return bool(re.fullmatch(r"(opt|optim)[A-Z0-9]\w*", name))


def _clamps_a_grad(call: cst.Call, name: str) -> bool:
    """`p.grad.clamp_(-1, 1)`, `p.grad.data.clip_(...)`: clipping by hand."""
    if name not in ("clamp", "clamp_", "clip", "clip_"):
        return False
    owner = receiver(call)
    while isinstance(owner, cst.Attribute):
        if owner.attr.value == "grad":
            return True
        owner = owner.value
    return False


def _short(context, node: cst.CSTNode) -> str:
    code = " ".join(context.code(node).split())
    return code if len(code) <= 50 else code[:47] + "..."


def _module_assignments(module: cst.Module, with_scope: bool = False):
    """(target, value[, scope]) for every `target = value` with a dotted-name target."""
    found = []

    class Collector:
        def __init__(self) -> None:
            self.scopes: List[cst.CSTNode] = [module]

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            self.scopes.append(node)

        def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
            self.scopes.pop()

        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                dotted = _dotted(target.target)
                if dotted is not None:
                    entry = (dotted, node.value, self.scopes[-1])
                    found.append(entry if with_scope else entry[:2])

    walk(module, *handlers([Collector()]))
    return found


def _class_of(module: cst.Module, function: cst.FunctionDef) -> Optional[cst.ClassDef]:
    """The class whose body defines `function`, if any."""

    class Finder:
        def __init__(self) -> None:
            self.classes: List[cst.ClassDef] = []
            self.found: Optional[cst.ClassDef] = None

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            self.classes.append(node)

        def leave_ClassDef(self, node: cst.ClassDef) -> None:
            self.classes.pop()

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            if node is function:
                self.found = self.classes[-1] if self.classes else None
            return self.found is None

    finder = Finder()
    walk(module, *handlers([finder]))
    return finder.found
