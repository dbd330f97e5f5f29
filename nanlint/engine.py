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
from dataclasses import dataclass, field
from typing import FrozenSet, List, Optional, Sequence, Type

from nanlint.config import DEFAULT_MAX_FILE_SIZE
from nanlint.context import FileContext, FixOptions
from nanlint.names import ImportTable, ModuleIndex
from nanlint.parts import Unparsed, reduce
from nanlint.positions import statement_rows
from nanlint.registry import trigger_pattern
from nanlint.rule import Diagnostic, Rule
from nanlint.suppression import drop_suppressed
from nanlint.values.summary import ModuleSummary, summarize


@dataclass
class FileResult:
    filename: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    error: Optional[str] = None  # one line: why the file could not be checked


class ParseError(Exception):
    pass


class NotChecked(ParseError):
    """A file skipped with a warning that says why (`not checked: ...`), not failed."""


class NewerSyntax(NotChecked):
    """Python syntax this interpreter's parser does not know."""


class TooLarge(NotChecked):
    """A file over the size limit (`max-file-size`)."""


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
        self.rules = list(rules)
        self.max_file_size = max_file_size
        self.options = options
        self.prefilter = prefilter
        self._triggers = {rule.code: trigger_pattern(tuple(rule.triggers)) for rule in self.rules}
        # How libcst parsed the files it parsed: "whole", "in part", or "again whole"
        # when a rule asked about code left out (counted for the benchmark and tests).
        self.parses: Counter = Counter()

    def candidates(self, source: str, codes: Optional[Sequence[str]] = None) -> List[Type[Rule]]:
        """The rules that could flag something in `source`: the prefilter."""
        allowed = None if codes is None else set(codes)
        return [
            rule
            for rule in self.rules
            if (allowed is None or rule.code in allowed)
            and (not self.prefilter or self._triggers[rule.code].search(source))
        ]

    def lint_source(
        self, source: str, filename: str, codes: Optional[Sequence[str]] = None
    ) -> List[Diagnostic]:
        """Diagnostics for one source text; raises ParseError if it is not Python."""
        with _collector_paused():
            return self._lint_source(source, filename, codes)

    def _lint_source(self, source: str, filename: str, codes: Optional[Sequence[str]]) -> List[Diagnostic]:
        rules = self.candidates(source, codes)
        if not rules:
            return []
        if len(source) > self.max_file_size:
            raise TooLarge(
                f"not checked: {_size(len(source))} of source, over the limit of "
                f"{_size(self.max_file_size)} (`max-file-size` in [tool.nanlint])"
            )
        tree = parse_ast(source)
        index = ModuleIndex.from_ast(tree)
        rules = [rule for rule in rules if not self.prefilter or rule.wants(index)]
        if not rules:
            return []
        reduced = None
        if self.prefilter:
            reduced = reduce(source, index, rules)
        rows = [statement.lineno for statement in tree.body]
        imports = index.imports
        summary = summarize(tree, index)
        del tree, index  # the concrete tree is the big one: never hold both
        if reduced is not None:
            self._within_libcst_limit(reduced.kept, "the parts a rule wants")
            try:
                found = self._lint(
                    reduced.source, filename, reduced.rows, reduced.unseen, imports, summary, rules, source
                )
            except Unparsed:
                self.parses["again whole"] += 1  # a rule asked about code left out
            except ParseError:
                self.parses["stubs unparsable"] += 1  # never seen; the whole file then
            else:
                self.parses["in part"] += 1
                return found
            # The reduced file's trees may be held in cycles (rules and their context):
            # gone before the whole file's are built, though the collector is paused.
            gc.collect()
        else:
            self.parses["whole"] += 1
        self._within_libcst_limit(len(source), "the whole file, as a rule reads it all")
        return self._lint(source, filename, rows, None, imports, summary, rules, source)

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
        original: str,
    ) -> List[Diagnostic]:
        """Lint `parsed`, the file's text or its reduced form; suppression comments
        are read from the `original` text."""
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
        _walk(context.module, context, [rule(context) for rule in rules])
        found = drop_suppressed(context.diagnostics(), original)
        return sorted(found, key=Diagnostic.sort_key)


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
        where = f"{error.lineno}:{error.offset}: " if error.lineno else ""
        if _parses_with_libcst(source):
            # libcst knows grammar up to newer Pythons than the one running us
            # (`def f[T]()` under 3.11): not a broken file, one we cannot index.
            version = ".".join(map(str, sys.version_info[:2]))
            raise NewerSyntax(
                f"not checked: {where}Python {version} cannot parse it ({error.msg}); "
                "run nanlint under the Python this file is written for"
            ) from None
        raise ParseError(f"{where}syntax error: {error.msg}") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise ParseError(f"cannot parse: {error}") from None


def _parses_with_libcst(source: str) -> bool:
    try:
        parse_cst(source)
    except ParseError:
        return False
    return True


def parse_cst(source: str):
    import libcst as cst

    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        message = str(error).splitlines()[0]
        raise ParseError(f"{error.raw_line}:{error.raw_column + 1}: syntax error: {message}") from None
    except RecursionError:
        raise ParseError("cannot parse: nested too deeply") from None


def _walk(module, context: FileContext, rules: List[Rule]) -> None:
    from nanlint.walk import handlers, walk

    visits, leaves = handlers(rules)
    walk(module, visits, leaves, context.ancestors)
