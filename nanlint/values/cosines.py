"""Cosines: values in [-1, 1] only by mathematics, which rounding pushes a hair past it.

`dot(u, v) / (norm(u) * norm(v))` is at most 1 by Cauchy-Schwarz, but each of the
dot product, the norms and the quotient is rounded: for u == v it is 1.0000001 in
float32 in about a third of random draws (measured with torch 2.13), and acos of that
is NaN. The same holds for a dot product of normalised vectors, `F.cosine_similarity`,
a triple product of unit vectors and `2 * q**2 - 1` of a quaternion inner product.
A value clamped or clipped to [-1, 1] is none of these.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.values.api import SHAPE_METHODS
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.definitions import OUTSIDE
from nanlint.values.facts import is_sum_of_squares, signed_terms, squared_operand
from nanlint.values.flow import reaching_definitions, reaching_values, uses_of_assigned_name
from nanlint.values.gradient import function_path
from nanlint.values.numbers import is_eps_like, literal_number
from nanlint.values.spread import is_random_draw

# What a cosine is, and whether it is bounded by the mathematics alone (Cauchy-Schwarz:
# a quotient by both norms) rather than by an assumption about the inputs (vectors
# normalised by a function of the user's, a unit quaternion).
Cosine = Tuple[str, bool]

COSINE_SIMILARITY = (
    "torch.cosine_similarity",
    "torch.nn.functional.cosine_similarity",
    "sklearn.metrics.pairwise.cosine_similarity",
    "keras.ops.cosine_similarity",
)
DOT_PRODUCTS = (
    "torch.dot", "torch.inner", "torch.vdot", "torch.matmul", "torch.mm", "torch.bmm", "torch.einsum",
    "torch.nn.functional.linear",  # x @ W.T: a cosine head's logits
    "numpy.dot", "numpy.inner", "numpy.vdot", "numpy.matmul", "numpy.einsum",
    "jax.numpy.dot", "jax.numpy.inner", "jax.numpy.vdot", "jax.numpy.matmul", "jax.numpy.einsum",
    "tensorflow.tensordot", "tensorflow.matmul", "tensorflow.linalg.matmul",
)
_DOT_METHODS = ("dot", "inner", "vdot", "matmul", "mm", "bmm")
_SUMS = (
    "torch.sum", "numpy.sum", "jax.numpy.sum", "builtins.sum", "tensorflow.reduce_sum",
    "tensorflow.math.reduce_sum",
)
NORMS = (
    "torch.norm", "torch.linalg.norm", "torch.linalg.vector_norm", "numpy.linalg.norm",
    "jax.numpy.linalg.norm", "tensorflow.norm", "tensorflow.linalg.norm", "scipy.linalg.norm",
)
# Elementwise products spelled as calls: `np.sum(np.multiply(a, b), axis=1)` is a dot product.
_MULTIPLY = (
    "torch.mul", "torch.multiply", "numpy.multiply", "jax.numpy.multiply", "tensorflow.multiply",
    "tensorflow.math.multiply",
)
_NORM_ATTRIBUTES = ("magnitude", "length", "norm")
_SQRTS = ("torch.sqrt", "numpy.sqrt", "jax.numpy.sqrt", "math.sqrt", "tensorflow.sqrt", "tensorflow.math.sqrt")
NORMALIZE = (
    "torch.nn.functional.normalize",
    "tensorflow.math.l2_normalize",
    "tensorflow.nn.l2_normalize",
    "sklearn.preprocessing.normalize",
)
_CROSS = ("torch.cross", "torch.linalg.cross", "numpy.cross", "jax.numpy.cross")
# A function of the user's, or of a module of the user's, named for what it computes:
# `vector_norm(v)`, `mag.xy_z(...)`, `dot.xy_z_xy_z(...)`, `normalize(a)`.
# Functions of the code's own named for a norm or a dot product, in snake or camel case
# (`vector_norm`, `CalcLength`, `calc_dot`): matched on the name in snake case.
_NORM_NAME = re.compile(r"^((calc|compute|get)_)?((vector_|vec_|l2_?)?norm|mag|magnitude|length)$")
_DOT_NAME = re.compile(r"^((calc|compute|get)_)?(dot|inner|vdot)(_product)?$")
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _named(pattern: re.Pattern, name: str) -> bool:
    return bool(pattern.match(_CAMEL_HUMP.sub("_", name).lower().lstrip("_")))
_UNIT_NAME = re.compile(r"^(l2_?)?normali[sz]ed?$|^unit(_vector)?$")
_SHAPE_ATTRIBUTES = ("T", "mT", "H")
_CLAMPS = ("torch.clamp", "torch.clip", "numpy.clip", "jax.numpy.clip", "tensorflow.clip_by_value")


def cosine(context: FileContext, node: cst.CSTNode, depth: int = 3) -> Optional[Cosine]:
    """What makes `node` a cosine that rounding can push past +-1 ("a dot product
    divided by both norms"), and whether the bound is pure mathematics; None when the
    code shows no such evidence (an unknown parameter, a `torch.cos(t)`, a clamp)."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return cosine(context, node.expression, depth)
    if isinstance(node, cst.IfExp):
        return cosine(context, node.body, depth) or cosine(context, node.orelse, depth)
    if isinstance(node, cst.Subscript):
        return cosine(context, node.value, depth)
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Divide):
            numerator, divisors = _quotient(node)
            if _is_dot_product(context, numerator, depth) and _are_two_norms(context, divisors, depth):
                return "a dot product divided by both norms", True
            if _law_of_cosines(context, numerator, divisors):
                return "the law of cosines, (b^2 + c^2 - a^2) / (2 b c)", False
            if len(divisors) == 1 and is_norm(context, divisors[0], depth) and _with_unit(context, numerator, depth):
                return "a dot product with a unit vector divided by the other norm", True
            if divisors and literal_number(divisors[0]) == 2 and _less_one(numerator) is not None:
                if _is_trace(context, _less_one(numerator), depth):
                    return ROTATION_TRACE
            return None
        if isinstance(node.operator, cst.Multiply) and 0.5 in (literal_number(node.left), literal_number(node.right)):
            other = node.right if literal_number(node.left) == 0.5 else node.left
            if _less_one(other) is not None and _is_trace(context, _less_one(other), depth):
                return ROTATION_TRACE
        if isinstance(node.operator, cst.Subtract) and literal_number(node.right) == 1:
            # cos(2a) = 2 cos(a)**2 - 1: the angle of a quaternion from the inner product.
            doubled = _doubled(node.left)
            square = squared_operand(context, doubled) if doubled is not None else None
            if square is not None and (_is_dot_product(context, square, depth) or cosine(context, square, depth)):
                return "`2 * d ** 2 - 1` of an inner product d of unit vectors (a quaternion's angle)", False
        if isinstance(node.operator, (cst.Multiply, cst.MatrixMultiply)) or _is_dot_product(context, node, 0):
            unit = _dot_of_units(context, node, depth)
            if unit is not None:
                return unit
        return None
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in COSINE_SIMILARITY:
            return f"`{qualified.rsplit('.', 1)[-1]}`", True
        if _cosine_module(context, node.func, depth):
            return "an `nn.CosineSimilarity` module's output", True
        if qualified is None and method in SHAPE_METHODS:
            return cosine(context, receiver(node), depth)
        if qualified in ("numpy.abs", "numpy.fabs", "torch.abs", "builtins.abs", "jax.numpy.abs") and node.args:
            return cosine(context, node.args[0].value, depth)
        return _dot_of_units(context, node, depth)
    if isinstance(node, cst.Name) and depth > 0:
        return _through_definitions(context, node, depth)
    return None


