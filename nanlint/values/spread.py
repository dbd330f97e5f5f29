"""Spreads: a value's range, standard deviation or norm, and what it was computed from.

`(x - x.min()) / (x.max() - x.min())`, `(x - x.mean()) / x.std()` and `x / x.norm()`
divide a value by its own spread. The spread is exactly 0 where the value is constant
(range, std) or all zero (norm), and there the numerator is 0 as well: 0/0 is NaN.
Dividing by the spread of some other value is not this: its 0 says nothing about the
numerator. So the questions here are "what is this the spread of?" and "what value is
this numerator, shifted by its own minimum or mean or not?", both answered as a `Shape`
(the code of the value they come from, through reshapes, indexes and local names), so
that a rule compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.values.api import SHAPE_METHODS
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.definitions import OUTSIDE
from nanlint.values.facts import bare_code, squared_operand
from nanlint.values.flow import reaching_definitions
from nanlint.values.gradient import function_path
from nanlint.values.numbers import is_literal, literal_number
from nanlint.values.zeros import parameters

_ARRAYS = ("torch", "numpy", "jax.numpy")
MAXIMA = ("torch.max", "torch.amax", "numpy.max", "numpy.amax", "numpy.nanmax", "jax.numpy.max", "jax.numpy.amax")
MINIMA = ("torch.min", "torch.amin", "numpy.min", "numpy.amin", "numpy.nanmin", "jax.numpy.min", "jax.numpy.amin")
MEANS = ("torch.mean", "numpy.mean", "numpy.nanmean", "numpy.average", "jax.numpy.mean")
STDS = ("torch.std", "numpy.std", "numpy.nanstd", "jax.numpy.std")
VARIANCES = ("torch.var", "numpy.var", "numpy.nanvar", "jax.numpy.var")
NORMS = ("torch.norm", "torch.linalg.norm", "torch.linalg.vector_norm", "numpy.linalg.norm", "jax.numpy.linalg.norm")
SQRTS = ("torch.sqrt", "numpy.sqrt", "jax.numpy.sqrt")
SUMS = ("torch.sum", "numpy.sum", "jax.numpy.sum")
_METHODS = {"max": MAXIMA, "amax": MAXIMA, "min": MINIMA, "amin": MINIMA, "mean": MEANS, "std": STDS,
            "var": VARIANCES, "norm": NORMS}
# Reshaping, indexing (`.max(1)[0]`), casting and moving keep a value the same value.
_SAME_VALUE = frozenset(SHAPE_METHODS)
_SAME_VALUE_ATTRIBUTES = frozenset(("values", "data", "T"))

PLAIN, MIN_SHIFTED, CENTRED = "plain", "min-shifted", "centred"


@dataclass(frozen=True)
class Shape:
    """A value as the code that computes it from: `root` (the code of the value it is,
    past reshapes, indexes and local names) and `how` it was shifted: `PLAIN`, by its
    own minimum (`MIN_SHIFTED`) or by its own mean (`CENTRED`)."""

    root: str
    how: str = PLAIN


@dataclass(frozen=True)
class Spread:
    """`kind`: "range" (max - min), "max" (of a value, which is its range once the value
    is shifted by its minimum), "std", "norm" or "energy" (a sum of its squares); `of`:
    the value whose spread it is."""

    kind: str
    of: Shape
    # A root written out (`x.pow(2).sum().sqrt()`, `np.sqrt(np.var(x))`): its own
    # gradient is inf at 0, so an eps added after it leaves the gradient NaN.
    by_hand: bool = False


def shape_of(context: FileContext, node: cst.CSTNode, depth: int = 3) -> Shape:
    """The value `node` is: `x` for `x.view(b, -1)`, `x[0]` and a local name assigned
    one of those; `x` shifted by its minimum for `x - x.min()`, and for a name assigned
    that (or shifted in place: `x -= x.min()`)."""
    node = _same_value(node)
    difference = _difference(context, node)
    if difference is not None:
        minuend, subtrahend = difference
        left = shape_of(context, minuend, depth)
        if left.how == PLAIN:
            for kinds, how in ((MINIMA, MIN_SHIFTED), (MEANS, CENTRED)):
                reduced = reduction_of(context, subtrahend, kinds, depth)
                if reduced is not None and reduced.root == left.root:
                    return Shape(left.root, how)
    if isinstance(node, cst.Name) and depth > 0:
        found = _single_definition(context, node)
        if found is not None:
            if found.value is not None:
                inner = shape_of(context, found.value, depth - 1)
                if inner.how != PLAIN or inner.root != bare_code(context, _same_value(found.value)):
                    return inner
            elif isinstance(found.node, cst.AugAssign) and isinstance(found.node.operator, cst.SubtractAssign):
                target = found.node.target
                if isinstance(target, cst.Name) and target.value == node.value:
                    before = shape_of(context, target, depth - 1)
                    for kinds, how in ((MINIMA, MIN_SHIFTED), (MEANS, CENTRED)):
                        reduced = reduction_of(context, found.node.value, kinds, depth - 1)
                        if before.how == PLAIN and reduced is not None and reduced.root == before.root:
                            return Shape(before.root, how)
    return Shape(bare_code(context, node))


def reduction_of(context: FileContext, node: cst.CSTNode, kinds, depth: int = 3) -> Optional[Shape]:
    """The value that `node` is a reduction of, for a reduction among `kinds` (MAXIMA,
    MINIMA, MEANS, ...): `x` for `x.max(1)[0]`, `torch.amax(x, dim=1)`, `np.min(x)`, and
    through a local name assigned one."""
    node = _same_value(node)
    if isinstance(node, cst.Call):
        operand = _reduced(context, node, kinds)
        return shape_of(context, operand, depth) if operand is not None else None
    if isinstance(node, cst.Name) and depth > 0:
        found = _single_definition(context, node)
        if found is not None and found.value is not None:
            return reduction_of(context, found.value, kinds, depth - 1)
        returned = _returned_element(context, node, found)
        if returned is not None:
            element, arguments = returned
            inner = reduction_of(context, element, kinds, 0)
            return _in_caller(context, inner, arguments, depth)
    return None


def spread_of(context: FileContext, node: cst.CSTNode, depth: int = 3) -> Optional[Spread]:
    """What `node` is the spread of: `x.max() - x.min()` (a range), `x.max()`, `x.std()`
    or `np.sqrt(np.var(x))`, `x.norm()`, `torch.linalg.norm(x)` or
    `x.pow(2).sum().sqrt()`; through reshapes, indexes and local names. None for
    anything else, an eps added or a clamp included."""
    node = _same_value(node)
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Subtract):
            high = reduction_of(context, node.left, MAXIMA, depth)
            low = reduction_of(context, node.right, MINIMA, depth)
            if high is not None and low is not None and high.root == low.root:
                return Spread("range", high)
            return None
        if isinstance(node.operator, cst.Power) and is_literal(node.right, 0.5):
            return _root_of_squares(context, node.left, depth)
        return None
    if isinstance(node, cst.Call):
        for kinds, kind in ((MAXIMA, "max"), (STDS, "std"), (NORMS, "norm")):
            operand = _reduced(context, node, kinds)
            if operand is not None:
                return Spread(kind, shape_of(context, operand, depth))
        summed = _reduced(context, node, SUMS, ("sum",))
        squared = squared_operand(context, _same_value(summed)) if summed is not None else None
        if squared is not None:
            # `(t ** 2).sum(-1)`: the energy of `t`, 0 where `t` is all zero (a silent reference).
            return Spread("energy", shape_of(context, squared, depth))
        qualified, method = callee(context, node)
        radicand = None
        if qualified in SQRTS:
            radicand = argument(node, 0, "input") or argument(node, 0, "x")
        elif qualified is None and method == "sqrt" and not node.args:
            radicand = receiver(node)
        return _root_of_squares(context, radicand, depth) if radicand is not None else None
    if isinstance(node, cst.Name) and depth > 0:
        found = _single_definition(context, node)
        if found is not None and found.value is not None:
            return spread_of(context, found.value, depth - 1)
        returned = _returned_element(context, node, found)
        if returned is not None:
            element, arguments = returned
            inner = spread_of(context, element, 0)
            if inner is not None:
                of = _in_caller(context, inner.of, arguments, depth)
                return Spread(inner.kind, of, inner.by_hand) if of is not None else None
    return None


def summed_products_with(context: FileContext, node: cst.CSTNode, root: str, depth: int = 3) -> bool:
    """A sum of products one of whose factors is the value `root` (`(est * ref).sum(-1)`,
    through local names): 0 wherever that value is all zero."""
    node = _same_value(node)
    if isinstance(node, cst.Name) and depth > 0:
        found = _single_definition(context, node)
        return found is not None and found.value is not None and summed_products_with(context, found.value, root, depth - 1)
    summed = _reduced(context, node, SUMS, ("sum",))
    if summed is None:
        return False
    summed = _same_value(summed)
    if isinstance(summed, cst.Name) and depth > 0:
        found = _single_definition(context, summed)
        summed = _same_value(found.value) if found is not None and found.value is not None else summed
    if not (isinstance(summed, cst.BinaryOperation) and isinstance(summed.operator, cst.Multiply)):
        return False
    return root in (shape_of(context, summed.left, depth).root, shape_of(context, summed.right, depth).root)


def _root_of_squares(context: FileContext, radicand: cst.CSTNode, depth: int) -> Optional[Spread]:
    """sqrt(var(x)) is x's std; sqrt(sum(x ** 2)) is x's norm."""
    radicand = _same_value(radicand)
    variance = _reduced(context, radicand, VARIANCES)
    if variance is not None:
        return Spread("std", shape_of(context, variance, depth), by_hand=True)
    summed = _reduced(context, radicand, SUMS, ("sum",))
    squared = squared_operand(context, _same_value(summed)) if summed is not None else None
    if squared is not None:
        return Spread("norm", shape_of(context, squared, depth), by_hand=True)
    return None


def _reduced(context: FileContext, node: cst.CSTNode, kinds, methods=None) -> Optional[cst.BaseExpression]:
    """`x` in `x.max(1)`, `torch.max(x, dim=1)`, `np.std(x, axis=0)` for a reduction of `kinds`."""
    if not isinstance(node, cst.Call):
        return None
    qualified, method = callee(context, node)
    if qualified is not None:
        if qualified not in kinds:
            return None
        operand = argument(node, 0, "input")
        if operand is None:
            operand = argument(node, 0, "a") or argument(node, 0, "x")
        if qualified in ("torch.max", "torch.min") and not _is_dimension(argument(node, 1, "dim")):
            return None  # `torch.max(a, b)` is the elementwise maximum of two tensors
        return operand
    wanted = methods if methods is not None else tuple(m for m, family in _METHODS.items() if family is kinds)
    if method not in wanted:
        return None
    if method in ("max", "min") and not _is_dimension(argument(node, 0, "dim")):
        return None  # `a.max(b)`: elementwise
    return receiver(node)


def _is_dimension(node: Optional[cst.CSTNode]) -> bool:
    """No argument, or an integer: a reduction's dimension rather than a second tensor."""
    if node is None:
        return True
    value = literal_number(node)
    return value is not None and float(value).is_integer()


