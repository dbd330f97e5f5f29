"""Values that can be exactly 0: saturated probabilities, relu and clamp outputs, squares
of differences, and what a module's functions hand each other.
"""

from __future__ import annotations

import re
from typing import List, Optional

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.rule import Location
from nanlint.values.api import (
    EXP_FUNCTIONS,
    KERAS_BACKENDS,
    MEAN,
    SATURATING_LAYERS,
    SHAPE_METHODS,
    SIGMOID,
    SOFTMAX,
    SOFTPLUS,
    SUM,
    VARIANCE,
    WHERE,
)
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.definitions import OUTSIDE
from nanlint.values.facts import squared_operand
from nanlint.values.flow import assigned_value, names_read, reaching_values
from nanlint.values.guards import last_name
from nanlint.values.numbers import is_positive_constant, literal_number

# Outputs that underflow to exactly 0 in floating point: softmax and sigmoid saturate
# (sigmoid(-104.0) is 0.0 in float32), relu and a clamp at 0 are 0 on half their
# domain, abs and a square are 0 at 0, exp(-x) underflows for large x.
RELU = ("torch.relu", "torch.nn.functional.relu", "torch.nn.functional.relu6", "jax.nn.relu", "jax.nn.relu6")
# TensorFlow's relu differentiates as `grad * (x > 0)`, a product (torch and JAX select
# with `where`): an inf gradient from above, a root's at 0, comes back as inf * 0 = NaN
# wherever the relu cuts.
TENSORFLOW_RELU = (
    "tensorflow.nn.relu",
    "tensorflow.keras.activations.relu",
    "tensorflow.keras.backend.relu",
    "keras.activations.relu",
    "keras.backend.relu",
)
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
MAXIMUM = ("torch.maximum", "torch.fmax", "numpy.maximum", "numpy.fmax", "jax.numpy.maximum", "jax.numpy.fmax",
           "tensorflow.maximum", "tensorflow.math.maximum", "keras.ops.maximum",
           *(f"{keras}.maximum" for keras in KERAS_BACKENDS))
# Reshaping, indexing and casting keep a 0 a 0.
_KEEPS_ZERO = (*SHAPE_METHODS, "gather", "index_select")


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


_BOUNDING_METHODS = frozenset(("clamp", "clamp_min", "clip", "masked_fill", "where", "maximum"))


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
    if qualified in SOFTPLUS:
        # An input bounded first (`softplus(x.masked_fill(~mask, -15))`, `x.clamp(min=...)`)
        # keeps it well above the underflow: botorch's own `log_softplus`.
        first = argument(node, 0, "input")
        if isinstance(first, cst.Call) and callee(context, first)[1] in _BOUNDING_METHODS:
            return None
        return "a softplus output"
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


# A prior (`prior_prob`, `prior_probability`) is a number its user picks, as in a
# classifier bias initialised to -log((1 - prior) / prior).
_PRIOR = re.compile(r"^_?prior_")


def _annotated_scalar(param: cst.Param) -> bool:
    annotation = param.annotation
    return annotation is not None and isinstance(annotation.annotation, cst.Name) and (
        annotation.annotation.value in ("float", "int")
    )


def _probability_parameter(context: FileContext, node: cst.CSTNode) -> Optional[str]:
    if not isinstance(node, cst.Name):
        return None
    function = context.enclosing_function()
    if function is None:
        return None
    params = {p.name.value: p for p in parameters(function)}
    if node.value not in params or has_numeric_default(params[node.value]):
        return None  # `prior_prob=0.01`: a setting, not a model's output
    if _PRIOR.match(node.value) or _annotated_scalar(params[node.value]):
        return None  # `prior_prob`, `p: float`: one number a caller chooses, not a batch a model computed
    names = set(params)
    if _PROBABILITY.search(node.value) or (node.value == "y_pred" and "y_true" in names):
        return f"the probability `{node.value}`"
    if not is_private(function) and _complemented(context, function, node.value):
        return f"the probability `{node.value}` (its function also takes `1 - {node.value}`)"
    return None


