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

from nanlint.values.api import SATURATING_LAYERS

Path = Tuple[str, ...]

# Functions a gradient runs through by their role: a module's forward pass, a loss,
# a penalty or regulariser added to one, a Lightning training step.
_GRADIENT_ROLE = re.compile(
    r"(?i)loss|criterion|penalt|regulari[sz]|objective|elbo|divergence|^forward$|^_forward|training_step|train_step"
)
# Classes whose methods compute a loss: `class FocalLoss(nn.Module)`, `class Criterion`.
_LOSS_CLASS = re.compile(r"(?i)loss|criterion|objective")
# Classes that prepare data: their arithmetic runs on inputs, not on parameters.
_DATA_CLASS = re.compile(r"(?i)dataset|dataloader|transform|augment|sampler|collat|preprocess|metric")
# Functions that build or reset weights, and autograd's own backward functions, where
# values are written by hand and no autograd graph is recorded.
_NO_GRADIENT_ROLE = re.compile(r"(?i)(^|_)init(ialize|ialise)?(_|$)|reset_parameters|^backward$|^_?jvp$|^vjp$")
# Calls that start a backward pass: `loss.backward()`, `self.manual_backward(loss)`,
# `accelerator.backward(loss)`, `scaler.scale(loss).backward()`, `torch.autograd.grad`.
_BACKWARD_METHODS = frozenset(("backward", "manual_backward"))
_BACKWARD_FUNCTIONS = frozenset(("grad", "backward", "vjp", "value_and_grad", "jacrev", "jacfwd"))
_NO_GRAD_DECORATORS = frozenset(("no_grad", "inference_mode", "once_differentiable"))
_PARAMETER_CALLS = frozenset(("Parameter", "register_parameter", "UninitializedParameter"))


@dataclass
class _Function:
    path: Path
    class_name: Optional[str]
    calls: Set[str] = field(default_factory=set)  # bare names called: `helper(x)`
    method_calls: Set[str] = field(default_factory=set)  # `self.helper(x)`, `Class.helper(x)`
    starts_backward: bool = False
    no_gradient: bool = False


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
    # What in the module makes exploding gradients a known risk ("mixed precision",
    # "a recurrent layer", ...): the evidence a training step needs clipping.
    risks: Tuple[str, ...] = ()

    def in_gradient_context(self, path: Path) -> bool:
        """Whether code of the function at `path` (`()`: module-level code, class
        bodies included) runs where a gradient can flow."""
        return path in self.gradient_paths and path not in self.no_gradient_paths


EMPTY = ModuleSummary(frozenset(), frozenset(), frozenset(), {}, ())


def summarize(tree: ast.Module) -> ModuleSummary:
    functions: List[_Function] = []
    parameters: Set[str] = set()
    module = _Function((), None)
    functions.append(module)
    _visit_body(tree.body, (), None, False, module, functions, parameters)

    by_name: Dict[str, List[_Function]] = {}
    methods: Dict[str, List[_Function]] = {}
    children: Dict[Path, List[_Function]] = {}
    for function in functions[1:]:
        (methods if function.class_name else by_name).setdefault(function.path[-1], []).append(function)
        children.setdefault(function.path[:-1], []).append(function)

    roots = [f for f in functions if not f.no_gradient and (f.starts_backward or _is_role(f))]
    reached: Set[Path] = set()
    stack = list(roots)
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
    return ModuleSummary(
        frozenset(reached),
        frozenset(f.path for f in functions if f.no_gradient),
        frozenset(parameters),
        _saturating_models(tree),
        _gradient_risks(tree),
    )


# -- evidence that gradients can explode ---------------------------------------------
_RISKS = (
    ("mixed precision", re.compile(r"^(autocast|GradScaler|half|float16|bfloat16|amp|fp16|bf16|mixed_precision)$")),
    ("a recurrent layer", re.compile(r"^(LSTM|GRU|RNN)(Cell)?$")),
    ("attention or a transformer", re.compile(
        r"^(MultiheadAttention|Transformer\w*|scaled_dot_product_attention|AutoModel\w*|from_pretrained)$")),
    ("adversarial training", re.compile(r"(?i)discriminator|^net_?d$|^(d|disc)_(loss|optimizer|opt)$|gradient_penalty")),
)


