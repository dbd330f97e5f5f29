"""The command line: options to settings, then printing. No logic of its own."""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Callable, List, Optional, Sequence, Tuple

import click

from nanlint import __version__
from nanlint.config import (
    ConfigError,
    NearestSettings,
    Settings,
    describe,
    find_config,
    load,
    split_config_values,
    validate_codes,
    with_overrides,
)

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMAT_NAMES = ("full", "concise", "grouped", "json", "github", "gitlab", "junit", "pylint", "sarif")
# The formats a person reads, followed by "Found ..." or "All checks passed!" (as ruff).
SUMMARY_FORMATS = ("full", "concise", "grouped")


def _codes(value: Optional[str]) -> Optional[Tuple[str, ...]]:
    if value is None:
        return None
    return tuple(code.strip() for code in value.split(",") if code.strip())


def _error(message: str) -> None:
    click.echo(f"nanlint: error: {message}", err=True)


def _warning(message: str) -> None:
    click.echo(f"nanlint: warning: {message}", err=True)


def _use_color(stream) -> bool:
    # https://no-color.org: NO_COLOR (non-empty) wins over everything, FORCE_COLOR
    # turns colour on for a pipe (CI logs), otherwise colour only on a terminal.
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="nanlint")
def cli() -> None:
    """nanlint: find code that turns NaN or inf on the unlucky input, and fix it."""


def _settings(
    paths: Sequence[str], config: Sequence[str], stdin_filename: Optional[str], **overrides
) -> Tuple[Settings, Optional[NearestSettings]]:
    """The run's settings, and each file's (None: a config given with --config serves
    every file, as in ruff)."""
    path, inline = split_config_values(config)
    if path is not None:
        settings = load(path, explicit=True, overrides=inline)
    else:
        # From the path even when it does not exist (yet): an editor's unsaved file
        # belongs to the project of its folder.
        start = stdin_filename if paths == ("-",) and stdin_filename else (paths[0] if paths else ".")
        settings = load(find_config(start if start != "-" else "."), overrides=inline)
    settings = with_overrides(settings, **overrides)
    validate_codes(settings, "command line")
    return settings, (NearestSettings(settings, inline, **overrides) if path is None else None)


