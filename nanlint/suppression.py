"""`# noqa` and `# nanlint: ignore[...]` comments."""

from __future__ import annotations

import re
from typing import FrozenSet, Iterable, List, Optional

from nanlint.rule import Diagnostic
from nanlint.sources import split_lines

ALL = frozenset({"*"})

# As flake8 and ruff read it: `# noqa`, `# noqa: A1, B2`, `# NOQA:A1`.
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*nanlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


def suppressed_codes(line: str) -> Optional[FrozenSet[str]]:
    """The codes a line's comment suppresses; `ALL` for a bare one; None for none."""
    if "#" not in line:
        return None
    codes: set = set()
    found = False
    for pattern in (_NOQA, _IGNORE):
        for match in pattern.finditer(line):
            found = True
            listed = match.group("codes")
            if not listed or not listed.strip():
                return ALL
            codes.update(code.upper() for code in _CODE.findall(listed))
    return frozenset(codes) if found else None


def is_suppressed(diagnostic: Diagnostic, lines: List[str]) -> bool:
    rows = {diagnostic.location.row, diagnostic.statement_row}
    for row in rows:
        if 0 < row <= len(lines):
            codes = suppressed_codes(lines[row - 1])
            if codes is not None and (codes is ALL or diagnostic.code in codes):
                return True
    return False


def drop_suppressed(diagnostics: Iterable[Diagnostic], source: str) -> List[Diagnostic]:
    diagnostics = list(diagnostics)
    if not diagnostics or "#" not in source:
        return diagnostics
    lines = split_lines(source)
    return [d for d in diagnostics if not is_suppressed(d, lines)]
