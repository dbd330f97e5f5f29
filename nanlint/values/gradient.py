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
from typing import Optional, Sequence

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.values.api import (
    BACKWARD_METHODS,
    DETACHING_METHODS,
    ENABLE_GRAD,
    NO_GRAD,
    SHAPE_METHODS,
    starts_tape_backward,
)
from nanlint.values.calls import argument, callee
from nanlint.values.definitions import OUTSIDE
from nanlint.values.flow import reaching_values, uses_of_assigned_name
from nanlint.values.summary import Path
from nanlint.values.zeros import parameters

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
        return path not in summary.backward_starters or not _after_last_backward(context)
    if path in summary.no_gradient_paths:
        return False
    return bool(summary.parameters) and _reads_parameter(node, summary.parameters)


def _after_last_backward(context: FileContext) -> bool:
    """Whether the node being visited runs after its function's last backward call:
    a statement before it (in its block or a block around it) starts a backward pass,
    and neither its own statement nor one after it does (`loss.backward()` then a
    gradient norm for the log; `tape.gradient(loss, variables)` then a hand-written
    update). A loop that calls `backward()` later in its body differentiates what
    comes before."""
    path = context.ancestors
    after = False
    for index in range(len(path) - 1, 0, -1):
        node, block = path[index], path[index - 1]
        if isinstance(block, cst.FunctionDef):
            break
        if not isinstance(block, (cst.IndentedBlock, cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            continue
        siblings = block.body
        position = next((i for i, sibling in enumerate(siblings) if sibling is node), None)
        if position is None:
            continue
        if any(_starts_backward(context, sibling, ends=True) for sibling in siblings[position + 1:]):
            return False
        if not after and isinstance(block, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            if _starts_backward(context, node, ends=True):
                return False  # `torch.sqrt(d).mean().backward()`
        after = after or any(_starts_backward(context, sibling, ends=False) for sibling in siblings[:position])
    return after


def _starts_backward(context: FileContext, tree: cst.CSTNode, ends: bool) -> bool:
    """Whether `tree` calls `backward()`, `tape.gradient(...)` or `optimizer.minimize(...)`,
    outside the functions it defines; with `ends`, also TF1's `tf.gradients(...)`, which
    differentiates what comes before it, but whose results stay in the graph: a
    gradient penalty built from them after it is differentiated by a later `minimize`
    (`torch.autograd.grad` likewise, left out both ways)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and node is not tree:
            continue
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute):
                method = func.attr.value
                if method in BACKWARD_METHODS:
                    return True
                owner = func.value
                name = owner.attr.value if isinstance(owner, cst.Attribute) else getattr(owner, "value", None)
                if (ends or method != "gradients") and starts_tape_backward(
                    method, name, isinstance(owner, cst.Call), len(node.args)
                ):
                    return True
        stack.extend(node.children)
    return False


# Tensors built from numbers, and results no gradient comes back through.
_CONSTANT_TENSORS = frozenset(
    f"torch.{name}" for name in (
        "arange", "linspace", "logspace", "meshgrid", "zeros", "ones", "full", "eye", "empty", "tensor",
        "as_tensor", "zeros_like", "ones_like", "full_like", "randn", "rand", "randint", "randperm",
        "argmax", "argmin", "argsort", "unique", "bucketize", "searchsorted", "nonzero", "where",
    )
)
_CUT_METHODS = frozenset((*DETACHING_METHODS, "long", "int", "bool", "argmax", "argmin",
                          "argsort", "unique", "nonzero", "size", "dim", "numel"))
_CUT_ATTRIBUTES = frozenset(("data", "shape", "dtype", "device", "ndim", "T_data"))
# Counts that data carries (a graph's node degrees, sequence lengths, class counts):
# integers of the input's structure, which no gradient comes back through.
_COUNTS = re.compile(r"^(in_|out_)?(degrees?|deg)(_in|_out)?$|^(counts?|lengths?|lens|num_\w+|n_\w+)$")


def value_carries_gradient(context: FileContext, node: cst.CSTNode, depth: int = 3) -> bool:
    """Whether a gradient can come back through `node`'s value: not when it is built
    only from numbers, constant tables (`torch.arange`, `meshgrid`, `zeros`), shapes,
    counts the data carries (`graph.degree_in`, `batch.lengths`), and results that cut
    the graph (`detach()`, `argmax`, `unique`, `.item()`),
    directly or through every assignment that reaches a name. A parameter, an
    attribute or anything unknown may carry one."""
    kind = type(node)
    if kind in (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString):
        return False
    if kind is cst.Attribute:
        attr = node.attr.value
        return attr not in _CUT_ATTRIBUTES and not _COUNTS.match(attr)
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
            if qualified is None and not _selfless_call(context, node.func):
                parts.append(node.func.value)  # a method's receiver; not a library's module
        elif qualified is None:
            # A function of this module that detaches what it returns, or else one of
            # the module's or of the caller's: unknown.
            return not _calls_detaching(context, node.func)
        return any(value_carries_gradient(context, part, depth) for part in parts)
    if kind is cst.BinaryOperation:
        return value_carries_gradient(context, node.left, depth) or value_carries_gradient(context, node.right, depth)
    if kind is cst.UnaryOperation:
        return value_carries_gradient(context, node.expression, depth)
    if kind is cst.Subscript:
        return value_carries_gradient(context, node.value, depth)
    if kind in (cst.Tuple, cst.List):
        return any(value_carries_gradient(context, e.value, depth) for e in node.elements)
    if kind is cst.Name and node.value in ("True", "False", "None"):
        return False
    if kind is cst.Name and depth > 0:
        values = reaching_values(context, node, sources=True)
        if values == [OUTSIDE] and (_undifferentiated_argument(context, node) or _target_parameter(context, node)):
            return False  # `jax.grad(loss_fn)` differentiates `params`, not the batch; a loss, not its target
        if values and _MASK_NAME.match(node.value):
            # A mask handed in is data that selects (`mask: Tensor = None`); one the
            # function computes (`mask = torch.sigmoid(self.logits)`) is judged by its value.
            values = [v for v in values if v is not OUTSIDE]
            if not values:
                return False
        if not values or any(v is OUTSIDE or v is None for v in values):
            return True  # a parameter, an outer value, or a value the code does not show
        return any(value_carries_gradient(context, v, depth - 1) for v in values)
    return True


def _selfless_call(context: FileContext, func: cst.Attribute) -> bool:
    """`self.masked_mean(...)` where every method of that name in the module never reads
    `self`: its result comes from the arguments alone, not from the object's weights."""
    return (
        isinstance(func.value, cst.Name) and func.value.value == "self"
        and func.attr.value in context.summary.selfless_methods
    )


def _undifferentiated_argument(context: FileContext, name: cst.Name) -> bool:
    """Whether `name` is a parameter of the function being visited in a position JAX's
    transform does not differentiate it in (`target` in `def loss_fn(params, target)`
    given to `jax.value_and_grad(loss_fn)`)."""
    positions = context.summary.argnums.get(function_path(context))
    function = context.enclosing_function()
    if positions is None or function is None:
        return False
    names = [p.name.value for p in (*function.params.posonly_params, *function.params.params)]
    return name.value in names and names.index(name.value) not in positions


# A loss's two sides by their conventional names: the target is data, the prediction is
# what the model computed (`def __call__(self, y, y_hat)`, `loss(y_true, y_pred)`).
_TARGET_NAME = re.compile(r"^(y|y_true|y_gt|target|targets|gt|ground_truth|labels?)$")
_PREDICTION_NAME = re.compile(r"^(y_hat|y_pred|y_est|preds?|predictions?|outputs?|logits|x_hat|est|estimate)$")


_MASK_NAME = re.compile(r"^(\w+_)?masks?$")


def _target_parameter(context: FileContext, name: cst.Name) -> bool:
    """Whether `name` is the target parameter of a function that takes a prediction too:
    what it is compared with is the data, and no gradient comes back through it."""
    function = context.enclosing_function()
    if function is None or not _TARGET_NAME.match(name.value):
        return False
    names = [p.name.value for p in parameters(function)]
    return name.value in names and any(_PREDICTION_NAME.match(other) for other in names)


def _calls_detaching(context: FileContext, func: cst.BaseExpression) -> bool:
    """`unsqueeze(...)` where `unsqueeze`, nested in the function being visited or one
    of the module's, returns only detached values."""
    if not isinstance(func, cst.Name):
        return False
    detaching = context.summary.detaching
    path = function_path(context)
    return path + (func.value,) in detaching or (func.value,) in detaching


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


# -- gradients -----------------------------------------------------------------------
# Results that carry no gradient: bucket and sort indexes, argmax, comparisons, Python numbers.
_NO_GRADIENT = ("torch.bucketize", "torch.searchsorted", "torch.argmax", "torch.argmin", "torch.argsort")
_NO_GRADIENT_METHODS = (*DETACHING_METHODS, "argmax", "argmin", "argsort", "long", "int", "bool")


def feeds_no_gradient(context: FileContext) -> bool:
    """Whether the value of the node being visited never reaches autograd: it is only
    bucketed, compared, taken the argmax of or turned into a Python number, directly
    or through the one name it is assigned to (`d = torch.sqrt(...)` and then only
    `torch.bucketize(d, bins)`). An infinite gradient that nothing asks for is harmless."""
    path = _reshaped(context, _KEEPING_SHAPE)  # `sqrt(...).unsqueeze(1).detach()`: a reshape is the same value
    return _feeds_no_gradient(context, path, 2)


def _feeds_no_gradient(context: FileContext, path: list, depth: int) -> bool:
    if len(path) < 3:
        return False
    if _drops_gradient_above(context, path):
        return True
    # What is computed from the value elementwise (`20 * log10(root / 16 + eps)`) carries
    # its gradient: it is the name that result is assigned to whose uses count.
    uses = uses_of_assigned_name(context, _through_arithmetic(context, path))
    # A use that is reshaped or indexed into the name again (`epe = epe.view(-1)[valid]`)
    # passes the value on: it is that assignment's uses that count.
    return bool(uses) and all(
        _drops_gradient_above(context, trail)
        or depth > 0 and _feeds_no_gradient(context, _selected(_reshaped_path(trail, _KEEPING_SHAPE)), depth - 1)
        for _, _, _, trail in uses
    )


# Elementwise functions: their result is the value's, for where its gradient goes.
_ELEMENTWISE = frozenset(
    f"{library}.{function}" for library in ("torch", "numpy", "jax.numpy")
    for function in ("log", "log2", "log10", "log1p", "exp", "abs", "sqrt", "square", "tanh", "sigmoid")
)


def _through_arithmetic(context: FileContext, path: list) -> list:
    """`path` climbed up through the arithmetic and elementwise functions around its value."""
    while len(path) > 2:
        node, parent = path[-1], path[-2]
        if isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation)):
            path = path[:-1]
        elif (
            isinstance(parent, cst.Arg) and len(path) > 3 and isinstance(path[-3], cst.Call)
            and path[-3].args and path[-3].args[0] is parent
            and (context.qualified_name(path[-3].func) or "") in (*_ELEMENTWISE, *_REDUCING)
        ):
            path = path[:-2]  # `torch.log10(x)`, `torch.max(x)`
        elif (
            isinstance(parent, cst.Attribute) and parent.value is node and len(path) > 3
            and isinstance(path[-3], cst.Call) and path[-3].func is parent
            and parent.attr.value in (*_REDUCING_METHODS, *_KEEPING_SHAPE)
        ):
            path = path[:-2]  # `x.max()`, `x.view(-1)`
        else:
            break
    return path


def _selected(path: list) -> list:
    """`path` ended at the index of its value (`x[valid]`): a selection of the same value."""
    while len(path) > 2 and isinstance(path[-2], cst.Subscript) and path[-2].value is path[-1]:
        path = path[:-1]
    return path


# Reductions a value can pass through on its way to `.item()` (`torch.max(norms).item()`):
# the gradient of the result is the gradient of the value.
_REDUCING = (
    "torch.max", "torch.min", "torch.amax", "torch.amin", "torch.sum", "torch.mean", "torch.abs",
    "jax.numpy.max", "jax.numpy.min", "jax.numpy.sum", "jax.numpy.mean", "jax.numpy.abs",
    *(f"tensorflow.{p}reduce_{r}" for p in ("", "math.") for r in ("mean", "sum", "max", "min")),
)
# Where logged values go: TensorBoard summaries, experiment trackers. Nothing differentiates
# a summary, so a root only logged (the RMS of a generated waveform) has no gradient to spoil.
_LOGGING = ("tensorflow.summary.", "tensorflow.compat.v1.summary.", "wandb.", "mlflow.")
_LOGGING_METHODS = frozenset(("add_scalar", "add_scalars", "add_histogram", "log_metric", "log_metrics"))
_REDUCING_METHODS = ("max", "min", "amax", "amin", "sum", "mean", "abs")


def _drops_gradient_above(context: FileContext, trail: list) -> bool:
    """Whether the value at the end of `trail` (a path down from its function) is only
    compared, bucketed or made a Python number, after reductions on the way."""
    index = len(trail) - 1
    while index >= 2:
        node, parent, above = trail[index], trail[index - 1], trail[index - 2]
        if _drops_gradient(context, node, parent, above):
            return True
        if isinstance(parent, cst.Arg) and isinstance(above, cst.Call) and above.args and above.args[0] is parent:
            if context.qualified_name(above.func) in _REDUCING:
                index -= 2
                continue
        if isinstance(parent, cst.Attribute) and parent.value is node and isinstance(above, cst.Call):
            if above.func is parent and parent.attr.value in (*_REDUCING_METHODS, *_KEEPING_SHAPE):
                index -= 2
                continue
        if isinstance(parent, cst.Subscript) and parent.value is node:
            index -= 1
            continue
        if isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation)):
            index -= 1  # `energy - peak + range > 0`: arithmetic on the way to a comparison
            continue
        return False
    return False


