"""API facts as data: which library functions compute the same thing.

One place names the functions of every library a rule knows, so that a rule asks for
"a log" or "a softmax" and TensorFlow's `tf.math.log` and Keras' `K.log` come with
torch's and NumPy's. Each family is a tuple of qualified names.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional, Tuple


def _qualified(modules: Iterable[str], functions: Iterable[str]) -> Tuple[str, ...]:
    functions = tuple(functions)
    return tuple(f"{module}.{function}" for module in modules for function in functions)


# The Keras backend under its names: standalone Keras, tf.keras, Keras 3's ops.
_KERAS = ("keras.backend", "tensorflow.keras.backend", "tensorflow.python.keras.backend")
KERAS_BACKENDS = _KERAS

LOG_METHODS = ("log", "log2", "log10")
LOG = (
    _qualified(("torch", "numpy", "jax.numpy"), LOG_METHODS)
    # TensorFlow 1's `tf.log`, TensorFlow 2's `tf.math.log`, Keras' `K.log`.
    + _qualified(("tensorflow", "tensorflow.math", "keras.ops", *_KERAS), ("log",))
)
SOFTMAX = (
    "torch.softmax",
    "torch.nn.functional.softmax",
    "torch.special.softmax",
    "jax.nn.softmax",
    "scipy.special.softmax",
    "tensorflow.nn.softmax",
    "tensorflow.math.softmax",
    "keras.activations.softmax",
    "tensorflow.keras.activations.softmax",
    "keras.ops.softmax",
    *_qualified(_KERAS, ("softmax",)),
)
SIGMOID = (
    "torch.sigmoid",
    "torch.nn.functional.sigmoid",
    "torch.special.expit",
    "jax.nn.sigmoid",
    "jax.scipy.special.expit",
    "scipy.special.expit",
    "tensorflow.sigmoid",
    "tensorflow.math.sigmoid",
    "tensorflow.nn.sigmoid",
    "keras.activations.sigmoid",
    "tensorflow.keras.activations.sigmoid",
    "keras.ops.sigmoid",
    *_qualified(_KERAS, ("sigmoid",)),
)
# `where(cond, a, b)`: a value of either branch.
WHERE = ("torch.where", "numpy.where", "jax.numpy.where", "tensorflow.where", *_qualified(_KERAS, ("switch",)))
# Layers whose output is a probability: the last layer of a model makes its output one.
SATURATING_LAYERS = {"Sigmoid": "sigmoid", "Softmax": "softmax", "Softmax2d": "softmax", "Softplus": "softplus"}
# softplus(x) = log(1 + exp(x)) underflows to exactly 0 where sigmoid does (x below
# about -104 in float32): a positive scale made with it (a VAE's std) still logs to -inf.
SOFTPLUS = (
    "torch.nn.functional.softplus",
    "jax.nn.softplus",
    "tensorflow.nn.softplus",
    "tensorflow.math.softplus",
    "keras.activations.softplus",
)
# Where each library keeps the exact log of a softmax and of a sigmoid, by the module
# of the log that was taken.
LOG_SOFTMAX_HOME = {
    "torch": "torch.",
    "numpy": "scipy.special.",
    "jax.numpy": "jax.nn.",
    "tensorflow": "tensorflow.nn.",
    "tensorflow.math": "tensorflow.nn.",
}
LOG_SIGMOID = {
    "torch": "torch.nn.functional.logsigmoid",
    "numpy": "scipy.special.log_expit",
    "jax.numpy": "jax.nn.log_sigmoid",
    "tensorflow": "tensorflow.math.log_sigmoid",
    "tensorflow.math": "tensorflow.math.log_sigmoid",
}


TORCH = "torch"
JAX_NUMPY = "jax.numpy"

# Forms a call can take: the qualified names of the function, and the tensor method.
_TF_AND_KERAS = ("tensorflow", "tensorflow.math", "keras.ops", *_KERAS)
# TensorFlow's and Keras' roots have autograd too: `tf.sqrt` of 0 has gradient inf there.
SQRT = ("torch.sqrt", "jax.numpy.sqrt", *_qualified(_TF_AND_KERAS, ("sqrt",)))
# Norms whose gradient at the zero vector is 0/0 = NaN: TensorFlow's and JAX's (torch's
# norms return 0 there). `tf.norm(a - b)` of two equal embeddings is NaN in every weight.
NORM_NAN_AT_ZERO = ("tensorflow.norm", "tensorflow.linalg.norm", "jax.numpy.linalg.norm", "keras.ops.norm")
RSQRT = ("torch.rsqrt", "jax.lax.rsqrt", "tensorflow.math.rsqrt", "tensorflow.rsqrt", "keras.ops.rsqrt")
POW = ("torch.pow", "torch.float_power", "jax.numpy.power", "numpy.power", "numpy.float_power")
SUM = ("torch.sum", "torch.nansum", "jax.numpy.sum", "jax.numpy.nansum", "builtins.sum",
       *_qualified(_TF_AND_KERAS, ("reduce_sum", "sum")))
MEAN = ("torch.mean", "torch.nanmean", "jax.numpy.mean", "jax.numpy.nanmean", *_qualified(_TF_AND_KERAS, ("reduce_mean", "mean")))
# Average pooling is a mean over each window: of squares, 0 on an all-zero window (an
# L2 pooling layer's `sqrt(avg_pool(x ** 2))` after a relu).
AVERAGE_POOLS = (
    *(f"torch.nn.functional.{kind}avg_pool{d}d" for kind in ("", "adaptive_") for d in (1, 2, 3)),
    *(f"tensorflow.nn.avg_pool{d}" for d in ("", "1d", "2d", "3d")),
)
SQUARE = ("torch.square", "jax.numpy.square", "numpy.square", *_qualified(_TF_AND_KERAS, ("square",)))
VARIANCE = ("torch.var", "jax.numpy.var")
# Mean squared errors: 0 wherever the prediction meets its target.
MEAN_SQUARED_ERRORS = (
    "torch.nn.functional.mse_loss", "optax.l2_loss", "optax.squared_error",
    *_qualified(("tensorflow.keras.losses", "keras.losses", "tensorflow.losses", "tensorflow.compat.v1.losses"),
                ("mean_squared_error", "mse")),
)
DOT = ("torch.dot", "torch.inner", "torch.vdot", "jax.numpy.dot", "jax.numpy.inner", "jax.numpy.vdot")
# Products of two matrices or batches of vectors: the `x . y` a squared distance written
# out subtracts twice, `|x|^2 + |y|^2 - 2 x . y`.
PRODUCTS = (
    _qualified(("torch", "numpy", "jax.numpy"), ("mm", "matmul", "bmm", "dot", "inner", "einsum"))
    + _qualified(("tensorflow", "tensorflow.linalg", "keras.ops"), ("matmul", "einsum"))
    + _qualified(_KERAS, ("dot", "batch_dot"))
    + ("torch.nn.functional.linear",)
)
PRODUCT_METHODS = ("mm", "matmul", "bmm", "dot")
# The diagonal of a product of a matrix with its transpose holds its rows' squared norms.
DIAGONALS = _qualified(("torch", "numpy", "jax.numpy"), ("diag", "diagonal", "diag_embed")) + (
    "tensorflow.linalg.diag_part", "tensorflow.diag_part", "tensorflow.compat.v1.diag_part",
)
# Functions that reshape or reorder a value and keep its entries (`tf.expand_dims`).
SHAPE_FUNCTIONS = _qualified(
    ("torch", "numpy", "jax.numpy", "tensorflow"), ("unsqueeze", "expand_dims", "reshape", "transpose", "t", "squeeze")
) + _qualified(_KERAS, ("expand_dims", "reshape", "transpose"))
# Calls that start a backward pass: `loss.backward()`, Lightning's `self.manual_backward(loss)`,
# TensorFlow's `tape.gradient(loss, variables)`, TF1's `tf.gradients(...)` and
# `optimizer.minimize(loss)`; not NumPy's or torch's finite differences (`np.gradient`),
# nor SciPy's `optimize.minimize`.
BACKWARD_METHODS = ("backward", "manual_backward")
TAPE_METHODS = ("gradient", "gradients", "minimize")
_TAPES = re.compile(r"(?i)tape|^g$")
_OPTIMIZERS = re.compile(r"(?i)opt(?!imize$)|solver|trainer")


def starts_tape_backward(method: str, owner: Optional[str], owner_is_call: bool, arguments: int) -> bool:
    """Whether `owner.method(...)` with that many arguments is TensorFlow's backward pass:
    `tape.gradient(loss, variables)` on a tape, `tf.gradients(...)`, `opt.minimize(loss)`
    on an optimizer; not an image gradient (`self.gradient(img)`), not NumPy's
    `np.gradient`, not SciPy's `optimize.minimize`."""
    if method == "gradient":
        return arguments >= 2 and owner is not None and bool(_TAPES.search(owner))
    if method == "gradients":
        return owner in ("tf", "v1")
    if method == "minimize":
        return arguments >= 1 and (owner_is_call or owner is not None and bool(_OPTIMIZERS.search(owner)))
    return False