def _cosine_module(context: FileContext, func: cst.CSTNode, depth: int) -> bool:
    """`nn.CosineSimilarity(dim=1)(a, b)`, or a call of a name or `self.` attribute
    assigned one (`self.cos = nn.CosineSimilarity()`)."""
    if isinstance(func, cst.Call):
        return callee(context, func)[0] == "torch.nn.CosineSimilarity"
    if isinstance(func, cst.Name) and depth > 0:
        values = _values(context, func)
        return bool(values) and all(_cosine_module(context, v, depth - 1) for v in values)
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        return context.summary.single_layers.get(f"self.{func.attr.value}") == ("CosineSimilarity", None)
    return False


# The angle of a rotation from its trace: tr(R) = 1 + 2 cos(angle), so (tr(R) - 1) / 2 is
# a cosine, and rounding takes the trace of a rotation near the identity past 3.
ROTATION_TRACE = ("`(trace - 1) / 2` of a rotation matrix (its angle's cosine)", False)
_TRACES = ("torch.trace", "numpy.trace", "jax.numpy.trace")
_DIAGONALS = ("torch.diagonal", "numpy.diagonal", "jax.numpy.diagonal", "torch.diag", "numpy.diag")


def _less_one(node: cst.CSTNode) -> Optional[cst.CSTNode]:
    """`t` in `t - 1`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract) and literal_number(node.right) == 1:
        return node.left
    return None


def _is_trace(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    """A matrix's trace: `torch.trace(R)`, `np.trace(R)`, `R.trace()`, the sum of its
    diagonal (`torch.diagonal(R, dim1=-2, dim2=-1).sum(-1)`), `torch.einsum('...ii', R)`,
    `R[..., 0, 0] + R[..., 1, 1] + R[..., 2, 2]`, or a name assigned one."""
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in _TRACES or qualified is None and method == "trace":
            return True
        if qualified is not None and qualified.endswith(".einsum") and node.args:
            spec = node.args[0].value
            if isinstance(spec, cst.SimpleString):
                inputs = spec.evaluated_value.replace(" ", "").split("->")[0]
                return len(inputs) >= 2 and "," not in inputs and inputs[-1] == inputs[-2] and inputs[-1].isalpha()
        if qualified is None and method == "sum":
            inner = receiver(node)
            if isinstance(inner, cst.Call):
                inner_qualified, inner_method = callee(context, inner)
                return inner_qualified in _DIAGONALS or inner_qualified is None and inner_method in ("diagonal", "diag")
        return False
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        terms = signed_terms(node)
        return len(terms) >= 2 and all(not negative and _diagonal_entry(term) for term, negative in terms)
    if isinstance(node, cst.Name) and depth > 0:
        values = _values(context, node)
        return bool(values) and all(_is_trace(context, v, depth - 1) for v in values)
    return False


def _diagonal_entry(node: cst.CSTNode) -> bool:
    """`R[..., 1, 1]`, `m[2][2]`, `R[:, 0, 0]`: an entry whose last two indices are equal."""
    if not isinstance(node, cst.Subscript):
        return False
    indices = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
    if len(indices) >= 2:
        last, before = literal_number(indices[-1]), literal_number(indices[-2])
        return last is not None and last == before
    if len(indices) == 1 and isinstance(node.value, cst.Subscript):
        inner = [e.slice.value for e in node.value.slice if isinstance(e.slice, cst.Index)]
        return len(inner) == 1 and literal_number(inner[0]) is not None and literal_number(inner[0]) == literal_number(indices[0])
    return False


def arc_argument(context: FileContext, node: cst.CSTNode, depth: int = 3) -> Optional[Cosine]:
    """What makes `node`, taken an arc cosine or sine of, a cosine that rounding can push
    past +-1: a `cosine` above, or a dot product whose vectors nothing in the code shows
    to be unit (`np.arccos(np.dot(u, v))`, `acos(x1 * x2 + y1 * y2 + z1 * z2)`): only unit
    vectors make a dot product an angle's cosine, so its author holds them unit, and the
    product of two unit vectors rounds past 1 where they are (anti)parallel."""
    found = cosine(context, node, depth)
    if found is not None:
        return found
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return arc_argument(context, node.expression, depth)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in ("numpy.abs", "numpy.fabs", "torch.abs", "builtins.abs", "jax.numpy.abs") and node.args:
            return arc_argument(context, node.args[0].value, depth)
        if qualified is None and method == "abs" and not node.args:
            return arc_argument(context, receiver(node), depth)
    if _is_dot_product(context, node, depth):
        return "a dot product of vectors held to be unit", False
    if isinstance(node, cst.Name) and depth > 0:
        # `d = torch.abs((q1 * q2).sum(-1))`, then `torch.acos(d)`
        values = _values(context, node)
        found = [arc_argument(context, v, depth - 1) for v in values]
        if found and all(found):
            return found[0]
    return None


def _law_of_cosines(context: FileContext, numerator: cst.CSTNode, divisors) -> bool:
    """`(b * b + c * c - a * a) / (2 * b * c)`: three squares over twice two lengths."""
    terms = signed_terms(numerator)
    if len(terms) != 3 or sum(negative for _, negative in terms) != 1:
        return False
    if not all(squared_operand(context, term) is not None for term, _ in terms):
        return False
    factors = [f for divisor in divisors for f in _factors(context, divisor)]
    numbers = [literal_number(f) for f in factors]
    return numbers.count(2) == 1 and sum(n is None for n in numbers) == 2


def _through_definitions(context: FileContext, name: cst.Name, depth: int) -> Optional[Cosine]:
    """A cosine any assignment that reaches `name` gives it: on that path it is one.
    `x /= n1 * n2` divides whatever x held by both norms."""
    found = reaching_definitions(context, name)
    for definition in found or ():
        if definition == OUTSIDE:
            continue
        if definition.value is not None:
            value = cosine(context, definition.value, depth - 1)
        else:
            value = _divided_in_place(context, definition.node, depth)
        if value is not None:
            context.trail.append((definition.node, f"`{name.value}` gets its value here"))
            return value
    return None


def _divided_in_place(context: FileContext, statement: cst.CSTNode, depth: int) -> Optional[Cosine]:
    if isinstance(statement, cst.AugAssign) and isinstance(statement.operator, cst.DivideAssign):
        if _are_two_norms(context, [statement.value], depth):
            return "a value divided in place by both norms", True
    return None


def _quotient(node: cst.BinaryOperation):
    """`a / b / c` -> (a, [b, c])."""
    divisors = []
    while isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        divisors.insert(0, node.right)
        node = node.left
    return node, divisors


def _doubled(node: cst.CSTNode) -> Optional[cst.CSTNode]:
    """`x` in `2 * x`, `x * 2`, `2.0 * x`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        if literal_number(node.left) == 2:
            return node.right
        if literal_number(node.right) == 2:
            return node.left
    return None


