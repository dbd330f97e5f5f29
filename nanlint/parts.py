"""Leaving unparsed the parts of a module that no rule wants.

libcst parses about 200 kB a second and holds some 500 bytes per byte of source:
torch's common_methods_invocations.py (1.4 MB) takes 8 s and 750 MB, though the only
code a rule wants in it is one list of test cases. Python's `ast` has already told,
for each module-level statement and each member of a module-level class, what it
calls, and each rule says in which parts it can report (`Rule.wants_part`). Before
libcst runs, each part that no selected rule wants is replaced by a stub that fills
exactly its lines (`0 or \"\"\"...\"\"\"`, one string token, nearly free to parse), so every
line and column of the rest is where it is in the file and positions need no mapping.

Rules read outside the part they report in only through the bindings of module-level
names and the module-level statements before a guard; asked about a name the
replaced code mentions, they raise `Unparsed`, and the engine parses the whole file.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, FrozenSet, Iterable, List, Optional, Sequence, Set, Type

if TYPE_CHECKING:
    from nanlint.names import ModuleIndex
    from nanlint.rule import Rule


class Unparsed(Exception):
    """A rule asked about names that code left unparsed mentions: lint the whole file."""


@dataclass(frozen=True)
class Reduced:
    source: str  # the file with every part no rule wants replaced by its stub
    rows: List[int]  # the first line of each module-level statement, as `ast` counts
    unseen: FrozenSet[str]  # every name the replaced code mentions


_WHITESPACE = " \t\f"

_IDENTIFIER = re.compile(r"[^\W\d]\w*")


def reduce(
    source: str,
    lines: Sequence[str],
    index: "ModuleIndex",
    rules: Sequence[Type["Rule"]],
) -> Optional[Reduced]:
    """`source` with the parts none of `rules` wants stubbed out; None when there is none.

    Small parts go too: measured on torch and transformers, leaving out every part no
    rule wants is faster than keeping the small ones, and sends 5 files in 4,585 back
    to a whole parse."""
    dropped: List[ast.AST] = []
    for part in index.parts:
        if _is_header(part.node):
            continue
        if not any(rule.wants_part(part) for rule in rules):
            if _owns_its_lines(part.node, lines):
                dropped.append(part.node)
            continue
        for member in part.parts:
            if not any(rule.wants_part(member) for rule in rules) and _owns_its_lines(member.node, lines):
                dropped.append(member.node)
    if not dropped:
        return None

    reduced = list(lines)
    for node in dropped:
        first, last = _first_row(node), node.end_lineno
        reduced[first - 1 : last] = _stub(lines[first - 1 : last])
    starts = {id(node): _first_row(node) for node in dropped}
    rows = [starts.get(id(statement), statement.lineno) for statement in index.node.body]
    return Reduced("".join(reduced), rows, frozenset(names_in(dropped)))


def names_in(nodes: Iterable[ast.AST]) -> Set[str]:
    """Every name the code of `nodes` binds or reads."""
    found: Set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Name:
            found.add(node.id)
        elif kind is ast.arg:
            found.add(node.arg)
        elif kind is ast.alias:
            found.add(node.asname or node.name.split(".")[0])
        elif kind in (ast.Global, ast.Nonlocal):
            found.update(node.names)
        else:
            # def and class names, `except E as name`, match captures, type parameters
            for attribute in ("name", "rest"):
                value = getattr(node, attribute, None)
                if type(value) is str:
                    found.add(value)
        stack.extend(ast.iter_child_nodes(node))
    return found


def identifiers(texts: Iterable[str]) -> Set[str]:
    """The names in pieces of code (`self.x[i]` names `self`, `x` and `i`)."""
    return {name for text in texts for name in _IDENTIFIER.findall(text)}


def _is_header(node: ast.AST) -> bool:
    """Imports and strings are always parsed: a fix that adds an import places it
    after the docstring and the imports at the top."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _first_row(node: ast.AST) -> int:
    decorators = getattr(node, "decorator_list", None)
    return min([node.lineno] + [d.lineno for d in decorators]) if decorators else node.lineno


def _owns_its_lines(node: ast.AST, lines: Sequence[str]) -> bool:
    """Whether nothing else shares the lines of `node`: no `a = 1; b = 2`, no
    `class A: x = 1`. A decorator always starts a line of its own."""
    first = lines[_first_row(node) - 1].encode("utf-8")
    if not getattr(node, "decorator_list", None):
        if len(first) - len(first.lstrip(_WHITESPACE.encode())) != node.col_offset:
            return False
    rest = lines[node.end_lineno - 1].encode("utf-8")[node.end_col_offset :].strip()
    return not rest or rest.startswith(b"#")


def _stub(lines: Sequence[str]) -> List[str]:
    """Code that fills the same lines as `lines`, each with its own line ending, and
    means nothing to any rule: an expression statement that is not a docstring."""
    endings = [line[len(line.rstrip("\r\n")) :] for line in lines]
    first = lines[0]
    indent = first[: len(first) - len(first.lstrip(_WHITESPACE))]
    if len(lines) == 1:
        return [indent + "0" + endings[0]]
    return [indent + '0 or """' + endings[0], *endings[1:-1], '"""' + endings[-1]]
