"""Does a gradient flow through the expression being visited?

An infinite derivative nobody asks for is harmless: d/dx sqrt(x) at 0 only turns into
NaN when autograd multiplies it into a backward pass. So a gradient hazard is reported
only with evidence that a backward pass runs through the code: it sits in a function in
gradient context (`summary`), or it reads a trainable parameter of its class. Without
evidence the answer is no: library helpers, metrics and data code compute the same
formulas without autograd, and a linter that cries wolf there gets uninstalled.
"""

from __future__ import annotations

import re
from typing import Tuple

import libcst as cst

from nanlint.context import FileContext
from nanlint.semantics import in_no_grad
from nanlint.values.summary import Path

# Test files check values, and a NaN gradient there fails the test that shows it.
_TEST_FILE = re.compile(r"(^|[\\/])(tests?|testing)[\\/]|(^|[\\/])(test_[^\\/]*|[^\\/]*_test|conftest)\.py$")


def function_path(context: FileContext) -> Path:
    """The path of the innermost function around the node being visited (its
    enclosing classes and functions, itself last); `()` outside any function, where
    code runs with the module, class bodies included. A lambda or comprehension runs
    where its function runs."""
    path, end = [], 0
    for node in context.ancestors:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            path.append(node.name.value)
            if isinstance(node, cst.FunctionDef):
                end = len(path)
    return tuple(path[:end])


def in_test_file(context: FileContext) -> bool:
    return bool(_TEST_FILE.search(context.filename))


def carries_gradient(context: FileContext, node: cst.CSTNode) -> bool:
    """Whether a backward pass can run through `node`, the expression being visited
    (or one inside it): not under `no_grad`, not in a test, and in gradient context or
    computed from a trainable parameter."""
    if in_no_grad(context) or in_test_file(context):
        return False
    summary = context.summary
    path = function_path(context)
    if summary.in_gradient_context(path):
        return True
    if path in summary.no_gradient_paths:
        return False
    return bool(summary.parameters) and _reads_parameter(node, summary.parameters)


def _reads_parameter(node: cst.CSTNode, parameters) -> bool:
    """`self.weight` where the class assigns `self.weight = nn.Parameter(...)`."""
    stack = [node]
    while stack:
        current = stack.pop()
        if (
            isinstance(current, cst.Attribute)
            and isinstance(current.value, cst.Name)
            and current.value.value == "self"
            and current.attr.value in parameters
        ):
            return True
        stack.extend(current.children)
    return False


__all__: Tuple[str, ...] = ("carries_gradient", "function_path", "in_test_file")
