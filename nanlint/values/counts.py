"""How many entries a selection holds: `mask.sum()` of a boolean mask, which is 0 when
nothing is selected.

A mean over a selection, `(loss * mask).sum() / mask.sum()`, is 0/0 = NaN on the batch
where the selection is empty: no positive anchor in an image without objects, no valid
token in an all-padding row, no predicted attribute for a person. The count of a
comparison is a number of true entries, an integer, and 0 is one of its values.
"""

from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.values.api import SHAPE_METHODS, SUM
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.definitions import OUTSIDE
from nanlint.values.facts import bare_code
from nanlint.values.flow import reaching_values
from nanlint.values.guards import last_name
from nanlint.values.numbers import literal_number

COUNT_NONZERO = ("torch.count_nonzero", "numpy.count_nonzero", "jax.numpy.count_nonzero")
# Sums that count a mask's true entries: NumPy's too, which the gradient rules' SUM leaves out.
_SUMS = (*SUM, "numpy.sum", "numpy.nansum")
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
    otherwise (a clamp or an eps on the count is none of these), and None for the total
    of a mask of the entries that are not padding (`labels != -100`, `attention_mask.bool()`
    counted over everything): that is 0 only for a batch of nothing but padding. Counted
    along an axis it is one count per row, and one row of padding is ordinary."""
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in COUNT_NONZERO:
            mask = argument(node, 0, "input")
        elif qualified in _SUMS:
            mask = argument(node, 0, "input") or argument(node, 0, "a")
        elif qualified is None and method in ("sum", "count_nonzero"):
            mask = receiver(node)
        elif qualified is None and method in (*SHAPE_METHODS, "item"):
            return selection_count(context, receiver(node), depth)
        else:
            return None
        if mask is None or not _along_an_axis(node, qualified is not None) and _of_real_entries(context, mask, depth):
            return None
        if is_mask(context, mask, depth):
            return f"the number of true entries of `{' '.join(bare_code(context, mask).split())}`"
        return selection_count(context, mask, depth)  # a sum of counts: `pos.sum(1).sum()`
    if isinstance(node, cst.Subscript):
        return selection_count(context, node.value, depth)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Power):
        exponent = literal_number(node.right)
        return selection_count(context, node.left, depth) if exponent is not None and exponent > 0 else None
    if isinstance(node, cst.Name) and depth > 0:
        values = reaching_values(context, node)
        if not values or any(v is OUTSIDE or v is None for v in values):
            return None
        found = [selection_count(context, v, depth - 1) for v in values]
        return found[0] if all(found) else None
    return None


def _along_an_axis(call: cst.Call, function: bool) -> bool:
    """`m.sum(-1)`, `torch.sum(m, dim=1)`, `np.count_nonzero(m, axis=0)`: the count's
    arguments name an axis (a function's first argument is the mask)."""
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if len(positional) > (1 if function else 0):
        return True
    return any(arg.keyword is not None and arg.keyword.value in ("dim", "axis") for arg in call.args)


def _of_real_entries(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    """A mask of the entries that are not padding or ignored: `labels != -100`,
    `t.ne(pad)`, `y >= 0`, `attention_mask.bool()`, through casts, reshapes and names;
    not a selection of positives (`labels == 1`, `conf > 0`)."""
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
        operator, right = node.comparisons[0].operator, node.comparisons[0].comparator
        if isinstance(operator, cst.NotEqual):
            return True
        bound = literal_number(right)
        return bound is not None and (
            isinstance(operator, cst.GreaterThanEqual) and bound == 0
            or isinstance(operator, cst.GreaterThan) and bound == -1
        )
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified is None and method == "ne":
            return True
        if qualified is None and method in ("bool", *SHAPE_METHODS, *_CASTS):
            inner = receiver(node)
            if method == "bool" and isinstance(inner, (cst.Name, cst.Attribute)):
                return _PADDING_MASK.search(last_name(inner) or "") is not None  # `attention_mask.bool()`
            return inner is not None and _of_real_entries(context, inner, depth)
        return False
    if isinstance(node, cst.Name) and depth > 0:
        values = reaching_values(context, node)
        return bool(values) and all(
            v is not OUTSIDE and v is not None and _of_real_entries(context, v, depth - 1) for v in values
        )
    return False


_PADDING_MASK = re.compile(r"(?i)attention_mask|padding_mask|pad_mask|non_?pad|valid")


def is_mask(context: FileContext, node: cst.CSTNode, depth: int = 2) -> bool:
    """A boolean tensor or array: a comparison, its negation, `&` / `|` of masks, a
    logical function, cast or reshaped; through the assignments that reach a name."""
    if isinstance(node, cst.Comparison):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.BitInvert):
        return is_mask(context, node.expression, depth)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.BitAnd, cst.BitOr)):
        return is_mask(context, node.left, depth) or is_mask(context, node.right, depth)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        # `(w == 1) * 1`: a mask made numbers, its entries still 0 and 1.
        for one, other in ((node.left, node.right), (node.right, node.left)):
            if literal_number(one) == 1:
                return is_mask(context, other, depth)
        return False
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
