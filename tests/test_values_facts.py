"""The value model's facts about squares, on their own: what a root is taken of."""

from __future__ import annotations

import pytest

from helpers import answer_at_return
from nanlint.values.facts import is_learned_output, is_sum_of_squares, is_written_variance, squared_bases


@pytest.mark.parametrize(
    "source, expected",
    [
        # A squared distance written out: row sums of squares, broadcast, less twice the product.
        ("import torch\ndef f(x, y):\n    xx = (x * x).sum(1, keepdim=True)\n    yy = (y * y).sum(1, keepdim=True)\n"
         "    return xx + yy.t() - 2 * x @ y.t()\n", True),
        ("import torch\ndef f(x, y):\n    return x.pow(2).sum(1)[:, None] - 2 * torch.mm(x, y.t()) + y.pow(2).sum(1)[None]\n", True),
        # From a gram matrix's diagonal (TensorFlow's batch-all triplet loss).
        ("import tensorflow as tf\ndef f(e):\n    dot = tf.matmul(e, tf.transpose(e))\n    sq = tf.linalg.diag_part(dot)\n"
         "    return tf.expand_dims(sq, 0) - 2.0 * dot + tf.expand_dims(sq, 1)\n", True),
        ("import torch\ndef f(h):\n    return torch.einsum('bi,bi->b', h, h)\n", True),
        # Not twice a product, not norms on both sides, not a self-contraction.
        ("import torch\ndef f(x, y):\n    xx = (x * x).sum(1)\n    return xx + y - 2 * x @ y.t()\n", False),
        ("import torch\ndef f(x, y):\n    xx = (x * x).sum(1)\n    yy = (y * y).sum(1)\n    return xx + yy - 3 * x @ y.t()\n", False),
        ("import torch\ndef f(a, b):\n    return torch.einsum('bi,bj->bij', a, b)\n", False),
        # Average pooling is a mean over each window: of squares, a sum of squares; of anything else, not.
        ("import torch.nn.functional as F\ndef f(x):\n    return F.avg_pool2d(x ** 2, 2)\n", True),
        ("import tensorflow as tf\ndef f(x):\n    return tf.nn.avg_pool2d(tf.square(x), 2, 2, 'VALID')\n", True),
        ("import torch.nn.functional as F\ndef f(x):\n    return F.avg_pool2d(x, 2)\n", False),
        # A function of the module that returns a squared distance, nested or at the top level.
        ("import tensorflow as tf\ndef f(u, v):\n    def diff_sq(a, b):\n        return tf.norm(a - b, axis=1) ** 2\n"
         "    return diff_sq(u, v) + diff_sq(v, u)\n", True),
        ("import tensorflow as tf\ndef sq(a, b):\n    d = a - b\n    return tf.reduce_sum(d * d, axis=-1)\n"
         "def f(u, v):\n    return sq(u, v)\n", True),
        ("import tensorflow as tf\ndef total(a, b):\n    return tf.reduce_sum(a - b, axis=-1)\n"
         "def f(u, v):\n    return total(u, v)\n", False),
    ],
)
def test_sums_of_squares(source, expected):
    assert answer_at_return(source, is_sum_of_squares) is expected


def test_a_squared_distance_written_out_rounds_below_zero_like_a_written_variance():
    source = "import torch\ndef f(x):\n    sq = x.pow(2).sum(1, keepdim=True)\n    return sq + sq.t() - 2 * x @ x.t()\n"
    assert answer_at_return(source, is_written_variance) is True


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import torch\ndef f(h):\n    return (h ** 2).sum(-1)\n", ["h"]),
        ("import torch\ndef f(a, b):\n    return a ** 2 + b.pow(2)\n", ["a", "b"]),
        ("import torch\ndef f(h):\n    s = torch.einsum('bi,bi->b', h, h)\n    return s\n", ["h"]),
        ("import torch\ndef f(x):\n    return x.var(0)\n", None),
    ],
)
def test_what_a_sum_of_squares_squares(source, expected):
    bases = answer_at_return(source, squared_bases)
    assert (None if bases is None else [b.value for b in bases]) == expected


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import flax.linen as nn\nclass M(nn.Module):\n    def __call__(self, x):\n        return nn.Dense(8)(x)\n", True),
        ("import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n        z = self.projector(x)\n"
         "        return z.view(len(x), -1)\n", True),
        ("def f(images, cfg):\n    vit = VisionTransformer(**cfg)\n    return vit(images)\n", True),
        # A relu can cut every unit; a method of the module is no layer; a caller's value is unknown.
        ("import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return torch.relu(self.fc(x))\n", False),
        ("class M:\n    def forward(self, x):\n        return self.encode(x)\n", False),
        ("def f(z):\n    return z\n", False),
    ],
)
def test_outputs_of_learned_layers(source, expected):
    assert answer_at_return(source, is_learned_output) is expected
