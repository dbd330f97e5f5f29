"""Which names a function (or the module) binds, and how many times.

The value a name holds where it is read is the value model's question
(`nanlint.values.definitions`: every assignment that can reach the read). What is
left here is the count and the one plain `name = value` of a name bound once, for the
questions that need no more (is this a local? was it ever reassigned?), and the
`Unparsed` check for names that code left unparsed mentions.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Union

import libcst as cst

from nanlint.linting.parts import Unparsed
from nanlint.linting.walk import handlers, walk

Scope = Union[cst.Module, cst.FunctionDef, cst.Lambda]


class _Binding:
    __slots__ = ("count", "assign")

    def __init__(self) -> None:
        self.count = 0
        self.assign: Optional[cst.Assign] = None


class _BindingCollector:
    """Counts the bindings of each name in one scope, not in the scopes nested in it."""

    def __init__(self, scope: cst.CSTNode) -> None:
        self.scope = scope
        self.bindings: Dict[str, _Binding] = {}

    def _bind(self, name: str, assign: Optional[cst.Assign] = None) -> None:
        binding = self.bindings.setdefault(name, _Binding())
        binding.count += 1
        binding.assign = assign

    def _bind_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node is self.scope:
            for param in _all_params(node.params):
                self._bind(param.name.value)
            return True
        self._bind(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        if node is self.scope:
            for param in _all_params(node.params):
                self._bind(param.name.value)
            return True
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._bind(node.name.value)
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self._bind(node.targets[0].target.value, node)
            return
        for target in node.targets:
            self._bind_target(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind_target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind_target(node.target)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self._bind(item.name.value)
            self._bind(item.name.value)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self._bind(item.name.value)
            self._bind(item.name.value)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name)
        else:
            name = node.name
            while isinstance(name, cst.Attribute):
                name = name.value
            if isinstance(name, cst.Name):
                self._bind(name.value)

    # Comprehensions have their own scope in Python 3.
    def visit_ListComp(self, node: cst.ListComp) -> bool:
        return False

    def visit_SetComp(self, node: cst.SetComp) -> bool:
        return False

    def visit_DictComp(self, node: cst.DictComp) -> bool:
        return False

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        return False


def _all_params(params: cst.Parameters) -> List[cst.Param]:
    found = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            found.append(star)
    return found


class ScopeBindings:
    def __init__(self, scope: cst.CSTNode, unseen: FrozenSet[str] = frozenset()) -> None:
        """`unseen`: names that code of the scope left unparsed mentions; asking about
        one raises `Unparsed`, as its bindings here would be incomplete."""
        self._unseen = unseen
        collector = _BindingCollector(scope)
        visits, leaves = handlers([collector])
        for root in scope.body if isinstance(scope, cst.Module) else (scope,):
            walk(root, visits, leaves)
        self._bindings = collector.bindings

    def single_assignment(self, name: str) -> Optional[cst.Assign]:
        self._ask(name)
        binding = self._bindings.get(name)
        if binding is None or binding.count != 1:
            return None
        return binding.assign

    def is_bound(self, name: str) -> bool:
        self._ask(name)
        return name in self._bindings

    def count(self, name: str) -> int:
        """How many times `name` is bound in the scope (a parameter counts once)."""
        self._ask(name)
        binding = self._bindings.get(name)
        return binding.count if binding is not None else 0

    def _ask(self, name: str) -> None:
        if name in self._unseen:
            raise Unparsed(name)
