from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from typing import List

from nanlint.linting.batch import FileOutcome
from nanlint.linting.unchecked import CODE as NOT_CHECKED


def junit(outcomes: List[FileOutcome], color: bool) -> str:
    """JUnit XML for CI test reports, laid out as ruff's: a test suite per file, a
    failing test case per finding. A file not checked (NAN000) is an `error`, or
    `skipped` when it was only skipped with a warning (a notebook, newer syntax)."""
    root = ET.Element("testsuites", name="nanlint")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for outcome in outcomes:
        found = outcome.reported()
        if not found:
            continue
        suite = ET.SubElement(root, "testsuite", name=outcome.path, package="org.nanlint")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for d in found:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"org.nanlint.{d.code}",
                classname=os.path.splitext(d.filename)[0],
                line=str(d.location.row),
                column=str(d.location.column),
            )
            if d.code != NOT_CHECKED:
                kind = "failure"
            else:
                kind = "error" if outcome.level(d) == "error" else "skipped"
            result = ET.SubElement(case, kind, message=d.message)
            cell = f"cell {d.location.cell}, " if d.location.cell else ""
            result.text = f"{cell}line {d.location.row}, col {d.location.column}, {d.message}"
            counts["tests"] += 1
            counts["failures" if kind == "failure" else "errors" if kind == "error" else "skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    if totals["tests"] == 0:
        # A report with no test case reads as "nothing ran"; one passing case says the run passed.
        suite = ET.SubElement(root, "testsuite", name="nanlint", package="org.nanlint", tests="1")
        suite.set("failures", "0")
        suite.set("errors", "0")
        suite.set("skipped", "0")
        ET.SubElement(suite, "testcase", name="No findings", classname="nanlint")
        totals["tests"] = 1
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
