"""What a value is: a sum of squares, a variance, a difference, a mask, a clamp and its
bound.
"""

from __future__ import annotations

import re

from typing import Optional, Tuple

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.rule import Location
from nanlint.values.api import (
    DIAGONALS,
    AVERAGE_POOLS,
    DOT,
    EXP_SUM,
    MEAN,
    MEAN_SQUARED_ERRORS,
    POW,
    PRODUCT_METHODS,
    PRODUCTS,
    SHAPE_FUNCTIONS,
    SHAPE_METHODS,
    SQUARE,
    SUM,
    VARIANCE,
)
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.definitions import OUTSIDE
from nanlint.values.flow import assigned_value, reaching_values
from nanlint.values.numbers import is_literal, literal_number, same_code


def _reduced(context: FileContext, node: cst.CSTNode, functions: Tuple[str, ...], methods: Tuple[str, ...]):
    """The operand of a reduction: `x` in `torch.sum(x, 1)`, `x.sum(1)`, `sum(x)`."""
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified is not None:
        return argument(node, 0, "input") or argument(node, 0, "value") if qualified in functions else None
    if method in methods:
        return receiver(node)
    return None


# Layer classes that average each window, by name: a subclass's `super().call(x)` is one.
_AVERAGE_POOL_LAYER = re.compile(r"^(Global)?(AveragePooling|AvgPool)[123]d$", re.IGNORECASE)


def _inherited_average_pool(context: FileContext, node: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """`x` in `super().call(x)` / `super(Cls, self).forward(x)` inside a subclass of an
    average-pooling layer (a Lipschitz-constrained L2 pooling built on `AveragePooling2D`)."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.args):
        return None
    owner = node.func.value
    if node.func.attr.value not in ("call", "forward", "__call__") or not (
        isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super"
    ):
        return None
    for ancestor in reversed(context.ancestors):
        if isinstance(ancestor, cst.ClassDef):
            bases = [base.value for base in ancestor.bases]
            names = [b.attr.value if isinstance(b, cst.Attribute) else getattr(b, "value", "") for b in bases]
            return node.args[0].value if any(_AVERAGE_POOL_LAYER.match(str(n)) for n in names) else None
    return None


def squared_operand(context: FileContext, node: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """`d` in `d ** 2`, `d.pow(2)`, `torch.pow(d, 2)`, `torch.square(d)`, `d * d`, `torch.mul(d, d)`."""
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
    if qualified in _MULTIPLY and len(node.args) == 2 and same_code(context, node.args[0].value, node.args[1].value):
        return node.args[0].value  # `torch.mul(x, x)`
    if method in ("mul", "multiply") and len(node.args) == 1 and same_code(context, receiver(node), node.args[0].value):
        return receiver(node)  # `x.mul(x)`
    return None


_MULTIPLY = ("torch.mul", "torch.multiply", "numpy.multiply", "jax.numpy.multiply", "tensorflow.multiply",
             "tensorflow.math.multiply")


_REDUCTIONS = ((SUM, ("sum", "nansum")), (MEAN, ("mean", "nanmean")), (AVERAGE_POOLS, ()))


def _reduced_by_any(context: FileContext, node: cst.CSTNode):
    """The operand of a sum, a mean or an average pool (`x` in `x.mean(1)`), or None."""
    for functions, methods in _REDUCTIONS:
        operand = _reduced(context, node, functions, methods)
        if operand is not None:
            return operand
    return None


def is_sum_of_squares(context: FileContext, node: cst.CSTNode, depth: int = 2) -> bool:
    """A value that is exactly 0 when its inputs are: squares, their sums and means,
    a variance, a vector dotted with itself; through a local name up to `depth` times.
    An added eps or a clamp is none of these, so a guarded value never qualifies."""
    squared = squared_operand(context, node)
    if squared is not None:
        return not is_weight(squared)
    if _is_expanded_squared_distance(context, node):
        return True
    operand = _reduced_by_any(context, node)
    if operand is not None:
        return is_sum_of_squares(context, operand, depth)
    pooled = _inherited_average_pool(context, node)
    if pooled is not None:
        return is_sum_of_squares(context, pooled, depth)
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
        if qualified in VARIANCE or method == "var" or qualified in MEAN_SQUARED_ERRORS:
            return True
        if qualified in DOT:
            first, second = argument(node, 0, "input"), argument(node, 1)
            return first is not None and second is not None and same_code(context, first, second)
        if qualified is not None and qualified.endswith(".einsum"):
            return _self_contraction(context, node)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.MatrixMultiply):
        if same_code(context, node.left, node.right):
            return True
    factors = _product_factors(context, node)
    if factors is not None and any(is_sum_of_squares(context, factor, depth) for factor in factors):
        # A linear map of squares (band energies `obm @ spec ** 2`) is 0 wherever the
        # squares all are, whatever the matrix holds.
        return True
    if isinstance(node, cst.Call):
        reduced = _reduced_by_helper(context, node) or _reduced_by_its_name(context, node)
        if reduced is not None:
            return is_sum_of_squares(context, reduced, depth)
        if _returns_distance(context, node):
            return True
    if depth > 0:
        value = assigned_value(context, node)
        if value is not None and is_sum_of_squares(context, value, depth - 1):
            context.trail.append((value, f"`{context.code(node)}` gets its value here"))
            return True
    return False


def _product_factors(context: FileContext, node: cst.CSTNode) -> Optional[Tuple[cst.CSTNode, cst.CSTNode]]:
    """The two factors of a matrix product: `a @ b`, `torch.matmul(a, b)`, `a.mm(b)`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.MatrixMultiply):
        return node.left, node.right
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified in PRODUCTS and not qualified.endswith(".einsum"):
        first, second = argument(node, 0), argument(node, 1)
    elif qualified is None and method in PRODUCT_METHODS:
        first, second = receiver(node), argument(node, 0)
    else:
        return None
    return (first, second) if first is not None and second is not None else None