def _factors(context: FileContext, node: cst.CSTNode):
    """The factors of a product, an eps added to it left aside: `(a * b + eps)` -> [a, b]."""
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Add) and is_eps_like(context, node.right):
            return _factors(context, node.left)
        if isinstance(node.operator, cst.Multiply):
            return _factors(context, node.left) + _factors(context, node.right)
    return [node]


def _are_two_norms(context: FileContext, divisors, depth: int) -> bool:
    """`norm(u) * norm(v)`, `/ |u| / |v|`, `sqrt(dot(u, u) * dot(v, v))`, a name for one."""
    factors = [f for d in divisors for f in _factors(context, d)]
    if len(factors) == 1:
        factor = factors[0]
        if _is_sqrt_of_two(context, factor, depth):
            return True
        if isinstance(factor, cst.Name) and depth > 0:
            values = _values(context, factor)
            return bool(values) and all(_are_two_norms(context, [v], depth - 1) for v in values)
        return False
    return len(factors) == 2 and all(is_norm(context, f, depth) for f in factors)


def _is_sqrt_of_two(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    operand = _sqrt_operand(context, node)
    if operand is None:
        return False
    factors = _factors(context, operand)
    return len(factors) == 2 and all(
        _is_dot_product(context, f, depth) or is_sum_of_squares(context, f) for f in factors
    )


def _sqrt_operand(context: FileContext, node: cst.CSTNode) -> Optional[cst.CSTNode]:
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in _SQRTS:
            return argument(node, 0, "input") or argument(node, 0, "x")
        if qualified is None and method == "sqrt" and not node.args:
            return receiver(node)
        if qualified is None and method == "sqrt" and len(node.args) == 1 and isinstance(receiver(node), cst.Name):
            return node.args[0].value  # `lib.sqrt(x)`: an array namespace's
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Power):
        if literal_number(node.right) == 0.5:
            return node.left
    return None


