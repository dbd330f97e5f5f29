from __future__ import annotations

import json
from typing import List

from nanlint.batch import FileOutcome


def json_format(outcomes: List[FileOutcome], color: bool) -> str:
    """A list of finding objects; the schema is documented in the README and stable."""
    rows = [d.to_json() for outcome in outcomes for d in outcome.reported()]
    return json.dumps(rows, indent=2) + "\n"
