"""Values bounded above: where `exp` of a value cannot overflow.

exp(x) is inf in float32 from x = 88.73 (in float16 from 11.09, in float64 from
709.79). A value the code bounds keeps its exp finite: a shift by its own maximum
(`x - x.max(-1, keepdim=True)[0]`, the stable softmax), a negation of something that
is never negative (`-x.abs()`, `-d ** 2`, `-F.softplus(x)`), a sigmoid, tanh or
softmax output, a clamp with an upper bound, a log-probability. Anything else (a
logit, a parameter, a network's output) is unbounded as far as the code says.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.values.api import (
    BOUNDED_METHODS,
    BOUNDED_OUTPUTS,
    EXP_LIBRARIES,
    MAXIMA,
    MAXIMA_METHODS,
    NONNEGATIVE_METHODS,
    NONNEGATIVE_OUTPUTS,
    SHAPE_FUNCTIONS,
    SHAPE_METHODS,
    WHERE,
)
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.definitions import OUTSIDE
from nanlint.values.facts import is_sum_of_squares, squared_operand
from nanlint.values.flow import reaching_definitions, reaching_values
from nanlint.values.guards import last_name
from nanlint.values.numbers import literal_number

# Clamps with an upper bound: the second bound of `clamp(x, lo, hi)`, or `max=`.
_CLAMPS = ("torch.clamp", "torch.clip", "numpy.clip", "autograd.numpy.clip", "jax.numpy.clip")
_RANGES = ("torch.linspace", "numpy.linspace", "jax.numpy.linspace", "torch.arange", "numpy.arange")
_NEGATIONS = ("torch.neg", "torch.negative", "numpy.negative", "jax.numpy.negative")
_MINIMA = ("torch.minimum", "torch.fmin", "numpy.minimum", "numpy.fmin", "jax.numpy.minimum", "builtins.min")
# A value or helper named as a maximum or a log-normalizer: `x_max`, `maxes`, `max_val`,
# `row_max`, `lse`, `log_z`, `_safe_amax`.
_MAXIMUM_NAME = re.compile(r"(?i)max(?!pool)|(^|_)(lse|logsumexp|log_?z|log_?norm\w*|log_?partition)($|_)")
# A parameter named as a log-probability (`log_probs`, `logp`, `logprobs`): at most 0.
_LOG_PROBABILITY = re.compile(r"^(log_?probs?|logp|logps|log_?probas?|log_?likelihoods?)$|_log_?probs?$")


def exp_of(context: FileContext, node: cst.CSTNode) -> Optional[Tuple[cst.BaseExpression, str]]:
    """(what is exponentiated, its library) for `torch.exp(x)`, `np.exp(x)`, `tf.exp(x)`,
    `math.exp(x)`, and `x.exp()` in a module that imports torch; else None."""
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified is not None:
        if not qualified.endswith(".exp"):
            return None
        library = EXP_LIBRARIES.get(qualified[: -len(".exp")])
        if library is None or len(node.args) != 1:
            return None  # `out=`: not the plain function
        operand = argument(node, 0, "input" if library == "torch" else "x")
        return (operand, library) if operand is not None else None
    if method == "exp" and not node.args and context.imports.imports_module("torch"):
        return receiver(node), "torch"
    return None


def exp_factor(context: FileContext, node: cst.CSTNode, depth: int = 2) -> Optional[cst.Call]:
    """The exp call `node` is, or is a product of (`exp(x) * mask`), directly or through
    the assignments that reach a name (the first, when each of them is one)."""
    if exp_of(context, node) is not None:
        return node  # type: ignore[return-value]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        return exp_factor(context, node.left, depth) or exp_factor(context, node.right, depth)
    if isinstance(node, cst.Name) and depth > 0:
        # Every value that reaches the name is an exp (`alpha = exp(a)` or `exp(b)`).
        values = reaching_values(context, node)
        if not values or any(value in (OUTSIDE, None) for value in values):
            return None
        found = [exp_factor(context, value, depth - 1) for value in values]
        return found[0] if all(found) else None
    return None


def bounded_above(context: FileContext, node: cst.CSTNode, depth: int = 3) -> bool:
    """Whether the code bounds `node` above by a small constant, so that its exp is
    finite: a number, a shift by a maximum (`x - x.max()`, `x - logsumexp(x)`), the
    negation of a value that is never negative, a sigmoid / tanh / softmax / log-softmax
    output, a clamp or minimum with an upper bound, a log-probability parameter, and
    sums, scalings and reshapes of these; through every assignment that reaches a name."""
    if literal_number(node) is not None:
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return nonnegative(context, node.expression, depth)
    if isinstance(node, cst.BinaryOperation):
        return _bounded_operation(context, node, depth)
    if isinstance(node, cst.Subscript):
        return bounded_above(context, node.value, depth)
    if isinstance(node, cst.Call):
        return _bounded_call(context, node, depth)
    if isinstance(node, cst.Name):
        applied = _lambda_argument(context, node)
        if applied is not None:
            return depth > 0 and bounded_above(context, applied, depth - 1)
        if depth > 0 and _shifted_in_place(context, node, depth):
            return True
        return _for_every_value(context, node, depth, bounded_above, _is_log_probability)
    return False


def _shifted_in_place(context: FileContext, name: cst.Name, depth: int) -> bool:
    """`x -= x.max(-1, keepdims=True)` (or `np.max(x, ...)`) is every definition that
    reaches this read of `x`: the value read is `x - max(x)`, at most 0."""
    found = reaching_definitions(context, name)
    if not found or any(d == OUTSIDE for d in found):
        return False
    for definition in found:
        statement = definition.node
        if not (isinstance(statement, cst.AugAssign) and isinstance(statement.operator, cst.SubtractAssign)):
            return False
        shift = cst.BinaryOperation(left=statement.target, operator=cst.Subtract(), right=statement.value)
        if not _bounded_operation(context, shift, depth - 1):
            return False
    return True


def _lambda_argument(context: FileContext, name: cst.Name) -> Optional[cst.BaseExpression]:
    """What a lambda called in place (`(lambda z: z.exp())(x.clamp(max=18))`) binds
    its parameter `name` to."""
    path = context.ancestors
    for index in range(len(path) - 1, 0, -1):
        node = path[index]
        if isinstance(node, cst.FunctionDef):
            return None
        if isinstance(node, cst.Lambda):
            names = [p.name.value for p in node.params.params]
            if name.value not in names:
                return None
            call = path[index - 1]
            if isinstance(call, cst.Call) and call.func is node:
                return argument(call, names.index(name.value), name.value)
            return None
    return None


def _bounded_operation(context: FileContext, node: cst.BinaryOperation, depth: int) -> bool:
    operator = node.operator
    if isinstance(operator, cst.Subtract):
        # The stable softmax's shift, or a bounded value less a non-negative one.
        if is_maximum(context, node.right, depth):
            return True
        return bounded_above(context, node.left, depth) and nonnegative(context, node.right, depth)
    if isinstance(operator, cst.Add):
        return bounded_above(context, node.left, depth) and bounded_above(context, node.right, depth)
    if isinstance(operator, cst.Divide):
        # A value at most 0 divided by a temperature or scale (positive by convention)
        # stays at most 0; a bounded value over a positive number stays bounded.
        right = literal_number(node.right)
        if right is not None:
            return right > 0 and bounded_above(context, node.left, depth)
        return at_most_zero(context, node.left, depth)
    if isinstance(operator, cst.Multiply):
        for one, other in ((node.left, node.right), (node.right, node.left)):
            number = literal_number(one)
            if number is not None:
                if number >= 0 and bounded_above(context, other, depth):
                    return True
                if number < 0 and nonnegative(context, other, depth):
                    return True
            # `-gamma * d ** 2`: a negated scale (positive by convention) times a
            # non-negative value, as RBF kernels and energies are written.
            if _negated_plain(one) and nonnegative(context, other, depth):
                return True
            if at_most_zero(context, one, depth) and nonnegative(context, other, depth):
                return True
    return False


def at_most_zero(context: FileContext, node: cst.CSTNode, depth: int = 3) -> bool:
    """A value the code makes at most 0: a shift by a maximum, a negation of a value
    never negative, a log-softmax or log-sigmoid, through names."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return nonnegative(context, node.expression, depth)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract):
        return is_maximum(context, node.right, depth)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Multiply, cst.Divide)):
        number = literal_number(node.left) if isinstance(node.operator, cst.Multiply) else None
        if number is not None and number < 0:
            return nonnegative(context, node.right, depth)
        return at_most_zero(context, node.left, depth) and nonnegative(context, node.right, depth)
    if isinstance(node, cst.Subscript):
        return at_most_zero(context, node.value, depth)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified is not None:
            return qualified.endswith(("log_softmax", "logsigmoid", "log_sigmoid"))
        if method in ("log_softmax",):
            return True
        if method in SHAPE_METHODS:
            return at_most_zero(context, receiver(node), depth)
        return False
    if isinstance(node, cst.Name):
        return _for_every_value(context, node, depth, at_most_zero, _is_log_probability)
    return False