def _complemented(context: FileContext, function: cst.FunctionDef, name: str) -> bool:
    """Whether a loss takes one minus its parameter `name` too (a binary cross-entropy
    written out, `y * log(p) + (1 - y) * log(1 - p)`; a focal loss's `where(t == 1, p,
    1 - p)`): the mark of a probability, which a confident model saturates to 0 or 1.
    Not a private helper's (`_neg_loss(pred, gt)`): its module's callers hand it what
    they have clamped."""
    from nanlint.values.gradient import carries_gradient  # that module asks this one too

    if not carries_gradient(context, function):
        return False
    found = []

    class _Complements(cst.CSTVisitor):
        def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
            if (
                isinstance(node.operator, cst.Subtract) and literal_number(node.left) == 1
                and isinstance(node.right, cst.Name) and node.right.value == name
            ):
                found.append(node)

    function.body.visit(_Complements())
    return bool(found)


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


def saturating_probability(context: FileContext, node: cst.CSTNode, depth: int = 2) -> Optional[str]:
    """Why `node` is a probability that underflows to exactly 0 ("a softmax output", "the
    probability `probs`", ...), or None: see `can_reach_zero`."""
    return _saturating(context, node, depth)


_SELECT = ("torch.gather", "torch.index_select", "torch.take_along_dim")
_JOIN = ("torch.cat", "torch.concat", "torch.stack")


# The actions a policy took, by the names RL code gives them: `a`, `actions`, `act_batch`.
_ACTION = re.compile(r"^(a|acts?|actions?|a_t|at)$|^(batch|b|old|taken)_actions?$|_actions?$|^actions?_")


def sampled_action(context: FileContext, node: cst.CSTNode, depth: int = 3) -> bool:
    """Whether `node` holds a policy's probabilities of the actions it took
    (`pi.gather(1, a)` with `pi` a softmax): each was sampled from that policy, where its
    probability was above 0, and a policy-gradient step moves it only a little. Unlike a
    label's probability, which a confidently wrong model underflows to 0."""
    if isinstance(node, cst.Subscript):
        index = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
        return any(_is_action(i) for i in index) and selected_softmax(context, node, depth)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in _SELECT:
            index = argument(node, 2, "index")
        elif qualified is None and method == "gather":
            index = argument(node, 1, "index")
        else:
            index = None
        return index is not None and _is_action(index) and selected_softmax(context, node, depth)
    if isinstance(node, cst.Name) and depth > 0:
        values = [v for v in _reaching(context, node) if v is not OUTSIDE and v is not None]
        return bool(values) and all(sampled_action(context, v, depth - 1) for v in values)
    return False


def _is_action(node: cst.CSTNode) -> bool:
    while isinstance(node, (cst.Call, cst.Subscript, cst.Attribute)):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            node = node.func.value  # `a.long()`, `actions.unsqueeze(1)`
        elif isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Attribute):
            return bool(_ACTION.search(node.attr.value))  # `batch.actions`
        else:
            return False
    return isinstance(node, cst.Name) and bool(_ACTION.search(node.value))


def selected_softmax(context: FileContext, node: cst.CSTNode, depth: int = 3, selected: bool = False) -> bool:
    """Whether `node` holds the probabilities of chosen classes picked out of a softmax
    (`probs[range(n), target]`, `p.gather(1, y)`, collected with `torch.cat`): a likelihood,
    whose log is the log-likelihood that `log_softmax` gives exactly. Through the
    assignments that can reach a name, `depth` times."""
    if isinstance(node, cst.Subscript):
        return selected_softmax(context, node.value, depth, True)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        if qualified in _SELECT:
            first = argument(node, 0, "input")
            return first is not None and selected_softmax(context, first, depth, True)
        if qualified in _JOIN:
            first = argument(node, 0, "tensors")
            parts = first.elements if isinstance(first, (cst.List, cst.Tuple)) else ()
            return any(selected_softmax(context, part.value, depth, selected) for part in parts)
        if qualified is None and method in _KEEPS_ZERO:
            source = receiver(node)
            return selected_softmax(context, source, depth, selected or method not in SHAPE_METHODS)
        return selected and "softmax" in (_saturating_output(context, node) or "")
    if isinstance(node, cst.Name) and depth > 0:
        return any(
            value is not OUTSIDE and value is not None and selected_softmax(context, value, depth - 1, selected)
            for value in _reaching(context, node)
        )
    return False


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


