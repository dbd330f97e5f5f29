from __future__ import annotations

from typing import List

from nanlint.linting.batch import FileOutcome


def pylint(outcomes: List[FileOutcome], color: bool) -> str:
    """`path:row: [CODE] message`, the line pylint's parseable format writes (as ruff);
    `path:cell N:row:` in a notebook."""
    return "".join(
        f"{d.filename}:{_cell(d.location.cell)}{d.location.row}: [{d.code}] {d.message}\n"
        for o in outcomes
        for d in o.reported()
    )


def _cell(cell: int) -> str:
    return f"cell {cell}:" if cell else ""
