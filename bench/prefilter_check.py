"""The prefilter drops no finding on the whole corpus: every file linted twice.

    python bench/prefilter_check.py bench/corpus/torch-2.13.0 bench/corpus/transformers-4.57.1

Once as nanlint runs (trigger words, then the rules' `wants()` on Python's `ast`, then
libcst only where a rule wants the file, and only on the parts of it some rule wants),
once parsing every file with libcst and running every rule on it. Prints the files, how many each path parsed, the findings,
and every file whose findings differ; exits 1 if any does. tests/test_prefilter.py
does the same on a slice of torch that fits in the test suite.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from nanlint.linting.engine import Linter, NewerSyntax, ParseError
from nanlint.rule import all_rules
from nanlint.reading.sources import SourceError, decode


def main(roots) -> int:
    fast = Linter(all_rules())
    slow = Linter(all_rules(), prefilter=False)
    files = sorted(p for root in roots for p in Path(root).rglob("*.py"))
    parsed_fast = findings = 0
    differ = []
    started = time.perf_counter()
    for path in files:
        try:
            text = decode(path.read_bytes(), str(path)).text
        except SourceError:
            continue
        results = []
        for linter in (fast, slow):
            try:
                results.append([d.to_json() for d in linter.lint_source(text, str(path))])
            except NewerSyntax:
                results.append([])  # skipped with a warning: no findings on either path
            except ParseError as error:
                results.append(str(error))
        if fast.candidates(text):
            parsed_fast += 1
        if results[0] != results[1]:
            differ.append(path)
            print(f"DIFFERS {path}\n  fast: {results[0]}\n  slow: {results[1]}")
        findings += len(results[1]) if isinstance(results[1], list) else 0
    print(
        f"{len(files)} files, {parsed_fast} pass the text prefilter, {findings} findings on the slow path, "
        f"{len(differ)} files differ ({time.perf_counter() - started:.0f} s)"
    )
    print("libcst parses on the fast path:", ", ".join(f"{how} {n}" for how, n in sorted(fast.parses.items())))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["bench/corpus/torch-2.13.0"]))
