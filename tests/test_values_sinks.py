"""`only_ranked`, `only_displayed` and `in_drawing_code`: a log whose -inf only meets a
ranking or a categorical draw, a quotient that is only made into a picture, code that draws."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from helpers import answer_at_first
from nanlint.linting.context import FileContext, FixOptions
from nanlint.linting.names import ModuleIndex
from nanlint.linting.walk import walk
from nanlint.values.sinks import compared_after, in_drawing_code, only_displayed, only_ranked
from nanlint.values.summary import summarize


def _asked_at_first(source: str, kind: str, chosen, question) -> bool:
    return answer_at_first(source, kind, chosen, lambda context, node: question(context))


def _is_log(node: cst.Call) -> bool:
    return isinstance(node.func, cst.Attribute) and node.func.attr.value == "log"


def _at_first_log(source: str) -> bool:
    return _asked_at_first(source, "Call", _is_log, only_ranked)


@pytest.mark.parametrize(
    "source",
    [
        "import tensorflow as tf\na = tf.random.categorical(tf.math.log(p), 1)\n",
        "import jax\na = jax.random.categorical(key, jax.numpy.log(p) / t)\n",
        "import torch\nfrom torch.distributions import Categorical\nd = Categorical(logits=torch.log(p))\n",
        "import torch\ndef pick(p, g, k):\n    c = torch.log(p) + g\n    return c.topk(k).indices, c.argmax(-1)\n",
        "import numpy as np\nkeep = np.log(p) > -5.0\n",
        # Taken only to find where it is -inf.
        "import torch\ndef mask(a, b):\n    t = b + ((a - b).exp() - 1).log()\n    return torch.isinf(t)\n",
    ],
)
def test_only_ranked_or_drawn_from(source):
    assert _at_first_log(source)


@pytest.mark.parametrize(
    "source",
    [
        # `Categorical`'s first argument is probabilities, not logits.
        "import torch\nfrom torch.distributions import Categorical\nd = Categorical(torch.log(p))\n",
        # Ranked, and also a loss.
        "import torch\ndef f(p, y):\n    lp = torch.log(p)\n    return lp.argmax(-1), -(lp * y).sum()\n",
        "import torch\nloss = -(y * torch.log(p)).sum()\n",
    ],
)
def test_a_log_that_meets_arithmetic_is_not_only_ranked(source):
    assert not _at_first_log(source)


def _at_first_division(source: str) -> bool:
    return _asked_at_first(source, "BinaryOperation", lambda node: isinstance(node.operator, cst.Divide), only_displayed)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import numpy as np\nimg = ((x - x.min()) / (x.max() - x.min()) * 255).astype(np.uint8)\n", True),
        ("import numpy as np\nimg = ((x - x.min()) / (x.max() - x.min()) * 255).astype('uint8')\n", True),
        ("import matplotlib.pyplot as plt\nplt.imshow(x / x.max())\n", True),
        ("import imageio\ndef save(x):\n    y = x / x.max()\n    imageio.imwrite('a.png', (y * 255).clip(0, 255))\n", True),
        # A sample for TensorBoard, through another container; `hp.audio` is no use of `audio`.
        ("import torch\ndef f(audio, writer, hp):\n    audio = audio / (audio.max() - audio.min())\n"
         "    writer.add_audio('x', torch.Tensor(audio), sample_rate=hp.audio.rate)\n", True),
        # Through a name assigned again on the way.
        ("import numpy as np\ndef f(x):\n    y = x / x.max()\n    y = np.clip(y, 0, 1) * 255\n    return y.astype(np.uint8)\n", True),
        # Trained on, or kept as floats.
        ("import torch\nloss = ((x - x.min()) / (x.max() - x.min())).mean()\n", False),
        ("import numpy as np\nimg = ((x - x.min()) / (x.max() - x.min())).astype(np.float32)\n", False),
        ("import imageio\ndef save(x):\n    y = x / x.max()\n    imageio.imwrite('a.png', y)\n    return y.sum()\n", False),
        ("import numpy as np\ndef f(x):\n    y = x / x.max()\n    y = np.clip(y, 0, 1) * 255\n    return y.astype(np.uint8), y.sum()\n", False),
    ],
)
def test_only_displayed(source, expected):
    assert _at_first_division(source) is expected


@pytest.mark.parametrize(
    "filename, source, expected",
    [
        ("m.py", "class Tiles:\n    def plot(self, sample):\n        x = 1\n", True),
        ("m.py", "def draw_point_cloud(points):\n    x = 1\n", True),
        ("m.py", "def drawPointCloud(points):\n    x = 1\n", True),
        ("m.py", "def to_raster(x):\n    x = 1\n", True),
        ("sbi/analysis/plot.py", "def get_kde(samples):\n    x = 1\n", True),
        ("repo/visualizer/pc_utils.py", "def f(points):\n    x = 1\n", True),
        # Rendering a NeRF trains; a word inside another word is not one.
        ("nerf/render.py", "def render_rays(rays):\n    x = 1\n", False),
        ("m.py", "def visible_mask(x):\n    x = 1\n", False),
        ("models/showcase.py", "def forward(x):\n    x = 1\n", False),
    ],
)
def test_in_drawing_code(filename, source, expected):
    tree = ast.parse(source)
    module = cst.parse_module(source)
    context = FileContext(filename, source, module, ModuleIndex.from_ast(tree).imports, FixOptions(), summary=summarize(tree))
    answers = []
    walk(module, {"Integer": [lambda node: answers.append(in_drawing_code(context))]}, {}, context.ancestors)
    assert answers == [expected]


@pytest.mark.parametrize(
    "source, expected",
    [
        ("def f(w):\n    w = w / w.max()\n    keep = w > 1e-7\n    return keep\n", True),
        ("def f(w):\n    m = w / w.max()\n    return 0.2 < m\n", True),
        ("def f(w):\n    m = w / w.max()\n    return m * 255\n", False),
    ],
)
def test_compared_after(source, expected):
    assert _asked_at_first(source, "BinaryOperation", lambda node: isinstance(node.operator, cst.Divide), compared_after) is expected
