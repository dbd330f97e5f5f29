"""Every fixable invalid example of the rules, run on real tensors: the finding is
confirmed (the original goes NaN/inf on some probe) and its fix holds in float32
and float64. New examples are picked up from the rules' `invalid` lists."""

from __future__ import annotations

import pytest

from nanlint.linting.engine import Linter
from nanlint.rule import rules_by_code
from nanlint.shim.findings import verify_source
from nanlint.shim.verify import FIXED, HOLDS, NOT_FIXED, SKIPPED

CODES = ("NAN001", "NAN002", "NAN003", "NAN004", "NAN008")
RULES = rules_by_code()
CASES = [
    (code, index, example)
    for code in CODES
    if code in RULES
    for index, example in enumerate(RULES[code].invalid)
    if example.fixed
]

# What the shim refuses to evaluate, by design (see nanlint.shim.safety): jax,
# TensorFlow and Keras code, numpy code where numpy is not installed, attributes of
# unknown objects (`self.eps`), calls of user functions (`dot(u, v)`), branches,
# private attributes.
REFUSALS = (
    "`jax.numpy.",
    "`jax.nn.",
    "`tensorflow.",
    "`keras.",
    "`numpy` is not installed",
    "attributes of unknown objects are not evaluated",
    "which is not on the allowlist (a user function?)",
    "only straight-line assignments are evaluated",
    "the private attribute",
)

# Fixes the shim shows failing on a probe, with why; each is reported to the rule's
# author rather than hidden. Keyed by the original code the shim compares.
KNOWN_NOT_FIXED: dict = {}


@pytest.mark.parametrize("case", CASES, ids=[f"{code}-{index}" for code, index, _ in CASES])
def test_fixable_example_is_confirmed_and_its_fix_holds(case):
    code, _, example = case
    diagnostics = Linter([RULES[code]]).lint_source(example.code, "example.py")
    verdicts = verify_source(example.code, diagnostics, dtypes=["float32", "float64"])
    assert verdicts, "the example has no finding with a fix"
    for _, verdict in verdicts:
        if verdict.status == SKIPPED:
            assert any(reason in verdict.reason for reason in REFUSALS), verdict.reason
            continue
        known = next((why for original, why in KNOWN_NOT_FIXED.items() if original in verdict.original), None)
        if known is not None:
            assert verdict.status == NOT_FIXED, f"now holds: drop it from KNOWN_NOT_FIXED\n{verdict}"
            continue
        assert verdict.confirmed, f"not confirmed on any probe:\n{verdict.original}\n{verdict}"
        assert verdict.status == FIXED, f"{verdict.original} -> {verdict.fix}\n{verdict}"
        for result in verdict.details:
            assert result.status == HOLDS, str(verdict)


def test_most_examples_are_evaluated_not_skipped():
    verdicts = [
        verdict
        for code, _, example in CASES
        for _, verdict in verify_source(
            example.code,
            Linter([RULES[code]]).lint_source(example.code, "example.py"),
            dtypes=["float64"],
            probes=["zeros"],
        )
    ]
    skipped = [v for v in verdicts if v.status == SKIPPED]
    assert len(skipped) <= len(verdicts) // 4, [v.reason for v in skipped]
