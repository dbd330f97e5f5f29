"""Shared questions rules ask about an expression, so that rules read like sentences.

Every answer errs on the side of silence: when a question cannot be answered from
the code at hand ("can this be exactly zero?"), the answer is the one that keeps a
rule from reporting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.linting.parts import identifiers
from nanlint.values.api import LOG, LOG_METHODS, SATURATING_LAYERS, SIGMOID, SOFTMAX, WHERE  # noqa: F401
from nanlint.values.definitions import OUTSIDE
from nanlint.linting.walk import walk

TORCH = "torch"
JAX_NUMPY = "jax.numpy"

# Forms a call can take: the qualified names of the function, and the tensor method.
SQRT = ("torch.sqrt", "jax.numpy.sqrt")
RSQRT = ("torch.rsqrt", "jax.lax.rsqrt")
POW = ("torch.pow", "torch.float_power", "jax.numpy.power")
SUM = ("torch.sum", "torch.nansum", "jax.numpy.sum", "jax.numpy.nansum", "builtins.sum")
MEAN = ("torch.mean", "torch.nanmean", "jax.numpy.mean", "jax.numpy.nanmean")
SQUARE = ("torch.square", "jax.numpy.square")
VARIANCE = ("torch.var", "jax.numpy.var")
DOT = ("torch.dot", "torch.inner", "torch.vdot", "jax.numpy.dot", "jax.numpy.inner", "jax.numpy.vdot")
NO_GRAD = ("torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad", "torch.autograd.grad_mode.no_grad")
ENABLE_GRAD = ("torch.enable_grad", "torch.autograd.enable_grad")

# -- trigger words (`Rule.triggers`) ------------------------------------------------------
# A rule's `wants()` looks for calls, and a call shows in the text as the name, then
# `(` after any spaces, line breaks, backslashes or comments (`x.sqrt (`, `log  # c⏎(`);
# or the name is imported under another (`from torch import log as ln`). A comment
# must end its line here, which keeps the search linear on a line of `# # # #`.
_CALLED = r"(?:[\s\\]|#[^\n]*\n)*\("
_RENAMED = r"[\s\\]+as\b"


def call_triggers(name: str) -> Tuple[str, str]:
    """The trigger patterns for a call of `name` (a pattern that starts with a literal)."""
    return name + _CALLED, name + _RENAMED


# `x ** 0.5`, `x**(.5)`, `x ** 0.50`, `x ** 5e-1`: the constant `ast` reads as 0.5.
HALF_POWER = r"\*\*[\s(\\]*(?:0*\.50*(?:[eE][+-]?0+)?|50*[eE]-0*1)\b"
# log, log2, log10 called, not the `log.info(...)` or `log = getLogger()` of logging.
LOG_TRIGGERS = call_triggers(r"log(?<!\wlog)(?:2|10)?")
ROOT_TRIGGERS = (*call_triggers(r"sqrt(?<!math\.sqrt)"), HALF_POWER, *call_triggers("pow"))


_EPS_NAME = re.compile(r"(?i)(^|_)(eps|epsilon|tiny)($|_|\d)|eps$")


# -- calls ---------------------------------------------------------------------------
def callee(context: FileContext, call: cst.Call) -> Tuple[Optional[str], Optional[str]]:
    """(qualified name, None) for a module function; (None, method) for `x.method()`."""
    qualified = context.qualified_name(call.func)
    if qualified is not None:
        return qualified, None
    if isinstance(call.func, cst.Attribute):
        return None, call.func.attr.value
    return None, None


def is_call(
    context: FileContext,
    node: cst.CSTNode,
    functions: Iterable[str] = (),
    methods: Iterable[str] = (),
) -> bool:
    if not isinstance(node, cst.Call):
        return False
    qualified, method = callee(context, node)
    if qualified is not None:
        return qualified in functions
    return method is not None and method in methods


def receiver(call: cst.Call) -> Optional[cst.BaseExpression]:
    """`x` in `x.method(...)`."""
    return call.func.value if isinstance(call.func, cst.Attribute) else None


def argument(call: cst.Call, index: Optional[int], keyword: Optional[str] = None) -> Optional[cst.BaseExpression]:
    """The argument at position `index` or named `keyword`, whichever is given."""
    position = 0
    for arg in call.args:
        if arg.star:
            return None  # *args / **kwargs: positions are unknown
        if arg.keyword is not None:
            if keyword is not None and arg.keyword.value == keyword:
                return arg.value
            continue
        if index is not None and position == index:
            return arg.value
        position += 1
    return None


def positional_count(call: cst.Call) -> int:
    return sum(1 for arg in call.args if arg.keyword is None and not arg.star)


# -- numbers -------------------------------------------------------------------------
def literal_number(node: cst.CSTNode) -> Optional[float]:
    """The value of a numeric literal such as `2`, `0.5`, `-1e-8`; None otherwise."""
    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return float(node.evaluated_value)
        except (ValueError, OverflowError):
            return None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        value = literal_number(node.expression)
        if value is None:
            return None
        return -value if isinstance(node.operator, cst.Minus) else value
    return None


def is_eps_like(context: FileContext, node: cst.CSTNode) -> bool:
    """A small positive constant: `1e-8`, `eps`, `self.eps`, `torch.finfo(t).eps`."""
    value = literal_number(node)
    if value is not None:
        return 0 < value <= 1e-2
    if isinstance(node, cst.Name):
        return bool(_EPS_NAME.search(node.value))
    if isinstance(node, cst.Attribute):
        if node.attr.value in ("eps", "tiny", "epsilon", "smallest_normal") and isinstance(node.value, cst.Call):
            return True  # torch.finfo(x.dtype).eps
        qualified = context.qualified_name(node)
        if qualified in ("sys.float_info.min", "sys.float_info.epsilon"):
            return True
        return bool(_EPS_NAME.search(node.attr.value))
    return False


def is_positive_constant(context: FileContext, node: cst.CSTNode) -> bool:
    value = literal_number(node)
    if value is not None:
        return value > 0
    return is_eps_like(context, node)


def is_literal(node: Optional[cst.CSTNode], value: float) -> bool:
    return literal_number(node) == value


def same_code(context: FileContext, left: cst.CSTNode, right: cst.CSTNode) -> bool:
    return left.deep_equals(right)


# -- data flow -----------------------------------------------------------------------
def assigned_value(context: FileContext, node: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """The value a name holds where it is read, when exactly one assignment can reach
    that read (`x = x * x; x = x.sum(1); x.sqrt()` reads `x.sum(1)`); else None."""
    if not isinstance(node, cst.Name):
        return None
    values = reaching_values(context, node)
    if values is not None and values != [OUTSIDE]:
        return values[0] if len(values) == 1 else None
    assign = context.assignment_of(node)
    return assign.value if assign is not None else None


def reaching_definitions(context: FileContext, name: cst.Name) -> Optional[List[object]]:
    """The `Definition`s (or `OUTSIDE`) that can reach this read of `name` in the
    function or module being visited; None when the read is not that scope's own."""
    scope = None
    for node in reversed(context.ancestors):
        if isinstance(node, cst.Lambda):
            return None
        if isinstance(node, (cst.FunctionDef, cst.Module)):
            scope = node
            break
    if scope is None:
        return None
    if isinstance(scope, cst.Module):
        context.require_seen([name.value])
    return context.flow(scope).reaching(name)


