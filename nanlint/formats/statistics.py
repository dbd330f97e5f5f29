"""`--statistics`: the number of findings per rule, as a table or, like ruff's
`--statistics --output-format json`, as a JSON list."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Dict, List

from nanlint.linting.batch import FileOutcome
from nanlint.rule import Diagnostic


def _safe_fix(d: Diagnostic) -> bool:
    return bool(d.fix and d.fix.applicability == "safe")


def statistics_text(outcomes: List[FileOutcome]) -> str:
    """`count  CODE  [*] name`, findings with a safe fix and the others apart, most first."""
    counts = Counter((d.code, d.name, _safe_fix(d)) for o in outcomes for d in o.reported())
    lines = [
        f"{count:>6}  {code}  {'[*] ' if fixable else '    '}{name}"
        for (code, name, fixable), count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return "".join(line + "\n" for line in lines)


def statistics_json(outcomes: List[FileOutcome]) -> str:
    """One object per code, as ruff writes them: `code`, `name`, `count`, `fixable`
    (every finding has a safe fix) and `fixable_count`."""
    rows: Dict[str, Dict[str, Any]] = {}
    for o in outcomes:
        for d in o.reported():
            row = rows.setdefault(d.code, {"code": d.code, "name": d.name, "count": 0, "fixable_count": 0})
            row["count"] += 1
            row["fixable_count"] += _safe_fix(d)
    ordered = sorted(rows.values(), key=lambda row: (-row["count"], row["code"]))
    listed = [
        {
            "code": row["code"],
            "name": row["name"],
            "count": row["count"],
            "fixable": row["fixable_count"] == row["count"],
            "fixable_count": row["fixable_count"],
        }
        for row in ordered
    ]
    return json.dumps(listed, indent=2) + "\n"
