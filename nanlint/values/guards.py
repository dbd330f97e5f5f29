"""What the code around a node checks: an `if` or `assert` on the way, a `try` that
catches, a where.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.linting.parts import identifiers
from nanlint.values.api import SHAPE_METHODS
from nanlint.values.facts import bare_code
from nanlint.values.flow import assigned_value, uses_of_assigned_name
from nanlint.values.numbers import is_eps_like


def catches(context: FileContext, exceptions: Iterable[str]) -> bool:
    """Whether the node being visited runs where one of `exceptions` (by its last name)
    is caught: in a `try` body with such a handler or a bare `except`, or under a `with`
    that expects it (`pytest.raises(ValueError)`, `contextlib.suppress(ValueError)`)."""
    wanted = set(exceptions)
    path = context.ancestors
    for index in range(len(path) - 2, -1, -1):
        node, child = path[index], path[index + 1]
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False  # a `try` around a definition does not run its body
        if isinstance(node, (cst.Try, cst.TryStar)) and child is node.body:
            for handler in node.handlers:
                if handler.type is None or _exception_names(handler.type) & wanted:
                    return True
        elif isinstance(node, cst.With) and child is node.body:
            for item in node.items:
                if isinstance(item.item, cst.Call) and any(
                    _exception_names(arg.value) & wanted for arg in item.item.args
                ):
                    return True
    return False


def _exception_names(node: cst.CSTNode) -> set:
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, cst.Attribute):
        return {node.attr.value}
    if isinstance(node, cst.Tuple):
        return set().union(*(_exception_names(element.value) for element in node.elements))
    return set()


def subjects(context: FileContext, node: cst.CSTNode, depth: int = 1) -> set:
    """The names, attributes and subscripts `node` reads (as code), and, through a local
    name assigned once, those its value reads: what a guard can be about. Not an index
    (`i` in `e[i]`): a test that picks the index says nothing of the value there."""
    found = set()
    for part in _walk_expression(node, indexes=False):
        if isinstance(part, cst.Name) and part.value in ("self", "cls"):
            continue
        if isinstance(part, (cst.Name, cst.Attribute, cst.Subscript)):
            found.add(bare_code(context, part))
            if depth > 0:
                value = assigned_value(context, part)
                if value is not None:
                    found |= subjects(context, value, depth - 1)
    return found


def _walk_expression(node: cst.CSTNode, indexes: bool = True):
    yield node
    # Not the name after a dot nor a keyword's name: `x.sum(axis=1)` reads `x`, and
    # a test of another value's `.sum()` is no test of it.
    if isinstance(node, cst.Attribute):
        children = [node.value]
    elif isinstance(node, cst.Arg):
        children = [node.value]
    else:
        children = node.children
    for child in children:
        if not isinstance(child, (cst.Lambda, cst.BaseComp)) and (indexes or not isinstance(child, cst.SubscriptElement)):
            yield from _walk_expression(child, indexes)


def is_guarded(context: FileContext, about: set) -> bool:
    """Whether the node being visited runs only after a test of one of `about`: inside
    `if x > 0:` / `while x:` / `x if x > 0 else ...` / `x > 0 and ...` / a comprehension's
    `if x > 0`, in the `else` of `if x <= 0:`, or after `if not x: return` or
    `assert x > 0` earlier in the function. Any order test counts: silence over guesses."""
    path = context.ancestors
    for index in range(len(path) - 2, -1, -1):
        node, child = path[index], path[index + 1]
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
        if isinstance(node, cst.If):
            if (child is node.body and _tests(context, node.test, about, True)) or (
                child is node.orelse and _tests(context, node.test, about, False)
            ):
                return True
        elif isinstance(node, cst.While) and child is node.body:
            if _tests(context, node.test, about, True):
                return True
        elif isinstance(node, cst.IfExp):
            if (child is node.body and _tests(context, node.test, about, True)) or (
                child is node.orelse and _tests(context, node.test, about, False)
            ):
                return True
        elif isinstance(node, cst.BooleanOperation) and child is node.right:
            holds = isinstance(node.operator, cst.And)
            if _tests(context, node.left, about, holds):
                return True
        elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            clause = node.for_in
            while clause is not None:
                if any(_tests(context, test.test, about, True) for test in clause.ifs):
                    return True
                clause = clause.inner_for_in
        elif isinstance(node, (cst.IndentedBlock, cst.Module, cst.SimpleStatementSuite)):
            if isinstance(node, cst.Module):
                # A guard may sit in any earlier module-level statement, parsed or not.
                context.require_seen(identifiers(about))
            for statement in node.body:
                if statement is child:
                    break
                if _exits_unless(context, statement, about):
                    return True
    return False


def _exits_unless(context: FileContext, statement: cst.CSTNode, about: set) -> bool:
    """`if x <= 0: return` / `raise` / `continue` / `break`, `assert x > 0`, or
    `if abs(c) > 1: c = ...`: an `if` that tests the value and sets it again (the code
    repairs the value where the test says it is out of range)."""
    if isinstance(statement, cst.If):
        body = statement.body.body
        last = body[-1] if body else None
        if isinstance(last, cst.SimpleStatementLine):
            last = last.body[-1] if last.body else None
        if isinstance(last, (cst.Return, cst.Raise, cst.Continue, cst.Break)) and _tests(
            context, statement.test, about, False
        ):
            return True
        return _tests(context, statement.test, about, True) and bool(_assigned_in(statement.body) & about)
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assert) and _tests(context, small.test, about, True):
                return True
            # `torch._check(0 < p, ...)`, `check_positive(x)`: an assert by another name.
            call = small.value if isinstance(small, cst.Expr) else None
            if isinstance(call, cst.Call) and call.args and _CHECK_CALL.search(last_name(call.func)):
                if _tests(context, call.args[0].value, about, True):
                    return True
    return False


def _assigned_in(node: cst.CSTNode) -> set:
    """The names an `if` body assigns, in nested blocks too (not in nested functions)."""
    found, stack = set(), [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(current, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            target = current.target
            if isinstance(target, cst.Name):
                found.add(target.value)
        stack.extend(current.children)
    return found


_CHECK_CALL = re.compile(r"^_?(check|assert|require|ensure|validate)")


def last_name(node: cst.CSTNode) -> str:
    """`sqrt` for `torch.sqrt` and for `sqrt`; "" for anything else."""
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""


_HOLDS_WHEN_TRUE = (cst.GreaterThan, cst.GreaterThanEqual, cst.LessThan, cst.LessThanEqual, cst.NotEqual)
_HOLDS_WHEN_FALSE = (cst.GreaterThan, cst.GreaterThanEqual, cst.LessThan, cst.LessThanEqual, cst.Equal)


def tests_value(context: FileContext, test: cst.CSTNode, value: cst.CSTNode) -> bool:
    """Whether `test` passing says something about the sign or size of `value` (a
    ternary's body, `x if x > 0 else 1`): the check `is_guarded` looks for around a node."""
    return _tests(context, test, subjects(context, value), True)


def _tests(context: FileContext, test: cst.CSTNode, about: set, when: bool) -> bool:
    """Whether `test` being `when` says something about the sign or size of one of `about`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _tests(context, test.expression, about, not when)
    if isinstance(test, cst.BooleanOperation):
        left = _tests(context, test.left, about, when)
        right = _tests(context, test.right, about, when)
        # `a and b` true, or `a or b` false, means both hold: either one is enough.
        if isinstance(test.operator, cst.And) == when:
            return left or right
        return left and right
    if isinstance(test, cst.Comparison):
        operators = _HOLDS_WHEN_TRUE if when else _HOLDS_WHEN_FALSE
        if not any(isinstance(target.operator, operators) for target in test.comparisons):
            return False
        return _mentions(context, test, about)
    if when and isinstance(test, (cst.Name, cst.Attribute, cst.Subscript)):
        return bare_code(context, test) in about  # truthiness: `if x:` rules out 0
    if isinstance(test, cst.Call):
        # `if len(x):`, `if const_expr(n > 1):`, `if not math.isfinite(x): return`: a
        # call that looks at the value is taken for a check of it; and `if mask.any():`.
        func = test.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("any", "all", "numel", "item"):
            if _mentions(context, func.value, about):
                return True
        return any(_mentions(context, arg.value, about) for arg in test.args)
    return False


def _mentions(context: FileContext, node: cst.CSTNode, about: set) -> bool:
    return any(
        isinstance(part, (cst.Name, cst.Attribute, cst.Subscript))
        and (bare_code(context, part) in about or _magnitude_of(context, part, about))
        for part in _walk_expression(node)
    )


# What keeps a 0 a 0 on the way from a root to an eps added later: indexing, reshapes,
# reductions, abs, negation, products and quotients.
_CARRIES_ZERO = frozenset((*SHAPE_METHODS, "abs", "sum", "mean"))


def eps_added_after(context: FileContext, path: Sequence[cst.CSTNode], depth: int = 2) -> bool:
    """Whether an eps is added to the value at the end of `path` (the node and its
    ancestors) after it is computed: `var.sqrt()[index] + eps`, `d.mean() * 2 + 1e-8`, or
    through the one name it is assigned to (`d = x.sqrt()` and later `d + eps`), up to
    `depth` names. That eps protects nothing; the finding is NAN002's, whose fix moves
    it inside."""
    index = len(path) - 1
    while index > 0:
        node, parent = path[index], path[index - 1]
        if isinstance(parent, cst.Subscript) and parent.value is node:
            index -= 1
            continue
        if isinstance(parent, cst.Attribute) and parent.value is node and index > 1:
            call = path[index - 2]
            if isinstance(call, cst.Call) and call.func is parent and parent.attr.value in _CARRIES_ZERO:
                index -= 2
                continue
            return False
        if isinstance(parent, cst.UnaryOperation):
            index -= 1
            continue
        if isinstance(parent, cst.BinaryOperation):
            if isinstance(parent.operator, (cst.Add, cst.Subtract)):
                other = parent.right if parent.left is node else parent.left
                if is_eps_like(context, other):
                    return True
            elif not isinstance(parent.operator, (cst.Multiply, cst.Divide)):
                return False
            index -= 1
            continue
        if isinstance(parent, cst.Assign) and depth > 0:
            uses = uses_of_assigned_name(context, path[: index + 1]) or ()
            return any(eps_added_after(context, trail, depth - 1) for *_, trail in uses)
        return False
    return False
_ABS = ("builtins.abs", "math.fabs", "numpy.abs", "numpy.fabs", "numpy.absolute", "torch.abs")


def _magnitude_of(context: FileContext, part: cst.CSTNode, about: set) -> bool:
    """`a` assigned `abs(c)` (`math.fabs(c)`) for a `c` in `about`: a test of |c| tests c;
    or `a` assigned `x[m]`, a selection by a mask `m` in `about`: a test of its size
    (`if pos_pred.nelement() == 0:`) tests the count of `m`."""
    if not isinstance(part, cst.Name):
        return False
    value = assigned_value(context, part)
    if isinstance(value, cst.Subscript):
        return any(
            isinstance(element.slice, cst.Index) and bare_code(context, element.slice.value) in about
            for element in value.slice
        )
    return (
        isinstance(value, cst.Call)
        and context.qualified_name(value.func) in _ABS
        and len(value.args) == 1
        and bare_code(context, value.args[0].value) in about
    )


def under_where_on(context: FileContext, about: set) -> bool:
    """Whether the node being visited is a branch of a `where` whose condition tests one
    of `about`: `torch.where(n > 0, v / n, v)` divides only where `n` is not 0."""
    from nanlint.values.api import WHERE

    path = context.ancestors
    for index in range(len(path) - 2, -1, -1):
        node = path[index]
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
        if isinstance(node, cst.Call) and node.args and context.qualified_name(node.func) in WHERE:
            if path[index + 1] is not node.args[0] and _mentions(context, node.args[0].value, about):
                return True
    return False


_IN_PLACE_GUARDS = re.compile(r"^(clamp|clip|clamp_min|add|masked_fill|fill|copy)_$")


def _keeps_nonzero(context: FileContext, name: str, value: cst.CSTNode) -> bool:
    """`n = n[n > 0]`: the value filtered by a test of itself keeps no 0."""
    return (
        isinstance(value, cst.Subscript)
        and isinstance(value.value, cst.Name)
        and value.value.value == name
        and any(
            isinstance(element.slice, cst.Index)
            and isinstance(element.slice.value, cst.Comparison)
            and _mentions(context, element.slice.value, {name})
            for element in value.slice
        )
    )


def is_patched(context: FileContext, about: set) -> bool:
    """Whether a statement before the node being visited, in its block or one around it
    in the same function, rewrites part of one of `about` in place: `s[s == 0] = 1`,
    `n.clamp_(min=eps)`, `n[n < eps] = eps`, or keeps only its entries that pass a test
    (`n = n[n > 0]`). The value read afterwards is not the value as computed."""
    path = context.ancestors
    for index in range(len(path) - 2, -1, -1):
        node, child = path[index], path[index + 1]
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
        if not isinstance(node, (cst.IndentedBlock, cst.Module)):
            continue
        for statement in node.body:
            if statement is child:
                break
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Subscript) and bare_code(context, target.target.value) in about:
                            return True
                        if isinstance(target.target, cst.Name) and target.target.value in about and _keeps_nonzero(
                            context, target.target.value, small.value
                        ):
                            return True
                call = small.value if isinstance(small, cst.Expr) else None
                if (
                    isinstance(call, cst.Call)
                    and isinstance(call.func, cst.Attribute)
                    and _IN_PLACE_GUARDS.match(call.func.attr.value)
                    and bare_code(context, call.func.value) in about
                ):
                    return True
    return False