def reaching_values(
    context: FileContext, name: cst.Name, sources: bool = False
) -> Optional[List[Optional[cst.BaseExpression]]]:
    """Every value that can reach this read of `name` in the function (or module) being
    visited: an expression, None for a value the code does not show (a tuple unpacked,
    a loop target), `OUTSIDE` for the parameter or a binding of an enclosing scope.
    None when the read is not in that scope's own statements (a lambda's, a closure's).
    `sources`: for a value unpacked from a tuple or a loop, what it was taken out of."""
    found = reaching_definitions(context, name)
    if found is None:
        return None
    return [d if d == OUTSIDE else (d.source if sources and d.value is None else d.value) for d in found]


# -- roots ---------------------------------------------------------------------------
HALF = 0.5


@dataclass(frozen=True)
class Root:
    """A square root (or reciprocal square root) and what it is taken of."""

    node: cst.BaseExpression  # the call, or the `E ** 0.5`
    kind: str  # "sqrt" or "rsqrt"
    radicand: cst.BaseExpression
    framework: str  # "torch" or "jax"
    where: str  # the radicand is the call's "argument", its "receiver" or the "base" of `** 0.5`


def root_of(context: FileContext, node: cst.CSTNode) -> Optional[Root]:
    """The root `node` takes: `torch.sqrt(E)`, `torch.rsqrt(E)`, `torch.pow(E, 0.5)`,
    `E.sqrt()`, `E.rsqrt()`, `E.pow(0.5)` (in a module that imports torch), `E ** 0.5`
    and the jax forms. Not `math.sqrt` or `numpy.sqrt`, which have no autograd, nor
    `E ** 0.5` outside tensor code or of a plain value: `head_dim ** 0.5` is a float."""
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Power) and is_literal(node.right, HALF) and _has_call(node.left):
            imports = context.imports
            framework = "torch" if imports.imports_module("torch") else "jax" if imports.imports_module("jax") else None
            if framework is not None:
                return Root(node, "sqrt", node.left, framework, "base")
        return None
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified is not None:
        framework = "torch" if qualified.startswith("torch.") else "jax"
        base, exponent = ("input", "exponent") if framework == "torch" else ("x1", "x2")
        if (qualified in SQRT or qualified in RSQRT) and len(node.args) == 1:
            kind = "rsqrt" if qualified in RSQRT else "sqrt"
            radicand = argument(node, 0, "input" if framework == "torch" else "x")
        elif qualified in POW and len(node.args) == 2 and is_literal(argument(node, 1, exponent), HALF):
            kind, radicand = "sqrt", argument(node, 0, base)
        else:
            return None
        return Root(node, kind, radicand, framework, "argument") if radicand is not None else None
    if method is None or not context.imports.imports_module("torch"):
        return None
    if method in ("sqrt", "rsqrt") and not node.args:
        return Root(node, method, receiver(node), "torch", "receiver")
    if method == "pow" and len(node.args) == 1 and is_literal(argument(node, 0, "exponent"), HALF):
        return Root(node, "sqrt", receiver(node), "torch", "receiver")
    return None


def _has_call(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Call) or any(_has_call(child) for child in node.children)


# -- gradients -----------------------------------------------------------------------
# Results that carry no gradient: bucket and sort indexes, argmax, comparisons, Python numbers.
_NO_GRADIENT = ("torch.bucketize", "torch.searchsorted", "torch.argmax", "torch.argmin", "torch.argsort")
_NO_GRADIENT_METHODS = ("argmax", "argmin", "argsort", "item", "tolist", "long", "int", "bool", "detach", "numpy")


def feeds_no_gradient(context: FileContext) -> bool:
    """Whether the value of the node being visited never reaches autograd: it is only
    bucketed, compared, taken the argmax of or turned into a Python number, directly
    or through the one name it is assigned to (`d = torch.sqrt(...)` and then only
    `torch.bucketize(d, bins)`). An infinite gradient that nothing asks for is harmless."""
    path = context.ancestors
    if len(path) < 3:
        return False
    node, parent = path[-1], path[-2]
    if _drops_gradient(context, node, parent, path[-3]):
        return True
    if not (
        isinstance(parent, cst.Assign)
        and parent.value is node
        and len(parent.targets) == 1
        and isinstance(parent.targets[0].target, cst.Name)
    ):
        return False
    name = parent.targets[0].target.value
    scope = next(s for s in reversed(path) if isinstance(s, (cst.FunctionDef, cst.Lambda, cst.Module)))
    if context.bindings(scope).single_assignment(name) is not parent:
        return False
    target = parent.targets[0].target
    uses = []
    trail: list = []

    def visit_name(use: cst.Name) -> None:
        if use.value == name and use is not target:
            uses.append((use, trail[-2], trail[-3] if len(trail) > 2 else None))

    walk(scope, {"Name": [visit_name]}, {}, trail)
    return bool(uses) and all(_drops_gradient(context, *use) for use in uses)