# Methods whose result no gradient comes back through, whatever the value: a detached
# tensor, a Python number or list, a NumPy array.
DETACHING_METHODS = ("detach", "item", "tolist", "numpy")
NO_GRAD = ("torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad", "torch.autograd.grad_mode.no_grad")
ENABLE_GRAD = ("torch.enable_grad", "torch.autograd.enable_grad")

# -- trigger words (`Rule.triggers`) ------------------------------------------------------
# A rule's `wants()` looks for calls, and a call shows in the text as the name, then
# `(` after any spaces, line breaks, backslashes or comments (`x.sqrt (`, `log  # c⏎(`);
# or the name is imported under another (`from torch import log as ln`). A comment
# must end its line here, which keeps the search linear on a line of `# # # #`.
_CALLED = r"(?:[\s\\]|#[^\n]*\n)*\("
_RENAMED = r"[\s\\]+as\b"


def call_triggers(name: str) -> Tuple[str]:
    """The trigger pattern for a call of `name` (a pattern that starts with a literal):
    one pattern for both spellings, since each pattern searched is a pass over the file."""
    return (f"{name}(?:{_CALLED}|{_RENAMED})",)


# `x ** 0.5`, `x**(.5)`, `x ** 0.50`, `x ** 5e-1`: the constant `ast` reads as 0.5.
HALF_POWER = r"\*\*[\s(\\]*(?:0*\.50*(?:[eE][+-]?0+)?|50*[eE]-0*1)\b"
# log, log2, log10 called, not the `log.info(...)` or `log = getLogger()` of logging.
LOG_TRIGGERS = call_triggers(r"log(?<!\wlog)(?:2|10)?")
# Not Python's `math.sqrt` (no tensor), but TensorFlow's `tf.math.sqrt`.
ROOT_TRIGGERS = (*call_triggers(r"sqrt(?:(?<!math\.sqrt)|(?<=\.math\.sqrt))"), HALF_POWER, *call_triggers("pow"))
# `tf.norm(`, `tf.linalg.norm(`, `jnp.linalg.norm(`, `ops.norm(`: not torch's `.norm(`, whose
# gradient at 0 is 0.
NORM_TRIGGERS = call_triggers(r"norm(?:(?<=linalg\.norm)|(?<=tf\.norm)|(?<=ops\.norm))")
# Standard deviations computed as sqrt(var): their gradient at a constant input is
# 0 * inf = NaN, so an eps added after them protects nothing (JAX's `jnp.std`,
# TensorFlow's `reduce_std`, Keras' `K.std`). Not `torch.std`: its backward is 0 where
# the std is 0 (measured with torch 2.13).
STD_AS_ROOT = ("jax.numpy.std", "tensorflow.math.reduce_std", "keras.ops.std", *_qualified(_KERAS, ("std",)))
STD_TRIGGERS = call_triggers("std")  # `reduce_std(` too; a literal first keeps the search fast

