"""What a name in a module refers to, from its imports.

libcst's QualifiedNameProvider answers this with full scope analysis, which costs
about six times the parse. Rules only need to know which module attribute a call
names (`T.sqrt` is `torch.sqrt`, a local `def sqrt` is nobody's), so one walk of
Python's own `ast` over the module builds an alias table at a fraction of the cost.
A name bound both by an import and by anything else is ambiguous and resolves to
nothing: a rule then stays silent rather than guess.
"""

from __future__ import annotations

import ast
import builtins
import re
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Set, Tuple

_BUILTINS = frozenset(dir(builtins))


# Libraries whose values are torch tensors.
_TORCH_LIBRARIES = ("torch_scatter", "torch_sparse", "torch_cluster", "torch_geometric")


class ImportTable:
    def __init__(self, aliases: Dict[str, str], bound: Set[str]) -> None:
        self.aliases = aliases  # local name -> qualified name
        self.bound = bound  # names bound other than by an import
        # Rules ask it of every part of the module (hundreds of thousands in a
        # generated one), always about the same few modules.
        self._imported: Dict[str, bool] = {}

    def resolve(self, name: str) -> Optional[str]:
        """The qualified name a bare name refers to, or None when unknown or local."""
        qualified = self.aliases.get(name)
        if qualified is not None:
            return qualified
        if name in _BUILTINS and name not in self.bound:
            return f"builtins.{name}"
        return None

    def imports_module(self, prefix: str) -> bool:
        """Whether anything from `prefix` (e.g. "torch") is imported; for torch, also from
        the libraries built on its tensors (`torch_scatter`, `torch_geometric`...), whose
        users call tensor methods without importing torch itself."""
        imported = self._imported.get(prefix)
        if imported is None:
            family = (prefix, *_TORCH_LIBRARIES) if prefix == "torch" else (prefix,)
            imported = any(q == name or q.startswith(name + ".") for q in self.aliases.values() for name in family)
            self._imported[prefix] = imported
        return imported

    def reference(self, qualified: str) -> "Optional[tuple[str, Optional[str]]]":
        """How to spell `qualified` here and the module to import if none fits, or None.

        Prefers an alias already there: with `import torch.nn.functional as F`,
        torch.nn.functional.log_softmax is `F.log_softmax`.
        """
        best: Optional[tuple] = None
        for local, target in self.aliases.items():
            if qualified == target or qualified.startswith(target + "."):
                if best is None or len(target) > len(best[1]):
                    best = (local, target)
        if best is not None:
            local, target = best
            return local + qualified[len(target):], None
        root = qualified.split(".")[0]
        if root in self.bound:
            return None  # importing it would clobber a local name
        return qualified, root


