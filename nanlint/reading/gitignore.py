"""What git ignores (`respect-gitignore`, on by default as in ruff): the `.gitignore`
files of a repository, nested ones included, and its `.git/info/exclude`.

As git (and ruff's walker) read them: only inside a git repository; a pattern is
relative to the folder of its `.gitignore`; a deeper file and a later line win over
an earlier one, so `!keep.py` re-includes; `info/exclude` ranks below every
`.gitignore`. The global excludes file (`core.excludesFile`) is not read: finding it
means running git or parsing its configuration, and it is about one person's editor
files, not about a project's code. Pattern matching is pathspec's, whose
`GitIgnoreSpec` follows git's own tests.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Tuple

import pathspec

Patterns = Sequence["pathspec.Pattern"]


class GitIgnore:
    def __init__(self) -> None:
        self._patterns: Dict[str, Patterns] = {}  # folder -> its .gitignore's patterns
        self._repos: Dict[str, Optional[str]] = {}  # folder -> the root of its repository
        self._excludes: Dict[str, Patterns] = {}  # repository root -> info/exclude's patterns
        self._chains: Dict[str, List[Tuple[str, Patterns]]] = {}  # folder -> _sources(...)

    def is_ignored(self, path: str, is_dir: bool = False) -> bool:
        absolute = os.path.abspath(path)
        folder = os.path.dirname(absolute)
        root = self._repository(folder)
        if root is None:
            return False
        if folder not in self._chains:
            self._chains[folder] = self._sources(root, folder)
        ignored = None
        for base, patterns in self._chains[folder]:
            relative = os.path.relpath(absolute, base).replace(os.sep, "/") + ("/" if is_dir else "")
            for pattern in patterns:
                if pattern.include is not None and pattern.match_file(relative) is not None:
                    ignored = pattern.include
        return bool(ignored)

    def _sources(self, root: str, folder: str) -> List[Tuple[str, Patterns]]:
        """(folder the patterns are relative to, patterns), lowest precedence first."""
        chain = [folder]
        while chain[-1] != root:
            parent = os.path.dirname(chain[-1])
            if parent == chain[-1]:
                break
            chain.append(parent)
        sources = [(root, self._exclude(root))]
        sources += [(each, self._gitignore(each)) for each in reversed(chain)]
        return sources

    def _gitignore(self, folder: str) -> Patterns:
        if folder not in self._patterns:
            self._patterns[folder] = _read(os.path.join(folder, ".gitignore"))
        return self._patterns[folder]

    def _exclude(self, root: str) -> Patterns:
        if root not in self._excludes:
            git_dir = _git_dir(os.path.join(root, ".git"))
            self._excludes[root] = _read(os.path.join(git_dir, "info", "exclude")) if git_dir else []
        return self._excludes[root]

    def _repository(self, folder: str) -> Optional[str]:
        if folder not in self._repos:
            if os.path.exists(os.path.join(folder, ".git")):
                self._repos[folder] = folder
            else:
                parent = os.path.dirname(folder)
                self._repos[folder] = None if parent == folder else self._repository(parent)
        return self._repos[folder]


def _git_dir(dot_git: str) -> Optional[str]:
    """The folder holding `info/exclude`: `.git` itself, or for a worktree or a
    submodule (`.git` a file, `gitdir: ...`) the repository's common folder."""
    if os.path.isdir(dot_git):
        return dot_git
    try:
        with open(dot_git, encoding="utf-8") as handle:
            line = handle.readline().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not line.startswith("gitdir:"):
        return None
    git_dir = os.path.join(os.path.dirname(dot_git), line[len("gitdir:") :].strip())
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            git_dir = os.path.join(git_dir, handle.read().strip())
    except (OSError, UnicodeDecodeError):
        pass
    return os.path.normpath(git_dir)


def _read(path: str) -> Patterns:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return pathspec.GitIgnoreSpec.from_lines(handle.read().splitlines()).patterns
    except OSError:
        return []
