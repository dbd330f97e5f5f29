from __future__ import annotations

import json
from typing import Any, Dict, List

from nanlint.linting.batch import FileOutcome
from nanlint.rule import Diagnostic
from nanlint.linting.unchecked import CODE as NOT_CHECKED


def _row(d: Diagnostic) -> Dict[str, Any]:
    row = d.to_json()
    # As ruff's: the row where a `# noqa: CODE` silences the finding (null for NAN000,
    # which nothing silences), and where the rule's page is: nanlint has no web site
    # of its own, so the command that prints the page, for any installed version.
    row["noqa_row"] = None if d.code == NOT_CHECKED else d.location.row
    row["doc"] = f"nanlint rule {d.code}"
    return row


def json_format(outcomes: List[FileOutcome], color: bool) -> str:
    """A list of finding objects; the schema is documented in the README and stable."""
    rows = [_row(d) for outcome in outcomes for d in outcome.reported()]
    return json.dumps(rows, indent=2) + "\n"
