"""The value model's cosine questions, on their own: is a value a cosine that rounding
can push past +-1, is it clamped to [-1, 1], is it tested against +-1."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest

from helpers import answer_at_return
from nanlint.linting.context import FileContext, FixOptions
from nanlint.linting.names import ModuleIndex
from nanlint.linting.walk import walk
from nanlint.values.cosines import clamped_to_unit, compared_with_one, cosine, of_random_draws, patched_after
from nanlint.values.guards import is_guarded
from nanlint.values.summary import summarize


def _at_probe(source: str, question):
    """`question(context, argument)` for the argument of the `probe(...)` call in `source`."""
    source = textwrap.dedent(source)
    tree = ast.parse(source)
    module = cst.parse_module(source)
    context = FileContext("m.py", source, module, ModuleIndex.from_ast(tree).imports, FixOptions(),
                          summary=summarize(tree))
    answers = []

    def visit(node):
        if isinstance(node.func, cst.Name) and node.func.value == "probe":
            answers.append(question(context, node.args[0].value))

    walk(module, {"Call": [visit]}, {}, context.ancestors)
    assert len(answers) == 1
    return answers[0]


@pytest.mark.parametrize(
    "source, exact",
    [
        ("import numpy as np\ndef f(u, v):\n    probe(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))\n", True),
        ("import torch\ndef f(u, v):\n    probe((u * v).sum(-1) / u.norm(dim=-1) / v.norm(dim=-1))\n", True),
        ("import torch\ndef f(u, v):\n    c = torch.dot(u, v) / (u.norm() * v.norm() + 1e-8)\n    probe(-c)\n", True),
        ("import numpy as np\ndef f(u, v):\n    d = np.sum(u * v, axis=0)\n    d /= np.linalg.norm(u) * np.linalg.norm(v)\n"
         "    probe(np.fabs(d))\n", True),
        ("import torch.nn.functional as F\ndef f(a, b):\n    probe(F.cosine_similarity(a, b))\n", True),
        ("import torch\ndef f(a, b):\n    a = a / a.norm(dim=-1, keepdim=True)\n    b = b / b.norm(dim=-1, keepdim=True)\n"
         "    probe(a @ b.T)\n", True),
        ("def f(lib, x1, y1, x2, y2):\n    m1 = lib.sqrt(x1 ** 2 + y1 ** 2)\n    m2 = lib.sqrt(x2 ** 2 + y2 ** 2)\n"
         "    probe((x1 * x2 + y1 * y2) / m1 / m2)\n", True),
        ("import torch\ndef f(u, a, b):\n    e = (b - a) / torch.norm(b - a, dim=-1)[..., None]\n"
         "    probe(torch.einsum('ij,jk->ik', u, e[..., None]) / torch.norm(u, dim=-1)[..., None])\n", True),
        # The product as a call, the code's own methods named for a dot product and a length
        # (camel case), and the cosine-similarity module.
        ("import numpy as np\ndef f(u, v):\n    d = np.sum(np.multiply(u, v), axis=1)\n"
         "    probe(d / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1)))\n", True),
        ("import numpy as np\nclass C:\n    def f(self, u, v):\n        probe(self.CalcDot(u, v) / self.CalcLength(u) / self.CalcLength(v))\n", True),
        ("import torch\ndef f(a, b):\n    probe(torch.nn.CosineSimilarity(dim=1)(a, b))\n", True),
        ("import torch\nclass M(torch.nn.Module):\n    def __init__(self):\n        self.sim = torch.nn.CosineSimilarity()\n"
         "    def forward(self, a, b):\n        probe(self.sim(a, b))\n", True),
        # Unit by a function of the code's own name only: an assumption, not mathematics.
        ("import torch\ndef f(a, b):\n    a, b = normalize(a), normalize(b)\n    probe((a * b).sum(-1))\n", False),
        ("def f(q0, q1):\n    d = sum(x * y for x, y in zip(q0, q1))\n    probe(2 * d ** 2 - 1)\n", False),
    ],
)
def test_cosines_by_construction(source, exact):
    found = _at_probe(source, cosine)
    assert found is not None
    assert found[1] is exact


@pytest.mark.parametrize(
    "source",
    [
        "import torch\ndef f(x):\n    probe(x)\n",
        "import torch\ndef f(t):\n    probe(torch.cos(t))\n",
        "import torch\ndef f(u, v):\n    probe(torch.dot(u, v))\n",  # not known to be unit vectors
        "import torch\ndef f(u, v):\n    probe(torch.dot(u, v) / u.norm() ** 2)\n",  # a projection coefficient
        "import numpy as np\ndef f(z, r):\n    probe(z / r)\n",
        # A length that is not a vector's: a sequence's, over a count.
        "import numpy as np\ndef f(u, v, n):\n    probe(np.sum(np.multiply(u, v)) / n / get_size(v))\n",
        "import torch\ndef f(a, b, flag):\n    if flag:\n        a = a / a.norm()\n    probe((a * b / b.norm()).sum())\n",
        "import numpy as np\ndef f(u, v):\n    c = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))\n"
        "    probe(np.clip(c, -1, 1))\n",
    ],
)
def test_no_evidence_is_no_cosine(source):
    assert _at_probe(source, cosine) is None


@pytest.mark.parametrize(
    "source, clamped",
    [
        ("def f(x):\n    probe(max(-1.0, min(1.0, x)))\n", True),
        ("def f(s):\n    s = max(min(s, 1.0), -1.0)\n    probe(s)\n", True),
        ("import numpy as np\ndef f(x):\n    probe(np.clip(x, -1, 1))\n", True),
        ("import torch\ndef f(x):\n    probe(torch.clamp(x, -1 + 1e-7, 1 - 1e-7))\n", True),
        ("def f(lib, x):\n    probe(lib.maximum(-1, lib.minimum(1, x)))\n", True),
        ("def f(x, flag):\n    if flag:\n        x = max(-1.0, min(1.0, x))\n    probe(x)\n", False),
        ("def f(x):\n    probe(min(x, 1.0))\n", False),
        ("def f(x):\n    probe(x)\n", False),
    ],
)
def test_clamped_to_unit_on_every_path(source, clamped):
    assert _at_probe(source, clamped_to_unit) is clamped


def test_a_mask_of_the_ends_of_the_range_is_a_comparison_with_one():
    source = "def f(d, eps):\n    collinear = (d > 1 - eps) | (d < -1 + eps)\n    probe(d)\n"
    assert _at_probe(source, compared_with_one)
    assert not _at_probe("def f(d):\n    big = d > 0.5\n    probe(d)\n", compared_with_one)


def test_an_if_that_repairs_the_value_guards_what_follows():
    repaired = (
        "import math\ndef f(u, v):\n    c = u.dot(v) / (u.magnitude * v.magnitude)\n    a = math.fabs(c)\n"
        "    if a > 1.0:\n        c = math.copysign(1.0, c)\n    probe(c)\n"
    )
    assert _at_probe(repaired, lambda context, node: is_guarded(context, {"c"}))
    # A test that changes nothing about the value is no guard.
    logged = "def f(c):\n    if abs(c) > 1.0:\n        print(c)\n    probe(c)\n"
    assert not _at_probe(logged, lambda context, node: is_guarded(context, {"c"}))


@pytest.mark.parametrize(
    "source, expected",
    [
        # Two draws in the function, or handed in by every call of the module.
        ("import torch\ndef f(n):\n    a, b = torch.randn(n), torch.randn(n)\n"
         "    return (a * b).sum() / (a.norm() * b.norm())\n", True),
        ("import torch\ndef cos(a, b):\n    return (a * b).sum() / (a.norm() * b.norm())\n"
         "def g(n):\n    x = torch.randn(n)\n    return cos(x, torch.randn(n))\n", True),
        # One draw against itself, or against a caller's vector, is no pair of independent draws.
        ("import torch\ndef f(n):\n    a = torch.randn(n)\n    return (a * a).sum() / (a.norm() * a.norm())\n", False),
        ("import torch\ndef cos(a, b):\n    return (a * b).sum() / (a.norm() * b.norm())\n"
         "def g(n, w):\n    return cos(torch.randn(n), w)\n", False),
    ],
)
def test_a_cosine_of_independent_random_draws(source, expected):
    assert answer_at_return(source, of_random_draws, last=False) is expected


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import torch\ndef f(r):\n    phi = probe(r) / 3\n    phi[r <= -1] = 1.0\n    phi[r >= 1] = 0\n", True),
        ("import torch\ndef f(r):\n    phi = probe(r)\n    phi[r.abs() > 1] = 0\n", True),
        # Another threshold, another array, or a patch before the acos.
        ("import torch\ndef f(r):\n    phi = probe(r)\n    phi[r > 0.5] = 0\n", False),
        ("import torch\ndef f(r, other):\n    phi = probe(r)\n    other[r >= 1] = 0\n", False),
        ("import torch\ndef f(r):\n    r[r >= 1] = 1 - 1e-7\n    phi = probe(r)\n", False),
    ],
)
def test_a_result_patched_where_its_input_passes_one(source, expected):
    assert _at_probe(source, patched_after) is expected
