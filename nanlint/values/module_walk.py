"""The one walk of a module's `ast` that the module summary is computed from: each
function's facts (what it calls, whether it records a graph, the words it mentions), and
the module's assignments, returns, classes and imports, by function."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from nanlint.linting.names import CHILD_FIELDS
from nanlint.values.api import BACKWARD_METHODS, starts_tape_backward

# A function, by its path of enclosing classes and functions: `("Loss", "forward")`;
# module-level code is `()`.
Path = Tuple[str, ...]

# Classes whose methods compute a loss: `class FocalLoss(nn.Module)`, `class Criterion`.
LOSS_CLASS = re.compile(r"(?i)loss|criterion|objective")
# Keras layer classes a layer of the code's own may extend (`class L2Pooling(AveragePooling2D)`):
# spelled with a capital D, unlike torch's `Conv2d`.
_KERAS_LAYER = re.compile(
    r"^(Dense|Conv[123]D(Transpose)?|DepthwiseConv2D|SeparableConv[12]D|(Global)?(Average|Max)Pooling[123]D|"
    r"LSTM|GRU|SimpleRNN|Embedding|BatchNormalization|LayerNormalization)$"
)
# Classes that prepare data: their arithmetic runs on inputs, not on parameters.
_DATA_CLASS = re.compile(r"(?i)dataset|dataloader|transform|augment|sampler|collat|preprocess|metric")
# Functions that build or reset weights, and autograd's own backward functions, where
# values are written by hand and no autograd graph is recorded.
# And optimizers written by hand (`def adam(params, grads)`, a TensorFlow optimizer's
# `apply_gradients`): their update is assigned to the weights, never differentiated.
_NO_GRADIENT_ROLE = re.compile(
    r"(?i)(^|_)init(ialize|ialise)?(_|$)|reset_parameters|^backward$|^_?jvp$|^vjp$|"
    r"^apply_gradients$|^_?(resource_)?apply_(dense|sparse)$|^(adam|adamw|adamax|adagrad|rmsprop|sgd|lamb|lars|nadam|radam)\d*(_\w+)?$"
)
# Classes that are optimizers (`class AdamWeightDecayOptimizer(tf.train.Optimizer)`).
_OPTIMIZER_CLASS = re.compile(r"Optimi[sz]er")
# Calls that start a backward pass: `loss.backward()`, `self.manual_backward(loss)`,
# `accelerator.backward(loss)`, `scaler.scale(loss).backward()`, `torch.autograd.grad`.
_BACKWARD_METHODS = frozenset(BACKWARD_METHODS)
# torch's `torch.autograd.grad(loss, params)` differentiates what the caller computed
# before it; JAX's transforms (`jax.grad(loss_fn)`, `value_and_grad`) differentiate only
# the function they are given, which `DIFFERENTIATING` puts in gradient context, not the
# caller's own code (its logging, its optimizer update). A bare `grad(...)` may be either.
_BACKWARD_FUNCTIONS = frozenset(("grad", "backward"))
# Calls that differentiate the function they are given (`jax.grad(loss_fn)`,
# `value_and_grad(partial(energy, params))`), or build it into a model that trains
# (a Keras `Lambda(euclidean_distance)` layer), and the keyword a Keras model is given
# its loss by (`model.compile(loss=contrastive_loss)`).
DIFFERENTIATING = frozenset(("grad", "value_and_grad", "jacrev", "jacfwd", "vjp", "jvp", "hessian", "Lambda",
                              "custom_gradient", "checkpoint", "remat"))
_LOSS_KEYWORDS = frozenset(("loss", "loss_fn", "loss_func", "criterion"))
_JAX_TRANSFORMS = frozenset(("grad", "value_and_grad", "jacrev", "jacfwd", "hessian"))
_NO_GRAD_DECORATORS = frozenset(("no_grad", "inference_mode", "once_differentiable"))
_TYPE_TESTS = frozenset(("isinstance", "issubclass"))
_PARAMETER_CALLS = frozenset(("Parameter", "register_parameter", "UninitializedParameter"))
# Layers without weights: an `nn.Module` built only from these (and fixed tensors such
# as an STFT basis registered as a buffer) learns nothing.
_WEIGHTLESS = re.compile(
    r"^(ReLU6?|LeakyReLU|GELU|SiLU|Mish|ELU|Tanh|Sigmoid|Softmax|LogSoftmax|Softplus|Hardtanh|"
    r"Dropout\w*|Identity|Flatten|Unflatten|\w*Pool[123]d|Upsample|PixelShuffle|\w*Pad[123]d|\w*Tensor)$"
)
# Methods that build a module's layers: `__init__`, and the helpers it hands that to
# (`_init_layers`, `build`, `_make_head`).
_BUILDER = re.compile(r"^__init__$|^_*(init|build|make|create)(_|$)")
# A constructor's call that may return layers, kept as `self.net = build_mlp(...)`,
# `self.encoder = get_encoder(cfg)` (a local `basis = get_window(...)` is no layer).
_LAYER_FACTORY = re.compile(r"(?i)build|make|create|get_|load|from_|layer|block|mlp|net|model|encoder|decoder|module")



@dataclass(frozen=True)
class Unpacked:
    """`a, b = f(x)`: the name at `index` of what `call` returns."""

    call: ast.Call
    index: int


@dataclass
class FunctionFacts:
    path: Path
    class_name: Optional[str]
    calls: Set[str] = field(default_factory=set)  # bare names called: `helper(x)`
    method_calls: Set[str] = field(default_factory=set)  # `self.helper(x)`, `Class.helper(x)`
    starts_backward: bool = False
    no_gradient: bool = False
    # A method whose class is an `nn.Module` that learns nothing: its `forward` is a
    # fixed transform (an STFT, a beamformer) that a gradient reaches only when a caller
    # differentiates through it, so it is no root of gradient context on its own.
    weightless_class: bool = False
    # It hands a function to a transform that differentiates it (`jax.grad(loss_fn)`):
    # it takes gradients, it is not the code they are taken of.
    transforms: bool = False
    words: Set[str] = field(default_factory=set)  # names, attributes, keywords it mentions



class ModuleWalk:
    """The functions of a module (with what each calls), its trainable parameters, the
    words that tell of gradient risks, and what models' outputs need: in one pass."""

    def __init__(self, collect_words: bool, skip_top_level: bool = False) -> None:
        self.collect_words = collect_words
        self.skip_top_level = skip_top_level
        self.functions: List[FunctionFacts] = [FunctionFacts((), None)]
        self.parameters: Set[str] = set()
        self.self_assignments: List[Tuple[str, ast.AST]] = []  # (attr, value) of `self.attr = value`
        self.forwards: List[Tuple[str, ast.AST]] = []  # (class name, its `forward`)
        self.decreased: Set[str] = set()
        self.counted: Set[str] = set()  # `self.n += 1`
        self.accumulated: Set[str] = set()  # `self.sum += value`, `self.sq += value * value`
        self.reading_self: Set[Path] = set()  # functions whose code reads `self`
        # Classes (by path) based on `nn.Module` alone, and those that build something
        # that may hold weights: a layer, a parameter, a value of an unknown builder.
        self.plain_modules: Set[Path] = set()
        self.learning: Set[Path] = set()
        self.constructed: Set[Path] = set()  # classes with an `__init__` of their own
        # For what a module passes its own functions: their parameters, the calls that
        # may reach them, and each function's assignments to plain names.
        self.signatures: Dict[Path, List[str]] = {}
        self.defined_at: Dict[Path, Tuple[int, int]] = {}  # the row and column of each `def`
        self.local_calls: List[Tuple[FunctionFacts, ast.Call]] = []
        self.assigned: Dict[Path, Dict[str, object]] = {}
        self.assignments: Dict[Path, Dict[str, List[ast.AST]]] = {}  # every value, in order
        self.returns: Dict[Path, List[ast.AST]] = {}
        self.imported: Set[str] = set()  # what the module imports at its top level
        self.class_parts: List[FunctionFacts] = []  # each class's header and class-level code
        self.module_classes: Set[str] = set()  # classes based on `nn.Module`
        self.keras_layers: Set[str] = set()  # classes based on a Keras `Layer` or `Model`
        self.differentiated: Set[str] = set()  # functions given to `jax.grad`, a Keras `Lambda`...
        self.argnums: Dict[str, Tuple[int, ...]] = {}  # by function name: what `jax.grad` differentiates
        self.quiet: List[FunctionFacts] = []  # what runs under `no_grad`, as owners of its calls

    def weightless_classes(self) -> Set[Path]:
        """A configured transform: a class without a constructor is more often a
        distance or a loss written as a module, which gradients do run through."""
        return (self.plain_modules & self.constructed) - self.learning

    def run(self, tree: ast.Module) -> None:
        # Each entry: a node and where it runs (the function that owns its calls, the
        # path of names around it, the class it is in, whether that class holds data).
        module = (self.functions[0], (), None, False)
        body = tree.body
        if self.skip_top_level:
            body = [s for s in body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        stack = [(statement, module) for statement in reversed(body)]
        push, pop = stack.append, stack.pop
        collect = self.collect_words
        while stack:
            node, where = pop()
            kind = type(node)
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                owner, path, class_name, data = where
                function = FunctionFacts(path + (node.name,), class_name)
                self.defined_at[function.path] = (node.lineno, node.col_offset)
                function.no_gradient = (
                    data
                    or bool(_NO_GRADIENT_ROLE.search(node.name))
                    or any(last_name(d) in _NO_GRAD_DECORATORS for d in node.decorator_list)
                )
                self.functions.append(function)
                arguments = node.args
                self.signatures[function.path] = [a.arg for a in (*arguments.posonlyargs, *arguments.args)]
                if class_name is not None and node.name == "__init__" and _configures(node):
                    self.constructed.add(path)
                if class_name is not None and node.name in ("forward", "call"):
                    self.forwards.append((class_name, node))
                # Decorators and defaults run where the function is defined.
                for header in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
                    if header is not None:
                        push((header, where))
                inner = (function, function.path, None, data)
                for statement in reversed(node.body):
                    push((statement, inner))
                continue
            if kind is ast.ClassDef:
                _, path, _, data = where
                base_names = [last_name(b) or "" for b in node.bases]
                bases = " ".join(base_names)
                if "Module" in base_names:
                    self.module_classes.add(node.name)
                if "Layer" in base_names or "Model" in base_names or any(_KERAS_LAYER.match(b) for b in base_names):
                    self.keras_layers.add(node.name)
                if base_names == ["Module"] and not LOSS_CLASS.search(node.name):
                    self.plain_modules.add(path + (node.name,))
                is_data = data or bool(
                    _DATA_CLASS.search(node.name) or _DATA_CLASS.search(bases)
                    or _OPTIMIZER_CLASS.search(node.name) or _OPTIMIZER_CLASS.search(bases)
                )
                # Its header and class-level code mention what the class is made of
                # (`class GRU(d2l.RNN)`, `cell = nn.LSTM`): words of the class, not of
                # the module around it.
                part = FunctionFacts(path + (node.name, "<class>"), node.name)
                self.class_parts.append(part)
                for header in (*node.decorator_list, *node.bases, *node.keywords):
                    push((header, (part, path, where[2], data)))
                inner = (part, path + (node.name,), node.name, is_data)
                for statement in reversed(node.body):
                    push((statement, inner))
                continue
            if (kind is ast.With or kind is ast.AsyncWith) and turns_grad_off(node):
                # What runs under `torch.no_grad()` records no graph: the functions it calls
                # are not in gradient context through it (an owner that keeps its words,
                # path and class, with its own calls).
                owner = where[0]
                quiet = FunctionFacts(owner.path, owner.class_name, no_gradient=True, words=owner.words)
                self.quiet.append(quiet)
                for item in node.items:
                    push((item.context_expr, where))
                for statement in reversed(node.body):
                    push((statement, (quiet,) + where[1:]))
                continue
            if kind is ast.Call:
                self._call(node, where[0])
                if type(node.func) is ast.Name and node.func.id in _TYPE_TESTS and len(node.args) == 2:
                    # `isinstance(layer, nn.MultiheadAttention)` asks whether a model holds
                    # one: the type it names is no word of the code's own models.
                    push((node.args[0], where))
                    continue
            elif kind is ast.Assign:
                self._assign(node, where[0])
            elif kind is ast.Return:
                if node.value is not None:
                    self.returns.setdefault(where[0].path, []).append(node.value)
            elif kind is ast.AugAssign:
                target = node.target
                if isinstance(target, ast.Attribute) and is_self(target.value):
                    if type(node.op) is ast.Sub:
                        self.decreased.add(target.attr)
                    elif type(node.op) is ast.Add:
                        self.accumulated.add(target.attr)
                        if type(node.value) is ast.Constant and node.value.value == 1:
                            self.counted.add(target.attr)
            elif kind is ast.Name:
                if node.id == "self":
                    self.reading_self.add(where[0].path)
                if collect:
                    where[0].words.add(node.id)
            elif not collect:
                pass
            elif kind is ast.Attribute:
                where[0].words.add(node.attr)
            elif kind is ast.keyword:
                if node.arg:
                    where[0].words.add(node.arg)
            elif kind is ast.Constant:
                if type(node.value) is str and len(node.value) < 12:
                    where[0].words.add(node.value)
            elif kind is ast.ImportFrom:
                if node.module and not where[0].path:
                    # `from transformers import LlamaTokenizer`: the library says what the model is.
                    self.imported.add(node.module.split(".", 1)[0])
            elif kind is ast.alias:
                where[0].words.add(node.name.rsplit(".", 1)[-1])
                if not where[0].path:
                    self.imported.add(node.asname or node.name.rsplit(".", 1)[-1])
                    self.imported.add(node.name.rsplit(".", 1)[-1])
                    self.imported.add(node.name.split(".", 1)[0])  # `import jax.numpy as jnp`: jax
            for field_name in CHILD_FIELDS.get(kind, ()):
                value = getattr(node, field_name)
                if type(value) is list:
                    for child in value:
                        push((child, where))
                elif value is not None:
                    push((value, where))

    def _call(self, node: ast.Call, owner: FunctionFacts) -> None:
        func = node.func
        if (node.args or node.keywords) and (type(func) is ast.Name or type(func) is ast.Attribute and is_self(func.value)):
            self.local_calls.append((owner, node))
        if owner.class_name is not None:
            name = last_name(func)
            if name and (name in _PARAMETER_CALLS or _BUILDER.search(owner.path[-1]) and (
                name[0].isupper() and not _WEIGHTLESS.match(name) and not name.endswith(("Error", "Warning", "Exception"))
            )):
                self.learning.add(owner.path[:-1])
        name = last_name(func)
        if name in DIFFERENTIATING and node.args:
            owner.transforms = True
            self._differentiated(node.args[0])
            if name in _JAX_TRANSFORMS and isinstance(func, ast.Attribute) and last_name(func.value) == "jax":
                self._note_argnums(node)
        for keyword in node.keywords:
            if keyword.arg in _LOSS_KEYWORDS and name == "compile":
                self._differentiated(keyword.value)
        if isinstance(func, ast.Name):
            owner.calls.add(func.id)
            if func.id in _BACKWARD_FUNCTIONS and func.id != "backward":
                owner.starts_backward = True
        elif isinstance(func, ast.Attribute):
            if func.attr in _BACKWARD_METHODS or (
                func.attr in _BACKWARD_FUNCTIONS and last_name(func.value) in ("autograd", "functional")
            ) or starts_tape_backward(
                func.attr, last_name(func.value), isinstance(func.value, ast.Call), len(node.args) + len(node.keywords)
            ):
                owner.starts_backward = True
            if isinstance(func.value, (ast.Name, ast.Call)):
                owner.method_calls.add(func.attr)
            if func.attr in _PARAMETER_CALLS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    self.parameters.add(first.value)  # self.register_parameter("w", ...)

    def _note_argnums(self, call: ast.Call) -> None:
        """`jax.grad(loss_fn, argnums=(0, 1))`: the positions of `loss_fn`'s arguments the
        transform differentiates (0 by default); a function handed on through `partial`
        or a lambda, or given non-literal argnums, is not noted."""
        target = call.args[0]
        if not isinstance(target, ast.Name):
            return
        positions: Tuple[int, ...] = (0,)
        for keyword in call.keywords:
            if keyword.arg == "argnums":
                value = keyword.value
                if isinstance(value, ast.Constant) and isinstance(value.value, int):
                    positions = (value.value,)
                elif isinstance(value, ast.Tuple) and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, int) for e in value.elts
                ):
                    positions = tuple(e.value for e in value.elts)
                else:
                    return
        known = self.argnums.get(target.id)
        self.argnums[target.id] = positions if known is None else tuple(sorted(set(known) | set(positions)))

    def _differentiated(self, value: ast.AST) -> None:
        """Note the functions named by `value`: `loss_fn`, `self.loss`, `partial(f, ...)`,
        `[loss_a, loss_b]`, `{"out": loss_a}`."""
        if isinstance(value, ast.Call) and last_name(value.func) == "partial" and value.args:
            value = value.args[0]
        if isinstance(value, ast.Lambda):
            # `jax.grad(lambda p: loss(p, batch))`: what the lambda calls is differentiated.
            for node in ast.walk(value.body):
                if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
                    self.differentiated.add(last_name(node.func))
            return
        if isinstance(value, (ast.List, ast.Tuple)):
            for element in value.elts:
                self._differentiated(element)
        elif isinstance(value, ast.Dict):
            for element in value.values:
                self._differentiated(element)
        elif isinstance(value, (ast.Name, ast.Attribute)):
            self.differentiated.add(last_name(value))

    def _assign(self, node: ast.Assign, owner: FunctionFacts) -> None:
        if len(node.targets) == 1:
            target = node.targets[0]
            if type(target) is ast.Name:
                self.assigned.setdefault(owner.path, {})[target.id] = node.value
                self.assignments.setdefault(owner.path, {}).setdefault(target.id, []).append(node.value)
            elif type(target) is ast.Tuple and type(node.value) is ast.Tuple and len(target.elts) == len(node.value.elts):
                # `a, b = x[0::2], x[1::2]`: each name its own value.
                every = self.assignments.setdefault(owner.path, {})
                for element, value in zip(target.elts, node.value.elts):
                    if type(element) is ast.Name:
                        every.setdefault(element.id, []).append(value)
            elif type(target) is ast.Tuple and type(node.value) is ast.Call:
                names = self.assigned.setdefault(owner.path, {})
                every = self.assignments.setdefault(owner.path, {})
                for index, element in enumerate(target.elts):
                    if type(element) is ast.Name:
                        names[element.id] = Unpacked(node.value, index)
                        every.setdefault(element.id, []).append(names[element.id])
        if owner.class_name is not None and owner.path[-1] == "__init__" and isinstance(node.value, ast.Call):
            name = last_name(node.value.func)
            if name and _LAYER_FACTORY.search(name) and any(
                isinstance(t, ast.Attribute) and is_self(t.value) for t in node.targets
            ):
                self.learning.add(owner.path[:-1])
        if _is_parameter(node.value):
            for target in node.targets:
                if isinstance(target, ast.Attribute):
                    self.parameters.add(target.attr)
        if len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                self.self_assignments.append((target.attr, node.value))



