"""What the language server says about one open document, without the protocol.

A document is linted exactly as `nanlint check --stdin-filename PATH` would lint
it: the settings of the nearest `pyproject.toml` with a `[tool.nanlint]` table, the
same excludes, the same engine (`batch.process_source`, prefilter included). This
module knows no LSP type: it speaks in nanlint's diagnostics and in spans, code
point offsets into the document's text, which `nanlint.server.protocol` turns into
the editor's lines and columns. So everything here is tested without pygls.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from nanlint.config import ConfigError, Settings, find_config, load
from nanlint.rule import Diagnostic, Edit, Location
from nanlint.reading.sources import SourceFile, split_lines
from nanlint.linting.suppression import suppressed_codes

# (start, end, content): replace the text between two code point offsets.
Span = Tuple[int, int, str]


def utf16_units(text: str) -> int:
    """How many UTF-16 code units `text` takes: what an LSP column counts by default."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


class TextIndex:
    """Rows and columns of one text, as nanlint counts them (1-based, in code points),
    to offsets and to an editor's 0-based line and column in any unit.

    Lines end where Python's tokenizer ends them (\\n, \\r\\n, \\r), which are also the
    only line ends the LSP knows: a form feed or U+2028 inside a line stays inside it.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    # Split only when a position is asked for: most documents have no finding.
    @cached_property
    def lines(self) -> List[str]:
        return split_lines(self.text)

    @cached_property
    def starts(self) -> List[int]:
        starts = [0]
        for line in self.lines:
            starts.append(starts[-1] + len(line))
        return starts

    def offset(self, location: Location) -> int:
        """The offset of a nanlint location; one past the last line is the end."""
        row = location.row - 1
        if row >= len(self.lines):
            return len(self.text)
        return min(self.starts[row] + location.column - 1, self.starts[row + 1])

    def position(self, offset: int, units: Callable[[str], int] = utf16_units) -> Tuple[int, int]:
        """The 0-based line and column of `offset`, the column counted by `units`."""
        offset = max(0, min(offset, len(self.text)))
        # The line holding `offset`: the last start at or before it.
        low, high = 0, len(self.lines)
        while low < high:
            middle = (low + high + 1) // 2
            if self.starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        if low == len(self.lines) and low and not self.lines[-1].endswith(("\n", "\r")):
            low -= 1  # the end of a last line with no line end
        return low, units(self.text[self.starts[low] : offset])

    def offset_at(self, line: int, character: int, units: Callable[[str], int] = utf16_units) -> int:
        """The offset of an editor's 0-based line and column (counted by `units`); a
        column inside a character or past the line's end is taken to the next one."""
        if line >= len(self.lines):
            return len(self.text)
        if line < 0:
            return 0
        body = self.line_body(line + 1)
        counted = 0
        for column, char in enumerate(body):
            if counted >= character:
                return self.starts[line] + column
            counted += units(char)
        return self.starts[line] + len(body)

    def line_body(self, row: int) -> str:
        """Line `row` (1-based) without its line end."""
        return self.lines[row - 1].rstrip("\r\n")


def merge_edits(index: TextIndex, edits: Iterable[Edit]) -> List[Span]:
    """One fix's edits as spans that neither overlap nor touch, in text order.

    An editor applies the edits of one change all at once, and the LSP leaves the
    order of a replacement and an insertion at the same place undefined; nanlint's
    fixer puts the insertion first (an import before the line it serves). Edits that
    meet are joined into one span whose content is what the fixer would have made.
    """
    spans = sorted({(index.offset(e.location), index.offset(e.end_location), e.content) for e in edits})
    groups: List[List[Span]] = []
    for span in spans:
        if groups and span[0] <= max(end for _, end, _ in groups[-1]):
            groups[-1].append(span)
        else:
            groups.append([span])
    merged: List[Span] = []
    for group in groups:
        start, end = group[0][0], max(end for _, end, _ in group)
        piece = index.text[start:end]
        # As `fixer.apply_fixes`: from the end, the replacement before the insertion
        # that goes in front of it.
        for first, last, content in sorted(group, key=lambda s: (s[0], s[1]), reverse=True):
            piece = piece[: first - start] + content + piece[last - start :]
        merged.append((start, end, piece))
    return merged


def whole_change(before: str, after: str) -> Optional[Span]:
    """One span that turns `before` into `after`, as small as their common ends allow
    (the cursor and folds of the untouched text stay where they were); None if equal."""
    if before == after:
        return None
    limit = min(len(before), len(after))
    head = 0
    while head < limit and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < limit - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    return head, len(before) - tail, after[head : len(after) - tail]


# An existing `# noqa: CODE, CODE` comment, to which one more code is appended.
_NOQA_WITH_CODES = re.compile(r"#\s*noqa:\s*[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*", re.IGNORECASE)