def _one_line_errors(command: Callable[..., None]) -> Callable[..., None]:
    """A crash inside `command` is one line on standard error and exit 2: a bug must
    neither print a traceback nor look like findings (exit 1)."""

    @functools.wraps(command)
    def run(*args, **kwargs) -> None:
        try:
            command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except BrokenPipeError:
            # The reader went away (`nanlint check | head`): stop quietly, as Python's
            # documentation advises, without a second error when stdout is flushed at exit.
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError, AttributeError):
                pass
            sys.exit(EXIT_FINDINGS)
        except Exception as error:
            _error(f"internal error: {type(error).__name__}: {error}")
            sys.exit(EXIT_ERROR)

    return run


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(readable=False, allow_dash=True))
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that can change values (with --fix or --diff).")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--show-fixes", is_flag=True, help="List the fixes applied.")
@click.option("--select", help="Rule codes or prefixes to run (replaces the config's), e.g. NAN001,NAN00.")
@click.option("--extend-select", help="Rule codes or prefixes to run as well.")
@click.option("--ignore", help="Rule codes or prefixes not to run.")
@click.option(
    "--config",
    multiple=True,
    help="A pyproject.toml or nanlint.toml to use, or `key = value` (TOML) over the config's; repeatable.",
)
@click.option(
    "--output-format",
    type=click.Choice(FORMAT_NAMES),
    default="full",
    show_default=True,
    help="How to print findings.",
)
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option(
    "--output-file",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to this file instead of standard output.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when a fix was applied, even if nothing remains.")
@click.option("--stdin-filename", help="The name of the file read from standard input (for config and messages).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Processes to use [default: cores].")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option("--add-noqa", is_flag=True, help="Add a `# noqa: CODE` comment for every finding (a baseline).")
@click.option("--show-settings", is_flag=True, help="Print the settings a run would use, and exit.")
@click.option("--show-files", is_flag=True, help="Print the files a run would check, and exit.")
@_one_line_errors
def check(
    paths: Tuple[str, ...],
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    show_fixes: bool,
    select: Optional[str],
    extend_select: Optional[str],
    ignore: Optional[str],
    config: Tuple[str, ...],
    output_format: str,
    statistics: bool,
    output_file: Optional[str],
    exit_zero: bool,
    exit_non_zero_on_fix: bool,
    stdin_filename: Optional[str],
    no_cache: bool,
    force_exclude: bool,
    jobs: Optional[int],
    quiet: bool,
    add_noqa: bool,
    show_settings: bool,
    show_files: bool,
) -> None:
    """Check PATHS (default: .) for numerically unsafe code; `-` reads standard input."""
    from nanlint.linting import batch

    # As ruff: --stdin-filename with no paths reads standard input.
    paths = paths or (("-",) if stdin_filename else (".",))
    from_stdin = paths == ("-",)
    if add_noqa and (fix or diff or from_stdin):
        _error("--add-noqa cannot be used with --fix, --diff or standard input")
        sys.exit(EXIT_ERROR)
    try:
        settings, nearest = _settings(
            paths,
            config,
            stdin_filename,
            select=_codes(select),
            extend_select=_codes(extend_select),
            ignore=_codes(ignore),
        )
        codes = tuple(settings.selected_codes())
    except ConfigError as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)
    if show_settings:
        click.echo(describe(settings, stdin_filename if from_stdin and stdin_filename else paths[0]), nl=False)
        sys.exit(EXIT_OK)

    mode = batch.DIFF if diff else batch.FIX if fix else batch.CHECK
    job = batch.Job(settings, codes, mode, unsafe=unsafe_fixes)
    from nanlint.reading.discovery import discover, excluded_anywhere

    if from_stdin:
        raw = sys.stdin.buffer.read()
        name = stdin_filename or "-"
        if force_exclude and stdin_filename and excluded_anywhere(stdin_filename, settings):
            outcomes = [batch.FileOutcome(name)]  # excluded: passed through unchecked
        else:
            outcomes = [batch.check_stdin(raw, name, job)]
    else:
        files, unwalkable = discover(paths, settings, force_exclude)
        if show_files:
            click.echo("".join(f"{path}\n" for path in files), nl=False)
            for path, reason in unwalkable:
                _error(f"{path}: {reason}")
            sys.exit(EXIT_ERROR if unwalkable else EXIT_OK)
        try:
            files, jobs_by_path = batch.own_jobs(files, paths, job, nearest, force_exclude)
        except ConfigError as error:
            _error(str(error))
            sys.exit(EXIT_ERROR)
        # A path that could not be walked is reported as a file not checked (NAN000).
        outcomes = [batch.FileOutcome(path, error=reason) for path, reason in unwalkable]
        outcomes += _run(files, job, settings, jobs, no_cache, jobs_by_path)

    errors: List[Tuple[str, str]] = []
    for outcome in outcomes:
        if outcome.warning:
            _warning(f"{outcome.path}: {outcome.warning}")
        if outcome.error:
            errors.append((outcome.path, outcome.error))
        elif outcome.unconverged:
            errors.append((outcome.path, "fixes did not settle after 10 rounds; some were not applied"))
    if add_noqa:
        from nanlint.fixing.add_noqa import add_noqa_to_files

        added, failed = add_noqa_to_files(outcomes)
        errors += failed
        for path, reason in errors:
            _error(f"{path}: {reason}")
        click.echo(f"Added {added} noqa directive{'' if added == 1 else 's'}.", err=True)
        sys.exit(EXIT_ERROR if errors else EXIT_OK)
    for path, reason in errors:
        _error(f"{path}: {reason}")

    fixed = [d for outcome in outcomes for d in outcome.fixed]
    fix_to_stdout = from_stdin and mode == batch.FIX
    remaining = sum(len(outcome.diagnostics) for outcome in outcomes)
    # What would go to standard output goes to --output-file instead, without colour
    # (the summary too, as ruff writes it); fixed source from stdin stays on stdout.
    report = _open_report(output_file) if output_file else None
    try:
        out = report or (sys.stderr if fix_to_stdout else sys.stdout)
        color = report is None and _use_color(out)
        if mode == batch.DIFF:
            click.echo("".join(outcome.diff for outcome in outcomes), nl=False, file=out)
            if not quiet:
                _diff_summary(len(fixed), outcomes, unsafe_fixes)
        elif fix_to_stdout:
            # Fix-on-save: the source goes to standard output, fixed or as it came,
            # and the findings that remain to standard error.
            outcome = outcomes[0]
            stdout = sys.stdout.buffer
            stdout.write(outcome.new_raw if outcome.new_raw is not None else raw)
            stdout.flush()
            _print_findings(outcomes, output_format, color, out, statistics=statistics)
        else:
            _print_findings(outcomes, output_format, color, out, statistics=statistics)
            if show_fixes and fixed:
                click.echo(f"Fixed {len(fixed)} finding(s):", file=out)
                for d in fixed:
                    where = f"{d.filename}:{d.location.label()}"
                    click.echo(f"  {where}: {d.code} {d.fix.message}", file=out)
        if not quiet and output_format in SUMMARY_FORMATS and mode != batch.DIFF and not fix_to_stdout:
            _summary(remaining, len(fixed), outcomes, unsafe_fixes, out, blank_line=output_format != "grouped")
    finally:
        if report is not None:
            report.close()

    if errors:
        sys.exit(EXIT_ERROR)
    if mode == batch.DIFF:
        sys.exit(EXIT_FINDINGS if any(outcome.diff for outcome in outcomes) else EXIT_OK)
    if remaining and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    if fixed and exit_non_zero_on_fix:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def _run(files, job, settings: Settings, jobs: Optional[int], no_cache: bool, jobs_by_path=None):
    from nanlint.linting import batch
    from nanlint.linting.cache import Cache

    cache = None
    if not no_cache:
        cache = Cache(os.path.join(settings.root, settings.cache_dir), job.cache_key())
        if cache.warning:
            # A corrupt cache is started afresh (and overwritten when saved).
            _warning(cache.warning)
    workers = jobs or os.cpu_count() or 1
    stream = sys.stderr
    show_progress = len(files) > 50 and _use_color(stream) and not os.environ.get("CI")
    if show_progress:
        with click.progressbar(length=len(files), file=stream, label="Checking", show_pos=True) as bar:
            outcomes = batch.check_files(files, job, workers, cache, bar.update, jobs_by_path)
    else:
        outcomes = batch.check_files(files, job, workers, cache, jobs_by_path=jobs_by_path)
    if cache is not None:
        warning = cache.save()
        if warning:
            _warning(warning)
    return outcomes


