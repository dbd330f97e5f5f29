"""Suppression comments: `# noqa`, `# nanlint: ignore[...]`, the file-level
`# nanlint: noqa` (and flake8's `# flake8: noqa`), and the check for suppressions that suppress nothing (NAN100).

Only real comments count (a `# noqa` inside a string does not): the source is
tokenized, which also tells where each logical line (statement) ends.
"""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from nanlint.rule import SAFE, Diagnostic, Edit, Fix, Location
from nanlint.reading.sources import split_lines

ALL = frozenset({"*"})
UNUSED_NOQA = "NAN100"
UNUSED_NOQA_NAME = "unused-noqa"

# As flake8 and ruff read it: `# noqa`, `# noqa: A1, B2`, `# NOQA:A1`.
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*nanlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
# `# nanlint: noqa` (every code) or `# nanlint: noqa: NAN005`: on a line of its own it
# exempts the whole file, as ruff's `# ruff: noqa`; after code, only its line.
_FILE_NOQA = re.compile(
    r"#\s*nanlint:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
# flake8's file-level `# flake8: noqa`, read as flake8 and ruff read it: the whole file,
# every code. flake8 refuses the form with codes (`# flake8: noqa: E123` exempts nothing
# and warns), so nanlint does too rather than guess what was meant.
_FLAKE8_FILE = re.compile(r"#\s*flake8[:=]\s*noqa(?P<listed>\s*:\s*\S+)?", re.IGNORECASE)
# A word every directive above holds: a file without one has none, and is not tokenized.
_DIRECTIVE_WORD = re.compile(r"noqa|nanlint:", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
_OWN_CODE = re.compile(r"NAN[0-9]+$")


@dataclass
class Directive:
    """One suppression comment on one line."""

    row: int
    start: int  # 0-based columns of the directive within its line
    end: int
    codes: FrozenSet[str]  # ALL for a blanket one
    listed: Tuple[str, ...]  # the codes as written, in order
    nanlint_only: bool  # `# nanlint: ...`, which no other tool reads
    file_level: bool  # `# nanlint: noqa`: the whole file's when on a line of its own
    used: Set[str] = field(default_factory=set)

    def suppresses(self, code: str) -> bool:
        return self.codes is ALL or code in self.codes


def _directives(comment: str, row: int, column: int) -> List[Directive]:
    found = []
    for pattern, nanlint_only in ((_NOQA, False), (_IGNORE, True), (_FILE_NOQA, True)):
        file_level = pattern is _FILE_NOQA
        for match in pattern.finditer(comment):
            listed = match.group("codes") or ""
            codes = tuple(code.upper() for code in _CODE.findall(listed))
            found.append(
                Directive(
                    row,
                    column + match.start(),
                    column + match.end(),
                    frozenset(codes) if codes else ALL,
                    codes,
                    nanlint_only,
                    file_level,
                )
            )
    for match in _FLAKE8_FILE.finditer(comment):
        if match.group("listed") is None:
            found.append(Directive(row, column + match.start(), column + match.end(), ALL, (), False, True))
    return found


def is_noqa(text: str) -> bool:
    """Whether `text` is exactly one `# noqa` directive (with or without codes)."""
    return _NOQA.fullmatch(text) is not None


def suppressed_codes(line: str) -> Optional[FrozenSet[str]]:
    """The codes a line's comment suppresses; `ALL` for a bare one; None for none."""
    if "#" not in line:
        return None
    directives = _directives(line, 0, 0)
    if not directives:
        return None
    if any(d.codes is ALL for d in directives):
        return ALL
    return frozenset(code for d in directives for code in d.codes)


class Suppressions:
    """The suppression comments of one source and the extent of its statements."""

    def __init__(self, source: str) -> None:
        self.lines = split_lines(source)
        self.by_row: Dict[int, List[Directive]] = {}
        self.file: List[Directive] = []  # file-level exemptions
        # The last row of the logical line (statement, or compound statement's header)
        # that holds each row: a formatter moves a trailing comment there.
        self.last_row: Dict[int, int] = {}
        # Rows whose end lies inside a token (a multi-line string): no comment can go there.
        self.open_rows: Set[int] = set()
        try:
            self._read_tokens(source)
        except (tokenize.TokenError, SyntaxError, IndentationError):
            # Not Python the tokenizer can read (never seen for a file `ast` parsed):
            # every `#` starts a comment, and each row is its own statement.
            self.by_row, self.file, self.last_row, self.open_rows = {}, [], {}, set()
            self._read_lines()

    def _read_tokens(self, source: str) -> None:
        first: Optional[int] = None
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            kind, text, (row, column) = token.type, token.string, token.start
            if kind == tokenize.COMMENT:
                own_line = not self.lines[row - 1][:column].strip()
                self._add(text, row, column, own_line)
                continue
            if kind in (tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING):
                continue
            if kind in (tokenize.NEWLINE, tokenize.ENDMARKER):
                if first is not None:
                    for inside in range(first, row + 1):
                        self.last_row[inside] = row
                first = None
                continue
            if first is None:
                first = row
            if token.end[0] > row:
                self.open_rows.update(range(row, token.end[0]))

    def _read_lines(self) -> None:
        for row, line in enumerate(self.lines, 1):
            column = line.find("#")
            if column >= 0:
                self._add(line[column:], row, column, not line[:column].strip())

    def _add(self, comment: str, row: int, column: int, own_line: bool) -> None:
        for directive in _directives(comment, row, column):
            if directive.file_level and own_line:
                self.file.append(directive)
            elif directive.file_level and not directive.nanlint_only:
                continue  # `x = 1  # flake8: noqa` is no directive to flake8 at all
            else:
                self.by_row.setdefault(row, []).append(directive)

    def rows_for(self, diagnostic: Diagnostic) -> List[int]:
        """Where a comment suppresses `diagnostic`: its own row, the first row of its
        statement, and the last row of that statement, where formatters (black, ruff
        format) put a trailing comment once they wrap a long statement. ruff itself
        maps a noqa to the last line only for multi-line strings; for a statement any
        of its other rows would be a comment lost among the arguments."""
        row = diagnostic.location.row
        return sorted({row, diagnostic.statement_row, self.last_row.get(row, row)})

    def comment_row(self, diagnostic: Diagnostic) -> int:
        """The row where a comment about `diagnostic` goes: its own, unless that row
        ends inside a multi-line string or with a backslash; then the statement's last."""
        row = diagnostic.location.row
        line = self.lines[row - 1].rstrip("\r\n") if 0 < row <= len(self.lines) else ""
        # A backslash at the end of a line that holds no comment joins it to the next.
        continued = line.endswith("\\") and "#" not in line
        if row in self.open_rows or continued:
            return self.last_row.get(row, row)
        return row

    def suppressing(self, diagnostic: Diagnostic) -> List[Directive]:
        found = [d for d in self.file if d.suppresses(diagnostic.code)]
        for row in self.rows_for(diagnostic):
            found += [d for d in self.by_row.get(row, ()) if d.suppresses(diagnostic.code)]
        return found

    def directives(self) -> Iterable[Directive]:
        for row in sorted(self.by_row):
            yield from self.by_row[row]


def apply_suppressions(
    diagnostics: Sequence[Diagnostic],
    source: str,
    filename: str,
    ran: FrozenSet[str] = frozenset(),
    enabled: FrozenSet[str] = frozenset(),
    known: FrozenSet[str] = frozenset(),
    statement_starts: Optional[Sequence[int]] = None,
) -> List[Diagnostic]:
    """The diagnostics no comment suppresses, plus NAN100's findings when it `ran`.

    `statement_starts`: the first row of each module-level statement, when known: a
    file whose directives all lie outside the statements of its findings is then not
    tokenized (on torch, a 230 kB module with one `# noqa` took 0.1 s to tokenize).

    `ran`: the codes checked in this file; `enabled`: the codes selected for the run
    (those not in `ran` were turned off for this file by per-file-ignores); `known`:
    every code nanlint has."""
    check_unused = UNUSED_NOQA in ran
    if "#" not in source or not (diagnostics or check_unused) or not _DIRECTIVE_WORD.search(source):
        return list(diagnostics)
    if not check_unused and statement_starts is not None and _none_near(diagnostics, source, statement_starts):
        return list(diagnostics)
    suppressions = Suppressions(source)
    kept = []
    for diagnostic in diagnostics:
        matched = suppressions.suppressing(diagnostic)
        for directive in matched:
            directive.used.add(diagnostic.code)
        if not matched:
            kept.append(diagnostic)
    if check_unused:
        for directive in suppressions.directives():
            unused = _unused(directive, ran, enabled, known)
            if unused is None:
                continue
            finding = _unused_diagnostic(directive, unused, suppressions.lines, filename)
            # Suppressed like any other (`# noqa: NAN100`, file-level), though not by
            # the directive it is about (a bare `# nanlint: ignore`).
            if not any(other is not directive for other in suppressions.suppressing(finding)):
                kept.append(finding)
    return kept


def _none_near(diagnostics: Sequence[Diagnostic], source: str, statement_starts: Sequence[int]) -> bool:
    """Whether no directive can suppress any of `diagnostics`, told without tokenizing:
    no file-level directive anywhere, and no directive word from a finding's statement
    to the next module-level statement, before which its logical line ends. (Rows are
    counted as the tokenizer counts them, at each `\\n`; a lone `\\r` ends a row for
    libcst, not for it: such a file is tokenized.)"""
    if _FILE_NOQA.search(source) or _FLAKE8_FILE.search(source) or source.count("\r") != source.count("\r\n"):
        return False
    rows = [source.count("\n", 0, match.start()) + 1 for match in _DIRECTIVE_WORD.finditer(source)]
    for diagnostic in diagnostics:
        row, statement = diagnostic.location.row, diagnostic.statement_row or diagnostic.location.row
        first = min(row, statement)
        after = bisect.bisect_right(statement_starts, max(row, statement))
        last = statement_starts[after] - 1 if after < len(statement_starts) else len(source)
        at = bisect.bisect_left(rows, first)
        if at < len(rows) and rows[at] <= last:
            return False
    return True


def _unused(
    directive: Directive, ran: FrozenSet[str], enabled: FrozenSet[str], known: FrozenSet[str]
) -> Optional[Dict[str, List[str]]]:
    """What is unused in `directive` (by kind: unused, non-enabled, unknown), or None.

    As ruff's RUF100, except that codes of other tools (`E501`) and a bare `# noqa`,
    which flake8, ruff and pylint read as well, are never reported: nanlint cannot tell
    whether another tool needs them. A bare `# nanlint: ignore` is nanlint's alone.
    """
    if directive.codes is ALL:
        if directive.nanlint_only and not directive.used:
            return {"unused": []}
        return None
    kinds: Dict[str, List[str]] = {}
    for code in directive.listed:
        if not _OWN_CODE.match(code) or code in directive.used or code == UNUSED_NOQA:
            continue
        if code in ran:
            kinds.setdefault("unused", []).append(code)
        elif code in enabled:
            continue  # turned off here by per-file-ignores: the config speaks for it
        elif code in known:
            kinds.setdefault("non-enabled", []).append(code)
        else:
            kinds.setdefault("unknown", []).append(code)
    return kinds or None


def _unused_diagnostic(
    directive: Directive, kinds: Dict[str, List[str]], lines: List[str], filename: str
) -> Diagnostic:
    detail = "; ".join(f"{kind}: {', '.join(f'`{c}`' for c in codes)}" for kind, codes in kinds.items() if codes)
    message = "Unused suppression comment" + (f" ({detail})" if detail else "")
    stale = {code for codes in kinds.values() for code in codes}
    remaining = [code for code in directive.listed if code not in stale]
    line = lines[directive.row - 1]
    text = line[directive.start : directive.end]
    start, end = directive.start, directive.end
    if remaining:
        # Keep the directive with the codes still in use, as written otherwise.
        head = re.match(r"#\s*(?:noqa:?|nanlint:\s*(?:noqa:?|ignore\[?))\s*", text, re.IGNORECASE)
        prefix = head.group(0) if head else text
        content = prefix + ", ".join(remaining) + ("]" if text.rstrip().endswith("]") else "")
        title = f"Remove the unused code{'s' if len(stale) > 1 else ''}"
    else:
        content = ""
        body = line.rstrip("\r\n")
        after = body[end:]
        stripped = after.lstrip()
        if stripped:
            end += len(after) - len(stripped)  # `# noqa: NAN001  # why` keeps `# why`
        else:
            end = len(body)
            while start > 0 and body[start - 1] in " \t":
                start -= 1
        title = "Remove the unused suppression comment"
    edit = Edit(Location(directive.row, start + 1), Location(directive.row, end + 1), content)
    return Diagnostic(
        code=UNUSED_NOQA,
        name=UNUSED_NOQA_NAME,
        message=message,
        filename=filename,
        location=Location(directive.row, directive.start + 1),
        end_location=Location(directive.row, directive.end + 1),
        fix=Fix(title, SAFE, (edit,)),
        statement_row=directive.row,
    )