def ruled_out_by_code(context: FileContext) -> bool:
    """Whether the function itself rules out that the value of the node being visited
    is 0, through the one name it is assigned to (one walk over its reads):
    - it divides by the value as it is (`dist = (pos[i] - pos[j]).pow(2).sum(-1).sqrt()`
      and then `vec / dist.view(-1, 1)`), so its forward is inf or NaN wherever the value
      is 0, before any gradient: its author knows it is never 0 there (distinct atoms, a
      radius graph without self loops);
    - or it checks the value in an `assert` or in an `if` that raises (`sigma =
      sigma_sq.sqrt()` then `assert not torch.isclose(sigma, 0 * sigma).all()`).
    A finding about the value at 0 would be about a case the code already excludes."""
    for use, _, _, trail in uses_of_assigned_name(context, _reshaped(context)) or ():
        if _divides_by(use, trail):
            return True
        for index, node in enumerate(trail):
            if isinstance(node, cst.Assert) and _within(trail, index, node.test):
                return True
            if isinstance(node, cst.If) and _within(trail, index, node.test) and _raises(node.body):
                return True
    return False


def _divides_by(use: cst.Name, trail: list) -> bool:
    """Whether the read `use`, up through reshapes and indexing (`dist.view(-1, 1)`,
    `norm[:, None]`), is the denominator of a quotient."""
    node, index = use, len(trail) - 1
    while index > 0:
        holder = trail[index - 1]
        if isinstance(holder, cst.Attribute) and holder.value is node and index > 1:
            call = trail[index - 2]
            if isinstance(call, cst.Call) and call.func is holder and holder.attr.value in SHAPE_METHODS:
                node, index = call, index - 2
                continue
        if isinstance(holder, cst.Subscript) and holder.value is node:
            node, index = holder, index - 1
            continue
        break
    holder = trail[index - 1] if index > 0 else None
    return isinstance(holder, cst.BinaryOperation) and isinstance(holder.operator, cst.Divide) and holder.right is node


