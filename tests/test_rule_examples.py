"""Every example of every rule, as Fixit runs them: the examples are the rules' tests."""

from __future__ import annotations

import ast

import pytest

from nanlint.linting.engine import Linter
from nanlint.fixing.fixer import fix_source
from nanlint.rule import all_rules, rules_by_code

CASES_VALID = [(rule, index, code) for rule in all_rules() for index, code in enumerate(rule.valid)]
CASES_INVALID = [(rule, index, case) for rule in all_rules() for index, case in enumerate(rule.invalid)]


def _linter(rule):
    return Linter([rule] + [rules_by_code()[code] for code in rule.examples_run_with])


def _id(case):
    rule, index, _ = case
    return f"{rule.code}-{index}"


@pytest.mark.parametrize("case", CASES_VALID, ids=[_id(c) for c in CASES_VALID])
def test_valid_example_is_not_flagged(case):
    rule, _, code = case
    ast.parse(code)
    assert _linter(rule).lint_source(code, "example.py") == []


@pytest.mark.parametrize("case", CASES_INVALID, ids=[_id(c) for c in CASES_INVALID])
def test_invalid_example_is_flagged_and_fixed(case):
    rule, _, example = case
    linter = _linter(rule)
    found = linter.lint_source(example.code, "example.py")
    assert found, f"{rule.code} did not flag:\n{example.code}"
    assert all(d.code == rule.code for d in found)
    assert all(d.message and d.location.row >= 1 and d.location.column >= 1 for d in found)
    if example.fixed is None:
        assert all(d.fix is None for d in found)
        return
    assert any(d.fix and d.fix.applicability == example.applicability for d in found)
    result = fix_source(linter, example.code, "example.py", unsafe=True)
    assert result.text == example.fixed
    ast.parse(result.text)
    assert linter.lint_source(result.text, "example.py") == [] or all(
        d.fix is None for d in linter.lint_source(result.text, "example.py")
    ), "the fixed code is flagged again with a fix"
    again = fix_source(linter, result.text, "example.py", unsafe=True)
    assert again.text == result.text, "a second fix run changed the code"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_carries_enough_examples(rule):
    assert rule.__doc__ and rule.summary and rule.name and rule.incident
    assert len(rule.valid) >= 10, f"{rule.code} needs 10 examples it must leave alone"
    assert len(rule.invalid) >= 10, f"{rule.code} needs 10 examples it must flag"
    if rule.fixable:
        assert any(case.fixed for case in rule.invalid)
