"""Which assignments of a name can reach a use of it: reaching definitions, structured.

Real code rebuilds a value through one name (`x = x * x; x = x.sum(1); x.sqrt()`),
assigns it in both branches of an `if`, or again inside a loop. Following a name only
when it is bound once misses all of these. Here the statements of a function (or of the
module) are numbered in order, each with the blocks and loops around it, and the
definitions that reach a use are:

- walking back from the use, every earlier definition up to and including the first
  one whose block encloses the use (it runs whenever the use does, so it hides the ones
  before it); definitions in a branch or a loop body that does not enclose the use
  may or may not run, and do not hide anything;
- in a loop around the use, the definitions in that loop at or after the use, which
  reach it on the next iteration;
- the parameter (or the enclosing scope's binding), when no earlier definition hides it.

A definition whose value is not one expression (a tuple unpacked, a `for` target, an
augmented assignment, `with ... as`, a nested `def`) reaches with an unknown value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

import libcst as cst

from nanlint.linting.walk import children

Scope = Union[cst.Module, cst.FunctionDef]
Blocks = Tuple[int, ...]


@dataclass(frozen=True)
class Definition:
    index: int  # the order of its statement in the scope
    value: Optional[cst.BaseExpression]  # None: not known from the code (unpacking, a loop target)
    node: cst.CSTNode  # the statement (or header) that binds the name
    blocks: Blocks  # ids of the blocks around it, outermost first
    loops: Blocks  # ids of the loops around it
    # What an unknown value was taken out of: the right side a tuple was unpacked from,
    # what a `for` iterates over. Its element: no expression of its own, but the same
    # library and the same gradient.
    source: Optional[cst.BaseExpression] = None
    start: int = 0  # for the every-branch marker: the index of its `if`


@dataclass(frozen=True)
class _Where:
    index: int
    blocks: Blocks
    loops: Blocks


# What reaches a use when no definition in the scope hides the start of the scope.
OUTSIDE = "outside"


class ScopeFlow:
    """The numbered statements of one scope: definitions by name, and where each name
    read in the scope sits."""

    def __init__(self, scope: Scope) -> None:
        self.definitions: Dict[str, List[Definition]] = {}
        self._where: Dict[int, _Where] = {}
        self._log: List[Tuple[str, Blocks]] = []  # every definition, in order: (name, blocks)
        self._index = 0
        # The branches of one `if` / `elif` / `else` chain (or `match`) by the id of their
        # block: only one of them runs per pass.
        self._branch_of: Dict[int, int] = {}
        # Blocks that end in `return` or `raise`: what they define reaches no code after them.
        self._exits: set = set()
        body = scope.body.body if isinstance(scope, cst.FunctionDef) else scope.body
        if isinstance(scope, cst.FunctionDef) and isinstance(scope.body, cst.SimpleStatementSuite):
            body = [scope.body]
        self._block(body, (), ())

    def reaching(self, use: cst.Name) -> Optional[List[Union[Definition, str]]]:
        """The definitions that can reach `use` (`OUTSIDE` for the parameter or the
        enclosing scope's binding); None when `use` is not read in this scope."""
        where = self._where.get(id(use))
        if where is None:
            return None
        found: List[Union[Definition, str]] = []
        later: List[Definition] = []
        hidden = False
        hider: Optional[Definition] = None
        floor = -1  # below this index, an if whose every branch defines the name hides all
        definitions = self.definitions.get(use.value, [])
        for definition in reversed(definitions):
            marker = definition.node is _EVERY_BRANCH
            if not marker and not self._may_flow(definition, where):
                continue
            if floor < definition.index < where.index and not hidden:
                if marker:
                    if _encloses(definition.blocks, where.blocks):
                        floor = definition.start
                    continue
                found.append(definition)
                hidden = _encloses(definition.blocks, where.blocks)
                hider = definition if hidden else None
            elif definition.index >= where.index and set(definition.loops) & set(where.loops):
                if not marker:
                    later.append(definition)  # again on the loop's next pass
        # A later definition comes back around a loop it shares with the use, unless the
        # definition that hides the older ones is inside every such loop: each pass runs
        # it again before the use (`for k: ang = ...; use(ang)` in a `while` that later
        # loops `for ang in angles`).
        found[:0] = [
            d for d in later if hider is None or not set(d.loops) & set(where.loops) <= set(hider.loops)
        ]
        hidden = hidden or floor >= 0
        if not hidden:
            found.append(OUTSIDE)
        return found

    def assigned_between(self, names: List[cst.Name], later: cst.Name) -> bool:
        """Whether a statement from the one that reads `names` up to (not including) the
        one that reads `later` can assign one of them; True when a read is not this
        scope's."""
        end = self._where.get(id(later))
        if end is None:
            return True
        for name in names:
            start = self._where.get(id(name))
            if start is None:
                return True
            if any(start.index <= d.index < end.index for d in self.definitions.get(name.value, [])):
                return True
        return False

    def _may_flow(self, definition: Definition, where: _Where) -> bool:
        """False when no path leads from the definition to the use: the definition is in
        a block that returns or raises and does not hold the use, or in another branch
        of the same `if` chain with no loop around both to bring it back."""
        for depth, block in enumerate(definition.blocks):
            if block in self._exits and not _encloses(definition.blocks[: depth + 1], where.blocks):
                return False
        for mine, theirs in zip(definition.blocks, where.blocks):
            if mine != theirs:
                group = self._branch_of.get(mine)
                return group is None or group != self._branch_of.get(theirs) or bool(
                    set(definition.loops) & set(where.loops)
                )
        return True

    # -- numbering ---------------------------------------------------------------------
    def _next(self, blocks: Blocks, loops: Blocks) -> _Where:
        self._index += 1
        return _Where(self._index, blocks, loops)

    def _block(self, statements, blocks: Blocks, loops: Blocks) -> None:
        for statement in statements:
            if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                for small in statement.body:
                    where = self._next(blocks, loops)
                    self._reads(small, where)
                    self._small_definitions(small, where)
            elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                where = self._next(blocks, loops)
                for decorator in statement.decorators:
                    self._reads(decorator, where)
                self._define(statement.name.value, None, statement, where)
            else:
                self._compound(statement, blocks, loops)

    def _compound(self, statement: cst.CSTNode, blocks: Blocks, loops: Blocks) -> None:
        where = self._next(blocks, loops)
        inner_loops = loops
        if isinstance(statement, (cst.For, cst.While)):
            inner_loops = loops + (id(statement),)
        if isinstance(statement, cst.For):
            self._reads(statement.iter, where)
            # The target is bound inside the loop, on every pass.
            self._bind_target(statement.target, None, statement, _Where(where.index, blocks, inner_loops),
                              source=statement.iter)
        elif isinstance(statement, (cst.If, cst.While)):
            self._reads(statement.test, where)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                self._reads(item.item, where)
                if item.asname is not None:
                    self._bind_target(item.asname.name, None, statement, where)
        # Names every branch of an `if ... else` defines: after it, one of those
        # definitions has run, and the ones before the `if` are hidden.
        exhaustive = isinstance(statement, cst.If) and _ends_in_else(statement)
        per_branch: List[set] = []
        branches = isinstance(statement, (cst.If, cst.Match))
        for child, is_loop_body in _bodies(statement):
            before = len(self._log)
            branch_blocks = blocks + (id(statement),) if isinstance(child, cst.If) else None
            if isinstance(child, cst.If):  # `elif`: a branch of its own
                self._branch_of[id(statement)] = id(statement)
                self._compound(child, blocks + (id(statement),), loops)
                per_branch.append(self._defined_since(before, branch_blocks))
                continue
            suite = child if isinstance(child, cst.BaseSuite) else child.body
            suite_blocks = blocks + (id(suite),)
            if branches:
                self._branch_of[id(suite)] = id(statement)
            if _exits(suite):
                self._exits.add(id(suite))
            if isinstance(child, cst.ExceptHandler) and child.name is not None:
                self._bind_target(child.name.name, None, child, _Where(where.index, suite_blocks, loops))
            statements = [suite] if isinstance(suite, cst.SimpleStatementSuite) else suite.body
            self._block(statements, suite_blocks, inner_loops if is_loop_body else loops)
            per_branch.append(self._defined_since(before, suite_blocks))
        if exhaustive and per_branch:
            after = self._next(blocks, loops)
            for name in set.intersection(*per_branch):
                self.definitions.setdefault(name, []).append(
                    Definition(after.index, None, _EVERY_BRANCH, blocks, loops, None, where.index)
                )
                self._log.append((name, blocks))

    def _defined_since(self, before: int, branch: Blocks) -> set:
        """The names defined at the top level of a branch since the log was `before` long."""
        return {name for name, blocks in self._log[before:] if blocks == branch}

    def _small_definitions(self, small: cst.CSTNode, where: _Where) -> None:
        if isinstance(small, cst.Assign):
            single = len(small.targets) == 1
            for target in small.targets:
                self._bind_target(target.target, small.value if single else None, small, where)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self._bind_target(small.target, small.value, small, where)
        elif isinstance(small, cst.AugAssign):
            self._bind_target(small.target, None, small, where)
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            names = small.names if isinstance(small.names, (list, tuple)) else ()
            for alias in names:
                bound = alias.asname.name if alias.asname else alias.name
                if isinstance(bound, cst.Name):
                    self._define(bound.value, None, small, where)
                elif isinstance(bound, cst.Attribute):
                    root = bound
                    while isinstance(root, cst.Attribute):
                        root = root.value
                    if isinstance(root, cst.Name):
                        self._define(root.value, None, small, where)

    def _bind_target(self, target: cst.CSTNode, value, node: cst.CSTNode, where: _Where, source=None) -> None:
        if isinstance(target, cst.Name):
            self._define(target.value, value, node, where, source)
        elif isinstance(target, (cst.Tuple, cst.List)):
            # `a, b = x, y` pairs them up; anything else unpacks an unknown value.
            values = [None] * len(target.elements)
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(target.elements):
                if not any(isinstance(e, cst.StarredElement) for e in (*value.elements, *target.elements)):
                    values = [e.value for e in value.elements]
            for element, element_value in zip(target.elements, values):
                self._bind_target(element.value, element_value, node, where,
                                  None if element_value is not None else (value or source))
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None, node, where, value or source)

    def _define(self, name: str, value, node: cst.CSTNode, where: _Where, source=None) -> None:
        self.definitions.setdefault(name, []).append(
            Definition(where.index, value, node, where.blocks, where.loops, source)
        )
        self._log.append((name, where.blocks))

    def _reads(self, node: cst.CSTNode, where: _Where) -> None:
        """Number the names `node` reads; `(p := value)` in it defines `p`."""
        stack = [node]
        while stack:
            current = stack.pop()
            kind = type(current)
            if kind is cst.Name:
                self._where[id(current)] = where
                continue
            if kind is cst.FunctionDef or kind is cst.ClassDef:
                continue
            if kind is cst.NamedExpr and type(current.target) is cst.Name:
                self._define(current.target.value, current.value, node, where)
            stack.extend(children(current))


