"""The value model's gradient question, on its own: which code a backward pass runs through."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest

from helpers import answer_at_first, answer_at_return
from nanlint.linting.context import FileContext, FixOptions
from nanlint.linting.names import ModuleIndex
from nanlint.values.gradient import carries_gradient, feeds_no_gradient, function_path, in_inverse_direction
from nanlint.values.library import NUMPY, PYTHON, TORCH, library_of
from nanlint.values.summary import summarize
from nanlint.linting.walk import walk


def summary_of(source: str):
    source = textwrap.dedent(source)
    return summarize(ast.parse(source), None, source)


def test_forward_losses_penalties_and_training_steps_are_gradient_roots():
    summary = summary_of(
        """
        class Net:
            def forward(self, x): ...
            def describe(self): ...
        class FocalLoss:
            def __call__(self, p): ...
        def contrastive_loss(a, b): ...
        def gradient_penalty(d): ...
        def training_step(self, batch): ...
        def accuracy(pred, target): ...
        """
    )
    assert summary.in_gradient_context(("Net", "forward"))
    assert summary.in_gradient_context(("FocalLoss", "__call__"))
    assert summary.in_gradient_context(("contrastive_loss",))
    assert summary.in_gradient_context(("gradient_penalty",))
    assert summary.in_gradient_context(("training_step",))
    assert not summary.in_gradient_context(("Net", "describe"))
    assert not summary.in_gradient_context(("accuracy",))
    assert not summary.in_gradient_context(())


def test_what_gradient_code_calls_is_in_gradient_context_too():
    summary = summary_of(
        """
        def l2norm(x): ...
        def unused(x): ...
        class Encoder:
            def project(self, x):
                return l2norm(x)
            def forward(self, x):
                return self.project(x)
        class Solver:
            def penalty_term(self, g): ...
            def train(self, loader):
                loss = self.penalty_term(g)
                self.accelerator.backward(loss)
        """
    )
    assert summary.in_gradient_context(("Encoder", "project"))
    assert summary.in_gradient_context(("l2norm",))
    assert summary.in_gradient_context(("Solver", "train"))  # it starts a backward pass
    assert summary.in_gradient_context(("Solver", "penalty_term"))
    assert not summary.in_gradient_context(("unused",))


def test_a_script_that_runs_backward_is_in_gradient_context():
    summary = summary_of(
        """
        def helper(x): ...
        for x in loader:
            loss = helper(x)
            loss.backward()
        """
    )
    assert summary.in_gradient_context(())
    assert summary.in_gradient_context(("helper",))


def test_closures_of_gradient_code_run_with_it():
    summary = summary_of(
        """
        def loss(a):
            def inner(b): ...
            return inner(a)
        def outside():
            def inner2(b): ...
        """
    )
    assert summary.in_gradient_context(("loss", "inner"))
    assert not summary.in_gradient_context(("outside", "inner2"))


def test_no_grad_init_data_classes_and_autograd_backward_have_no_gradient():
    summary = summary_of(
        """
        import torch
        class Net:
            def forward(self, x):
                self.reset_parameters()
                return self.sample(x)
            def reset_parameters(self): ...
            @torch.no_grad()
            def sample(self, x): ...
        class PairDataset:
            def forward(self, x): ...
        class Resize(Transform):
            def forward(self, x): ...
        class Op(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x): ...
            @staticmethod
            def backward(ctx, g): ...
        """
    )
    assert summary.in_gradient_context(("Net", "forward"))
    for path in (("Net", "reset_parameters"), ("Net", "sample"), ("PairDataset", "forward"),
                 ("Resize", "forward"), ("Op", "backward")):
        assert not summary.in_gradient_context(path), path
    assert summary.in_gradient_context(("Op", "forward"))


def test_an_optimizer_written_by_hand_updates_weights_it_does_not_differentiate():
    summary = summary_of(
        """
        import tensorflow as tf
        def loss(w, x):
            return tf.reduce_sum(w * x)
        def train(w, x):
            grads = tf.gradients(loss(w, x), [w])
            return adam2_old([w], grads), AdamWeightDecayOptimizer().apply_gradients(zip(grads, [w]))
        def adam2_old(params, grads):
            return [p.assign(p - g / (tf.sqrt(g * g) + 1e-8)) for p, g in zip(params, grads)]
        class AdamWeightDecayOptimizer(tf.compat.v1.train.Optimizer):
            def apply_gradients(self, grads_and_vars):
                return self._update(grads_and_vars)
            def _update(self, grads_and_vars): ...
        """
    )
    assert summary.in_gradient_context(("loss",))
    for path in (("adam2_old",), ("AdamWeightDecayOptimizer", "apply_gradients"), ("AdamWeightDecayOptimizer", "_update")):
        assert not summary.in_gradient_context(path), path


def test_a_module_that_learns_nothing_is_no_root_of_its_own():
    summary = summary_of(
        """
        import torch
        from torch import nn
        class Spectrogram(nn.Module):
            def __init__(self, n_fft):
                super().__init__()
                basis = get_fourier_basis(n_fft)
                self.register_buffer("basis", torch.FloatTensor(basis))
                self.act = nn.ReLU()
            def forward(self, wav):
                return self._forward_frames(wav)
            def _forward_frames(self, wav): ...
        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(4, 4)
            def forward(self, x): ...
        class Scaled(nn.Module):
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.ones(4))
            def forward(self, x): ...
        class Built(nn.Module):
            def __init__(self, cfg):
                super().__init__()
                self.net = build_mlp(cfg)
            def forward(self, x): ...
        class Distance(nn.Module):
            def forward(self, a, b): ...
        class SpectralLoss(nn.Module):
            def __init__(self):
                super().__init__()
            def forward(self, a, b): ...
        class Block(MyBase):
            def __init__(self):
                super().__init__()
            def forward(self, x): ...
        class Fetched(nn.Module):
            def __init__(self, cfg):
                super().__init__()
                self.encoder = get_encoder(cfg)
            def forward(self, x): ...
        class ColourConstancy(nn.Module):
            def __init__(self):
                "A loss by another name."
                super(ColourConstancy, self).__init__()
            def forward(self, x): ...
        """
    )
    assert not summary.in_gradient_context(("Spectrogram", "forward"))
    assert not summary.in_gradient_context(("Spectrogram", "_forward_frames"))  # named for its forward
    # Weights of its own, a builder's, a constructor-less distance, a loss, another base.
    # A constructor that only runs its base's configures nothing: a formula as a module.
    for name in ("Encoder", "Scaled", "Built", "Fetched", "Distance", "SpectralLoss", "Block", "ColourConstancy"):
        assert summary.in_gradient_context((name, "forward")), name


def test_a_module_without_weights_runs_in_the_gradient_of_a_model_that_holds_it():
    summary = summary_of(
        """
        import torch
        from torch import nn
        class Match(nn.Module):
            def __init__(self, rate=2):
                super().__init__()
                self.rate = rate
            def forward(self, x): ...
        class Crop(nn.Module):
            def __init__(self, size=8):
                super().__init__()
                self.size = size
            def forward(self, x): ...
        class Inpainter(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3)
                self.match = Match()
            def forward(self, x):
                return self.match(self.conv(x))
        """
    )
    assert summary.in_gradient_context(("Match", "forward"))
    assert not summary.in_gradient_context(("Crop", "forward"))  # a transform no model holds


def test_what_a_module_passes_its_own_functions():
    summary = summary_of(
        """
        import torch
        def nll(p, y): ...
        def outer(x):
            def inner(q): ...
            return inner(torch.sigmoid(x))
        class Head(torch.nn.Module):
            def __init__(self):
                self.out = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Softmax(-1))
            def forward(self, x, y):
                probs = self.out(x)
                return self._kl(probs, target=y) + nll(p=probs[:, 0], y=y)
            def _kl(self, q, target): ...
        nll(torch.softmax(z, -1).clamp_min(1e-6), y)
        """
    )
    assert summary.passed[(("nll",), "p")][0] == "softmax"
    assert summary.passed[(("outer", "inner"), "q")][0] == "sigmoid"
    assert summary.passed[(("Head", "_kl"), "q")] == ("softmax", 12, 15)
    assert (("Head", "_kl"), "target") not in summary.passed
    assert (("nll",), "y") not in summary.passed


def test_what_the_module_s_functions_return_and_pass_on_through_tuples():
    summary = summary_of(
        """
        import torch
        def probs(x):
            return torch.softmax(x, -1)
        def pair(x):
            p = torch.sigmoid(x)
            return x, p
        class VAE(torch.nn.Module):
            def _decode(self, z):
                return z, self.head(z).softmax(-1)
            def forward(self, x):
                z, recon = self._decode(x)
                return recon, z
            def step(self, x):
                recon, z = self(x)
                return self.loss(recon, z)
            def loss(self, recon, z): ...
        """
    )
    assert summary.returning[("probs",)] == "softmax"
    assert ("pair",) not in summary.returning  # a tuple is no probability; its elements are followed where unpacked
    assert summary.passed[(("VAE", "loss"), "recon")][0] == "softmax"  # self(x) is forward
    assert (("VAE", "loss"), "z") not in summary.passed


def test_which_parameters_the_module_s_calls_hand_a_distance():
    summary = summary_of(
        """
        import torch
        def post(dist, scale):
            return dist
        def gwd(p, t, normalize):
            xy = (p - t).square().sum(-1)
            d = (xy + 2 * p.trace()).clamp(0).sqrt()
            if normalize:
                d = d / 3.0
            return post(d, scale=xy.shape[0])
        def sq(a, b):
            return post(torch.sum((a - b) ** 2, dim=-1), 1)
        def plain(a):
            return post(a.abs() + 1, 2)
        class Loss(torch.nn.Module):
            def _root(self, v):
                return v
            def forward(self, a, b):
                return self._root(((a - b) ** 2).mean(-1).view(-1))
        """
    )
    passed = summary.passed_distances
    # A clamp at 0 of a sum holding squares, rooted and rebuilt through the same name.
    assert passed[(("post",), "dist")][0] == 10
    assert (("post",), "scale") not in passed  # a shape is no distance
    assert (("Loss", "_root"), "v") in passed  # `self.` calls skip `self`
    # `a.abs() + 1` is not one; the first call that passes one is the one kept.
    assert len([key for key in passed if key[0] == ("post",)]) == 1


def test_which_functions_return_a_sum_of_a_parameter():
    summary = summary_of(
        """
        import torch
        def squared_sum(x, dims):
            return torch.sum(x, dims)
        def mean_of(scale, v):
            total = v.mean(-1)
            return total
        def mixed(x, flag):
            if flag:
                return x.sum()
            return x
        class Net:
            def _total(self, d):
                return d.sum(-1)
        """
    )
    assert summary.reducing == {("squared_sum",): 0, ("mean_of",): 1, ("Net", "_total"): 0}


def test_which_parameters_every_call_of_the_module_hands_configuration():
    summary = summary_of(
        """
        WIDTH = 64
        def round_up(x, tol):
            return x
        def scaled(v, k):
            return v
        def build(config, data):
            a = round_up(config["model"]["width"] * 8 / 3, tol=0.05)
            b = round_up(WIDTH, 0.1)
            return scaled(data, 2) + scaled(config.k, 0)
        """
    )
    assert summary.configured == {(("round_up",), "x"), (("round_up",), "tol")}
    # `data` is a caller's value, and a literal 0 is no setting a log could take.


def test_which_attributes_hold_exactly_one_probability_layer():
    summary = summary_of(
        """
        from torch import nn
        class A(nn.Module):
            def __init__(self):
                self.sigmoid = nn.Sigmoid()
                self.softmax = nn.Softmax(dim=-1)
                self.head = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid())
                self.act = nn.Sigmoid()
        class B(nn.Module):
            def __init__(self):
                self.act = nn.Softmax(1)
        """
    )
    # `self.act` is a sigmoid in one class and a softmax in another: neither is certain.
    assert summary.single_layers == {"self.sigmoid": ("Sigmoid", None), "self.softmax": ("Softmax", -1)}


def test_risks_are_those_of_the_model_a_step_trains():
    summary = summary_of(
        """
        import torch
        from torch import nn
        class GRU(d2l.RNN):
            def forward(self, x): ...
        class Seq2Seq(nn.Module):
            def __init__(self):
                self.rnn = nn.LSTM(4, 4)
            def fit(self, x):
                self(x).sum().backward()
        class Bilinear(nn.Module):
            def fit(self, x):
                self(x).sum().backward()
        def train_rnn():
            model = Seq2Seq()
            model(x).sum().backward()
        def train_cnn(net):
            net(x).sum().backward()
        def train_amp(net, scaler):
            scaler.scale(net(x).sum()).backward()
        class CrossAttention(nn.Module):
            def forward(self, q, k): ...
        def train_attention():
            model = CrossAttention()
            model(x).sum().backward()
        """
    )
    assert summary.risks_at(("train_rnn",)) == ("a recurrent layer",)
    assert summary.risks_at(("Seq2Seq", "fit")) == ("a recurrent layer",)
    assert summary.risks_at(("train_attention",)) == ("attention or a transformer",)
    # A GradScaler skips the steps whose gradients overflow: mixed precision is no evidence.
    assert summary.risks_at(("train_amp",)) == ()
    # A loop handed some model, beside a recurrent class it does not build; a model
    # with nothing recurrent in it, beside one that has.
    assert summary.risks_at(("train_cnn",)) == ()
    assert summary.risks_at(("Bilinear", "fit")) == ()


def test_a_function_called_only_under_no_grad_is_not_in_gradient_context():
    summary = summary_of(
        """
        import torch
        from torch import nn
        def norm(t):
            return torch.sqrt((t * t).sum())
        def scale(t):
            return t * 2
        class M(nn.Module):
            def forward(self, x):
                with torch.no_grad():
                    n = norm(self.weight)
                return scale(x) / n
        """
    )
    assert ("M", "forward") in summary.gradient_paths and ("scale",) in summary.gradient_paths
    assert ("norm",) not in summary.gradient_paths


def test_a_module_that_builds_its_layers_in_a_helper_learns():
    summary = summary_of(
        """
        from torch import nn
        class Decoder(nn.Module):
            def __init__(self, cfg):
                super().__init__()
                self._init_layers()
            def _init_layers(self):
                self.head = nn.Conv2d(4, 4, 3)
            def forward(self, x):
                return self.head(x)
        """
    )
    assert ("Decoder", "forward") in summary.gradient_paths


def test_a_model_holds_the_risks_of_the_parts_it_builds():
    summary = summary_of(
        """
        from torch import nn
        class SelfAttention(nn.Module):
            def forward(self, x): ...
        class Block(nn.Module):
            def __init__(self):
                self.attn = SelfAttention()
        class GPT(nn.Module):
            def __init__(self):
                self.blocks = nn.ModuleList([Block() for _ in range(4)])
        def train(loader):
            model = GPT()
            for x in loader:
                model(x).sum().backward()
        """
    )
    assert summary.risks_at(("train",)) == ("attention or a transformer",)


def test_a_model_from_the_transformers_library_is_a_transformer():
    summary = summary_of(
        """
        from transformers import LlamaTokenizer
        def train(model, loader, optimizer):
            for batch in loader:
                model(**batch).loss.backward()
                optimizer.step()
        """
    )
    assert summary.risks_at(("train",)) == ("a pretrained transformer",)


def test_trainable_parameters_are_collected():
    summary = summary_of(
        """
        import torch.nn as nn
        class M(nn.Module):
            def __init__(self):
                self.scale = nn.Parameter(torch.ones(3))
                self.register_parameter("shift", nn.Parameter(torch.zeros(3)))
                self.buffer = torch.zeros(3)
        """
    )
    assert summary.parameters == {"scale", "shift"}


def _contexts(source: str, filename: str = "m.py"):
    """(code of every `torch.sqrt` call, its function path, whether it carries a gradient)."""
    source = textwrap.dedent(source)
    tree = ast.parse(source)
    index = ModuleIndex.from_ast(tree)
    module = cst.parse_module(source)
    context = FileContext(filename, source, module, index.imports, FixOptions(), summary=summarize(tree))
    seen = []

    def visit(node):
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "sqrt":
            seen.append((module.code_for_node(node), function_path(context), carries_gradient(context, node)))

    walk(module, {"Call": [visit]}, {}, context.ancestors)
    return seen


def test_carries_gradient_combines_the_summary_with_where_the_node_is():
    seen = _contexts(
        """
        import torch
        class Net(torch.nn.Module):
            def __init__(self):
                self.w = torch.nn.Parameter(torch.ones(3))
            def forward(self, x):
                a = torch.sqrt(x)
                with torch.no_grad():
                    b = torch.sqrt(x)
                f = lambda v: torch.sqrt(v)
                return a
            def norm_of_weight(self):
                return torch.sqrt(self.w)
            def norm_of_input(self, x):
                return torch.sqrt(x)
        """
    )
    assert seen == [
        ("torch.sqrt(x)", ("Net", "forward"), True),
        ("torch.sqrt(x)", ("Net", "forward"), False),
        ("torch.sqrt(v)", ("Net", "forward"), True),
        ("torch.sqrt(self.w)", ("Net", "norm_of_weight"), True),
        ("torch.sqrt(x)", ("Net", "norm_of_input"), False),
    ]


@pytest.mark.parametrize("filename", ["tests/test_ops.py", "test_ops.py", "ops_test.py", "pkg/testing/ops.py", "conftest.py"])
def test_test_files_carry_no_gradient(filename):
    [(_, _, carries)] = _contexts("import torch\ndef loss(x):\n    return torch.sqrt(x)\n", filename)
    assert not carries


@pytest.mark.parametrize("filename", ["/home/me/tests/project/src/model/loss.py", "testsuite/loss.py", "contest.py"])
def test_a_tests_folder_far_up_the_path_does_not_make_a_test(filename):
    [(_, _, carries)] = _contexts("import torch\ndef loss(x):\n    return torch.sqrt(x)\n", filename)
    assert carries


def _returned(source: str, question):
    return answer_at_return(source, question)


def _library(source: str):
    return _returned(source, library_of)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import torch\ndef f(a):\n    return torch.sum(a ** 2)\n", TORCH),
        ("import numpy as np\ndef f(a):\n    return np.sum(a ** 2)\n", NUMPY),
        ("import numpy as np\ndef f(dr: np.ndarray):\n    return (dr ** 2).sum(-1)\n", NUMPY),
        ("import torch\ndef f(x: torch.Tensor):\n    return (x ** 2).sum(-1)\n", TORCH),
        ("import torch\ndef f(x):\n    y = x.detach().numpy()\n    return (y ** 2).sum()\n", NUMPY),
        ("import torch\ndef f(x):\n    return x.pow(2).sum()\n", TORCH),
        ("import math\ndef f(x):\n    return math.hypot(x, 1) + 2\n", PYTHON),
        ("def f(x):\n    return len(x) * 2.0\n", PYTHON),
        ("def f(x):\n    return (x ** 2).sum()\n", None),
        # A mask has its array's library, and so does its count.
        ("import numpy as np\ndef f(t):\n    t = np.array(t)\n    return (t == 1).sum()\n", NUMPY),
        ("import torch\ndef f(t):\n    return (0 < torch.as_tensor(t)).sum()\n", TORCH),
        ("def f(t):\n    return (t == 1).sum()\n", None),
    ],
)
def test_library_of_a_value(source, expected):
    assert _library(source) == expected


def _value_gradient(source: str):
    from nanlint.values.gradient import value_carries_gradient

    return _returned(source, value_carries_gradient)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import torch\ndef f(x):\n    return x ** 2\n", True),
        ("import torch\ndef f(h, w):\n    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w))\n"
         "    return xs.float() ** 2 + ys.float() ** 2\n", False),
        ("import torch\ndef f(x):\n    i = x.argmax(-1)\n    return (i - 3) ** 2\n", False),
        ("import torch\ndef f(x):\n    d = x.detach()\n    return d * d\n", False),
        ("import torch\ndef f(n):\n    w = torch.zeros(n, requires_grad=True)\n    return w * w\n", True),
        ("import torch\ndef f(x):\n    for row in x:\n        return row ** 2\n", True),
        ("import torch\ndef f(n):\n    for row in torch.eye(n):\n        return row ** 2\n", False),
        ("import torch\ndef f(self):\n    return self.weight ** 2\n", True),
        # Counts the data carries: a graph's degrees, sequence lengths.
        ("import torch\ndef f(graph):\n    d = graph.degree_in.unsqueeze(-1)\n    return d * d\n", False),
        ("import torch\ndef f(batch):\n    return batch.lengths.float() ** 2\n", False),
        ("import torch\ndef f(graph):\n    return graph.edge_feature ** 2\n", True),
        # A helper of the module, or one nested in the function, that detaches what it returns.
        ("import torch\ndef f(x):\n    def flat(v):\n        return v.view(-1).detach()\n    return flat(x) ** 2\n", False),
        ("import torch\ndef stat(v):\n    return v.mean().item()\ndef f(x):\n    return stat(x) ** 2\n", False),
        ("import torch\ndef stat(v):\n    if v is None:\n        return v\n    return v.mean().item()\n"
         "def f(x):\n    return stat(x) ** 2\n", True),
        ("import torch\ndef f(x):\n    def flat(v):\n        return v.view(-1)\n    return flat(x) ** 2\n", True),
        # A loss's target, beside its prediction, is data; `keepdim=True` is no tensor.
        ("import torch\ndef f(y, y_hat):\n    return ((y - y.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True)\n",
         False),
        ("import torch\ndef f(pred, target):\n    return (target - target.mean()) ** 2\n", False),
        ("import torch\ndef f(pred, target):\n    return (pred - target) ** 2\n", True),
        ("import torch\ndef f(y):\n    return y ** 2\n", True),  # no prediction beside it: any value
        # A mask handed in is data; one computed from weights is not.
        ("import torch\ndef f(mask=None):\n    if mask is None:\n        mask = torch.ones(3)\n    return mask * 2\n", False),
        ("import torch\ndef f(self):\n    mask = torch.sigmoid(self.logits)\n    return mask * 2\n", True),
        # A method that never reads `self` computes from its arguments alone.
        ("import torch\nclass L:\n    def f(self, y, y_hat):\n        return self.mean_of(y) ** 2\n"
         "    def mean_of(self, x):\n        return x.mean()\n", False),
        ("import torch\nclass L:\n    def f(self, y, y_hat):\n        return self.proj(y) ** 2\n"
         "    def proj(self, x):\n        return self.w * x\n", True),
    ],
)
def test_value_carries_gradient(source, expected):
    assert _value_gradient(source) == expected


def test_functions_a_transform_differentiates_are_gradient_roots_not_their_callers():
    summary = summary_of(
        """
        import jax
        from functools import partial
        from tensorflow.keras.layers import Lambda
        def energy(params, x): ...
        def distance(pair): ...
        def contrastive(y_true, y_pred): ...
        def spread(p): ...
        def update(params, x):
            grad_fn = jax.value_and_grad(partial(energy, x=x))
            return grad_fn(params)
        def step(p):
            return jax.grad(lambda q: spread(q))(p)
        out = Lambda(distance)([a, b])
        model.compile(loss=contrastive, optimizer="adam")
        """
    )
    for path in (("energy",), ("distance",), ("contrastive",), ("spread",)):
        assert summary.in_gradient_context(path), path
    # JAX differentiates what it is given, not the caller's own code.
    assert not summary.in_gradient_context(("update",))


def test_tensorflow_tapes_and_optimizers_start_a_backward_pass_and_image_gradients_do_not():
    summary = summary_of(
        """
        def train(model, x, opt):
            with tf.GradientTape() as tape:
                loss = compute(model, x)
            grads = tape.gradient(loss, model.trainable_variables)
        def build(self):
            self.op = tf.train.AdamOptimizer(1e-3).minimize(self.loss)
        def fit(f, x0):
            return optimize.minimize(f, x0)
        class Edges:
            def edges(self, img):
                return self.gradient(img)
        """
    )
    assert summary.backward_starters == {("train",), ("build",)}
    assert not summary.in_gradient_context(("fit",))
    assert not summary.in_gradient_context(("Edges", "edges"))


def test_what_a_training_step_computes_after_its_last_backward_is_not_differentiated():
    seen = _contexts(
        """
        import torch
        def train(model, loader, opt, log):
            for x, y in loader:
                d = ((model(x) - y) ** 2).sum(-1).sqrt()
                d.mean().backward()
                norm = sum((p.grad ** 2).sum() for p in model.parameters()).sqrt()
                opt.step()
            log(norm)
        def gan_step(d_loss, fake, real):
            d_loss.backward()
            g = ((fake - real) ** 2).sum().sqrt()
            g.backward()
        def penalty_step(critic, x):
            grads = tf.gradients(critic(x), [x])[0]
            slopes = tf.reduce_sum(tf.square(grads), axis=1).sqrt()
            return tf.train.AdamOptimizer().minimize(tf.reduce_mean((slopes - 1) ** 2))
        """
    )
    # Before the loop's backward; a gradient norm for the log after it; before a second
    # backward; a penalty from tf.gradients that a later minimize differentiates.
    assert [(path[0], gradient) for _, path, gradient in seen] == [
        ("train", True), ("train", False), ("gan_step", True), ("penalty_step", True),
    ]


@pytest.mark.parametrize(
    "transform, expected",
    [
        ("jax.value_and_grad(loss_fn)", False),
        ("jax.grad(loss_fn, argnums=(0, 1))", True),
        ("jax.grad(partial(loss_fn, target=t))", True),  # handed on: positions unknown
    ],
)
def test_jax_differentiates_only_the_arguments_it_is_told(transform, expected):
    from nanlint.values.gradient import value_carries_gradient

    source = (
        "import jax\nfrom functools import partial\ndef loss_fn(params, target):\n    return target * 2\n"
        f"g = {transform}\n"
    )
    assert answer_at_return(source, value_carries_gradient) is expected


@pytest.mark.parametrize(
    "declared, read, unused",
    [
        ("'--grad_clip', type=float", "clip_grad_norm_(ps, args.grad_clip)", ()),
        ("'--grad-clip', type=float", "", ("grad-clip",)),
        ("'-c', '--clip', type=float", "# clip_grad_norm_(ps, args.clip)", ("clip",)),
        ("'--max_grad_norm', default=1.0", "norm = vars(args)['max_grad_norm']", ()),
        # A WGAN's weight clipping, not a gradient-clipping bound.
        ("'--clip_value', default=0.01", "", ()),
    ],
)
def test_clipping_options_a_module_declares_and_never_reads(declared, read, unused):
    source = f"import argparse\np = argparse.ArgumentParser()\np.add_argument({declared})\nargs = p.parse_args()\n{read}\n"
    assert summarize(ast.parse(source), None, source).unused_clipping_options == unused


def test_tables_read_from_files_the_module_names_are_fixed_data():
    summary = summary_of(
        """
        import os
        import pandas as pd
        import utils
        def load_gas():
            def load_data(file):
                data = pd.read_pickle(file)
                data.drop("Time", axis=1, inplace=True)
                return data
            def clean(file):
                data = load_data(file)
                data = data[data.columns[1:]]
                train, test = split(data)
                return (data - data.mean()) / data.std()
            def split(data):
                return data[:10], data[10:]
            return clean(os.path.join(utils.get_data_root(), 'gas', 'ethylene_CO.pickle'))
        def user_table(args):
            table = pd.read_csv(args.path)
            return table
        def normalize(df):
            return (df - df.mean()) / df.std()
        def main(args):
            return normalize(pd.read_csv(args.path)), normalize(user_table(args))
        """
    )
    fixed = summary.fixed_names
    for key in ((("load_gas", "load_data"), "data"),
                (("load_gas", "clean"), "data"), (("load_gas", "clean"), "train"), (("load_gas", "split"), "data")):
        assert key in fixed, key
    # A file the user picks on the command line is no dataset its author ran.
    for key in ((("user_table",), "table"), (("normalize",), "df")):
        assert key not in fixed, key


def test_a_jax_training_step_is_not_differentiated_but_its_loss_is():
    summary = summary_of(
        """
        import jax
        import jax.numpy as jnp
        def train(params, batch):
            def loss_fn(p):
                return jnp.sqrt(jnp.sum((p - batch) ** 2))
            loss, grad = jax.value_and_grad(loss_fn)(params)
            stats = jnp.linalg.norm(jnp.var(batch, axis=0))
            return params - 0.1 * grad, stats
        class Agent:
            def _train_step(self):
                return train(self.params, self.batch)
        """
    )
    assert summary.in_gradient_context(("train", "loss_fn"))
    assert not summary.in_gradient_context(("train",))
    assert not summary.in_gradient_context(("Agent", "_train_step"))


def test_a_loss_helper_called_only_under_no_grad_is_no_gradient_root():
    summary = summary_of(
        """
        import torch
        def pair_loss(a, b):
            return ((a - b) ** 2).sum(1).sqrt()
        def eval_loss(a, b):
            return ((a - b) ** 2).sum(1).sqrt()
        def unused_loss(a, b):
            return ((a - b) ** 2).sum(1).sqrt()
        def run(model, batches):
            for x, y in batches:
                pair_loss(model(x), y).mean().backward()
            with torch.no_grad():
                print(eval_loss(model(x), y), pair_loss(model(x), y))
        """
    )
    assert summary.in_gradient_context(("pair_loss",))  # the training loop calls it too
    assert not summary.in_gradient_context(("eval_loss",))  # only under `no_grad`
    assert summary.in_gradient_context(("unused_loss",))  # its callers are elsewhere


def test_a_jax_function_that_applies_params_is_gradient_code_but_an_update_is_not():
    summary = summary_of(
        """
        import jax.numpy as jnp
        def layer_norm(params, x, eps=1e-5):
            gamma, beta = params
            return gamma * (x - x.mean(-1, keepdims=True)) / (jnp.std(x, -1, keepdims=True) + eps) + beta
        def sgd(params, grads, lr):
            return params - lr * grads
        def count(tree):
            return len(tree)
        """
    )
    assert summary.in_gradient_context(("layer_norm",))
    assert not summary.in_gradient_context(("sgd",))
    assert not summary.in_gradient_context(("count",))


@pytest.mark.parametrize(
    "source, expected",
    [
        ("class C:\n    def inverse(self, z):\n        return z\n", True),
        ("class C:\n    def reverse_flow(self, z):\n        return z\n", True),
        ("def step(z, reverse):\n    if reverse:\n        return z\n", True),
        ("def step(z, reverse):\n    if not reverse:\n        pass\n    else:\n        return z\n", True),
        ("def step(z, self):\n    if self.reverse:\n        return z\n", True),
        # The forward direction, and a word that only contains one.
        ("def step(z, reverse):\n    if not reverse:\n        return z\n", False),
        ("def step(z, reverse):\n    if reverse:\n        pass\n    else:\n        return z\n", False),
        ("class C:\n    def forward(self, z):\n        return z\n", False),
        ("def inverted_residual(x):\n    return x\n", False),
    ],
)
def test_in_inverse_direction(source, expected):
    assert _returned(source, lambda context, value: in_inverse_direction(context)) is expected


def _is_sqrt(node: cst.Call) -> bool:
    return isinstance(node.func, cst.Attribute) and node.func.attr.value == "sqrt"


@pytest.mark.parametrize(
    "source, expected",
    [
        # Rescaled, logged and shifted by its peak on the way to a comparison: a mask.
        ("import torch\ndef voiced(x, w):\n"
         "    energy = 20 * torch.log10(torch.sqrt(torch.matmul(w ** 2, x ** 2)) / 16.0 + 1e-9)\n"
         "    peak = torch.max(energy)\n    return x[:, energy - peak + 40 > 0]\n", True),
        ("import torch\ndef keep(d, cutoff):\n    return 2 * torch.sqrt(d) - 1 < cutoff\n", True),
        # The same arithmetic, but the result is also returned.
        ("import torch\ndef energy(x, w):\n"
         "    e = 20 * torch.log10(torch.sqrt(torch.matmul(w ** 2, x ** 2)) + 1e-9)\n"
         "    peak = torch.max(e)\n    return e, e - peak > 0\n", False),
        ("import torch\ndef scaled(d):\n    return 2 * torch.sqrt(d) - 1\n", False),
    ],
)
def test_what_arithmetic_makes_of_a_value_carries_its_gradient_to_where_it_goes(source, expected):
    assert answer_at_first(source, "Call", _is_sqrt, lambda context, node: feeds_no_gradient(context)) is expected
