"""Settings: `[tool.nanlint]` of the nearest pyproject.toml, validated, plus the CLI's.

Every key is checked: an unknown key or a value of the wrong type is an error that
names the key and the file, never a silent default.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import sys
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from typing import Any, Dict, List, Optional, Sequence, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from nanlint.sources import os_reason

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".nanlint_cache",
    "build",
    "dist",
    "__pycache__",
    "node_modules",
    "site-packages",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",  # Jupyter's autosaved copies of the notebooks beside them
)


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


@dataclass(frozen=True)
class Settings:
    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    eps: str = "1e-12"
    max_norm: str = "1.0"
    cache_dir: str = ".nanlint_cache"
    # Where the settings came from; relative patterns and the cache live here.
    config_path: Optional[str] = None
    root: str = field(default_factory=os.getcwd)

    def selected_codes(self) -> List[str]:
        """The codes that run, after select, extend-select and ignore."""
        from nanlint.registry import rule_infos
        from nanlint.rule import match_codes

        if self.select:
            codes = match_codes(self.select)
        else:
            codes = [info.code for info in rule_infos() if info.default_enabled]
        for code in match_codes(self.extend_select) if self.extend_select else []:
            if code not in codes:
                codes.append(code)
        ignored = set(match_codes(self.ignore)) if self.ignore else set()
        return sorted(code for code in codes if code not in ignored)

    def codes_for(self, path: str, codes: Sequence[str]) -> List[str]:
        """`codes` less those that per-file-ignores turn off for `path`."""
        if not self.per_file_ignores:
            return list(codes)
        from nanlint.rule import match_codes

        relative = _relative(path, self.root)
        ignored: set = set()
        for pattern, prefixes in self.per_file_ignores:
            if fnmatch(relative, pattern) or fnmatch(os.path.basename(path), pattern):
                ignored.update(match_codes(prefixes))
        return [code for code in codes if code not in ignored]

    def is_excluded(self, path: str) -> bool:
        """Whether discovery skips `path` (a folder or file found while walking)."""
        patterns = [p.rstrip("/") for p in self.exclude + self.extend_exclude]  # `build/` is `build`
        relative = _relative(path, self.root)
        name = os.path.basename(path)
        return any(fnmatch(name, p) or fnmatch(relative, p) or fnmatch(relative, p + "/*") for p in patterns if p)


def _relative(path: str, root: str) -> str:
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, root)
    except ValueError:  # another drive on Windows
        return absolute.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def find_config(start: str) -> Optional[str]:
    """The nearest pyproject.toml with a [tool.nanlint] table, upward from `start`."""
    folder = os.path.abspath(start)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    while True:
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(candidate) and _has_table(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _has_table(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return False
    if b"nanlint" not in data:  # the usual case, without parsing
        return False
    try:
        tool = tomllib.loads(data.decode("utf-8")).get("tool")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return True  # ours, it seems, and broken: `load` says where
    # `[tool.nanlint]`, but also `[tool]` + `nanlint = ...` and the dotted forms.
    return isinstance(tool, dict) and "nanlint" in tool


def load(path: Optional[str], explicit: bool = False) -> Settings:
    """Settings from `path` (a pyproject.toml or a nanlint.toml), or defaults."""
    if path is None:
        return Settings()
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {os_reason(error)}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({error.reason})") from None
    table = data.get("tool", {}).get("nanlint") if os.path.basename(path) == "pyproject.toml" else data
    if table is None:
        if explicit:
            raise ConfigError(f"{path}: no [tool.nanlint] table")
        table = {}
    return _from_table(table, path)


_LIST_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "extend-select": "extend_select",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
}
_NUMBER_KEYS = {"eps": "eps", "max-norm": "max_norm"}
_KNOWN = sorted(list(_LIST_KEYS) + list(_NUMBER_KEYS) + ["per-file-ignores", "cache-dir"])


def _from_table(table: Dict[str, Any], path: str) -> Settings:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.nanlint] must be a table")
    values: Dict[str, Any] = {}
    for key, value in table.items():
        where = f"{path}: [tool.nanlint] {key}"
        if key in _LIST_KEYS:
            values[_LIST_KEYS[key]] = _strings(value, where)
        elif key in _NUMBER_KEYS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise ConfigError(f"{where}: expected a positive finite number, got {value!r}")
            values[_NUMBER_KEYS[key]] = _number_code(value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: expected a table of glob = [codes], got {type(value).__name__}")
            values["per_file_ignores"] = tuple(
                (pattern, _strings(codes, f"{where}.{pattern!r}")) for pattern, codes in value.items()
            )
        elif key == "cache-dir":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where}: expected a folder name, got {value!r}")
            values["cache_dir"] = value
        else:
            close = difflib.get_close_matches(key, _KNOWN, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(_KNOWN)}"
            raise ConfigError(f"{path}: [tool.nanlint] unknown key {key!r}{hint}")
    settings = Settings(config_path=path, root=os.path.dirname(os.path.abspath(path)), **values)
    validate_codes(settings, path)
    return settings


def _number_code(value: Any) -> str:
    """How a fix writes the number: `1e-8` as written in the config, not repr's `1e-08`."""
    if isinstance(value, int):
        return str(value)
    return re.sub(r"e([+-])0+(\d)", r"e\1\2", repr(float(value)))


def _strings(value: Any, where: str) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(value)


def validate_codes(settings: Settings, where: str) -> None:
    from nanlint.rule import UnknownCode, match_codes

    groups = [settings.select, settings.ignore, settings.extend_select] + [c for _, c in settings.per_file_ignores]
    for group in groups:
        try:
            match_codes(group)
        except UnknownCode as error:
            raise ConfigError(f"{where}: {error}") from None


def with_overrides(settings: Settings, **overrides: Any) -> Settings:
    """The settings with the command line's options on top (None: keep the file's)."""
    changes = {key: value for key, value in overrides.items() if value is not None}
    if "ignore" in changes:
        changes["ignore"] = settings.ignore + tuple(changes["ignore"])
    if "extend_select" in changes:
        changes["extend_select"] = settings.extend_select + tuple(changes["extend_select"])
    return replace(settings, **changes)
