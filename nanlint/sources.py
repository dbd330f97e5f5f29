"""Reading a Python file into text exactly as written, and writing it back the same way.

The text keeps its line endings (no newline translation), and `SourceFile`
remembers the encoding and BOM, so a file written back differs only where it was
edited.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
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
            raise SourceError(f"cannot decode as utf-8 at byte {undecodable.start}: {undecodable.reason}") from None
        raise SourceError(f"bad encoding declaration: {error}") from None
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        reason = getattr(error, "reason", str(error))
        where = f" at byte {error.start}" if isinstance(error, UnicodeDecodeError) else ""
        raise SourceError(f"cannot decode as {encoding}{where}: {reason}") from None
    return SourceFile(path, text, encoding, raw)


def read_source(path: str) -> SourceFile:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except IsADirectoryError:
        raise SourceError("is a directory") from None
    except FileNotFoundError:
        raise SourceError("no such file") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except OSError as error:
        raise SourceError(error.strerror or str(error)) from None
    return decode(raw, path)


def write_atomically(source: SourceFile, text: str) -> None:
    """Replace `source.path` with `text`, unless the file changed since it was read.

    A temporary file in the same folder is renamed over the original, so a reader
    never sees half a file; the original's mode is kept.
    """
    path = source.path
    try:
        with open(path, "rb") as handle:
            current = handle.read()
    except OSError as error:
        raise SourceError(f"cannot re-read before writing: {error.strerror or error}") from None
    if current != source.raw:
        raise SourceError("changed on disk since it was read; not overwritten")
    data = source.encode(text)
    folder = os.path.dirname(os.path.abspath(path))
    mode: Optional[int] = None
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        pass
    handle, temporary = tempfile.mkstemp(prefix=".nanlint-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


_NEWLINE = re.compile(r"\r\n|\r|\n")


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
