"""Settings: the nearest `.nanlint.toml`, `nanlint.toml` or `[tool.nanlint]` of a
pyproject.toml, validated, plus the command line's.

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
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from nanlint.reading.sources import os_reason

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

# A file's trees take about 100 to 180 bytes per byte of source (Python's `ast` of the
# whole file while it is indexed; libcst's only of the parts a rule wants): a 20 MB
# generated module peaks near 2 to 3.5 GB. A file of more characters than this that
# could hold a finding is not checked, with a warning that says so: memory has a bound.
DEFAULT_MAX_FILE_SIZE = 50_000_000


DEFAULT_INCLUDE = ("*.py", "*.pyi", "*.ipynb")


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


@dataclass(frozen=True)
class RuleSelection:
    """One layer of rule selection: the config's, or the command line's above it.

    As in ruff, a layer with `select` replaces the codes chosen below it (so
    `--select NAN001` runs NAN001 even if the config ignores it); one without only
    adds (`extend-select`) and removes (`ignore`). Within a layer the more specific
    selector wins: `select = ["NAN001"]` with `ignore = ["NAN"]` runs NAN001.
    """

    select: Optional[Tuple[str, ...]] = None
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()

    def apply(self, enabled: Set[str]) -> Set[str]:
        from nanlint.rule import match_codes

        updates: Dict[str, bool] = {}
        chosen = [(s, True) for s in (self.select or ()) + self.extend_select]
        chosen += [(s, False) for s in self.ignore]
        # Least specific first, so that a more specific selector overrides it; at one
        # specificity an ignore overrides a select.
        for selector, on in sorted(chosen, key=lambda item: (_specificity(item[0]), item[1] is False)):
            for code in match_codes([selector]):
                updates[code] = on
        if self.select is not None:
            return {code for code, on in updates.items() if on}
        return {code for code in enabled if updates.get(code, True)} | {c for c, on in updates.items() if on}

    def groups(self) -> List[Tuple[str, ...]]:
        return [self.select or (), self.ignore, self.extend_select]


def _specificity(selector: str) -> int:
    """`ALL` < `NAN` < `NAN0` < ... < `NAN001`, as ruff ranks linter, prefix and code."""
    selector = selector.strip().upper()
    return 0 if selector == "ALL" else len(selector)


@dataclass(frozen=True)
class Settings:
    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    # --select, --ignore and --extend-select: a layer above the config's.
    command_line: RuleSelection = RuleSelection()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    # Which files a walk checks, by name or by path below the root (ruff's default
    # also has notebooks and pyproject.toml, which nanlint does not read).
    include: Tuple[str, ...] = DEFAULT_INCLUDE
    extend_include: Tuple[str, ...] = ()
    respect_gitignore: bool = True
    # Whose fixes --fix applies, and fixes made safe or unsafe (ruff's names).
    fixable: Tuple[str, ...] = ("ALL",)
    unfixable: Tuple[str, ...] = ()
    extend_safe_fixes: Tuple[str, ...] = ()
    extend_unsafe_fixes: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    eps: str = "1e-12"
    max_norm: str = "1.0"
    cache_dir: str = ".nanlint_cache"
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # characters
    # Where the settings came from; relative patterns and the cache live here.
    config_path: Optional[str] = None
    root: str = field(default_factory=os.getcwd)

    def selected_codes(self) -> List[str]:
        """The codes that run: the config's select, extend-select and ignore, then the
        command line's on top of them, each resolved as ruff resolves them."""
        from nanlint.linting.registry import rule_infos

        enabled = {info.code for info in rule_infos() if info.default_enabled}
        for selection in (
            RuleSelection(self.select or None, self.ignore, self.extend_select),
            self.command_line,
        ):
            enabled = selection.apply(enabled)
        return sorted(enabled)

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

    def is_included(self, path: str) -> bool:
        """Whether a file found while walking is checked (one named on the command
        line always is)."""
        patterns = self.include + self.extend_include
        if any(fnmatch(os.path.basename(path), p) for p in patterns):
            return True
        with_folders = [p for p in patterns if "/" in p]  # `src/*.py`: the path below the root
        return bool(with_folders) and any(fnmatch(_relative(path, self.root), p) for p in with_folders)

    def fix_overrides(self, codes: Sequence[str]) -> Tuple[Tuple[str, Optional[str]], ...]:
        """(code, what its fixes become) for each of `codes` whose fixes the config
        changes: None when not fixable, else "safe" or "unsafe"."""
        from nanlint.rule import SAFE, UNSAFE, match_codes

        fixable = RuleSelection(self.fixable, self.unfixable).apply(set())
        safety: Dict[str, str] = {}
        # As ruff: the more specific selector wins; at one specificity, unsafe.
        chosen = [(s, SAFE) for s in self.extend_safe_fixes] + [(s, UNSAFE) for s in self.extend_unsafe_fixes]
        for selector, applicability in sorted(chosen, key=lambda item: (_specificity(item[0]), item[1] == UNSAFE)):
            for code in match_codes([selector]):
                safety[code] = applicability
        overrides = []
        for code in codes:
            if code not in fixable:
                overrides.append((code, None))
            elif code in safety:
                overrides.append((code, safety[code]))
        return tuple(overrides)

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