def _open_report(path: str):
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        return open(path, "w", encoding="utf-8")
    except OSError as error:
        _error(f"cannot write the report to {path}: {error.strerror or error}")
        sys.exit(EXIT_ERROR)


def _print_findings(outcomes, output_format: str, color: bool, out, statistics: bool) -> None:
    from nanlint.formats import FORMATS

    # color= given explicitly: click.echo would otherwise strip the escape codes
    # whenever the stream is not a terminal, and FORCE_COLOR would do nothing.
    if statistics:
        from nanlint.formats.statistics import statistics_json, statistics_text

        # As ruff: JSON for --output-format json, the table for every other format.
        text = statistics_json(outcomes) if output_format == "json" else statistics_text(outcomes)
    else:
        text = FORMATS[output_format](outcomes, color)
    if text:
        click.echo(text, nl=False, file=out, color=color)


def _summary(remaining: int, fixed: int, outcomes, unsafe: bool, out, blank_line: bool) -> None:
    from nanlint.linting import unchecked

    # A file whose fixed text could not be written (read-only, changed meanwhile) keeps
    # its findings, but `--fix` would fail on it again: its fixes are not offered.
    offered = [d for o in outcomes if not o.error for d in o.diagnostics if d.fix]
    fixable = sum(1 for d in offered if d.fix.applicability == "safe")
    hidden = sum(1 for d in offered if d.fix.applicability == "unsafe")
    not_checked = sum(1 for o in outcomes if o.not_checked)
    parts = []
    if remaining or fixed:
        found = f"Found {remaining + fixed} finding(s)"
        if fixed:
            found += f" ({fixed} fixed, {remaining} remaining)"
        parts.append(found + ".")
        if fixable:
            parts.append(f"[*] {fixable} fixable with `--fix`.")
        if hidden and not unsafe:
            parts.append(f"{hidden} more fixable with `--fix --unsafe-fixes`.")
    elif not not_checked:
        parts.append("All checks passed!")
    if not_checked:
        files = "1 file" if not_checked == 1 else f"{not_checked} files"
        lead = "" if remaining or fixed else "No findings in the files checked, but "
        parts.append(f"{lead}{files} not checked ({unchecked.CODE}).")
    if blank_line and any(o.reported() for o in outcomes):
        click.echo("", file=out)
    click.echo("\n".join(parts), file=out)


