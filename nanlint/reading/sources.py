"""Reading a Python file into text exactly as written.

The text keeps its line endings (no newline translation), and `SourceFile`
remembers the encoding and BOM, so a file written back (`nanlint.fixing.writing`)
differs only where it was edited. A file that is not text says what it is instead.
"""

from __future__ import annotations

import codecs
import io
import re
import tokenize
from dataclasses import dataclass
from typing import List, Optional


class SourceError(Exception):
    """A file that cannot be checked; the message is one line that says why."""


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str
    encoding: str  # as tokenize names it: "utf-8-sig" when the file has a BOM
    raw: bytes

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def decode(raw: bytes, path: str) -> SourceFile:
    wide = _wide_encoding(raw)
    if wide is not None:
        # Python itself refuses these (a cookie cannot name them either): say what
        # the file is rather than calling an editor's "Unicode" save binary.
        raise SourceError(f"{wide} encoded; Python source must be UTF-8 or declare an ASCII-compatible encoding")
    if b"\0" in raw:
        raise SourceError("binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as error:
        # Without a cookie, tokenize says "invalid or missing encoding declaration"
        # for bytes that are not UTF-8 in the first two lines: say where they are.
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as undecodable:
            where = _line_and_column(raw, undecodable.start, "utf-8-sig")  # a BOM takes no column
            raise SourceError(f"cannot decode as utf-8 at {where}: {undecodable.reason}") from None
        raise SourceError(f"bad encoding declaration: {error}") from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        where = _line_and_column(raw, error.start, encoding)
        raise SourceError(f"cannot decode as {encoding} at {where}: {error.reason}") from None
    except LookupError as error:
        raise SourceError(f"cannot decode as {encoding}: {error}") from None
    return SourceFile(path, text, encoding, raw)


# Longest first: a UTF-32-LE BOM begins with the UTF-16-LE one.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_WIDE_CODECS = (
    ("utf-32-le", 4, "UTF-32"),
    ("utf-32-be", 4, "UTF-32"),
    ("utf-16-le", 2, "UTF-16"),
    ("utf-16-be", 2, "UTF-16"),
)


def _wide_encoding(raw: bytes) -> Optional[str]:
    """"UTF-16" or "UTF-32" for text saved in one of them, with or without a BOM."""
    for bom, name in _WIDE_BOMS:
        if raw.startswith(bom):
            return name
    if b"\0" not in raw:
        return None
    # Without a BOM, ASCII in UTF-16 is every other byte NUL. A binary file can
    # decode as UTF-16 too, so the text must read like source: printable, and
    # mostly ASCII (keywords, names, indentation) as Python source is.
    sample = raw[:4096]
    for codec, width, name in _WIDE_CODECS:
        text = sample[: len(sample) - len(sample) % width].decode(codec, "replace")
        if (
            text
            and "\ufffd" not in text[:-1]  # the last may be a pair cut by the sample
            and all(char.isprintable() or char in "\t\n\r\f" for char in text)
            and 4 * sum(char < "\x80" for char in text) >= 3 * len(text)
        ):
            return name
    return None


def _line_and_column(raw: bytes, offset: int, encoding: str) -> str:
    """Where the byte at `offset` is, as an editor counts: 1-based line, and column in
    characters (the bytes before it on its line decode, as they come before the error)."""
    before = raw[:offset]
    line = len(_NEWLINE_BYTES.findall(before)) + 1
    start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
    if start:
        encoding = encoding.replace("-sig", "")  # a BOM is only a BOM at the start
    column = len(before[start:].decode(encoding, "replace")) + 1
    return f"line {line}, column {column}"


def os_reason(error: OSError) -> str:
    """Why an operating-system call failed, lower-case as every nanlint reason is
    ("permission denied", not the C library's "Permission denied")."""
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    reason = error.strerror or str(error)
    return reason[:1].lower() + reason[1:]


def read_source(path: str) -> SourceFile:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise SourceError("no such file") from None
    except OSError as error:
        raise SourceError(os_reason(error)) from None
    return decode(raw, path)


_NEWLINE = re.compile(r"\r\n|\r|\n")
_NEWLINE_BYTES = re.compile(rb"\r\n|\r|\n")


def split_lines(text: str) -> List[str]:
    """Lines with their endings, split only where Python's tokenizer splits them
    (`str.splitlines` also splits at form feeds and other separators)."""
    lines = []
    start = 0
    for match in _NEWLINE.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines
