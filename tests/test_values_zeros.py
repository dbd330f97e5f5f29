"""The value model's question about probabilities picked out of a softmax, on its own."""

from __future__ import annotations

import pytest

from helpers import answer_at_return
from nanlint.values.zeros import sampled_action, selected_softmax


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