def is_norm(context: FileContext, node: cst.CSTNode, depth: int = 2) -> bool:
    """A vector's length: `torch.norm(u)`, `u.norm(dim=-1)`, `np.linalg.norm(u)`,
    `v.magnitude`, a function of the user's named for one (`vector_norm(u)`,
    `mag.xy_z(...)`), the root of a sum of squares, or a name assigned one."""
    if isinstance(node, cst.Call):
        if _is_root_of_squares(context, node):
            return True
        qualified, method = callee(context, node)
        if qualified is not None:
            if qualified in NORMS:
                return True
            if qualified.startswith(("torch.", "numpy.", "jax.", "tensorflow.", "math.", "builtins.")):
                return False
            return any(_named(_NORM_NAME, part) for part in qualified.split(".")[-2:])
        if method == "norm":
            return True
        if method in SHAPE_METHODS:
            return is_norm(context, receiver(node), depth)
        if isinstance(node.func, cst.Name):
            return _named(_NORM_NAME, node.func.value)
        if method is not None and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name):
            return _named(_NORM_NAME, node.func.value.value) or _named(_NORM_NAME, method)
        return False
    if isinstance(node, cst.Attribute):
        return node.attr.value in _NORM_ATTRIBUTES
    if isinstance(node, cst.Subscript):
        return is_norm(context, node.value, depth)
    if isinstance(node, cst.BinaryOperation):
        return _is_root_of_squares(context, node)
    if isinstance(node, cst.Name) and depth > 0:
        values = _values(context, node)
        return bool(values) and all(is_norm(context, v, depth - 1) for v in values)
    return False


