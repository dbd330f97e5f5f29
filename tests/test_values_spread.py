"""Spreads: what a denominator is the range, std or norm of, and what a numerator is."""

from __future__ import annotations


import pytest

from helpers import answer_at_return
from nanlint.values.spread import (
    CENTRED, MIN_SHIFTED, PLAIN, is_fixed_data, is_random_draw, shape_of, spread_of, summed_products_with,
)


def _at_return(source: str, question):
    return answer_at_return(source, question, last=True)


def _spread(source: str):
    found = _at_return(source, spread_of)
    return (found.kind, found.of.root, found.of.how, found.by_hand) if found is not None else None


@pytest.mark.parametrize(
    "body, expected",
    [
        ("return x.max() - x.min()", ("range", "x", PLAIN, False)),
        ("return torch.amax(x, dim=1) - torch.amin(x, dim=1)", ("range", "x", PLAIN, False)),
        ("hi = x.view(b, -1).max(1)[0]\n    lo = x.view(b, -1).min(1)[0]\n    return hi - lo", ("range", "x", PLAIN, False)),
        ("return x.std(0)", ("std", "x", PLAIN, False)),
        ("return np.sqrt(np.var(x, axis=0))", ("std", "x", PLAIN, True)),
        ("return x.norm(dim=-1, keepdim=True)", ("norm", "x", PLAIN, False)),
        ("return torch.linalg.vector_norm(x)", ("norm", "x", PLAIN, False)),
        ("return x.pow(2).sum(-1).sqrt()", ("norm", "x", PLAIN, True)),
        ("return (x ** 2).sum() ** 0.5", ("norm", "x", PLAIN, True)),
        ("x = x - x.min()\n    return x.max()", ("max", "x", MIN_SHIFTED, False)),
        # A sum of squares with no root: the energy.
        ("return (x ** 2).sum(-1)", ("energy", "x", PLAIN, False)),
        ("return torch.sum(x * x, dim=1)", ("energy", "x", PLAIN, False)),
    ],
)
def test_spreads_of_a_value(body, expected):
    source = f"import torch\nimport numpy as np\ndef f(x, b):\n    {body}\n"
    assert _spread(source) == expected


@pytest.mark.parametrize(
    "body",
    [
        "return x.max() - y.min()",  # the range of no one value
        "return x.max() - x.min() + 1e-8",  # guarded
        "return x.std() + eps",
        "return x.norm().clamp_min(1e-12)",
        "return torch.max(x, y)",  # elementwise
        "return x.sum()",
    ],
)
def test_not_spreads(body):
    assert _spread(f"import torch\ndef f(x, y, eps):\n    {body}\n") is None


def test_a_spread_from_a_helper_of_the_class_is_the_argument_s():
    source = """
        import numpy as np
        class Scaler:
            def _moments(self, data):
                return np.mean(data, axis=0), np.std(data, axis=0)
            def normalize(self, values):
                me, st = self._moments(values)
                return st
    """
    assert _spread(source) == ("std", "values", PLAIN, False)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("return x", ("x", PLAIN)),
        ("return x - x.min()", ("x", MIN_SHIFTED)),
        ("return x.view(b, -1) - x.view(b, -1).amin(1, keepdim=True)", ("x", MIN_SHIFTED)),
        ("m = x.mean(0)\n    return x - m", ("x", CENTRED)),
        ("x = x.view(b, -1)\n    x -= x.min(1, keepdim=True)[0]\n    return x", ("x", MIN_SHIFTED)),
        ("return x - y.min()", ("x - y.min()", PLAIN)),
    ],
)
def test_shapes_of_numerators(body, expected):
    found = _at_return(f"import torch\ndef f(x, y, b):\n    {body}\n", shape_of)
    assert (found.root, found.how) == expected


@pytest.mark.parametrize(
    "body, expected",
    [
        ("g = torch.randn(3)\n    g -= g.min()\n    return g", True),
        ("a = torch.cat([init((4, 2), generator=gen) for _ in range(3)], dim=1)\n    return a", True),
        ("v = np.random.normal(size=3)\n    return v * 2", True),
        ("return x", False),
        ("v = model(x)\n    return v", False),
    ],
)
def test_random_draws(body, expected):
    source = f"import torch\nimport numpy as np\ndef f(x, model, init, gen):\n    {body}\n"
    assert _at_return(source, is_random_draw) is expected


@pytest.mark.parametrize(
    "body, expected",
    [
        ("data = np.genfromtxt('airfoil.dat', delimiter='\\t')\n    return data", True),
        ("data = np.loadtxt(sys.argv[1])\n    return data", False),  # the command line's
        ("data = np.loadtxt(path)\n    return data", False),  # the caller's
        ("return x", False),
    ],
)
def test_fixed_data(body, expected):
    source = f"import sys\nimport numpy as np\ndef f(x, path):\n    {body}\n"
    assert _at_return(source, is_fixed_data) is expected


@pytest.mark.parametrize(
    "body, expected",
    [
        ("return (est * ref).sum(-1)", True),
        ("p = ref * est\n    return torch.sum(p, dim=1)", True),
        ("return (est * est).sum(-1)", False),
        ("return (est + ref).sum(-1)", False),
    ],
)
def test_summed_products_with_a_value(body, expected):
    source = f"import torch\ndef f(est, ref):\n    {body}\n"
    assert _at_return(source, lambda context, node: summed_products_with(context, node, "ref")) is expected