def noqa_span(index: TextIndex, diagnostic: Diagnostic) -> Optional[Span]:
    """The edit that suppresses `diagnostic` with `# noqa: CODE`, or None when no line
    can take the comment without changing the program.

    The comment goes on the flagged line, else on the first line of its statement
    (both count, see `nanlint.linting.suppression`). A line that ends inside a string or
    with a backslash cannot take a comment: the result is checked to be the same
    program (the same `ast`), not only one that parses.
    """
    rows = [diagnostic.location.row]
    if diagnostic.statement_row and diagnostic.statement_row != diagnostic.location.row:
        rows.append(diagnostic.statement_row)
    before: Optional[str] = None
    for row in rows:
        if not 0 < row <= len(index.lines):
            continue
        body = index.line_body(row)
        line_start = index.starts[row - 1]
        existing = _NOQA_WITH_CODES.search(body)
        if existing is not None:
            span = (line_start + existing.end(), line_start + existing.end(), f", {diagnostic.code}")
        else:
            end = len(body.rstrip())
            span = (line_start + end, line_start + len(body), f"  # noqa: {diagnostic.code}")
        new_line = body[: span[0] - line_start] + span[2] + body[span[1] - line_start :]
        codes = suppressed_codes(new_line)
        if codes is None or not (codes == frozenset({"*"}) or diagnostic.code in codes):
            continue
        after = index.text[: span[0]] + span[2] + index.text[span[1] :]
        if before is None:
            before = _document_program(index.text)
        if before is not None and _program(after) == before:
            return span
    return None


def _program(text: str) -> Optional[str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.dump(ast.parse(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


# The open document's program is asked for again at every cursor move on a finding.
_document_program = lru_cache(maxsize=2)(_program)


@dataclass
class Findings:
    """What linting one document gave: diagnostics, or the one line that says why
    there are none (a configuration error, an excluded file, a file that does not parse)."""

    diagnostics: List[Diagnostic]
    note: str = ""
    error: bool = False  # the note is a problem the user must see (a broken config)


class Projects:
    """The settings of each document's nearest `pyproject.toml`, re-read when the file
    changes on disk (the server outlives many edits of it)."""

    def __init__(self, fallback_root: Optional[str] = None) -> None:
        self.fallback_root = fallback_root or os.getcwd()
        self._loaded: Dict[Optional[str], Tuple[Tuple[int, int], Settings, Tuple[str, ...]]] = {}

    def settings_for(self, path: Optional[str]) -> Tuple[Settings, Tuple[str, ...]]:
        """Settings and selected codes for a document at `path` (None: unsaved, no
        folder); raises ConfigError."""
        config = find_config(path if path else self.fallback_root)
        stamp = _stamp(config)
        cached = self._loaded.get(config)
        if cached is not None and cached[0] == stamp:
            return cached[1], cached[2]
        settings = load(config)
        codes = tuple(settings.selected_codes())
        self._loaded[config] = (stamp, settings, codes)
        return settings, codes


def _stamp(path: Optional[str]) -> Tuple[int, int]:
    if path is None:
        return (0, 0)
    try:
        status = os.stat(path)
    except OSError:
        return (-1, -1)
    return (status.st_mtime_ns, status.st_size)


# Flagged by NAN001 with a fix: parsing, the value model, positions and fixes all run.
_WARM_UP = "import torch\nd = torch.sum((a - b) ** 2, dim=1).sqrt()\nd.sum().backward()\n"


class DocumentLinter:
    """Lint and fix open documents with the engine and settings `check` uses."""

    def __init__(self, projects: Optional[Projects] = None) -> None:
        self.projects = projects or Projects()

    def warm_up(self) -> None:
        """Pay the imports (libcst, every rule, what they import as they first run)
        before the first document arrives."""
        from nanlint.linting.engine import Linter
        from nanlint.rule import all_rules

        Linter(all_rules()).lint_source(_WARM_UP, "warm_up.py")
        self.lint(_WARM_UP, None)  # and the rest of the way: settings, job, batch

    def lint(self, text: str, path: Optional[str]) -> Findings:
        from nanlint.linting import batch

        prepared = self._job(path, batch.CHECK)
        if isinstance(prepared, Findings):
            return prepared
        outcome = batch.process_source(_source(text, path), prepared, path or "-", write=False)
        if outcome.error or outcome.warning:
            # A half-typed line is the usual reason; the editor's Python support
            # reports syntax errors, nanlint is no syntax checker.
            return Findings([], note=outcome.error or outcome.warning or "")
        return Findings(outcome.diagnostics)

    def fix_all(self, text: str, path: Optional[str], unsafe: bool = False) -> Optional[str]:
        """The text with every safe fix applied (over as many rounds as `check --fix`
        takes), or None when nothing changes."""
        from nanlint.linting import batch

        prepared = self._job(path, batch.FIX, unsafe)
        if isinstance(prepared, Findings):
            return None
        outcome = batch.process_source(_source(text, path), prepared, path or "-", write=False)
        return outcome.new_text

    def _job(self, path: Optional[str], mode: str, unsafe: bool = False):
        from nanlint.linting import batch
        from nanlint.reading.discovery import excluded_anywhere

        try:
            settings, codes = self.projects.settings_for(path)
        except ConfigError as error:
            return Findings([], note=str(error), error=True)
        if path is not None and excluded_anywhere(path, settings):
            return Findings([], note="excluded by the configuration")
        return batch.Job(settings, codes, mode, unsafe=unsafe)


def _source(text: str, path: Optional[str]) -> SourceFile:
    # Never written from the server: the editor owns the buffer, edits go back to it.
    return SourceFile(path or "-", text, "utf-8", b"")


def overlapping(diagnostics: Sequence[Diagnostic], index: TextIndex, start: int, end: int) -> List[Diagnostic]:
    """The diagnostics whose span meets the offsets `start`..`end` (a cursor, when equal)."""
    found = []
    for diagnostic in diagnostics:
        first, last = index.offset(diagnostic.location), index.offset(diagnostic.end_location)
        if first <= end and start <= last:
            found.append(diagnostic)
    return found