def _is_root_of_squares(context: FileContext, node: cst.CSTNode) -> bool:
    operand = _sqrt_operand(context, node)
    if operand is None:
        return False
    return is_sum_of_squares(context, operand) or _is_dot_product(context, operand, 0)


def _values(context: FileContext, name: cst.Name):
    """Every value assigned to `name` that reaches it; [] when one is unknown."""
    found = reaching_definitions(context, name)
    if not found or any(d == OUTSIDE or d.value is None for d in found):
        return []
    return [d.value for d in found]


def _products(context: FileContext, node: cst.CSTNode) -> Optional[Tuple[cst.CSTNode, cst.CSTNode]]:
    """The two vectors of a dot product: `dot(a, b)`, `a.dot(b)`, `a @ b`,
    `(a * b).sum(-1)`, `torch.sum(a * b, 1)`, `sum(x * y for x, y in zip(a, b))`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.MatrixMultiply):
        return node.left, node.right
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified is not None:
        if qualified in DOT_PRODUCTS or (
            not qualified.startswith(("torch.", "numpy.", "jax.", "tensorflow.", "math.", "builtins."))
            and any(_named(_DOT_NAME, part) for part in qualified.split(".")[-2:])
        ):
            if qualified.endswith("einsum"):
                operands = [a.value for a in node.args[1:]]
            else:
                operands = [a.value for a in node.args if a.keyword is None]
            return (operands[0], operands[1]) if len(operands) >= 2 else (node, node)
        if qualified in _SUMS:
            inner = argument(node, 0, "input") or argument(node, 0, "a")
            return _elementwise(context, inner)
        return None
    if method in _DOT_METHODS:
        if receiver(node) is not None and len(node.args) == 1:
            return receiver(node), node.args[0].value
        return None
    if method == "sum":
        return _elementwise(context, receiver(node))
    named = node.func.value if isinstance(node.func, cst.Name) else method
    if named is not None and _named(_DOT_NAME, named):
        operands = [a.value for a in node.args if a.keyword is None]
        return (operands[0], operands[1]) if len(operands) >= 2 else (node, node)
    return None


def _written_out(node: cst.CSTNode) -> int:
    """The number of products in `x1 * x2 + y1 * y2 + ...` (a dot product written out)."""
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Add):
            left, right = _written_out(node.left), _written_out(node.right)
            return left + right if left and right else 0
        if isinstance(node.operator, cst.Multiply) and literal_number(node.left) is None:
            return 1
    return 0


def _elementwise(context: FileContext, node: Optional[cst.CSTNode]):
    if isinstance(node, cst.GeneratorExp):
        node = node.elt
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        return node.left, node.right
    if isinstance(node, cst.Call) and callee(context, node)[0] in _MULTIPLY:
        operands = [a.value for a in node.args if a.keyword is None and not a.star]
        return (operands[0], operands[1]) if len(operands) == 2 else None
    return None


def _is_dot_product(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    if _products(context, node) is not None or _written_out(node) > 1:
        return True
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified is None and method in SHAPE_METHODS:
            return _is_dot_product(context, receiver(node), depth)
    if isinstance(node, cst.Subscript):
        return _is_dot_product(context, node.value, depth)
    if isinstance(node, cst.Name) and depth > 0:
        values = _values(context, node)
        return bool(values) and all(_is_dot_product(context, v, depth - 1) for v in values)
    return False


def _with_unit(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    """A dot product one of whose vectors is divided by its norm in the code."""
    if isinstance(node, cst.Name) and depth > 0:
        values = _values(context, node)
        return bool(values) and all(_with_unit(context, v, depth - 1) for v in values)
    pair = _products(context, node)
    return pair is not None and pair[0] is not pair[1] and any(_unit(context, v, depth) for v in pair)


def _dot_of_units(context: FileContext, node: cst.CSTNode, depth: int) -> Optional[Cosine]:
    """A dot product of two unit vectors (or of a cross product of two with a third)."""
    pair = _products(context, node)
    if pair is None or pair[0] is pair[1]:
        return None
    kinds = [_unit(context, vector, depth) for vector in pair]
    if None in kinds:
        return None
    exact = all(kinds)
    if any(_cross_operands(context, v) for v in pair):
        return "a triple product of unit vectors", exact
    return "a dot product of normalised vectors", exact


def _cross_operands(context: FileContext, node: cst.CSTNode):
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified in _CROSS:
        operands = [a.value for a in node.args if a.keyword is None]
        return operands[:2] if len(operands) >= 2 else None
    if qualified is None and method == "cross" and len(node.args) >= 1:
        return [receiver(node), node.args[0].value]
    return None


def _unit(context: FileContext, node: cst.CSTNode, depth: int) -> Optional[bool]:
    """Whether `node` is a unit vector: True when divided by its norm in the code
    (`u / u.norm()`, `F.normalize(u)`), False when a function of the user's says so by
    its name (`normalize(a)`, `v.normalized()`); None when nothing says it."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        return True if is_norm(context, node.right, depth) or _norm_with_eps(context, node.right, depth) else None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return _unit(context, node.expression, depth)
    if isinstance(node, cst.Subscript):
        return _unit(context, node.value, depth)
    if isinstance(node, cst.Attribute) and node.attr.value in _SHAPE_ATTRIBUTES:
        return _unit(context, node.value, depth)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in NORMALIZE:
            return True
        crossed = _cross_operands(context, node)
        if crossed is not None:
            # |a x b| = |a| |b| sin(angle) <= 1 for unit a and b.
            kinds = [_unit(context, v, depth) for v in crossed]
            return None if None in kinds else all(kinds)
        if qualified is None and method in SHAPE_METHODS:
            return _unit(context, receiver(node), depth)
        name = qualified.rsplit(".", 1)[-1] if qualified is not None else method
        if name is None and isinstance(node.func, cst.Name):
            name = node.func.value
        if name is not None and _UNIT_NAME.match(name) and not (qualified or "").startswith(("torch.", "numpy.")):
            return False
        return None
    if isinstance(node, cst.Name) and depth > 0:
        found = reaching_definitions(context, node)
        if not found:
            return None
        kinds = []
        for definition in found:
            if definition == OUTSIDE:
                return None
            if definition.value is not None:
                kinds.append(_unit(context, definition.value, depth - 1))
            elif isinstance(definition.node, cst.AugAssign) and isinstance(definition.node.operator, cst.DivideAssign):
                kinds.append(True if is_norm(context, definition.node.value, depth) else None)
            else:
                return None
        # Every assignment that reaches it must normalise it: a vector normalised in
        # one branch only is not known to be a unit vector.
        return None if None in kinds else all(kinds)
    return None


