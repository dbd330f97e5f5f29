"""The server's document logic without the protocol: columns in the editor's units,
fixes as non-overlapping edits, `# noqa` insertion, settings per document."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import SAFE_SOURCE, UNSAFE_SOURCE
from nanlint.linting.engine import Linter
from nanlint.fixing.fixer import apply_fixes
from nanlint.rule import Location, all_rules
from nanlint.server.documents import (
    DocumentLinter,
    TextIndex,
    merge_edits,
    noqa_span,
    utf16_units,
    whole_change,
)


def _apply(text, spans):
    for start, end, content in sorted(spans, reverse=True):
        text = text[:start] + content + text[end:]
    return text


def test_columns_count_utf16_units_and_lines_end_only_at_newlines():
    text = 'a = "😀é"\r\nb\x0cc = 1\rlast'
    index = TextIndex(text)
    assert len(index.lines) == 3  # the form feed is inside line 2, as the LSP says
    # nanlint's row 1, column 8 (1-based characters) is after "😀é": UTF-16 column 8.
    offset = index.offset(Location(1, 8))
    assert text[offset] == '"'
    assert index.position(offset) == (0, 8)
    assert index.position(offset, len) == (0, 7)  # a client that counts code points
    assert index.offset_at(0, 8) == offset
    assert index.position(index.offset(Location(2, 3))) == (1, 2)
    assert index.position(len(text)) == (2, 4)
    # Past the last line is the end of the text.
    assert index.offset(Location(9, 1)) == len(text)


@given(st.text(alphabet="aé😀\n\r\x0c ", max_size=40))
def test_every_offset_survives_the_round_trip_through_editor_units(text):
    index = TextIndex(text)
    for offset in range(len(text) + 1):
        if offset and text[offset - 1] == "\r" and text[offset : offset + 1] == "\n":
            continue  # inside a \r\n: no position names it
        line, column = index.position(offset)
        assert index.offset_at(line, column) == offset


def test_a_text_ending_with_a_newline_ends_on_the_line_after_it():
    index = TextIndex("x = 1\n")
    assert index.position(6) == (1, 0)
    assert index.offset_at(1, 0) == 6


FIXES = [
    (rule, index, diagnostic)
    for rule in all_rules()
    for index, example in enumerate(rule.invalid)
    for diagnostic in Linter([rule]).lint_source(example.code, "example.py")
    if diagnostic.fix is not None
]


@pytest.mark.parametrize("case", FIXES, ids=[f"{rule.code}-{index}" for rule, index, _ in FIXES])
def test_each_fix_becomes_separate_edits_that_give_the_fixer_s_text(case):
    rule, example_index, diagnostic = case
    text = rule.invalid[example_index].code
    spans = merge_edits(TextIndex(text), diagnostic.fix.edits)
    assert all(first[1] < second[0] for first, second in zip(spans, spans[1:])), spans
    assert _apply(text, spans) == apply_fixes(text, [diagnostic.fix])[0]


def test_an_import_and_a_replacement_at_the_same_place_become_one_edit():
    from nanlint.rule import Edit

    text = "x = f(a)\n"
    start, end = Location(1, 1), Location(1, 9)
    edits = [Edit(start, start, "import torch\n"), Edit(start, end, "x = g(a)")]
    [span] = merge_edits(TextIndex(text), edits)
    assert _apply(text, [span]) == "import torch\nx = g(a)\n" == apply_fixes(text, [_fix(edits)])[0]


def _fix(edits):
    from nanlint.rule import Fix

    return Fix("m", "safe", tuple(edits))


@pytest.mark.parametrize(
    "before, after, span",
    [
        ("abc", "abc", None),
        ("a(x)b", "a(x + 1)b", (3, 3, " + 1")),
        ("import t\nt.f(x)\n", "import t\nt.g(x)\n", (11, 12, "g")),
        ("aaa", "aa", (2, 3, "")),
    ],
)
def test_whole_change_is_the_smallest_span(before, after, span):
    assert whole_change(before, after) == span
    if span:
        assert _apply(before, [span]) == after


def _finding(text):
    [diagnostic] = DocumentLinter().lint(text, None).diagnostics
    return diagnostic


def _noqa(text):
    span = noqa_span(TextIndex(text), _finding(text))
    return None if span is None else _apply(text, [span])


def test_noqa_is_added_to_the_flagged_line():
    assert _noqa(UNSAFE_SOURCE).splitlines()[1] == "std = torch.sqrt(x.var(dim=0))  # noqa: NAN001"


def test_noqa_extends_a_noqa_comment_already_there():
    text = UNSAFE_SOURCE.replace("dim=0))\n", "dim=0))  # noqa: E501\n")
    assert _noqa(text).splitlines()[1] == "std = torch.sqrt(x.var(dim=0))  # noqa: E501, NAN001"


def test_noqa_crlf_line_keeps_its_ending():
    text = UNSAFE_SOURCE.replace("\n", "\r\n")
    assert _noqa(text).split("\r\n")[1].endswith("  # noqa: NAN001")


def test_noqa_goes_to_the_statement_s_first_line_when_its_line_cannot_hold_a_comment():
    # The flagged line ends inside a string: a comment there would change the string.
    text = 'import torch\nstd, note = torch.sqrt(x.var(dim=0)), """\nnot code\n"""\nstd.sum().backward()\n'
    diagnostic = _finding(text)
    assert diagnostic.location.row == 2 and diagnostic.statement_row == 2
    assert _noqa(text) is None
    text = 'import torch\nstd = (\n    torch.sqrt(x.var(dim=0)) + 0 \\\n)\nstd.sum().backward()\n'
    diagnostic = _finding(text)
    assert (diagnostic.location.row, diagnostic.statement_row) == (3, 2)
    fixed = _noqa(text)
    assert fixed.splitlines()[1] == "std = (  # noqa: NAN001"
    assert DocumentLinter().lint(fixed, None).diagnostics == []


def test_documents_take_their_nearest_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.nanlint]\n")
    (tmp_path / "quiet").mkdir()
    (tmp_path / "quiet" / "pyproject.toml").write_text('[tool.nanlint]\nignore = ["NAN001"]\n')
    (tmp_path / "gen").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.nanlint]\nextend-exclude = ["gen"]\n')
    linter = DocumentLinter()
    assert [d.code for d in linter.lint(SAFE_SOURCE, str(tmp_path / "a.py")).diagnostics] == ["NAN001"]
    assert linter.lint(SAFE_SOURCE, str(tmp_path / "quiet" / "a.py")).diagnostics == []
    excluded = linter.lint(SAFE_SOURCE, str(tmp_path / "gen" / "a.py"))
    assert excluded.diagnostics == [] and "excluded" in excluded.note
    # The config is re-read when it changes on disk.
    (tmp_path / "quiet" / "pyproject.toml").write_text("[tool.nanlint]\n")
    assert [d.code for d in linter.lint(SAFE_SOURCE, str(tmp_path / "quiet" / "a.py")).diagnostics] == ["NAN001"]


def test_a_broken_config_is_a_note_that_names_the_key(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.nanlint]\nepsilon = 1\n")
    found = DocumentLinter().lint(SAFE_SOURCE, str(tmp_path / "a.py"))
    assert found.diagnostics == [] and found.error
    assert "unknown key 'epsilon'" in found.note


def test_a_half_typed_file_has_no_findings_and_says_why():
    found = DocumentLinter().lint("import torch\nd = torch.sqrt(\n", None)
    assert found.diagnostics == [] and "syntax error" in found.note


def test_fix_all_applies_only_safe_fixes_over_rounds():
    text = SAFE_SOURCE + UNSAFE_SOURCE.split("\n", 1)[1]
    fixed = DocumentLinter().fix_all(text, None)
    assert "torch.linalg.vector_norm(a - b, dim=1)" in fixed
    assert "torch.sqrt(x.var(dim=0))" in fixed
    assert DocumentLinter().fix_all("x = 1\n", None) is None


def test_utf16_units():
    assert utf16_units("a😀é") == 4
