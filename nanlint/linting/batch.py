"""Checking (and fixing) many files: cache, prefilter, a process pool, outcomes.

The main process reads and hashes every file and answers from the cache what it
can; only files that hold a trigger word go to the workers, which parse, lint and
fix them. A file that cannot be read or parsed becomes an outcome with an error;
the others are checked as usual.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple

from nanlint.linting.cache import Cache, digest
from nanlint.config import Settings
from nanlint.linting.registry import any_trigger
from nanlint.rule import Diagnostic, Location
from nanlint.reading.sources import SourceError, SourceFile, decode, os_reason, split_lines
from nanlint.fixing.writing import write_source

if TYPE_CHECKING:
    from nanlint.config import NearestSettings
    from nanlint.reading.notebook import NotebookView

CHECK, FIX, DIFF = "check", "fix", "diff"
STDIN = "-"


def is_notebook(path: str) -> bool:
    """A Jupyter notebook, checked by `nanlint.reading.notebook` (imported only when one is)."""
    return path.lower().endswith(".ipynb")


@dataclass(frozen=True)
class Job:
    """What every worker needs to know; small and picklable."""

    settings: Settings
    codes: Tuple[str, ...]
    mode: str = CHECK
    unsafe: bool = False

    def cache_key(self) -> str:
        """What a cached result depends on besides the file itself."""
        settings = self.settings
        return json.dumps(
            [
                self.codes,
                self.unsafe,
                repr(settings.per_file_ignores),
                settings.eps,
                settings.max_norm,
                repr(settings.fix_overrides(self.codes)),
            ]
        )


@dataclass
class FileOutcome:
    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    error: Optional[str] = None
    warning: Optional[str] = None  # checked no further, but not a failure: see NotChecked
    lines: List[str] = field(default_factory=list)  # kept only when there is something to show
    fixed: List[Diagnostic] = field(default_factory=list)
    diff: str = ""
    new_text: Optional[str] = None  # the fixed source
    new_raw: Optional[bytes] = None  # the same, encoded as the file was
    unconverged: bool = False
    problem_at: Tuple[int, int] = (1, 1)  # row and column of the error or warning
    problem_cell: int = 0  # the notebook cell they are in
    notebook: Optional["NotebookView"] = None  # a notebook's cells, in place of `lines`

    @property
    def not_checked(self) -> bool:
        return self.error is not None or self.warning is not None

    def source_line(self, location: Location) -> Optional[str]:
        """The line of the checked source that `location` is on."""
        if self.notebook is not None:
            return self.notebook.line(location)
        return self.lines[location.row - 1] if 0 < location.row <= len(self.lines) else None

    def in_file(self, location: Location) -> Tuple[int, int]:
        """(line, column) of `location` in the file itself: in a notebook's JSON, where
        its cell's row is written."""
        if self.notebook is not None and location.cell:
            return self.notebook.in_file(location)
        return location.row, location.column

    def reported(self) -> List[Diagnostic]:
        """What the output formats show: the findings, and NAN000 first when the file
        could not be checked (its error or warning, where it is)."""
        problem = self.error if self.error is not None else self.warning
        if problem is None:
            return self.diagnostics
        from nanlint.linting import unchecked

        row, column = self.problem_at
        where = Location(row, column, self.problem_cell).label() + ": "
        if problem.startswith(where):
            problem = problem[len(where):]  # said once, by the finding's location
        return [unchecked.diagnostic(self.path, problem, row, column, self.problem_cell)] + self.diagnostics

    def level(self, diagnostic: Diagnostic) -> str:
        """"error", or "warning" for the NAN000 of a file skipped with a warning."""
        from nanlint.linting import unchecked

        if diagnostic.code == unchecked.CODE and self.error is None:
            return "warning"
        return "error"


_linters: Dict[Job, object] = {}


def _linter(job: Job):
    linter = _linters.get(job)
    if linter is None:
        from nanlint.linting.context import FixOptions
        from nanlint.linting.engine import Linter
        from nanlint.rule import rules_by_code

        table = rules_by_code()
        options = FixOptions(
            eps=job.settings.eps, max_norm=job.settings.max_norm, overrides=job.settings.fix_overrides(job.codes)
        )
        rules = [table[code] for code in job.codes]
        linter = _linters[job] = Linter(rules, options, max_file_size=job.settings.max_file_size)
    return linter


