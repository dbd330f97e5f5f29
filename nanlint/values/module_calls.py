"""What a module's own functions hand each other and give back, from the one walk of its
`ast`: the parameters a call hands a sigmoid or softmax output, a distance, configuration
or a random draw; what each function returns (a probability, a squared distance, a sum
of one of its parameters); the layers a class keeps. Asked by the module summary."""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple

from nanlint.values.api import DETACHING_METHODS, SATURATING_LAYERS, SHAPE_METHODS
from nanlint.values.module_walk import ModuleWalk, Path, Unpacked, is_self, last_name


def calls_between_functions(walk: ModuleWalk, kinds: "Kinds", source: str) -> Dict[str, object]:
    """The summary's fields about what the module's functions hand each other: the
    parameters some call hands a sigmoid or softmax output (`passed`) or a distance,
    those every call hands configuration or a random draw, and the functions that return
    a probability."""
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
            "random_parameters": random}


def _passed(walk: ModuleWalk, kinds: "Kinds"):
    """What the module's calls hand its functions' parameters, in one pass over them: a
    sigmoid or softmax output (by kind), a distance, and (for every call) configuration
    or a random draw."""
    found: Dict[Tuple[Path, str], Tuple[str, int, int]] = {}
    distances: Dict[Tuple[Path, str], Tuple[int, int]] = {}
    every: Dict[Tuple[Path, str], bool] = {}
    drawn: Dict[Tuple[Path, str], bool] = {}
    for owner, call, key, argument in call_arguments(walk, kinds):
        every[key] = every.get(key, True) and _is_configuration(argument)
        drawn[key] = drawn.get(key, True) and _is_random_draw(walk, argument, owner.path, 2)
        kind = kinds.of(argument, owner.path, 5)
        if kind is not None:
            found.setdefault(key, (kind, call.lineno, call.col_offset))
        elif is_distance(walk, argument, owner.path, 4):
            distances.setdefault(key, (call.lineno, call.col_offset))
    return (found, distances, frozenset(key for key, configured in every.items() if configured),
            frozenset(key for key, random in drawn.items() if random))


# Draws from a random generator: `torch.randn(...)`, `np.random.standard_normal(...)`,
# `tf.random.normal(...)`, `rng.normal(...)`.
_DRAWS = frozenset(("randn", "randn_like", "rand", "rand_like", "standard_normal", "random_normal",
                    "truncated_normal"))
_DRAWS_OF_A_GENERATOR = frozenset(("normal", "uniform", "random_uniform"))
_GENERATORS = frozenset(("random", "rng", "torch", "generator"))


def _is_random_draw(walk: ModuleWalk, value: ast.AST, path: Path, depth: int) -> bool:
    """A random draw, through scalings, indexing, device moves and the caller's names."""
    kind = type(value)
    if kind is ast.Call:
        func = value.func
        name = last_name(func)
        if name in _DRAWS:
            return True
        if name in _DRAWS_OF_A_GENERATOR and type(func) is ast.Attribute:
            return (last_name(func.value) or "").lower() in _GENERATORS
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


def call_arguments(walk: ModuleWalk, kinds: "Kinds"):
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


def detached(value: ast.AST) -> bool:
    return type(value) is ast.Call and type(value.func) is ast.Attribute and value.func.attr in DETACHING_METHODS


def single_layers(self_assignments) -> Dict[str, Tuple[str, Optional[int]]]:
    found: Dict[str, Optional[Tuple[str, Optional[int]]]] = {}
    for attr, value in self_assignments:
        layer = _single_layer(value)
        key = f"self.{attr}"
        found[key] = layer if found.get(key, layer) == layer else None
    return {key: layer for key, layer in found.items() if layer is not None}


def _single_layer(value: ast.AST) -> Optional[Tuple[str, Optional[int]]]:
    if type(value) is not ast.Call:
        return None
    name = last_name(value.func)
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


