"""Everything a rule may ask about the file it is visiting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst._position import CodeRange

from nanlint.linting.bindings import ScopeBindings
from nanlint.fixing.import_placement import standard_library_row
from nanlint.linting.names import ImportTable
from nanlint.linting.parts import Unparsed
from nanlint.linting.positions import Positions
from nanlint.reading.sources import split_lines
from nanlint.values.definitions import Scope as ScopeFlowScope
from nanlint.values.definitions import ScopeFlow
from nanlint.values.summary import EMPTY, ModuleSummary
from nanlint.rule import Diagnostic, Edit, Fix, InsertLinesBefore, Location, PendingFix, Related, Replace

if TYPE_CHECKING:
    from nanlint.rule import Rule


@dataclass(frozen=True)
class FixOptions:
    """The values fixes insert (config: `eps`, `max-norm`), and whose fixes are offered."""

    eps: str = "1e-12"
    max_norm: str = "1.0"
    # (code, what its fixes become): None drops them (`unfixable`), "safe" or "unsafe"
    # re-labels them (`extend-safe-fixes`, `extend-unsafe-fixes`).
    overrides: Tuple[Tuple[str, Optional[str]], ...] = ()


@dataclass
class _Report:
    rule: "Rule"
    node: cst.CSTNode
    message: str
    fix: Optional[PendingFix]
    statement: Optional[cst.CSTNode]
    top: Optional[cst.CSTNode]  # the module-level statement that holds `node`
    related: Tuple[Tuple[cst.CSTNode, str], ...] = ()


class FileContext:
    def __init__(
        self,
        filename: str,
        source: str,
        module: cst.Module,
        imports: ImportTable,
        options: FixOptions,
        statement_rows: Optional[Sequence[int]] = None,
        unseen: Optional[FrozenSet[str]] = None,
        summary: ModuleSummary = EMPTY,
    ) -> None:
        """`module` may have parts left unparsed (`nanlint.linting.parts`): then `unseen` holds
        every name they mention; None when the whole file was parsed."""
        self.filename = filename
        self.source = source
        self.module = module
        self.imports = imports
        self.options = options
        self.summary = summary  # what the module's `ast` told of the whole module
        # Kept by the engine as it walks: the nodes from the module down to the one
        # being visited (that one included).
        self.ancestors: List[cst.CSTNode] = []
        self._reports: List[_Report] = []
        # Where the value model went to reach its answer (a name's assignment, ...), in
        # the order the value travels; a rule clears it before asking, and reports it.
        self.trail: List[Tuple[cst.CSTNode, str]] = []
        self._scopes: Dict[int, ScopeBindings] = {}
        self._flows: Dict[int, ScopeFlow] = {}
        self._statement_rows = statement_rows
        self._unseen = unseen

    # -- names ---------------------------------------------------------------------
    def qualified_name(self, node: cst.CSTNode) -> Optional[str]:
        """`torch.sqrt` for `T.sqrt` under `import torch as T`; None when unknown."""
        if isinstance(node, cst.Name):
            # The import table resolves no name that the module binds any other way,
            # in any scope: a parameter or local can never be mistaken for an import.
            return self.imports.resolve(node.value)
        if isinstance(node, cst.Attribute):
            base = self.qualified_name(node.value)
            return f"{base}.{node.attr.value}" if base else None
        return None

    def reference(self, qualified: str) -> Optional[Tuple[str, Optional[str]]]:
        """How new code should spell `qualified`, and the module it must import."""
        return self.imports.reference(qualified)

    def code(self, node: cst.CSTNode) -> str:
        """The code of `node` as it reads in place: a line break inside its brackets
        keeps the indentation of the blocks around the node being visited."""
        blocks = [b for b in self.ancestors if isinstance(b, cst.IndentedBlock)]
        if not blocks:
            return self.module.code_for_node(node)
        state = CodegenState(
            default_indent=self.module.default_indent, default_newline=self.module.default_newline
        )
        for block in blocks:
            state.increase_indent(self.module.default_indent if block.indent is None else block.indent)
        node._codegen(state)
        return "".join(state.tokens)

    # -- where we are --------------------------------------------------------------
    def _enclosing_scopes(self):
        for node in reversed(self.ancestors):
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.Module)):
                yield node

    def bindings(self, scope: cst.CSTNode) -> ScopeBindings:
        found = self._scopes.get(id(scope))
        if found is None:
            unseen = self._unseen if isinstance(scope, cst.Module) and self._unseen else frozenset()
            found = self._scopes[id(scope)] = ScopeBindings(scope, unseen)
        return found

    def flow(self, scope: ScopeFlowScope) -> ScopeFlow:
        """The numbered statements of a function or of the module (reaching definitions)."""
        found = self._flows.get(id(scope))
        if found is None:
            found = self._flows[id(scope)] = ScopeFlow(scope)
        return found

    def require_seen(self, names: Iterable[str]) -> None:
        """Before reading module-level code for `names` outside the part being visited:
        raises `Unparsed` if code left unparsed mentions one of them."""
        if self._unseen and not self._unseen.isdisjoint(names):
            raise Unparsed(sorted(self._unseen.intersection(names)))

    def require_whole(self) -> None:
        """Before reading all the module-level code: raises `Unparsed` if parts of the
        module were left unparsed."""
        if self._unseen is not None:
            raise Unparsed("the whole module")

    def assignment_of(self, name: cst.Name) -> Optional[cst.Assign]:
        """The one `name = value` that gives this name its value, if there is exactly one."""
        for scope in self._enclosing_scopes():
            bindings = self.bindings(scope)
            if bindings.is_bound(name.value):
                return bindings.single_assignment(name.value)
        return None

    def current_statement(self) -> Optional[cst.CSTNode]:
        for node in reversed(self.ancestors):
            if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return node
        return None

    def enclosing_function(self) -> Optional[cst.FunctionDef]:
        for node in reversed(self.ancestors):
            if isinstance(node, cst.FunctionDef):
                return node
        return None

    # -- reporting -----------------------------------------------------------------
    def report(
        self,
        rule: "Rule",
        node: cst.CSTNode,
        message: str,
        fix: Optional[PendingFix],
        related: Tuple[Tuple[cst.CSTNode, str], ...] = (),
    ) -> None:
        top = self.ancestors[1] if len(self.ancestors) > 1 else None
        self._reports.append(_Report(rule, node, message, fix, self.current_statement(), top, related))

    def row_column(self, node: cst.CSTNode) -> Tuple[int, int]:
        """Where `node`, a node on the path being walked, starts in the file (1-based)."""
        top = self.ancestors[1] if len(self.ancestors) > 1 else None
        positions = Positions(self.module, split_lines(self.source), self._statement_rows)
        positions.locate(node, top)
        start = positions.syntactic[node].start
        return start.line, start.column + 1

    def diagnostics(self) -> List[Diagnostic]:
        """The reports as diagnostics; positions are computed here, only for what they name."""
        if not self._reports:
            return []
        lines = split_lines(self.source)
        positions = Positions(self.module, lines, self._statement_rows)

        def syntactic(node: cst.CSTNode, top: Optional[cst.CSTNode]) -> CodeRange:
            positions.locate(node, top)
            return positions.syntactic[node]

        def inclusive(node: cst.CSTNode, top: Optional[cst.CSTNode]) -> CodeRange:
            # A Replace swaps what `code(node)` prints: the node with its own parentheses,
            # which the syntactic range leaves out and the whitespace-inclusive one keeps.
            positions.locate(node, top)
            return positions.inclusive[node]

        found = []
        for report in self._reports:
            where = syntactic(report.node, report.top)
            statement_row = syntactic(report.statement, report.top).start.line if report.statement else 0
            fix = None
            pending = report.fix
            while fix is None and pending is not None:
                fix = self._resolve_fix(pending, report.top, syntactic, inclusive, lines)
                pending = pending.fallback
            found.append(
                Diagnostic(
                    code=report.rule.code,
                    name=report.rule.name,
                    message=report.message,
                    filename=self.filename,
                    location=Location(where.start.line, where.start.column + 1),
                    end_location=Location(where.end.line, where.end.column + 1),
                    fix=fix,
                    statement_row=statement_row,
                    # One note per place: two questions that followed the same name say it once.
                    related=tuple(dict.fromkeys(
                        self._related(where, note, report.top, syntactic) for where, note in report.related
                    )),
                )
            )
        return found

    @staticmethod
    def _related(where, note: str, top, syntactic) -> Related:
        if isinstance(where, Location):  # found in the module's `ast`, not in its CST
            return Related(where, note)
        start = syntactic(where, top).start
        return Related(Location(start.line, start.column + 1), note)

    def _resolve_fix(self, pending: PendingFix, top, syntactic, inclusive, lines: List[str]) -> Optional[Fix]:
        edits = []
        for edit in pending.edits:
            if isinstance(edit, Replace):
                where = inclusive(edit.node, top)
                if any(comment not in edit.content for comment in _comments(edit.node)):
                    return None  # a fix never deletes a comment
                edits.append(
                    Edit(
                        Location(where.start.line, where.start.column + 1),
                        Location(where.end.line, where.end.column + 1),
                        edit.content,
                    )
                )
                continue
            assert isinstance(edit, InsertLinesBefore)
            where = syntactic(edit.statement, top)
            indent = lines[where.start.line - 1][: where.start.column]
            if indent.strip():
                return None  # the statement shares its line with another one
            text = "".join(indent + line + self.module.default_newline for line in edit.lines)
            at = Location(where.start.line, 1)
            edits.append(Edit(at, at, text))
        for module in pending.imports:
            edits.append(self._import_edit(module, syntactic, lines))
        return Fix(pending.message, pending.applicability, tuple(sorted(set(edits))))

    def _import_edit(self, module: str, syntactic, lines: List[str]) -> Edit:
        """`import module` after the docstring, `__future__` and the leading imports;
        a standard-library module with the standard-library ones, if there are any."""
        newline = self.module.default_newline
        row = None
        leading_imports = []
        for index, statement in enumerate(self.module.body):
            if index == 0 and _is_docstring(statement):
                row = syntactic(statement, statement).end.line + 1
                continue
            if isinstance(statement, cst.SimpleStatementLine) and all(
                isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
            ):
                row = syntactic(statement, statement).end.line + 1
                leading_imports.append(statement)
                continue
            if row is None:
                # A decorated definition starts at its first decorator, not at `def`.
                decorators = getattr(statement, "decorators", ())
                row = syntactic(decorators[0] if decorators else statement, statement).start.line
            break
        standard_row = standard_library_row(
            leading_imports,
            module,
            lambda statement: syntactic(statement, statement).start.line,
            lambda statement: syntactic(statement, statement).end.line,
        )
        if standard_row is not None:
            row = standard_row
        text = f"import {module}{newline}"
        if row is None:
            row = len(lines) + 1
        if row > len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
            text = newline + text
        at = Location(row, 1)
        return Edit(at, at, text)


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _comments(node: cst.CSTNode) -> List[str]:
    """The text of every comment inside `node`."""
    found: List[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Comment):
            found.append(current.value)
        else:
            stack.extend(current.children)
    return found
