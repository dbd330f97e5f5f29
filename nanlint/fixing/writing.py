"""Writing a fixed file back without harming what the file is on disk.

A fix changes the text and nothing else: a symbolic link stays a link (its target
is written), and the file keeps its mode, its owner and its hard links. A file that
changed since it was read, or that the user may not write, is not written at all.
"""

from __future__ import annotations

import os
import tempfile
from typing import BinaryIO, Callable, Optional

from nanlint.reading.sources import SourceError, SourceFile, os_reason


def write_source(source: SourceFile, text: str) -> None:
    """Write `text` to the file `source` was read from, or raise SourceError."""
    # Renaming over a link would replace the link with a plain file and leave the
    # file it points at (a helper shared by several recipes) unfixed.
    path = os.path.realpath(source.path)
    try:
        info = os.stat(path)
        with open(path, "rb") as handle:
            current = handle.read()
    except OSError as error:
        raise SourceError(f"cannot re-read before writing: {os_reason(error)}") from None
    if current != source.raw:
        raise SourceError("changed on disk since it was read; not overwritten")
    _refuse_unwritable(path, info)
    data = source.encode(text)
    try:
        if info.st_nlink > 1 or not _replace(path, data, info):
            _write_in_place(path, data, source.raw)
    except OSError as error:
        raise SourceError(f"cannot write: {os_reason(error)}") from None


def _refuse_unwritable(path: str, info: os.stat_result) -> None:
    # As ruff: a file the user may not write is reported, never forced. Root may
    # write anything, so the mode is asked as well: a file without a single write
    # bit (vendored, generated, checked out read-only) was made read-only on purpose,
    # whoever runs nanlint.
    mode = info.st_mode & 0o7777
    if not mode & 0o222:
        raise SourceError(f"permission denied: read-only file (mode {mode:04o}); not fixed")
    if not os.access(path, os.W_OK):
        raise SourceError("permission denied: not writable by this user; not fixed")


def _replace(path: str, data: bytes, info: os.stat_result) -> bool:
    """Rename a full copy over `path`, so that no reader ever sees half a file.

    False, with `path` untouched, when the copy could not have the file's owner (a
    group-writable file of another user) or cannot be made beside it (a folder the
    user may not write): writing in place keeps both.
    """

    def same_owner_and_mode(temporary: str) -> bool:
        made = os.stat(temporary)
        if (made.st_uid, made.st_gid) != (info.st_uid, info.st_gid):
            try:
                os.chown(temporary, info.st_uid, info.st_gid)
            except (OSError, AttributeError):  # not permitted; no chown on Windows
                return False
        # After chown, which clears set-user-ID and set-group-ID bits.
        os.chmod(temporary, info.st_mode & 0o7777)
        return True

    try:
        return write_atomically(path, lambda out: out.write(data), same_owner_and_mode)
    except _NoTemporary:
        return False


class _NoTemporary(OSError):
    """The copy could not be made beside the file."""


def write_atomically(path: str, write: Callable[[BinaryIO], object],
                     ready: Optional[Callable[[str], bool]] = None) -> bool:
    """Write a copy beside `path` with `write`, then rename it over `path`: a reader sees
    the old file or the new one, never half of one. `ready(copy)` may refuse the copy
    (False: `path` is untouched, the copy removed). Raises `_NoTemporary` (an OSError)
    when no copy can be made in the folder."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=".nanlint-", suffix=".tmp", dir=os.path.dirname(path) or ".")
    except OSError as error:
        raise _NoTemporary(*error.args) from None
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        if ready is not None and not ready(temporary):
            os.unlink(temporary)
            return False
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return True


def _write_in_place(path: str, data: bytes, original: bytes) -> None:
    # Every hard link names the same inode, so only writing into it keeps them all
    # (and the owner and mode come free). The price is atomicity: a reader during
    # the write can see old and new bytes mixed. To keep that window short the file
    # is opened without truncating (never empty), the whole text goes in one write
    # and the tail is cut after; if the write fails part way, the original bytes
    # are put back rather than leaving a half-fixed file.
    descriptor = os.open(path, os.O_WRONLY | getattr(os, "O_BINARY", 0))  # no newline translation on Windows
    try:
        try:
            _write_from_start(descriptor, data)
        except OSError:
            try:
                _write_from_start(descriptor, original)
            except OSError:
                pass
            raise
    finally:
        os.close(descriptor)


def _write_from_start(descriptor: int, data: bytes) -> None:
    os.lseek(descriptor, 0, os.SEEK_SET)
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]
    os.ftruncate(descriptor, len(data))