class ModuleIndex:
    """What one walk of a module's `ast` tells: its import table and the calls in it.

    Rules look at the calls (`Rule.wants`) to decide, before libcst parses
    anything, whether the file can hold a finding at all. The same is told of each
    of its parts (`parts`: the module-level statements; in a class, its members; in
    `name = [...]`, the rows), so that the engine can leave unparsed the parts no rule
    wants.
    """

    def __init__(
        self,
        imports: ImportTable,
        calls: Set[str],
        methods: Set[str],
        half_powers: bool,
        node: Optional[ast.AST] = None,
        parts: Tuple["ModuleIndex", ...] = (),
        loads: FrozenSet[str] = frozenset(),
        stores: FrozenSet[str] = frozenset(),
        mentions: Set[str] = frozenset(),
    ) -> None:
        self.imports = imports  # the module's, in every part
        self.calls = calls  # qualified names of the module functions called: "torch.sqrt"
        self.methods = methods  # names of methods called on other values: "sqrt" in x.sqrt()
        self.half_powers = half_powers  # whether `** 0.5` occurs
        self.node = node  # the `ast` node indexed: the module, or the node of one of its parts
        self.parts = parts
        self.loads = loads  # the names read in a part (`x` in `y = x + 1`); empty for the module
        # The names a part assigns, at any depth (`y`), but not in its own `parts`.
        self.stores = stores
        # Every name the code of a part binds or reads, attribute names included.
        self.mentions = mentions
        self.memo: Dict[str, object] = {}  # what a rule derives from the index, kept with it

    def calls_any(self, names: Iterable[str]) -> bool:
        return not self.calls.isdisjoint(names)

    def calls_method(self, names: Iterable[str]) -> bool:
        return not self.methods.isdisjoint(names)

    @classmethod
    def from_ast(cls, tree: ast.Module) -> "ModuleIndex":
        aliases: Dict[str, str] = {}
        ambiguous: Set[str] = set()
        bound: Set[str] = set()
        fallbacks: Set[str] = set()
        starred = []  # whether a star import brings names this walk cannot see

        def bind_import(local: str, qualified: str) -> None:
            if aliases.get(local, qualified) != qualified:
                ambiguous.add(local)
            aliases[local] = qualified

        def scan(roots: Iterable[ast.AST], found: "_Found") -> None:
            chains, methods, loads, stores = found.chains, found.methods, found.loads, found.stores
            others = found.others
            stack = list(roots)
            pop, push, extend = stack.pop, stack.append, stack.extend
            while stack:
                node = pop()
                kind = type(node)
                # An explicit walk over the fields that hold nodes: three times as fast as
                # `ast.walk`, which also visits every `Load`, `Store` and operator.
                for field in _CHILDREN.get(kind, ()):
                    value = getattr(node, field)
                    if type(value) is list:
                        extend(value)
                    elif value is not None:
                        push(value)
                if kind is ast.Name:
                    if type(node.ctx) is ast.Load:
                        loads.add(node.id)
                    else:
                        bound.add(node.id)
                        stores.add(node.id)
                elif kind is ast.Attribute:
                    others.add(node.attr)
                elif kind is ast.Call:
                    chain = _chain(node.func)
                    if chain is not None:
                        chains.append(chain)
                        if len(chain) > 1:
                            methods.add(chain[-1])
                    elif isinstance(node.func, ast.Attribute):
                        methods.add(node.func.attr)
                elif kind is ast.BinOp:
                    op = type(node.op)
                    if op is ast.Div:
                        methods.add("__truediv__")  # `a / b` is `a.__truediv__(b)`
                    elif op is ast.Pow and isinstance(node.right, ast.Constant) and node.right.value == 0.5:
                        found.half_powers = True
                elif kind is ast.AugAssign:
                    if type(node.op) is ast.Div:
                        methods.add("__itruediv__")  # `a /= b`
                elif kind is ast.arg:
                    bound.add(node.arg)
                    others.add(node.arg)
                elif kind is ast.Import:
                    for alias in node.names:
                        if alias.asname:
                            bind_import(alias.asname, alias.name)
                            others.add(alias.asname)
                        else:
                            # `import torch.nn` binds `torch` to the package `torch`.
                            top = alias.name.split(".")[0]
                            bind_import(top, top)
                            others.add(top)
                elif kind is ast.ImportFrom:
                    for alias in node.names:
                        local = alias.asname or alias.name
                        others.add(local)
                        if alias.name == "*":
                            starred.append(True)
                        elif node.level or not node.module:
                            bound.add(local)
                        else:
                            bind_import(local, f"{node.module}.{alias.name}")
                elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
                    bound.add(node.name)
                    others.add(node.name)
                elif kind is ast.Assign:
                    if isinstance(node.value, ast.Constant) and node.value.value is None:
                        # `except ImportError: torch = None` keeps `torch` meaning torch.
                        fallbacks.update(t.id for t in node.targets if isinstance(t, ast.Name))
                elif kind in (ast.Global, ast.Nonlocal):
                    bound.update(node.names)
                    others.update(node.names)
                elif kind is ast.ExceptHandler:
                    if node.name:
                        bound.add(node.name)
                        others.add(node.name)
                elif kind in _CAPTURES:
                    # `case x`, `case [*rest]`, `case {**rest}` bind names too; so do
                    # type parameters (`def f[T]()`).
                    captured = getattr(node, "name", None) or getattr(node, "rest", None)
                    if captured:
                        bound.add(captured)
                        others.add(captured)

        def part(node: ast.AST) -> _Found:
            found = _Found(node)
            kind = type(node)
            if kind is ast.ClassDef:
                bound.add(node.name)
                found.others.add(node.name)
                scan(_header(node), found)
                found.members.extend(part(member) for member in node.body)
            elif kind in _TABLES and type(node.value) in _DISPLAYS and len(node.value.elts) > 1:
                # `op_db = [OpInfo(...), ...]`: a table of thousands of lines, each row a part.
                scan(node.targets if kind is ast.Assign else (node.target, node.annotation), found)
                found.members.extend(part(row) for row in node.value.elts)
            else:
                scan((node,), found)
            return found

        # One walk in all, part by part: a class's header, then each of its members.
        parts = [part(statement) for statement in tree.body]

        bound -= fallbacks & set(aliases)
        for name in ambiguous | (bound & set(aliases)):
            aliases.pop(name, None)
        if starred:
            _assume_conventions(aliases, bound, parts)
        imports = ImportTable(aliases, bound)
        resolved = tuple(found.resolve(imports, cls) for found in parts)
        return cls(
            imports,
            set().union(*(part.calls for part in resolved)),
            set().union(*(part.methods for part in resolved)),
            any(part.half_powers for part in resolved),
            tree,
            resolved,
        )


# What the conventional names mean in code that takes them from a star import
# (`from .base_network import *`, which imports torch as `torch`, `nn` and `F`).
_CONVENTIONS = {
    "torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional", "np": "numpy", "tf": "tensorflow",
    "jnp": "jax.numpy",
}