def _drops_gradient(
    context: FileContext, node: cst.CSTNode, parent: cst.CSTNode, grandparent: Optional[cst.CSTNode]
) -> bool:
    if isinstance(parent, cst.ComparisonTarget) or (isinstance(parent, cst.Comparison) and parent.left is node):
        return True  # a bool
    if isinstance(parent, cst.Arg) and isinstance(grandparent, cst.Call):
        return context.qualified_name(grandparent.func) in _NO_GRADIENT
    if isinstance(parent, cst.Attribute) and parent.value is node and isinstance(grandparent, cst.Call):
        return grandparent.func is parent and parent.attr.value in _NO_GRADIENT_METHODS
    return False


# Test code names its textbook formulas: `reference_fn=lambda i: i.sigmoid().log()`,
# `def np_ref(x):`, `def softmax_reference_fn(x):`; not `compute_ref_logps` (a reference
# model's) nor `make_transform_from_reference` (reference atoms).
_REFERENCE = re.compile(
    r"(?i)(^|_)ref(_(fn|func|impl))?$|(^|_)reference_(fn|func|function|impl|implementation)$|^_?reference$"
)


def in_reference_implementation(context: FileContext) -> bool:
    """Whether the node being visited is in a reference implementation: a function named
    like one, or a lambda passed or assigned as one. A test compares a library function
    with the textbook formula on inputs chosen to be in range; the formula is the point,
    and rewriting it into the library function would test that function against itself."""
    path = context.ancestors
    for index in range(len(path) - 1, 0, -1):
        node, parent = path[index], path[index - 1]
        if isinstance(node, cst.FunctionDef) and _REFERENCE.search(node.name.value):
            return True
        if isinstance(node, cst.Lambda):
            if isinstance(parent, cst.Arg) and parent.keyword is not None and _REFERENCE.search(parent.keyword.value):
                return True
            if isinstance(parent, cst.Assign) and any(
                isinstance(target.target, cst.Name) and _REFERENCE.search(target.target.value)
                for target in parent.targets
            ):
                return True
    return False


def in_no_grad(context: FileContext) -> bool:
    """Whether the node being visited runs with autograd off (`torch.no_grad()`...)."""
    for node in reversed(context.ancestors):
        if isinstance(node, cst.With):
            for item in node.items:
                target = item.item.func if isinstance(item.item, cst.Call) else item.item
                qualified = context.qualified_name(target)
                if qualified in NO_GRAD:
                    return True
                if qualified in ENABLE_GRAD:
                    return False
                if qualified == "torch.set_grad_enabled" and isinstance(item.item, cst.Call):
                    flag = argument(item.item, 0, "mode")
                    if isinstance(flag, cst.Name) and flag.value == "False":
                        return True
        elif isinstance(node, cst.FunctionDef):
            for decorator in node.decorators:
                target = decorator.decorator
                target = target.func if isinstance(target, cst.Call) else target
                if context.qualified_name(target) in NO_GRAD:
                    return True
    return False


# -- what a value can be -------------------------------------------------------------
def _reduced(context: FileContext, node: cst.CSTNode, functions: Tuple[str, ...], methods: Tuple[str, ...]):
    """The operand of a reduction: `x` in `torch.sum(x, 1)`, `x.sum(1)`, `sum(x)`."""
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified is not None:
        return argument(node, 0, "input") if qualified in functions else None
    if method in methods:
        return receiver(node)
    return None


def squared_operand(context: FileContext, node: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """`d` in `d ** 2`, `d.pow(2)`, `torch.pow(d, 2)`, `torch.square(d)`, `d * d`."""
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Power) and is_literal(node.right, 2):
            return node.left
        if isinstance(node.operator, cst.Multiply) and same_code(context, node.left, node.right):
            return node.left
        return None
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified in POW and is_literal(argument(node, 1, "exponent") or cst.Name("_"), 2):
        return argument(node, 0, "input")
    if method == "pow" and is_literal(argument(node, 0, "exponent") or cst.Name("_"), 2):
        return receiver(node)
    if qualified in SQUARE:
        return argument(node, 0, "input")
    if method == "square" and not node.args:
        return receiver(node)
    return None


_REDUCTIONS = ((SUM, ("sum", "nansum")), (MEAN, ("mean", "nanmean")))


def is_sum_of_squares(context: FileContext, node: cst.CSTNode, depth: int = 2) -> bool:
    """A value that is exactly 0 when its inputs are: squares, their sums and means,
    a variance, a vector dotted with itself; through a local name up to `depth` times.
    An added eps or a clamp is none of these, so a guarded value never qualifies."""
    if squared_operand(context, node) is not None:
        return True
    for functions, methods in _REDUCTIONS:
        operand = _reduced(context, node, functions, methods)
        if operand is not None:
            return is_sum_of_squares(context, operand, depth)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        # `sigma_data ** 2 + sigma ** 2`: the square of a setting is never 0, so the sum is not.
        if _square_of_setting(context, node.left) or _square_of_setting(context, node.right):
            return False
        return is_sum_of_squares(context, node.left, depth) and is_sum_of_squares(context, node.right, depth)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract):
        # A variance written out, E[x^2] - c * E[x]^2: 0 for a constant x, not only for x = 0.
        # Not any difference of squares: `beta * beta - k ** 2` is 0 only where k = beta.
        return (
            _is_reduction(context, node.left)
            and is_sum_of_squares(context, node.left, depth)
            and _holds_squared_reduction(context, node.right)
        )
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in VARIANCE or method == "var":
            return True
        if qualified in DOT:
            first, second = argument(node, 0, "input"), argument(node, 1)
            return first is not None and second is not None and same_code(context, first, second)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.MatrixMultiply):
        return same_code(context, node.left, node.right)
    if depth > 0:
        value = assigned_value(context, node)
        if value is not None:
            return is_sum_of_squares(context, value, depth - 1)
    return False


def _square_of_setting(context: FileContext, node: cst.CSTNode) -> bool:
    """The square of a number, an attribute (`self.sigma_data`, `config.scale`) or a
    module's UPPER_CASE constant: configuration, which is not 0."""
    operand = squared_operand(context, node)
    if operand is None:
        return False
    if literal_number(operand) is not None:
        return literal_number(operand) != 0
    if isinstance(operand, cst.Attribute):
        return True
    return isinstance(operand, cst.Name) and operand.value.isupper() and len(operand.value) > 1


