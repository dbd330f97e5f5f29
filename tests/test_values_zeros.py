"""The value model's question about probabilities picked out of a softmax, on its own."""

from __future__ import annotations

import pytest

from helpers import answer_at_return
from nanlint.values.zeros import sampled_action, selected_softmax, tensorflow_relu


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
