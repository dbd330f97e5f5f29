"""What the shim agrees to evaluate, and how free names will be bound.

A finding's code comes from a user's file, so it is never imported or run as it
stands. It is parsed with Python's `ast`, every node is checked against an
allowlist, and only then compiled and evaluated with `eval` in a namespace built
here: the free names bound to probe values, the allowed modules and functions
bound by their qualified names, and no builtins but a handful of pure ones.

Allowed: literals, arithmetic, comparisons, subscripts; calls of functions of
`torch`, `torch.nn.functional`, `torch.linalg`, `torch.special`, `math`, `numpy`
and `numpy.linalg` (minus the ones that touch files or global state); tensor
methods and properties from a fixed list; straight-line assignments. Everything
else (attributes of unknown objects, calls of user functions, lambdas,
comprehensions, dunder names, imports of other modules, control flow) is refused
with a reason before anything runs.

This module imports nothing heavy: it names modules, and `verify` imports them.
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

ALLOWED_MODULES = frozenset(
    {
        "torch",
        "torch.nn.functional",
        "torch.linalg",
        "torch.special",
        "torch.fft",
        "math",
        "numpy",
        "numpy.linalg",
        "numpy.fft",
    }
)
# Modules that may appear only as a step on the way to an allowed one: `torch.nn.functional`.
_PASSAGES = frozenset({"torch.nn"})

# Functions of allowed modules that read or write files or change global state.
_DENIED_FUNCTIONS = frozenset(
    {
        "load",
        "save",
        "from_file",
        "compile",
        "manual_seed",
        "seed",
        "use_deterministic_algorithms",
        "savez",
        "savez_compressed",
        "savetxt",
        "loadtxt",
        "genfromtxt",
        "fromfile",
        "fromregex",
        "memmap",
        "tofile",
        "DataSource",
        "info",
        "show_config",
        "show_runtime",
        "source",
        "lookfor",
    }
)
_DENIED_PREFIXES = ("set", "_", "load", "save")

# Constants of other modules that guards use: `max(x, sys.float_info.min)`.
ALLOWED_CONSTANTS = frozenset({"sys.float_info.min", "sys.float_info.max", "sys.float_info.epsilon"})

# Pure builtins a finding's expression may call.
ALLOWED_BUILTINS = frozenset({"abs", "min", "max", "sum", "pow", "float", "int", "round", "len", "bool"})

# Tensor methods and properties that compute a value and change nothing: no
# in-place `_` methods, no `backward`, no hooks, no storage or device state.
TENSOR_ATTRIBUTES = frozenset(
    """
    abs absolute acos acosh add addcdiv addcmul addmm all allclose amax amin aminmax angle any
    arccos arccosh arcsin arcsinh arctan arctan2 arctanh argmax argmin argsort asin asinh atan
    atan2 atanh bmm broadcast_to cdouble ceil cfloat chunk clamp clamp_max clamp_min clip clone
    conj contiguous copysign cos cosh count_nonzero cross cummax cummin cumprod cumsum deg2rad
    detach diag diag_embed diagonal diff digamma dim dist div divide dot double dtype erf erfc
    erfinv exp exp2 expand expand_as expm1 flatten flip float float_power floor floor_divide fmax
    fmin fmod frac gather ge gt half bfloat16 heaviside hypot i0 inner is_floating_point isfinite
    isinf isnan isneginf isposinf isclose item kron le lerp lgamma log log10 log1p log2 log_softmax
    logaddexp logaddexp2 logcumsumexp logdet logical_and logical_not logical_or logical_xor logit
    logsumexp lt masked_fill matmul max maximum mean median min minimum mm mul multiply mv
    nan_to_num nanmean nanmedian nanquantile nansum narrow ndim ndimension ne neg negative norm
    numel outer permute pow prod quantile rad2deg reciprocal relu remainder repeat reshape
    reshape_as roll rot90 round rsqrt select sgn shape sigmoid sign signbit sin sinc sinh size
    slogdet softmax sort split sqrt square squeeze std sub subtract sum sum_to_size swapaxes
    swapdims t T mT H mH tan tanh tensor_split tile topk trace transpose tril triu true_divide
    trunc type_as unbind unflatten unsqueeze var view view_as where xlogy real imag device
    requires_grad is_complex new_zeros new_ones new_full new_tensor zeros_like ones_like
    """.split()
)
# `torch.finfo(x.dtype).eps` and the like.
_FINFO = frozenset({"torch.finfo", "torch.iinfo", "numpy.finfo", "numpy.iinfo"})
_FINFO_ATTRIBUTES = frozenset({"eps", "tiny", "max", "min", "resolution", "smallest_normal", "bits"})

_EXPRESSION_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.keyword,
    ast.Name,
    ast.Attribute,
    ast.Subscript,
    ast.Slice,
    ast.Tuple,
    ast.List,
    ast.Constant,
    ast.Load,
    ast.Store,
    ast.operator,
    ast.unaryop,
    ast.cmpop,
    ast.boolop,
)
_REFUSED_NODES = {
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.NamedExpr: "an assignment expression (`:=`)",
    ast.Await: "`await`",
    ast.Yield: "`yield`",
    ast.YieldFrom: "`yield from`",
    ast.JoinedStr: "an f-string",
    ast.Starred: "`*` unpacking",
    ast.Dict: "a dict display",
    ast.Set: "a set display",
}
_STATEMENT_NAMES = {
    ast.If: "an `if` statement",
    ast.For: "a `for` loop",
    ast.While: "a `while` loop",
    ast.With: "a `with` block",
    ast.Try: "a `try` block",
    ast.FunctionDef: "a function definition",
    ast.ClassDef: "a class definition",
    ast.AsyncFunctionDef: "a function definition",
    ast.Delete: "`del`",
    ast.Global: "`global`",
    ast.Nonlocal: "`nonlocal`",
    ast.Raise: "`raise`",
    ast.Assert: "`assert`",
}
_MAX_INT = 1 << 16  # larger integer literals could ask for huge tensors
_MAX_STR = 64

# Free names that mean "a small positive constant", as nanlint.values.numbers reads them.
EPS_NAME = re.compile(r"(?i)(^|_)(eps|epsilon|tiny)($|_|\d)|eps$")
# What a free name is bound to, by how it is used (probes.py gives the values).
TENSOR = "tensor"  # anything not below: a probe tensor
DIM = "dim"  # `dim=d`, `x.sum(d)`, `torch.softmax(x, d)`: -1
INDEX = "index"  # `x[i]`: 0
BOUND = "bound"  # `x[:n]`: 2
FLAG = "flag"  # `keepdim=k`: True
ORDER = "order"  # `p=p` of a norm: 2
EPS = "eps"  # `eps`, `min=m`, names like `eps`/`epsilon`: 1e-8
EXPONENT = "exponent"  # `x ** g`: 2.0
CORRECTION = "correction"  # `correction=c`: 1
INDICES = "indices"  # class labels for `gather`/`cross_entropy`: one valid column per row
BASE = "base"  # `math.log(x, b)`: 2.0
_KEYWORD_KINDS = {
    "dim": DIM,
    "axis": DIM,
    "keepdim": FLAG,
    "keepdims": FLAG,
    "unbiased": FLAG,
    "p": ORDER,
    "ord": ORDER,
    "correction": CORRECTION,
    "ddof": CORRECTION,
    "eps": EPS,
    "min": EPS,
}
# Tensor methods whose positional arguments are dimensions.
_DIM_METHODS = frozenset(
    """unsqueeze squeeze transpose flatten softmax log_softmax cumsum cumprod logsumexp sum mean
    var std amax amin argmax argmin size nansum nanmean swapaxes swapdims""".split()
)
# Arguments that are integer class indices: (positional index, keyword).
_INDEX_METHODS = {"gather": (1, "index"), "index_select": (1, "index")}
_INDEX_FUNCTIONS = {
    "torch.gather": (2, "index"),
    "torch.index_select": (2, "index"),
    "torch.nn.functional.cross_entropy": (1, "target"),
    "torch.nn.functional.nll_loss": (1, "target"),
    "torch.nn.functional.one_hot": (0, "tensor"),
}
# Functions whose second positional argument is a logarithm's base.
_BASE_FUNCTIONS = frozenset({"math.log"})
# Functions whose second positional argument is a dimension.
_DIM_FUNCTIONS = frozenset(
    f"{prefix}.{name}"
    for prefix in ("torch", "torch.nn.functional", "numpy")
    for name in "sum mean var std softmax log_softmax logsumexp cumsum unsqueeze squeeze amax amin nansum".split()
)


class Refused(Exception):
    """The code uses something outside the allowlist; the message says what."""


@dataclass(frozen=True)
class Step:
    kind: str  # "assign", "return", "expr"
    targets: Tuple[str, ...]  # names an assignment binds (several for `a, b = ...`)
    code: Any  # a code object compiled from an ast.Expression
    source: str


@dataclass
class Program:
    """A validated expression or straight-line block, ready to evaluate."""

    source: str
    steps: List[Step]
    # How the value is read after the steps ran: ("return",), ("name", n) or ("expr",).
    result: Tuple[str, ...]
    free: Dict[str, str]  # free name -> kind (TENSOR, DIM, ...)
    bound: Dict[str, str]  # name -> qualified name of the module, function or builtin it is
    backend: str  # "torch", "numpy" or "math": what the probes are made of
    constants: List[float] = field(default_factory=list)  # float literals, for eps checks
    is_block: bool = False

    @property
    def target(self) -> str:
        return self.result[1] if self.result[0] == "name" else "the returned value"


DEFAULT_ALIASES: Mapping[str, str] = {
    "torch": "torch",
    "F": "torch.nn.functional",
    "nn": "torch.nn",
    "math": "math",
    "np": "numpy",
    "numpy": "numpy",
}


def compile_program(
    source: str, aliases: Optional[Mapping[str, str]] = None, result_name: Optional[str] = None
) -> Program:
    """Parse and validate `source`: one expression, or a block of simple statements.

    `aliases` maps local names to what they import (`{"T": "torch"}`); import
    statements inside a block add to them (never executed). For a block, the value
    compared is `result_name` if given, else that of the last statement.
    """
    aliases = dict(DEFAULT_ALIASES if aliases is None else aliases)
    text = source.strip()
    try:
        tree = ast.parse(f"(\n{text}\n)", mode="eval")
    except SyntaxError:
        tree = None
    if tree is not None:
        return _Checker(aliases, text).expression(tree)
    import textwrap

    text = textwrap.dedent(source).strip("\n")
    try:
        module = ast.parse(text)
    except SyntaxError as error:
        raise Refused(f"does not parse: {error.msg} (line {error.lineno})") from None
    return _Checker(aliases, text).block(module, result_name)


def resolve(qualified: str) -> Any:
    """The object a validated qualified name names (imports the allowed module)."""
    if qualified == "sys":
        # Only `sys.float_info.<constant>` passes validation; bind just those.
        import sys
        from types import SimpleNamespace

        info = sys.float_info
        return SimpleNamespace(float_info=SimpleNamespace(min=info.min, max=info.max, epsilon=info.epsilon))
    if qualified.startswith("builtins."):
        import builtins

        return getattr(builtins, qualified.split(".", 1)[1])
    if qualified in ALLOWED_MODULES or qualified in _PASSAGES:
        return importlib.import_module(qualified)
    module, _, attribute = qualified.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def _allowed_member(module: str, attribute: str) -> Optional[str]:
    """Why `module.attribute` may not be used, or None when it may."""
    if attribute.startswith(_DENIED_PREFIXES) or attribute in _DENIED_FUNCTIONS:
        return f"`{module}.{attribute}` touches files, global state or internals"
    try:
        value = getattr(importlib.import_module(module), attribute)
    except ImportError:
        return f"`{module}` is not installed"
    except AttributeError:
        return f"`{module}.{attribute}` does not exist"
    if isinstance(value, type(importlib)):
        full = f"{module}.{attribute}"
        if full in ALLOWED_MODULES or full in _PASSAGES:
            return None
        return f"`{full}` is a module outside the allowlist"
    return None


class _Checker:
    def __init__(self, aliases: Dict[str, str], source: str) -> None:
        self.aliases = aliases
        self.source = source
        self.locals: Set[str] = set()  # names assigned by earlier statements of a block
        self.free: Dict[str, str] = {}
        self.bound: Dict[str, str] = {}
        self.uses: List[str] = []  # qualified names of functions called
        self.constants: List[float] = []

    # -- programs ------------------------------------------------------------------
    def expression(self, tree: ast.Expression) -> Program:
        self.check(tree.body)
        step = Step("expr", (), compile(tree, "<nanlint-shim>", "eval"), self.source)
        return self.program([step], ("expr",), is_block=False)

    def block(self, module: ast.Module, result_name: Optional[str]) -> Program:
        steps: List[Step] = []
        body = list(module.body)
        if not body:
            raise Refused("nothing to evaluate")
        result: Tuple[str, ...] = ("expr",)
        for statement in body:
            segment = ast.get_source_segment(self.source, statement) or ""
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                self.bind_import(statement)
                continue
            if isinstance(statement, ast.Pass):
                continue
            if isinstance(statement, ast.Return):
                if statement.value is None:
                    raise Refused("a bare `return` has no value to compare")
                steps.append(self.step("return", (), statement.value, segment))
                result = ("return",)
                break
            if isinstance(statement, ast.Expr):
                steps.append(self.step("expr", (), statement.value, segment))
                result = ("expr",)
                continue
            if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets, value = self.assignment(statement)
                steps.append(self.step("assign", targets, value, segment))
                self.locals.update(targets)
                result = ("name", targets[-1]) if len(targets) == 1 else ("expr",)
                continue
            what = _STATEMENT_NAMES.get(type(statement), f"a `{type(statement).__name__}` statement")
            raise Refused(f"{what}: only straight-line assignments are evaluated")
        if result_name is not None:
            if result_name not in self.locals:
                raise Refused(f"`{result_name}` is not assigned in the block")
            result = ("name", result_name)
        if result == ("expr",) and steps and steps[-1].kind == "assign":
            raise Refused("the last statement unpacks several names: nothing single to compare")
        return self.program(steps, result, is_block=True)

    def program(self, steps: List[Step], result: Tuple[str, ...], is_block: bool) -> Program:
        return Program(
            source=self.source,
            steps=steps,
            result=result,
            free=self.free,
            bound=self.bound,
            backend=self.backend(),
            constants=self.constants,
            is_block=is_block,
        )

    def backend(self) -> str:
        roots = {qualified.split(".")[0] for qualified in self.uses}
        if "torch" in roots:
            return "torch"
        if "numpy" in roots:
            return "numpy"
        if "math" in roots:
            return "math"
        return "torch"

    def assignment(self, statement: ast.stmt) -> Tuple[Tuple[str, ...], ast.expr]:
        if isinstance(statement, ast.AugAssign):
            target = statement.target
            if not isinstance(target, ast.Name):
                raise Refused("augmented assignment to something other than a name")
            # `x += e` as `x = x + e`: tensors' in-place add would write into a probe.
            value = ast.copy_location(
                ast.BinOp(ast.Name(target.id, ast.Load()), statement.op, statement.value), statement
            )
            ast.fix_missing_locations(value)
            return (target.id,), value
        if isinstance(statement, ast.AnnAssign):
            if statement.value is None or not isinstance(statement.target, ast.Name):
                raise Refused("an annotation without a plain assignment")
            return (statement.target.id,), statement.value
        assert isinstance(statement, ast.Assign)
        if len(statement.targets) != 1:
            raise Refused("chained assignment `a = b = ...`")
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return (target.id,), statement.value
        if isinstance(target, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Name) for e in target.elts):
            return tuple(e.id for e in target.elts), statement.value  # type: ignore[attr-defined]
        raise Refused("assignment to an attribute or a subscript: only names are evaluated")

    def step(self, kind: str, targets: Tuple[str, ...], value: ast.expr, segment: str) -> Step:
        for name in targets:
            _check_name(name)
        self.check(value)
        tree = ast.Expression(value)
        ast.fix_missing_locations(tree)
        return Step(kind, targets, compile(tree, "<nanlint-shim>", "eval"), segment)

    def bind_import(self, statement: ast.stmt) -> None:
        # Never executed: an import of an allowed module only names it.
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    local, qualified = alias.asname, alias.name
                else:
                    local = qualified = alias.name.split(".")[0]
                if not _is_allowed_module(alias.name):
                    raise Refused(f"imports `{alias.name}`, which is not on the allowlist")
                self.aliases[local] = qualified
            return
        assert isinstance(statement, ast.ImportFrom)
        if statement.level or not statement.module:
            raise Refused("a relative import: no user module is imported")
        for alias in statement.names:
            if alias.name == "*":
                raise Refused("`import *`")
            qualified = f"{statement.module}.{alias.name}"
            if not (_is_allowed_module(qualified) or self.member_reason(qualified) is None):
                raise Refused(f"imports `{qualified}`, which is not on the allowlist")
            self.aliases[alias.asname or alias.name] = qualified

    # -- nodes ---------------------------------------------------------------------
    def check(self, node: ast.AST) -> None:
        for child in ast.walk(node):
            refused = _REFUSED_NODES.get(type(child))
            if refused is not None:
                raise Refused(f"{refused} is not evaluated")
            if not isinstance(child, _EXPRESSION_NODES):
                raise Refused(f"`{type(child).__name__}` is not evaluated")
            if isinstance(child, ast.Name):
                _check_name(child.id)
            elif isinstance(child, ast.Attribute):
                _check_name(child.attr, what="attribute")
            if isinstance(child, ast.Constant):
                self.constant(child)
            elif isinstance(child, ast.keyword) and child.arg is None:
                raise Refused("`**` unpacking is not evaluated")
            elif isinstance(child, ast.BinOp):
                _check_arithmetic(child)
        self.visit(node, parent=None)

    def constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            return
        if isinstance(value, int):
            if abs(value) > _MAX_INT:
                raise Refused(f"the integer literal {value} is too large to evaluate safely")
            return
        if isinstance(value, float):
            self.constants.append(value)
            return
        if isinstance(value, complex):
            return
        if isinstance(value, str) and len(value) <= _MAX_STR:
            return
        raise Refused(f"the literal {type(value).__name__} is not evaluated")

    def visit(self, node: ast.AST, parent: Optional[ast.AST], role: str = "") -> None:
        """Check names, attributes and calls; `role` says how a free name here is used."""
        if isinstance(node, ast.Name):
            self.name(node, role)
            return
        if isinstance(node, ast.Attribute):
            self.attribute(node, called=False)
            return
        if isinstance(node, ast.Call):
            self.call(node)
            return
        if isinstance(node, ast.Subscript):
            # `y[:, None]` as a gather index: `y` holds the class indices.
            self.visit(node.value, node, INDICES if role == INDICES else "")
            self.visit(node.slice, node, INDEX)
            return
        if isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None:
                    self.visit(part, node, BOUND)
            return
        if isinstance(node, ast.Tuple) and role in (INDEX, BOUND):
            for element in node.elts:
                self.visit(element, node, role)
            return
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            self.visit(node.left, node)
            self.visit(node.right, node, EXPONENT)
            return
        for child in ast.iter_child_nodes(node):
            self.visit(child, node)

    def name(self, node: ast.Name, role: str) -> None:
        name = node.id
        _check_name(name)
        if name in self.locals:
            return
        qualified = self.qualify_name(name)
        if qualified is not None:
            if not (qualified in ALLOWED_MODULES or qualified in _PASSAGES or qualified.startswith("builtins.")):
                # A function named by `from torch import sqrt`: fine as a value too.
                reason = self.member_reason(qualified)
                if reason is not None:
                    raise Refused(reason)
            self.bound[name] = qualified
            return
        kind = role or TENSOR
        if role in ("", TENSOR) and EPS_NAME.search(name):
            kind = EPS
        self.free.setdefault(name, kind)

    def qualify_name(self, name: str) -> Optional[str]:
        """The qualified name `name` refers to: an import or an allowed builtin."""
        qualified = self.aliases.get(name)
        if qualified is not None:
            return qualified
        if name in ALLOWED_BUILTINS:
            return f"builtins.{name}"
        return None

    def qualify(self, node: ast.AST) -> Optional[str]:
        """`torch.linalg.vector_norm` for an attribute chain rooted in an allowed module."""
        if isinstance(node, ast.Name):
            if node.id in self.locals:
                return None
            return self.qualify_name(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            if base is not None and (base in ALLOWED_MODULES or base in _PASSAGES):
                return f"{base}.{node.attr}"
            if base is not None:
                return f"{base}.{node.attr}"  # e.g. a function's attribute: refused later
        return None

    def member_reason(self, qualified: str) -> Optional[str]:
        """Why the module member `qualified` is refused, or None when allowed."""
        module, _, attribute = qualified.rpartition(".")
        if module not in ALLOWED_MODULES and module not in _PASSAGES:
            return f"`{qualified}` is not on the allowlist"
        if module in _PASSAGES and f"{module}.{attribute}" not in ALLOWED_MODULES:
            return f"`{qualified}` is not on the allowlist"
        return _allowed_member(module, attribute)

    def attribute(self, node: ast.Attribute, called: bool) -> Optional[str]:
        """Check an attribute; return its qualified name when it names a module member."""
        _check_name(node.attr, what="attribute")
        qualified = self.qualify(node)
        if qualified in ALLOWED_CONSTANTS:
            self.bound[_root(node)] = "sys"
            return qualified
        if qualified is not None:
            reason = self.member_reason(qualified)
            if reason is not None:
                raise Refused(reason)
            self.bound.setdefault(_root(node), self.qualify(_root_node(node)) or "")
            return qualified
        # Not a module member: a method or property of a computed value (a tensor).
        value = node.value
        if isinstance(value, ast.Call) and self.qualify(value.func) in _FINFO and node.attr in _FINFO_ATTRIBUTES:
            self.visit(value, node)
            return None
        if isinstance(value, ast.Name) and value.id in ("self", "cls"):
            # `self.sigmoid(x)`: a layer the object holds, whatever its name says.
            raise Refused(
                f"`{value.id}.{node.attr}`: `{value.id}` is not known to be a tensor (it is the object "
                "the code belongs to); attributes of unknown objects are not evaluated"
            )
        if node.attr not in TENSOR_ATTRIBUTES:
            chain = _dotted(node)
            if isinstance(_root_node(node), ast.Name) and chain:
                raise Refused(
                    f"`{chain}`: `{_root(node)}` is not known to be a tensor and `.{node.attr}` is not a "
                    "tensor method; attributes of unknown objects are not evaluated"
                )
            raise Refused(f"`.{node.attr}` is not a tensor method on the allowlist")
        if isinstance(value, ast.Name):
            self.visit(value, node, TENSOR)
        else:
            self.visit(value, node)
        return None

    def call(self, node: ast.Call) -> None:
        function = node.func
        qualified: Optional[str] = None
        method: Optional[str] = None
        if isinstance(function, ast.Name):
            _check_name(function.id)
            if function.id in self.locals:
                raise Refused(f"calls `{function.id}`, a value computed in the block: not evaluated")
            qualified = self.qualify_name(function.id)
            if qualified is None:
                raise Refused(f"calls `{function.id}`, which is not on the allowlist (a user function?)")
            if qualified in ALLOWED_MODULES or qualified in _PASSAGES:
                raise Refused(f"calls the module `{qualified}`")
            if not qualified.startswith("builtins."):
                reason = self.member_reason(qualified)
                if reason is not None:
                    raise Refused(reason)
            self.bound[function.id] = qualified
        elif isinstance(function, ast.Attribute):
            owner = function.value
            if (
                isinstance(owner, ast.Name)
                and function.attr in _UNARY_FUNCTIONS
                and node.args
                and owner.id not in self.locals
                and self.qualify_name(owner.id) is None
            ):
                # `x.arccos()` takes no argument: `lib.arccos(v)` calls a namespace that
                # the code is handed (array-API style), which has no probe value.
                raise Refused(f"`{owner.id}.{function.attr}(...)` calls an array namespace handed in: not evaluated")
            qualified = self.attribute(function, called=True)
            if qualified is None:
                method = function.attr
        else:
            raise Refused("calls something that is not a name or a method (the result of a call?)")
        if qualified is not None:
            if qualified in ALLOWED_MODULES or qualified in _PASSAGES:
                raise Refused(f"calls the module `{qualified}`")
            self.uses.append(qualified)
        if qualified in _SIZED_FUNCTIONS or method in _SIZED_METHODS:
            _check_size(node, qualified or f".{method}")
        indices = _INDEX_METHODS.get(method or "") or _INDEX_FUNCTIONS.get(qualified or "") or (-1, "")
        for index, argument in enumerate(node.args):
            role = ""
            if method in _DIM_METHODS or (qualified in _DIM_FUNCTIONS and index == 1):
                role = DIM
            elif index == indices[0]:
                role = INDICES
            elif index == 1 and qualified in _BASE_FUNCTIONS:
                role = BASE
            self.visit(argument, node, role)
        for keyword in node.keywords:
            role = INDICES if keyword.arg == indices[1] else _KEYWORD_KINDS.get(keyword.arg or "", "")
            self.visit(keyword.value, keyword, role)


# Tensor methods that take no positional argument: called with one, the receiver is a
# namespace (`xp.sqrt(x)`), not a tensor.
_UNARY_FUNCTIONS = frozenset("arccos arcsin arctan acos asin atan sqrt exp log abs sin cos tan".split())
# Calls whose integer arguments are sizes or repeat counts: a literal may not ask
# for more than _MAX_ELEMENTS elements (the probes themselves have a dozen).
_SIZED_FUNCTIONS = frozenset(
    f"{prefix}.{name}"
    for prefix in ("torch", "numpy")
    for name in "zeros ones empty full rand randn randint randperm arange linspace logspace eye tile".split()
)
_SIZED_METHODS = frozenset("new_zeros new_ones new_full new_empty expand repeat tile broadcast_to".split())
_MAX_ELEMENTS = 1 << 20


def _check_size(call: ast.Call, what: str) -> None:
    elements = 1
    for argument in list(call.args) + [k.value for k in call.keywords]:
        for node in ast.walk(argument):
            if isinstance(node, ast.Constant) and type(node.value) is int and node.value > 0:
                elements *= node.value
    if elements > _MAX_ELEMENTS:
        raise Refused(f"`{what}` with sizes that ask for {elements} elements: not evaluated")


def _check_arithmetic(node: ast.BinOp) -> None:
    """Refuse literal arithmetic that could take unbounded time or memory."""
    for side in (node.left, node.right):
        if isinstance(side, (ast.List, ast.Tuple)) or (
            isinstance(side, ast.Constant) and isinstance(side.value, (str, bytes))
        ):
            raise Refused("arithmetic on a sequence or a string literal is not evaluated")
    if isinstance(node.op, (ast.Pow, ast.LShift)) and _literal_only(node.left) and _literal_only(node.right):
        small = isinstance(node.right, ast.Constant) and isinstance(node.right.value, (int, float))
        if not small or abs(node.right.value) > 64 or any(  # type: ignore[union-attr]
            isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Pow, ast.LShift)) for n in ast.walk(node.left)
        ):
            raise Refused("a large power of a literal is not evaluated")


def _literal_only(node: ast.AST) -> bool:
    return not any(isinstance(n, (ast.Name, ast.Call, ast.Attribute)) for n in ast.walk(node))


def _is_allowed_module(name: str) -> bool:
    return name in ALLOWED_MODULES or name in _PASSAGES or name == "torch.nn.functional"


def _check_name(name: str, what: str = "name") -> None:
    if name.startswith("__") or name.endswith("__"):
        raise Refused(f"the dunder {what} `{name}` is not evaluated")
    if what == "attribute" and name.startswith("_"):
        raise Refused(f"the private attribute `{name}` is not evaluated")


def _root_node(node: ast.AST) -> ast.AST:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node


def _root(node: ast.AST) -> str:
    root = _root_node(node)
    return root.id if isinstance(root, ast.Name) else ""


def _dotted(node: ast.AST) -> str:
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))