def _negated_plain(node: cst.CSTNode) -> bool:
    """`-gamma`, `-self.scale`, `-self.preterm.to(x)`: a setting negated."""
    if not (isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus)):
        return False
    inner = node.expression
    while isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and inner.func.attr.value in SHAPE_METHODS:
        inner = inner.func.value
    return isinstance(inner, (cst.Name, cst.Attribute))


def upper_clamped(context: FileContext, call: cst.Call) -> Optional[cst.BaseExpression]:
    """The value `call` bounds from above with a bound that is not None: `x` in
    `torch.clamp(x, max=M)`, `np.clip(x, lo, M)`, `x.clamp(max=M)`, `x.clamp_max(M)`."""
    qualified, method = callee(context, call)
    if qualified in _CLAMPS or qualified in ("torch.clamp_max", "tensorflow.clip_by_value"):
        value = call.args[0].value if call.args and call.args[0].keyword is None else None
        if qualified == "torch.clamp_max":
            return value
        upper = argument(call, 2, "max") or argument(call, None, "a_max") or argument(call, None, "clip_value_max")
    elif qualified is None and method in ("clamp", "clip", "clamp_max", "clamp_max_"):
        value = receiver(call)
        if method.startswith("clamp_max"):
            return value
        upper = argument(call, 1, "max") or argument(call, None, "a_max")
    else:
        return None
    return value if upper is not None and not _is_none(upper) else None


