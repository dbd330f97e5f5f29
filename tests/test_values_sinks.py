"""`only_ranked` and `only_displayed`: a log whose -inf only meets a ranking or a categorical
draw, a quotient that is only made into a picture."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest

from nanlint.linting.context import FileContext, FixOptions
from nanlint.linting.names import ModuleIndex
from nanlint.linting.walk import walk
from nanlint.values.sinks import only_displayed, only_ranked
from nanlint.values.summary import summarize


def _asked_at_first(source: str, kind: str, chosen, question) -> bool:
    """`question(context)` at the first node of type `kind` that `chosen` picks, with the
    context the engine builds for a file."""
    source = textwrap.dedent(source)
    tree = ast.parse(source)
    module = cst.parse_module(source)
    context = FileContext("m.py", source, module, ModuleIndex.from_ast(tree).imports, FixOptions(), summary=summarize(tree))
    answers = []

    def visit(node) -> None:
        if not answers and chosen(node):
            answers.append(question(context))

    walk(module, {kind: [visit]}, {}, context.ancestors)
    return answers[0]


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
        # Trained on, or kept as floats.
        ("import torch\nloss = ((x - x.min()) / (x.max() - x.min())).mean()\n", False),
        ("import numpy as np\nimg = ((x - x.min()) / (x.max() - x.min())).astype(np.float32)\n", False),
        ("import imageio\ndef save(x):\n    y = x / x.max()\n    imageio.imwrite('a.png', y)\n    return y.sum()\n", False),
    ],
)
def test_only_displayed(source, expected):
    assert _at_first_division(source) is expected
