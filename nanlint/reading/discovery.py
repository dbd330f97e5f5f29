"""Which files a run checks: walk the paths, keep the included, skip the excluded and
what git ignores; a file named on the command line is always checked."""

from __future__ import annotations

import os
from fnmatch import fnmatch
from typing import List, Optional, Sequence, Tuple

from nanlint.config import Settings
from nanlint.reading.gitignore import GitIgnore
from nanlint.reading.sources import os_reason


def discover(
    paths: Sequence[str],
    settings: Settings,
    force_exclude: bool = False,
    extensions: Optional[Tuple[str, ...]] = None,
) -> Tuple[List[str], List[Tuple[str, str]]]:
    """(files to check in a stable order, [(path, why it could not be walked)])."""
    files: List[str] = []
    errors: List[Tuple[str, str]] = []
    seen = set()
    gitignore = GitIgnore() if settings.respect_gitignore else None
    walked_gitignore = gitignore

    def skipped(path: str, is_dir: bool) -> bool:
        if _excluded_itself(path, settings):
            return True
        return walked_gitignore is not None and walked_gitignore.is_ignored(path, is_dir)

    def add(path: str) -> None:
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            files.append(_display(path))

    for path in paths:
        if os.path.isfile(path):
            # Named on the command line: always checked, unless --force-exclude
            # (pre-commit names every staged file) and an exclude matches it.
            if not (force_exclude and excluded_anywhere(path, settings)):
                add(path)
            continue
        if os.path.islink(path) and not os.path.exists(path):
            errors.append((path, "broken symbolic link or symbolic link loop"))
            continue
        if not os.path.exists(path):
            errors.append((path, "no such file or directory"))
            continue
        if not os.path.isdir(path):
            errors.append((path, "not a file or directory"))
            continue
        if not os.access(path, os.R_OK | os.X_OK):
            errors.append((path, "permission denied"))
            continue
        if force_exclude and excluded_anywhere(path, settings):
            continue

        # A folder named on the command line is walked even where git ignores it, as a
        # file named there is checked (pathspec would match its files through it).
        walked_gitignore = gitignore if gitignore is None or not gitignore.is_ignored(path, True) else None

        def on_error(error: OSError) -> None:
            errors.append((_display(error.filename or path), os_reason(error)))

        # followlinks=False: a symbolic link to a folder is not entered, so a link
        # loop cannot make the walk endless.
        for folder, dirs, names in os.walk(path, onerror=on_error):
            dirs[:] = sorted(d for d in dirs if not skipped(os.path.join(folder, d), True))
            for name in sorted(names):
                full = os.path.join(folder, name)
                if settings.is_included(full) and (extensions is None or name.lower().endswith(extensions)):
                    if skipped(full, False):
                        continue
                    if os.path.islink(full) and not os.path.exists(full):
                        errors.append((_display(full), "broken symbolic link or symbolic link loop"))
                        continue
                    if not os.path.isfile(full):
                        # A FIFO or a socket named *.py: reading it could block forever.
                        errors.append((_display(full), "not a regular file"))
                        continue
                    add(full)
    # One order for a run whatever the order of the paths given: path by path, as
    # ruff sorts, so that output is the same from run to run and from --jobs to --jobs.
    files.sort(key=lambda path: path.split(os.sep))
    return files, errors


def _excluded_itself(path: str, settings: Settings) -> bool:
    """Whether an exclude pattern matches `path` found while walking: its name or its
    whole path, not a folder above it. The walk has skipped every excluded folder
    below the one named already, and the folder named is walked even when excluded
    (`nanlint check build`), as ruff checks any path named unless --force-exclude."""
    patterns = [p.rstrip("/") for p in settings.exclude + settings.extend_exclude if p]
    name = os.path.basename(path)
    try:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(settings.root)).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        relative = os.path.abspath(path).replace(os.sep, "/")
    return any(fnmatch(name, p) or fnmatch(relative, p) for p in patterns)


def _display(path: str) -> str:
    """`a.py` for `./a.py`, as found by walking `.`; other paths as given."""
    prefix = "." + os.sep
    while path.startswith(prefix) and len(path) > len(prefix):
        path = path[len(prefix):]
    return path


def excluded_anywhere(path: str, settings: Settings) -> bool:
    """Whether `path` or any folder above it (below the project root) is excluded."""
    current = os.path.abspath(path)
    root = os.path.abspath(settings.root)
    while True:
        if settings.is_excluded(current):
            return True
        parent = os.path.dirname(current)
        if parent == current or parent == root or not parent.startswith(root.rstrip(os.sep) + os.sep):
            return False
        current = parent
