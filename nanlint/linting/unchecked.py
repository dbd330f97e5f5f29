"""NAN000 file-not-checked: a file nanlint could not check, reported as a finding is.

Not a rule: no visitor finds it, no `--select` or `# noqa` turns it off (a file that
cannot be read has no line to put a comment on), and it has no examples to test. It
is a code so that every output format, the summary and `--statistics` can report an
unchecked file the way ruff reports E902 and syntax errors, instead of a run that
looks clean.
"""

from __future__ import annotations

from nanlint.rule import Diagnostic, Location

CODE = "NAN000"
NAME = "file-not-checked"
SUMMARY = "A file that nanlint could not check"

PAGE = f"""# {CODE} {NAME}

{SUMMARY}.

Not a rule: it cannot be selected, ignored or suppressed, and it is always reported.

## What it does
Reports a file that nanlint was asked to check but could not: it does not exist or
cannot be read, it is not text in its declared encoding, it is not valid Python (the
finding points at the syntax error's row and column, and cell in a notebook), or it is
a notebook that is not valid JSON. A rule that fails on a file (an internal error, a
bug of nanlint's to report) is reported where it failed, and the other rules' findings
in that file are reported beside it; `--fix` writes nothing to such a file. A file written for a newer Python than the one
running nanlint is reported too, with the Python version it needs, and so is a notebook
nanlint does not read (nbformat 3, a kernel in another language).

## Why is this bad?
A file that was not checked may hold every problem the rules look for. A run that
skipped a file must not look like a clean run, in any output format: the summary
counts the files not checked and never says "All checks passed!" then.

## Exit code
2 when a file could not be checked (a missing, unreadable or broken file); a file that
only this Python cannot read (newer syntax) or a notebook in another language or an
older format leaves the exit code to the other findings, as ruff does for files it skips with a warning.

## How to fix it
Fix the syntax error or the encoding, or run nanlint under the Python the file is
written for; exclude the file in the configuration if it is not meant to be checked.
"""


def diagnostic(path: str, reason: str, row: int = 1, column: int = 1, cell: int = 0) -> Diagnostic:
    where = Location(row, column, cell)
    return Diagnostic(CODE, NAME, reason, path, where, where)
