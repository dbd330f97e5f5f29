"""How many entries a selection holds: `mask.sum()` of a boolean mask, which is 0 when
nothing is selected.

A mean over a selection, `(loss * mask).sum() / mask.sum()`, is 0/0 = NaN on the batch
where the selection is empty: no positive anchor in an image without objects, no valid
token in an all-padding row, no predicted attribute for a person. The count of a
comparison is a number of true entries, an integer, and 0 is one of its values.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.values.api import SHAPE_METHODS, SUM
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.definitions import OUTSIDE
from nanlint.values.facts import bare_code
from nanlint.values.flow import reaching_values

COUNT_NONZERO = ("torch.count_nonzero", "numpy.count_nonzero", "jax.numpy.count_nonzero")
_LOGICAL = ("torch.logical_and", "torch.logical_or", "torch.logical_not", "torch.isin", "numpy.logical_and",
            "numpy.logical_or", "numpy.logical_not", "numpy.isin", "torch.isfinite", "torch.isnan", "numpy.isfinite")
_COMPARE_METHODS = ("eq", "ne", "gt", "lt", "ge", "le", "bool", "isfinite", "isnan", "logical_and", "logical_or",
                    "logical_not")
# Casts keep a mask's entries 0 and 1: `(labels > 0).float()`.
_CASTS = ("float", "long", "int", "double", "half", "type", "to", "astype")


def selection_count(context: FileContext, node: cst.CSTNode, depth: int = 2) -> Optional[str]:
    """"the number of true entries of `labels > 0`" when `node` counts a boolean mask
    (`m.sum()`, `torch.sum(m, 1)`, `m.float().sum(-1)`, `torch.count_nonzero(m)`),
    directly or through the assignments that reach a name (each must be one); None
    otherwise (a clamp or an eps on the count is none of these)."""
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in COUNT_NONZERO:
            mask = argument(node, 0, "input")
        elif qualified in SUM:
            mask = argument(node, 0, "input") or argument(node, 0, "a")
        elif qualified is None and method in ("sum", "count_nonzero"):
            mask = receiver(node)
        elif qualified is None and method in (*SHAPE_METHODS, "item"):
            return selection_count(context, receiver(node), depth)
        else:
            return None
        if mask is None:
            return None
        if is_mask(context, mask, depth):
            return f"the number of true entries of `{' '.join(bare_code(context, mask).split())}`"
        return selection_count(context, mask, depth)  # a sum of counts: `pos.sum(1).sum()`
    if isinstance(node, cst.Subscript):
        return selection_count(context, node.value, depth)
    if isinstance(node, cst.Name) and depth > 0:
        values = reaching_values(context, node)
        if not values or any(v is OUTSIDE or v is None for v in values):
            return None
        found = [selection_count(context, v, depth - 1) for v in values]
        return found[0] if all(found) else None
    return None


def is_mask(context: FileContext, node: cst.CSTNode, depth: int = 2) -> bool:
    """A boolean tensor or array: a comparison, its negation, `&` / `|` of masks, a
    logical function, cast or reshaped; through the assignments that reach a name."""
    if isinstance(node, cst.Comparison):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.BitInvert):
        return is_mask(context, node.expression, depth)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.BitAnd, cst.BitOr)):
        return is_mask(context, node.left, depth) or is_mask(context, node.right, depth)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in _LOGICAL:
            return True
        if qualified is None and method in _COMPARE_METHODS:
            return True
        if qualified is None and method in ("astype", "to", "type") and node.args and _names_bool(node.args[0].value):
            return True  # `x.astype(bool)`, `x.to(torch.bool)`
        if qualified is None and method in (*SHAPE_METHODS, *_CASTS):
            return is_mask(context, receiver(node), depth)
        return False
    if isinstance(node, cst.Subscript):
        return is_mask(context, node.value, depth)
    if isinstance(node, cst.Name) and depth > 0:
        values = reaching_values(context, node)
        return bool(values) and all(v is not OUTSIDE and v is not None and is_mask(context, v, depth - 1) for v in values)
    return False


def _names_bool(node: cst.CSTNode) -> bool:
    name = node.attr.value if isinstance(node, cst.Attribute) else node.value if isinstance(node, cst.Name) else ""
    return name in ("bool", "bool_")