# Methods that keep a 0 where it is: a scale, a copy, a view.
_KEEPS_ZERO = ("div", "mul", "abs", *SHAPE_METHODS)


def squared_error(context: FileContext, node: cst.CSTNode, depth: int = 2) -> bool:
    """The square of a difference, or its sum or mean (a mean squared error), through a
    local name up to `depth` times: 0 wherever the two sides agree (a PSNR of a
    reconstruction that matches its reference exactly)."""
    if isinstance(node, cst.Call) and callee(context, node)[0] in MEAN_SQUARED_ERRORS:
        return True
    operand = _reduced_by_any(context, node)
    if operand is not None:
        return squared_error(context, operand, depth)
    squared = squared_operand(context, node)
    if squared is not None:
        return _is_difference(context, squared, 3)
    if depth > 0:
        value = assigned_value(context, node)
        if value is not None and squared_error(context, value, depth - 1):
            context.trail.append((value, f"`{context.code(node)}` gets its value here"))
            return True
    return False


def _is_difference(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    """`a - b`, scaled (`(sr - hr) / 255`), cropped (`diff[:, :, 4:-4]`) or summed over an
    axis, through every assignment of a local name that reaches it, up to `depth` names."""
    while isinstance(node, cst.Subscript) or isinstance(node, cst.Attribute) and node.attr.value == "data":
        node = node.value
    operand = _reduced_by_any(context, node)
    if operand is not None:
        return _is_difference(context, operand, depth)
    if isinstance(node, cst.Call) and callee(context, node)[1] in _KEEPS_ZERO and receiver(node) is not None:
        return _is_difference(context, receiver(node), depth)
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Subtract):
            return True
        if isinstance(node.operator, (cst.Multiply, cst.Divide)):
            return _is_difference(context, node.left, depth) or (
                isinstance(node.operator, cst.Multiply) and _is_difference(context, node.right, depth))
        return False
    if isinstance(node, cst.Name) and depth > 0:
        values = reaching_values(context, node)
        if not values or any(value is None or value is OUTSIDE for value in values):
            return False
        return all(_is_difference(context, value, depth - 1) for value in values)
    return False


def _self_contraction(context: FileContext, call: cst.Call) -> bool:
    """`torch.einsum("bi,bi->b", h, h)`: a vector contracted with itself, a sum of squares."""
    spec = call.args[0].value if call.args else None
    if not isinstance(spec, cst.SimpleString) or len(call.args) != 3:
        return False
    inputs = spec.evaluated_value.replace(" ", "").split("->")[0].split(",")
    return len(inputs) == 2 and inputs[0] == inputs[1] and same_code(context, call.args[1].value, call.args[2].value)