def _assume_conventions(aliases: Dict[str, str], bound: Set[str], parts: List["_Found"]) -> None:
    """A conventional name read but neither imported nor bound here came with a star
    import: it means what it means everywhere."""
    unknown = {name for name in _CONVENTIONS if name not in aliases and name not in bound}
    if not unknown:
        return
    stack = list(parts)
    while stack and unknown:
        found = stack.pop()
        for name in unknown & found.loads:
            aliases[name] = _CONVENTIONS[name]
        unknown -= found.loads
        stack.extend(found.members)


class _Found:
    """What the walk of one part collected, before the import table is complete."""

    __slots__ = ("node", "chains", "methods", "half_powers", "members", "loads", "stores", "others")

    def __init__(self, node: ast.AST) -> None:
        self.node = node
        self.chains: List[Tuple[str, ...]] = []
        self.methods: Set[str] = set()
        self.half_powers = False
        self.members: List["_Found"] = []
        self.loads: Set[str] = set()
        self.stores: Set[str] = set()
        self.others: Set[str] = set()  # attributes, parameters, imports, definitions...

    def resolve(self, imports: ImportTable, index: type) -> ModuleIndex:
        """The part's index. The sets collected are the index's own, unioned in place
        (no copies), and an empty one is the shared `_NOTHING`: a generated module has
        hundreds of thousands of parts, and an empty set costs 216 bytes."""
        members = tuple(member.resolve(imports, index) for member in self.members)
        self.members = []  # collected: let them go as soon as their index exists
        calls: Set[str] = set()
        for chain in self.chains:
            qualified = imports.resolve(chain[0])
            if qualified is not None:
                calls.add(".".join((qualified,) + chain[1:]))
        methods, loads, mentions = self.methods, self.loads, self.others
        mentions |= loads
        mentions |= self.stores
        half_powers = self.half_powers
        for member in members:
            calls |= member.calls
            methods |= member.methods
            loads |= member.loads
            mentions |= member.mentions
            half_powers = half_powers or member.half_powers
        stores = self.stores  # the part's own: a class's or a table's members have theirs
        return index(
            imports,
            calls or _NOTHING,
            methods or _NOTHING,
            half_powers,
            self.node,
            members,
            loads or _NOTHING,
            stores or _NOTHING,
            mentions or _NOTHING,
        )


# The empty set every part without calls, methods, loads or stores shares.
_NOTHING: FrozenSet[str] = frozenset()


_TABLES = (ast.Assign, ast.AnnAssign)
_DISPLAYS = (ast.List, ast.Tuple, ast.Set)


def _header(statement: ast.ClassDef) -> List[ast.AST]:
    """The parts of a class statement outside its body: decorators, bases, keywords."""
    return [*statement.decorator_list, *statement.bases, *statement.keywords, *getattr(statement, "type_params", ())]


# Nodes with a `name` (or `rest`) they bind: match captures, type parameters.
_CAPTURES = tuple(
    kind
    for kind in (
        getattr(ast, name, None)
        for name in ("MatchAs", "MatchStar", "MatchMapping", "TypeVar", "ParamSpec", "TypeVarTuple")
    )
    if kind
)
# The ASDL types whose fields hold nodes; the others hold names, numbers, operators.
_NODE_TYPES = frozenset(
    ("alias", "arg", "arguments", "comprehension", "excepthandler", "expr", "keyword", "match_case")
    + ("pattern", "stmt", "type_param", "withitem")
)


def _node_fields(kind: type) -> Tuple[str, ...]:
    """The fields of an `ast` class that can hold nodes, from its signature
    (`FunctionDef(identifier name, arguments args, stmt* body, ...)`)."""
    signature = re.search(r"\((.*)\)", kind.__doc__ or "")
    if signature is None:
        return tuple(field for field in kind._fields if field != "ctx")
    fields = []
    for declaration in signature.group(1).split(","):
        declared, _, field = declaration.strip().rpartition(" ")
        if declared.rstrip("?*") in _NODE_TYPES:
            fields.append(field)
    return tuple(fields)


_CHILDREN = {
    kind: _node_fields(kind)
    for kind in vars(ast).values()
    if isinstance(kind, type) and issubclass(kind, ast.AST) and kind._fields
}


# For other walks of the same trees (`nanlint.values.summary`).
CHILD_FIELDS = _CHILDREN


def descendants(node: ast.AST) -> Iterator[ast.AST]:
    """`node` and every node under it, as `ast.walk` gives them but in another order,
    and without the contexts and operators (`Load`, `Div`): three times as fast."""
    stack = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        yield node
        for field in _CHILDREN.get(type(node), ()):
            value = getattr(node, field)
            if type(value) is list:
                extend(value)
            elif value is not None:
                push(value)


def _chain(node: ast.AST) -> Optional[Tuple[str, ...]]:
    """("np", "linalg", "norm") for `np.linalg.norm`; None when not a dotted name."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))
