"""The value model's bound question, on its own: where `exp` of a value cannot overflow."""

from __future__ import annotations


import libcst as cst
import pytest

from helpers import answer_at_return
from nanlint.values.bounds import bounded_above, exp_factor, is_maximum, nonnegative


def _returned(source: str, question):
    return answer_at_return(source, question)


@pytest.mark.parametrize(
    "body",
    [
        "return x - x.max(-1, keepdim=True)[0]",
        "return x - x.amax(dim=1, keepdim=True)",
        "return (x - torch.max(x, 1, keepdim=True).values) / t",
        "m = np.max(y)\n    return y - m",
        "y = y - np.max(y)\n    return y",
        "m, _ = x.max(dim)\n    return x - m",
        "return x - torch.logsumexp(x, -1, keepdim=True)",
        "return x - x_max",
        "return -x.abs()",
        "return x.abs().neg()",
        "return -torch.nn.functional.relu(x)",
        "return -d ** 2",
        "return -0.5 * d.pow(2).sum(-1)",
        "return -gamma * (a - b).pow(2)",
        "return -self.scale.to(x) * (x - c) ** 2",
        "return torch.tanh(x) * 3",
        "return torch.sigmoid(x)",
        "return x.clamp(max=20.0)",
        "return torch.clamp(x, -10, 10)",
        "return np.clip(x, None, 30)",
        "return torch.log_softmax(x, -1)",
        "return log_probs",
        "return 2.0",
        "return torch.linspace(-eta, 0, n)",
    ],
)
def test_bounded_above(body):
    assert _returned(f"import torch\nimport numpy as np\ndef f(x, y, d, a, b, c, t, gamma, eta, n, dim, log_probs, x_max):\n    {body}\n", bounded_above)


@pytest.mark.parametrize(
    "body",
    [
        "return x",
        "return -x",
        "return x * 2",
        "return logits / t",
        "return self.rho",
        "return x.clamp(min=0)",
        "return torch.clamp(x, min=-5)",
        "return np.clip(x, 0, None)",
        "return torch.sigmoid(x).sum(-1)",
        "return x - x.mean(-1, keepdim=True)",
        "return torch.arange(n)",
        "if c:\n        x = x - x.max()\n    return x",
    ],
)
def test_not_bounded_above(body):
    assert not _returned(f"import torch\nimport numpy as np\ndef f(x, c, t, n, logits):\n    {body}\n", bounded_above)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("return x.abs() + d ** 2", True),
        ("return torch.cdist(a, b) / tau", True),
        ("return F.softplus(x) * 2", True),
        ("return x.exp()", True),
        ("return x - 1", False),
        ("return -x.abs()", False),
    ],
)
def test_nonnegative(body, expected):
    source = f"import torch\nimport torch.nn.functional as F\ndef f(x, d, a, b, tau):\n    {body}\n"
    assert _returned(source, nonnegative) is expected


@pytest.mark.parametrize(
    "body, expected",
    [
        ("return x.max(1)[0]", True),
        ("return np.amax(x, axis=1, keepdims=True)", True),
        ("return _safe_amax(x, 1)", True),
        ("return np.expand_dims(np.max(x, axis=1), axis=1)", True),
        ("return np.reshape(np.max(x, axis=1), (len(x), -1))", True),
        ("return np.expand_dims(np.mean(x, axis=1), axis=1)", False),
        ("return x.mean(1)", False),
        ("return x.min()", False),
    ],
)
def test_is_maximum(body, expected):
    assert _returned(f"import torch\nimport numpy as np\ndef f(x):\n    {body}\n", is_maximum) is expected


@pytest.mark.parametrize(
    "body, expected",
    [
        ("return torch.exp(x)", "torch.exp(x)"),
        ("return x.exp() * mask", "x.exp()"),
        ("e = np.exp(y)\n    return e", "np.exp(y)"),
        ("if c:\n        e = np.exp(y)\n    else:\n        e = np.exp(-y)\n    return e", "np.exp(-y)"),
        ("if c:\n        e = np.exp(y)\n    else:\n        e = y\n    return e", None),
        ("return x.exp().sum()", None),
        ("return math.exp(x) + 1", None),
    ],
)
def test_exp_factor(body, expected):
    source = f"import math\nimport torch\nimport numpy as np\ndef f(x, y, c, mask):\n    {body}\n"
    found = _returned(source, exp_factor)
    assert (cst.Module([]).code_for_node(found) if found is not None else None) == expected