def _diff_summary(shown: int, outcomes, unsafe: bool) -> None:
    """As ruff: on standard error, so that standard output stays a diff to apply; and
    never silence when the only fixes are unsafe ones that --diff leaves out."""
    hidden = 0 if unsafe else sum(
        1 for o in outcomes for d in o.diagnostics if d.fix and d.fix.applicability == "unsafe"
    )
    more = f"{hidden} fix{'es' if hidden != 1 else ''} available with `--unsafe-fixes`"
    if shown:
        line = f"Would fix {shown} finding(s)" + (f" ({more} as well)." if hidden else ".")
    else:
        line = "No finding would be fixed" + (f" ({more})." if hidden else ".")
    click.echo(line, err=True)


@cli.command(name="rules")
@click.option("--output-format", type=click.Choice(("text", "json")), default="text", show_default=True)
@_one_line_errors
def rules_command(output_format: str) -> None:
    """List every rule: code, name, fixable, enabled by default."""
    from nanlint.rule import all_rules

    rows = [
        {
            "code": rule.code,
            "name": rule.name,
            "summary": rule.summary,
            "fixable": rule.fixable,
            "default": rule.default_enabled,
        }
        for rule in all_rules()
    ]
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        flags = ("fix" if row["fixable"] else "   ") + (" on " if row["default"] else " off")
        click.echo(f"{row['code']}  {flags}  {row['name']:<26} {row['summary']}")


@cli.command(name="rule")
@click.argument("code")
@_one_line_errors
def rule_command(code: str) -> None:
    """Print the page of the rule CODE, such as NAN001."""
    from nanlint.linting import unchecked
    from nanlint.docs import render
    from nanlint.rule import all_rules, rules_by_code

    if code.upper() == unchecked.CODE:
        click.echo(unchecked.PAGE, nl=False)
        return
    rule = rules_by_code().get(code.upper())
    if rule is None:
        valid = [unchecked.CODE] + [r.code for r in all_rules()]
        _error(f"unknown rule code {code!r}; valid codes: {', '.join(valid)}")
        sys.exit(EXIT_ERROR)
    click.echo(render(rule), nl=False)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(readable=False, allow_dash=True))
@click.option("--output-format", type=click.Choice(("text", "json")), default="text", show_default=True)
@_one_line_errors
def verify(paths: Tuple[str, ...], output_format: str) -> None:
    """Run each fixable finding and its fix on adversarial tensors (needs PyTorch)."""
    from nanlint.shim.command import verify_paths

    sys.exit(verify_paths(list(paths or (".",)), output_format=output_format))


@cli.command()
@click.option("--stdio", is_flag=True, hidden=True, help="Accepted for clients that add it; stdio is the only transport.")
@_one_line_errors
def server(stdio: bool) -> None:
    """Run the language server over stdio, for editors (needs the `server` extra)."""
    from nanlint.server import main as serve

    sys.exit(serve())


def main() -> None:
    cli(prog_name="nanlint")


if __name__ == "__main__":  # pragma: no cover
    main()