def process_source(source: SourceFile, job: Job, display: str, write: bool = True) -> FileOutcome:
    """Lint (and, by the job's mode, fix) one decoded source."""
    from nanlint.linting.engine import NotChecked, ParseError, RuleFailed
    from nanlint.fixing.fixer import fix_source

    linter = _linter(job)
    codes = job.settings.codes_for(display, job.codes)
    outcome = FileOutcome(display)
    try:
        if job.mode == CHECK:
            outcome.diagnostics = linter.lint_source(source.text, display, codes)
            text = source.text
        else:
            result = fix_source(linter, source.text, display, codes, unsafe=job.unsafe)
            outcome.diagnostics, outcome.fixed = result.remaining, result.fixed
            outcome.unconverged = result.unconverged
            text = result.text
            if text != source.text:
                outcome.new_text = text
                outcome.new_raw = source.encode(text)
                if job.mode == DIFF:
                    outcome.diff = unified_diff(source.text, text, display)
                elif write and source.path != STDIN:
                    try:
                        write_source(source, text)
                    except SourceError as error:
                        # Nothing was written: the file still holds every finding.
                        outcome = FileOutcome(display, error=str(error))
                        outcome.diagnostics = linter.lint_source(source.text, display, codes)
                        text = source.text
    except RuleFailed as error:
        # A rule's bug: the file is reported as not fully checked, with what the other
        # rules found in it as it is on disk (a fix is not applied: nothing is written).
        found = error.diagnostics
        if job.mode != CHECK:  # met while fixing, perhaps in text the fixes had changed
            error, found = _on_disk(linter, source.text, display, codes, error)
        outcome = FileOutcome(display, diagnostics=found, error=str(error))
        outcome.problem_at = (error.row, error.column)
        outcome.lines = split_lines(source.text)
        return outcome
    except NotChecked as error:
        outcome.warning = str(error)
        outcome.problem_at = (error.row or 1, error.column or 1)
        return outcome
    except ParseError as error:
        outcome.error = str(error)
        outcome.problem_at = (error.row or 1, error.column or 1)
        return outcome
    except SourceError as error:
        outcome.error = str(error)
        return outcome
    except RecursionError:
        outcome.error = "nested too deeply to analyse"
        return outcome
    if outcome.diagnostics:
        outcome.lines = split_lines(text)
    return outcome


def _on_disk(linter, text: str, display: str, codes, failure):
    """The failure to report and the findings in `text` as it is: its own failure and
    the other rules' findings there, or `failure` and every finding if `text` passes."""
    from nanlint.linting.engine import RuleFailed

    try:
        return failure, linter.lint_source(text, display, codes)
    except RuleFailed as error:
        return error, error.diagnostics


def unified_diff(before: str, after: str, path: str) -> str:
    import difflib

    lines = difflib.unified_diff(
        split_lines(before), split_lines(after), fromfile=path, tofile=path
    )
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)


def _work(item: Tuple[str, bytes, Job]) -> FileOutcome:
    path, raw, job = item
    if is_notebook(path):
        from nanlint.reading.notebook import check_notebook

        try:
            return check_notebook(raw, job, path, path)
        except Exception as error:
            return FileOutcome(path, error=f"internal error: {type(error).__name__}: {error}")
    try:
        source = decode(raw, path)
    except SourceError as error:
        return FileOutcome(path, error=str(error))
    try:
        return process_source(source, job, path)
    except Exception as error:  # an internal error in one file must not stop the others
        return FileOutcome(path, error=f"internal error: {type(error).__name__}: {error}")


def own_jobs(
    files: List[str], paths: Sequence[str], job: Job, nearest: Optional["NearestSettings"], force_exclude: bool
) -> Tuple[List[str], Dict[str, Job]]:
    """(the files still to check, a job for each file under a config other than the
    run's). Such a file is left out when its own config excludes it or no longer
    includes it, unless it was named on the command line (and not --force-exclude)."""
    from nanlint.reading.discovery import excluded_anywhere

    if nearest is None:
        return files, {}
    named = {os.path.normcase(os.path.abspath(p)) for p in paths if os.path.isfile(p)}
    kept: List[str] = []
    jobs_by_path: Dict[str, Job] = {}
    jobs_by_settings: Dict[int, Job] = {}
    for path in files:
        own = nearest.of(path)
        if own is job.settings:
            kept.append(path)
            continue
        is_named = os.path.normcase(os.path.abspath(path)) in named
        if (not is_named or force_exclude) and excluded_anywhere(path, own):
            continue
        if not is_named and not own.is_included(path):
            continue
        if id(own) not in jobs_by_settings:
            jobs_by_settings[id(own)] = replace(job, settings=own, codes=tuple(own.selected_codes()))
        jobs_by_path[path] = jobs_by_settings[id(own)]
        kept.append(path)
    return kept, jobs_by_path


