"""Applying fixes without ever breaking a file.

Fixes are text edits, so every byte outside an edit stays as it was: comments,
quotes, the encoding and the line endings. Each round applies the fixes whose
edits do not overlap, checks that the result still parses, and lints again;
rounds repeat until nothing changes. A fix whose result does not parse is
dropped, and its finding says so.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from nanlint.linting.engine import Linter
from nanlint.rule import SAFE, Diagnostic, Edit, Fix
from nanlint.reading.sources import split_lines

MAX_ROUNDS = 10


@dataclass
class FixResult:
    text: str
    fixed: List[Diagnostic] = field(default_factory=list)  # the findings whose fix was applied
    remaining: List[Diagnostic] = field(default_factory=list)
    # Set when fixing stopped at MAX_ROUNDS while fixes were still being found.
    unconverged: bool = False


def applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    return fix is not None and (unsafe or fix.applicability == SAFE)


def _offsets(text: str) -> List[int]:
    """Offset of the start of each 1-based row (index 0 unused), plus the end."""
    starts = [0, 0]
    for line in split_lines(text):
        starts.append(starts[-1] + len(line))
    return starts


def _span(edit: Edit, starts: List[int]) -> Tuple[int, int]:
    def offset(row: int, column: int) -> int:
        if row >= len(starts):
            return starts[-1]
        return starts[row] + column - 1

    return offset(edit.location.row, edit.location.column), offset(edit.end_location.row, edit.end_location.column)


def _conflict(a: Tuple[int, int, str], b: Tuple[int, int, str]) -> bool:
    if a == b:
        return False  # the same edit asked twice (e.g. one import for two fixes)
    if a[0] == a[1] and b[0] == b[1]:
        return a[0] == b[0]
    return a[0] < b[1] and b[0] < a[1] or (a[0] == a[1] and b[0] < a[0] < b[1]) or (b[0] == b[1] and a[0] < b[0] < a[1])


def apply_fixes(text: str, fixes: Sequence[Fix]) -> Tuple[str, List[int]]:
    """Apply the fixes that do not overlap an earlier one; the indexes of those applied."""
    starts = _offsets(text)
    chosen: List[Tuple[int, int, str]] = []
    applied: List[int] = []
    for index, fix in enumerate(fixes):
        spans = [(*_span(edit, starts), edit.content) for edit in fix.edits]
        if any(_conflict(span, other) for span in spans for other in chosen):
            continue
        chosen.extend(span for span in spans if span not in chosen)
        applied.append(index)
    # From the end, so that earlier offsets stay valid; at one offset, the
    # replacement before the insertion that goes in front of it.
    for start, end, content in sorted(chosen, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + content + text[end:]
    return text, applied


def parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def fix_source(
    linter: Linter,
    text: str,
    filename: str,
    codes: Optional[Sequence[str]] = None,
    unsafe: bool = False,
) -> FixResult:
    result = FixResult(text)
    broken: Dict[Tuple[str, str], str] = {}  # (code, fix message + edits) -> why not applied
    for _ in range(MAX_ROUNDS):
        diagnostics = linter.lint_source(result.text, filename, codes)
        candidates = [
            d for d in diagnostics if applicable(d, unsafe) and _key(d) not in broken
        ]
        if not candidates:
            result.remaining = [_with_note(d, broken) for d in diagnostics]
            return result
        new_text, applied = apply_fixes(result.text, [d.fix for d in candidates])
        if not parses(new_text):
            # Find the culprits one by one; keep the others for the next round.
            for diagnostic in candidates:
                alone, _ = apply_fixes(result.text, [diagnostic.fix])
                if not parses(alone):
                    broken[_key(diagnostic)] = "its fix was not applied: the result would not parse"
            continue
        result.text = new_text
        result.fixed.extend(candidates[i] for i in applied)
    result.unconverged = True
    result.remaining = [_with_note(d, broken) for d in linter.lint_source(result.text, filename, codes)]
    return result


def _key(diagnostic: Diagnostic) -> Tuple[str, str]:
    fix = diagnostic.fix
    assert fix is not None
    return diagnostic.code, repr((fix.message, fix.edits))


def _with_note(diagnostic: Diagnostic, broken: Dict[Tuple[str, str], str]) -> Diagnostic:
    if diagnostic.fix is None or _key(diagnostic) not in broken:
        return diagnostic
    from dataclasses import replace

    return replace(diagnostic, fix_note=broken[_key(diagnostic)])
