"""Square roots in their every spelling (`sqrt`, `rsqrt`, `** 0.5`, `pow(x, 0.5)`) and what
they are taken of.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.values.api import (
    NORM_NAN_AT_ZERO,
    POW,
    RSQRT,
    SQRT,
)
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.numbers import is_literal

HALF = 0.5


@dataclass(frozen=True)
class Root:
    """A square root (or reciprocal square root) and what it is taken of."""

    node: cst.BaseExpression  # the call, or the `E ** 0.5`
    kind: str  # "sqrt", "rsqrt", or "norm" (a TensorFlow or JAX norm: the radicand is the vector)
    radicand: cst.BaseExpression
    framework: str  # "torch", "jax" or "tensorflow" (Keras too)
    where: str  # the radicand is the call's "argument", its "receiver" or the "base" of `** 0.5`


def root_of(context: FileContext, node: cst.CSTNode) -> Optional[Root]:
    """The root `node` takes: `torch.sqrt(E)`, `torch.rsqrt(E)`, `torch.pow(E, 0.5)`,
    `E.sqrt()`, `E.rsqrt()`, `E.pow(0.5)` (in a module that imports torch), `E ** 0.5`
    and the jax, TensorFlow and Keras forms. Not `math.sqrt` or `numpy.sqrt`, which have no autograd, nor
    `E ** 0.5` outside tensor code or of a plain value: `head_dim ** 0.5` is a float."""
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Power) and is_literal(node.right, HALF) and _has_call(node.left):
            imports = context.imports
            framework = "torch" if imports.imports_module("torch") else "jax" if imports.imports_module("jax") else None
            if framework is not None:
                return Root(node, "sqrt", node.left, framework, "base")
        return None
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified is not None:
        framework = "torch" if qualified.startswith("torch.") else "jax" if qualified.startswith("jax.") else "tensorflow"
        base, exponent = ("input", "exponent") if framework == "torch" else ("x1", "x2")
        if (qualified in SQRT or qualified in RSQRT) and len(node.args) == 1:
            kind = "rsqrt" if qualified in RSQRT else "sqrt"
            radicand = argument(node, 0, "input" if framework == "torch" else "x")
        elif qualified in POW and len(node.args) == 2 and is_literal(argument(node, 1, exponent), HALF):
            kind, radicand = "sqrt", argument(node, 0, base)
        elif qualified in NORM_NAN_AT_ZERO and _euclidean(argument(node, 1, "ord")):
            # The radicand of a norm is the vector itself: its sum of squares is under the root.
            kind, radicand = "norm", argument(node, 0, "tensor" if framework == "tensorflow" else "x")
        else:
            return None
        return Root(node, kind, radicand, framework, "argument") if radicand is not None else None
    if method is None or not context.imports.imports_module("torch"):
        return None
    if method in ("sqrt", "rsqrt") and not node.args:
        return Root(node, method, receiver(node), "torch", "receiver")
    if method == "pow" and len(node.args) == 1 and is_literal(argument(node, 0, "exponent"), HALF):
        return Root(node, "sqrt", receiver(node), "torch", "receiver")
    return None


def _has_call(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Call) or any(_has_call(child) for child in node.children)


def _euclidean(order: Optional[cst.BaseExpression]) -> bool:
    """No `ord`, or the 2-norm by number or name: a root of a sum of squares."""
    if order is None or is_literal(order, 2):
        return True
    return isinstance(order, cst.SimpleString) and order.evaluated_value in ("euclidean", "fro")
