"""Lint one source: prefilter, parse once, run every rule in one traversal.

The engine knows no rule by name. It asks each selected rule for its trigger
words, indexes a file that holds one with Python's `ast`, asks the rules whether
they want the file and which of its parts, has libcst parse only those parts, and
walks the tree once, calling each rule's `visit_<Node>` / `leave_<Node>` methods
as it passes.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple, Type

from nanlint.config import DEFAULT_MAX_FILE_SIZE
from nanlint.linting.context import FileContext, FixOptions
from nanlint.linting.names import ImportTable, ModuleIndex
from nanlint.linting.parts import Unparsed, reduce, wanted_anywhere
from nanlint.linting.positions import statement_rows
from nanlint.linting.registry import trigger_pattern
from nanlint.rule import Diagnostic, Rule
from nanlint.linting.suppression import UNUSED_NOQA, apply_suppressions
from nanlint.values.summary import ModuleSummary, summarize


@dataclass
class FileResult:
    filename: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    error: Optional[str] = None  # one line: why the file could not be checked


class ParseError(Exception):
    """The file is not Python; `row` and `column` (1-based) say where, when known."""

    def __init__(self, message: str, row: Optional[int] = None, column: Optional[int] = None) -> None:
        super().__init__(message)
        self.row = row
        self.column = column


class NotChecked(ParseError):
    """A file skipped with a warning that says why (`not checked: ...`), not failed."""


class NewerSyntax(NotChecked):
    """Python syntax this interpreter's parser does not know."""


class TooLarge(NotChecked):
    """A file over the size limit (`max-file-size`)."""


class RuleFailed(Exception):
    """A rule raised on this file: the other rules' findings are in `diagnostics`, and
    the failed rule's may be missing, so the file counts as not fully checked."""

    def __init__(self, message: str, row: int, column: int, diagnostics: List[Diagnostic]) -> None:
        super().__init__(message)
        self.row = row
        self.column = column
        self.diagnostics = diagnostics


