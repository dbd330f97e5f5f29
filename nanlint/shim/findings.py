"""From a finding and its fix to the two pieces of code the shim compares.

A fix is a set of text edits. When the edits and the flagged span lie inside one
expression, the original is the smallest expression holding them all and the
fixed form is that expression with the edits applied. When they span several
statements (NAN002 moves an eps from a later statement into a root computed in
an earlier one), both are the smallest straight-line run of statements of the
enclosing body that holds every edit, compared on the value of the last
statement's target. Edits that only add an import are not part of either: the
fixed form resolves names with the fixed file's imports.

Nothing here runs code; `nanlint.shim.safety` validates what comes out.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from nanlint.rule import Diagnostic, Edit, Location
from nanlint.shim.safety import Refused, compile_program
from nanlint.reading.sources import split_lines

_IMPORT_LINE = re.compile(r"^\s*(import\s+[\w.]+(\s+as\s+\w+)?|from\s+[\w.]+\s+import\s+[\w\s,()]+)\s*$")


@dataclass
class Comparison:
    """The original and fixed code of one finding, and what their names mean."""

    original: str
    fixed: str
    is_block: bool
    aliases_original: Dict[str, str]
    aliases_fixed: Dict[str, str]
    # Literal defaults of the enclosing function's parameters (`eps=1e-6`).
    defaults: Dict[str, Any] = field(default_factory=dict)


class _Text:
    """Row/column <-> offset for one text, in characters as the Locations count them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        self.starts = [0, 0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, location: Location) -> int:
        if location.row >= len(self.starts):
            return len(self.text)
        return self.starts[location.row] + location.column - 1

    def ast_offset(self, row: int, byte_column: int) -> int:
        """An ast position (1-based row, UTF-8 byte column) as a character offset."""
        if row >= len(self.starts) or row < 1:
            return len(self.text)
        line = self.lines[row - 1] if row - 1 < len(self.lines) else ""
        column = len(line.encode("utf-8")[:byte_column].decode("utf-8", errors="ignore"))
        return self.starts[row] + column

    def span(self, node: ast.AST) -> Tuple[int, int]:
        return (
            self.ast_offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self.ast_offset(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )


def is_import_edit(edit: Edit) -> bool:
    return (
        edit.location == edit.end_location
        and edit.location.column == 1
        and bool(_IMPORT_LINE.match(edit.content.strip("\r\n")))
    )


def comparison_for(text: str, diagnostic: Diagnostic) -> Comparison:
    """What to compare for `diagnostic`'s fix in `text`; raises Refused when it cannot be built."""
    fix = diagnostic.fix
    if fix is None:
        raise Refused("the finding has no fix")
    edits = [edit for edit in fix.edits if not is_import_edit(edit)]
    if not edits:
        raise Refused("the fix only adds imports")
    tree = _parse(text, "the file")
    from nanlint.fixing.fixer import apply_fixes

    fixed_text, applied = apply_fixes(text, [fix])
    if not applied:
        raise Refused("the fix's edits overlap")
    fixed_tree = _parse(fixed_text, "the fixed file")
    aliases_original = import_aliases(tree)
    aliases_fixed = import_aliases(fixed_tree)
    positions = _Text(text)
    spans = [(positions.offset(e.location), positions.offset(e.end_location)) for e in edits]
    flagged = (positions.offset(diagnostic.location), positions.offset(diagnostic.end_location))
    low = min([flagged[0]] + [s for s, _ in spans])
    high = max([flagged[1]] + [e for _, e in spans])

    node = _smallest_expression(tree, positions, low, high)
    if node is not None:
        start, end = positions.span(node)
        original = text[start:end]
        fixed = _apply(original, [(s - start, e - start, edit.content) for (s, e), edit in zip(spans, edits)])
        return Comparison(original, fixed, False, aliases_original, aliases_fixed, _defaults(tree, positions, start))

    points = [flagged[0], max(flagged[0], flagged[1] - 1)]
    for start, end in spans:
        if start == end:
            points.append(_next_code(text, start))
        else:
            points.extend((start, end - 1))
    body, first, last = _smallest_block(tree, positions, points)
    block_start = positions.starts[body[first].lineno]
    block_end = positions.ast_offset(body[last].end_lineno, body[last].end_col_offset)
    if text[block_start : positions.ast_offset(body[first].lineno, body[first].col_offset)].strip():
        raise Refused("the first statement of the block shares its line with another statement")
    original = text[block_start:block_end]
    relative = [(s - block_start, e - block_start, edit.content) for (s, e), edit in zip(spans, edits)]
    if any(s < 0 or e > len(original) for s, e, _ in relative):
        raise Refused("the fix edits code outside the statements it changes")
    fixed = _apply(original, relative)
    return Comparison(
        textwrap.dedent(original),
        textwrap.dedent(fixed),
        True,
        aliases_original,
        aliases_fixed,
        _defaults(tree, positions, block_start),
    )


def import_aliases(tree: ast.AST) -> Dict[str, str]:
    """Local name -> what it imports (`{"T": "torch", "sqrt": "torch.sqrt"}`), from
    every import in the file. Only allowed modules are ever bound to these names."""
    aliases: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _parse(text: str, what: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError) as error:
        raise Refused(f"{what} does not parse: {error}") from None


def _apply(text: str, edits: Sequence[Tuple[int, int, str]]) -> str:
    for start, end, content in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + content + text[end:]
    return text


def _next_code(text: str, offset: int) -> int:
    """Where an inserted line lands: the first non-blank character after it."""
    while offset < len(text) and text[offset] in " \t\r\n\f":
        offset += 1
    return offset


def _smallest_expression(tree: ast.AST, positions: _Text, low: int, high: int) -> Optional[ast.expr]:
    best: Optional[ast.expr] = None
    best_size = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.expr) or isinstance(node, (ast.Lambda,)) or not hasattr(node, "end_lineno"):
            continue
        start, end = positions.span(node)
        if start <= low and high <= end and (best_size is None or end - start < best_size):
            best, best_size = node, end - start
    return best


