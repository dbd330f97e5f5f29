from __future__ import annotations

from typing import List

from nanlint.linting.batch import FileOutcome
from nanlint.formats.style import paint
from nanlint.rule import Diagnostic


def grouped(outcomes: List[FileOutcome], color: bool) -> str:
    """Findings under their file's name, `row:col CODE message`, aligned, as ruff groups."""
    blocks = []
    for outcome in outcomes:
        found = outcome.reported()
        if not found:
            continue
        row_width = max(len(_row(d)) for d in found)
        column_width = max(len(str(d.location.column)) for d in found)
        lines = [paint(f"{outcome.path}:", "bold", color)]
        for d in found:
            where = f"{_row(d):>{row_width}}:{d.location.column:<{column_width}}"
            fixable = " [*]" if d.fix and d.fix.applicability == "safe" else ""
            lines.append(f"  {where} {paint(d.code, 'red+bold', color)}{fixable} {d.message}")
        blocks.append("".join(line + "\n" for line in lines) + "\n")
    return "".join(blocks)


def _row(d: Diagnostic) -> str:
    """The row, `cell N:row` in a notebook."""
    return f"cell {d.location.cell}:{d.location.row}" if d.location.cell else str(d.location.row)
