"""`--add-noqa`: a `# noqa: CODE` comment for every finding, to adopt nanlint on a
codebase that has many and see only new ones from then on (ruff's `--add-noqa`).

The comment goes at the end of the flagged line, after any comment already there;
a `# noqa: E501` already on it gets the code added instead. A line that ends inside
a multi-line string or with a backslash cannot take a comment: the statement's last
line gets it, where it counts as well (`nanlint.linting.suppression`).
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

from nanlint.rule import Diagnostic
from nanlint.reading.sources import SourceError, read_source, split_lines
from nanlint.fixing.fixer import parses
from nanlint.fixing.writing import write_source
from nanlint.linting.suppression import ALL, UNUSED_NOQA, Suppressions, is_noqa


def add_noqa(text: str, diagnostics: Sequence[Diagnostic]) -> Tuple[str, int]:
    """`text` with noqa comments for `diagnostics`; the number of lines given one."""
    suppressions = Suppressions(text)
    wanted: Dict[int, List[str]] = {}
    for diagnostic in diagnostics:
        if diagnostic.code == UNUSED_NOQA:
            continue  # a comment to silence an unused comment is not a baseline
        codes = wanted.setdefault(suppressions.comment_row(diagnostic), [])
        if diagnostic.code not in codes:
            codes.append(diagnostic.code)
    lines = split_lines(text)
    for row, codes in wanted.items():
        if 0 < row <= len(lines):
            lines[row - 1] = _with_codes(lines[row - 1], sorted(codes), suppressions, row)
    return "".join(lines), len(wanted)


def _with_codes(line: str, codes: List[str], suppressions: Suppressions, row: int) -> str:
    body = line.rstrip("\r\n")
    newline = line[len(body) :]
    for directive in suppressions.by_row.get(row, ()):
        if directive.codes is ALL:
            return line  # a bare noqa already covers everything
        text = body[directive.start : directive.end]
        if is_noqa(text):
            merged = list(directive.listed) + [code for code in codes if code not in directive.listed]
            return body[: directive.start] + "# noqa: " + ", ".join(merged) + body[directive.end :] + newline
    return body.rstrip() + "  # noqa: " + ", ".join(codes) + newline


def add_noqa_to_files(outcomes) -> Tuple[int, List[Tuple[str, str]]]:
    """Write the comments into each checked file with findings: (lines given a comment,
    [(path, why a file was left as it was)])."""
    added = 0
    errors: List[Tuple[str, str]] = []
    for outcome in outcomes:
        if not outcome.diagnostics or outcome.error:
            continue
        try:
            source = read_source(outcome.path)
            text, count = add_noqa(source.text, outcome.diagnostics)
            if not count or text == source.text:
                continue
            if not parses(text):  # never seen; a file is never broken all the same
                errors.append((outcome.path, "noqa comments not added: the result would not parse"))
                continue
            write_source(source, text)
        except SourceError as error:
            errors.append((outcome.path, str(error)))
            continue
        added += count
    return added, errors

