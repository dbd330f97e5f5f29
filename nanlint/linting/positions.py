"""Line and column ranges of the nodes a finding names, computed only where needed.

libcst's position providers regenerate the code of the whole module to place every
node in it; a file with one finding needs a handful. Python's `ast` already gave the
line on which each top-level statement starts, so this regenerates only the
top-level statements that hold the nodes asked for and shifts their lines. Both
providers' ranges are kept: syntactic ones (where a finding is shown) and
whitespace-inclusive ones (what a replacement replaces, parentheses included).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst._position import CodePosition, CodeRange
from libcst.metadata import MetadataWrapper, PositionProvider, WhitespaceInclusivePositionProvider
from libcst.metadata.position_provider import (
    NEWLINE_RE,
    PositionProvidingCodegenState,
    WhitespaceInclusivePositionProvidingCodegenState,
)


class Positions:
    def __init__(self, module: cst.Module, source_lines: Sequence[str], statement_rows: Optional[Sequence[int]]):
        """`statement_rows`: the line each statement of `module.body` starts on, as `ast`
        numbers it (the `def` line of a decorated function), or None if unknown."""
        self._module = module
        self._lines = source_lines
        self._rows = dict(zip(map(id, module.body), statement_rows)) if statement_rows is not None else {}
        self.syntactic: Dict[cst.CSTNode, CodeRange] = {}
        self.inclusive: Dict[cst.CSTNode, CodeRange] = {}
        self._done: set = set()
        self._whole = False

    def locate(self, node: cst.CSTNode, top: Optional[cst.CSTNode]) -> None:
        """Make the ranges of `node` available; `top` is the module-level statement
        that holds it (the engine's ancestors tell), if known."""
        if node in self.syntactic or self._whole:
            return
        if top is not None and id(top) not in self._done and self._locate_statement(top):
            if node in self.syntactic:
                return
        self._locate_module()

    def _locate_statement(self, statement: cst.CSTNode) -> bool:
        self._done.add(id(statement))
        row = self._rows.get(id(statement))
        if row is None:
            return False
        syntactic, code = _ranges(statement, self._module, PositionProvidingCodegenState)
        own = syntactic[statement].start.line
        shift = row - own
        text = NEWLINE_RE.split(code)
        # Trust the shift only if the statement's first line reads the same in the file.
        if not (0 < row <= len(self._lines) and own <= len(text)):
            return False
        if NEWLINE_RE.split(self._lines[row - 1])[0] != text[own - 1]:
            return False
        inclusive, _ = _ranges(statement, self._module, WhitespaceInclusivePositionProvidingCodegenState)
        self.syntactic.update((node, _shift(where, shift)) for node, where in syntactic.items())
        self.inclusive.update((node, _shift(where, shift)) for node, where in inclusive.items())
        return True

    def _locate_module(self) -> None:
        wrapper = MetadataWrapper(self._module, unsafe_skip_copy=True)
        self.syntactic.update(wrapper.resolve(PositionProvider))
        self.inclusive.update(wrapper.resolve(WhitespaceInclusivePositionProvider))
        self._whole = True


class _Collector:
    """Stands in for a metadata provider: the codegen states write into `_computed`."""

    def __init__(self) -> None:
        self._computed: Dict[cst.CSTNode, CodeRange] = {}


def _ranges(node: cst.CSTNode, module: cst.Module, state_type) -> Tuple[Dict[cst.CSTNode, CodeRange], str]:
    """The ranges of `node` and everything in it, counted from its own first line; its code."""
    collector = _Collector()
    state = state_type(
        default_indent=module.default_indent, default_newline=module.default_newline, provider=collector
    )
    node._codegen(state)
    return collector._computed, "".join(state.tokens)


def _shift(where: CodeRange, rows: int) -> CodeRange:
    if not rows:
        return where
    return CodeRange(
        CodePosition(where.start.line + rows, where.start.column),
        CodePosition(where.end.line + rows, where.end.column),
    )


def statement_rows(ast_rows: Sequence[int], module: cst.Module) -> Optional[List[int]]:
    """The start line of each statement in `module.body`, from the lines of the `ast`
    statements of the same source (`ast_rows`): a line of `a = 1; b = 2` is one
    statement to libcst and two to `ast`."""
    rows: List[int] = []
    index = 0
    for statement in module.body:
        if index >= len(ast_rows):
            return None
        rows.append(ast_rows[index])
        index += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    return rows if index == len(ast_rows) else None
