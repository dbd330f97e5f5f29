from __future__ import annotations

from typing import List

from nanlint.linting.batch import FileOutcome
from nanlint.formats.style import paint


def concise(outcomes: List[FileOutcome], color: bool) -> str:
    """`path:row:col: CODE message`, one finding a line: what editors parse."""
    lines = []
    for outcome in outcomes:
        for d in outcome.reported():
            where = paint(f"{d.filename}:{d.location.label()}:", "bold", color)
            fixable = " [*]" if d.fix and d.fix.applicability == "safe" else ""
            lines.append(f"{where} {paint(d.code, 'red+bold', color)}{fixable} {d.message}")
    return "".join(line + "\n" for line in lines)