def is_written_variance(context: FileContext, node: cst.CSTNode, depth: int = 2) -> bool:
    """`E[x^2] - c * E[x]^2`, directly or through a local name: a variance written out,
    which rounding leaves a little below 0 where the true value is 0."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract):
        return is_sum_of_squares(context, node, depth)
    value = assigned_value(context, node) if depth > 0 else None
    return value is not None and is_written_variance(context, value, depth - 1)


def _is_reduction(context: FileContext, node: cst.CSTNode, depth: int = 1) -> bool:
    """A sum or mean (`x.mean()`, `torch.sum(x)`, `s / n`), directly or through a local name."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        return _is_reduction(context, node.left, depth)
    if any(_reduced(context, node, functions, methods) is not None for functions, methods in _REDUCTIONS):
        return True
    value = assigned_value(context, node) if depth > 0 else None
    return value is not None and _is_reduction(context, value, depth - 1)


def _holds_squared_reduction(context: FileContext, node: cst.CSTNode) -> bool:
    """`m ** 2`, `c * m.pow(2)`, `torch.square(m) / 2` for a mean or sum m: E[x]^2, perhaps scaled."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Multiply, cst.Divide)):
        return _holds_squared_reduction(context, node.left) or _holds_squared_reduction(context, node.right)
    squared = squared_operand(context, node)
    return squared is not None and _is_reduction(context, squared)


# Operators that bind at least as tightly as `+`: their result needs no parentheses
# to take `+ eps` on its right.
_TIGHT = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.MatrixMultiply, cst.Power)


def bare_code(context: FileContext, node: cst.CSTNode) -> str:
    """Code for `node` without the parentheses around it (for an argument position)."""
    if getattr(node, "lpar", None):
        node = node.with_changes(lpar=[], rpar=[])
    return context.code(node).strip()


def addend_code(context: FileContext, node: cst.CSTNode) -> str:
    """Code for `node` as the left operand of `+ eps`."""
    if getattr(node, "lpar", None):
        return context.code(node)
    if isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)):
        return context.code(node)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, _TIGHT):
        return context.code(node)
    if isinstance(node, cst.UnaryOperation) and not isinstance(node.operator, cst.Not):
        return context.code(node)
    return f"({context.code(node)})"


def receiver_code(context: FileContext, node: cst.CSTNode) -> str:
    """Code for `node` as the receiver of a method call: `(a + b).clamp_min(...)`."""
    code = context.code(node)
    if getattr(node, "lpar", None):
        return code
    if isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
        return code
    return f"({code})"


# -- values that can be exactly 0 ----------------------------------------------------
# Outputs that underflow to exactly 0 in floating point: softmax and sigmoid saturate
# (sigmoid(-104.0) is 0.0 in float32), relu and a clamp at 0 are 0 on half their
# domain, abs and a square are 0 at 0, exp(-x) underflows for large x.
RELU = ("torch.relu", "torch.nn.functional.relu", "torch.nn.functional.relu6", "jax.nn.relu", "jax.nn.relu6")
ABS = (
    "torch.abs",
    "torch.absolute",
    "numpy.abs",
    "numpy.absolute",
    "numpy.fabs",
    "jax.numpy.abs",
    "jax.numpy.absolute",
    "builtins.abs",
)
EXP = ("torch.exp", "numpy.exp", "jax.numpy.exp", "math.exp")
CLAMP = ("torch.clamp", "torch.clip", "numpy.clip", "jax.numpy.clip")
CLAMP_MIN = ("torch.clamp_min",)
MAXIMUM = ("torch.maximum", "torch.fmax", "numpy.maximum", "numpy.fmax", "jax.numpy.maximum", "jax.numpy.fmax")
# Reshaping, indexing and casting keep a 0 a 0.
_KEEPS_ZERO = (
    "clone", "contiguous", "detach", "double", "expand", "expand_as", "flatten", "float",
    "gather", "half", "index_select", "permute", "reshape", "reshape_as", "squeeze", "t",
    "to", "transpose", "type_as", "unsqueeze", "view", "view_as",
)


def clamp_lower_bound(context: FileContext, node: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """The lower bound of a clamp: `0` in `x.clamp(min=0)`, `torch.clamp(x, 0, 1)`,
    `x.clamp_min(0)`, `np.clip(x, 0, 1)`, `np.maximum(x, 0)`; None for no clamp or no bound."""
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified in CLAMP:
        return argument(node, 1, "min") or argument(node, None, "a_min")
    if qualified in CLAMP_MIN:
        return argument(node, 1, "min")
    if qualified in MAXIMUM:
        first, second = argument(node, 0), argument(node, 1)
        if first is not None and literal_number(first) is not None:
            return first
        return second
    if qualified is None and method in ("clamp", "clip"):
        return argument(node, 0, "min") or argument(node, None, "a_min")
    if qualified is None and method == "clamp_min":
        return argument(node, 0, "min")
    return None


def clamped_operand(context: FileContext, node: cst.Call) -> Optional[cst.BaseExpression]:
    """`x` in any clamp `clamp_lower_bound` knows."""
    qualified, _ = callee(context, node)
    if qualified in MAXIMUM:
        first, second = argument(node, 0), argument(node, 1)
        return second if first is not None and literal_number(first) is not None else first
    if qualified is not None:
        return argument(node, 0, "input") or argument(node, 0, "a")
    return receiver(node)


def is_negation(node: cst.CSTNode) -> bool:
    """`-x`, `-x / t`, `-0.5 * d ** 2`: a value negative whenever x is positive."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return literal_number(node) is None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Multiply, cst.Divide)):
        value = literal_number(node.left)
        return is_negation(node.left) or (value is not None and value < 0)
    return False


def _is_one(node: cst.CSTNode) -> bool:
    return literal_number(node) == 1


def _saturating_output(context: FileContext, node: cst.CSTNode) -> Optional[str]:
    """"a softmax output" / "a sigmoid output" for a call that makes one (a function, a
    model of this module whose last layer is one), else None."""
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified in SOFTMAX or (qualified is None and method == "softmax" and node.args):
        return "a softmax output"
    if qualified in SIGMOID or (qualified is None and method == "sigmoid" and not node.args):
        return "a sigmoid output"
    return _model_output(context, node)