# In one folder, as ruff ranks `.ruff.toml`, `ruff.toml` and `pyproject.toml`: a file
# of nanlint's own always counts (even empty); a pyproject.toml only with a table.
CONFIG_NAMES = (".nanlint.toml", "nanlint.toml")


def find_config(start: str) -> Optional[str]:
    """The nearest `.nanlint.toml`, `nanlint.toml` or pyproject.toml with a
    [tool.nanlint] table, upward from `start`."""
    folder = os.path.abspath(start)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    while True:
        found = _config_in(folder)
        if found is not None:
            return found
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _config_in(folder: str) -> Optional[str]:
    """The config file of `folder` itself, if it has one."""
    for name in CONFIG_NAMES:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return candidate
    candidate = os.path.join(folder, "pyproject.toml")
    if os.path.isfile(candidate) and _has_table(candidate):
        return candidate
    return None


class NearestSettings:
    """The settings of each file, as ruff resolves them: those of the nearest config
    above it, with the command line's options on top. A project of many packages
    (`libs/a/pyproject.toml`, `libs/b/nanlint.toml`) checks each with its own; a file
    under no config of its own gets those of the run (`fallback`)."""

    def __init__(self, fallback: Settings, inline: Sequence[str], **overrides: Any) -> None:
        self.fallback = fallback
        self.inline = tuple(inline)
        self.overrides = overrides
        self._by_config: Dict[Optional[str], Settings] = {fallback.config_path: fallback}
        self._by_folder: Dict[str, Optional[str]] = {}

    def of(self, path: str) -> Settings:
        config = self._nearest(os.path.dirname(os.path.abspath(path)))
        if config is None:
            return self.fallback
        if config not in self._by_config:
            settings = with_overrides(load(config, overrides=self.inline), **self.overrides)
            validate_codes(settings, "command line")
            self._by_config[config] = settings
        return self._by_config[config]

    def _nearest(self, folder: str) -> Optional[str]:
        """`find_config`, each folder looked at once in a run (a walk meets its parents
        again and again)."""
        if folder not in self._by_folder:
            parent = os.path.dirname(folder)
            found = _config_in(folder)
            self._by_folder[folder] = found if found is not None or parent == folder else self._nearest(parent)
        return self._by_folder[folder]


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


def load(path: Optional[str], explicit: bool = False, overrides: Sequence[str] = ()) -> Settings:
    """Settings from `path` (a pyproject.toml or a nanlint.toml), or defaults, with
    `overrides` (`--config "key = value"`, inline TOML) replacing the file's keys."""
    table = _read_table(path, explicit) if path is not None else {}
    for text in overrides:
        override = parse_override(text)
        # Checked on its own first, so that an error names the override, not the file.
        where = f"--config {text!r}"
        validate_codes(Settings(**_values(override, where, "")), where)
        table.update(override)
    if path is None:
        settings = Settings(**_values(table, "--config", ""))
        validate_codes(settings, "--config")
        return settings
    return _from_table(table, path)


