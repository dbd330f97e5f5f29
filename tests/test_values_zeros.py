"""The value model's question about probabilities picked out of a softmax, on its own."""

from __future__ import annotations

import libcst as cst
import pytest

from helpers import answer_at_first, answer_at_return
from nanlint.values.zeros import sampled_action, selected_softmax, tensorflow_relu, weighs_its_own_log


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import torch\ndef f(x, y):\n    return torch.softmax(x, -1).gather(1, y)\n", True),
        ("import torch\ndef f(x, y):\n    p = x.softmax(-1)\n    p = p[torch.arange(len(y)), y]\n    return p\n", True),
        # Collected class by class over a loop.
        ("import torch\ndef f(xs, ys):\n    out = torch.empty(0)\n    for x, y in zip(xs, ys):\n"
         "        p = torch.softmax(x, -1)\n        p = torch.gather(p, 1, y)\n        out = torch.cat((out, p), 1)\n"
         "    return out\n", True),
        # A whole softmax, reshaped: no class was chosen.
        ("import torch\ndef f(x):\n    return torch.softmax(x, -1).view(-1)\n", False),
        # A sigmoid's probability picked by index is a probability of its own, not a likelihood of classes.
        ("import torch\ndef f(x, i):\n    return torch.sigmoid(x)[i]\n", False),
        ("import torch\ndef f(p, y):\n    return p.gather(1, y)\n", False),
    ],
)
def test_probabilities_picked_out_of_a_softmax(source, expected):
    assert answer_at_return(source, selected_softmax, last=True) is expected


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import torch\ndef f(x, a):\n    pi = torch.softmax(x, 1)\n    return pi.gather(1, a)\n", True),
        ("import torch\ndef f(x, batch):\n    return x.softmax(-1)[torch.arange(8), batch.actions.long()]\n", True),
        # A label's probability: a confidently wrong model underflows it to 0.
        ("import torch\ndef f(x, y):\n    pi = torch.softmax(x, 1)\n    return pi.gather(1, y)\n", False),
        ("import torch\ndef f(x, a):\n    return torch.sigmoid(x).gather(1, a)\n", False),
    ],
)
def test_probabilities_of_the_actions_a_policy_took(source, expected):
    assert answer_at_return(source, sampled_action, last=True) is expected


@pytest.mark.parametrize(
    "source, expected",
    [
        # TensorFlow's relu backward is a product with its mask: inf * 0 where it cuts.
        ("import tensorflow as tf\ndef f(x):\n    return tf.nn.relu(x)\n", True),
        ("from tensorflow.keras import backend as K\ndef f(x):\n    return K.relu(x)\n", True),
        ("import tensorflow as tf\nfrom tensorflow.keras import layers\nclass L(layers.Layer):\n"
         "    def __init__(self):\n        self.act = layers.ReLU()\n    def call(self, x):\n        return self.act(x)\n", True),
        # torch's and JAX's select with `where`: no NaN comes back through them.
        ("import torch\ndef f(x):\n    return torch.relu(x)\n", False),
        ("import torch\nclass L(torch.nn.Module):\n    def __init__(self):\n        self.act = torch.nn.ReLU()\n"
         "    def forward(self, x):\n        return self.act(x)\n", False),
        ("import jax\ndef f(x):\n    return jax.nn.relu(x)\n", False),
    ],
)
def test_tensorflow_relus(source, expected):
    assert answer_at_return(source, tensorflow_relu, last=True) is expected


def _is_log(node: cst.Call) -> bool:
    return isinstance(node.func, cst.Attribute) and node.func.attr.value == "log"


def _weighs_its_own_log(source: str) -> bool:
    """`weighs_its_own_log` asked at the first log call."""

    def question(context, log: cst.Call) -> bool:
        operand = log.args[0].value if log.args else log.func.value
        return weighs_its_own_log(context, log, operand)

    return answer_at_first(source, "Call", _is_log, question)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import torch\ndef f(p):\n    return p * torch.log(p)\n", True),
        ("import torch\ndef f(q):\n    return q.log() * q\n", True),
        ("import numpy as np\ndef f(t, i):\n    return t[:, i] * np.log(t[:, i])\n", True),
        # Another value's weight, a value kept from 0, a number its caller picks.
        ("import torch\ndef f(p, q):\n    return p * torch.log(q)\n", False),
        ("import torch\ndef f(c):\n    p = c / c.sum() + 1e-12\n    return p * torch.log(p)\n", False),
        ("import torch\ndef f(p):\n    return p.clamp(min=1e-8) * torch.log(p.clamp(min=1e-8))\n", False),
        ("import numpy as np\ndef f(prob: float):\n    return (1 - prob) * np.log(1 - prob)\n", False),
        ("import torch\ndef f(m):\n    q = 0.99 * m.sigmoid() + 0.005\n    return (1 - q) * (1 - q).log()\n", False),
        ("import jax.numpy as jnp\nEPS = 1e-6\ndef f(x):\n    x += EPS\n    x /= jnp.sum(x)\n"
         "    return x * jnp.log(x)\n", False),
    ],
)
def test_a_value_weighed_by_its_own_log(source, expected):
    assert _weighs_its_own_log(source) is expected