def _same_value(node: cst.CSTNode) -> cst.CSTNode:
    """`x` for `x.view(b, -1)`, `x[:, None]`, `x.max(1)[0]`'s `x.max(1)`, `x.values`."""
    while True:
        if isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Attribute) and node.attr.value in _SAME_VALUE_ATTRIBUTES:
            node = node.value
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in _SAME_VALUE
        ):
            node = node.func.value
        else:
            return node


def _single_definition(context: FileContext, name: cst.Name):
    """The one definition that reaches this read of `name`, or None."""
    found = reaching_definitions(context, name)
    if not found or len(found) != 1 or found[0] == OUTSIDE:
        return None
    return found[0]


def _returned_element(context: FileContext, name: cst.Name, found) -> Optional[Tuple[cst.BaseExpression, Dict[str, cst.BaseExpression]]]:
    """For `me, st = self._moments(data)`: the element of the tuple that the module's
    function returns which `name` is unpacked from (`np.std(x, axis=0)` of
    `return np.mean(x, axis=0), np.std(x, axis=0)`), and the caller's arguments by the
    function's parameter names (`x` -> `data`)."""
    if found is None or not isinstance(found.node, cst.Assign) or len(found.node.targets) != 1:
        return None
    target, call = found.node.targets[0].target, found.node.value
    if not isinstance(target, (cst.Tuple, cst.List)) or not isinstance(call, cst.Call):
        return None
    names = [e.value.value if isinstance(e.value, cst.Name) else None for e in target.elements]
    if names.count(name.value) != 1 or any(isinstance(e, cst.StarredElement) for e in target.elements):
        return None
    function, skip = _module_function(context, call.func)
    if function is None:
        return None
    returns = [n for n in _own_statements(function) if isinstance(n, cst.Return)]
    if len(returns) != 1 or not isinstance(returns[0].value, cst.Tuple):
        return None
    elements = returns[0].value.elements
    if len(elements) != len(names) or any(isinstance(e, cst.StarredElement) for e in elements):
        return None
    params = parameters(function)[skip:]
    arguments: Dict[str, cst.BaseExpression] = {}
    for position, param in enumerate(params):
        value = argument(call, position, param.name.value)
        if value is not None:
            arguments[param.name.value] = value
    return elements[names.index(name.value)].value, arguments


