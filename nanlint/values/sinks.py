"""Where a value goes: into a ranking or the logits of a categorical draw, where -inf is
a value like any other (last in the order, a probability of 0), not an error."""

from __future__ import annotations

from typing import Sequence

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.values.calls import callee
from nanlint.values.flow import uses_of_assigned_name

# Calls that read their first argument only by its order.
_RANKINGS = frozenset(
    f"{module}.{function}"
    for module in ("torch", "numpy", "jax.numpy", "tensorflow", "tensorflow.math")
    for function in ("argmax", "argmin", "argsort", "sort", "topk", "top_k")
) | frozenset(("jax.lax.top_k", "tensorflow.nn.top_k"))
_RANKING_METHODS = frozenset(("argmax", "argmin", "argsort", "sort", "topk"))
# Categorical draws and where their logits go: (position, keyword).
_LOGITS = {
    "tensorflow.random.categorical": (0, "logits"),
    "tensorflow.multinomial": (0, "logits"),
    "jax.random.categorical": (1, "logits"),
    "torch.distributions.Categorical": (None, "logits"),
    "torch.distributions.categorical.Categorical": (None, "logits"),
    "torch.distributions.OneHotCategorical": (None, "logits"),
}


def only_ranked(context: FileContext, depth: int = 2) -> bool:
    """Whether the value of the node being visited, shifted or scaled on the way
    (`log(p) + gumbel`, `log(p) / temperature`), is only ranked (`argmax`, `sort`,
    `topk`, a comparison) or drawn from as logits (`tf.random.categorical(log(p), 1)`),
    directly or through the one name it is assigned to."""
    return _only_ranked(context, list(context.ancestors), depth)


def _only_ranked(context: FileContext, path: Sequence[cst.CSTNode], depth: int) -> bool:
    index = len(path) - 1
    node = path[index]
    while index > 0:
        holder = path[index - 1]
        if isinstance(holder, cst.BinaryOperation) and isinstance(
            holder.operator, (cst.Add, cst.Subtract, cst.Multiply, cst.Divide)
        ):
            node, index = holder, index - 1  # a logit shifted by noise or scaled by a temperature
            continue
        if isinstance(holder, cst.UnaryOperation) and isinstance(holder.operator, cst.Minus):
            node, index = holder, index - 1
            continue
        break
    holder = path[index - 1] if index > 0 else None
    if isinstance(holder, cst.Comparison):
        return True
    if isinstance(holder, cst.Attribute) and holder.value is node and index > 1:
        call = path[index - 2]
        return isinstance(call, cst.Call) and call.func is holder and holder.attr.value in _RANKING_METHODS
    if isinstance(holder, cst.Arg) and index > 1 and isinstance(path[index - 2], cst.Call):
        return _ranks_argument(context, path[index - 2], holder)
    if isinstance(holder, cst.Assign) and depth > 0:
        uses = uses_of_assigned_name(context, path[: index + 1])
        return bool(uses) and all(_only_ranked(context, trail, depth - 1) for _, _, _, trail in uses)
    return False


def _ranks_argument(context: FileContext, call: cst.Call, arg: cst.Arg) -> bool:
    qualified, _ = callee(context, call)
    position = next(i for i, a in enumerate(call.args) if a is arg)
    if qualified in _RANKINGS:
        return position == 0 and arg.keyword is None
    if qualified in _LOGITS:
        at, keyword = _LOGITS[qualified]
        named = arg.keyword is not None and arg.keyword.value == keyword
        return named or (arg.keyword is None and at is not None and position == at)
    return False