def _model_output(context: FileContext, call: cst.Call) -> Optional[str]:
    """`D(x)` with `D = nn.Sequential(..., nn.Sigmoid())`, `self.head(x)` with such a
    head, `model(x)` with `model = Net()` whose forward returns a softmax."""
    func = call.func
    models = context.summary.saturating
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        kind = models.get(f"self.{func.attr.value}")
        if kind:
            return f"a {kind} output of the model `self.{func.attr.value}`"
        return _returned_output(context, func.attr.value, method=True)
    if not isinstance(func, cst.Name):
        return None
    returned = _returned_output(context, func.value, method=False)
    if returned is not None:
        return returned
    built = assigned_value(context, func)
    if not isinstance(built, cst.Call):
        return None
    kind = _construction_kind(context, built)
    return f"a {kind} output of the model `{func.value}`" if kind else None


def _construction_kind(context: FileContext, built: cst.Call) -> Optional[str]:
    """"sigmoid" for `nn.Sigmoid()`, `nn.Sequential(..., nn.Sigmoid())` or `Net()` of a
    class of this module whose forward returns a sigmoid."""
    name = last_name(built.func)
    if name in SATURATING_LAYERS:
        return SATURATING_LAYERS[name]
    if name == "Sequential":
        positional = [arg.value for arg in built.args if arg.keyword is None and not arg.star]
        if positional and isinstance(positional[-1], cst.Call):
            return SATURATING_LAYERS.get(last_name(positional[-1].func))
        return None
    if isinstance(built.func, cst.Name):
        return context.summary.saturating.get(name)
    return None


# Parameters named as probabilities: `probs`, `ps`, `class_probs`, and Keras' `y_pred`
# in a loss `(y_true, y_pred)`, which is the model's output probability.
_PROBABILITY = re.compile(r"^(probs?|ps|probas?|probabilit(y|ies))$|_probs?$|^probs?_")


def _probability_parameter(context: FileContext, node: cst.CSTNode) -> Optional[str]:
    if not isinstance(node, cst.Name):
        return None
    function = context.enclosing_function()
    if function is None:
        return None
    params = {p.name.value: p for p in parameters(function)}
    if node.value not in params or has_numeric_default(params[node.value]):
        return None  # `prior_prob=0.01`: a setting, not a model's output
    names = set(params)
    if _PROBABILITY.search(node.value) or (node.value == "y_pred" and "y_true" in names):
        return f"the probability `{node.value}`"
    return None


def _saturating(context: FileContext, node: cst.CSTNode, depth: int) -> Optional[str]:
    """Why `node` is a probability that can saturate to exactly 0 (or 1): a softmax or
    sigmoid output, a model's, a parameter named so, a `where` choosing one; through
    any assignment that can reach it."""
    found = _saturating_output(context, node)
    if found is not None:
        return found
    if isinstance(node, cst.Call) and context.qualified_name(node.func) in WHERE:
        return _either_branch(context, node, depth, _saturating)
    if isinstance(node, cst.Subscript):
        return _saturating(context, node.value, depth)
    if isinstance(node, cst.Name) and depth > 0:
        return _through_assignments(context, node, depth, _saturating)
    return None


def _either_branch(context: FileContext, where: cst.Call, depth: int, question) -> Optional[str]:
    """`question`'s answer for either value `where(cond, a, b)` can choose."""
    branches = [arg.value for arg in where.args[1:3] if arg.keyword is None]
    return next((found for found in (question(context, b, depth) for b in branches) if found), None)


def parameters(function: cst.FunctionDef) -> List[cst.Param]:
    """The named parameters of a function (not `*args`, `**kwargs`)."""
    params = function.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]


def has_numeric_default(param: cst.Param) -> bool:
    """`base=10000`, `gamma=-0.1`, `prior_prob=0.01`, `ratio=(3 / 4, 4 / 3)`: a setting
    with its usual value, not data handed in by a caller."""
    return param.default is not None and _is_number_literal(param.default)


def _is_number_literal(node: cst.BaseExpression) -> bool:
    """`0.1`, `-0.1`, `3. / 4.`, `np.e ** -1`, and tuples and lists of them."""
    if (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value in ("math", "np", "numpy", "torch")
        and node.attr.value in ("e", "pi", "tau", "inf")
    ):
        return True
    if isinstance(node, (cst.Tuple, cst.List)):
        return bool(node.elements) and all(_is_number_literal(e.value) for e in node.elements)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        return _is_number_literal(node.expression)
    if isinstance(node, cst.BinaryOperation):
        return _is_number_literal(node.left) and _is_number_literal(node.right)
    return literal_number(node) is not None


def is_private(function: cst.FunctionDef) -> bool:
    """`_helper`, not `__call__`: called only from its own module, whose author
    controls what it is passed."""
    name = function.name.value
    return name.startswith("_") and not name.endswith("__")


def _through_assignments(context: FileContext, name: cst.Name, depth: int, question) -> Optional[str]:
    """`question`'s answer for the first value that can reach `name` and has one: on
    that path the name holds it. A parameter answers for itself when it is named as a
    probability."""
    for value in _reaching(context, name):
        if value is OUTSIDE:
            found = _probability_parameter(context, name) or _passed_by_callers(context, name)
        else:
            found = question(context, value, depth - 1) if value is not None else None
        if found is not None:
            if value is not OUTSIDE:
                context.trail.append((value, f"`{name.value}` gets its value here"))
            return found
    return None


def _returned_output(context: FileContext, name: str, method: bool) -> Optional[str]:
    """"a softmax output of `probs()`" for a call of a function of the module (a
    method of the class, for `self.name(...)`) that returns one."""
    from nanlint.values.gradient import function_path  # that module asks this one too

    path = function_path(context)
    if method:
        candidates = [path[:-1] + (name,)] if len(path) > 1 else []
    else:
        candidates = [path + (name,), (name,)]
    returning = context.summary.returning
    kind = next((returning[c] for c in candidates if c in returning), None)
    return f"a {kind} output of `{'self.' if method else ''}{name}()`" if kind else None