def _reshaped(context: FileContext, through: Sequence[str] = SHAPE_METHODS) -> list:
    """The path down to the node being visited, ended at its reshape (`x.sqrt().squeeze(-1)`):
    a reshaped value is the same value. `through`: the methods that reshape."""
    return _reshaped_path(list(context.ancestors), through)


def _reshaped_path(path: list, through: Sequence[str]) -> list:
    while (
        len(path) > 2
        and isinstance(path[-2], cst.Attribute)
        and path[-2].value is path[-1]
        and isinstance(path[-3], cst.Call)
        and path[-3].func is path[-2]
        and path[-2].attr.value in through
    ):
        path = path[:-2]
    return path


# Reshapes that keep the gradient: `.detach()` and `.numpy()` are where it ends.
_KEEPING_SHAPE = tuple(method for method in SHAPE_METHODS if method not in DETACHING_METHODS)


def _within(trail, index: int, part: cst.CSTNode) -> bool:
    return index + 1 < len(trail) and trail[index + 1] is part


def _raises(body: cst.BaseSuite) -> bool:
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    for statement in statements:
        lines = statement.body if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else []
        if any(isinstance(line, cst.Raise) for line in lines):
            return True
    return False




def _drops_gradient(
    context: FileContext, node: cst.CSTNode, parent: cst.CSTNode, grandparent: Optional[cst.CSTNode]
) -> bool:
    if isinstance(parent, cst.ComparisonTarget) or (isinstance(parent, cst.Comparison) and parent.left is node):
        return True  # a bool
    if isinstance(parent, cst.Arg) and isinstance(grandparent, cst.Call):
        qualified, method = callee(context, grandparent)
        if qualified is not None:
            return qualified in _NO_GRADIENT or qualified.startswith(_LOGGING)
        return method in _LOGGING_METHODS  # `writer.add_scalar("rms", rms, step)`
    if isinstance(parent, cst.Attribute) and parent.value is node and isinstance(grandparent, cst.Call):
        return grandparent.func is parent and parent.attr.value in _NO_GRADIENT_METHODS
    if isinstance(parent, cst.Assign) and parent.value is node and len(parent.targets) == 1:
        return _stored_as_metric(parent.targets[0].target)
    return False