class Linter:
    def __init__(
        self,
        rules: Sequence[Type[Rule]],
        options: FixOptions = FixOptions(),
        prefilter: bool = True,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    ) -> None:
        """`prefilter=False` parses every file whole and runs every rule on it: the slow
        path that proves the fast one drops nothing. A source of more than
        `max_file_size` characters that could hold a finding raises `TooLarge`."""
        # NAN100 (unused suppressions) visits nothing: it is answered from the comments
        # and the other rules' findings, after them, as ruff checks RUF100.
        self.enabled = frozenset(rule.code for rule in rules)
        self.rules = [rule for rule in rules if rule.code != UNUSED_NOQA]
        self.max_file_size = max_file_size
        self.options = options
        self.prefilter = prefilter
        self._triggers = {
            rule.code: trigger_pattern(tuple(rule.triggers), tuple(map(tuple, rule.also_triggers))) for rule in self.rules
        }
        # How libcst parsed the files it parsed: "whole", "in part", or "again whole"
        # when a rule asked about code left out (counted for the benchmark and tests).
        self.parses: Counter = Counter()

    def candidates(self, source: str, codes: Optional[Sequence[str]] = None) -> List[Type[Rule]]:
        """The rules that could flag something in `source`: the prefilter."""
        allowed = None if codes is None else set(codes)
        seen: dict = {}  # rules share trigger patterns: each is searched once
        return [
            rule
            for rule in self.rules
            if (allowed is None or rule.code in allowed)
            and (not self.prefilter or self._triggers[rule.code].search(source, seen))
        ]

    def lint_source(
        self, source: str, filename: str, codes: Optional[Sequence[str]] = None
    ) -> List[Diagnostic]:
        """Diagnostics for one source text; raises ParseError if it is not Python."""
        ran = self.enabled if codes is None else self.enabled & frozenset(codes)
        failure = None
        with _collector_paused():
            try:
                found, starts = self._lint_rules(source, filename, codes)
            except RuleFailed as error:
                failure, found, starts = error, error.diagnostics, None
        found = apply_suppressions(found, source, filename, ran, self.enabled, _known_codes(), starts)
        if self.options.overrides:
            found = _with_fix_overrides(found, dict(self.options.overrides))
        found = sorted(found, key=Diagnostic.sort_key)
        if failure is not None:
            raise RuleFailed(str(failure), failure.row, failure.column, found)
        return found

    def _lint_rules(
        self, source: str, filename: str, codes: Optional[Sequence[str]]
    ) -> Tuple[List[Diagnostic], Optional[List[int]]]:
        """What the rules find, before suppression comments are read, and the first row
        of each module-level statement (None when the file was not parsed)."""
        rules = self.candidates(source, codes)
        if not rules:
            return [], None
        if len(source) > self.max_file_size:
            raise TooLarge(
                f"not checked: {_size(len(source))} of source, over the limit of "
                f"{_size(self.max_file_size)} (`max-file-size` in [tool.nanlint])"
            )
        tree = parse_ast(source)
        index = ModuleIndex.from_ast(tree)
        rows = [statement.lineno for statement in tree.body]
        rules = [rule for rule in rules if not self.prefilter or rule.wants(index)]
        if not rules:
            return [], rows
        reduced = None
        if self.prefilter:
            if not wanted_anywhere(index, rules):
                return [], rows
            reduced = reduce(source, index, rules)
        imports = index.imports
        summary = summarize(tree, index, source)
        del tree, index  # the concrete tree is the big one: never hold both
        if reduced is not None:
            self._within_libcst_limit(reduced.kept, "the parts a rule wants")
            try:
                found = self._lint(
                    reduced.source, filename, reduced.rows, reduced.unseen, imports, summary, rules
                )
            except Unparsed:
                self.parses["again whole"] += 1  # a rule asked about code left out
            except ParseError:
                self.parses["stubs unparsable"] += 1  # never seen; the whole file then
            else:
                self.parses["in part"] += 1
                return found, rows
            # The reduced file's trees may be held in cycles (rules and their context):
            # gone before the whole file's are built, though the collector is paused.
            gc.collect()
        else:
            self.parses["whole"] += 1
        self._within_libcst_limit(len(source), "the whole file, as a rule reads it all")
        return self._lint(source, filename, rows, None, imports, summary, rules), rows

    def _within_libcst_limit(self, characters: int, what: str) -> None:
        """libcst's tree takes about five times the memory of Python's (500 bytes or so
        per byte of source): what it parses is held to a fifth of `max-file-size`."""
        limit = self.max_file_size // 5
        if characters > limit:
            raise TooLarge(
                f"not checked: {_size(characters)} to parse with libcst ({what}), over the limit of "
                f"{_size(limit)} (a fifth of `max-file-size` in [tool.nanlint])"
            )

    def _lint(
        self,
        parsed: str,
        filename: str,
        rows: List[int],
        unseen: Optional[FrozenSet[str]],
        imports: ImportTable,
        summary: ModuleSummary,
        rules: List[Type[Rule]],
    ) -> List[Diagnostic]:
        """Lint `parsed`, the file's text or its reduced form."""
        module = parse_cst(parsed)
        context = FileContext(
            filename,
            parsed,
            module,
            imports,
            self.options,
            statement_rows(rows, module),
            unseen,
            summary,
        )
        failures = _walk(context.module, context, [rule(context) for rule in rules])
        if failures:
            # Every other rule ran to the end: its findings stand, beside the failure.
            code, row, column, error = failures[0]
            raise RuleFailed(
                f"{row}:{column}: internal error in {code}: {type(error).__name__}: {error}"
                " (its findings in this file may be missing; the other rules' are reported)",
                row, column, context.diagnostics(),
            )
        return context.diagnostics()


def _with_fix_overrides(found: List[Diagnostic], overrides: Dict[str, Optional[str]]) -> List[Diagnostic]:
    """The fixes as the config wants them: dropped for an unfixable code (the finding
    stays, without `[*]`), or made safe or unsafe."""
    adjusted = []
    for diagnostic in found:
        if diagnostic.fix is not None and diagnostic.code in overrides:
            applicability = overrides[diagnostic.code]
            fix = None if applicability is None else replace(diagnostic.fix, applicability=applicability)
            diagnostic = replace(diagnostic, fix=fix)
        adjusted.append(diagnostic)
    return adjusted


def _known_codes() -> FrozenSet[str]:
    from nanlint.linting.registry import infos_by_code

    return frozenset(infos_by_code())