def _bounded_call(context: FileContext, node: cst.Call, depth: int) -> bool:
    qualified, method = callee(context, node)
    if qualified is not None:
        if qualified in BOUNDED_OUTPUTS:
            return True
        if qualified in _RANGES:
            # `torch.linspace(-eta, 0, n)`: a table between bounded ends.
            ends = [arg.value for arg in node.args[:2] if arg.keyword is None]
            return len(ends) == 2 and all(bounded_above(context, e, depth) or _negated_plain(e) for e in ends)
        if qualified in _NEGATIONS:
            first = argument(node, 0, "input")
            return first is not None and nonnegative(context, first, depth)
        if upper_clamped(context, node) is not None:
            return True
        if qualified in _MINIMA:
            return any(bounded_above(context, arg.value, depth) for arg in node.args if arg.keyword is None)
        if qualified in WHERE:
            branches = [arg.value for arg in node.args[1:3] if arg.keyword is None]
            return len(branches) == 2 and all(bounded_above(context, b, depth) for b in branches)
        if qualified.endswith(("log_softmax", "logsigmoid", "log_sigmoid")):
            return True
        return False
    if method is None:
        return False
    if method == "masked_fill":
        # `x.masked_fill(~small, 0)`: the code replaces the values out of range (botorch's
        # log1pexp); which ones the mask picks is its business.
        return True
    if method in ("neg", "negative") and not node.args:
        return nonnegative(context, receiver(node), depth)
    if method in BOUNDED_METHODS:
        return method != "softmax" or bool(node.args)
    if upper_clamped(context, node) is not None:
        return True
    # A mean of bounded values is bounded; a sum of sigmoids is not (100 of them reach 100).
    if method in SHAPE_METHODS or method == "mean":
        return bounded_above(context, receiver(node), depth)
    return False


