from __future__ import annotations

from typing import List

from nanlint.linting.batch import FileOutcome
from nanlint.formats.style import paint
from nanlint.rule import Diagnostic


def full(outcomes: List[FileOutcome], color: bool) -> str:
    """Each finding with its source line and a caret under the span, as ruff prints."""
    blocks = []
    for outcome in outcomes:
        for d in outcome.reported():
            blocks.append(_block(d, outcome, color))
    return "\n".join(blocks)


def _block(d: Diagnostic, outcome: FileOutcome, color: bool) -> str:
    head = (
        f"{paint(f'{d.filename}:{d.location.label()}:', 'bold', color)} "
        f"{paint(d.code, 'red+bold', color)} {d.message}\n"
    )
    row = d.location.row
    line = outcome.source_line(d.location)
    if line is None:
        return head
    text = line.rstrip("\r\n").replace("\t", " ")
    gutter = str(row)
    pad = " " * len(gutter)
    start = d.location.column - 1
    end = d.end_location.column - 1 if d.end_location.row == row else len(text)
    width = max(1, end - start)
    out = [head, paint(f"{pad} |", "blue+bold", color) + "\n"]
    out.append(paint(f"{gutter} |", "blue+bold", color) + f" {text}\n")
    out.append(paint(f"{pad} |", "blue+bold", color) + " " + " " * start + paint("^" * width, "red+bold", color) + "\n")
    if d.fix is not None:
        label = "Fix" if d.fix.applicability == "safe" else "Unsafe fix"
        out.append(paint(f"{pad} = help:", "cyan+bold", color) + f" {label}: {d.fix.message}\n")
    for related in d.related:
        where = f"{d.filename}:{related.location.label()}"
        out.append(paint(f"{pad} = note:", "yellow+bold", color) + f" {related.message} ({where})\n")
    if d.fix_note:
        out.append(paint(f"{pad} = note:", "yellow+bold", color) + f" {d.fix_note}\n")
    return "".join(out)