def _gradient_risks(tree: ast.Module) -> Tuple[str, ...]:
    words = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.add(node.id)
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
            # `scaler.scale(loss).backward()`: a loss scaled for float16.
            if node.attr == "backward" and isinstance(node.value, ast.Call) and _last_name(node.value.func) == "scale":
                words.add("amp")
        elif isinstance(node, ast.keyword) and node.arg:
            words.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 12:
            words.add(node.value)
        elif isinstance(node, ast.alias):
            words.add(node.name.rsplit(".", 1)[-1])
    return tuple(reason for reason, pattern in _RISKS if any(pattern.search(word) for word in words))


# -- models whose output is a probability -----------------------------------------------
def _saturating_models(tree: ast.Module) -> Dict[str, str]:
    found: Dict[str, str] = {}
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    for cls in classes:  # attributes first: a forward may return `self.head(x)`
        for node in ast.walk(cls):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                    kind = saturating_construction(node.value)
                    if kind is not None:
                        found[f"self.{target.attr}"] = kind
    for cls in classes:
        for member in cls.body:
            if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.name in ("forward", "call"):
                kind = _returns_saturating(member, found)
                if kind is not None:
                    found[cls.name] = kind
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
    if name == "softmax":
        return "softmax"
    func = value.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
        return models.get(f"self.{func.attr}")
    return None


def _is_role(function: _Function) -> bool:
    if not function.path:
        return False
    name = function.path[-1]
    if function.class_name is not None and _LOSS_CLASS.search(function.class_name):
        return name in ("forward", "__call__") or bool(_GRADIENT_ROLE.search(name))
    return bool(_GRADIENT_ROLE.search(name))


def _visit_body(
    body: List[ast.stmt],
    path: Path,
    class_name: Optional[str],
    data_class: bool,
    owner: _Function,
    functions: List[_Function],
    parameters: Set[str],
) -> None:
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = _Function(path + (statement.name,), class_name)
            function.no_gradient = (
                data_class
                or bool(_NO_GRADIENT_ROLE.search(statement.name))
                or any(_last_name(d) in _NO_GRAD_DECORATORS for d in statement.decorator_list)
            )
            functions.append(function)
            for default in statement.args.defaults + statement.args.kw_defaults:
                if default is not None:
                    _scan(default, owner, parameters)
            _visit_body(statement.body, function.path, None, data_class, function, functions, parameters)
        elif isinstance(statement, ast.ClassDef):
            bases = " ".join(_last_name(b) or "" for b in statement.bases)
            is_data = data_class or bool(_DATA_CLASS.search(statement.name) or _DATA_CLASS.search(bases))
            _visit_body(statement.body, path + (statement.name,), statement.name, is_data, owner, functions, parameters)
        else:
            _scan(statement, owner, parameters)


def _scan(node: ast.AST, owner: _Function, parameters: Set[str]) -> None:
    """Calls and parameter assignments in one statement, not descending into nested
    definitions (a lambda's calls are its owner's: it runs where it is called)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(current, ast.Call):
            func = current.func
            if isinstance(func, ast.Name):
                owner.calls.add(func.id)
                if func.id in _BACKWARD_FUNCTIONS and func.id != "backward":
                    owner.starts_backward = True
            elif isinstance(func, ast.Attribute):
                if func.attr in _BACKWARD_METHODS or (
                    func.attr in _BACKWARD_FUNCTIONS and _last_name(func.value) in ("autograd", "jax", "functional")
                ):
                    owner.starts_backward = True
                if isinstance(func.value, ast.Name) or isinstance(func.value, ast.Call):
                    owner.method_calls.add(func.attr)
                if func.attr in _PARAMETER_CALLS and current.args:
                    first = current.args[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        parameters.add(first.value)  # self.register_parameter("w", ...)
        elif isinstance(current, ast.Assign) and _is_parameter(current.value):
            for target in current.targets:
                if isinstance(target, ast.Attribute):
                    parameters.add(target.attr)
        stack.extend(ast.iter_child_nodes(current))


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
