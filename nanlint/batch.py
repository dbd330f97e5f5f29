"""Checking (and fixing) many files: cache, prefilter, a process pool, outcomes.

The main process reads and hashes every file and answers from the cache what it
can; only files that hold a trigger word go to the workers, which parse, lint and
fix them. A file that cannot be read or parsed becomes an outcome with an error;
the others are checked as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from nanlint.cache import Cache, digest
from nanlint.config import Settings
from nanlint.registry import infos_by_code, trigger_pattern
from nanlint.rule import Diagnostic
from nanlint.sources import SourceError, SourceFile, decode, split_lines, write_atomically

CHECK, FIX, DIFF = "check", "fix", "diff"
STDIN = "-"


@dataclass(frozen=True)
class Job:
    """What every worker needs to know; small and picklable."""

    settings: Settings
    codes: Tuple[str, ...]
    mode: str = CHECK
    unsafe: bool = False


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


_linters: Dict[Job, object] = {}


def _linter(job: Job):
    linter = _linters.get(job)
    if linter is None:
        from nanlint.context import FixOptions
        from nanlint.engine import Linter
        from nanlint.rule import rules_by_code

        table = rules_by_code()
        options = FixOptions(eps=job.settings.eps, max_norm=job.settings.max_norm)
        rules = [table[code] for code in job.codes]
        linter = _linters[job] = Linter(rules, options, max_file_size=job.settings.max_file_size)
    return linter


def process_source(source: SourceFile, job: Job, display: str, write: bool = True) -> FileOutcome:
    """Lint (and, by the job's mode, fix) one decoded source."""
    from nanlint.engine import NotChecked, ParseError
    from nanlint.fixer import fix_source

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
                    write_atomically(source, text)
    except NotChecked as error:
        outcome.warning = str(error)
        return outcome
    except ParseError as error:
        outcome.error = str(error)
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


def unified_diff(before: str, after: str, path: str) -> str:
    import difflib

    lines = difflib.unified_diff(
        split_lines(before), split_lines(after), fromfile=path, tofile=path
    )
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)


def _work(item: Tuple[str, bytes, Job]) -> FileOutcome:
    path, raw, job = item
    try:
        source = decode(raw, path)
    except SourceError as error:
        return FileOutcome(path, error=str(error))
    try:
        return process_source(source, job, path)
    except Exception as error:  # an internal error in one file must not stop the others
        return FileOutcome(path, error=f"internal error: {type(error).__name__}: {error}")


def check_files(
    paths: Sequence[str],
    job: Job,
    jobs: int = 1,
    cache: Optional[Cache] = None,
    progress: Optional[Callable[[int], None]] = None,
) -> List[FileOutcome]:
    outcomes: Dict[str, FileOutcome] = {}
    pending: List[Tuple[str, bytes, Job]] = []
    digests: Dict[str, str] = {}
    infos = infos_by_code()
    for path in paths:
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError as error:
            outcomes[path] = FileOutcome(path, error=_os_reason(error))
            _tick(progress)
            continue
        file_digest = digests[path] = digest(raw)
        cached = cache.get(path, file_digest) if cache is not None else None
        if cached is not None and not (job.mode != CHECK and any(d.fix for d in cached)):
            outcome = FileOutcome(path, [replace(d, filename=path) for d in cached])
            if outcome.diagnostics:
                outcome.lines = split_lines(_text_for_display(raw, path))
            outcomes[path] = outcome
            _tick(progress)
            continue
        # The prefilter: a file with none of the rules' trigger words is not parsed.
        text = raw.decode("latin-1")
        codes = job.settings.codes_for(path, job.codes)
        if not any(trigger_pattern(infos[code].triggers).search(text) for code in codes):
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


def _tick(progress: Optional[Callable[[int], None]]) -> None:
    if progress is not None:
        progress(1)


def _os_reason(error: OSError) -> str:
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    return error.strerror or str(error)