def _bodies(tree: ast.AST):
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            body = getattr(node, name, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                yield body
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                yield handler.body


def _smallest_block(tree: ast.AST, positions: _Text, points: List[int]) -> Tuple[List[ast.stmt], int, int]:
    """The innermost statement list holding every point, and the first and last index used."""
    best = None
    for body in _bodies(tree):
        spans = [positions.span(statement) for statement in body]
        indexes = []
        for point in points:
            found = next((i for i, (s, e) in enumerate(spans) if s <= point < max(e, s + 1)), None)
            if found is None:
                break
            indexes.append(found)
        else:
            first, last = min(indexes), max(indexes)
            size = spans[last][1] - spans[first][0]
            if best is None or size < best[3]:
                best = (body, first, last, size)
    if best is None:
        raise Refused("the fix's edits are not inside one run of statements")
    return best[0], best[1], best[2]


def _defaults(tree: ast.AST, positions: _Text, offset: int) -> Dict[str, Any]:
    """Literal defaults of the parameters of the innermost function around `offset`."""
    found: Dict[str, Any] = {}
    best_size = None
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        start, end = positions.span(node)
        if not (start <= offset < end) or (best_size is not None and end - start >= best_size):
            continue
        best_size = end - start
        found = {}
        arguments = node.args
        positional = arguments.posonlyargs + arguments.args
        pairs = list(zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults))
        pairs += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None]
        for argument, default in pairs:
            value = _literal(default)
            if value is not None:
                found[argument.arg] = value
    return found


def _literal(node: ast.AST) -> Optional[Any]:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, (bool, int, float)) else None


def programs_for(text: str, diagnostic: Diagnostic):
    """The validated original and fixed programs of a finding, and parameter defaults."""
    comparison = comparison_for(text, diagnostic)
    original = compile_program(comparison.original, comparison.aliases_original)
    result_name = original.result[1] if original.result[0] == "name" else None
    fixed = compile_program(comparison.fixed, comparison.aliases_fixed, result_name=result_name)
    return original, fixed, comparison.defaults


def verify_diagnostic(text: str, diagnostic: Diagnostic, **options: Any):
    """The verdict on one finding's fix in `text` (options as for `verify_fix`)."""
    from nanlint.shim.verify import SKIPPED, Verdict, verify_programs

    try:
        original, fixed, defaults = programs_for(text, diagnostic)
    except Refused as refused:
        return Verdict(SKIPPED, reason=str(refused))
    return verify_programs(original, fixed, defaults=defaults, **options)


def verify_source(text: str, diagnostics: Sequence[Diagnostic], **options: Any) -> List[Tuple[Diagnostic, Any]]:
    """Verdicts for every finding with a fix."""
    return [(d, verify_diagnostic(text, d, **options)) for d in diagnostics if d.fix is not None]
