"""Facts about a whole module, from one walk of its `ast`: where gradients run.

A root at 0 is only a problem for its gradient, and a gradient only runs through code
that a loss is computed in: a module's `forward`, a loss or penalty function, a training
step that calls `backward()`, and whatever those call. Library helpers, metrics, data
transforms, weight initialisation and plotting code compute the same formulas with no
autograd behind them. The engine drops the `ast` before libcst parses (the two trees
together are the memory peak), so the answers are computed here first, small: the
names of the functions in gradient context, not their trees.

A function is named by its path of enclosing classes and functions: `("Loss",
"forward")`, `("train", "step")`; module-level code is `()`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from nanlint.linting.names import CHILD_FIELDS, ModuleIndex
from nanlint.values.api import (
    BACKWARD_METHODS,
    DETACHING_METHODS,
    SATURATING_LAYERS,
    SHAPE_METHODS,
    TAPE_METHODS,
    starts_tape_backward,
)

Path = Tuple[str, ...]

# Functions a gradient runs through by their role: a module's forward pass, a loss,
# a penalty or regulariser added to one, a Lightning training step.
_GRADIENT_ROLE = re.compile(
    r"(?i)loss|criterion|penalt|regulari[sz]|objective|elbo|divergence|^forward$|^_forward|training_step|train_step"
)
_TRAINING_STEP = re.compile(r"(?i)training_step|train_step")
# Classes whose methods compute a loss: `class FocalLoss(nn.Module)`, `class Criterion`.
_LOSS_CLASS = re.compile(r"(?i)loss|criterion|objective")
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
# the function they are given, which `_DIFFERENTIATING` puts in gradient context, not the
# caller's own code (its logging, its optimizer update). A bare `grad(...)` may be either.
_BACKWARD_FUNCTIONS = frozenset(("grad", "backward"))
# Calls that differentiate the function they are given (`jax.grad(loss_fn)`,
# `value_and_grad(partial(energy, params))`), or build it into a model that trains
# (a Keras `Lambda(euclidean_distance)` layer), and the keyword a Keras model is given
# its loss by (`model.compile(loss=contrastive_loss)`).
_DIFFERENTIATING = frozenset(("grad", "value_and_grad", "jacrev", "jacfwd", "vjp", "jvp", "hessian", "Lambda",
                              "custom_gradient", "checkpoint", "remat"))
_LOSS_KEYWORDS = frozenset(("loss", "loss_fn", "loss_func", "criterion"))
_JAX_TRANSFORMS = frozenset(("grad", "value_and_grad", "jacrev", "jacfwd", "hessian"))
_NO_GRAD_DECORATORS = frozenset(("no_grad", "inference_mode", "once_differentiable"))
_PARAMETER_CALLS = frozenset(("Parameter", "register_parameter", "UninitializedParameter"))
# Layers without weights: an `nn.Module` built only from these (and fixed tensors such
# as an STFT basis registered as a buffer) learns nothing.
_WEIGHTLESS = re.compile(
    r"^(ReLU6?|LeakyReLU|GELU|SiLU|Mish|ELU|Tanh|Sigmoid|Softmax|LogSoftmax|Softplus|Hardtanh|"
    r"Dropout\w*|Identity|Flatten|Unflatten|\w*Pool[123]d|Upsample|PixelShuffle|\w*Pad[123]d|\w*Tensor)$"
)
# A constructor's call that may return layers, kept as `self.net = build_mlp(...)`,
# `self.encoder = get_encoder(cfg)` (a local `basis = get_window(...)` is no layer).
_BUILDER = re.compile(r"(?i)build|make|create|get_|load|from_|layer|block|mlp|net|model|encoder|decoder|module")


@dataclass
class _Function:
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


@dataclass(frozen=True)
class ModuleSummary:
    """What the engine keeps of a module's `ast` for the value model."""

    gradient_paths: FrozenSet[Path]  # functions (and `()` for module-level code) in gradient context
    no_gradient_paths: FrozenSet[Path]  # functions that never record a graph (no_grad, init, backward)
    parameters: FrozenSet[str]  # `self.<name>` attributes that hold an `nn.Parameter`
    # Models whose output is a probability, by how code calls them: "self.<attr>" for a
    # layer stack assigned to an attribute, a class's name when its `forward` returns one;
    # the value says which: "sigmoid" or "softmax".
    saturating: Dict[str, str] = field(default_factory=dict)
    # What makes exploding gradients a known risk where each function runs ("mixed
    # precision", "a recurrent layer", ...): the evidence a training step needs clipping.
    risks: Dict[Path, Tuple[str, ...]] = field(default_factory=dict)
    # `self.<name>` attributes the class decreases (`self.total -= x`): running sums that
    # rounding can leave a hair below 0.
    decreased: FrozenSet[str] = frozenset()
    # What a module's own calls pass to its functions: (function path, parameter) ->
    # (kind, row, 0-based character column of the call) when some call passes a sigmoid or softmax output
    # (`loss(torch.softmax(z, -1), y)`, `self._kl(p, q)` with `p = self.head(x)`).
    passed: Dict[Tuple[Path, str], Tuple[str, int, int]] = field(default_factory=dict)
    # The module's functions that return a sigmoid or softmax output (`def probs(x):
    # return x.softmax(-1)`), with the kind.
    returning: Dict[Path, str] = field(default_factory=dict)
    # Parameters some call of the module hands a distance: a sum of squares, a clamp at 0
    # of one, or its root (`postprocess(d)` with `d = (dxy ** 2).sum(-1).clamp(0).sqrt()`),
    # exactly 0 where the points it measures meet: (function path, parameter) -> (row,
    # 0-based character column of the call).
    passed_distances: Dict[Tuple[Path, str], Tuple[int, int]] = field(default_factory=dict)
    # `self.<name>` attributes set to 0 and counted up one at a time (`self.count += 1`):
    # 0 before the first count.
    counters: FrozenSet[str] = frozenset()
    # The module's functions that return a sum or mean of one of their parameters
    # (`def squared_sum(x, dims): return torch.sum(x, dims)`), with that parameter's
    # position among those a call passes (`self` not counted for a method).
    reducing: Dict[Path, int] = field(default_factory=dict)
    # The module's functions whose every return is a distance between points that can
    # meet (`def diff_norm_squared(a, b): return tf.norm(a - b) ** 2`): 0 where they do.
    returning_distance: FrozenSet[Path] = frozenset()
    # Parameters that every call the module makes passes configuration: a positive
    # number, an attribute (`self.width`, `cfg.scale`), a value looked up by name
    # (`config["model"]["width"] * 8 / 3`), or arithmetic of those.
    configured: FrozenSet[Tuple[Path, str]] = frozenset()
    # `self.<name>` attributes that hold exactly one probability layer wherever the
    # module assigns them (`self.sigmoid = nn.Sigmoid()`, `self.softmax = nn.Softmax(dim=1)`):
    # "self.sigmoid" -> ("Sigmoid", None), "self.softmax" -> ("Softmax", 1). A call of one
    # is that function, so a log of it has an exact rewrite.
    single_layers: Dict[str, Tuple[str, Optional[int]]] = field(default_factory=dict)
    # The module's functions (nested ones included) whose every `return` cuts the graph
    # (`def unsqueeze(x): return x.unsqueeze(0).detach()`): no gradient comes back
    # through what a call of one returns.
    detaching: FrozenSet[Path] = frozenset()
    # The functions that start a backward pass themselves (a training step, a
    # hand-written optimizer): what they compute after their last backward call (a
    # logged gradient norm, an update) is not differentiated.
    backward_starters: FrozenSet[Path] = frozenset()
    # The functions JAX differentiates (`jax.grad(loss_fn)`), with the positions of the
    # arguments it differentiates them in: the others (a batch, targets) carry no gradient.
    argnums: Dict[Path, Tuple[int, ...]] = field(default_factory=dict)
    # Command-line options for a gradient-clipping bound that the module declares and
    # never reads (`--gradient_clip` with no `args.gradient_clip`): a clipping left out.
    unused_clipping_options: Tuple[str, ...] = ()
    # Parameters every call of the module hands a random draw (`slerp(z1, z2, t)` with
    # `z1 = torch.randn(...)`): never constant, and two of them never parallel, in practice.
    random_parameters: FrozenSet[Tuple[Path, str]] = frozenset()
    # Data read from files the module names and what is computed from it alone (the
    # UCI tables flow papers load: `pd.read_pickle(root + 'gas/ethylene_CO.pickle')`):
    # the names of a function that only ever hold it (its parameters included).
    fixed_names: FrozenSet[Tuple[Path, str]] = frozenset()

    def risks_at(self, path: Path) -> Tuple[str, ...]:
        return self.risks.get(path, ())

    def in_gradient_context(self, path: Path) -> bool:
        """Whether code of the function at `path` (`()`: module-level code, class
        bodies included) runs where a gradient can flow."""
        return path in self.gradient_paths and path not in self.no_gradient_paths


