"""`nanlint verify`: lint files, then check every fix on real tensors.

The CLI calls `verify_paths`; it prints a table (or JSON) with one row per
finding that has a fix, and returns the exit code: 0 when no fix is seen to
fail, 1 when some fix does not hold, 2 on an error (a file that cannot be read
or parsed, PyTorch missing).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO, Tuple

from nanlint.rule import Diagnostic
from nanlint.shim import INSTALL_TORCH

NEEDS_TORCH = f"nanlint verify needs PyTorch: {INSTALL_TORCH}"
FORMATS = ("text", "json")
# What `drift` is, as verify._drift and verify._conclude compute it: the worst element of
# the worst probe, in the most precise dtype that ran (float64 unless it cannot run).
DRIFT_LEGEND = (
    "drift = max |fix - original| / max(1, |original|) over the values (not the gradients) of every\n"
    "probe where both forms are finite, in float64: 0 for an exact rewrite, about sqrt(eps) for an eps in a root"
)

DiagnosticsFor = Callable[[str], Tuple[str, List[Diagnostic]]]


def verify_paths(
    paths: List[str],
    diagnostics_for: Optional[DiagnosticsFor] = None,
    output_format: str = "text",
    out: Optional[TextIO] = None,
    err: Optional[TextIO] = None,
) -> int:
    """Lint `paths` (files, or folders walked for *.py) and verify every fix found.

    `diagnostics_for(path)` returns the file's text and its diagnostics; by default
    the file is linted as `nanlint check` lints it (the project's [tool.nanlint]
    settings: selected rules, per-file ignores, excludes, eps).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        import torch  # noqa: F401
    except ImportError:
        print(NEEDS_TORCH, file=err)
        return 2
    if output_format not in FORMATS:
        print(f"nanlint verify: unknown format {output_format!r}; choose from {', '.join(FORMATS)}", file=err)
        return 2
    from nanlint.shim.findings import verify_diagnostic

    errors: List[str] = []
    from nanlint.config import ConfigError

    try:
        settings = _settings(paths)
        lint = diagnostics_for or _default_diagnostics(settings)
    except (ConfigError, ValueError) as error:  # a broken [tool.nanlint] table, an unknown code
        print(f"nanlint verify: {_one_line(error)}", file=err)
        return 2
    rows: List[Tuple[Diagnostic, Any]] = []
    for path in _python_files(paths, settings, errors):
        try:
            text, diagnostics = lint(path)
        except Exception as error:  # a file that cannot be read or parsed
            errors.append(f"{path}: {_one_line(error)}")
            continue
        for diagnostic in diagnostics:
            if diagnostic.fix is not None:
                rows.append((diagnostic, verify_diagnostic(text, diagnostic)))
    if output_format == "json":
        print(json.dumps(_json(rows, errors), indent=2), file=out)
    else:
        _print_text(rows, out)
    for message in errors:
        print(f"nanlint verify: {message}", file=err)
    if errors:
        return 2
    return 1 if any(not verdict.ok for _, verdict in rows) else 0


def _settings(paths: Sequence[str]):
    """The project's settings, found as `nanlint check` finds them: from the first path."""
    from nanlint.config import find_config, load

    return load(find_config(paths[0] if paths else "."))


def _default_diagnostics(settings) -> DiagnosticsFor:
    """Diagnostics as `nanlint check` gives them: selected rules, per-file ignores, eps."""
    from nanlint.linting.context import FixOptions
    from nanlint.linting.engine import Linter
    from nanlint.rule import rules_by_code
    from nanlint.reading.sources import read_source

    from nanlint.linting.suppression import UNUSED_NOQA

    # NAN100's findings are comments: nothing there to run on tensors.
    codes = [code for code in settings.selected_codes() if code != UNUSED_NOQA]
    rules = rules_by_code()
    linter = Linter([rules[code] for code in codes], FixOptions(eps=settings.eps, max_norm=settings.max_norm))

    def diagnostics_for(path: str) -> Tuple[str, List[Diagnostic]]:
        source = read_source(path)
        return source.text, linter.lint_source(source.text, path, settings.codes_for(path, codes))

    return diagnostics_for


def _python_files(paths: Sequence[str], settings, errors: List[str]) -> List[str]:
    """Files named, and *.py files found in folders, less the excluded ones."""
    from nanlint.reading.discovery import discover

    files, problems = discover(list(paths), settings, extensions=(".py",))  # verify runs scripts, not notebooks
    errors.extend(f"{path}: {why}" for path, why in problems)
    return files


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _where(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.filename}:{diagnostic.location.row}:{diagnostic.location.column}"


def _probe(verdict: Any) -> str:
    if verdict.probe is None and verdict.dtype is None:
        return "-"
    return "/".join(part for part in (verdict.probe, verdict.dtype, verdict.device) if part)


def _note(verdict: Any) -> str:
    if verdict.status == "skipped" or verdict.status == "not-fixed":
        return verdict.reason
    if verdict.confirmed:
        problem = verdict.confirmation.split(": ", 1)[-1].split(",")[0]
        note = f"original: {problem}"
    else:
        note = "the original stayed finite on every probe"
    if verdict.reason:
        note += f"; {verdict.reason}"
    return note


def _print_text(rows: List[Tuple[Diagnostic, Any]], out: TextIO) -> None:
    from nanlint.shim.verify import format_drift

    if not rows:
        print("No findings with a fix to verify.", file=out)
        return
    print(DRIFT_LEGEND, file=out)
    print(file=out)
    table = [("location", "code", "verdict", "probe", "drift", "note")]
    for diagnostic, verdict in rows:
        table.append(
            (
                _where(diagnostic),
                diagnostic.code,
                verdict.status,
                _probe(verdict),
                format_drift(verdict.drift),
                _note(verdict),
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row[:5], widths)]
        print("  ".join(cells + [row[5]]).rstrip(), file=out)
    print(file=out)
    print(_summary_line(_summary(rows)), file=out)


def _summary(rows: List[Tuple[Diagnostic, Any]]) -> Dict[str, int]:
    counts = {"fixed": 0, "not-fixed": 0, "unconfirmed": 0, "skipped": 0}
    for _, verdict in rows:
        counts[verdict.status] = counts.get(verdict.status, 0) + 1
    counts["total"] = len(rows)
    return counts


def _summary_line(counts: Dict[str, int]) -> str:
    total = counts["total"]
    noun = "fix" if total == 1 else "fixes"
    return (
        f"{total} {noun} checked: {counts['fixed']} fixed, {counts['not-fixed']} not fixed, "
        f"{counts['unconfirmed']} unconfirmed, {counts['skipped']} skipped"
    )


def _json(rows: List[Tuple[Diagnostic, Any]], errors: List[str]) -> Dict[str, Any]:
    return {
        "findings": [
            {
                "filename": diagnostic.filename,
                "location": diagnostic.location.to_json(),
                "end_location": diagnostic.end_location.to_json(),
                "code": diagnostic.code,
                "name": diagnostic.name,
                "message": diagnostic.message,
                "fix": diagnostic.fix.to_json() if diagnostic.fix else None,
                "verdict": verdict.to_json(),
            }
            for diagnostic, verdict in rows
        ],
        "summary": _summary(rows),
        "errors": errors,
    }
