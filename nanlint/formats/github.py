from __future__ import annotations

from typing import List

from nanlint.linting.batch import FileOutcome


def _escape(text: str, property_value: bool = False) -> str:
    # As GitHub's toolkit escapes workflow command data and properties.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github(outcomes: List[FileOutcome], color: bool) -> str:
    """GitHub Actions workflow commands: one `::error` annotation per finding. In a
    notebook the annotation is on the line of the notebook's JSON that holds the cell's
    row, and the message says which cell."""
    lines = []
    for outcome in outcomes:
        for d in outcome.reported():
            line, column = outcome.in_file(d.location)
            end_line, end_column = outcome.in_file(d.end_location)
            properties = ",".join(
                [
                    f"title={_escape(f'nanlint ({d.code})', True)}",
                    f"file={_escape(d.filename, True)}",
                    f"line={line}",
                    f"col={column}",
                    f"endLine={end_line}",
                    f"endColumn={end_column}",
                ]
            )
            cell = f"cell {d.location.cell}:{d.location.row}:{d.location.column}: " if d.location.cell else ""
            lines.append(f"::{outcome.level(d)} {properties}::{_escape(f'{cell}{d.code} {d.message}')}")
    return "".join(line + "\n" for line in lines)