def parse_override(text: str) -> Dict[str, Any]:
    """`--config "select = ['NAN001']"`: one or more TOML `key = value` lines."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"--config {text!r}: neither a config file nor `key = value` TOML: {error}") from None


def split_config_values(values: Sequence[str]) -> Tuple[Optional[str], List[str]]:
    """`--config` values as (the config file, if one is named; the inline overrides).

    As ruff tells them apart: a value with `=` that is not a file is `key = value`."""
    inline = [value for value in values if "=" in value and not os.path.isfile(value)]
    files = [value for value in values if value not in inline]
    if len(files) > 1:
        raise ConfigError(f"--config names {len(files)} files ({', '.join(files)}); one at most, the rest `key = value`")
    return (files[0] if files else None), inline


def _read_table(path: str, explicit: bool) -> Dict[str, Any]:
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
    if not _is_pyproject(path):
        return data
    table = data.get("tool", {}).get("nanlint")
    if table is None:
        if explicit:
            raise ConfigError(f"{path}: no [tool.nanlint] table")
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.nanlint] must be a table")
    return dict(table)


def _is_pyproject(path: str) -> bool:
    return os.path.basename(path) == "pyproject.toml"


_LIST_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "extend-select": "extend_select",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
    "include": "include",
    "extend-include": "extend_include",
    "fixable": "fixable",
    "unfixable": "unfixable",
    "extend-safe-fixes": "extend_safe_fixes",
    "extend-unsafe-fixes": "extend_unsafe_fixes",
}
_NUMBER_KEYS = {"eps": "eps", "max-norm": "max_norm"}
_BOOL_KEYS = {"respect-gitignore": "respect_gitignore"}
_KNOWN = sorted(
    list(_LIST_KEYS) + list(_NUMBER_KEYS) + list(_BOOL_KEYS) + ["per-file-ignores", "cache-dir", "max-file-size"]
)


def _from_table(table: Dict[str, Any], path: str) -> Settings:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.nanlint] must be a table")
    section = "[tool.nanlint] " if _is_pyproject(path) else ""
    settings = Settings(config_path=path, root=os.path.dirname(os.path.abspath(path)), **_values(table, path, section))
    validate_codes(settings, path)
    return settings


def _values(table: Dict[str, Any], path: str, section: str) -> Dict[str, Any]:
    """The Settings fields the `table` sets, each checked."""
    values: Dict[str, Any] = {}
    for key, value in table.items():
        where = f"{path}: {section}{key}"
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
        elif key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: expected true or false, got {value!r}")
            values[_BOOL_KEYS[key]] = value
        elif key == "max-file-size":
            # In MB of source: a bigger file is not checked, with a warning that says so.
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise ConfigError(f"{where}: expected a positive number of MB, got {value!r}")
            values["max_file_size"] = max(1, int(value * 1_000_000))
        elif key == "cache-dir":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where}: expected a folder name, got {value!r}")
            values["cache_dir"] = value
        else:
            close = difflib.get_close_matches(key, _KNOWN, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(_KNOWN)}"
            raise ConfigError(f"{path}: {section}unknown key {key!r}{hint}")
    return values


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
    groups += [settings.fixable, settings.unfixable, settings.extend_safe_fixes, settings.extend_unsafe_fixes]
    groups += settings.command_line.groups()
    for group in groups:
        try:
            match_codes(group)
        except UnknownCode as error:
            raise ConfigError(f"{where}: {error}") from None


def with_overrides(settings: Settings, **overrides: Any) -> Settings:
    """The settings with the command line's options on top (None: keep the file's)."""
    changes = {key: value for key, value in overrides.items() if value is not None}
    selection = RuleSelection(
        changes.pop("select", None), tuple(changes.pop("ignore", ())), tuple(changes.pop("extend_select", ()))
    )
    return replace(settings, command_line=selection, **changes)


def describe(settings: Settings, path: str) -> str:
    """`--show-settings`: the settings a run on `path` uses, in the config's own keys."""
    names = {field: key for key, field in {**_LIST_KEYS, **_NUMBER_KEYS, **_BOOL_KEYS}.items()}
    names.update(per_file_ignores="per-file-ignores", cache_dir="cache-dir")
    lines = [
        f"Resolved settings for: {path}",
        f"Settings path: {settings.config_path or 'none (defaults)'}",
        f"Project root: {settings.root}",
        f"rules = {_toml(settings.selected_codes())}",
    ]
    for field_name, key in names.items():
        value = getattr(settings, field_name)
        if field_name == "per_file_ignores":
            value = {pattern: list(codes) for pattern, codes in value}
        lines.append(f"{key} = {_toml(value)}")
    selection = settings.command_line
    if selection != RuleSelection():
        lines.append(
            f"command-line = {{ select = {_toml(selection.select)}, ignore = {_toml(selection.ignore)}, "
            f"extend-select = {_toml(selection.extend_select)} }}"
        )
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if value is None:
        return "(not given)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, str) and re.fullmatch(r"[0-9.e+-]+", value) is None:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)
