"""Parts of a file no rule wants are left unparsed, and nothing else changes."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest

from nanlint.engine import Linter
from nanlint.names import ModuleIndex
from nanlint.parts import reduce
from nanlint.rule import all_rules
from nanlint.sources import split_lines

UNRELATED = "\n".join(f"    total = total + {i}  # step {i}" for i in range(80))
ITEMS = "\n".join(f"    {i},  # item {i}" for i in range(60))

SOURCE = textwrap.dedent(
    '''\
    """A training module."""
    import torch

    SCALE = 2.0


    def unrelated(total):
    {body}
        return total


    @torch.no_grad()
    def also_unrelated(total):
    {body}
        return total


    class Model(torch.nn.Module):
        """Distances."""

        def setup(self, total):
    {body_in_class}
            return total

        def distance(self, a, b):
            return torch.sqrt(((a - b) ** 2).sum(-1))

        def teardown(self, total):
    {body_in_class}
            return total


    x = 1; y = [
    {items}
    ]
    '''
).format(body=UNRELATED, body_in_class=textwrap.indent(UNRELATED, "    "), items=ITEMS)


def _reduced(source: str):
    tree = ast.parse(source)
    rules = [rule for rule in all_rules() if rule.wants(ModuleIndex.from_ast(tree))]
    return reduce(source, split_lines(source), ModuleIndex.from_ast(tree), rules)


def _findings(linter: Linter, source: str):
    return [d.to_json() for d in linter.lint_source(source, "model.py")]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_stubs_fill_the_lines_of_what_they_replace_and_nothing_else_moves(newline):
    source = SOURCE.replace("\n", newline)
    reduced = _reduced(source)
    before, after = split_lines(source), split_lines(reduced.source)
    assert len(after) == len(before)
    changed = [row for row, (old, new) in enumerate(zip(before, after), 1) if old != new]
    # The two functions and the two members no rule wants; each stub keeps its line endings.
    assert "def unrelated" in before[changed[0] - 1] and "def distance" not in "".join(after[r - 1] for r in changed)
    assert all(line.endswith(newline) for line in after)
    kept = "".join(line for row, line in enumerate(after, 1) if row not in changed)
    assert "def distance(self, a, b):" in kept and "class Model" in kept and "import torch" in kept
    assert "def setup" not in reduced.source and "also_unrelated" not in reduced.source
    assert "@torch.no_grad()" not in reduced.source  # a decorated definition goes with its decorators
    ast.parse(reduced.source)
    assert cst.parse_module(reduced.source).code == reduced.source
    assert {"unrelated", "total", "setup", "teardown", "torch"} <= reduced.unseen


def test_code_sharing_a_line_with_other_code_is_parsed():
    reduced = _reduced(SOURCE)
    assert "x = 1; y = [" in reduced.source and "item 59" in reduced.source.split("x = 1; y = [")[1]


def test_a_class_member_on_the_header_line_is_parsed():
    header = "class A: total = " + " + ".join(["1"] * 900) + "; d = torch.sqrt(x)\n"
    reduced = _reduced(SOURCE + header)
    assert reduced.source.endswith(header)


def test_nothing_left_out_means_no_reduction():
    assert _reduced("import torch\nx = torch.sqrt(y)\n") is None


def test_findings_and_fixes_in_a_reduced_file_are_those_of_the_whole_file():
    fast, slow = Linter(all_rules()), Linter(all_rules(), prefilter=False)
    found = _findings(fast, SOURCE)
    assert fast.parses == {"in part": 1}
    assert found == _findings(slow, SOURCE)
    assert [d["code"] for d in found] == ["NAN001"] and found[0]["fix"]["edits"]


def test_a_question_about_a_name_the_left_out_code_mentions_parses_the_whole_file():
    # NAN001 follows `d` to its one module-level assignment; the left-out function
    # also names `d` (`global d` there would make that assignment one of two).
    source = textwrap.dedent(
        """\
        import torch
        d = ((torch.ones(3) - torch.zeros(3)) ** 2).sum()
        def unrelated():
            global d
            d = 0
        r = torch.sqrt(d)
        """
    )
    fast, slow = Linter(all_rules()), Linter(all_rules(), prefilter=False)
    assert _findings(fast, source) == _findings(slow, source)
    assert fast.parses == {"again whole": 1}
    # The same file without the name in the left-out code stays reduced.
    other = source.replace("global d\n    d = 0", "pass")
    assert _findings(fast, other) == _findings(slow, other)
    assert fast.parses["in part"] == 1


def test_a_guard_in_left_out_module_code_parses_the_whole_file():
    source = textwrap.dedent(
        """\
        import math
        import sys
        count = int(sys.argv[1])
        if count <= 0:
            print("nothing to do")
            raise SystemExit(0)
        digits = math.log(count)
        """
    )
    fast, slow = Linter(all_rules()), Linter(all_rules(), prefilter=False)
    assert _findings(fast, source) == _findings(slow, source) == []
    assert fast.parses == {"again whole": 1}