# Dictionaries of what is reported, not trained on: `stats["metric/psnr"] = ...`, the
# auxiliary output of `jax.value_and_grad(..., has_aux=True)`, which nothing differentiates.
_METRIC_DICTS = frozenset(("metrics", "metric_dict", "stats", "statistics", "scalars", "summaries"))


def _stored_as_metric(target: cst.BaseExpression) -> bool:
    """`stats["metric/jacobian_curl"] = ...`, `metrics["psnr"] = ...`: a string key of a
    dictionary of metrics."""
    if not (isinstance(target, cst.Subscript) and len(target.slice) == 1):
        return False
    key = target.slice[0].slice
    if not (isinstance(key, cst.Index) and isinstance(key.value, cst.SimpleString)):
        return False
    container = target.value.value if isinstance(target.value, cst.Name) else None
    return container in _METRIC_DICTS or key.value.evaluated_value.lower().startswith("metric")


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


_INVERSE_WORDS = frozenset(("reverse", "inverse", "invert"))


def in_inverse_direction(context: FileContext) -> bool:
    """Whether the node being visited is in the inverse direction of an invertible layer:
    a function named for it (`def inverse(self, z)`, `reverse_flow`) or the branch of
    `if reverse:` (`else` of `if not reverse:`). A flow samples through it, and its
    log-determinant is the forward one negated: what is wrong there is wrong, and
    found, in the forward direction that trains."""
    path = context.ancestors
    for index in range(len(path) - 1, 0, -1):
        node, parent = path[index], path[index - 1]
        if isinstance(node, cst.FunctionDef) and not _INVERSE_WORDS.isdisjoint(node.name.value.lower().split("_")):
            return True
        if isinstance(parent, cst.If) and node is not parent.test:
            negated = isinstance(parent.test, cst.UnaryOperation) and isinstance(parent.test.operator, cst.Not)
            test = parent.test.expression if negated else parent.test
            name = test.attr.value if isinstance(test, cst.Attribute) else test.value if isinstance(test, cst.Name) else ""
            if name.lower() in _INVERSE_WORDS and (node is parent.orelse) == negated:
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
