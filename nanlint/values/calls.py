"""What a call is: the function or method it calls, its arguments, its receiver."""

from __future__ import annotations

from typing import Iterable, Optional, Tuple

import libcst as cst

from nanlint.linting.context import FileContext


def callee(context: FileContext, call: cst.Call) -> Tuple[Optional[str], Optional[str]]:
    """(qualified name, None) for a module function; (None, method) for `x.method()`."""
    qualified = context.qualified_name(call.func)
    if qualified is not None:
        return qualified, None
    if isinstance(call.func, cst.Attribute):
        return None, call.func.attr.value
    return None, None


def is_call(
    context: FileContext,
    node: cst.CSTNode,
    functions: Iterable[str] = (),
    methods: Iterable[str] = (),
) -> bool:
    if not isinstance(node, cst.Call):
        return False
    qualified, method = callee(context, node)
    if qualified is not None:
        return qualified in functions
    return method is not None and method in methods


def receiver(call: cst.Call) -> Optional[cst.BaseExpression]:
    """`x` in `x.method(...)`."""
    return call.func.value if isinstance(call.func, cst.Attribute) else None


def argument(call: cst.Call, index: Optional[int], keyword: Optional[str] = None) -> Optional[cst.BaseExpression]:
    """The argument at position `index` or named `keyword`, whichever is given."""
    position = 0
    for arg in call.args:
        if arg.star:
            return None  # *args / **kwargs: positions are unknown
        if arg.keyword is not None:
            if keyword is not None and arg.keyword.value == keyword:
                return arg.value
            continue
        if index is not None and position == index:
            return arg.value
        position += 1
    return None


def positional_count(call: cst.Call) -> int:
    return sum(1 for arg in call.args if arg.keyword is None and not arg.star)


# `torch.div(a, b)`, `np.divide(a, b)`, `a.div(b)`: a division by the second operand.
DIVIDE = (
    "torch.div", "torch.divide", "torch.true_divide", "numpy.divide", "numpy.true_divide",
    "jax.numpy.divide", "jax.numpy.true_divide",
)
DIVIDE_METHODS = ("div", "div_", "divide", "true_divide")


def division_operands(context: FileContext, call: cst.Call) -> Optional[Tuple[cst.BaseExpression, cst.BaseExpression]]:
    """(numerator, denominator) of a division spelled as a call: `torch.div(a, b)`,
    `np.divide(a, b)`, `a.div(b)`; None for anything else, and for one that guards or
    rounds (`where=`, `out=`, `rounding_mode=`)."""
    qualified, method = callee(context, call)
    if qualified in DIVIDE:
        if any(arg.keyword is not None and arg.keyword.value in ("where", "out", "rounding_mode") for arg in call.args):
            return None
        numerator, denominator = argument(call, 0), argument(call, 1)
    elif qualified is None and method in DIVIDE_METHODS and len(call.args) == 1 and not call.args[0].keyword:
        numerator, denominator = receiver(call), call.args[0].value
    else:
        return None
    return (numerator, denominator) if numerator is not None and denominator is not None else None
