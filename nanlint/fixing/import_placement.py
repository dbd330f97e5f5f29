"""Where a fix's `import module` goes among a file's leading imports.

Placed as isort and ruff's I001 would sort it, so that a fixed file does not then
fail the project's import-order check: a standard-library module joins the
standard-library group (plain `import` lines first, in case-insensitive order,
then the `from` imports), never after `import torch`.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, List, Optional, Sequence

import libcst as cst


def standard_library_row(
    leading_imports: Sequence[cst.SimpleStatementLine],
    module: str,
    start_row: Callable[[cst.CSTNode], int],
    end_row: Callable[[cst.CSTNode], int],
) -> Optional[int]:
    """The row to insert `import module` at, or None when `module` is not in the
    standard library or the file has no standard-library group to join."""
    if not is_standard_library(module):
        return None
    group = _first_standard_group(leading_imports)
    if not group:
        return None
    key = module.lower()
    for index, statement in enumerate(group):
        first = statement.body[0]
        if isinstance(first, cst.ImportFrom) or _imported_names(statement)[0].lower() > key:
            # After the statement before it, not at this one's first line: a comment
            # above a statement stays with it.
            return end_row(group[index - 1]) + 1 if index else start_row(statement)
    return end_row(group[-1]) + 1


def is_standard_library(module: str) -> bool:
    top = module.split(".")[0]
    if top == "__future__":
        return False  # its imports must come first, a group of their own
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return top in names
    return _found_in_standard_library(top)  # Python 3.9


def _found_in_standard_library(top: str) -> bool:
    import importlib.util
    import sysconfig

    if top in sys.builtin_module_names:
        return True
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    origin = getattr(spec, "origin", None) or ""
    if origin in ("built-in", "frozen"):
        return True
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"]) + os.sep
    origin = os.path.realpath(origin)
    return origin.startswith(stdlib) and "site-packages" not in origin


def _first_standard_group(leading_imports: Sequence[cst.SimpleStatementLine]) -> List[cst.SimpleStatementLine]:
    group: List[cst.SimpleStatementLine] = []
    for statement in leading_imports:
        names = _imported_names(statement)
        if names and all(is_standard_library(name) for name in names):
            group.append(statement)
        elif group:
            break
    return group


def _imported_names(statement: cst.SimpleStatementLine) -> List[str]:
    """The modules a line of imports imports; none for a relative import."""
    names: List[str] = []
    for small in statement.body:
        if isinstance(small, cst.Import):
            names.extend(_dotted(alias.name) for alias in small.names)
        elif isinstance(small, cst.ImportFrom):
            if small.relative or small.module is None:
                return []
            names.append(_dotted(small.module))
    return names


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    assert isinstance(node, cst.Name)
    return node.value