EMPTY = ModuleSummary(frozenset(), frozenset(), frozenset(), {}, {}, frozenset())


def summarize(tree: ast.Module, index: Optional["ModuleIndex"] = None, source: str = "") -> ModuleSummary:
    """One walk of the module's `ast` (the field table of `nanlint.linting.names`, three times
    as fast as `ast.walk`) collects everything the answers need. What the engine's index
    already knows spares most of it: the words that tell of gradient risks only matter
    where a backward pass is started, and module-level code that starts none (tables,
    constants, registrations) neither calls into gradient code nor defines a parameter."""
    backward = (*BACKWARD_METHODS, *TAPE_METHODS)
    backward_called = index is None or index.calls_method(backward)
    script = index is None or any(
        not isinstance(part.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and (part.calls_method(backward) or _differentiates(part))
        for part in index.parts
    )
    walk = _Walk(backward_called, skip_top_level=not script and not backward_called)
    walk.run(tree)
    functions = walk.functions

    by_name: Dict[str, List[_Function]] = {}
    methods: Dict[str, List[_Function]] = {}
    children: Dict[Path, List[_Function]] = {}
    for function in functions[1:]:
        (methods if function.class_name else by_name).setdefault(function.path[-1], []).append(function)
        children.setdefault(function.path[:-1], []).append(function)

    weightless = walk.weightless_classes()
    for function in functions[1:]:
        function.weightless_class = function.class_name is not None and function.path[:-1] in weightless
    # A Keras layer's `call` is its forward, and so is the `__call__` of a Flax, Haiku
    # or Equinox module (each based on a `Module`).
    # Where JAX's transforms say what is differentiated (`jax.grad(loss_fn)`), a training
    # step is the function that calls them, and its own code (logging, the update) is not.
    jax = index.imports.imports_module("jax") if index is not None else "jax" in walk.imported
    transformed = bool(walk.differentiated) and jax
    only_quiet = _called_only_without_gradient(functions, walk.quiet)
    roles = [
        f for f in functions
        if not f.no_gradient and (
            (_is_role(f) or jax and f.class_name is None and not f.transforms and _applies_params(
                walk.signatures.get(f.path, ())
            ))
            and not (transformed and _TRAINING_STEP.search(f.path[-1])) and not only_quiet(f)
            or f.class_name in walk.keras_layers and f.path[-1] == "call"
            or f.class_name in walk.module_classes and f.path[-1] == "__call__" and not f.weightless_class
            or f.path and f.path[-1] in walk.differentiated
        )
    ]

    starters = [f for f in functions if f.starts_backward and not f.no_gradient]
    reached: Set[Path] = set()
    stack = roles + starters
    while stack:
        function = stack.pop()
        if function.path in reached or function.no_gradient:
            continue
        reached.add(function.path)
        # What it calls by name, its methods called on self or a class, and the
        # functions nested in it (closures run when it runs, or are passed on).
        for name in function.calls:
            stack.extend(by_name.get(name, ()))
        for name in function.method_calls:
            stack.extend(methods.get(name, ()))
        stack.extend(children.get(function.path, ()) if function.path else ())
    risks = _risks_by_function(functions, walk) if backward_called else {}
    models = _saturating_models(walk.self_assignments, walk.forwards)
    return ModuleSummary(
        frozenset(reached),
        frozenset(f.path for f in functions if f.no_gradient),
        frozenset(walk.parameters),
        models,
        risks,
        frozenset(walk.decreased),
        **_calls_between_functions(walk, models, source, _reads_files(index, source)),
        reducing=_reducing(walk),
        returning_distance=frozenset(
            path for path, values in walk.returns.items()
            if path and values and all(_is_distance(walk, value, path, 2) for value in values)
        ),
        single_layers=_single_layers(walk.self_assignments),
        detaching=frozenset(path for path, values in walk.returns.items() if all(map(_detached, values))),
        backward_starters=frozenset(f.path for f in starters),
        argnums={f.path: walk.argnums[f.path[-1]] for f in functions[1:] if f.path[-1] in walk.argnums},
        unused_clipping_options=_unused_clipping_options(source),
        counters=frozenset(
            attr for attr, value in walk.self_assignments
            if attr in walk.counted and type(value) is ast.Constant and value.value == 0
        ),
    )


# A command-line option for a gradient-clipping bound: `--grad_clip`, `--clip_grad_norm`,
# `--max_grad_norm`, a bare `--clip` (a language model's); not a WGAN's `--clip_value`,
# which clips weights.
_CLIPPING_ARGUMENT = re.compile(
    r"""add_argument\(\s*(?:['"]-\w+['"]\s*,\s*)?['"]--?([\w-]*grad[\w-]*clip[\w-]*|[\w-]*clip[\w-]*(?:grad|norm)[\w-]*|"""
    r"""clip|max[-_]grad[-_]norm)['"]""",
    re.I,
)


def _unused_clipping_options(source: str) -> Tuple[str, ...]:
    """The clipping options `add_argument` declares that no code of the module reads,
    as an attribute (`args.grad_clip`) or a key (`vars(args)["grad_clip"]`); a read that
    is commented out is no read."""
    if "add_argument" not in source or "clip" not in source.lower():
        return ()
    unused = []
    code = None
    for match in _CLIPPING_ARGUMENT.finditer(source):
        option = match.group(1)
        dest = re.escape(option.replace("-", "_"))
        if code is None:
            code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())
        if not re.search(rf"""\.{dest}\b|['"]{dest}['"]""", code):
            unused.append(option)
    return tuple(unused)