def _passed_by_callers(context: FileContext, name: cst.Name) -> Optional[str]:
    """"the parameter `p`, a softmax output where it is called" when a call in the
    module hands the parameter one (the summary found it in the module's `ast`)."""
    from nanlint.values.gradient import function_path  # that module asks this one too

    function = context.enclosing_function()
    if function is None or name.value not in {p.name.value for p in parameters(function)}:
        return None
    passed = context.summary.passed.get((function_path(context), name.value))
    if passed is None:
        return None
    kind, row, column = passed
    context.trail.append((context.ast_location(row, column), f"`{name.value}` is passed a {kind} output here"))
    return f"the parameter `{name.value}`, a {kind} output where it is called (line {row})"


# A loss's parameter that holds the network's output as it came (`pred_tensor`, `y_pred`,
# `preds`), not a probability or a distance: unconstrained, so 0 and below are in range.
_PREDICTION = re.compile(r"^(y_)?preds?(_(tensor|tensors|box|boxes|wh|raw|out|output))?$|^predictions?$|_preds?$")
_LOSS_NAME = re.compile(r"(?i)loss|criterion")
_SHAPE_METHODS = frozenset(("view", "reshape", "contiguous", "float", "double", "squeeze", "unsqueeze", "flatten"))


def raw_prediction(context: FileContext, node: cst.CSTNode, depth: int = 3) -> Optional[str]:
    """The name of the loss parameter `node` is a part of (through indexing, reshapes and
    assignments), when that parameter is the model's raw prediction; else None."""
    if isinstance(node, cst.Subscript):
        return raw_prediction(context, node.value, depth)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        inner = receiver(node) if qualified is None and method in _SHAPE_METHODS else None
        return raw_prediction(context, inner, depth) if inner is not None else None
    if not isinstance(node, cst.Name) or depth < 0:
        return None
    for value in _reaching(context, node):
        if value is OUTSIDE:
            found = node.value if _PREDICTION.search(node.value) and _in_loss(context, node.value) else None
        else:
            found = raw_prediction(context, value, depth - 1) if value is not None else None
        if found is not None:
            if value is not OUTSIDE:
                context.trail.append((value, f"`{node.value}` gets its value here"))
            return found
    return None


def _in_loss(context: FileContext, parameter: str) -> bool:
    """Whether `parameter` is one of the enclosing function's, and that function is a
    loss (`yolo_loss`, or `forward` of `class YoloLoss`)."""
    function = context.enclosing_function()
    if function is None or parameter not in {p.name.value for p in parameters(function)}:
        return False
    if _LOSS_NAME.search(function.name.value):
        return True
    owner = next((n for n in reversed(context.ancestors) if isinstance(n, cst.ClassDef)), None)
    return owner is not None and bool(_LOSS_NAME.search(owner.name.value))


def _reaching(context: FileContext, name: cst.Name) -> List[object]:
    """The values that can reach a read of `name` (`OUTSIDE`: a parameter or an outer
    binding); the one assigned value when the flow is unknown (a closure's read)."""
    values = reaching_values(context, name)
    if values is not None:
        return values
    value = assigned_value(context, name)
    return [value] if value is not None else [OUTSIDE]


def can_reach_zero(context: FileContext, node: cst.CSTNode, depth: int = 2) -> Optional[str]:
    """Why `node` can be exactly 0 ("a softmax output", "a relu output", ...), or None.

    Known: a softmax or sigmoid output and one minus it, a relu, a clamp at 0, an exp
    of a negation, a variance; the square, absolute value or norm of a difference, of a
    spectrum or of one of these (and their sums and means); products, quotients (by
    their numerator) and indexes of these; through a local name up to `depth` times.
    A square or abs of an arbitrary value is not known to be 0: `log(scale ** 2)` is
    how positive scales are written. Anything with an eps added or a positive clamp
    is None.
    """
    found = _saturating_output(context, node)
    if found is not None:
        return found
    if isinstance(node, cst.BinaryOperation):
        operator = node.operator
        if isinstance(operator, cst.Subtract) and _is_one(node.left):
            inner = _saturating(context, node.right, depth)
            return f"one minus {inner}" if inner is not None else None
        if isinstance(operator, cst.Divide):
            return can_reach_zero(context, node.left, depth)
        squared = squared_operand(context, node)
        if squared is not None:
            return _of_magnitude(context, "the square", squared, depth)
        if isinstance(operator, cst.Multiply):
            return can_reach_zero(context, node.left, depth) or can_reach_zero(context, node.right, depth)
        if isinstance(operator, cst.Add):
            left = can_reach_zero(context, node.left, depth)
            return left if left is not None and can_reach_zero(context, node.right, depth) else None
        return None
    if isinstance(node, cst.Subscript):
        if any(_is_mask(context, element.slice) for element in node.slice):
            return None  # `p[p > 0]` keeps only what is not 0
        return can_reach_zero(context, node.value, depth)
    if isinstance(node, cst.Call):
        return _zero_call(context, node, depth)
    if isinstance(node, cst.Name) and depth > 0:
        return _through_assignments(context, node, depth, can_reach_zero)
    return None


def _zero_call(context: FileContext, node: cst.Call, depth: int) -> Optional[str]:
    qualified, method = callee(context, node)
    if qualified in WHERE:
        return _either_branch(context, node, depth, can_reach_zero)
    bound = clamp_lower_bound(context, node)
    if bound is not None:
        return "a value clamped at 0" if literal_number(bound) == 0 else None
    squared = squared_operand(context, node)
    if squared is not None:
        return _of_magnitude(context, "the square", squared, depth)
    if qualified is not None:
        first = argument(node, 0, "input")
        if first is None:
            first = argument(node, 0, "x") or argument(node, 0, "a")
        if qualified in RELU:
            return "a relu output"
        if qualified in EXP:
            return _EXP_UNDERFLOW if first is not None and is_negation(first) else None
        if qualified in VARIANCE:
            return _VARIANCE
        if first is None:
            return None
        if qualified in ABS:
            return _of_magnitude(context, "the absolute value", first, depth)
        if qualified in NORM:
            return _of_magnitude(context, "the norm", first, depth)
        if qualified in SUM or qualified in MEAN:
            return _reduction(context, first, depth)
        if qualified == "torch.gather":
            return can_reach_zero(context, first, depth)
        return None
    if method is None:
        return None
    source = receiver(node)
    assert source is not None
    if method == "relu" and not node.args:
        return "a relu output"
    if method == "abs" and not node.args:
        return _of_magnitude(context, "the absolute value", source, depth)
    if method == "norm":
        return _of_magnitude(context, "the norm", source, depth)
    if method == "exp" and not node.args:
        return _EXP_UNDERFLOW if is_negation(source) else None
    if method == "var":
        return _VARIANCE
    if method in ("sum", "mean", "nansum", "nanmean"):
        return _reduction(context, source, depth)
    if method in ("clamp", "clip", "clamp_min"):
        return can_reach_zero(context, source, depth)  # an upper bound only
    if method in _KEEPS_ZERO:
        return can_reach_zero(context, source, depth)
    return None


