from __future__ import annotations

from typing import List

from nanlint.batch import FileOutcome


def _escape(text: str, property_value: bool = False) -> str:
    # As GitHub's toolkit escapes workflow command data and properties.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github(outcomes: List[FileOutcome], color: bool) -> str:
    """GitHub Actions workflow commands: one `::error` annotation per finding."""
    lines = []
    for outcome in outcomes:
        for d in outcome.reported():
            properties = ",".join(
                [
                    f"title={_escape(f'nanlint ({d.code})', True)}",
                    f"file={_escape(d.filename, True)}",
                    f"line={d.location.row}",
                    f"col={d.location.column}",
                    f"endLine={d.end_location.row}",
                    f"endColumn={d.end_location.column}",
                ]
            )
            lines.append(f"::{outcome.level(d)} {properties}::{_escape(f'{d.code} {d.message}')}")
    return "".join(line + "\n" for line in lines)