def _size(characters: int) -> str:
    return f"{characters / 1e6:.1f} MB" if characters >= 100_000 else f"{characters:,} characters"


@contextlib.contextmanager
def _collector_paused():
    """Python's cycle collector paused while one file is linted. The trees of a big
    file are millions of objects, and each full collection walks them all: on a 2 MB
    generated module, collections took three quarters of the time. The trees hold no
    cycles; what garbage does is collected once the collector runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_ast(source: str) -> ast.Module:
    """Python's own parse: ten times faster than libcst, and the judge of syntax."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            return ast.parse(source)
    except SyntaxError as error:
        row, column = error.lineno, error.offset
        where = f"{row}:{column}: " if row else ""
        newer = _newer_grammar_at(source, row, column) if row else None
        if newer is not None:
            version = ".".join(map(str, sys.version_info[:2]))
            raise NewerSyntax(
                f"{where}not checked: Python {version} cannot parse it ({error.msg}); it is "
                f"Python {newer[0]}.{newer[1]} syntax ({newer[2]}); "
                "run nanlint under the Python this file is written for",
                row,
                column,
            ) from None
        raise ParseError(f"{where}syntax error: {error.msg}", row, column) from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise ParseError(f"cannot parse: {error}") from None


# Grammar that Pythons newer than the oldest nanlint runs on added, as libcst names
# it. libcst parses all of it whatever Python runs it, so when `ast` fails inside one
# of these, the file is one a newer Python reads. libcst is no judge of syntax
# otherwise: it accepts `b'café'` and any depth of parentheses, which every Python
# rejects, so a failure anywhere else is a syntax error.
_NEWER_GRAMMAR = {
    "Match": ((3, 10), "match statement"),
    "TryStar": ((3, 11), "except*"),
    "TypeAlias": ((3, 12), "type statement"),
    "TypeParameters": ((3, 12), "type parameters"),
    "FormattedString": ((3, 12), "PEP 701 f-string"),
    "TemplatedString": ((3, 14), "template string"),
}


def _newer_grammar_at(source: str, row: int, column: Optional[int]):
    """(major, minor, what) of grammar newer than this Python's that spans `row`:`column`
    (where `ast` failed), or None when no newer grammar explains the failure."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)
    except (cst.ParserSyntaxError, RecursionError, MemoryError):
        return None
    where = (row, column or 1)
    for node, span in positions.items():
        known = _NEWER_GRAMMAR.get(type(node).__name__)
        if known is None or sys.version_info[:2] >= known[0]:
            continue
        # libcst's columns are 0-based with an exclusive end; ast's are 1-based, and it
        # can point just past an f-string that it rejects.
        start = (span.start.line, span.start.column + 1)
        end = (span.end.line, span.end.column + 1)
        if start <= where <= end:
            return (*known[0], known[1])
    return None


def parse_cst(source: str):
    import libcst as cst

    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        message = str(error).splitlines()[0]
        raise ParseError(
            f"{error.raw_line}:{error.raw_column + 1}: syntax error: {message}", error.raw_line, error.raw_column + 1
        ) from None
    except RecursionError:
        raise ParseError("cannot parse: nested too deeply") from None


def _walk(module, context: FileContext, rules: List[Rule]) -> List[Tuple[str, int, int, Exception]]:
    """Run the rules over `module` in one walk; a rule that raises is dropped from the
    rest of the walk, and (its code, the row and column where it failed, the error)
    returned, so that one rule's bug costs only its own findings."""
    from nanlint.linting.walk import handlers, walk

    visits, leaves = handlers(rules)
    failures: List[Tuple[str, int, int, Exception]] = []

    def failed(method, node, error: Exception) -> None:
        if isinstance(error, (Unparsed, RecursionError, MemoryError)):
            raise error  # the whole file is linted again, or cannot be
        rule = method.__self__
        for table in (visits, leaves):
            for kind, methods in table.items():
                table[kind] = [m for m in methods if m.__self__ is not rule]
        row, column = _where(context, node)
        failures.append((rule.code, row, column, error))

    walk(module, visits, leaves, context.ancestors, failed)
    return failures


def _where(context: FileContext, node) -> Tuple[int, int]:
    try:
        return context.row_column(node)
    except Exception:  # a node the positions cannot place: the file's start
        return 1, 1