def _norm_with_eps(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    """`u.norm() + 1e-8`, `torch.clamp(u.norm(), min=1e-8)`: a norm kept from 0."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return is_norm(context, node.left, depth) and is_eps_like(context, node.right)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in ("torch.clamp", "torch.clamp_min", "numpy.maximum", "torch.maximum") and node.args:
            return is_norm(context, node.args[0].value, depth)
        if qualified is None and method in ("clamp", "clamp_min", "clip"):
            return is_norm(context, receiver(node), depth)
    return False


def clamped_to_unit(context: FileContext, node: cst.CSTNode, depth: int = 2) -> bool:
    """`max(-1, min(1, x))`, `max(min(x, 1.0), -1.0)`, `np.clip(x, -1, 1)`,
    `x.clamp(-1 + eps, 1 - eps)`, or a name every reaching assignment of which is one."""
    if isinstance(node, cst.Name) and depth > 0:
        found = reaching_definitions(context, node)
        if not found or any(d == OUTSIDE or d.value is None for d in found):
            return False
        return all(clamped_to_unit(context, d.value, depth - 1) for d in found)
    if not isinstance(node, cst.Call):
        return False
    qualified, method = callee(context, node)
    values = [arg.value for arg in node.args]
    if qualified in ("builtins.max", "builtins.min"):
        inner = "builtins.min" if qualified == "builtins.max" else "builtins.max"
        bound = _bound(values, -1 if qualified == "builtins.max" else 1)
        return bound and any(
            isinstance(v, cst.Call) and context.qualified_name(v.func) == inner and _bound(
                [a.value for a in v.args], 1 if qualified == "builtins.max" else -1
            )
            for v in values
        )
    if qualified in ("numpy.maximum", "numpy.minimum", "torch.maximum", "torch.minimum") or (
        qualified is None and method in ("maximum", "minimum") and len(values) == 2
    ):
        # `lib.maximum(-1, lib.minimum(1, x))`: the array form of max(min(...)).
        return any(isinstance(v, cst.Call) and (_callee_last(context, v) in ("maximum", "minimum")) for v in values)
    if qualified in _CLAMPS or (qualified is None and method in ("clip", "clamp", "clip_by_value")):
        low = argument(node, 1 if qualified else 0, "min") or argument(node, None, "a_min")
        low = low if low is not None else argument(node, None, "clip_value_min")
        value = _number(low)
        return value is not None and value >= -1
    return False


def compared_with_one(context: FileContext, name: cst.CSTNode) -> bool:
    """Whether the function around the node being visited compares `name` with +-1
    (`mask = d > 1 - eps`, `torch.where(c.abs() < 1, ...)`): its author handles the
    cosines at the ends of the range, by a mask or a branch, whatever the acos gives there."""
    if not isinstance(name, cst.Name):
        return False
    scope = next((n for n in reversed(context.ancestors) if isinstance(n, (cst.FunctionDef, cst.Module))), None)
    # `d > 1 - eps`, `c.abs() < 1`, and chained: `-1 <= c <= 1`
    return scope is not None and _compares_with_one(context, scope, name.value)


def patched_after(context: FileContext, name: cst.CSTNode) -> bool:
    """Whether the arc cosine being visited is assigned to a name whose entries the code
    then overwrites where `name` is compared with +-1 (`phi = torch.acos(r) / 3` and then
    `phi[r >= 1] = 0`): its author knows `name` reaches +-1, and the patch repairs the
    value, not the gradient, which autograd still takes through the acos there."""
    if not isinstance(name, cst.Name):
        return False
    path = context.ancestors
    statement = next((n for n in reversed(path) if isinstance(n, cst.SimpleStatementLine)), None)
    block = next((n for n in reversed(path) if isinstance(n, (cst.IndentedBlock, cst.Module))), None)
    if statement is None or block is None or statement not in block.body:
        return False
    assign = statement.body[0] if statement.body else None
    if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name)):
        return False
    result = assign.targets[0].target.value
    for later in block.body[block.body.index(statement) + 1:]:
        if not isinstance(later, cst.SimpleStatementLine):
            continue
        for small in later.body:
            target = small.targets[0].target if isinstance(small, cst.Assign) and len(small.targets) == 1 else None
            if (
                isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and target.value.value == result
                and any(_compares_with_one(context, element.slice, name.value) for element in target.slice)
            ):
                return True
    return False


def _compares_with_one(context: FileContext, node: cst.CSTNode, name: str) -> bool:
    stack = [node]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Comparison):
            operands = [node.left, *(target.comparator for target in node.comparisons)]
            for index, side in enumerate(operands):
                neighbours = operands[max(index - 1, 0):index] + operands[index + 1:index + 2]
                if _is_name_or_magnitude(context, side, name) and (_bound(neighbours, 1) or _bound(neighbours, -1)):
                    return True
        stack.extend(node.children)
    return False


def _is_name_or_magnitude(context: FileContext, node: cst.CSTNode, name: str) -> bool:
    if isinstance(node, cst.Name):
        return node.value == name
    if isinstance(node, cst.Call) and len(node.args) <= 1:
        inner = node.args[0].value if node.args else receiver(node)
        return _callee_last(context, node) in ("abs", "fabs") and isinstance(inner, cst.Name) and inner.value == name
    return False


def _callee_last(context: FileContext, call: cst.Call) -> Optional[str]:
    qualified, method = callee(context, call)
    return qualified.rsplit(".", 1)[-1] if qualified is not None else method


def _bound(values, bound: float) -> bool:
    return any(_number(v) is not None and abs(_number(v) - bound) <= 1e-2 for v in values)


def _number(node: Optional[cst.CSTNode]) -> Optional[float]:
    """A literal, or a literal plus or minus an eps (`-1 + eps`, `1.0 - 1e-7`)."""
    if node is None:
        return None
    value = literal_number(node)
    if value is not None:
        return value
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Subtract)):
        return literal_number(node.left)
    return None


def divided_by_its_sine(context: FileContext) -> bool:
    """Whether the angle the node being visited computes (`theta = acos(c)`) is later
    the argument of a sine that divides (`... / sin(theta)`, a slerp): there a clamp to
    exactly [-1, 1] gives theta = 0 and then 0/0, so the angle must stay inside."""
    for use, parent, above, trail in uses_of_assigned_name(context, context.ancestors) or ():
        sine = above if isinstance(parent, cst.Arg) else None
        if isinstance(parent, cst.Attribute) and parent.value is use and parent.attr.value == "sin":
            sine = above  # `theta.sin()`
        if not isinstance(sine, cst.Call) or not _is_sine(context, sine):
            continue
        index = next((i for i, node in enumerate(trail) if node is sine), None)
        holder = trail[index - 1] if index else None
        if isinstance(holder, cst.BinaryOperation) and isinstance(holder.operator, cst.Divide) and holder.right is sine:
            return True
    return False


def _is_sine(context: FileContext, call: cst.Call) -> bool:
    qualified, method = callee(context, call)
    return method == "sin" or (qualified or "").rsplit(".", 1)[-1] == "sin"


def of_random_draws(context: FileContext, node: cst.CSTNode, depth: int = 3) -> bool:
    """Whether the vectors `node` (a cosine) is computed from are all random draws, two
    different ones at least: independent draws in many dimensions are nearly orthogonal
    (a cosine of about 1/sqrt(dim)), never near +-1. A slerp between two noise latents,
    drawn in the function or handed to it by every call of its module."""
    leaves: set = set()
    return _draws_only(context, node, depth, leaves) and len(leaves) >= 2


def _draws_only(context: FileContext, node: cst.CSTNode, depth: int, leaves: set) -> bool:
    if isinstance(node, cst.Name):
        if node.value == "self" or context.qualified_name(node) is not None:
            return node.value != "self"  # a module or function, not a value
        values = reaching_values(context, node)
        if not values:
            return False
        if values == [OUTSIDE]:
            if (function_path(context), node.value) not in context.summary.random_parameters:
                return False
            leaves.add(node.value)
            return True
        for value in values:
            if value is None or value is OUTSIDE:
                return False
            if is_random_draw(context, value):
                leaves.add(id(value))
            elif depth <= 0 or not _draws_only(context, value, depth - 1, leaves):
                return False
        return True
    if isinstance(node, cst.Call):
        parts = [arg.value for arg in node.args]
        if isinstance(node.func, cst.Attribute):
            parts.append(node.func.value)  # `z1.norm()`; `torch.norm`'s module is skipped as a name
        return all(_draws_only(context, part, depth, leaves) for part in parts)
    if isinstance(node, cst.Attribute):
        return _draws_only(context, node.value, depth, leaves)
    if literal_number(node) is not None or isinstance(node, cst.SimpleString):
        return True
    children = [child for child in node.children if isinstance(child, cst.BaseExpression)]
    return bool(children) and all(_draws_only(context, child, depth, leaves) for child in children)