def turns_grad_off(node) -> bool:
    """`with torch.no_grad():`, `with torch.inference_mode():`, `with torch.set_grad_enabled(False):`."""
    for item in node.items:
        context = item.context_expr
        if not isinstance(context, ast.Call):
            continue
        name = last_name(context.func)
        if name in ("no_grad", "inference_mode"):
            return True
        if name == "set_grad_enabled" and context.args and isinstance(context.args[0], ast.Constant):
            return context.args[0].value is False
    return False



def _configures(init: ast.FunctionDef) -> bool:
    """Whether a constructor does more than call its base's: one that only runs
    `super().__init__()` configures nothing, the mark of a loss or a formula written as a
    module (`class L_color(nn.Module)`), not of a fixed transform built from its settings."""
    for statement in init.body:
        if type(statement) is ast.Pass:
            continue
        if type(statement) is ast.Expr:
            value = statement.value
            if type(value) is ast.Constant or type(value) is ast.Call and last_name(value.func) == "__init__":
                continue
        return True
    return False


def is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _is_parameter(value: ast.AST) -> bool:
    return isinstance(value, ast.Call) and last_name(value.func) in _PARAMETER_CALLS


def last_name(node: ast.AST) -> Optional[str]:
    """`no_grad` for `torch.no_grad`, `torch.no_grad()` and `no_grad`."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None