def _probability_from_outside(context: FileContext, name: cst.Name) -> Optional[str]:
    """A parameter named as a probability, or one the module's calls hand one."""
    return _probability_parameter(context, name) or _passed_by_callers(context, name)


def _through_assignments(
    context: FileContext, name: cst.Name, depth: int, question, outside=_probability_from_outside
) -> Optional[str]:
    """`question`'s answer for the first value that can reach `name` and has one: on
    that path the name holds it. A parameter (or an outer binding) answers through
    `outside`."""
    for value in _reaching(context, name):
        if value is OUTSIDE:
            found = outside(context, name)
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
    context.trail.append((Location(row, column + 1), f"`{name.value}` is passed a {kind} output here"))
    return f"the parameter `{name.value}`, a {kind} output where it is called (line {row})"


def passed_distance(context: FileContext, node: cst.CSTNode) -> Optional[str]:
    """"the parameter `d`, which a call at line 12 hands a distance" when `node` is (an
    index or reshape of) a parameter that only its function's own code reads and some
    call in the module passes a sum of squares, a clamp at 0 of one, or its root: the
    root of such a value is 0 where the points it measures meet."""
    from nanlint.values.gradient import function_path  # that module asks this one too

    while True:
        if isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Call) and callee(context, node)[1] in SHAPE_METHODS:
            node = receiver(node)
        else:
            break
    function = context.enclosing_function()
    if not isinstance(node, cst.Name) or function is None:
        return None
    if node.value not in {p.name.value for p in parameters(function)}:
        return None
    if any(value is not OUTSIDE for value in _reaching(context, node)):
        return None  # reassigned on the way: what reaches the read is the function's own
    passed = context.summary.passed_distances.get((function_path(context), node.value))
    if passed is None:
        return None
    row, column = passed
    context.trail.append((Location(row, column + 1), f"`{node.value}` is passed a distance here"))
    return f"the parameter `{node.value}`, which the call at line {row} hands a distance"


# A loss's parameter that holds the network's output as it came (`pred_tensor`, `y_pred`,
# `preds`), not a probability or a distance: unconstrained, so 0 and below are in range.
_PREDICTION = re.compile(r"^(y_)?preds?(_(tensor|tensors|box|boxes|wh|raw|out|output))?$|^predictions?$|_preds?$")
_LOSS_NAME = re.compile(r"(?i)loss|criterion")


def raw_prediction(context: FileContext, node: cst.CSTNode, depth: int = 3) -> Optional[str]:
    """The name of the loss parameter `node` is a part of (through indexing, reshapes and
    assignments), when that parameter is the model's raw prediction; else None."""
    if isinstance(node, cst.Subscript):
        return raw_prediction(context, node.value, depth)
    if isinstance(node, cst.Call):
        qualified, method = callee(context, node)
        inner = receiver(node) if qualified is None and method in SHAPE_METHODS else None
        return raw_prediction(context, inner, depth) if inner is not None else None
    if not isinstance(node, cst.Name) or depth < 0:
        return None
    return _through_assignments(context, node, depth, raw_prediction, outside=_prediction_parameter)


def _prediction_parameter(context: FileContext, name: cst.Name) -> Optional[str]:
    return name.value if _PREDICTION.search(name.value) and _in_loss(context, name.value) else None


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
            # One minus a softplus is no probability's complement: 0 only by coincidence.
            return f"one minus {inner}" if inner is not None and "softplus" not in inner else None
        if isinstance(operator, cst.Subtract) and _is_one(node.right) and _exp_of_difference(context, node.left):
            return "the exp of a difference less one (0 where the two sides agree)"
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