_EXP_UNDERFLOW = "an exp of a negation"  # exp(-x) is 0.0 in float32 from x = 104
_VARIANCE = "a variance"  # 0 for a constant input
NORM = ("torch.norm", "torch.linalg.norm", "torch.linalg.vector_norm", "numpy.linalg.norm", "jax.numpy.linalg.norm")
SPECTRUM = (
    "torch.stft",
    "torch.fft.fft",
    "torch.fft.rfft",
    "torch.fft.fft2",
    "torch.fft.rfft2",
    "numpy.fft.fft",
    "numpy.fft.rfft",
    "jax.numpy.fft.fft",
    "jax.numpy.fft.rfft",
    "librosa.stft",
    "scipy.signal.stft",
)


def _of_magnitude(context: FileContext, what: str, operand: cst.CSTNode, depth: int) -> Optional[str]:
    """Why |operand| can be 0, as "the square of a difference"; None when unknown."""
    inner = _zero_magnitude(context, operand, depth)
    return f"{what} of {inner}" if inner is not None else None


def _zero_magnitude(context: FileContext, node: cst.CSTNode, depth: int) -> Optional[str]:
    if _is_difference(context, node):
        return "a difference"
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in SPECTRUM or (qualified is None and method == "stft"):
            return "a spectrum"  # 0 on digital silence and on zero padding
    found = can_reach_zero(context, node, depth)
    if found is None and depth > 0:
        value = assigned_value(context, node)
        if value is not None:
            return _zero_magnitude(context, value, depth - 1)
    return found


def _reduction(context: FileContext, operand: cst.CSTNode, depth: int) -> Optional[str]:
    """A sum or mean is 0 when every term is: true of squares, abs and relu, not of a
    softmax (which sums to 1) or a sigmoid (not all 0 in practice)."""
    if _saturating(context, operand, depth) is not None:
        return None
    found = can_reach_zero(context, operand, depth)
    if found is None or found.startswith("one minus"):
        return None
    return f"a sum or mean of {found}"


def unclampable_divisor(context: FileContext, node: cst.CSTNode, depth: int = 2) -> Optional[cst.BaseExpression]:
    """The denominator of a quotient inside `node` (`w.sum()` in `w / w.sum()`, through
    products, sums, indexes, reshapes and local names), unless it is a positive constant.

    Where that denominator is 0 too, the quotient is 0/0 = NaN, and a clamp after the
    division keeps a NaN a NaN: only a guard on the denominator helps, and whether
    one fits (`clamp_min(eps)` on a denominator that can be negative would flip its
    sign) is not something the code at hand says."""
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Divide):
            return None if is_positive_constant(context, node.right) else node.right
        if isinstance(node.operator, (cst.Multiply, cst.Add)):
            return unclampable_divisor(context, node.left, depth) or unclampable_divisor(context, node.right, depth)
        return None
    if isinstance(node, cst.Subscript):
        return unclampable_divisor(context, node.value, depth)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified == "torch.gather":
            first = argument(node, 0, "input")
            return unclampable_divisor(context, first, depth) if first is not None else None
        if qualified is None and method in _KEEPS_ZERO:
            return unclampable_divisor(context, receiver(node), depth)
        return None
    if depth > 0:
        value = assigned_value(context, node)
        if value is not None:
            return unclampable_divisor(context, value, depth - 1)
    return None


def _is_difference(context: FileContext, node: cst.CSTNode) -> bool:
    """`a - b` of two plain values (names, attributes, items, their means or reshapes),
    which are equal for some input: `emb - vecs[0].unsqueeze(0)`, `x - x.mean(-1)`."""
    if not (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract)):
        return False
    left, right = _is_plain(context, node.left), _is_plain(context, node.right)
    numbers = literal_number(node.left) is not None, literal_number(node.right) is not None
    return left and right and not all(numbers)


def _is_plain(context: FileContext, node: cst.CSTNode) -> bool:
    if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript)) or literal_number(node) is not None:
        return True
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified is None and (method in _KEEPS_ZERO or method == "mean"):
            return _is_plain(context, receiver(node))
        if qualified in MEAN:
            first = argument(node, 0, "input")
            return first is not None and _is_plain(context, first)
    return False


def _is_mask(context: FileContext, index: cst.BaseSlice) -> bool:
    """`p[p > 0]`, or `p[non_zero]` with `non_zero = p != 0`: a boolean mask."""
    if not isinstance(index, cst.Index):
        return False
    if isinstance(index.value, cst.Comparison):
        return True
    if isinstance(index.value, cst.Name):
        values = reaching_values(context, index.value)
        return bool(values) and all(isinstance(v, cst.Comparison) for v in values)
    return False


# -- what the code around a node checks ----------------------------------------------
def catches(context: FileContext, exceptions: Iterable[str]) -> bool:
    """Whether the node being visited runs where one of `exceptions` (by its last name)
    is caught: in a `try` body with such a handler or a bare `except`, or under a `with`
    that expects it (`pytest.raises(ValueError)`, `contextlib.suppress(ValueError)`)."""
    wanted = set(exceptions)
    path = context.ancestors
    for index in range(len(path) - 2, -1, -1):
        node, child = path[index], path[index + 1]
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False  # a `try` around a definition does not run its body
        if isinstance(node, (cst.Try, cst.TryStar)) and child is node.body:
            for handler in node.handlers:
                if handler.type is None or _exception_names(handler.type) & wanted:
                    return True
        elif isinstance(node, cst.With) and child is node.body:
            for item in node.items:
                if isinstance(item.item, cst.Call) and any(
                    _exception_names(arg.value) & wanted for arg in item.item.args
                ):
                    return True
    return False


