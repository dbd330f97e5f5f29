"""A read-only traversal of a libcst tree, without libcst's visitor machinery.

`CSTNode.visit` is built for transformers: it rebuilds every node it passes and
calls two attribute hooks per field, which is most of the time a read-only walk
spends. This walk reads each node's children in the order libcst itself visits
them and never enters whitespace or punctuation (comments, commas, parentheses,
operators) unless a visitor asks for that node type.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import libcst as cst

# Nodes that only hold layout. Rules read them through their parent
# (`node.operator`, `node.lpar`) and never need to be inside them.
_TRIVIA = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Comment,
    cst.Newline,
    cst.Comma,
    cst.Semicolon,
    cst.Colon,
    cst.Dot,
    cst.AssignEqual,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.BaseBinaryOp,
    cst.BaseUnaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseAugOp,
)
_TRIVIA_BASES = frozenset(_TRIVIA)

Handlers = Dict[str, List[Callable]]


@lru_cache(maxsize=None)
def _child_fields(kind: type) -> Tuple[str, ...]:
    """The fields of `kind` that can hold nodes, in the order libcst visits them.

    Read once per node type from libcst's own `_visit_and_replace_children`, whose
    calls name each field; for a node without children, the dataclass order.
    """
    fields = tuple(field.name for field in dataclasses.fields(kind))
    # Its code names each field in a string constant, in the order it visits them.
    code = getattr(kind._visit_and_replace_children, "__code__", None)
    constants = code.co_consts if code is not None else ()
    order = tuple(dict.fromkeys(value for value in constants if type(value) is str and value in fields))
    return order or fields


def handlers(visitors: Sequence[object]) -> Tuple[Handlers, Handlers]:
    """Each visitor's bound `visit_<Node>` and `leave_<Node>` methods, by node type name."""
    visits: Handlers = {}
    leaves: Handlers = {}
    for visitor in visitors:
        for attribute in dir(type(visitor)):
            if not attribute.startswith(("visit_", "leave_")):
                continue
            method = getattr(visitor, attribute)
            if method.__module__.startswith("libcst."):
                continue  # a CSTVisitor's empty defaults, one per node type and field
            table = visits if attribute.startswith("visit_") else leaves
            table.setdefault(attribute[6:], []).append(method)
    return visits, leaves


def walk(
    root: cst.CSTNode,
    visits: Handlers,
    leaves: Handlers,
    ancestors: Optional[List[cst.CSTNode]] = None,
    failed: Optional[Callable[[Callable, cst.CSTNode, Exception], None]] = None,
) -> None:
    """Call the handlers on `root` and every node below it, in source order.

    A `visit_` handler that returns False keeps the walk out of that node's children
    (its `leave_` handlers still run). `ancestors`, when given, holds the nodes from
    `root` down to the one being visited while its handlers run. `failed`, when given,
    is told of a handler that raised (and may raise itself to stop the walk); the
    walk goes on with the handlers left in `visits` and `leaves`.
    """
    wanted = frozenset(visits) | frozenset(leaves)
    path = ancestors if ancestors is not None else []
    # An explicit stack: deeply nested expressions must not hit the recursion limit.
    stack: List[Tuple[cst.CSTNode, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        name = type(node).__name__
        if leaving:
            for method in leaves.get(name, ()):
                try:
                    method(node)
                except Exception as error:
                    if failed is None:
                        raise
                    failed(method, node, error)
            path.pop()
            continue
        path.append(node)
        descend = True
        for method in visits.get(name, ()):
            try:
                if method(node) is False:
                    descend = False
            except Exception as error:
                if failed is None:
                    raise
                failed(method, node, error)
        stack.append((node, True))
        if descend:
            stack.extend((child, False) for child in reversed(_children(node, wanted)))


def children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The child nodes of `node` that are not layout, in libcst's order: for other
    read-only walks (`CSTNode.children` builds every child list, punctuation included)."""
    return _children(node, _NOTHING)


_NOTHING: frozenset = frozenset()


def _children(node: cst.CSTNode, wanted: frozenset) -> List[cst.CSTNode]:
    found: List[cst.CSTNode] = []
    for field in _child_fields(type(node)):
        value = getattr(node, field)
        kind = _KINDS.get(type(value)) or _kind(type(value))
        if kind is _SEQUENCE:
            for item in value:
                kind = _KINDS.get(type(item)) or _kind(type(item))
                if kind is _NODE or (kind is _TRIVIA_NODE and type(item).__name__ in wanted):
                    found.append(item)
        elif kind is _NODE or (kind is _TRIVIA_NODE and type(value).__name__ in wanted):
            found.append(value)
    return found


# isinstance against libcst's abstract node classes is slow: each type is judged once,
# from its method resolution order (`issubclass` on those ABCs costs as much again).
_NODE, _TRIVIA_NODE, _SEQUENCE, _OTHER = "node", "trivia", "sequence", "other"
_KINDS: Dict[type, str] = {}


def _kind(kind: type) -> str:
    bases = kind.__mro__
    if cst.CSTNode in bases:
        found = _TRIVIA_NODE if not _TRIVIA_BASES.isdisjoint(bases) else _NODE
    elif tuple in bases or list in bases:
        found = _SEQUENCE
    else:
        found = _OTHER
    _KINDS[kind] = found
    return found