def check_files(
    paths: Sequence[str],
    job: Job,
    jobs: int = 1,
    cache: Optional[Cache] = None,
    progress: Optional[Callable[[int], None]] = None,
    jobs_by_path: Optional[Dict[str, Job]] = None,
) -> List[FileOutcome]:
    """`jobs_by_path`: the files that the settings of a config of their own check, each
    with its job; every other file is checked with `job`."""
    outcomes: Dict[str, FileOutcome] = {}
    main_job = job
    pending: List[Tuple[str, bytes, Job]] = []
    digests: Dict[str, str] = {}
    fixing = set()
    for path in paths:
        job = jobs_by_path.get(path, main_job) if jobs_by_path else main_job
        if job.mode == FIX:
            # Names of one file (symbolic or hard links to a helper that recipes
            # share, or a link and the file itself): it is fixed once, under the
            # first of them. A second fix would find it changed since it was read.
            file_id = _file_id(path)
            if file_id in fixing:
                outcomes[path] = FileOutcome(path)
                _tick(progress)
                continue
            if file_id is not None:
                fixing.add(file_id)
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError as error:
            outcomes[path] = FileOutcome(path, error=os_reason(error))
            _tick(progress)
            continue
        # One cache serves the run: a file checked with other settings is keyed by them too.
        file_digest = digests[path] = digest(raw) if job is main_job else digest(raw + job.cache_key().encode())
        cached = cache.get(path, file_digest) if cache is not None else None
        if cached is not None and not (job.mode != CHECK and any(d.fix for d in cached)):
            outcome = FileOutcome(path, [replace(d, filename=path) for d in cached])
            if outcome.diagnostics and is_notebook(path):
                from nanlint.reading.notebook import view_of

                outcome.notebook = view_of(raw)
            elif outcome.diagnostics:
                outcome.lines = split_lines(_text_for_display(raw, path))
            outcomes[path] = outcome
            _tick(progress)
            continue
        if is_notebook(path):
            # Its trigger words are looked for in its cells, by the engine: in the JSON a
            # call can be split over two strings (`sqrt` at the end of one, `(` next).
            pending.append((path, raw, job))
            continue
        # The prefilter: a file with none of the rules' trigger words is not parsed.
        text = raw.decode("latin-1")
        codes = job.settings.codes_for(path, job.codes)
        if not any_trigger(tuple(codes)).search(text):
            outcomes[path] = FileOutcome(path)
            # Not parsed, but a file that is not text in its declared encoding is
            # reported all the same (decoding costs little next to parsing).
            try:
                decode(raw, path)
            except SourceError as error:
                outcomes[path].error = str(error)
            _tick(progress)
            continue
        pending.append((path, raw, job))

    if jobs > 1 and len(pending) > 1:
        # Imported only here: a run on one file (pre-commit) does not pay for it.
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        # Big files first, so one large file does not finish alone at the end.
        pending.sort(key=lambda item: -len(item[1]))
        try:
            with ProcessPoolExecutor(max_workers=min(jobs, len(pending))) as pool:
                for outcome in pool.map(_work, pending, chunksize=1):
                    outcomes[outcome.path] = outcome
                    _tick(progress)
        except BrokenProcessPool:
            # A worker died (killed for memory, a crash in native code): the files it
            # and the others had not answered are reported, not retried here.
            for path, _, _ in pending:
                if path not in outcomes:
                    outcomes[path] = FileOutcome(path, error="a worker process died while checking it")
        except (OSError, NotImplementedError, ImportError):
            # No process pool on this system (no POSIX semaphores in some sandboxes):
            # check in this process instead.
            for item in pending:
                if item[0] not in outcomes:
                    outcomes[item[0]] = _work(item)
                    _tick(progress)
    else:
        for item in pending:
            outcome = _work(item)
            outcomes[outcome.path] = outcome
            _tick(progress)

    if cache is not None:
        for path, outcome in outcomes.items():
            if outcome.error is None and outcome.warning is None and path in digests and outcome.new_text is None:
                cache.put(path, digests[path], outcome.diagnostics)
    return [outcomes[path] for path in paths]


def check_stdin(raw: bytes, filename: str, job: Job) -> FileOutcome:
    if is_notebook(filename):
        from nanlint.reading.notebook import check_notebook

        return check_notebook(raw, job, STDIN, filename, write=False)
    try:
        source = decode(raw, STDIN)
    except SourceError as error:
        return FileOutcome(filename, error=str(error))
    return process_source(source, job, filename, write=False)


def _text_for_display(raw: bytes, path: str) -> str:
    try:
        return decode(raw, path).text
    except SourceError:
        return raw.decode("utf-8", "replace")


def _file_id(path: str) -> Optional[Tuple[int, int]]:
    try:
        info = os.stat(path)
    except OSError:
        return None  # reported when it is read
    return info.st_dev, info.st_ino


def _tick(progress: Optional[Callable[[int], None]]) -> None:
    if progress is not None:
        progress(1)

