"""Jupyter notebooks: their code cells checked as one module, fixes written back into the JSON.

A notebook's code cells are one program run top to bottom: a name one cell defines is
used by the cells after it. So the Python code cells are joined into one source, with a
separator comment line between two cells, and the engine and the fixer see an ordinary
module; every row traces back to its cell through the separators, before and after a
fix alike. IPython's own syntax (`%timeit`, `!pip`, `x?`, `y = !ls`) is not Python: such
a line becomes a `pass` with its indentation (rows stay where they were) and comes back
when the fixed source is split into cells again. A cell under a cell magic that is not
Python (`%%bash`, `%%html`) is left out whole.

A fixed cell's `source` value is rewritten in place in the JSON text, in the layout the
file uses (one string per line, the same indentation and line endings, the same
escaping); every other byte (outputs, metadata, cell ids, the final newline) stays as
it was. The JSON is read with the standard library: `nbformat` would re-serialise the
whole file on writing.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from nanlint.rule import Diagnostic, Edit, Fix, Location
from nanlint.reading.sources import SourceError, SourceFile, split_lines

if TYPE_CHECKING:
    from nanlint.linting.batch import FileOutcome, Job


class NotebookError(SourceError):
    """A notebook that cannot be checked. `skipped`: a sound notebook nanlint does not
    read (another language, an older format), a warning rather than an error."""

    def __init__(self, message: str, skipped: bool = False, row: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.skipped = skipped
        self.row = row
        self.column = column


# Cell magics whose body is Python that IPython runs (timed, profiled, captured).
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3"})
_CELL_MAGIC = re.compile(r"%%([\w.]+)")
# At the start of a statement: a line magic (`%matplotlib`), a shell command (`!pip`),
# help (`?torch.sqrt`, `torch.sqrt??`), or an assignment from one (`files = !ls`).
_LINE_MAGIC = re.compile(r"[ \t]*(?:[%!?]|[\w.]+[ \t]*\?\??[ \t]*$|[\w.,\[\] \t]+=[ \t]*[%!])")
_INDENT = re.compile(r"[ \t]*")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_SPACE = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class CodeCell:
    number: int  # 1-based over every cell (markdown too), as ruff and editors count
    source: str
    span: Tuple[int, int]  # the `source` value in the JSON text
    items: Tuple[Tuple[int, int], ...]  # its strings, when it is a list
    is_list: bool


@dataclass(frozen=True)
class Joined:
    """The Python cells as one module, and what is needed to split it again."""

    text: str
    cells: Tuple[CodeCell, ...]  # the cells joined, in order
    added_newline: Tuple[str, ...]  # the newline that ended a cell that had none, or ""
    magics: Tuple[str, ...]  # the line each placeholder `k` stands for
    token: str

    @property
    def separator(self) -> str:
        return f"#{self.token}\n"

    def rows(self, text: str) -> List[Tuple[int, int]]:
        """(cell number, row in the cell) for each row of `text` (this text, or it fixed)."""
        numbers = [cell.number for cell in self.cells] or [1]
        rows: List[Tuple[int, int]] = []
        index, row = 0, 0
        for line in split_lines(text):
            if line == self.separator and index + 1 < len(numbers):
                rows.append((numbers[index], row + 1))  # just past the cell's last row
                index, row = index + 1, 0
            else:
                row += 1
                rows.append((numbers[index], row))
        rows.append((numbers[index], row + 1))  # the end of the text
        return rows

    def split(self, text: str) -> List[str]:
        """The source of each joined cell in `text`, the magics put back."""
        parts = text.split(self.separator) if self.cells or text else []
        if len(parts) != len(self.cells):
            raise SourceError("a fix spans two notebook cells; not written")
        placeholder = re.compile(rf"^[ \t]*pass#{re.escape(self.token)}m(\d+)", re.MULTILINE)
        restored = 0
        sources = []
        for part, added in zip(parts, self.added_newline):
            if added and part.endswith(added):
                part = part[: -len(added)]
            part, count = placeholder.subn(lambda match: self.magics[int(match.group(1))], part)
            restored += count
            sources.append(part)
        if restored != len(self.magics):
            raise SourceError("a fix moved an IPython magic line; not written")
        return sources


def _mask(source: str, token: str, magics: List[str]) -> Optional[str]:
    """`source` with each IPython line replaced by a placeholder; None for a cell under
    a cell magic that is not Python."""
    lines = split_lines(source)
    out: List[str] = []
    start = 0
    if lines:
        cell_magic = _CELL_MAGIC.match(lines[0])
        if cell_magic:
            if cell_magic.group(1) not in PYTHON_CELL_MAGICS:
                return None
            start = 1
            out.append(_placeholder(lines[0], "", token, magics))
    depth, quote, continued = 0, None, False
    magic_indent: Optional[str] = None  # set while a magic goes on over a trailing backslash
    for line in lines[start:]:
        if magic_indent is not None or (depth == 0 and quote is None and not continued and _LINE_MAGIC.match(line)):
            indent = magic_indent if magic_indent is not None else _INDENT.match(line).group()
            out.append(_placeholder(line, indent, token, magics))
            magic_indent = indent if line.rstrip("\r\n").endswith("\\") else None
            continue
        out.append(line)
        depth, quote, continued = _scan(line, depth, quote)
    return "".join(out)


def _placeholder(line: str, indent: str, token: str, magics: List[str]) -> str:
    body = line.rstrip("\r\n")
    magics.append(body)
    return f"{indent}pass#{token}m{len(magics) - 1}" + line[len(body):]


def _scan(line: str, depth: int, quote: Optional[str]) -> Tuple[int, Optional[str], bool]:
    """Bracket depth, the open string's quote and a trailing backslash after `line`:
    a magic is only a magic where a statement can start."""
    body = line.rstrip("\r\n")
    i, n = 0, len(body)
    while i < n:
        char = body[i]
        if quote:
            if char == "\\":
                i += 2
            elif body.startswith(quote, i):
                i += len(quote)
                quote = None
            else:
                i += 1
            continue
        if char == "#":
            return depth, None, False
        if char in "\"'":
            quote = body[i : i + 3] if body[i : i + 3] in ('"""', "'''") else char
            i += len(quote)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        i += 1
    continued = body.endswith("\\")
    if quote is not None and len(quote) == 1 and not continued:
        quote = None  # an unclosed one-line string: a syntax error, left to the parser
    return depth, quote, continued