def _in_caller(context: FileContext, shape: Optional[Shape], arguments: Dict[str, cst.BaseExpression], depth: int):
    """A shape of a parameter of the callee, as the shape of the caller's argument."""
    if shape is None or shape.root not in arguments:
        return None
    outer = shape_of(context, arguments[shape.root], depth - 1)
    return Shape(outer.root, shape.how) if outer.how == PLAIN else None


def _module_function(context: FileContext, func: cst.BaseExpression):
    """(the function definition, how many leading parameters the call does not pass)
    for `self.helper` (a method of the enclosing class) or `helper` (of the module)."""
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        owner = next((n for n in reversed(context.ancestors) if isinstance(n, cst.ClassDef)), None)
        if owner is None:
            return None, 0
        body, wanted, skip = owner.body.body, func.attr.value, 1
    elif isinstance(func, cst.Name):
        context.require_seen([func.value])
        body, wanted, skip = context.module.body, func.value, 0
    else:
        return None, 0
    matches = [s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == wanted]
    if len(matches) != 1 or matches[0].decorators:
        return None, 0
    return matches[0], skip


def _own_statements(function: cst.FunctionDef):
    """The small statements of `function`, not of the functions and classes inside it."""
    stack = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, cst.BaseSmallStatement):
            yield node
            continue
        stack.extend(node.children)