def signed_terms(node: cst.CSTNode, negative: bool = False):
    """The terms of a sum, each with whether it is subtracted: `a + b - 2 * c` is
    [(a, False), (b, False), (2 * c, True)]; a negation flips its term."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Subtract)):
        right_negative = negative != isinstance(node.operator, cst.Subtract)
        return signed_terms(node.left, negative) + signed_terms(node.right, right_negative)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return signed_terms(node.expression, not negative)
    return [(node, negative)]


def _is_expanded_squared_distance(context: FileContext, node: cst.CSTNode) -> bool:
    """`xx + yy - 2 * x @ y.t()`, `sq[None] - 2.0 * dot + sq[:, None]`: the squared
    distance |x - y|^2 written out as |x|^2 + |y|^2 - 2 x . y, the way pairwise distance
    matrices are computed. It is exactly 0 between a point and itself (the diagonal of
    a batch's distances to itself) and rounds a hair below 0 beside it."""
    if not (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Subtract))):
        return False
    terms = signed_terms(node)
    negative = [term for term, subtracted in terms if subtracted]
    positive = [term for term, subtracted in terms if not subtracted]
    return (
        len(positive) == 2
        and len(negative) == 1
        and _is_doubled_product(context, negative[0], 2)
        and all(_is_squared_norm(context, term, 2) for term in positive)
    )