def _exception_names(node: cst.CSTNode) -> set:
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, cst.Attribute):
        return {node.attr.value}
    if isinstance(node, cst.Tuple):
        return set().union(*(_exception_names(element.value) for element in node.elements))
    return set()


def subjects(context: FileContext, node: cst.CSTNode, depth: int = 1) -> set:
    """The names, attributes and subscripts `node` reads (as code), and, through a local
    name assigned once, those its value reads: what a guard can be about."""
    found = set()
    for part in _walk_expression(node):
        if isinstance(part, cst.Name) and part.value in ("self", "cls"):
            continue
        if isinstance(part, (cst.Name, cst.Attribute, cst.Subscript)):
            found.add(bare_code(context, part))
            if depth > 0:
                value = assigned_value(context, part)
                if value is not None:
                    found |= subjects(context, value, depth - 1)
    return found


def _walk_expression(node: cst.CSTNode):
    yield node
    for child in node.children:
        if not isinstance(child, (cst.Lambda, cst.BaseComp)):
            yield from _walk_expression(child)


def is_guarded(context: FileContext, about: set) -> bool:
    """Whether the node being visited runs only after a test of one of `about`: inside
    `if x > 0:` / `while x:` / `x if x > 0 else ...` / `x > 0 and ...` / a comprehension's
    `if x > 0`, in the `else` of `if x <= 0:`, or after `if not x: return` or
    `assert x > 0` earlier in the function. Any order test counts: silence over guesses."""
    path = context.ancestors
    for index in range(len(path) - 2, -1, -1):
        node, child = path[index], path[index + 1]
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
        if isinstance(node, cst.If):
            if (child is node.body and _tests(context, node.test, about, True)) or (
                child is node.orelse and _tests(context, node.test, about, False)
            ):
                return True
        elif isinstance(node, cst.While) and child is node.body:
            if _tests(context, node.test, about, True):
                return True
        elif isinstance(node, cst.IfExp):
            if (child is node.body and _tests(context, node.test, about, True)) or (
                child is node.orelse and _tests(context, node.test, about, False)
            ):
                return True
        elif isinstance(node, cst.BooleanOperation) and child is node.right:
            holds = isinstance(node.operator, cst.And)
            if _tests(context, node.left, about, holds):
                return True
        elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            clause = node.for_in
            while clause is not None:
                if any(_tests(context, test.test, about, True) for test in clause.ifs):
                    return True
                clause = clause.inner_for_in
        elif isinstance(node, (cst.IndentedBlock, cst.Module, cst.SimpleStatementSuite)):
            if isinstance(node, cst.Module):
                # A guard may sit in any earlier module-level statement, parsed or not.
                context.require_seen(identifiers(about))
            for statement in node.body:
                if statement is child:
                    break
                if _exits_unless(context, statement, about):
                    return True
    return False


def _exits_unless(context: FileContext, statement: cst.CSTNode, about: set) -> bool:
    """`if x <= 0: return` / `raise` / `continue` / `break`, or `assert x > 0`."""
    if isinstance(statement, cst.If):
        body = statement.body.body
        last = body[-1] if body else None
        if isinstance(last, cst.SimpleStatementLine):
            last = last.body[-1] if last.body else None
        return isinstance(last, (cst.Return, cst.Raise, cst.Continue, cst.Break)) and _tests(
            context, statement.test, about, False
        )
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assert) and _tests(context, small.test, about, True):
                return True
            # `torch._check(0 < p, ...)`, `check_positive(x)`: an assert by another name.
            call = small.value if isinstance(small, cst.Expr) else None
            if isinstance(call, cst.Call) and call.args and _CHECK_CALL.search(last_name(call.func)):
                if _tests(context, call.args[0].value, about, True):
                    return True
    return False


_CHECK_CALL = re.compile(r"^_?(check|assert|require|ensure|validate)")


def last_name(node: cst.CSTNode) -> str:
    """`sqrt` for `torch.sqrt` and for `sqrt`; "" for anything else."""
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""


_HOLDS_WHEN_TRUE = (cst.GreaterThan, cst.GreaterThanEqual, cst.LessThan, cst.LessThanEqual, cst.NotEqual)
_HOLDS_WHEN_FALSE = (cst.GreaterThan, cst.GreaterThanEqual, cst.LessThan, cst.LessThanEqual, cst.Equal)


def _tests(context: FileContext, test: cst.CSTNode, about: set, when: bool) -> bool:
    """Whether `test` being `when` says something about the sign or size of one of `about`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _tests(context, test.expression, about, not when)
    if isinstance(test, cst.BooleanOperation):
        left = _tests(context, test.left, about, when)
        right = _tests(context, test.right, about, when)
        # `a and b` true, or `a or b` false, means both hold: either one is enough.
        if isinstance(test.operator, cst.And) == when:
            return left or right
        return left and right
    if isinstance(test, cst.Comparison):
        operators = _HOLDS_WHEN_TRUE if when else _HOLDS_WHEN_FALSE
        if not any(isinstance(target.operator, operators) for target in test.comparisons):
            return False
        return _mentions(context, test, about)
    if when and isinstance(test, (cst.Name, cst.Attribute, cst.Subscript)):
        return bare_code(context, test) in about  # truthiness: `if x:` rules out 0
    if isinstance(test, cst.Call):
        # `if len(x):`, `if const_expr(n > 1):`, `if not math.isfinite(x): return`: a
        # call that looks at the value is taken for a check of it.
        return any(_mentions(context, arg.value, about) for arg in test.args)
    return False


def _mentions(context: FileContext, node: cst.CSTNode, about: set) -> bool:
    return any(
        isinstance(part, (cst.Name, cst.Attribute, cst.Subscript)) and bare_code(context, part) in about
        for part in _walk_expression(node)
    )

