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

This module decides where gradients run and assembles the summary; the walk itself is
`module_walk`, what the module's functions hand each other `module_calls`, the data it
reads from files it names `fixed_data`, and the evidence of exploding gradients `risks`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from nanlint.linting.names import ModuleIndex
from nanlint.values.api import BACKWARD_METHODS, TAPE_METHODS
from nanlint.values.fixed_data import fixed_data, reads_files
from nanlint.values.module_calls import (
    Kinds,
    calls_between_functions,
    detached,
    is_distance,
    reducing,
    saturating_models,
    single_layers,
)
from nanlint.values.module_walk import DIFFERENTIATING, LOSS_CLASS, FunctionFacts, ModuleWalk, Path
from nanlint.values.risks import risks_by_function

# Functions a gradient runs through by their role: a module's forward pass, a loss,
# a penalty or regulariser added to one, a Lightning training step.
_GRADIENT_ROLE = re.compile(
    r"(?i)loss|criterion|penalt|regulari[sz]|objective|elbo|divergence|^forward$|^_forward|training_step|train_step"
)
_TRAINING_STEP = re.compile(r"(?i)training_step|train_step")
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
    # `self.<name>` attributes the class adds to (`self.sum += x`, `self.sq += x * x`):
    # running sums, from which a variance computed in one pass cancels.
    accumulated: FrozenSet[str] = frozenset()
    # Names of the module's methods that never read `self` (`def masked_mean(self, x, mask)`):
    # what a call of one returns is computed from its arguments alone.
    selfless_methods: FrozenSet[str] = frozenset()
    # The module's functions that return a sum or mean of one of their parameters
    # (`def squared_sum(x, dims): return torch.sum(x, dims)`), with that parameter's
    # position among those a call passes (`self` not counted for a method).
    reducing: Dict[Path, int] = field(default_factory=dict)
    # The module's functions whose every return is a distance between points that can
    # meet (`def diff_norm_squared(a, b): return tf.norm(a - b) ** 2`): 0 where they do;
    # with the row and column of their `def`.
    returning_distance: Dict[Path, Tuple[int, int]] = field(default_factory=dict)
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
    walk = ModuleWalk(backward_called, skip_top_level=not script and not backward_called)
    walk.run(tree)
    functions = walk.functions

    by_name: Dict[str, List[FunctionFacts]] = {}
    methods: Dict[str, List[FunctionFacts]] = {}
    children: Dict[Path, List[FunctionFacts]] = {}
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
    submodules = _submodule_forwards(walk, methods)
    reached: Set[Path] = set()
    stack = roles + starters
    while stack:
        function = stack.pop()
        if function.path in reached or function.no_gradient:
            continue
        reached.add(function.path)
        # What it calls by name, its methods called on self or a class, the forward of a
        # module of this file it holds (`self.attention(x)`, even a weightless one: its
        # input carries the gradient), and the functions nested in it (closures run when
        # it runs, or are passed on).
        for name in function.calls:
            stack.extend(by_name.get(name, ()))
        for name in function.method_calls:
            stack.extend(methods.get(name, ()))
            stack.extend(submodules.get(name, ()))
        stack.extend(children.get(function.path, ()) if function.path else ())
    risks = risks_by_function(functions, walk) if backward_called else {}
    models = saturating_models(walk.self_assignments, walk.forwards)
    kinds = Kinds(walk, models)
    return ModuleSummary(
        frozenset(reached),
        frozenset(f.path for f in functions if f.no_gradient),
        frozenset(walk.parameters),
        models,
        risks,
        frozenset(walk.decreased),
        **calls_between_functions(walk, kinds, source),
        **fixed_data(walk, kinds, reads_files(index, source)),
        reducing=reducing(walk),
        returning_distance={
            path: walk.defined_at[path] for path, values in walk.returns.items()
            if path and values and all(is_distance(walk, value, path, 2) for value in values)
        },
        single_layers=single_layers(walk.self_assignments),
        detaching=frozenset(path for path, values in walk.returns.items() if all(map(detached, values))),
        backward_starters=frozenset(f.path for f in starters),
        argnums={f.path: walk.argnums[f.path[-1]] for f in functions[1:] if f.path[-1] in walk.argnums},
        unused_clipping_options=_unused_clipping_options(source),
        counters=frozenset(
            attr for attr, value in walk.self_assignments
            if attr in walk.counted and type(value) is ast.Constant and value.value == 0
        ),
        accumulated=frozenset(walk.accumulated),
        selfless_methods=frozenset(
            name for name, defined in methods.items() if all(f.path not in walk.reading_self for f in defined)
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


def _differentiates(part: "ModuleIndex") -> bool:
    """Whether module-level code hands a function to a differentiating call
    (`grad_fn = jax.grad(loss)`, `Lambda(distance)`, `model.compile(loss=...)`)."""
    return part.calls_method((*DIFFERENTIATING, "compile")) or any(
        call.rsplit(".", 1)[-1] in DIFFERENTIATING for call in part.calls
    )


def _applies_params(signature: List[str]) -> bool:
    """A JAX function that takes the weights it applies (`def layer_norm(params, x)`,
    `def loss(params, batch)`): code a gradient runs through, as `jax.grad` differentiates
    with respect to `params`. Not an update that takes the gradients beside them
    (`def sgd(params, grads, lr)`), which runs after the gradient is taken."""
    return signature[:1] == ["params"] and not any(_GRADIENT_ARGUMENT.match(name) for name in signature)


_GRADIENT_ARGUMENT = re.compile(r"^(grads?|gradients?|updates|g)$")


def _submodule_forwards(walk: ModuleWalk, methods: Dict[str, List[FunctionFacts]]) -> Dict[str, List[FunctionFacts]]:
    """By attribute: the forward of the module class of this file that `self.attr =
    Class(...)` holds, which `self.attr(x)` runs."""
    held: Dict[str, List[FunctionFacts]] = {}
    for attr, value in walk.self_assignments:
        if type(value) is ast.Call and type(value.func) is ast.Name and (
            value.func.id in walk.module_classes or value.func.id in walk.keras_layers
        ):
            held.setdefault(attr, []).extend(
                f for name in ("forward", "call", "__call__") for f in methods.get(name, ())
                if f.class_name == value.func.id
            )
    return held


def _called_only_without_gradient(functions: List[FunctionFacts], quiet: List[FunctionFacts]):
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

    def only_quiet(function: FunctionFacts) -> bool:
        name = function.path[-1]
        if function.class_name is not None:
            return name in silent_methods and name not in loud_methods
        return name in silent_calls and name not in loud_calls

    return only_quiet


def _is_role(function: FunctionFacts) -> bool:
    if not function.path:
        return False
    name = function.path[-1]
    if function.weightless_class and (name in ("forward", "call") or name.startswith("_forward")):
        return False  # its forward and the helpers named for it (`_forward_full_frame`)
    if function.class_name is not None and LOSS_CLASS.search(function.class_name):
        return name in ("forward", "__call__") or bool(_GRADIENT_ROLE.search(name))
    return bool(_GRADIENT_ROLE.search(name))