def reducing(walk: ModuleWalk) -> Dict[Path, int]:
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
    if type(value) is not ast.Call or last_name(value.func) not in _REDUCTIONS:
        return None
    func = value.func
    method = type(func) is ast.Attribute and not (type(func.value) is ast.Name and func.value.id in MODULE_ALIASES)
    operand = func.value if method else (value.args[0] if value.args else None)
    if type(operand) is ast.Name and operand.id in params:
        return params.index(operand.id)
    return None


# -- distances ---------------------------------------------------------------------------
_ROOTS = frozenset(("sqrt",))
_REDUCTIONS = frozenset(("sum", "mean", "nansum", "nanmean", "reduce_sum", "reduce_mean"))
_CLAMPS = frozenset(("clamp", "clip", "clamp_min"))


def is_distance(walk: ModuleWalk, value: ast.AST, path: Path, depth: int, clamped: bool = False) -> bool:
    """Whether `value` is a distance between points that can meet: a sum (or mean) of
    squares, a clamp at 0 of a sum that holds one (`clamped`: a term is enough, since
    the clamp is there for the rounding below 0), or a root of either; through reshapes,
    indexing, division and the names of the function, every assignment of each."""
    if depth < 0:
        return False
    kind = type(value)
    if kind is ast.Name:
        values = walk.assignments.get(path, {}).get(value.id, ())
        return any(is_distance(walk, v, path, depth - 1, clamped) for v in values)
    if kind is ast.Subscript:
        return is_distance(walk, value.value, path, depth, clamped)
    if kind is ast.BinOp:
        op = type(value.op)
        if op is ast.Pow:
            exponent = value.right
            if type(exponent) is ast.Constant and exponent.value == 2:
                return True
            if type(exponent) is ast.Constant and exponent.value == 0.5:
                return is_distance(walk, value.left, path, depth, clamped)
            return False
        if op is ast.Mult and ast.dump(value.left) == ast.dump(value.right):
            return True
        if op is ast.Div:
            return is_distance(walk, value.left, path, depth, clamped)
        if op is ast.Add:
            left = is_distance(walk, value.left, path, depth, clamped)
            right = is_distance(walk, value.right, path, depth, clamped)
            return left or right if clamped else left and right
        if op is ast.Mult and clamped:
            return is_distance(walk, value.left, path, depth, clamped) or is_distance(walk, value.right, path, depth, clamped)
        return False
    if kind is not ast.Call:
        return False
    func = value.func
    name = last_name(func)
    method = type(func) is ast.Attribute and not (type(func.value) is ast.Name and func.value.id in MODULE_ALIASES)
    operand = func.value if method else (value.args[0] if value.args else None)
    if operand is None:
        return False
    if name == "square" or name == "pow" and _exponent(value, method) == 2:
        return True
    if name in _ROOTS or name in SHAPE_METHODS and method:
        return is_distance(walk, operand, path, depth, clamped)
    if name in _REDUCTIONS:
        return is_distance(walk, operand, path, depth, clamped)
    if name in _CLAMPS and _lower_bound(value, method) == 0:
        return is_distance(walk, operand, path, depth, True)
    return False


MODULE_ALIASES = frozenset(("torch", "np", "numpy", "jnp", "F", "math", "tf", "K", "ops"))


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


class Kinds:
    """Whether an expression of a function holds a sigmoid or softmax output: through
    its names' last assignments, tuples unpacked from calls, and what the module's
    own functions and methods (`self(x)` is `forward`) return."""

    def __init__(self, walk: ModuleWalk, models: Dict[str, str]) -> None:
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
        if in_method and type(func) is ast.Attribute and is_self(func.value):
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
        if kind is Unpacked:
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
def saturating_models(self_assignments, forwards) -> Dict[str, str]:
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
    name = last_name(value.func)
    if name in SATURATING_LAYERS:
        return SATURATING_LAYERS[name]
    if name == "Sequential" and value.args:
        last = value.args[-1]
        if isinstance(last, ast.Call) and last_name(last.func) in SATURATING_LAYERS:
            return SATURATING_LAYERS[last_name(last.func)]
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
    name = last_name(value.func)
    if name in ("sigmoid", "expit"):
        return "sigmoid"
    if name in ("softmax", "softplus"):
        return name
    func = value.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
        return models.get(f"self.{func.attr}")
    return None
