from __future__ import annotations

import json
import os
from urllib.parse import quote
from typing import Any, Dict, List

from nanlint import __version__
from nanlint.linting.batch import FileOutcome

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(path: str) -> str:
    """A URI reference for a path: `/` separators, spaces and the like %-encoded."""
    path = path.replace(os.sep, "/")
    if path.startswith("./"):
        path = path[2:]
    return quote(path, safe="/@!$&'()*+,;=-._~")


def _location(outcome: FileOutcome, filename: str, location, message: str, identifier: int) -> Dict[str, Any]:
    line, column = outcome.in_file(location)
    return {
        "id": identifier,
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(filename)},
            "region": {"startLine": line, "startColumn": column},
        },
        "message": {"text": _in_cell(location) + message},
    }


def _in_cell(location) -> str:
    return f"cell {location.cell}:{location.row}:{location.column}: " if location.cell else ""


def sarif(outcomes: List[FileOutcome], color: bool) -> str:
    """SARIF 2.1.0, for code scanning (GitHub, GitLab, IDEs)."""
    from nanlint.linting import unchecked
    from nanlint.docs import render, rule_description
    from nanlint.rule import all_rules

    rules = [
        {
            "id": unchecked.CODE,
            "name": unchecked.NAME,
            "shortDescription": {"text": unchecked.SUMMARY},
            "fullDescription": {"text": unchecked.SUMMARY + "."},
            "help": {"text": unchecked.PAGE, "markdown": unchecked.PAGE},
            "properties": {"fixable": False},
        }
    ] + [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule_description(rule)},
            # The rule page (`nanlint rule CODE`), shown by code scanning beside a result.
            "help": {"text": render(rule), "markdown": render(rule)},
            "properties": {"fixable": rule.fixable},
        }
        for rule in all_rules()
    ]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results: List[Dict[str, Any]] = []
    for outcome in outcomes:
        for d in outcome.reported():
            # In a notebook: the region is where the JSON file holds the cell's row (the
            # file is what code scanning shows), and the cell is named in the message.
            (line, column), (end_line, end_column) = outcome.in_file(d.location), outcome.in_file(d.end_location)
            result: Dict[str, Any] = {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": outcome.level(d),
                "message": {"text": _in_cell(d.location) + d.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(d.filename)},
                            "region": {
                                "startLine": line,
                                "startColumn": column,
                                "endLine": end_line,
                                "endColumn": end_column,
                            },
                        }
                    }
                ],
            }
            if d.location.cell:
                result["properties"] = {"cell": d.location.cell, "row": d.location.row, "column": d.location.column}
            if d.related:
                # Where the value was made and passed on: code scanning lists them beside
                # the result, and steps through the flow from the source to the use.
                related = [
                    _location(outcome, d.filename, r.location, r.message, i) for i, r in enumerate(d.related, 1)
                ]
                result["relatedLocations"] = related
                steps = [{"location": location} for location in related]
                steps.append({"location": {**result["locations"][0], "message": {"text": d.message}}})
                result["codeFlows"] = [{"threadFlows": [{"locations": steps}]}]
            if d.fix is not None and not d.location.cell:
                # A notebook's edits are in its cells, not in its JSON text: no fix to offer there.
                unsafe = d.fix.applicability != "safe"
                result["fixes"] = [
                    {
                        # A viewer that offers to apply fixes shows the description:
                        # an unsafe one (it can change values) says so there too.
                        "description": {"text": ("Unsafe fix: " if unsafe else "") + d.fix.message},
                        "properties": {"applicability": d.fix.applicability},
                        "artifactChanges": [
                            {
                                "artifactLocation": {"uri": _uri(d.filename)},
                                "replacements": [
                                    {
                                        "deletedRegion": {
                                            "startLine": e.location.row,
                                            "startColumn": e.location.column,
                                            "endLine": e.end_location.row,
                                            "endColumn": e.end_location.column,
                                        },
                                        "insertedContent": {"text": e.content},
                                    }
                                    for e in d.fix.edits
                                ],
                            }
                        ],
                    }
                ]
            results.append(result)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nanlint",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
                # nanlint's columns count characters, not SARIF's default UTF-16 units.
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
