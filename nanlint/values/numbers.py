"""Numbers in code: literal values, eps-like constants, positive constants."""

from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from nanlint.linting.context import FileContext

_EPS_NAME = re.compile(r"(?i)(^|_)(eps|epsilon|tiny)($|_|\d)|eps$")


def literal_number(node: cst.CSTNode) -> Optional[float]:
    """The value of a numeric literal such as `2`, `0.5`, `-1e-8`; None otherwise."""
    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return float(node.evaluated_value)
        except (ValueError, OverflowError):
            return None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        value = literal_number(node.expression)
        if value is None:
            return None
        return -value if isinstance(node.operator, cst.Minus) else value
    return None


def is_eps_like(context: FileContext, node: cst.CSTNode) -> bool:
    """A small positive constant: `1e-8`, `eps`, `self.eps`, `torch.finfo(t).eps`,
    Keras' `K.epsilon()`."""
    value = literal_number(node)
    if value is not None:
        return 0 < value <= 1e-2
    if isinstance(node, cst.Call) and not node.args:
        qualified = context.qualified_name(node.func) or ""
        return qualified.endswith("backend.epsilon") or qualified == "keras.config.epsilon"
    if isinstance(node, cst.Name):
        return bool(_EPS_NAME.search(node.value))
    if isinstance(node, cst.Attribute):
        if node.attr.value in ("eps", "tiny", "epsilon", "smallest_normal") and isinstance(node.value, cst.Call):
            return True  # torch.finfo(x.dtype).eps
        qualified = context.qualified_name(node)
        if qualified in ("sys.float_info.min", "sys.float_info.epsilon"):
            return True
        return bool(_EPS_NAME.search(node.attr.value))
    return False


def is_positive_constant(context: FileContext, node: cst.CSTNode) -> bool:
    value = literal_number(node)
    if value is not None:
        return value > 0
    return is_eps_like(context, node)


def is_literal(node: Optional[cst.CSTNode], value: float) -> bool:
    return literal_number(node) == value


def same_code(context: FileContext, left: cst.CSTNode, right: cst.CSTNode) -> bool:
    return left.deep_equals(right)