class Notebook:
    def __init__(self, text: str, cells: List[CodeCell]) -> None:
        self.text = text
        self.cells = cells
        self._joined: Optional[Joined] = None

    @property
    def joined(self) -> Joined:
        if self._joined is None:
            everything = "".join(cell.source for cell in self.cells)
            token = "nanlint:cell"
            while token in everything:
                token += "_"
            magics: List[str] = []
            bodies, chosen, added = [], [], []
            for cell in self.cells:
                body = _mask(cell.source, token, magics)
                if body is None:
                    continue
                # Ended as its lines are (CRLF in a notebook saved on Windows): a fix
                # that adds a line after it writes the same ending.
                newline = ""
                if body and not body.endswith(("\n", "\r")):
                    found = _NEWLINE.search(cell.source) or _NEWLINE.search(everything)
                    newline = found.group() if found else "\n"
                bodies.append(body + newline)
                chosen.append(cell)
                added.append(newline)
            joined = Joined("", tuple(chosen), tuple(added), tuple(magics), token)
            self._joined = replace(joined, text=joined.separator.join(bodies))
        return self._joined

    def encode(self, text: str) -> bytes:
        """The notebook's bytes with the cells of `text` (its joined source, fixed)."""
        joined = self.joined
        changed = [
            (cell, new) for cell, new in zip(joined.cells, joined.split(text)) if new != cell.source
        ]
        # In one pass: outputs can be megabytes, and a copy of them per changed cell adds up.
        pieces, at = [], 0
        for cell, new in changed:
            start, end = cell.span
            pieces += [self.text[at:start], self._source_value(cell, new)]
            at = end
        pieces.append(self.text[at:])
        return "".join(pieces).encode("utf-8")

    def _source_value(self, cell: CodeCell, source: str) -> str:
        """`source` as JSON, laid out as `cell`'s source is in the file."""
        ensure_ascii = self.text.isascii()
        if not cell.is_list:
            return json.dumps(source, ensure_ascii=ensure_ascii)
        # A line that did not change keeps its bytes (its escaping) as well.
        written = {json.loads(self.text[s:e]): self.text[s:e] for s, e in cell.items}
        strings = [written.get(line) or json.dumps(line, ensure_ascii=ensure_ascii) for line in split_lines(source)]
        start, end = cell.span
        if not cell.items:
            return "[" + ", ".join(strings) + "]"
        lead = self.text[start + 1 : cell.items[0][0]]
        close = self.text[cell.items[-1][1] : end - 1]
        if len(cell.items) > 1:
            between = self.text[cell.items[0][1] : cell.items[1][0]]
        else:
            between = "," + (lead if "\n" in lead else " ")
        return "[" + lead + between.join(strings) + close + "]"

    def diff(self, text: str, display: str) -> str:
        """A unified diff per changed cell, headed `path:cell N` as ruff writes it."""
        from nanlint.linting.batch import unified_diff

        joined = self.joined
        return "".join(
            unified_diff(cell.source, new, f"{display}:cell {cell.number}")
            for cell, new in zip(joined.cells, joined.split(text))
            if new != cell.source
        )

    def view(self) -> "NotebookView":
        return NotebookView.of(self)