# Draws of a random generator: a constant draw has probability 0.
_RANDOM_PREFIXES = ("numpy.random.", "jax.random.", "torch.distributions.")
_RANDOM = frozenset((
    "torch.rand", "torch.randn", "torch.rand_like", "torch.randn_like", "torch.normal", "torch.randint",
    "torch.randperm", "torch.bernoulli", "torch.multinomial", "torch.poisson",
))
_JOINS = ("torch.cat", "torch.concat", "torch.stack", "numpy.concatenate", "numpy.stack", "jax.numpy.concatenate")
_RANDOM_METHODS = frozenset(("normal_", "uniform_", "random_", "exponential_", "sample", "rsample", "standard_normal",
                             "normal", "uniform", "randn", "rand"))


def is_random_draw(context: FileContext, node: cst.CSTNode, depth: int = 3) -> bool:
    """A value drawn from a random generator (`torch.randn(...)`, `np.random.normal(...)`,
    `rng.standard_normal(...)`), through reshapes, shifts, scales and local names: never
    constant, never all zero, in practice."""
    node = _same_value(node)
    if isinstance(node, cst.BinaryOperation):
        return is_random_draw(context, node.left, depth)
    if isinstance(node, (cst.List, cst.Tuple)):
        return bool(node.elements) and all(is_random_draw(context, e.value, depth) for e in node.elements)
    if isinstance(node, cst.ListComp):
        return is_random_draw(context, node.elt, depth)
    if isinstance(node, cst.Call):
        if any(arg.keyword is not None and arg.keyword.value == "generator" for arg in node.args):
            return True  # drawn from a `torch.Generator`
        qualified, method = callee(context, node)
        if qualified in _JOINS:
            first = argument(node, 0, "tensors") or argument(node, 0, "arrays")
            return first is not None and is_random_draw(context, first, depth)
        if qualified is not None:
            return qualified in _RANDOM or qualified.startswith(_RANDOM_PREFIXES)
        return method in _RANDOM_METHODS
    if isinstance(node, cst.Name) and depth > 0:
        found = reaching_definitions(context, node)
        if not found or OUTSIDE in found:
            return False
        for definition in found:
            if definition.value is not None:
                drawn = is_random_draw(context, definition.value, depth - 1)
            else:
                # `x -= x.min()` after `x = torch.randn(...)`: still the draw, shifted.
                target = definition.node.target if isinstance(definition.node, cst.AugAssign) else None
                drawn = isinstance(target, cst.Name) and is_random_draw(context, target, depth - 1)
            if not drawn:
                return False
        return True
    return False


