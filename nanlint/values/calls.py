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