# The statement of the marker that says "every branch above defined this name".
_EVERY_BRANCH = cst.Pass()


def _ends_in_else(statement: cst.If) -> bool:
    while isinstance(statement.orelse, cst.If):
        statement = statement.orelse
    return isinstance(statement.orelse, cst.Else)


def _exits(suite: cst.BaseSuite) -> bool:
    """Whether the suite's last statement is a `return` or a `raise`."""
    if isinstance(suite, cst.SimpleStatementSuite):
        last = suite.body[-1] if suite.body else None
    else:
        statement = suite.body[-1] if suite.body else None
        last = statement.body[-1] if isinstance(statement, cst.SimpleStatementLine) and statement.body else None
    return isinstance(last, (cst.Return, cst.Raise))


def _encloses(outer: Blocks, inner: Blocks) -> bool:
    """Whether the block `outer` ends in holds the statement whose blocks are `inner`."""
    return inner[: len(outer)] == outer


def _bodies(statement: cst.CSTNode):
    """(suite or clause, whether it is a loop's body) of a compound statement."""
    if isinstance(statement, (cst.For, cst.While)):
        yield statement.body, True
        if statement.orelse is not None:
            yield statement.orelse, False
    elif isinstance(statement, cst.If):
        yield statement.body, False
        if statement.orelse is not None:
            yield statement.orelse, False
    elif isinstance(statement, cst.Try) or type(statement).__name__ == "TryStar":
        yield statement.body, False
        for handler in statement.handlers:
            yield handler, False
        if statement.orelse is not None:
            yield statement.orelse, False
        if statement.finalbody is not None:
            yield statement.finalbody, False
    elif isinstance(statement, cst.With):
        yield statement.body, False
    elif isinstance(statement, cst.Match):
        for case in statement.cases:
            yield case, False
    else:
        body = getattr(statement, "body", None)
        if body is not None:
            yield body, False
