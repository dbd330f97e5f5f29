"""Where a value goes: into a ranking or the logits of a categorical draw, where -inf is
a value like any other (last in the order, a probability of 0), not an error; into an
image, where a NaN is a black pixel of an input that was constant anyway."""

from __future__ import annotations

import re
from typing import Sequence

import libcst as cst

from nanlint.linting.context import FileContext
from nanlint.values.api import SHAPE_METHODS
from nanlint.values.calls import callee
from nanlint.values.flow import uses_of_assigned_name

# Calls that read their first argument only by its order.
# And the tests for a non-finite value, which a -inf passes as it should (a log taken only
# to find where it is -inf).
_RANKINGS = frozenset(
    f"{module}.{function}"
    for module in ("torch", "numpy", "jax.numpy", "tensorflow", "tensorflow.math")
    for function in ("argmax", "argmin", "argsort", "sort", "topk", "top_k", "isinf", "isneginf", "isnan", "isfinite")
) | frozenset(("jax.lax.top_k", "tensorflow.nn.top_k", "tensorflow.math.is_inf", "tensorflow.math.is_finite"))
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
    `topk`, a comparison), tested for a non-finite value (`torch.isinf`) or drawn from as
    logits (`tf.random.categorical(log(p), 1)`), directly or through the one name it is
    assigned to."""
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


# Where an image is made of a value: 8-bit pixels, an image writer, a plot.
_PIXEL_TYPES = ("uint8", "numpy.uint8", "torch.uint8")
_DISPLAYS = frozenset(("imshow", "imsave", "imwrite", "save_image", "add_image", "add_images", "fromarray",
                       "contour", "contourf", "pcolormesh", "matshow",
                       # Media a TensorBoard writer logs: a sample to listen to or watch.
                       "add_audio", "add_video"))
# What a value passes through on its way there: scaled to 0..255, clamped, colour-mapped,
# flipped, reshaped, moved off the device.
_ON_THE_WAY_METHODS = frozenset((*SHAPE_METHODS, "clamp", "clip", "flip", "mul", "T", "squeeze", "permute"))
_ON_THE_WAY = frozenset((
    "numpy.clip", "numpy.flip", "numpy.transpose", "numpy.squeeze", "torch.clamp", "torch.flip",
    # The same values in another container: `torch.Tensor(audio)` for a writer.
    "torch.Tensor", "torch.tensor", "torch.as_tensor", "torch.from_numpy", "numpy.asarray", "numpy.array",
))


def only_displayed(context: FileContext, depth: int = 2) -> bool:
    """Whether the value of the node being visited is only turned into an image: 8-bit
    pixels (`.astype(np.uint8)`, `np.uint8(...)`, `.byte()`), an image writer or a plot,
    through scaling, clamping, colour maps and the one name it is assigned to. A NaN
    there is a black picture of an input that was constant anyway, not a NaN in training."""
    return _only_displayed(context, list(context.ancestors), depth)


def _only_displayed(context: FileContext, path: Sequence[cst.CSTNode], depth: int) -> bool:
    index = len(path) - 1
    while index > 0:
        node, holder = path[index], path[index - 1]
        above = path[index - 2] if index > 1 else None
        if isinstance(holder, (cst.BinaryOperation, cst.UnaryOperation, cst.Subscript)):
            index -= 1
            continue
        if isinstance(holder, cst.Attribute) and holder.value is node:
            if holder.attr.value == "T" and not isinstance(above, cst.Call):
                index -= 1
                continue
            if isinstance(above, cst.Call) and above.func is holder:
                if _to_pixels(context, above, holder.attr.value) or holder.attr.value in _DISPLAYS:
                    return True
                if holder.attr.value in _ON_THE_WAY_METHODS:
                    index -= 2
                    continue
            return False
        if isinstance(holder, cst.Arg) and isinstance(above, cst.Call):
            qualified, method = callee(context, above)
            name = (qualified or "").rsplit(".", 1)[-1] or method or ""
            if qualified in _PIXEL_TYPES or name in _DISPLAYS:
                return True
            if qualified in _ON_THE_WAY or (qualified or "").startswith("matplotlib.cm.") or _is_colormap(above):
                index -= 2
                continue
            return False
        if isinstance(holder, cst.Assign) and depth > 0:
            uses = uses_of_assigned_name(context, path[: index + 1])
            return bool(uses) and all(_only_displayed(context, trail, depth - 1) for _, _, _, trail in uses)
        return False
    return False


def _to_pixels(context: FileContext, call: cst.Call, method: str) -> bool:
    """`x.astype(np.uint8)`, `x.astype('uint8')`, `x.byte()`, `x.to(torch.uint8)`."""
    if method == "byte" and not call.args:
        return True
    if method in ("astype", "to", "type") and call.args:
        target = call.args[0].value
        if isinstance(target, cst.SimpleString):
            return target.evaluated_value == "uint8"
        return context.qualified_name(target) in _PIXEL_TYPES
    return False


def _is_colormap(call: cst.Call) -> bool:
    """`cm.magma(x)`, `plt.cm.viridis(x)`, `cmap(x)`: colours of a value in [0, 1]."""
    func = call.func
    if isinstance(func, cst.Attribute):
        owner = func.value
        return isinstance(owner, cst.Name) and owner.value == "cm" or (
            isinstance(owner, cst.Attribute) and owner.attr.value == "cm"
        )
    return isinstance(func, cst.Name) and func.value in ("cmap", "colormap")


def is_psnr(context: FileContext) -> bool:
    """Whether the log being visited computes a PSNR: in a function named for one
    (`def psnr(pred, target)`, `_psnr`, `compute_psnr`), or assigned, through its
    arithmetic, to a name that says so (`psnr = -10 * torch.log10(mse)`). Its -inf for an
    MSE of exactly 0 is an infinite PSNR, the right answer for identical images."""
    path = context.ancestors
    index = len(path) - 1
    while index > 0 and isinstance(path[index - 1], (cst.BinaryOperation, cst.UnaryOperation)):
        index -= 1
    holder = path[index - 1] if index > 0 else None
    if isinstance(holder, cst.Assign) and any(
        isinstance(t.target, cst.Name) and "psnr" in t.target.value.lower() for t in holder.targets
    ):
        return True
    function = context.enclosing_function()
    return function is not None and "psnr" in function.name.value.lower()


# Words of a function, a file or a folder that draws: `def plot(self, sample)`,
# `draw_point_cloud`, `to_raster`, `sbi/analysis/plot.py`, `visualizer/pc_utils.py`.
_DRAWING_WORDS = frozenset((
    "plot", "plots", "plotting", "draw", "drawing", "show", "visualize", "visualise",
    "visualization", "visualisation", "visualizer", "visualiser", "vis", "viz", "raster",
    "graphics", "imshow",
))


def in_drawing_code(context: FileContext) -> bool:
    """Whether the node being visited is in a function, a file or a folder named for
    drawing. What it computes becomes a picture, where a NaN of a constant input is a
    blank image, not a NaN in training."""
    for node in context.ancestors:
        if isinstance(node, cst.FunctionDef) and not _DRAWING_WORDS.isdisjoint(_words(node.name.value)):
            return True
    parts = re.split(r"[\\/]", context.filename)
    stem = parts[-1].rsplit(".", 1)[0]
    return any(not _DRAWING_WORDS.isdisjoint(_words(part)) for part in (stem, *parts[-3:-1]))


def _words(name: str) -> list:
    """`draw_point_cloud` and `drawPointCloud` both give draw, point, cloud."""
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower().split("_")


def compared_after(context: FileContext) -> bool:
    """Whether the value of the node being visited, through the name it is assigned to,
    is compared (`keep = w > 1e-7`): a NaN there is no blank pixel but a test that fails
    for every element, which drops or keeps them all."""
    for _, parent, _, _ in uses_of_assigned_name(context, list(context.ancestors)) or ():
        if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
            return True
    return False
