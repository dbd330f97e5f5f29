"""The value a name holds where it is read: reaching assignments of the function or module."""

from __future__ import annotations

from typing import List, Optional, Sequence

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.linting.walk import walk
from nanlint.values.definitions import OUTSIDE


def assigned_value(context: FileContext, node: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """The value a name holds where it is read, when exactly one assignment can reach
    that read (`x = x * x; x = x.sum(1); x.sqrt()` reads `x.sum(1)`); else None."""
    if not isinstance(node, cst.Name):
        return None
    values = reaching_values(context, node)
    if values is not None and values != [OUTSIDE]:
        return values[0] if len(values) == 1 else None
    assign = context.assignment_of(node)
    return assign.value if assign is not None else None


def reaching_definitions(context: FileContext, name: cst.Name) -> Optional[List[object]]:
    """The `Definition`s (or `OUTSIDE`) that can reach this read of `name` in the
    function or module being visited; None when the read is not that scope's own."""
    scope = None
    for node in reversed(context.ancestors):
        if isinstance(node, cst.Lambda):
            return None
        if isinstance(node, (cst.FunctionDef, cst.Module)):
            scope = node
            break
    if scope is None:
        return None
    if isinstance(scope, cst.Module):
        context.require_seen([name.value])
    return context.flow(scope).reaching(name)


def reaching_values(
    context: FileContext, name: cst.Name, sources: bool = False
) -> Optional[List[Optional[cst.BaseExpression]]]:
    """Every value that can reach this read of `name` in the function (or module) being
    visited: an expression, None for a value the code does not show (a tuple unpacked,
    a loop target), `OUTSIDE` for the parameter or a binding of an enclosing scope.
    None when the read is not in that scope's own statements (a lambda's, a closure's).
    `sources`: for a value unpacked from a tuple or a loop, what it was taken out of."""
    found = reaching_definitions(context, name)
    if found is None:
        return None
    return [d if d == OUTSIDE else (d.source if sources and d.value is None else d.value) for d in found]


def uses_of_assigned_name(context: FileContext, path: Sequence[cst.CSTNode]):
    """Each read of the name the node at the end of `path` (it and its ancestors, from
    its function or module down) is assigned to, as (the read, its parent, the parent's
    parent, the path down to it), when the node is the whole value of the one
    assignment of a plain name in its function, or of one of its assignments (then the
    reads that assignment reaches); else None."""
    if len(path) < 3:
        return None
    node, parent = path[-1], path[-2]
    if not (
        isinstance(parent, cst.Assign)
        and parent.value is node
        and len(parent.targets) == 1
        and isinstance(parent.targets[0].target, cst.Name)
    ):
        return None
    name = parent.targets[0].target.value
    scope = next(s for s in reversed(path) if isinstance(s, (cst.FunctionDef, cst.Lambda, cst.Module)))
    reaches = None
    if context.bindings(scope).single_assignment(name) is not parent:
        # A name assigned again (`img = norm(t); img = img.clamp(0, 1) * 255`): the reads
        # this assignment reaches.
        if isinstance(scope, cst.Lambda):
            return None
        if isinstance(scope, cst.Module):
            context.require_seen([name])
        flow = context.flow(scope)

        def reaches(use: cst.Name) -> bool:
            if isinstance(trail[-2], cst.AssignTarget):
                return False  # the name bound again, not read
            return any(d is not OUTSIDE and d.node is parent for d in flow.reaching(use) or ())

    target = parent.targets[0].target
    uses = []
    trail: list = []

    def visit_name(use: cst.Name) -> None:
        if isinstance(trail[-2], cst.Attribute) and trail[-2].attr is use:
            return  # `hp.audio` names an attribute, not the local `audio`
        if use.value == name and use is not target and (reaches is None or reaches(use)):
            uses.append((use, trail[-2], trail[-3] if len(trail) > 2 else None, list(trail)))

    walk(scope, {"Name": [visit_name]}, {}, trail)
    return uses
def unchanged_between(context: FileContext, expression: cst.CSTNode, later: cst.Name) -> bool:
    """Whether every name `expression` reads still holds, at the read `later` (after it
    in the function being visited), the value it held in `expression`: code written
    from `expression` means the same at `later`."""
    scope = _scope(context)
    if scope is None:
        return False
    names = names_read(expression)
    if isinstance(scope, cst.Module):
        context.require_seen([name.value for name in names])
    return not context.flow(scope).assigned_between(names, later)


def _scope(context: FileContext):
    for node in reversed(context.ancestors):
        if isinstance(node, cst.Lambda):
            return None
        if isinstance(node, (cst.FunctionDef, cst.Module)):
            return node
    return None


def names_read(node: cst.CSTNode) -> List[cst.Name]:
    """The names `node` reads (not the attribute names after a dot)."""
    if isinstance(node, cst.Name):
        return [node]
    if isinstance(node, cst.Attribute):
        return names_read(node.value)
    found: List[cst.Name] = []
    for child in node.children:
        found.extend(names_read(child))
    return found