# Readers of a data file: `pd.read_csv(path)`, `np.loadtxt(path)`, `np.load(path)`.
_READERS = frozenset((
    "read_csv", "read_pickle", "read_table", "read_hdf", "read_parquet", "read_excel", "read_feather",
    "loadtxt", "genfromtxt", "loadmat", "fromfile",
))
_LOADING_MODULES = frozenset(("np", "numpy", "pickle", "pd", "pandas"))
_LOADS = frozenset(("numpy.load", "pickle.load"))


def _reads_files(index: Optional["ModuleIndex"], source: str) -> bool:
    """Whether the module calls a reader of data files, from the calls the engine's index
    already holds (a scan of the text would cost more than the rest of the question)."""
    if index is None:
        return any(reader in source for reader in _READERS) or any(f"{m}(" in source for m in _LOADS)
    return index.calls_method(_READERS) or any(
        call in _LOADS or call.rsplit(".", 1)[-1] in _READERS for call in index.calls
    )


# Where a file's path is put together: `os.path.join(root, 'gas')`, `Path(root) / name`.
_PATH_CALLS = frozenset(("join", "Path", "format", "expanduser", "abspath", "open"))


def _fixed_data(walk: "_Walk", kinds: "_Kinds", reads_files: bool) -> Dict[str, FrozenSet]:
    """The module's functions that return fixed data (read from a file whose path is
    configuration: literals, attributes such as `self.root`, module constants), and the
    parameters every call of the module hands a path or fixed data; grown together until
    nothing changes, from nothing (a function is fixed only when shown to be)."""
    if not reads_files:
        return {}
    calls: Dict[Tuple[Path, str], List[Tuple[Path, ast.AST]]] = {}
    for owner, _, key, argument in _arguments(walk, kinds):
        calls.setdefault(key, []).append((owner.path, argument))
    facts = _FixedData(walk, kinds)
    while True:
        before = (dict(facts.paths), len(facts.parameters), len(facts.returns))
        for key, passed in calls.items():
            level = min(facts.path_level(value, path, 3) for path, value in passed)
            if level != _NOT_PATH:
                facts.paths[key] = level
            if all(facts.is_fixed(value, path, 3) for path, value in passed):
                facts.parameters.add(key)
        for path, values in walk.returns.items():
            if all(facts.is_fixed(value, path, 3) for value in values):
                facts.returns.add(path)
        if (facts.paths, len(facts.parameters), len(facts.returns)) == before:
            break
    names = set(facts.parameters)
    for path, assigned in walk.assignments.items():
        for name, values in assigned.items():
            if all(facts.is_fixed(value, path, 3, frozenset((name,))) for value in values):
                names.add((path, name))
    return {"fixed_names": frozenset(names)}


# How much of a file's path a value is: none of it, configuration (a root folder), or
# configuration with a literal name in it.
_NOT_PATH, _SETTING, _NAMED = 0, 1, 2


class _FixedData:
    def __init__(self, walk: "_Walk", kinds: "_Kinds") -> None:
        self.walk = walk
        self.kinds = kinds
        # Parameters every call hands a path, with how much of one (`_SETTING`, `_NAMED`).
        self.paths: Dict[Tuple[Path, str], int] = {}
        self.parameters: Set[Tuple[Path, str]] = set()  # parameters every call hands fixed data
        self.returns: Set[Path] = set()

    def _names(self, name: str, path: Path) -> Optional[List[ast.AST]]:
        """What `name` holds in the function at `path`: every assignment, or None for
        a name the function does not assign."""
        return self.walk.assignments.get(path, {}).get(name)

    def is_path(self, value: ast.AST, path: Path, depth: int) -> bool:
        """A path made of configuration that names a file or folder in a literal:
        `root + 'gas/ethylene_CO.pickle'`, `os.path.join(utils.get_data_root(), 'hepmass')`;
        not `args.data_path` alone, a file the user picks."""
        return self.path_level(value, path, depth) == _NAMED

    def path_level(self, value: ast.AST, path: Path, depth: int) -> int:
        kind = type(value)
        if kind is ast.Constant:
            return _NAMED if type(value.value) is str else _NOT_PATH
        if kind is ast.Attribute:
            return _SETTING  # `self.root`, `datasets.root`, `args.data_dir`: configuration
        if kind is ast.JoinedStr:
            parts = [v.value if type(v) is ast.FormattedValue else v for v in value.values]
            return self._joined([self.path_level(v, path, depth) for v in parts])
        if kind is ast.BinOp:
            return self._joined([self.path_level(value.left, path, depth), self.path_level(value.right, path, depth)])
        if kind is ast.Call:
            if not value.args and not value.keywords:
                return _SETTING  # `utils.get_data_root()`, `os.getcwd()`: a setting of the machine
            if _last_name(value.func) not in _PATH_CALLS:
                return _NOT_PATH
            return self._joined([self.path_level(a, path, depth) for a in value.args])
        if kind is ast.Name:
            if value.id.isupper():
                return _SETTING  # a module's constant: `DATA_PATH`
            values = self._names(value.id, path)
            if depth <= 0 or not values:
                return self.paths.get((path, value.id), _NOT_PATH)
            return min(self.path_level(v, path, depth - 1) for v in values)
        return _NOT_PATH

    @staticmethod
    def _joined(levels: List[int]) -> int:
        return _NOT_PATH if not levels or _NOT_PATH in levels else max(levels)

    def is_fixed(self, value: ast.AST, path: Path, depth: int, reading: FrozenSet[str] = frozenset()) -> bool:
        """`reading`: the names whose values are being read: a name rebuilt from itself
        (`data = data[mask]`) is as fixed as its other values."""
        kind = type(value)
        if kind is ast.Constant:
            return True
        if kind is _Unpacked:
            return self.is_fixed(value.call, path, depth, reading)
        if kind is ast.Name:
            name = value.id
            if name in reading:
                return True
            if name in self.walk.signatures.get(path, ()) and (path, name) not in self.parameters:
                return False  # a parameter not every call hands fixed data
            values = self._names(name, path)
            if not values:
                return (path, name) in self.parameters
            return depth > 0 and all(self.is_fixed(v, path, depth - 1, reading | {name}) for v in values)
        if kind is ast.Subscript:
            return self.is_fixed(value.value, path, depth, reading)
        if kind is ast.Attribute:
            return self.is_fixed(value.value, path, depth, reading)  # `data.values`, `df.T`
        if kind is ast.BinOp:
            return self.is_fixed(value.left, path, depth, reading) and self.is_fixed(value.right, path, depth, reading)
        if kind is ast.UnaryOp:
            return self.is_fixed(value.operand, path, depth, reading)
        if kind is ast.Compare:
            return all(self.is_fixed(v, path, depth, reading) for v in (value.left, *value.comparators))
        if kind is ast.List or kind is ast.Tuple:
            return all(self.is_fixed(v, path, depth, reading) for v in value.elts)
        if kind is ast.Call:
            func = value.func
            name = _last_name(func)
            if name in _READERS or name == "load" and type(func) is ast.Attribute and _last_name(func.value) in _LOADING_MODULES:
                return bool(value.args) and self.is_path(value.args[0], path, depth) or any(
                    k.arg in ("filepath_or_buffer", "fname", "file", "path") and self.is_path(k.value, path, depth)
                    for k in value.keywords
                )
            callee, _ = self.kinds.callee(path, value)
            if callee is not None:
                return callee in self.returns
            if type(func) is not ast.Attribute:
                return False
            if _last_name(func.value) in _MODULE_ALIASES | _LOADING_MODULES:
                # `np.array(data)`, `np.concatenate([a, b])`: a library function of fixed data.
                return bool(value.args) and all(
                    self.is_fixed(a, path, depth, reading) for a in value.args
                )
            return self.is_fixed(func.value, path, depth, reading)  # `data.drop(...)`, `data.std()`
        return False


