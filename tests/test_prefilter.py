"""The fast path drops nothing: on real code, the text prefilter and the rules'
`wants()` (which keep most files from being parsed), and the parts of a file left
unparsed because no rule wants them, give exactly the findings (and fixes) that
parsing every file and running every rule on it gives."""

from __future__ import annotations

import importlib.util
from pathlib import Path


from nanlint.linting.engine import Linter, ParseError
from nanlint.rule import all_rules

# Real code nobody here wrote, read without importing torch (the test extra installs it).
TORCH = Path(importlib.util.find_spec("torch").origin).parent
PARTS = ["optim", "distributions", "nn/utils", "nn/modules/loss.py", "nn/modules/normalization.py", "_refs/nn"]


def _sources():
    for part in PARTS:
        path = TORCH / part
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            yield str(file.relative_to(TORCH)), file.read_text(encoding="utf-8")
    for rule in all_rules():
        for number, example in enumerate([*rule.valid, *(case.code for case in rule.invalid)]):
            yield f"{rule.code}-example-{number}", example


def _findings(linter: Linter, source: str, name: str):
    try:
        return [d.to_json() for d in linter.lint_source(source, name)]
    except ParseError as error:
        return str(error)


def test_the_prefilter_changes_no_finding():
    fast = Linter(all_rules())
    slow = Linter(all_rules(), prefilter=False)
    checked = 0
    mismatches = []
    for name, source in _sources():
        checked += 1
        if _findings(fast, source, name) != _findings(slow, source, name):
            mismatches.append(name)
    assert checked > 150
    assert not mismatches, f"{len(mismatches)} of {checked} sources differ: {mismatches[:10]}"
    # Not vacuous: many files were parsed in part (tests/test_parts.py has the files
    # that go back to a whole parse).
    assert fast.parses["in part"] > 10, fast.parses
    assert not fast.parses["stubs unparsable"]