# What a run reads from outside its code, even when the call that reads it takes only
# constants: the command line, the environment, the user.
_RUNTIME_INPUTS = ("sys.argv", "sys.stdin", "os.environ", "os.getenv", "builtins.input")


_SUBTRACT = ("torch.sub", "torch.subtract", "numpy.subtract", "jax.numpy.subtract", "tensorflow.subtract",
             "tensorflow.math.subtract")


def _difference(context: FileContext, node: cst.CSTNode) -> Optional[Tuple[cst.BaseExpression, cst.BaseExpression]]:
    """(a, b) of `a - b`, `torch.sub(a, b)`, `np.subtract(a, b)`, `a.sub(b)`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract):
        return node.left, node.right
    if not isinstance(node, cst.Call) or any(arg.keyword is not None or arg.star for arg in node.args):
        return None
    qualified, method = callee(context, node)
    if qualified in _SUBTRACT and len(node.args) == 2:
        return node.args[0].value, node.args[1].value
    if qualified is None and method == "sub" and len(node.args) == 1 and receiver(node) is not None:
        return receiver(node), node.args[0].value
    return None


def is_fixed_data(context: FileContext, node: cst.CSTNode, depth: int = 3) -> bool:
    """A value computed from constants alone, through local and module names: a dataset
    the code names (`np.genfromtxt(download('airfoil'))`), a table of numbers, a table
    read from a file the module names through its own helpers (`data = load_data(file)`
    with every call passing `root + 'gas/ethylene_CO.pickle'`). The author ran the code
    on exactly that value; it is no unlucky input."""
    node = _same_value(node)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract):
        return is_fixed_data(context, node.left, depth)  # `x - x.mean()`: x is the data
    if isinstance(node, cst.Name) and (function_path(context), node.value) in context.summary.fixed_names:
        return True  # read from a file the module names, through its own helpers
    if isinstance(node, cst.Name) and depth > 0:
        found = reaching_definitions(context, node)
        if found and OUTSIDE not in found:
            return all(d.value is not None and _from_constants(context, d.value, depth - 1) for d in found)
    return False


def _from_constants(context: FileContext, node: cst.CSTNode, depth: int) -> bool:
    for part in _expression_parts(node):
        if isinstance(part, (cst.Attribute, cst.Name)):
            qualified = context.qualified_name(part)
            if qualified is not None and qualified.startswith(_RUNTIME_INPUTS):
                return False
        if not isinstance(part, cst.Name) or part.value.startswith("__"):
            continue
        if context.qualified_name(part) is not None:
            continue  # an imported module or function
        if part.value in ("True", "False", "None") or depth <= 0:
            if depth <= 0:
                return False
            continue
        if not _module_constant(context, part, depth - 1):
            return False
    return True


def _module_constant(context: FileContext, name: cst.Name, depth: int) -> bool:
    """A name of the module (not of the function) assigned once from constants."""
    if context.enclosing_function() is None:
        found = reaching_definitions(context, name)
        return bool(found) and OUTSIDE not in found and all(
            d.value is not None and _from_constants(context, d.value, depth) for d in found
        )
    function = context.enclosing_function()
    if name.value in {p.name.value for p in parameters(function)} or context.bindings(function).is_bound(name.value):
        local = reaching_definitions(context, name)
        return bool(local) and OUTSIDE not in local and all(
            d.value is not None and _from_constants(context, d.value, depth) for d in local
        )
    context.require_seen([name.value])
    assign = context.bindings(context.module).single_assignment(name.value)
    return assign is not None and _from_constants(context, assign.value, depth)


def _expression_parts(node: cst.CSTNode):
    """Every node of an expression, the attribute names of `a.b` and keywords of calls
    left out (only `a` and the arguments' values are read)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, cst.Attribute):
            stack.append(current.value)
        elif isinstance(current, cst.Arg):
            stack.append(current.value)  # not the keyword's name
        elif isinstance(current, (cst.Lambda, cst.BaseComp)):
            continue
        else:
            stack.extend(current.children)