def _is_doubled_product(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    """`2 * x @ y.t()`, `2.0 * dot`, `torch.mm(x, y.t()) * 2`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.MatrixMultiply):
        node = node.left  # `2 * x @ y.t()` is `(2 * x) @ y.t()`
        return (
            isinstance(node, cst.BinaryOperation)
            and isinstance(node.operator, cst.Multiply)
            and 2 in (literal_number(node.left), literal_number(node.right))
        )
    if not (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply)):
        return False
    for factor, other in ((node.left, node.right), (node.right, node.left)):
        if literal_number(factor) == 2:
            return _is_product(context, other, depth)
    return False


def _is_product(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    node = _unshaped(context, node)
    if isinstance(node, cst.BinaryOperation):
        return isinstance(node.operator, cst.MatrixMultiply)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        return qualified in PRODUCTS if qualified is not None else method in PRODUCT_METHODS
    value = assigned_value(context, node) if depth > 0 else None
    return value is not None and _is_product(context, value, depth - 1)


def _is_squared_norm(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    """A row's squared norms, reshaped for broadcasting: `(x * x).sum(1, keepdim=True)`,
    `xx.t()`, `sq[:, None]`, `tf.expand_dims(sq, 0)`, or the diagonal of a gram matrix."""
    node = _unshaped(context, node)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in DIAGONALS or qualified is None and method in ("diag", "diagonal"):
            inner = argument(node, 0, "input") if qualified is not None else receiver(node)
            return inner is not None and _is_product(context, inner, depth)
    if is_sum_of_squares(context, node, 0):
        return True
    value = assigned_value(context, node) if depth > 0 else None
    return value is not None and _is_squared_norm(context, value, depth - 1)


def _unshaped(context: FileContext, node: cst.CSTNode) -> cst.CSTNode:
    """The value under reshapes, transposes and broadcasting indexes: `sq` in
    `sq.view(-1, 1)`, `sq[:, None]`, `tf.expand_dims(sq, 1)`, `xx.expand(m, n).t()`."""
    while True:
        if isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Attribute) and node.attr.value == "T":
            node = node.value
        elif isinstance(node, cst.Call):
            qualified, method = callee(context, node)
            if qualified is None and method in SHAPE_METHODS:
                node = receiver(node)
            elif qualified in SHAPE_FUNCTIONS and node.args:
                node = node.args[0].value
            else:
                return node
        else:
            return node


def _reduced_by_helper(context: FileContext, call: cst.Call) -> Optional[cst.BaseExpression]:
    """The argument a function of the module sums or averages (`w ** 2` in
    `squared_sum(w ** 2, dims)` with `def squared_sum(x, dims): return torch.sum(x, dims)`;
    `self._total(d)` for a method), or None."""
    reducing = context.summary.reducing
    index = next((reducing[c] for c in _callee_paths(context, call) if c in reducing), None)
    if index is None or index >= len(call.args):
        return None
    arg = call.args[index]
    return arg.value if arg.keyword is None and not arg.star else None


def _reduced_by_its_name(context: FileContext, call: cst.Call) -> Optional[cst.BaseExpression]:
    """The first argument of a project's own `reduce_sum` or `reduce_mean` imported from
    another of its files (`from utils.tools import reduce_sum`), which is TensorFlow's
    name for what it does."""
    qualified = context.qualified_name(call.func)
    if qualified is None or qualified.rsplit(".", 1)[-1] not in ("reduce_sum", "reduce_mean"):
        return None
    return argument(call, 0)


def _returns_distance(context: FileContext, call: cst.Call) -> bool:
    """A call of a function of the module that returns a squared distance
    (`diff_norm_squared(flows, shifted)`); where it is defined goes on the trail."""
    returning = context.summary.returning_distance
    path = next((path for path in _callee_paths(context, call) if path in returning), None)
    if path is None:
        return False
    row, column = returning[path]
    context.trail.append((Location(row, column + 1), f"`{path[-1]}` returns a squared distance"))
    return True


def _callee_paths(context: FileContext, call: cst.Call) -> list:
    """Where the function `call` calls may be defined: nested in the current function or
    at the top level for a name, beside the current method for `self.name`."""
    from nanlint.values.gradient import function_path  # that module asks this one too

    func = call.func
    path = function_path(context)
    if isinstance(func, cst.Name):
        return [path + (func.value,), (func.value,)]
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        return [path[:-1] + (func.attr.value,)] if len(path) > 1 else []
    return []


def squared_bases(context: FileContext, node: cst.CSTNode, depth: int = 2) -> Optional[list]:
    """What a plain sum of squares squares: `[h]` for `(h ** 2).sum(-1)`, `jnp.sum(h ** 2)`,
    `torch.einsum("bi,bi->b", h, h)`, `[a, b]` for `a ** 2 + b ** 2`; through local names.
    None for anything else (a variance, a squared distance written out, an unknown)."""
    squared = squared_operand(context, node)
    if squared is not None:
        return [squared]
    operand = _reduced_by_any(context, node)
    if operand is not None:
        return squared_bases(context, operand, depth)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = squared_bases(context, node.left, depth), squared_bases(context, node.right, depth)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.Call) and _self_contraction(context, node):
        return [node.args[1].value]
    if depth > 0:
        value = assigned_value(context, node)
        if value is not None:
            return squared_bases(context, value, depth - 1)
    return None


# A module attribute called as a layer: `self.fc(x)`, `self.proj_head(h)`, `self.predictor(z)`.
_LAYER_ATTRIBUTE = re.compile(
    r"(?i)(^|_)(fc|linear|lin|proj|projection|projector|dense|head|mlp|predictor|embed|embedding|"
    r"out|output|readout|affine|to_\w+)(_?\d*)$"
)


# Vectors named as directions: a ray's (`rays_d`, `viewdirs`), a surface normal. A
# direction is never the zero vector: it has no direction then.
_DIRECTION = re.compile(r"^(rays?_d|rays?_dirs?|view_?dirs|dirs?|directions?|normals?)$|_(dirs?|directions?)$")


def _under_reshapes(node: cst.CSTNode) -> cst.CSTNode:
    """The value `node` indexes or reshapes: `h` for `h[:, 0].view(b, -1)`."""
    while True:
        if isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in SHAPE_METHODS:
            node = node.func.value
        else:
            break
    return node


def is_direction(context: FileContext, node: cst.CSTNode) -> bool:
    """Whether `node`, through indexing and reshapes, is a vector named as a direction."""
    node = _under_reshapes(node)
    if isinstance(node, cst.Attribute):
        node = node.attr
    return isinstance(node, cst.Name) and bool(_DIRECTION.search(node.value))


def is_learned_output(context: FileContext, node: cst.CSTNode, depth: int = 2) -> bool:
    """Whether `node` is the output of a learned affine layer, through reshapes and local
    names: `nn.Dense(512)(x)` (Flax, Haiku), `self.fc(h)`, `self.projector(z)`, a model
    built in the function (`vit = VisionTransformer(...)`, then `vit(images)`). Such a
    vector is all zero only if every weight and bias conspires to it, which
    initialisation and training do not produce."""
    node = _under_reshapes(node)
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Call):
            inner = func.func
            name = inner.attr.value if isinstance(inner, cst.Attribute) else inner.value if isinstance(inner, cst.Name) else ""
            return name in ("Dense", "Linear", "DenseGeneral", "Conv", "Embed")
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
            return bool(_LAYER_ATTRIBUTE.search(func.attr.value))
        if isinstance(func, cst.Name):
            # `image_model(images)` with `image_model = models_vit.VisionTransformer(...)`
            model = assigned_value(context, func)
            if isinstance(model, cst.Call):
                name = model.func.attr.value if isinstance(model.func, cst.Attribute) else getattr(model.func, "value", "")
                return isinstance(name, str) and name[:1].isupper() and not name.isupper()
        return False
    if depth > 0:
        value = assigned_value(context, node)
        return value is not None and is_learned_output(context, value, depth - 1)
    return False


# A layer's weights by name: `weight`, `conv_weight`, `weight_v` of a weight norm.
_WEIGHT = re.compile(r"^(weights?|kernel|weight_[vg])$|_weights?$")


def is_weight(node: cst.CSTNode) -> bool:
    """`weight`, `self.weight`, `self.conv.weight`: a layer's learned weights, whose norm
    is 0 only if every weight is, which neither initialisation nor training produces
    (torch's own `weight_norm` divides by it with no eps)."""
    while isinstance(node, (cst.Subscript, cst.Attribute)) and not (
        isinstance(node, cst.Attribute) and _WEIGHT.match(node.attr.value)
    ):
        node = node.value
    name = node.attr.value if isinstance(node, cst.Attribute) else node.value if isinstance(node, cst.Name) else ""
    return bool(_WEIGHT.match(name))


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
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Subtract)):
        if _is_expanded_squared_distance(context, node):
            return True
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract):
        return is_sum_of_squares(context, node, depth)
    value = assigned_value(context, node) if depth > 0 else None
    return value is not None and is_written_variance(context, value, depth - 1)


