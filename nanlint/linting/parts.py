"""Leaving unparsed the parts of a module that no rule wants.

libcst parses about 200 kB a second and holds some 500 bytes per byte of source:
torch's common_methods_invocations.py (1.4 MB) takes 8 s and 750 MB, though the only
code a rule wants in it is a few rows of one table of test cases. Python's `ast` has
already told what each part of the module calls (a module-level statement; a member
of a class; a row of a `name = [...]` table), and each rule says in which parts it can
report (`Rule.wants_part`). Before libcst runs, each part no selected rule wants is
replaced by a stub spanning exactly its lines and columns (`0 or \"\"\"...\"\"\"`, one string
token, nearly free to parse), so everything else is where it is in the file and
positions need no mapping.

What rules read outside the part they report in goes through `FileContext`: the
bindings of module-level names, the module-level statements before a guard, all the
module-level code (NAN005's steps at top level). Asked about a name the left-out code
mentions, or for the whole module, it raises `Unparsed`, and the engine parses the
whole file instead.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, FrozenSet, Iterable, List, Optional, Sequence, Set, Type

from nanlint.reading.sources import split_lines

if TYPE_CHECKING:
    from nanlint.linting.names import ModuleIndex
    from nanlint.rule import Rule


class Unparsed(Exception):
    """A rule asked about names that code left unparsed mentions: lint the whole file."""


@dataclass(frozen=True)
class Reduced:
    source: str  # the file with every part no rule wants replaced by its stub
    rows: List[int]  # the first line of each module-level statement, as `ast` counts
    unseen: FrozenSet[str]  # every name the replaced code mentions
    kept: int  # characters of code left for libcst to parse, the stubs' not counted


def wanted_anywhere(index: "ModuleIndex", rules: Sequence[Type["Rule"]]) -> bool:
    """Whether any rule wants any module-level statement, imports and docstrings too.

    A rule reports only inside the parts it wants (`Rule.wants_part`): where no rule
    wants any, the file holds no finding, and nothing of it need be parsed. (On torch,
    a dozen big modules call a max and divide somewhere, but never in one function.)"""
    return any(rule.wants_part(part, index) for part in index.parts for rule in rules)


_WHITESPACE = " \t\f"
_IDENTIFIER = re.compile(r"[^\W\d]\w*")


def reduce(source: str, index: "ModuleIndex", rules: Sequence[Type["Rule"]]) -> Optional[Reduced]:
    """`source` with the parts none of `rules` wants stubbed out; None when there is none.

    Small parts go too: on torch and transformers, leaving out every part no rule wants
    was faster than keeping those under 500 or 2,000 characters, and sent 6 of the 638
    files libcst parsed back to a whole parse."""
    # Runs of neighbours (module-level statements, members of one class, rows of one
    # table) no rule wants, each replaced by one stub: a generated module of 500,000
    # assignments becomes one string for libcst, not 500,000 statements.
    runs: List[List["ModuleIndex"]] = []
    _leave_out(index.parts, True, index, rules, runs)
    if not runs:
        return None
    lines = split_lines(source)
    reduced = list(lines)
    left_out = 0
    # From the last run up, so that no replacement moves the text of another.
    for run in reversed(runs):
        first_node, last_node = run[0].node, run[-1].node
        first, last = _first_row(first_node), last_node.end_lineno
        start = (
            _column(lines[first - 1], first_node.col_offset)
            if first == first_node.lineno
            else _indent(lines[first - 1])
        )
        end = _column(lines[last - 1], last_node.end_col_offset)
        stub = _stub(reduced[first - 1 : last], start, end)
        left_out += sum(map(len, reduced[first - 1 : last])) - sum(map(len, stub))
        reduced[first - 1 : last] = stub
    # A run of module-level statements is one statement now, starting where its first did.
    stubbed = {id(run[0].node): _first_row(run[0].node) for run in runs}
    merged = {id(part.node) for run in runs for part in run[1:]}
    rows = [
        stubbed.get(id(statement), statement.lineno)
        for statement in index.node.body
        if id(statement) not in merged
    ]
    mentions = frozenset().union(*(part.mentions for run in runs for part in run))
    return Reduced("".join(reduced), rows, mentions, len(source) - left_out)


def _leave_out(
    parts: Sequence["ModuleIndex"],
    top: bool,
    index: "ModuleIndex",
    rules: Sequence[Type["Rule"]],
    runs: List[List["ModuleIndex"]],
) -> None:
    """Adds to `runs` each run of neighbours in `parts` that no rule wants. (Not a
    closure: a recursive one is a reference cycle, which would keep the whole `ast`
    alive until the cycle collector, paused while a file is linted, runs again.)"""
    run: List["ModuleIndex"] = []
    for part in parts:
        header = top and _is_header(part.node)
        if not header and not any(rule.wants_part(part, index) for rule in rules):
            run.append(part)
            continue
        if run:
            runs.append(run)
            run = []
        if not header:
            _leave_out(part.parts, False, index, rules, runs)  # the members of a class, the rows of a table
    if run:
        runs.append(run)


def identifiers(texts: Iterable[str]) -> Set[str]:
    """The names in pieces of code (`self.x[i]` names `self`, `x` and `i`)."""
    return {name for text in texts for name in _IDENTIFIER.findall(text)}


def _is_header(node: ast.AST) -> bool:
    """Imports and strings are always parsed: a fix that adds an import places it
    after the docstring and the imports at the top."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _first_row(node: ast.AST) -> int:
    decorators = getattr(node, "decorator_list", None)
    return min([node.lineno] + [d.lineno for d in decorators]) if decorators else node.lineno


def _column(line: str, offset: int) -> int:
    """The column, in characters, of a column `ast` counts in bytes of UTF-8."""
    return offset if line.isascii() else len(line.encode("utf-8")[:offset].decode("utf-8"))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(_WHITESPACE))


def _stub(lines: Sequence[str], start: int, end: int) -> List[str]:
    """`lines` with the code from column `start` of the first to column `end` of the
    last replaced by an expression that spans the same lines and columns, each line
    keeping its ending (and its length: see below), and means nothing to any rule (`0 or \"\"\"...\"\"\"`:
    one string token, whatever the size; not a docstring)."""
    head, tail = lines[0][:start], lines[-1][end:]
    if len(lines) == 1:
        return [head + "0".ljust(end - start) + tail]
    endings = [line[len(line.rstrip("\r\n")) :] for line in lines[:-1]]
    width = len(lines[0]) - len(endings[0]) - start
    # Each line keeps its length, but a last line with nothing after the stub (`]` of a
    # table at column 1): the closing quotes may pass its end. Where the string's
    # quotes do not fit, parentheses span the lines instead (`()`, an empty tuple),
    # which libcst reads as one node per line.
    string = width >= 8 and (end >= 3 or not tail.strip())
    opening, closing = ('0 or """', '"""') if string else ("(", ")")
    return [head + opening.ljust(width) + endings[0], *endings[1:], closing.rjust(end) + tail]
