"""NAN001 sqrt-without-eps: the rule, its examples and its fix."""


from __future__ import annotations

from typing import Optional

import libcst as cst

from nanlint.rule import SAFE, UNSAFE, Invalid, PendingFix, Replace, Rule
from nanlint.semantics import (
    POW,
    ROOT_TRIGGERS,
    RSQRT,
    SQRT,
    Root,
    addend_code,
    argument,
    bare_code,
    call_triggers,
    callee,
    feeds_no_gradient,
    in_no_grad,
    in_reference_implementation,
    is_eps_like,
    is_sum_of_squares,
    is_written_variance,
    receiver,
    receiver_code,
    root_of,
    squared_operand,
)


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
    (`** 2`, `.pow(2)`, `torch.square`, `x * x`), a variance
    (`x.var()`, or written out as `E[x**2] - c * E[x]**2`, which is 0 for any constant
    x), or a vector dotted with itself, directly or through a local name assigned once.
    Not flagged: an eps or a clamp inside the root, code under `torch.no_grad()` /
    `torch.inference_mode()`, a root whose value only feeds `torch.bucketize`,
    `argmax`, a comparison or `.item()` (no gradient comes back through those), a
    test's reference implementation (`reference_fn=lambda ...`, `def np_ref(...)`:
    the textbook formula is its point), `math.sqrt` and `numpy.sqrt` (no autograd;
    domain errors are NAN004's).

    ## Fix safety
    When E is a sum of squares of D (`(D ** 2).sum(dim)`, `torch.sum(D ** 2, dim=...)`,
    `D.pow(2).sum(...)`), the root becomes `torch.linalg.vector_norm(D, dim=...,
    keepdim=...)`: the same value, and a gradient of 0 at 0. This fix is exact and safe.
    Otherwise the fix adds the configured eps inside the root, `torch.sqrt(E + eps)`,
    which changes values by about sqrt(eps) near 0 (1e-6 for the default eps 1e-12):
    an unsafe fix. A variance written out is clamped instead, `torch.sqrt(V.clamp_min(eps))`:
    rounding leaves E[x**2] - E[x]**2 a little below 0 for a constant x, further than an
    added eps reaches. An eps below about 6e-8 is 0 in float16; raise `eps` for fp16 code.
    """

    code = "NAN001"
    name = "sqrt-without-eps"
    summary = "sqrt of a value that can be exactly 0 has an infinite gradient there"
    triggers = (*ROOT_TRIGGERS, *call_triggers("power"))
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
        # From real code (transformers, openfold, torch tests):
        # a distogram: the root only feeds `bucketize`, which passes no gradient back.
        "import torch\ndef pts_to_distogram(pts, boundaries):\n"
        "    dists = torch.sqrt(torch.sum((pts.unsqueeze(-2) - pts.unsqueeze(-3)) ** 2, dim=-1))\n"
        "    return torch.bucketize(dists, boundaries)\n",
        "import torch\ndef contacts(pts, cutoff):\n    return torch.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1)) < cutoff\n",
        # The eps first in the sum, a guard by `torch.maximum`.
        "import torch\ndef rotation(c_x, c_y, eps=1e-20):\n    norm = torch.sqrt(eps + c_x**2 + c_y**2)\n"
        "    return -c_y / norm, c_x / norm\n",
        "import torch\ndef rescale(h, eps_t):\n    m = torch.mean(h**2, dim=-1, keepdim=True)\n"
        "    return h / torch.sqrt(torch.maximum(m, eps_t))\n",
        # A test's reference implementation spells the formula out on purpose.
        "import torch\ndef rms_norm_ref(x, w):\n    return w * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True))\n",
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
        # From real code: CLIP's `_get_vector_norm` (through names), openfold's rotation
        # (the eps kept in the two lines around it, not in this one), gemma3n's magnitude,
        # GLPN's scale-invariant log loss (a variance written out: 0 for a perfect prediction).
        Invalid(
            "import torch\ndef _get_vector_norm(tensor):\n    square_tensor = torch.pow(tensor, 2)\n"
            "    sum_tensor = torch.sum(square_tensor, dim=-1, keepdim=True)\n"
            "    return torch.pow(sum_tensor, 0.5)\n",
            "import torch\ndef _get_vector_norm(tensor):\n    square_tensor = torch.pow(tensor, 2)\n"
            "    sum_tensor = torch.sum(square_tensor, dim=-1, keepdim=True)\n"
            "    return torch.pow(sum_tensor + 1e-12, 0.5)\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\ndef cos_c2(c_x, c_y, norm):\n    return torch.sqrt(c_x**2 + c_y**2) / norm\n",
            "import torch\ndef cos_c2(c_x, c_y, norm):\n    return torch.sqrt(c_x**2 + c_y**2 + 1e-12) / norm\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\ndef target_magnitude(h):\n    return torch.mean(h**2, dim=-1, keepdim=True) ** 0.5\n",
            "import torch\ndef target_magnitude(h):\n    return (torch.mean(h**2, dim=-1, keepdim=True) + 1e-12) ** 0.5\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import torch\ndef silog(d, lambd):\n    return torch.sqrt(torch.pow(d, 2).mean() - lambd * torch.pow(d.mean(), 2))\n",
            "import torch\ndef silog(d, lambd):\n"
            "    return torch.sqrt((torch.pow(d, 2).mean() - lambd * torch.pow(d.mean(), 2)).clamp_min(1e-12))\n",
            applicability=UNSAFE,
        ),
        # An eps after the root is NAN002's to move inside; NAN001 adds no second one.
        Invalid("import torch\n\ndef rms(m):\n    return m.pow(2).mean(-1).sqrt() + 1e-8\n"),
    ]

    @classmethod
    def wants(cls, index) -> bool:
        if index.calls_any(SQRT + RSQRT + POW):
            return True
        tensors = index.imports.imports_module("torch") or index.imports.imports_module("jax")
        return tensors and (index.half_powers or index.calls_method(("sqrt", "rsqrt", "pow")))

    @classmethod
    def wants_part(cls, part, module) -> bool:
        return cls.wants(part)  # a finding is a root in the part itself

    def visit_Call(self, node: cst.Call) -> None:
        self._check(root_of(self.context, node))

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self._check(root_of(self.context, node))  # `E ** 0.5`

    def _check(self, root: Optional[Root]) -> None:
        if root is None or not is_sum_of_squares(self.context, root.radicand) or in_no_grad(self.context):
            return
        if feeds_no_gradient(self.context) or in_reference_implementation(self.context):
            return
        # `E.sqrt() + eps` is NAN002's finding too, and its fix (the same eps, moved
        # inside) is the right one: a second eps inside would only stack on it.
        eps_fix = None if self._eps_added_after(root) else self._eps_fix(root)
        fix = eps_fix
        if root.kind == "sqrt" and root.framework == "torch":
            fix = self._vector_norm_fix(root.node, root.radicand, eps_fix) or fix
        self.report(
            root.node,
            f"`{root.kind}` of a value that can be exactly 0 (a sum of squares or a variance): "
            f"its gradient there is inf and autograd turns it into NaN; "
            + (
                "use `torch.linalg.vector_norm`, whose gradient at 0 is 0"
                if fix is not None and fix.applicability == SAFE
                else "move the eps added after it inside the root"
                if fix is None
                else "clamp it at a small positive value inside the root"
                if fix.message.startswith("Clamp")
                else "add an eps inside the root"
            ),
            fix,
        )

    def _eps_added_after(self, root: Root) -> bool:
        path = self.context.ancestors
        parent = path[-2] if len(path) > 1 and path[-1] is root.node else None
        if not (isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Add)):
            return False
        other = parent.right if parent.left is root.node else parent.left
        return is_eps_like(self.context, other)

    def _vector_norm_fix(
        self, root: cst.CSTNode, radicand: cst.BaseExpression, fallback: Optional[PendingFix]
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

    def _eps_fix(self, root: Root) -> PendingFix:
        eps = self.context.options.eps
        if is_written_variance(self.context, root.radicand):
            # Rounding leaves E[x^2] - E[x]^2 a little below 0, where `+ eps` is too little.
            if root.framework == "torch":
                code = f"{receiver_code(self.context, root.radicand)}.clamp_min({eps})"
            else:
                maximum, _ = self.context.reference("jax.numpy.maximum") or ("jax.numpy.maximum", None)
                code = f"{maximum}({bare_code(self.context, root.radicand)}, {eps})"
            return PendingFix(f"Clamp it at {eps} inside the root", (Replace(root.radicand, code),), UNSAFE)
        code = f"{addend_code(self.context, root.radicand)} + {eps}"
        if root.where != "argument":
            code = f"({code})"
        return PendingFix(f"Add {eps} inside the root", (Replace(root.radicand, code),), UNSAFE)


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