# acos and asin: NaN outside [-1, 1]. `math.acos` raises instead, and is NAN004's.
ARC_METHODS = ("acos", "arccos", "asin", "arcsin")
ARC = (
    _qualified(("torch",), ARC_METHODS)
    + _qualified(("numpy", "jax.numpy", "keras.ops"), ("arccos", "arcsin"))
    + _qualified(("tensorflow", "tensorflow.math"), ("acos", "asin"))
)
# acos, asin, arccos, arcsin in one pattern: one pass over a file, not four. Not
# excluding `math.acos`: that would exclude TensorFlow's `tf.math.acos` too.
ARC_TRIGGERS = call_triggers(r"a(?:rc)?(?:cos|sin)")

# -- exp and what overflows with it (NAN006) --------------------------------------------
# `exp` by library; autograd's `autograd.numpy` is NumPy with gradients, and spells alike.
EXP_LIBRARIES = {
    "torch": "torch",
    "numpy": "numpy",
    "autograd.numpy": "numpy",
    "jax.numpy": "jax",
    "tensorflow": "tensorflow",
    "tensorflow.math": "tensorflow",
    "keras.ops": "tensorflow",
    **{module: "tensorflow" for module in _KERAS},
    "math": "math",
}
EXP_FUNCTIONS = tuple(f"{module}.exp" for module in EXP_LIBRARIES)
LOG_FUNCTIONS = LOG + _qualified(("autograd.numpy", "math"), ("log",))
LOG1P = _qualified(("torch", "numpy", "autograd.numpy", "jax.numpy", "tensorflow.math", "math"), ("log1p",))
EXP_SUM = _qualified(("torch", "numpy", "autograd.numpy", "jax.numpy"), ("sum", "nansum")) + _qualified(
    ("tensorflow", "tensorflow.math", *_KERAS), ("reduce_sum",)
) + _qualified(_KERAS, ("sum",))
# A shift that puts the largest value at 0: `x - x.max()`, `x - np.amax(x, 1, keepdims=True)`,
# `x - torch.logsumexp(x, 1, keepdim=True)` (a log-softmax).
MAXIMA = _qualified(
    ("torch", "numpy", "autograd.numpy", "jax.numpy"), ("max", "amax", "nanmax", "logsumexp")
) + ("builtins.max", "scipy.special.logsumexp", "jax.nn.logsumexp", "jax.scipy.special.logsumexp",
     "tensorflow.reduce_max", "tensorflow.math.reduce_max", "tensorflow.reduce_logsumexp",
     "tensorflow.math.reduce_logsumexp")