def _differentiates(part: "ModuleIndex") -> bool:
    """Whether module-level code hands a function to a differentiating call
    (`grad_fn = jax.grad(loss)`, `Lambda(distance)`, `model.compile(loss=...)`)."""
    return part.calls_method((*_DIFFERENTIATING, "compile")) or any(
        call.rsplit(".", 1)[-1] in _DIFFERENTIATING for call in part.calls
    )


class _Walk:
    """The functions of a module (with what each calls), its trainable parameters, the
    words that tell of gradient risks, and what models' outputs need: in one pass."""

    def __init__(self, collect_words: bool, skip_top_level: bool = False) -> None:
        self.collect_words = collect_words
        self.skip_top_level = skip_top_level
        self.functions: List[_Function] = [_Function((), None)]
        self.parameters: Set[str] = set()
        self.self_assignments: List[Tuple[str, ast.AST]] = []  # (attr, value) of `self.attr = value`
        self.forwards: List[Tuple[str, ast.AST]] = []  # (class name, its `forward`)
        self.decreased: Set[str] = set()
        self.counted: Set[str] = set()  # `self.n += 1`
        # Classes (by path) based on `nn.Module` alone, and those that build something
        # that may hold weights: a layer, a parameter, a value of an unknown builder.
        self.plain_modules: Set[Path] = set()
        self.learning: Set[Path] = set()
        self.constructed: Set[Path] = set()  # classes with an `__init__` of their own
        # For what a module passes its own functions: their parameters, the calls that
        # may reach them, and each function's assignments to plain names.
        self.signatures: Dict[Path, List[str]] = {}
        self.local_calls: List[Tuple[_Function, ast.Call]] = []
        self.assigned: Dict[Path, Dict[str, object]] = {}
        self.assignments: Dict[Path, Dict[str, List[ast.AST]]] = {}  # every value, in order
        self.returns: Dict[Path, List[ast.AST]] = {}
        self.imported: Set[str] = set()  # what the module imports at its top level
        self.class_parts: List[_Function] = []  # each class's header and class-level code
        self.module_classes: Set[str] = set()  # classes based on `nn.Module`
        self.keras_layers: Set[str] = set()  # classes based on a Keras `Layer` or `Model`
        self.differentiated: Set[str] = set()  # functions given to `jax.grad`, a Keras `Lambda`...
        self.argnums: Dict[str, Tuple[int, ...]] = {}  # by function name: what `jax.grad` differentiates
        self.quiet: List[_Function] = []  # what runs under `no_grad`, as owners of its calls

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
                function = _Function(path + (node.name,), class_name)
                function.no_gradient = (
                    data
                    or bool(_NO_GRADIENT_ROLE.search(node.name))
                    or any(_last_name(d) in _NO_GRAD_DECORATORS for d in node.decorator_list)
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
                base_names = [_last_name(b) or "" for b in node.bases]
                bases = " ".join(base_names)
                if "Module" in base_names:
                    self.module_classes.add(node.name)
                if "Layer" in base_names or "Model" in base_names or any(_KERAS_LAYER.match(b) for b in base_names):
                    self.keras_layers.add(node.name)
                if base_names == ["Module"] and not _LOSS_CLASS.search(node.name):
                    self.plain_modules.add(path + (node.name,))
                is_data = data or bool(
                    _DATA_CLASS.search(node.name) or _DATA_CLASS.search(bases)
                    or _OPTIMIZER_CLASS.search(node.name) or _OPTIMIZER_CLASS.search(bases)
                )
                # Its header and class-level code mention what the class is made of
                # (`class GRU(d2l.RNN)`, `cell = nn.LSTM`): words of the class, not of
                # the module around it.
                part = _Function(path + (node.name, "<class>"), node.name)
                self.class_parts.append(part)
                for header in (*node.decorator_list, *node.bases, *node.keywords):
                    push((header, (part, path, where[2], data)))
                inner = (part, path + (node.name,), node.name, is_data)
                for statement in reversed(node.body):
                    push((statement, inner))
                continue
            if (kind is ast.With or kind is ast.AsyncWith) and _turns_grad_off(node):
                # What runs under `torch.no_grad()` records no graph: the functions it calls
                # are not in gradient context through it (an owner that keeps its words,
                # path and class, with its own calls).
                owner = where[0]
                quiet = _Function(owner.path, owner.class_name, no_gradient=True, words=owner.words)
                self.quiet.append(quiet)
                for item in node.items:
                    push((item.context_expr, where))
                for statement in reversed(node.body):
                    push((statement, (quiet,) + where[1:]))
                continue
            if kind is ast.Call:
                self._call(node, where[0])
            elif kind is ast.Assign:
                self._assign(node, where[0])
            elif kind is ast.Return:
                if node.value is not None:
                    self.returns.setdefault(where[0].path, []).append(node.value)
            elif kind is ast.AugAssign:
                target = node.target
                if isinstance(target, ast.Attribute) and _is_self(target.value):
                    if type(node.op) is ast.Sub:
                        self.decreased.add(target.attr)
                    elif type(node.op) is ast.Add and type(node.value) is ast.Constant and node.value.value == 1:
                        self.counted.add(target.attr)
            elif not collect:
                pass
            elif kind is ast.Name:
                where[0].words.add(node.id)
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

    def _call(self, node: ast.Call, owner: _Function) -> None:
        func = node.func
        if (node.args or node.keywords) and (type(func) is ast.Name or type(func) is ast.Attribute and _is_self(func.value)):
            self.local_calls.append((owner, node))
        if owner.class_name is not None:
            name = _last_name(func)
            if name and (name in _PARAMETER_CALLS or _BUILDER.search(owner.path[-1]) and (
                name[0].isupper() and not _WEIGHTLESS.match(name) and not name.endswith(("Error", "Warning", "Exception"))
            )):
                self.learning.add(owner.path[:-1])
        name = _last_name(func)
        if name in _DIFFERENTIATING and node.args:
            owner.transforms = True
            self._differentiated(node.args[0])
            if name in _JAX_TRANSFORMS and isinstance(func, ast.Attribute) and _last_name(func.value) == "jax":
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
                func.attr in _BACKWARD_FUNCTIONS and _last_name(func.value) in ("autograd", "functional")
            ) or starts_tape_backward(
                func.attr, _last_name(func.value), isinstance(func.value, ast.Call), len(node.args) + len(node.keywords)
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
        if isinstance(value, ast.Call) and _last_name(value.func) == "partial" and value.args:
            value = value.args[0]
        if isinstance(value, ast.Lambda):
            # `jax.grad(lambda p: loss(p, batch))`: what the lambda calls is differentiated.
            for node in ast.walk(value.body):
                if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
                    self.differentiated.add(_last_name(node.func))
            return
        if isinstance(value, (ast.List, ast.Tuple)):
            for element in value.elts:
                self._differentiated(element)
        elif isinstance(value, ast.Dict):
            for element in value.values:
                self._differentiated(element)
        elif isinstance(value, (ast.Name, ast.Attribute)):
            self.differentiated.add(_last_name(value))

    def _assign(self, node: ast.Assign, owner: _Function) -> None:
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
                        names[element.id] = _Unpacked(node.value, index)
                        every.setdefault(element.id, []).append(names[element.id])
        if owner.class_name is not None and owner.path[-1] == "__init__" and isinstance(node.value, ast.Call):
            name = _last_name(node.value.func)
            if name and _BUILDER.search(name) and any(
                isinstance(t, ast.Attribute) and _is_self(t.value) for t in node.targets
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


# -- evidence that gradients can explode ---------------------------------------------
def _risks_by_function(functions: List[_Function], walk: "_Walk") -> Dict[Path, Tuple[str, ...]]:
    """For each function, the risks its own code shows: what it mentions, what the
    functions nested in it and, for a method, its class's other methods mention (the
    model its `__init__` builds), and what the classes it instantiates mention (`model =
    Seq2Seq(...)` with an LSTM inside). A function handed a model it does not build
    takes what the module imports and its module-level code mentions (`from transformers
    import AutoModel...`), not the classes it defines; a model's own method (`fit` of an
    `nn.Module`) trains that model, and takes its class's words only. One big module of unrelated models (a textbook's)
    says nothing about each training loop of it."""
    known: Dict[str, FrozenSet[int]] = {}  # word -> the risks it tells of (by index in _RISKS)

    def told(words: Set[str]) -> FrozenSet[int]:
        found = set()
        for word in words:
            risks = known.get(word)
            if risks is None:
                risks = known[word] = frozenset(i for i, (_, pattern) in enumerate(_RISKS) if pattern.search(word))
            found |= risks
        return frozenset(found)

    children: Dict[Path, List[_Function]] = {}
    class_words: Dict[str, Set[str]] = {}
    for part in walk.class_parts:
        class_words.setdefault(part.class_name, {part.class_name}).update(part.words)
    for function in functions[1:]:
        children.setdefault(function.path[:-1], []).append(function)
        if function.class_name is not None:
            # `class GRU(nn.Module)`: its name is evidence too, for whoever builds one.
            class_words.setdefault(function.class_name, {function.class_name}).update(function.words)
    by_class = {name: told(words) for name, words in class_words.items()}
    # A model holds what its parts hold: `GPT` builds `Block`, which builds `CausalSelfAttention`.
    changed = True
    while changed:
        changed = False
        for name, words in class_words.items():
            held = by_class[name].union(*(by_class[part] for part in words & by_class.keys() if part != name))
            if held != by_class[name]:
                by_class[name], changed = held, True
    own: Dict[Path, FrozenSet[int]] = {}

    def nested(function: _Function) -> FrozenSet[int]:
        if function.path not in own:
            risks = set(told(function.words))
            for child in children.get(function.path, ()) if function.path else ():
                risks |= nested(child)
            own[function.path] = frozenset(risks)
        return own[function.path]

    module = told(walk.imported | functions[0].words)  # what the module imports and runs
    of_class: Dict[Path, FrozenSet[int]] = {}  # all methods' risks, once per class
    found: Dict[Path, Tuple[str, ...]] = {}
    for function in functions:
        risks = set(nested(function))
        if function.class_name is not None:
            owner = function.path[:-1]
            if owner not in of_class:
                of_class[owner] = frozenset().union(*(nested(m) for m in children.get(owner, ())))
            risks |= of_class[owner]
        built = [by_class[name] for name in function.calls if name in by_class]
        for of_built in built:
            risks |= of_built
        if not built and function.class_name not in walk.module_classes:
            risks |= module
        if risks:
            found[function.path] = tuple(_RISKS[i][0] for i in sorted(risks))
    return found



# The models whose standard recipes clip: recurrent nets (the textbook case of exploding
# gradients) and attention (transformers, trained with a norm clip at 1.0 by every
# framework's default). Not mixed precision: a GradScaler skips the steps whose gradients
# overflow. Not adversarial training or a CNN: GAN and vision recipes train with Adam
# or SGD unclipped, and Adam's step is about the learning rate whatever the gradient.
_RISKS = (
    ("a recurrent layer", re.compile(r"^(LSTM|GRU|RNN)(Cell)?$")),
    ("attention or a transformer", re.compile(
        r"^(\w*Attention\w*|Transformer(Encoder|Decoder)?(Layer|Block)?|scaled_dot_product_attention)$")),
    # Hugging Face's: its own Trainer clips at 1.0 by default (`max_grad_norm`), and so do
    # the fine-tuning recipes built on it, whatever the optimizer.
    ("a pretrained transformer", re.compile(r"^(AutoModel\w*|from_pretrained|transformers|PreTrainedModel)$")),
)


# -- what a module passes its own functions --------------------------------------------
@dataclass(frozen=True)
class _Unpacked:
    """`a, b = f(x)`: the name at `index` of what `call` returns."""

    call: ast.Call
    index: int


def _calls_between_functions(walk: "_Walk", models: Dict[str, str], source: str, reads_files: bool) -> Dict[str, object]:
    """The summary's fields about what the module's functions hand each other: the
    parameters some call hands a sigmoid or softmax output (`passed`) or a distance,
    those every call hands configuration or a random draw, the functions that return a
    probability, and the names that hold fixed data (`reads_files`: where it can)."""
    kinds = _Kinds(walk, models)
    returning = {}
    for path in walk.returns:
        kind = kinds.returned(path, None, 5)
        if kind is not None:
            returning[path] = kind
    passed, distances, configured, random = _passed(walk, kinds)
    if (passed or distances) and source:
        # `ast` counts columns in UTF-8 bytes; a finding's location counts characters.
        lines = source.splitlines()

        def characters(row: int, column: int) -> int:
            if 0 < row <= len(lines):
                return len(lines[row - 1].encode("utf-8")[:column].decode("utf-8", "ignore"))
            return column

        passed = {key: (kind, row, characters(row, column)) for key, (kind, row, column) in passed.items()}
        distances = {key: (row, characters(row, column)) for key, (row, column) in distances.items()}
    return {"passed": passed, "returning": returning, "passed_distances": distances, "configured": configured,
            "random_parameters": random, **_fixed_data(walk, kinds, reads_files)}


def _passed(walk: "_Walk", kinds: "_Kinds"):
    """What the module's calls hand its functions' parameters, in one pass over them: a
    sigmoid or softmax output (by kind), a distance, and (for every call) configuration
    or a random draw."""
    found: Dict[Tuple[Path, str], Tuple[str, int, int]] = {}
    distances: Dict[Tuple[Path, str], Tuple[int, int]] = {}
    every: Dict[Tuple[Path, str], bool] = {}
    drawn: Dict[Tuple[Path, str], bool] = {}
    for owner, call, key, argument in _arguments(walk, kinds):
        every[key] = every.get(key, True) and _is_configuration(argument)
        drawn[key] = drawn.get(key, True) and _is_random_draw(walk, argument, owner.path, 2)
        kind = kinds.of(argument, owner.path, 5)
        if kind is not None:
            found.setdefault(key, (kind, call.lineno, call.col_offset))
        elif _is_distance(walk, argument, owner.path, 4):
            distances.setdefault(key, (call.lineno, call.col_offset))
    return (found, distances, frozenset(key for key, configured in every.items() if configured),
            frozenset(key for key, random in drawn.items() if random))


# Draws from a random generator: `torch.randn(...)`, `np.random.standard_normal(...)`,
# `tf.random.normal(...)`, `rng.normal(...)`.
_DRAWS = frozenset(("randn", "randn_like", "rand", "rand_like", "standard_normal", "random_normal",
                    "truncated_normal"))
_DRAWS_OF_A_GENERATOR = frozenset(("normal", "uniform", "random_uniform"))
_GENERATORS = frozenset(("random", "rng", "torch", "generator"))


def _is_random_draw(walk: "_Walk", value: ast.AST, path: Path, depth: int) -> bool:
    """A random draw, through scalings, indexing, device moves and the caller's names."""
    kind = type(value)
    if kind is ast.Call:
        func = value.func
        name = _last_name(func)
        if name in _DRAWS:
            return True
        if name in _DRAWS_OF_A_GENERATOR and type(func) is ast.Attribute:
            return (_last_name(func.value) or "").lower() in _GENERATORS
        if type(func) is ast.Attribute and name in ("to", "cuda", "float", "double", "view", "reshape"):
            return _is_random_draw(walk, func.value, path, depth)
        return False
    if kind is ast.BinOp:
        return _is_random_draw(walk, value.left, path, depth)
    if kind is ast.Subscript:
        return _is_random_draw(walk, value.value, path, depth)
    if kind is ast.Name and depth > 0:
        values = walk.assignments.get(path, {}).get(value.id)
        return bool(values) and all(_is_random_draw(walk, v, path, depth - 1) for v in values)
    return False


def _arguments(walk: "_Walk", kinds: "_Kinds"):
    """(the calling function, the call, (callee path, parameter), the argument) for each
    argument a call of the module hands one of its own functions."""
    for owner, call in walk.local_calls:
        callee, skip = kinds.callee(owner.path, call)
        params = walk.signatures.get(callee or ())
        if not params:
            continue
        for position, argument in enumerate(call.args):
            if position + skip < len(params) and type(argument) is not ast.Starred:
                yield owner, call, (callee, params[position + skip]), argument
        for keyword in call.keywords:
            if keyword.arg in params:
                yield owner, call, (callee, keyword.arg), keyword.value


def _detached(value: ast.AST) -> bool:
    return type(value) is ast.Call and type(value.func) is ast.Attribute and value.func.attr in DETACHING_METHODS


def _single_layers(self_assignments) -> Dict[str, Tuple[str, Optional[int]]]:
    found: Dict[str, Optional[Tuple[str, Optional[int]]]] = {}
    for attr, value in self_assignments:
        layer = _single_layer(value)
        key = f"self.{attr}"
        found[key] = layer if found.get(key, layer) == layer else None
    return {key: layer for key, layer in found.items() if layer is not None}


def _single_layer(value: ast.AST) -> Optional[Tuple[str, Optional[int]]]:
    if type(value) is not ast.Call:
        return None
    name = _last_name(value.func)
    if name in ("Sigmoid", "ReLU") and not value.args and not value.keywords:
        return (name, None)
    if name == "CosineSimilarity":
        return (name, None)
    if name == "Softmax":
        given = value.args[0] if value.args else next((k.value for k in value.keywords if k.arg == "dim"), None)
        if type(given) is ast.Constant and type(given.value) is int:
            return ("Softmax", given.value)
        if type(given) is ast.UnaryOp and type(given.op) is ast.USub and type(given.operand) is ast.Constant:
            return ("Softmax", -given.operand.value)
    return None


def _is_configuration(value: ast.AST) -> bool:
    kind = type(value)
    if kind is ast.Constant:
        return type(value.value) in (int, float) and value.value > 0
    if kind is ast.Attribute:
        return True
    if kind is ast.Subscript:
        key = value.slice
        return type(key) is ast.Constant and type(key.value) is str
    if kind is ast.BinOp and type(value.op) in (ast.Add, ast.Mult, ast.Div, ast.FloorDiv, ast.Pow):
        return _is_configuration(value.left) and _is_configuration(value.right)
    if kind is ast.Name:
        return value.id.isupper() and len(value.id) > 1  # a module's constant
    return False


def _reducing(walk: "_Walk") -> Dict[Path, int]:
    found: Dict[Path, int] = {}
    methods = {f.path for f in walk.functions if f.class_name is not None}
    for path, returns in walk.returns.items():
        params = walk.signatures.get(path)
        if not params:
            continue
        assigned = walk.assigned.get(path, {})
        indexes = {_reduced_parameter(value, params, assigned, 2) for value in returns}
        if len(indexes) == 1:
            index = indexes.pop()
            if index is not None and (path not in methods or index > 0):
                found[path] = index - 1 if path in methods else index
    return found


def _reduced_parameter(value: ast.AST, params: List[str], assigned: Dict[str, object], depth: int) -> Optional[int]:
    """The position of the parameter `value` sums or averages (`torch.sum(x, dims)`,
    `x.mean(-1)`), through the last assignment of a name."""
    if type(value) is ast.Name and depth > 0:
        inner = assigned.get(value.id)
        return _reduced_parameter(inner, params, assigned, depth - 1) if isinstance(inner, ast.AST) else None
    if type(value) is not ast.Call or _last_name(value.func) not in _REDUCTIONS:
        return None
    func = value.func
    method = type(func) is ast.Attribute and not (type(func.value) is ast.Name and func.value.id in _MODULE_ALIASES)
    operand = func.value if method else (value.args[0] if value.args else None)
    if type(operand) is ast.Name and operand.id in params:
        return params.index(operand.id)
    return None


# -- distances ---------------------------------------------------------------------------
_ROOTS = frozenset(("sqrt",))
_REDUCTIONS = frozenset(("sum", "mean", "nansum", "nanmean", "reduce_sum", "reduce_mean"))
_CLAMPS = frozenset(("clamp", "clip", "clamp_min"))


def _is_distance(walk: "_Walk", value: ast.AST, path: Path, depth: int, clamped: bool = False) -> bool:
    """Whether `value` is a distance between points that can meet: a sum (or mean) of
    squares, a clamp at 0 of a sum that holds one (`clamped`: a term is enough, since
    the clamp is there for the rounding below 0), or a root of either; through reshapes,
    indexing, division and the names of the function, every assignment of each."""
    if depth < 0:
        return False
    kind = type(value)
    if kind is ast.Name:
        values = walk.assignments.get(path, {}).get(value.id, ())
        return any(_is_distance(walk, v, path, depth - 1, clamped) for v in values)
    if kind is ast.Subscript:
        return _is_distance(walk, value.value, path, depth, clamped)
    if kind is ast.BinOp:
        op = type(value.op)
        if op is ast.Pow:
            exponent = value.right
            if type(exponent) is ast.Constant and exponent.value == 2:
                return True
            if type(exponent) is ast.Constant and exponent.value == 0.5:
                return _is_distance(walk, value.left, path, depth, clamped)
            return False
        if op is ast.Mult and ast.dump(value.left) == ast.dump(value.right):
            return True
        if op is ast.Div:
            return _is_distance(walk, value.left, path, depth, clamped)
        if op is ast.Add:
            left = _is_distance(walk, value.left, path, depth, clamped)
            right = _is_distance(walk, value.right, path, depth, clamped)
            return left or right if clamped else left and right
        if op is ast.Mult and clamped:
            return _is_distance(walk, value.left, path, depth, clamped) or _is_distance(walk, value.right, path, depth, clamped)
        return False
    if kind is not ast.Call:
        return False
    func = value.func
    name = _last_name(func)
    method = type(func) is ast.Attribute and not (type(func.value) is ast.Name and func.value.id in _MODULE_ALIASES)
    operand = func.value if method else (value.args[0] if value.args else None)
    if operand is None:
        return False
    if name == "square" or name == "pow" and _exponent(value, method) == 2:
        return True
    if name in _ROOTS or name in SHAPE_METHODS and method:
        return _is_distance(walk, operand, path, depth, clamped)
    if name in _REDUCTIONS:
        return _is_distance(walk, operand, path, depth, clamped)
    if name in _CLAMPS and _lower_bound(value, method) == 0:
        return _is_distance(walk, operand, path, depth, True)
    return False


_MODULE_ALIASES = frozenset(("torch", "np", "numpy", "jnp", "F", "math", "tf", "K", "ops"))


def _exponent(call: ast.Call, method: bool) -> Optional[object]:
    args = call.args[0 if method else 1:]
    if args and type(args[0]) is ast.Constant:
        return args[0].value
    return next((k.value.value for k in call.keywords if k.arg == "exponent" and type(k.value) is ast.Constant), None)


def _lower_bound(call: ast.Call, method: bool) -> Optional[object]:
    """0 in `x.clamp(0)`, `x.clamp(min=0)`, `x.clamp_min(0)`, `torch.clamp(x, 0)`."""
    args = call.args[0 if method else 1:]
    bound = args[0] if args else next((k.value for k in call.keywords if k.arg in ("min", "a_min")), None)
    return bound.value if type(bound) is ast.Constant else None


class _Kinds:
    """Whether an expression of a function holds a sigmoid or softmax output: through
    its names' last assignments, tuples unpacked from calls, and what the module's
    own functions and methods (`self(x)` is `forward`) return."""

    def __init__(self, walk: "_Walk", models: Dict[str, str]) -> None:
        self.walk = walk
        self.models = models
        self.methods = {f.path for f in walk.functions if f.class_name is not None}

    def callee(self, path: Path, call: ast.Call) -> Tuple[Optional[Path], int]:
        """The path of the module's function `call` (made in the function at `path`)
        calls, and how many leading parameters the call does not pass (`self`)."""
        func, signatures = call.func, self.walk.signatures
        in_method = path in self.methods
        if type(func) is ast.Name:
            if func.id == "self" and in_method:
                return path[:-1] + ("forward",), 1
            # A function nested in the caller or in a function around it (a sibling helper),
            # else one of the module.
            return next((path[:i] + (func.id,) for i in range(len(path), -1, -1) if path[:i] + (func.id,) in signatures),
                        None), 0
        if in_method and type(func) is ast.Attribute and _is_self(func.value):
            return path[:-1] + (func.attr,), 1
        return None, 0

    def of(self, value: ast.AST, path: Path, depth: int) -> Optional[str]:
        if depth < 0:
            return None
        kind = type(value)
        if kind is ast.Subscript:
            return self.of(value.value, path, depth)
        if kind is ast.Name:
            inner = self.walk.assigned.get(path, {}).get(value.id)
            return self.of(inner, path, depth - 1) if inner is not None else None
        if kind is _Unpacked:
            return self._returned(value.call, value.index, path, depth - 1)
        found = _saturating_call(value, self.models)
        if found is None and kind is ast.Call:
            found = self._returned(value, None, path, depth - 1)
        return found

    def _returned(self, call: ast.Call, index: Optional[int], path: Path, depth: int) -> Optional[str]:
        callee, _ = self.callee(path, call)
        return self.returned(callee, index, depth) if callee is not None else None

    def returned(self, callee: Path, index: Optional[int], depth: int) -> Optional[str]:
        """The kind some `return` of `callee` gives (its element `index` of a tuple)."""
        for returned in self.walk.returns.get(callee, ()):
            if index is not None:
                if type(returned) is not ast.Tuple or index >= len(returned.elts):
                    continue
                returned = returned.elts[index]
            found = self.of(returned, callee, depth)
            if found is not None:
                return found
        return None


# -- models whose output is a probability -----------------------------------------------
def _saturating_models(self_assignments, forwards) -> Dict[str, str]:
    found: Dict[str, str] = {}
    for attr, value in self_assignments:  # attributes first: a forward may return `self.head(x)`
        kind = saturating_construction(value)
        if kind is not None:
            found[f"self.{attr}"] = kind
    for class_name, forward in forwards:
        kind = _returns_saturating(forward, found)
        if kind is not None:
            found[class_name] = kind
    return found


def saturating_construction(value: ast.AST) -> Optional[str]:
    """"sigmoid" for `nn.Sigmoid()` or `nn.Sequential(..., nn.Sigmoid())`, and so on."""
    if not isinstance(value, ast.Call):
        return None
    name = _last_name(value.func)
    if name in SATURATING_LAYERS:
        return SATURATING_LAYERS[name]
    if name == "Sequential" and value.args:
        last = value.args[-1]
        if isinstance(last, ast.Call) and _last_name(last.func) in SATURATING_LAYERS:
            return SATURATING_LAYERS[_last_name(last.func)]
    return None


def _returns_saturating(function: ast.FunctionDef, models: Dict[str, str]) -> Optional[str]:
    """The kind every `return` of `function` gives, when each is a sigmoid or softmax
    (directly, through `self.<layer>(...)`, or through the name last assigned one)."""
    last_assigned: Dict[str, ast.AST] = {}
    kinds = set()
    returns = 0
    for statement in ast.walk(function):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            last_assigned[statement.targets[0].id] = statement.value
        elif isinstance(statement, ast.Return) and statement.value is not None:
            returns += 1
            value = statement.value
            if isinstance(value, ast.Name):
                value = last_assigned.get(value.id, value)
            kinds.add(_saturating_call(value, models))
    if returns and len(kinds) == 1:
        return kinds.pop()
    return None


def _saturating_call(value: ast.AST, models: Dict[str, str]) -> Optional[str]:
    if not isinstance(value, ast.Call):
        return None
    name = _last_name(value.func)
    if name in ("sigmoid", "expit"):
        return "sigmoid"
    if name in ("softmax", "softplus"):
        return name
    func = value.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
        return models.get(f"self.{func.attr}")
    return None


# Methods that build a module's layers: `__init__`, and the helpers it hands that to
# (`_init_layers`, `build`, `_make_head`).
_BUILDER = re.compile(r"^__init__$|^_*(init|build|make|create)(_|$)")


def _turns_grad_off(node) -> bool:
    """`with torch.no_grad():`, `with torch.inference_mode():`, `with torch.set_grad_enabled(False):`."""
    for item in node.items:
        context = item.context_expr
        if not isinstance(context, ast.Call):
            continue
        name = _last_name(context.func)
        if name in ("no_grad", "inference_mode"):
            return True
        if name == "set_grad_enabled" and context.args and isinstance(context.args[0], ast.Constant):
            return context.args[0].value is False
    return False


def _applies_params(signature: List[str]) -> bool:
    """A JAX function that takes the weights it applies (`def layer_norm(params, x)`,
    `def loss(params, batch)`): code a gradient runs through, as `jax.grad` differentiates
    with respect to `params`. Not an update that takes the gradients beside them
    (`def sgd(params, grads, lr)`), which runs after the gradient is taken."""
    return signature[:1] == ["params"] and not any(_GRADIENT_ARGUMENT.match(name) for name in signature)


_GRADIENT_ARGUMENT = re.compile(r"^(grads?|gradients?|updates|g)$")


def _called_only_without_gradient(functions: List[_Function], quiet: List[_Function]):
    """Whether the module calls a function only where no graph is recorded: under
    `no_grad` or from functions that record none (a loss helper the training step never
    calls, only the evaluation under `torch.no_grad()`). A function it never calls is
    not one: its callers are elsewhere."""
    silent = [f for f in (*functions, *quiet) if f.no_gradient]
    loud = [f for f in functions if not f.no_gradient]
    silent_calls = set().union(*(f.calls for f in silent)) if silent else set()
    silent_methods = set().union(*(f.method_calls for f in silent)) if silent else set()
    loud_calls = set().union(*(f.calls for f in loud))
    loud_methods = set().union(*(f.method_calls for f in loud))

    def only_quiet(function: _Function) -> bool:
        name = function.path[-1]
        if function.class_name is not None:
            return name in silent_methods and name not in loud_methods
        return name in silent_calls and name not in loud_calls

    return only_quiet


def _is_role(function: _Function) -> bool:
    if not function.path:
        return False
    name = function.path[-1]
    if function.weightless_class and (name in ("forward", "call") or name.startswith("_forward")):
        return False  # its forward and the helpers named for it (`_forward_full_frame`)
    if function.class_name is not None and _LOSS_CLASS.search(function.class_name):
        return name in ("forward", "__call__") or bool(_GRADIENT_ROLE.search(name))
    return bool(_GRADIENT_ROLE.search(name))


def _configures(init: ast.FunctionDef) -> bool:
    """Whether a constructor does more than call its base's: one that only runs
    `super().__init__()` configures nothing, the mark of a loss or a formula written as a
    module (`class L_color(nn.Module)`), not of a fixed transform built from its settings."""
    for statement in init.body:
        if type(statement) is ast.Pass:
            continue
        if type(statement) is ast.Expr:
            value = statement.value
            if type(value) is ast.Constant or type(value) is ast.Call and _last_name(value.func) == "__init__":
                continue
        return True
    return False


def _is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _is_parameter(value: ast.AST) -> bool:
    return isinstance(value, ast.Call) and _last_name(value.func) in _PARAMETER_CALLS


def _last_name(node: ast.AST) -> Optional[str]:
    """`no_grad` for `torch.no_grad`, `torch.no_grad()` and `no_grad`."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None
