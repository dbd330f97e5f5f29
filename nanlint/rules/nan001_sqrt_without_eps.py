"""NAN001 sqrt-without-eps: the rule, its examples and its fix."""


from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from nanlint.rule import SAFE, UNSAFE, Invalid, PendingFix, Replace, Rule
from nanlint.semantics import (
    POW,
    RSQRT,
    SQRT,
    SUM,
    argument,
    callee,
    in_no_grad,
    is_literal,
    is_sum_of_squares,
    addend_code,
    bare_code,
    receiver,
    squared_operand,
)

_HALF = 0.5


class SqrtWithoutEps(Rule):
    """`sqrt` of a value that can be exactly 0, with no eps inside the root.

    ## Why is this bad?
    d/dx sqrt(x) = 1 / (2 sqrt(x)) is inf at x = 0. A sum of squares such as a
    squared distance is exactly 0 whenever two points coincide, and autograd then
    multiplies that inf by the 0 gradient of the square: inf * 0 is NaN, and the NaN
    spreads to every weight. The forward value is fine (sqrt(0) = 0), so nothing looks
    wrong until the one batch where the distance is 0.

    Flagged: `torch.sqrt(E)`, `E.sqrt()`, `E ** 0.5`, `torch.pow(E, 0.5)`, `E.pow(0.5)`,
    `torch.rsqrt(E)` and the `jax.numpy` forms, where E is a sum or mean of squares
    (`** 2`, `.pow(2)`, `torch.square`, `x * x`), a variance, or a vector dotted with
    itself, directly or through a local name assigned once. Not flagged: an eps or a
    clamp inside the root, code under `torch.no_grad()` / `torch.inference_mode()`,
    `math.sqrt` and `numpy.sqrt` (no autograd; domain errors are NAN004's).

    ## Fix safety
    When E is a sum of squares of D (`(D ** 2).sum(dim)`, `torch.sum(D ** 2, dim=...)`,
    `D.pow(2).sum(...)`), the root becomes `torch.linalg.vector_norm(D, dim=...,
    keepdim=...)`: the same value, and a gradient of 0 at 0. This fix is exact and safe.
    Otherwise the fix adds the configured eps inside the root, `torch.sqrt(E + eps)`,
    which changes values by about sqrt(eps) near 0 (1e-6 for the default eps 1e-12):
    an unsafe fix. An eps below about 6e-8 is 0 in float16; raise `eps` for fp16 code.
    """

    code = "NAN001"
    name = "sqrt-without-eps"
    summary = "sqrt of a value that can be exactly 0 has an infinite gradient there"
    triggers = (r"sqrt", r"\*\*\s*\(?\s*0?\.5\b", r"pow\(", r"power\(")
    fixable = True
    incident = (
        "An embedding-space loss computed `torch.sum((a - b) ** 2, dim=1).sqrt()` and went "
        "NaN on the batch where a point equalled an endpoint; adding 1e-8 to the loss changed "
        "nothing. Measured with torch 2.13 CPU: the hand-written root has gradient NaN at "
        "a == b, `torch.linalg.vector_norm(a - b)` has gradient 0 there."
    )
    options = {"eps": "the eps the fix inserts inside the root (default 1e-12)"}

    valid = [
        "import torch\nd = torch.sqrt(((a - b) ** 2).sum(-1) + 1e-8)\n",
        "import torch\nd = torch.sqrt(torch.clamp((x ** 2).sum(), min=1e-12))\n",
        "import torch\nd = torch.linalg.vector_norm(a - b, dim=-1)\n",
        "import math\nd = math.sqrt(x ** 2 + y ** 2)\n",
        "import numpy as np\nd = np.sqrt(np.sum(x ** 2))\n",
        "import torch\ndef sqrt(v):\n    return v\nd = sqrt((x ** 2).sum())\n",
        "import torch\nwith torch.no_grad():\n    d = torch.sqrt((x ** 2).sum())\n",
        "import torch\n@torch.no_grad()\ndef f(x):\n    return x.pow(2).sum(-1).sqrt()\n",
        "import torch\nstd = torch.sqrt(var + eps)\n",
        "import torch\nd = torch.sqrt(x)\n",
        "import torch\nd = (x.pow(2).sum(-1) + self.eps).sqrt()\n",
        "import torch\nd = x.pow(2).sum(-1).clamp_min(1e-12).sqrt()\n",
        "d = ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5\n",
        "import torch\ndef f(a, b):\n    d = (a - b).pow(2).sum(-1)\n    d = d + 1e-6\n    return d.sqrt()\n",
        "import torch\nwith torch.inference_mode():\n    n = torch.rsqrt(x.pow(2).mean(-1))\n",
    ]
    invalid = [
        Invalid(
            "import torch\nd1 = torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, dim=1).sqrt()\n",
            "import torch\nd1 = torch.linalg.vector_norm(vecs[0].unsqueeze(0) - emb, dim=1)\n",
        ),
        Invalid(
            "import torch as T\nd = T.sqrt(((a - b) ** 2).sum(-1))\n",
            "import torch as T\nd = T.linalg.vector_norm(a - b, dim=-1)\n",
        ),
        Invalid(
            "from torch import sqrt\nimport torch\nd = sqrt(torch.sum((a - b) ** 2, dim=-1, keepdim=True))\n",
            "from torch import sqrt\nimport torch\nd = torch.linalg.vector_norm(a - b, dim=-1, keepdim=True)\n",
        ),
        Invalid(
            "import torch\nd = (a - b).pow(2).sum(1, True) ** 0.5\n",
            "import torch\nd = torch.linalg.vector_norm(a - b, dim=1, keepdim=True)\n",
        ),
        Invalid(
            "import torch\nd = torch.pow(torch.sum(torch.square(x)), 0.5)\n",
            "import torch\nd = torch.linalg.vector_norm(x)\n",
        ),
        Invalid(
            "from torch import sqrt\nd = sqrt((x * x).sum(dim=-1))\n",
            "from torch import sqrt\nimport torch\nd = torch.linalg.vector_norm(x, dim=-1)\n",
        ),
        Invalid(
            "import torch\ndef dist(a, b):\n    d = (a - b).pow(2).sum(-1)\n    return d.sqrt()\n",
            "import torch\ndef dist(a, b):\n    d = (a - b).pow(2).sum(-1)\n    return (d + 1e-12).sqrt()\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\nstd = torch.sqrt(x.var(dim=0))\n",
            "import torch\nstd = torch.sqrt(x.var(dim=0) + 1e-12)\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\nrms = torch.rsqrt(x.pow(2).mean(-1, keepdim=True))\n",
            "import torch\nrms = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-12)\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\nn = torch.sqrt(torch.dot(v, v))\n",
            "import torch\nn = torch.sqrt(torch.dot(v, v) + 1e-12)\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import jax.numpy as jnp\nd = jnp.sqrt(jnp.sum((a - b) ** 2, axis=-1))\n",
            "import jax.numpy as jnp\nd = jnp.sqrt(jnp.sum((a - b) ** 2, axis=-1) + 1e-12)\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\nr = torch.sqrt(dx ** 2 + dy ** 2)\n",
            "import torch\nr = torch.sqrt(dx ** 2 + dy ** 2 + 1e-12)\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\nm = x.pow(2).mean(-1).pow(0.5)\n",
            "import torch\nm = (x.pow(2).mean(-1) + 1e-12).pow(0.5)\n",
            applicability=UNSAFE,
        ),
    ]

    @classmethod
    def wants(cls, index) -> bool:
        if index.calls_any(SQRT + RSQRT + POW):
            return True
        return index.imports.imports_module("torch") and (
            index.half_powers or index.calls_method(("sqrt", "rsqrt", "pow"))
        )

    def visit_Call(self, node: cst.Call) -> None:
        found = self._root(node)
        if found is not None:
            self._check(node, *found)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Power) and is_literal(node.right, _HALF):
            # Plain Python floats use `** 0.5` too: require tensor code around it.
            if self.context.imports.imports_module("torch") and _has_call(node.left):
                self._check(node, "sqrt", node.left, "torch", "base")

    def _root(self, node: cst.Call) -> Optional[Tuple[str, cst.BaseExpression, str, str]]:
        """(kind, radicand, framework, where the radicand sits) for a root call."""
        qualified, method = callee(self.context, node)
        if qualified is not None:
            framework = qualified.split(".")[0]
            if qualified in SQRT or qualified in RSQRT:
                radicand = argument(node, 0, "input") if framework == "torch" else argument(node, 0, "x")
                kind = "sqrt" if qualified in SQRT else "rsqrt"
            elif qualified in POW and is_literal(argument(node, 1, "exponent") or cst.Name("_"), _HALF):
                radicand, kind = argument(node, 0, "input"), "sqrt"
            else:
                return None
            return (kind, radicand, framework, "argument") if radicand is not None else None
        if method is None or not self.context.imports.imports_module("torch"):
            return None
        if method in ("sqrt", "rsqrt") and not node.args:
            return method, receiver(node), "torch", "receiver"
        if method == "pow" and len(node.args) == 1 and is_literal(node.args[0].value, _HALF):
            return "sqrt", receiver(node), "torch", "receiver"
        return None

    def _check(self, root: cst.CSTNode, kind: str, radicand: cst.BaseExpression, framework: str, where: str) -> None:
        if not is_sum_of_squares(self.context, radicand) or in_no_grad(self.context):
            return
        fix = self._eps_fix(radicand, where)
        if kind == "sqrt" and framework == "torch":
            fix = self._vector_norm_fix(root, radicand, fix) or fix
        function = "rsqrt" if kind == "rsqrt" else "sqrt"
        self.report(
            root,
            f"`{function}` of a value that can be exactly 0 (a sum of squares or a variance): "
            f"its gradient there is inf and autograd turns it into NaN; "
            + (
                "use `torch.linalg.vector_norm`, whose gradient at 0 is 0"
                if fix.applicability == SAFE
                else "add an eps inside the root"
            ),
            fix,
        )

    def _vector_norm_fix(
        self, root: cst.CSTNode, radicand: cst.BaseExpression, fallback: PendingFix
    ) -> Optional[PendingFix]:
        """`sqrt(sum(D ** 2, dim))` is `vector_norm(D, dim=dim)`: exact, grad 0 at 0."""
        if not isinstance(radicand, cst.Call):
            return None
        qualified, method = callee(self.context, radicand)
        if qualified is not None:
            if qualified != "torch.sum":
                return None
            squares, first_option = argument(radicand, 0, "input"), 1
        elif method == "sum":
            squares, first_option = receiver(radicand), 0
        else:
            return None
        operand = squared_operand(self.context, squares) if squares is not None else None
        if operand is None:
            return None
        options = _norm_options(radicand, first_option, self.context)
        reference = self.context.reference("torch.linalg.vector_norm")
        if options is None or reference is None:
            return None
        function, needed = reference
        arguments = ", ".join([bare_code(self.context, operand)] + options)
        return PendingFix(
            "Use torch.linalg.vector_norm",
            (Replace(root, f"{function}({arguments})"),),
            SAFE,
            (needed,) if needed else (),
            fallback,
        )

    def _eps_fix(self, radicand: cst.BaseExpression, where: str) -> PendingFix:
        eps = self.context.options.eps
        code = f"{addend_code(self.context, radicand)} + {eps}"
        if where != "argument":
            code = f"({code})"
        return PendingFix(f"Add {eps} inside the root", (Replace(radicand, code),), UNSAFE)


def _norm_options(reduction: cst.Call, first: int, context) -> Optional[list]:
    """`dim=`/`keepdim=`/`dtype=` for vector_norm from a sum's arguments; None if odd."""
    names = ("dim", "keepdim")
    options = []
    position = 0
    for arg in reduction.args:
        if arg.star:
            return None
        value = context.code(arg.value).strip()
        if arg.keyword is None:
            if position >= first:
                index = position - first
                if index >= len(names):
                    return None
                options.append(f"{names[index]}={value}")
            position += 1
            continue
        keyword = arg.keyword.value
        if keyword == "input":
            continue
        if keyword == "axis":
            keyword = "dim"
        if keyword not in ("dim", "keepdim", "dtype"):
            return None
        options.append(f"{keyword}={value}")
    return options


def _has_call(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Call):
        return True
    return any(_has_call(child) for child in node.children)
