"""The content-hash cache: a file seen before, unchanged, under the same version and
settings, gets its old diagnostics back without being parsed (or libcst imported)."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Dict, List, Optional, Tuple

from nanlint import __version__
from nanlint.rule import Diagnostic
from nanlint.fixing.writing import write_atomically
from nanlint.reading.sources import os_reason

FORMAT = 2


def digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def code_fingerprint() -> str:
    """nanlint's own source files, by name, size and time: a rule edited in a
    development install invalidates the cache without a version bump."""
    package = os.path.dirname(os.path.abspath(__file__))
    parts = []
    for folder, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                try:
                    info = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                relative = os.path.relpath(os.path.join(folder, name), package)
                parts.append(f"{relative}:{info.st_size}:{info.st_mtime_ns}")
    return digest("|".join(parts).encode())


class Cache:
    def __init__(self, folder: str, key: str) -> None:
        self.folder = folder
        # One file per version and settings; inside it, the code it was made by.
        self.path = os.path.join(folder, f"v{FORMAT}-{digest(f'{__version__}|{key}'.encode())}.json")
        self.code = code_fingerprint()
        self.warning: Optional[str] = None  # a damaged cache file: said once, then started afresh
        self._entries: Dict[str, Tuple[str, list]] = {}
        self._dirty = False
        try:
            with open(self.path, "r", encoding="utf-8") as handle:
                data = json.load(handle)
            files = data.get("files") if isinstance(data, dict) else None
            if not isinstance(files, dict) or not all(isinstance(v, list) and len(v) == 2 for v in files.values()):
                raise ValueError("unexpected layout")
            if data.get("code") == self.code:
                self._entries = {path: (entry[0], entry[1]) for path, entry in files.items()}
        except (FileNotFoundError, NotADirectoryError):
            pass  # nothing cached yet (or no folder to cache in: `save` says so)
        except (OSError, ValueError) as error:
            # Started afresh: the next save overwrites the damaged file.
            self.warning = f"cache {self.path} ignored: {error}"

    def get(self, path: str, file_digest: str) -> Optional[List[Diagnostic]]:
        entry = self._entries.get(os.path.abspath(path))
        if entry is None or entry[0] != file_digest:
            return None
        try:
            return [Diagnostic.from_json(d, d.get("statement_row", 0)) for d in entry[1]]
        except (AttributeError, KeyError, TypeError, ValueError):  # a damaged entry: a miss
            return None

    def put(self, path: str, file_digest: str, diagnostics: List[Diagnostic]) -> None:
        rows = [dict(d.to_json(), statement_row=d.statement_row) for d in diagnostics]
        self._entries[os.path.abspath(path)] = (file_digest, rows)
        self._dirty = True

    def save(self) -> Optional[str]:
        """Write the cache; a warning to show instead of failing when it cannot."""
        if not self._dirty:
            return None
        if os.path.exists(self.folder) and not os.path.isdir(self.folder):
            return f"cache not written to {self.folder}: not a folder"
        try:
            os.makedirs(self.folder, exist_ok=True)
            ignore = os.path.join(self.folder, ".gitignore")
            if not os.path.exists(ignore):
                with open(ignore, "w", encoding="utf-8") as handle:
                    handle.write("# Created by nanlint\n*\n")
            files = {p: list(e) for p, e in self._entries.items()}
            data = json.dumps({"code": self.code, "files": files}, separators=(",", ":")).encode("utf-8")
            write_atomically(self.path, lambda out: out.write(data))
        except OSError as error:
            return f"cache not written to {self.folder}: {os_reason(error)}"
        return None
