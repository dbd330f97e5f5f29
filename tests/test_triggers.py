"""Trigger words: every file a rule's `wants()` accepts holds one, and the words
logging code, comments and definitions are full of do not count."""

from __future__ import annotations

import ast

import pytest

from nanlint.linting.names import ModuleIndex
from nanlint.linting.registry import any_trigger, trigger_pattern
from nanlint.rule import rules_by_code

# Each source is one a rule wants (checked below), spelled the odd ways Python allows.
WANTED = {
    "NAN001": [
        "import torch\ny = x.sqrt ()\n",
        "import torch\ny = (x.sqrt  # the norm\n(\n))\n",
        "import torch\ny = (x.sqrt\\\n())\n",
        "from torch import sqrt as root\ny = root(x)\n",
        "from torch import (\n    rsqrt as r,\n)\ny = r(x)\n",
        "import torch\ny = x ** 0.50\n",
        "import torch\ny = x ** 5e-1\n",
        "import torch\ny = x**(.5)\n",
        "import torch\ny = x.pow (2)\n",
        "from torch import float_power as fp\ny = fp(x, 2)\n",
        "import jax.numpy as jnp\ny = jnp.power(x, 0.5)\n",
        "import tensorflow as tf\ny = tf.math.sqrt(x)\n",  # not Python's `math.sqrt`, but TensorFlow's
    ],
    "NAN003": [
        "import torch\ny = torch.log (p)\n",
        "import numpy as np\ny = np.log10(p)\n",
        "from torch import log as ln\ny = ln(p)\n",
        "import torch\ny = [p.log2  # bits\n()]\n",
    ],
    "NAN004": ["import math\ny = math.log(n)\n", "from math import sqrt\ny = sqrt(n)\n", "import math as m\ny = m.acos(c)\n"],
    "NAN005": [
        "import torch\nloss.backward ()\nopt.step()\n",
        "import lightning\nself.manual_backward(loss)\n",
        "from torch.autograd import backward as bw\nimport torch\nbw(loss)\n",
        "import torch\ntorch.autograd.backward(\n    loss)\n",
        "import tensorflow as tf\nc, _ = tf.clip_by_global_norm(g, 1.0)\nopt.apply_gradients (zip(g, v))\n",
    ],
    "NAN006": [
        "import torch\ny = torch.log1p(torch.exp (x))\n",
        "import numpy as np\ne = np.exp(\n    y)\np = e / e.sum()\n",
        "from numpy import exp as e, log\ny = log(e(x) + 1)\n",
        "import torch\ny = (x.exp  # scores\n()).sum()\n",
        # The log or the sum renamed, or spelled by another library.
        "from torch import log as ln\ny = ln(1 + torch.exp(x))\n",
        "import tensorflow as tf\ne = tf.exp(z)\np = e / tf.reduce_sum (e)\n",
        "import numpy as np\ny = np.log2(np.exp(x).nansum())\n",
    ],
}
WANTED["NAN007"] = [
    "import torch\ny = torch.acos (c)\n",
    "import numpy as np\ny = np.arccos(\n    c)\n",
    "import tensorflow as tf\ny = tf.math.acos(c)\n",
    "import torch\ny = [c.asin  # angle\n()]\n",
    "def f(lib, c):\n    return lib.arcsin(c)\n",
]
WANTED["NAN009"] = [
    "import torch\ny = (x * m).sum() / (t > 0).sum ()\n",
    "import numpy as np\ny = h.sum() / np.count_nonzero(k == 1)\n",
    "import torch\nn = (t > 0).sum()\nloss /= n\n",
]
WANTED["NAN008"] = [
    "import torch\ny = x / x.norm (dim=-1)\n",
    "import numpy as np\ny = (x - x.mean()) / np.std(x, axis=0)\n",
    "from torch import max, min\ny = (x - min(x, 1)[0]) / (max(x, 1)[0] - min(x, 1)[0])\n",
    "from torch.linalg import (\n    vector_norm,\n)\ny = x / vector_norm(x)\n",
    "import torch\ny = x / (x ** 2).sum() ** 0.5\n",
    # The division spelled as a call, or as `/=`.
    "import torch\ny = torch.true_divide(x, x.norm())\n",
    "import numpy as np\nx /= np.linalg.norm(x)\n",
    "import torch\ny = x.__truediv__(x.std())\n",
]
WANTED["NAN002"] = WANTED["NAN001"][:9] + WANTED["NAN003"]

# Sources that name the words without calling them: no rule is triggered.
UNTRIGGERED = [
    "import logging\nlog = logging.getLogger(__name__)\nlog.info('started')\n",
    "# we log the loss and sqrt it later\nx = 1\n",
    "class F(Function):\n    def backward(ctx, grad):\n        return grad\n",
    "def manual_backward(self, loss):\n    pass\n",
    "register_backward_hook(module)\nbackward_pre_hooks = {}\n",
    "catalog(items)\nblog('x')\nmath.sqrt2 = 1\n",
    "y = x ** 0.51\nz = x ** 1.5\n",
    "y = myexp(x)\nz = x.expand(3)\nw = np.expm1(x)\n",
]


@pytest.mark.parametrize("code, source", [(code, source) for code, sources in WANTED.items() for source in sources])
def test_a_file_a_rule_wants_holds_its_trigger_words(code, source):
    rule = rules_by_code()[code]
    assert rule.wants(ModuleIndex.from_ast(ast.parse(source))), "not a source the rule wants"
    assert trigger_pattern(tuple(rule.triggers), tuple(rule.also_triggers)).search(source)


@pytest.mark.parametrize("source", UNTRIGGERED)
def test_words_that_are_not_calls_trigger_nothing(source):
    for rule in rules_by_code().values():
        assert not trigger_pattern(tuple(rule.triggers)).search(source), rule.code


def test_a_line_of_hashes_after_a_trigger_word_is_searched_in_linear_time():
    # `(?:\s|#.*)*\(` would try every split of the comment: 2**200 ways here.
    source = "y = log " + "# " * 200 + "\nz = 1\n"
    for rule in rules_by_code().values():
        trigger_pattern(tuple(rule.triggers)).search(source)


def test_every_trigger_pattern_starts_with_a_literal():
    # The regex engine then skips to the literal's occurrences; a pattern that opens with
    # a group or a class is tried at every character of every file (`(?:reduce_)?std`
    # cost a run on the torch corpus 3.7 s, a third of the whole).
    for rule in rules_by_code().values():
        for pattern in (*rule.triggers, *(word for group in rule.also_triggers for word in group)):
            body = pattern.removeprefix("(?i)")
            assert body[0].isalnum() or (body[0] == "\\" and not body[1].isalnum()), (rule.code, pattern)


def test_a_file_without_the_other_words_a_rule_needs_is_not_triggered():
    # NAN008 divides by a spread: a norm with no division anywhere cannot be flagged.
    rule = rules_by_code()["NAN008"]
    source = "import torch\nn = x.norm(dim=-1)\n"
    assert trigger_pattern(tuple(rule.triggers)).search(source)
    assert not trigger_pattern(tuple(rule.triggers), tuple(rule.also_triggers)).search(source)
    assert not any_trigger(("NAN008",)).search(source)
    assert any_trigger(("NAN008",)).search(source + "y = x / n\n")


def test_patterns_rules_share_are_searched_once_per_file():
    seen = {}
    first, second = trigger_pattern(("sqrt\\(",)), trigger_pattern(("pow\\(", "sqrt\\("))
    assert not first.search("x = 1\n", seen)
    assert len(seen) == 1
    assert not second.search("x = 1\n", seen)
    assert len(seen) == 2
