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

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.semantics import in_no_grad, reaching_values
from nanlint.values.definitions import OUTSIDE
from nanlint.values.summary import Path

# Test files check values, and a NaN gradient there fails the test that shows it: a
# test module by its name, or a file in a `tests` folder (its parent or the one above;
# not further up, where a folder of that name says nothing about this file).
_TEST_NAME = re.compile(r"^(test_.*|.*_test|conftest)\.py$")
_TEST_FOLDERS = frozenset(("tests", "test", "testing"))


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
    parts = re.split(r"[\\/]", context.filename)
    return bool(_TEST_NAME.match(parts[-1])) or not _TEST_FOLDERS.isdisjoint(parts[-3:-1])


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


# Tensors built from numbers, and results no gradient comes back through.
_CONSTANT_TENSORS = frozenset(
    f"torch.{name}" for name in (
        "arange", "linspace", "logspace", "meshgrid", "zeros", "ones", "full", "eye", "empty", "tensor",
        "as_tensor", "zeros_like", "ones_like", "full_like", "randn", "rand", "randint", "randperm",
        "argmax", "argmin", "argsort", "unique", "bucketize", "searchsorted", "nonzero", "where",
    )
)
_CUT_METHODS = frozenset(("detach", "item", "tolist", "numpy", "long", "int", "bool", "argmax", "argmin",
                          "argsort", "unique", "nonzero", "size", "dim", "numel"))
_CUT_ATTRIBUTES = frozenset(("data", "shape", "dtype", "device", "ndim", "T_data"))


def value_carries_gradient(context: FileContext, node: cst.CSTNode, depth: int = 3) -> bool:
    """Whether a gradient can come back through `node`'s value: not when it is built
    only from numbers, constant tables (`torch.arange`, `meshgrid`, `zeros`), shapes,
    and results that cut the graph (`detach()`, `argmax`, `unique`, `.item()`),
    directly or through every assignment that reaches a name. A parameter, an
    attribute or anything unknown may carry one."""
    kind = type(node)
    if kind in (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString):
        return False
    if kind is cst.Attribute:
        if node.attr.value in _CUT_ATTRIBUTES:
            return False
        return True
    if kind is cst.Call:
        qualified = context.qualified_name(node.func)
        if qualified is not None:
            if qualified in _CONSTANT_TENSORS:
                if any(a.keyword is not None and a.keyword.value == "requires_grad" for a in node.args):
                    return True  # a leaf that autograd tracks
                if qualified == "torch.where":
                    return any(value_carries_gradient(context, a.value, depth) for a in node.args[1:3])
                return False
            if qualified.startswith("math.") or qualified in ("builtins.len", "builtins.int", "builtins.float"):
                return False
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in _CUT_METHODS:
            return False
        parts = [a.value for a in node.args]
        if isinstance(node.func, cst.Attribute):
            parts.append(node.func.value)
        elif qualified is None:
            return True  # a function of this module or of the caller's: unknown
        return any(value_carries_gradient(context, part, depth) for part in parts)
    if kind is cst.BinaryOperation:
        return value_carries_gradient(context, node.left, depth) or value_carries_gradient(context, node.right, depth)
    if kind is cst.UnaryOperation:
        return value_carries_gradient(context, node.expression, depth)
    if kind is cst.Subscript:
        return value_carries_gradient(context, node.value, depth)
    if kind in (cst.Tuple, cst.List):
        return any(value_carries_gradient(context, e.value, depth) for e in node.elements)
    if kind is cst.Name and depth > 0:
        values = reaching_values(context, node, sources=True)
        if not values or any(v is OUTSIDE or v is None for v in values):
            return True  # a parameter, an outer value, or a value the code does not show
        return any(value_carries_gradient(context, v, depth - 1) for v in values)
    return True


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