MAXIMA_METHODS = ("max", "amax", "nanmax", "logsumexp", "cummax")
# Outputs bounded above by a small constant: exp of them cannot overflow.
BOUNDED_OUTPUTS = SIGMOID + SOFTMAX + _qualified(
    ("torch", "numpy", "autograd.numpy", "jax.numpy", "math"), ("tanh", "sin", "cos", "erf")
) + (
    "torch.nn.functional.tanh", "torch.nn.functional.log_softmax", "torch.log_softmax",
    "torch.nn.functional.logsigmoid", "jax.nn.log_softmax", "jax.nn.log_sigmoid", "jax.nn.tanh",
    "tensorflow.tanh", "tensorflow.math.tanh", "tensorflow.nn.log_softmax", "tensorflow.math.log_sigmoid",
)
BOUNDED_METHODS = ("sigmoid", "tanh", "sin", "cos", "softmax", "log_softmax", "erf")
# Outputs that are never negative: their negation is bounded above by 0.
NONNEGATIVE_OUTPUTS = SIGMOID + SOFTMAX + SOFTPLUS + _qualified(
    ("torch", "numpy", "autograd.numpy", "jax.numpy", "math"), ("abs", "fabs", "exp", "sqrt", "square", "absolute")
) + _qualified(("torch.linalg", "numpy.linalg", "jax.numpy.linalg"), ("norm", "vector_norm")) + (
    "torch.norm", "torch.cdist", "torch.dist", "torch.relu", "torch.nn.functional.relu", "jax.nn.relu",
    "builtins.abs", "scipy.spatial.distance.cdist", "torch.nn.functional.pairwise_distance",
)
NONNEGATIVE_METHODS = ("abs", "exp", "sqrt", "square", "norm", "relu", "sigmoid", "softmax")
# Methods that keep a value the same value, rearranged, cast or moved (reshapes,
# transposes, copies, devices): a 0 stays a 0, a bound stays a bound, a cosine a cosine.
SHAPE_METHODS = (
    "clone", "contiguous", "detach", "double", "expand", "expand_as", "flatten", "float", "half",
    "permute", "reshape", "reshape_as", "squeeze", "t", "to", "transpose", "type_as", "unsqueeze",
    "view", "view_as", "astype", "cpu", "cuda", "numpy",
)
# Each library's exact softplus, and its exact log-sum-exp, by the library of the exp.
SOFTPLUS_HOME = {
    "torch": "torch.nn.functional.softplus",
    "numpy": "numpy.logaddexp",
    "jax": "jax.nn.softplus",
}

EXP_TRIGGERS = call_triggers(r"exp(?<!\wexp)")