def _is_none(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def nonnegative(context: FileContext, node: cst.CSTNode, depth: int = 3) -> bool:
    """Whether `node` is never negative: abs, square, relu, softplus, exp, norm, a
    distance, a sigmoid or softmax output, a sum of squares; their sums, products and
    quotients by positive numbers; through every assignment that reaches a name."""
    number = literal_number(node)
    if number is not None:
        return number >= 0
    if squared_operand(context, node) is not None or is_sum_of_squares(context, node, 0):
        return True
    if isinstance(node, cst.BinaryOperation):
        operator = node.operator
        if isinstance(operator, (cst.Add, cst.Multiply)):
            return nonnegative(context, node.left, depth) and nonnegative(context, node.right, depth)
        if isinstance(operator, cst.Divide):
            # A non-negative value over a scale: `d ** 2 / (2 * sigma ** 2)`, `dist / tau`.
            return nonnegative(context, node.left, depth) and not _negative_number(node.right)
        if isinstance(operator, cst.Power):
            return literal_number(node.right) is not None and literal_number(node.right) % 2 == 0
        return False
    if isinstance(node, cst.Subscript):
        return nonnegative(context, node.value, depth)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified is not None:
            if qualified in NONNEGATIVE_OUTPUTS:
                return True
            if qualified.endswith((".sum", ".mean")):
                first = argument(node, 0, "input")
                if first is None:
                    first = argument(node, 0, "a")
                return first is not None and nonnegative(context, first, depth)
            return False
        if method in NONNEGATIVE_METHODS:
            return method != "softmax" or bool(node.args)
        if method in SHAPE_METHODS or method in ("sum", "mean"):
            return nonnegative(context, receiver(node), depth)
        return False
    if isinstance(node, cst.Name) and _DISTANCE.search(node.value):
        return True  # a distance, whatever the code computed it from
    if isinstance(node, cst.Attribute) and _DISTANCE.search(node.attr.value):
        return True
    if isinstance(node, cst.Name):
        return _for_every_value(context, node, depth, nonnegative, None)
    return False


# Values named as distances (`dist`, `original_dist`, `pairwise_distances`): never negative.
_DISTANCE = re.compile(r"(^|_)(dist|dists|distance|distances)$")


def _negative_number(node: cst.CSTNode) -> bool:
    number = literal_number(node)
    return number is not None and number < 0


def is_maximum(context: FileContext, node: cst.CSTNode, depth: int = 3) -> bool:
    """A maximum or log-sum-exp (`x.max(-1, keepdim=True)[0]`, `.values`, `np.amax(x, 1)`,
    `torch.logsumexp(x, 1)`, `max(scores)`), through reshapes and names, or a name or
    helper named as one (`x_max`, `maxes`, `lse`, `_safe_amax(x, dim)`): what a shifted
    exp subtracts."""
    if isinstance(node, (cst.Name, cst.Attribute)) and _MAXIMUM_NAME.search(last_name(node)):
        return True
    if isinstance(node, cst.Subscript):
        return is_maximum(context, node.value, depth)
    if isinstance(node, cst.Attribute) and node.attr.value == "values":
        return is_maximum(context, node.value, depth)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in SHAPE_FUNCTIONS:  # `np.expand_dims(np.max(x, axis=1), axis=1)`
            reshaped = argument(node, 0)
            return reshaped is not None and is_maximum(context, reshaped, depth)
        if qualified is not None:
            return qualified in MAXIMA or bool(_MAXIMUM_NAME.search(qualified.rsplit(".", 1)[-1]))
        if isinstance(node.func, cst.Name):
            return bool(_MAXIMUM_NAME.search(node.func.value))  # a helper of the module's
        if method in MAXIMA_METHODS:
            return True
        if method in SHAPE_METHODS:
            return is_maximum(context, receiver(node), depth)
        return False
    if isinstance(node, cst.Name):
        # `max_score, _ = x.max(dim)`: unpacked from a maximum, the values are one.
        return _for_every_value(context, node, depth, is_maximum, None, sources=True)
    return False


def _for_every_value(context: FileContext, name: cst.Name, depth: int, question, outside, sources=False) -> bool:
    """`question` holds for every value that can reach `name` (a parameter answers
    through `outside`, by its name; `sources`: a value unpacked answers by what it
    was unpacked from)."""
    if depth <= 0:
        return False
    values: Optional[List[object]] = reaching_values(context, name, sources=sources)
    if not values:
        return False
    for value in values:
        if value is OUTSIDE:
            if outside is None or not outside(context, name):
                return False
        elif value is None or not question(context, value, depth - 1):
            return False
    return True


def _is_log_probability(context: FileContext, name: cst.Name) -> bool:
    return bool(_LOG_PROBABILITY.search(name.value))
