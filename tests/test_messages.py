"""Every rule's messages, pinned: a changed message shows in review as a changed
snapshot (`python -m pytest tests/test_messages.py --snapshot-update` rewrites them)."""

from __future__ import annotations

import pytest

from nanlint.linting.engine import Linter
from nanlint.rule import all_rules, rules_by_code


def _report(rule) -> str:
    """What the rule says on each of its must-flag examples: where, the message, the
    fix's title and the notes of the path the value took."""
    linter = Linter([rule] + [rules_by_code()[code] for code in rule.examples_run_with])
    blocks = []
    for index, example in enumerate(rule.invalid):
        lines = [f"example {index}:"]
        for d in linter.lint_source(example.code, "example.py"):
            lines.append(f"  {d.location.row}:{d.location.column} {d.code} {d.message}")
            if d.fix is not None:
                lines.append(f"    fix ({d.fix.applicability}): {d.fix.message}")
            for related in d.related:
                lines.append(f"    note {related.location.row}:{related.location.column}: {related.message}")
        blocks.append("\n".join(lines))
    return "\n".join(blocks) + "\n"


@pytest.mark.parametrize("rule", all_rules(), ids=[rule.code for rule in all_rules()])
def test_messages_of_every_example(rule, snapshot):
    assert _report(rule) == snapshot


@pytest.mark.parametrize("rule", all_rules(), ids=[rule.code for rule in all_rules()])
def test_every_finding_says_a_declared_message(rule):
    """Each message a rule's examples produce is one of the templates on its class."""
    import re

    if not rule.messages:
        assert rule.code == "NAN100"  # answered by the engine from comments, not by a visit
        return
    patterns = [
        re.compile("^" + re.sub(r"\\\{\w+\\\}", ".*", re.escape(template)) + "$", re.S)
        for template in rule.messages.values()
    ]
    linter = Linter([rule] + [rules_by_code()[code] for code in rule.examples_run_with])
    for example in rule.invalid:
        for d in linter.lint_source(example.code, "example.py"):
            assert any(p.match(d.message) for p in patterns), d.message