def read(raw: bytes) -> Notebook:
    """The notebook in `raw`, or NotebookError saying in one line why it cannot be checked."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"cannot decode as utf-8 at byte {error.start}: {error.reason}") from None
    start = 1 if text.startswith("\ufeff") else 0
    try:
        data = json.loads(text[start:])
    except json.JSONDecodeError as error:
        raise NotebookError(
            f"{error.lineno}:{error.colno}: invalid notebook JSON: {error.msg}", row=error.lineno, column=error.colno
        ) from None
    except RecursionError:
        raise NotebookError("invalid notebook JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise NotebookError("not a notebook: the JSON is not an object")
    version = data.get("nbformat")
    if "worksheets" in data or (isinstance(version, int) and version < 4):
        raise NotebookError(
            f"not checked: nbformat {version if version is not None else 3} notebook; nanlint reads "
            "nbformat 4 (`jupyter nbconvert --to notebook --nbformat 4` converts it)",
            skipped=True,
        )
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("not a notebook: no `cells` list")
    language = _language(data.get("metadata"))
    if language is not None and not language.lower().startswith(("python", "ipython")):
        raise NotebookError(f"not checked: a notebook in {language} (its kernel's language), not Python", skipped=True)
    members = dict((key, (s, e)) for key, s, e in _members(text, _space(text, start)))
    spans = _items(text, members["cells"][0])
    code: List[CodeCell] = []
    for number, (cell, (cell_start, _)) in enumerate(zip(cells, spans), 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            joined = "".join(source)
        elif isinstance(source, str):
            joined = source
        else:
            raise NotebookError(f"not a notebook: cell {number} has a `source` that is not text")
        found = {key: (s, e) for key, s, e in _members(text, cell_start)}
        if "source" not in found:
            continue  # nothing to check, and nowhere to write
        span = found["source"]
        items = tuple(_items(text, span[0])) if isinstance(source, list) else ()
        code.append(CodeCell(number, joined, span, items, isinstance(source, list)))
    return Notebook(text, code)


def _language(metadata) -> Optional[str]:
    if not isinstance(metadata, dict):
        return None
    for key, name in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get(name), str) and section[name]:
            return section[name]
    return None


# Positions in the JSON text, for a document `json.loads` accepted already: values are
# skipped by the standard library's decoder (C speed over megabytes of image outputs).
def _space(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()


def _members(text: str, at: int) -> List[Tuple[str, int, int]]:
    """(key, start, end) of each member of the object that starts at `at`."""
    found = []
    at = _space(text, at + 1)
    if text[at] == "}":
        return found
    while True:
        key, at = _DECODER.raw_decode(text, at)
        at = _space(text, _space(text, at) + 1)  # past the colon
        end = _DECODER.raw_decode(text, at)[1]
        found.append((key, at, end))
        at = _space(text, end)
        if text[at] == "}":
            return found
        at = _space(text, at + 1)


def _items(text: str, at: int) -> List[Tuple[int, int]]:
    """(start, end) of each item of the array that starts at `at`."""
    found: List[Tuple[int, int]] = []
    at = _space(text, at + 1)
    if text[at] == "]":
        return found
    while True:
        end = _DECODER.raw_decode(text, at)[1]
        found.append((at, end))
        at = _space(text, end)
        if text[at] == "]":
            return found
        at = _space(text, at + 1)


@dataclass
class NotebookView:
    """What the output formats need of a checked notebook: each code cell's lines, and
    where each of its rows starts in the JSON file (line, column), for the formats that
    point into the file itself (SARIF, GitHub annotations, GitLab)."""

    lines: Dict[int, List[str]] = field(default_factory=dict)
    starts: Dict[int, List[Tuple[int, int]]] = field(default_factory=dict)
    ensure_ascii: bool = False

    @classmethod
    def of(cls, notebook: Notebook) -> "NotebookView":
        text = notebook.text
        line_starts = [0] + [match.end() for match in re.finditer("\n", text)]

        def place(offset: int) -> Tuple[int, int]:
            line = bisect.bisect_right(line_starts, offset)
            return line, offset - line_starts[line - 1] + 1

        view = cls(ensure_ascii=text.isascii())
        for cell in notebook.cells:
            view.lines[cell.number] = split_lines(cell.source)
            view.starts[cell.number] = [place(offset) for offset in _row_offsets(text, cell)]
        return view

    def line(self, location: Location) -> Optional[str]:
        lines = self.lines.get(location.cell, [])
        return lines[location.row - 1] if 0 < location.row <= len(lines) else None

    def in_file(self, location: Location) -> Tuple[int, int]:
        """(line, column) in the JSON file of a location in a cell."""
        starts = self.starts.get(location.cell)
        if not starts:
            return 1, 1
        line, column = starts[min(location.row, len(starts)) - 1]
        text = self.line(location) or ""
        prefix = text[: max(0, location.column - 1)].rstrip("\r\n")
        return line, column + len(json.dumps(prefix, ensure_ascii=self.ensure_ascii)) - 2


_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _row_offsets(text: str, cell: CodeCell) -> List[int]:
    """Offset in the JSON text of the first character of each row of `cell`."""
    strings = cell.items if cell.is_list else (cell.span,)
    offsets: List[int] = []
    row_starts, after_cr = True, False
    for start, end in strings:
        at = start + 1
        while at < end - 1:
            if text[at] == "\\":
                kind = text[at + 1]
                width = 6 if kind == "u" else 2
                char = chr(int(text[at + 2 : at + 6], 16)) if kind == "u" else _ESCAPES.get(kind, kind)
            else:
                char, width = text[at], 1
            if after_cr and char == "\n":
                after_cr = False
            else:
                if after_cr or row_starts:
                    offsets.append(at)
                after_cr = char == "\r"
                row_starts = char == "\n"
            at += width
    if not offsets:
        offsets.append(cell.span[0])
    return offsets


# Checking a notebook: the engine, the fixer and the writer work on its joined source.
@dataclass(frozen=True)
class NotebookSource(SourceFile):
    notebook: Optional[Notebook] = None

    def encode(self, text: str) -> bytes:
        assert self.notebook is not None
        return self.notebook.encode(text)


def check_notebook(raw: bytes, job: "Job", path: str, display: str, write: bool = True) -> "FileOutcome":
    from nanlint.linting.batch import FileOutcome, process_source

    try:
        notebook = read(raw)
    except NotebookError as error:
        outcome = FileOutcome(display)
        if error.skipped:
            outcome.warning = str(error)
        else:
            outcome.error = str(error)
        outcome.problem_at = (error.row, error.column)
        return outcome
    joined = notebook.joined
    source = NotebookSource(path, joined.text, "utf-8", raw, notebook)
    outcome = process_source(source, job, display, write)
    after = joined.rows(outcome.new_text if outcome.new_text is not None else joined.text)
    problem = outcome.error if outcome.error is not None else outcome.warning
    row, column = outcome.problem_at
    where = f"{row}:{column}: "
    if problem is not None and problem.startswith(where):
        # A syntax error: in its cell.
        cell, row = after[min(row, len(after)) - 1]
        problem = f"cell {cell}:{row}:{column}: " + problem[len(where):]
        if outcome.error is not None:
            outcome.error = problem
        else:
            outcome.warning = problem
        outcome.problem_at, outcome.problem_cell = (row, column), cell
    outcome.diagnostics = [in_cells(d, after) for d in outcome.diagnostics]
    before = joined.rows(joined.text)
    outcome.fixed = [in_cells(d, before) for d in outcome.fixed]
    if outcome.diff:
        outcome.diff = notebook.diff(outcome.new_text, display)
    outcome.lines = []
    if outcome.diagnostics or outcome.problem_cell:
        shown = read(outcome.new_raw) if outcome.new_raw is not None else notebook
        outcome.notebook = shown.view()
    return outcome


def view_of(raw: bytes) -> Optional[NotebookView]:
    """The view of a notebook whose findings came from the cache."""
    try:
        return read(raw).view()
    except NotebookError:
        return None


def in_cells(diagnostic: Diagnostic, rows: Sequence[Tuple[int, int]]) -> Diagnostic:
    """`diagnostic`, found in the joined source, located in its cells."""

    def move(location: Location) -> Location:
        cell, row = rows[min(location.row, len(rows)) - 1]
        return Location(row, location.column, cell)

    fix = diagnostic.fix
    if fix is not None:
        fix = Fix(
            fix.message,
            fix.applicability,
            tuple(Edit(move(e.location), move(e.end_location), e.content) for e in fix.edits),
        )
    statement_row = move(Location(diagnostic.statement_row, 1)).row if diagnostic.statement_row else 0
    return replace(
        diagnostic,
        location=move(diagnostic.location),
        end_location=move(diagnostic.end_location),
        fix=fix,
        statement_row=statement_row,
        related=tuple(replace(r, location=move(r.location)) for r in diagnostic.related),
    )
