"""API facts as data: which library functions compute the same thing.

One place names the functions of every library a rule knows, so that a rule asks for
"a log" or "a softmax" and TensorFlow's `tf.math.log` and Keras' `K.log` come with
torch's and NumPy's. Each family is a tuple of qualified names.
"""

from __future__ import annotations

from typing import Iterable, Tuple


def _qualified(modules: Iterable[str], functions: Iterable[str]) -> Tuple[str, ...]:
    functions = tuple(functions)
    return tuple(f"{module}.{function}" for module in modules for function in functions)


# The Keras backend under its names: standalone Keras, tf.keras, Keras 3's ops.
_KERAS = ("keras.backend", "tensorflow.keras.backend", "tensorflow.python.keras.backend")

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
SATURATING_LAYERS = {"Sigmoid": "sigmoid", "Softmax": "softmax", "Softmax2d": "softmax"}
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
