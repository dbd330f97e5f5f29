"""Fixed data across a module's own functions: a table read from a file the module
names (through its helpers, tuples and reassignments), which its author ran the code on.
A file the user picks (`args.path`) is no fixed data."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Set, Tuple

from nanlint.values.module_calls import MODULE_ALIASES, Kinds, call_arguments
from nanlint.values.module_walk import ModuleWalk, Path, Unpacked, last_name

if TYPE_CHECKING:
    from nanlint.linting.names import ModuleIndex


# Readers of a data file: `pd.read_csv(path)`, `np.loadtxt(path)`, `np.load(path)`.
_READERS = frozenset((
    "read_csv", "read_pickle", "read_table", "read_hdf", "read_parquet", "read_excel", "read_feather",
    "loadtxt", "genfromtxt", "loadmat", "fromfile",
))
_LOADING_MODULES = frozenset(("np", "numpy", "pickle", "pd", "pandas"))
_LOADS = frozenset(("numpy.load", "pickle.load"))


def reads_files(index: Optional["ModuleIndex"], source: str) -> bool:
    """Whether the module calls a reader of data files, from the calls the engine's index
    already holds (a scan of the text would cost more than the rest of the question)."""
    if index is None:
        return any(reader in source for reader in _READERS) or any(f"{m}(" in source for m in _LOADS)
    return index.calls_method(_READERS) or any(
        call in _LOADS or call.rsplit(".", 1)[-1] in _READERS for call in index.calls
    )


# Where a file's path is put together: `os.path.join(root, 'gas')`, `Path(root) / name`.
_PATH_CALLS = frozenset(("join", "Path", "format", "expanduser", "abspath", "open"))


def fixed_data(walk: ModuleWalk, kinds: Kinds, reads_files: bool) -> Dict[str, FrozenSet]:
    """The module's functions that return fixed data (read from a file whose path is
    configuration: literals, attributes such as `self.root`, module constants), and the
    parameters every call of the module hands a path or fixed data; grown together until
    nothing changes, from nothing (a function is fixed only when shown to be)."""
    if not reads_files:
        return {}
    calls: Dict[Tuple[Path, str], List[Tuple[Path, ast.AST]]] = {}
    for owner, _, key, argument in call_arguments(walk, kinds):
        calls.setdefault(key, []).append((owner.path, argument))
    facts = _FixedData(walk, kinds)
    while True:
        before = (dict(facts.paths), len(facts.parameters), len(facts.returns))
        for key, passed in calls.items():
            level = min(facts.path_level(value, path, 3) for path, value in passed)
            if level != _NOT_PATH:
                facts.paths[key] = level
            if all(facts.is_fixed(value, path, 3) for path, value in passed):
                facts.parameters.add(key)
        for path, values in walk.returns.items():
            if all(facts.is_fixed(value, path, 3) for value in values):
                facts.returns.add(path)
        if (facts.paths, len(facts.parameters), len(facts.returns)) == before:
            break
    names = set(facts.parameters)
    for path, assigned in walk.assignments.items():
        for name, values in assigned.items():
            if all(facts.is_fixed(value, path, 3, frozenset((name,))) for value in values):
                names.add((path, name))
    return {"fixed_names": frozenset(names)}


# How much of a file's path a value is: none of it, configuration (a root folder), or
# configuration with a literal name in it.
_NOT_PATH, _SETTING, _NAMED = 0, 1, 2


class _FixedData:
    def __init__(self, walk: ModuleWalk, kinds: Kinds) -> None:
        self.walk = walk
        self.kinds = kinds
        # Parameters every call hands a path, with how much of one (`_SETTING`, `_NAMED`).
        self.paths: Dict[Tuple[Path, str], int] = {}
        self.parameters: Set[Tuple[Path, str]] = set()  # parameters every call hands fixed data
        self.returns: Set[Path] = set()

    def _names(self, name: str, path: Path) -> Optional[List[ast.AST]]:
        """What `name` holds in the function at `path`: every assignment, or None for
        a name the function does not assign."""
        return self.walk.assignments.get(path, {}).get(name)

    def is_path(self, value: ast.AST, path: Path, depth: int) -> bool:
        """A path made of configuration that names a file or folder in a literal:
        `root + 'gas/ethylene_CO.pickle'`, `os.path.join(utils.get_data_root(), 'hepmass')`;
        not `args.data_path` alone, a file the user picks."""
        return self.path_level(value, path, depth) == _NAMED

    def path_level(self, value: ast.AST, path: Path, depth: int) -> int:
        kind = type(value)
        if kind is ast.Constant:
            return _NAMED if type(value.value) is str else _NOT_PATH
        if kind is ast.Attribute:
            return _SETTING  # `self.root`, `datasets.root`, `args.data_dir`: configuration
        if kind is ast.JoinedStr:
            parts = [v.value if type(v) is ast.FormattedValue else v for v in value.values]
            return self._joined([self.path_level(v, path, depth) for v in parts])
        if kind is ast.BinOp:
            return self._joined([self.path_level(value.left, path, depth), self.path_level(value.right, path, depth)])
        if kind is ast.Call:
            if not value.args and not value.keywords:
                return _SETTING  # `utils.get_data_root()`, `os.getcwd()`: a setting of the machine
            if last_name(value.func) not in _PATH_CALLS:
                return _NOT_PATH
            return self._joined([self.path_level(a, path, depth) for a in value.args])
        if kind is ast.Name:
            if value.id.isupper():
                return _SETTING  # a module's constant: `DATA_PATH`
            values = self._names(value.id, path)
            if depth <= 0 or not values:
                return self.paths.get((path, value.id), _NOT_PATH)
            return min(self.path_level(v, path, depth - 1) for v in values)
        return _NOT_PATH

    @staticmethod
    def _joined(levels: List[int]) -> int:
        return _NOT_PATH if not levels or _NOT_PATH in levels else max(levels)

    def is_fixed(self, value: ast.AST, path: Path, depth: int, reading: FrozenSet[str] = frozenset()) -> bool:
        """`reading`: the names whose values are being read: a name rebuilt from itself
        (`data = data[mask]`) is as fixed as its other values."""
        kind = type(value)
        if kind is ast.Constant:
            return True
        if kind is Unpacked:
            return self.is_fixed(value.call, path, depth, reading)
        if kind is ast.Name:
            name = value.id
            if name in reading:
                return True
            if name in self.walk.signatures.get(path, ()) and (path, name) not in self.parameters:
                return False  # a parameter not every call hands fixed data
            values = self._names(name, path)
            if not values:
                return (path, name) in self.parameters
            return depth > 0 and all(self.is_fixed(v, path, depth - 1, reading | {name}) for v in values)
        if kind is ast.Subscript:
            return self.is_fixed(value.value, path, depth, reading)
        if kind is ast.Attribute:
            return self.is_fixed(value.value, path, depth, reading)  # `data.values`, `df.T`
        if kind is ast.BinOp:
            return self.is_fixed(value.left, path, depth, reading) and self.is_fixed(value.right, path, depth, reading)
        if kind is ast.UnaryOp:
            return self.is_fixed(value.operand, path, depth, reading)
        if kind is ast.Compare:
            return all(self.is_fixed(v, path, depth, reading) for v in (value.left, *value.comparators))
        if kind is ast.List or kind is ast.Tuple:
            return all(self.is_fixed(v, path, depth, reading) for v in value.elts)
        if kind is ast.Call:
            func = value.func
            name = last_name(func)
            if name in _READERS or name == "load" and type(func) is ast.Attribute and last_name(func.value) in _LOADING_MODULES:
                return bool(value.args) and self.is_path(value.args[0], path, depth) or any(
                    k.arg in ("filepath_or_buffer", "fname", "file", "path") and self.is_path(k.value, path, depth)
                    for k in value.keywords
                )
            callee, _ = self.kinds.callee(path, value)
            if callee is not None:
                return callee in self.returns
            if type(func) is not ast.Attribute:
                return False
            if last_name(func.value) in MODULE_ALIASES | _LOADING_MODULES:
                # `np.array(data)`, `np.concatenate([a, b])`: a library function of fixed data.
                return bool(value.args) and all(
                    self.is_fixed(a, path, depth, reading) for a in value.args
                )
            return self.is_fixed(func.value, path, depth, reading)  # `data.drop(...)`, `data.std()`
        return False