def _exp_of_difference(context: FileContext, node: cst.CSTNode) -> bool:
    """`exp(a - b)` of two values, directly or through the name holding the difference: 1
    where they agree, so one less is 0 there (a discrete hazard's `exp(h1 - h0) - 1`)."""
    if not isinstance(node, cst.Call):
        return False
    qualified, method = callee(context, node)
    if qualified in EXP_FUNCTIONS:
        inner = argument(node, 0, "x") or argument(node, 0, "input")
    elif qualified is None and method == "exp" and not node.args and context.imports.imports_module("torch"):
        inner = receiver(node)
    else:
        return False
    if isinstance(inner, cst.Name):
        inner = assigned_value(context, inner) or inner
    return (
        isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Subtract)
        and literal_number(inner.left) is None and literal_number(inner.right) is None
    )


def tensorflow_relu(context: FileContext, node: cst.CSTNode) -> bool:
    """A TensorFlow relu: `tf.nn.relu(x)`, `K.relu(x)`, or a call of the Keras `ReLU()`
    layer the class keeps (`self.relu = layers.ReLU()`) in a module that uses no torch."""
    if not isinstance(node, cst.Call):
        return False
    qualified, _ = callee(context, node)
    if qualified in TENSORFLOW_RELU:
        return True
    func = node.func
    return (
        isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"
        and context.summary.single_layers.get(f"self.{func.attr.value}") == ("ReLU", None)
        and not context.imports.imports_module("torch")
        and (context.imports.imports_module("tensorflow") or context.imports.imports_module("keras"))
    )


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


def weighs_its_own_log(context: FileContext, log: cst.Call, operand: cst.BaseExpression) -> bool:
    """Whether the log of `operand` being visited is multiplied by `operand` itself (`p *
    torch.log(p)`, `q.log() * q`): an entropy's term, written so because the author
    expects entries of 0 (0 log 0 is taken as 0). The log is -inf there and the product
    0 * -inf is NaN, unless the operand is kept from 0 (`p + eps`, a positive clamp)."""
    path = context.ancestors
    holder = path[-2] if len(path) > 1 and path[-1] is log else None
    if not (isinstance(holder, cst.BinaryOperation) and isinstance(holder.operator, cst.Multiply)):
        return False
    other = holder.right if holder.left is log else holder.left
    if context.code(other).strip("() ") != context.code(operand).strip("() "):
        return False
    names = names_read(operand)
    if names and all(_scalar_parameter(context, n) for n in names):
        return False  # `1 - prob` of `def binary_entropy(prob: float)`: one number its caller picks
    # Kept from 0, itself or a value it is computed from (`masked = 0.99 * m + 0.005`
    # then `(1 - masked).log()`), here or by an eps added in place (`x += EPS`).
    return not (
        _kept_from_zero(context, operand, 2)
        or any(_kept_from_zero(context, n, 1) or _eps_added_in_place(context, n.value) for n in names)
    )


def _eps_added_in_place(context: FileContext, name: str) -> bool:
    """`x += EPS` or `x = x + 1e-6` somewhere in the function being visited."""
    function = context.enclosing_function()
    if function is None:
        return False
    stack = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.AddAssign):
            if isinstance(node.target, cst.Name) and node.target.value == name:
                if is_positive_constant(context, node.value):
                    return True
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(node.children)
    return False


def _scalar_parameter(context: FileContext, name: cst.Name) -> bool:
    function = context.enclosing_function()
    return function is not None and any(
        p.name.value == name.value and (_annotated_scalar(p) or has_numeric_default(p)) for p in parameters(function)
    )


def _kept_from_zero(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    """`p + 1e-8`, `p.clamp(min=eps)`, `np.maximum(p, 1e-12)`, directly or as the one value
    of the name."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return is_positive_constant(context, node.left) or is_positive_constant(context, node.right)
    bound = clamp_lower_bound(context, node)
    if bound is not None:
        return is_positive_constant(context, bound)
    if isinstance(node, cst.Name) and depth > 0:
        value = assigned_value(context, node)
        return value is not None and _kept_from_zero(context, value, depth - 1)
    return False
