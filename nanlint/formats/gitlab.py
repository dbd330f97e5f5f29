from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from typing import Any, Dict, List

from nanlint.linting.batch import FileOutcome
from nanlint.linting.unchecked import CODE as NOT_CHECKED


def _path(path: str) -> str:
    """Relative to the project, as GitLab links it: to $CI_PROJECT_DIR in a GitLab job
    (as ruff does), to the current folder otherwise."""
    base = os.environ.get("CI_PROJECT_DIR") or os.getcwd()
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, base)
    except ValueError:  # another drive on Windows
        relative = absolute
    if relative.startswith(".."):
        relative = path
    return relative.replace(os.sep, "/")


def gitlab(outcomes: List[FileOutcome], color: bool) -> str:
    """GitLab code quality report: a JSON list of issues that merge requests show."""
    issues: List[Dict[str, Any]] = []
    seen: Counter = Counter()
    for outcome in outcomes:
        for d in outcome.reported():
            path = _path(d.filename)
            # The fingerprint names the finding without its row, so that it stays the
            # same when code above it moves; the same finding twice in a file is told
            # apart by its order.
            key = (path, d.code, d.message)
            seen[key] += 1
            fingerprint = hashlib.sha256("\0".join([*key, str(seen[key])]).encode("utf-8")).hexdigest()
            if d.code != NOT_CHECKED:
                severity = "major"
            else:
                severity = "critical" if outcome.level(d) == "error" else "info"
            issues.append(
                {
                    "check_name": d.code,
                    "description": d.message,
                    "fingerprint": fingerprint,
                    "severity": severity,
                    "location": {
                        "path": path,
                        # In a notebook, the lines of its JSON that hold the cell's rows.
                        "lines": {"begin": outcome.in_file(d.location)[0], "end": outcome.in_file(d.end_location)[0]},
                    },
                }
            )
    return json.dumps(issues, indent=2) + "\n"
