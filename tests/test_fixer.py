"""The fixer's promises: non-overlapping edits, parse-checked results, bounded rounds."""

from __future__ import annotations

import libcst as cst

from nanlint.linting.engine import Linter
from nanlint.fixing.fixer import MAX_ROUNDS, apply_fixes, fix_source
from nanlint.rule import SAFE, Edit, Fix, Location, PendingFix, Replace, Rule, rules_by_code


def _fix(*edits):
    return Fix("test", SAFE, tuple(Edit(Location(*a), Location(*b), text) for a, b, text in edits))


def test_overlapping_fixes_apply_one_per_round():
    text = "abcdef\n"
    first = _fix(((1, 1), (1, 4), "X"))
    overlapping = _fix(((1, 3), (1, 6), "Y"))
    apart = _fix(((1, 6), (1, 7), "Z"))
    result, applied = apply_fixes(text, [first, overlapping, apart])
    assert result == "XdeZ\n"
    assert applied == [0, 2]


def test_identical_edits_shared_by_two_fixes_apply_once():
    insert_import = ((1, 1), (1, 1), "import torch\n")
    result, applied = apply_fixes("a\nb\n", [_fix(insert_import, ((1, 1), (1, 2), "A")), _fix(insert_import, ((2, 1), (2, 2), "B"))])
    assert result == "import torch\nA\nB\n"
    assert applied == [0, 1]


def test_insertion_goes_before_a_replacement_at_the_same_place():
    result, _ = apply_fixes("x = 1\n", [_fix(((1, 1), (1, 1), "# new\n"), ((1, 1), (1, 2), "y"))])
    assert result == "# new\ny = 1\n"


class _BreaksTheFile(Rule):
    """A test rule whose fix would not parse."""

    code = "NAN901"
    name = "breaks-the-file"
    summary = "test"
    triggers = ("sqrt",)

    def visit_Call(self, node: cst.Call) -> None:
        self.report(node, "bad", PendingFix("break it", (Replace(node, "sqrt(("),), SAFE))


def test_a_fix_that_would_not_parse_is_not_applied_and_says_so():
    source = "y = sqrt(x)\n"
    result = fix_source(Linter([_BreaksTheFile]), source, "f.py")
    assert result.text == source
    assert result.fixed == []
    [remaining] = result.remaining
    assert "would not parse" in remaining.fix_note


class _NeverSettles(Rule):
    """A test rule that always finds something new to fix."""

    code = "NAN902"
    name = "never-settles"
    summary = "test"
    triggers = ("sqrt",)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "sqrt":
            self.report(node, "again", PendingFix("wrap", (Replace(node, f"sqrt({self.context.code(node)})"),), SAFE))


def test_rounds_are_bounded_and_the_bound_is_reported():
    result = fix_source(Linter([_NeverSettles]), "y = sqrt(x)\n", "f.py")
    assert result.unconverged
    assert result.text.count("sqrt") == MAX_ROUNDS + 1


def test_only_safe_fixes_without_unsafe_flag():
    rule = rules_by_code()["NAN001"]
    source = "import torch\na = torch.sqrt(x.var(0))\nb = torch.sum((p - q) ** 2, dim=1).sqrt()\n(a + b).sum().backward()\n"
    safe = fix_source(Linter([rule]), source, "f.py")
    assert "vector_norm" in safe.text and "1e-12" not in safe.text
    assert [d.code for d in safe.remaining] == ["NAN001"]
    unsafe = fix_source(Linter([rule]), source, "f.py", unsafe=True)
    assert "x.var(0) + 1e-12" in unsafe.text and unsafe.remaining == []


def test_a_fix_never_deletes_a_comment():
    rule = rules_by_code()["NAN001"]
    source = "import torch\nd = torch.sqrt(\n    ((a - b) ** 2).sum(-1)  # why\n)\nd.backward()\n"
    [finding] = Linter([rule]).lint_source(source, "f.py")
    assert finding.fix is not None  # eps goes inside: the comment is outside the edit
    assert "# why" in fix_source(Linter([rule]), source, "f.py", unsafe=True).text
