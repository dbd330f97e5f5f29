"""Which library a value belongs to: a torch tensor, a NumPy array, a JAX array, a number.

A gradient rule has nothing to say about a NumPy array (NumPy has no autograd), and a
fix must use the library of the value it rewrites: `torch.linalg.vector_norm` of a
NumPy array is a TypeError. The answer comes from the calls that build the value, the
methods on it, the annotation of the parameter it comes from, and the names it is
assigned to; None when the code does not tell.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.values.calls import callee, receiver
from nanlint.values.flow import assigned_value
from nanlint.values.numbers import literal_number
from nanlint.values.zeros import parameters

TORCH, NUMPY, JAX, TENSORFLOW, PYTHON = "torch", "numpy", "jax", "tensorflow", "python"
ARRAYS = (TORCH, NUMPY, JAX, TENSORFLOW)
# Libraries that record gradients.
AUTOGRAD = (TORCH, JAX, TENSORFLOW)

_MODULES = (
    ("torch.", TORCH),
    ("numpy.", NUMPY),
    ("jax.", JAX),
    ("tensorflow.", TENSORFLOW),
    ("keras.", TENSORFLOW),
    ("math.", PYTHON),
)
# Methods that move a value to another library, or to a Python number.
_CONVERTS = {"numpy": NUMPY, "item": PYTHON, "tolist": PYTHON, "__float__": PYTHON}
# Methods only tensors have: `x.sqrt()` cannot be a NumPy array.
_TENSOR_ONLY = frozenset(("sqrt", "rsqrt", "pow", "exp", "log", "clamp", "clamp_min", "detach", "cuda", "cpu", "norm"))
_PYTHON_BUILTINS = ("builtins.float", "builtins.int", "builtins.len", "builtins.round", "builtins.abs")


def library_of(context: FileContext, node: Optional[cst.CSTNode], depth: int = 3) -> Optional[str]:
    if node is None:
        return None
    if literal_number(node) is not None:
        return PYTHON
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified is not None:
            if qualified in _PYTHON_BUILTINS:
                return PYTHON
            for prefix, library in _MODULES:
                if qualified.startswith(prefix):
                    return library
            return None
        if method in _CONVERTS:
            return _CONVERTS[method]
        inner = library_of(context, receiver(node), depth)
        if inner is None and method in _TENSOR_ONLY and context.imports.imports_module("torch"):
            return TORCH
        return inner
    if isinstance(node, cst.BinaryOperation):
        left, right = library_of(context, node.left, depth), library_of(context, node.right, depth)
        for side in (left, right):
            if side in ARRAYS:
                return side  # an array with a number is an array
        return left if left == right else None
    if isinstance(node, cst.UnaryOperation):
        return library_of(context, node.expression, depth)
    if isinstance(node, cst.Comparison):
        # `tokens == 1` is a mask of the array compared, whatever it is compared with.
        for side in [node.left] + [target.comparator for target in node.comparisons]:
            found = library_of(context, side, depth)
            if found in ARRAYS:
                return found
        return None
    if isinstance(node, cst.Subscript):
        return library_of(context, node.value, depth)
    if isinstance(node, cst.Name):
        annotated = _parameter_annotation(context, node)
        if annotated is not None:
            return annotated
        value = assigned_value(context, node) if depth > 0 else None
        return library_of(context, value, depth - 1) if value is not None else None
    return None


def _parameter_annotation(context: FileContext, name: cst.Name) -> Optional[str]:
    """`np.ndarray` / `torch.Tensor` in the annotation of the parameter `name` reads."""
    for node in reversed(context.ancestors):
        if isinstance(node, cst.FunctionDef):
            for param in parameters(node):
                if param.name.value == name.value:
                    if param.annotation is None:
                        return None
                    text = context.module.code_for_node(param.annotation.annotation)
                    if "ndarray" in text or text.startswith(("np.", "numpy.")):
                        return NUMPY
                    if "Tensor" in text:
                        return TENSORFLOW if text.startswith(("tf.", "tensorflow.")) else TORCH
                    return None
            if context.bindings(node).is_bound(name.value):
                return None  # a local of this function, not a parameter
    return None
