from __future__ import annotations

from typing import List

from nanlint.batch import FileOutcome


def pylint(outcomes: List[FileOutcome], color: bool) -> str:
    """`path:row: [CODE] message`, the line pylint's parseable format writes (as ruff)."""
    return "".join(
        f"{d.filename}:{d.location.row}: [{d.code}] {d.message}\n" for o in outcomes for d in o.reported()
    )