def _is_reduction(context: FileContext, node: cst.CSTNode, depth: int = 1) -> bool:
    """A sum or mean (`x.mean()`, `torch.sum(x)`, `s / n`), directly or through a local name."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        return _is_reduction(context, node.left, depth)
    if _reduced_by_any(context, node) is not None:
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


def summed_operand(context: FileContext, node: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """What a sum adds up: `x` in `x.sum(-1)`, `torch.sum(x, 1)`, `np.sum(x, axis=0)`,
    `tf.reduce_sum(x)`, a sum or mean over groups (`scatter_add(x, index)`, `segment_sum`,
    `scatter(x, index, reduce="mean")`: inf in the group makes either inf); None for
    anything else."""
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified is not None:
        if is_segment_sum(qualified):
            reduce = argument(node, None, "reduce")
            if reduce is not None and not (
                isinstance(reduce, cst.SimpleString) and reduce.evaluated_value in ("sum", "add", "mean")
            ):
                return None
            return argument(node, 0, "src")
        if qualified not in EXP_SUM:
            return None
        return argument(node, 0, "input") or argument(node, 0, "a") or argument(node, 0, "x")
    if method in ("sum", "nansum", "reduce_sum"):
        return receiver(node)
    return None


# Sums over the groups of an index (a graph's neighbourhoods): torch_scatter's, PyG's, JAX's.
SEGMENT_SUMS = (
    "torch_scatter.scatter_add", "torch_scatter.scatter_sum", "torch_scatter.scatter",
    "torch_geometric.utils.scatter", "jax.ops.segment_sum",
)


def is_segment_sum(qualified: str) -> bool:
    """torch_scatter's, PyG's and JAX's sums over groups, and a package's own function of
    that name and shape (`from e3tools import scatter`); not torch's `scatter_add(input,
    dim, index, src)`, whose first argument is what is added to."""
    return qualified in SEGMENT_SUMS or (
        qualified.rsplit(".", 1)[-1] in _SEGMENT_SUM_NAMES and not qualified.startswith(("torch.", "tensorflow."))
    )


_SEGMENT_SUM_NAMES = frozenset(("scatter", "scatter_add", "scatter_sum", "segment_sum"))


def is_sum(context: FileContext, node: cst.CSTNode) -> bool:
    return summed_operand(context, node) is not None
