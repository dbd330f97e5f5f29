"""`# noqa` and `# nanlint: ignore[...]` on the flagged line or the first line of the
statement; another tool's codes do not suppress."""

from __future__ import annotations

import pytest

from helpers import rows
from nanlint.linting.suppression import ALL, suppressed_codes

LINE = "d = torch.sum((a - b) ** 2, dim=1).sqrt()"


def _findings(project, source):
    # A script that runs a backward pass last: a gradient flows through its roots.
    project.write("m.py", source + "loss.backward()\n")
    result = project.run("check", "--output-format", "concise", "--no-cache", "m.py")
    return [(row, code) for _, row, _, code in rows(result.stdout)], result


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa: NAN001",
        "# noqa:NAN001",
        "# NOQA: nan001",
        "# noqa: E501, NAN001",
        "# noqa: E501,NAN001",
        "# noqa",
        "#noqa",
        "# nanlint: ignore[NAN001]",
        "# nanlint: ignore[NAN002, NAN001]",
        "# nanlint: ignore",
        "# type: ignore  # noqa: NAN001",
    ],
)
def test_a_comment_on_the_flagged_line_suppresses(project, comment):
    found, result = _findings(project, f"import torch\n{LINE}  {comment}\n")
    assert found == [] and result.exit_code == 0, comment


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa: E501",
        "# noqa: NAN002",
        "# noqa: NAN0011",
        "# nanlint: ignore[NAN002]",
        "# nanlint: ignore[E501]",
        "# a comment about noqa-style comments",
    ],
)
def test_other_codes_do_not_suppress(project, comment):
    found, result = _findings(project, f"import torch\n{LINE}  {comment}\n")
    assert found == [(2, "NAN001")] and result.exit_code == 1, comment


def test_a_comment_on_another_line_does_not_suppress(project):
    found, _ = _findings(project, f"import torch  # noqa: NAN001\n{LINE}\nx = 1  # noqa\n")
    assert found == [(2, "NAN001")]


def test_first_line_of_a_multi_line_statement(project):
    source = (
        "import torch\n"
        "d = dict(  # noqa: NAN001\n"
        "    a=1,\n"
        "    b=torch.sum((a - b) ** 2, dim=1).sqrt(),\n"
        ")\n"
    )
    assert _findings(project, source)[0] == []
    ignore = source.replace("# noqa: NAN001", "# nanlint: ignore[NAN001]")
    assert _findings(project, ignore)[0] == []
    # Without the comment the finding is on row 4.
    assert _findings(project, source.replace("  # noqa: NAN001", ""))[0] == [(4, "NAN001")]
    # On the flagged line inside the statement also counts.
    inner = source.replace("  # noqa: NAN001", "").replace(".sqrt(),\n", ".sqrt(),  # noqa: NAN001\n")
    assert _findings(project, inner)[0] == []
    # A comment on a middle line of the statement does not.
    middle = source.replace("  # noqa: NAN001", "").replace("a=1,", "a=1,  # noqa: NAN001")
    assert _findings(project, middle)[0] == [(4, "NAN001")]


def test_only_the_suppressed_finding_goes(project):
    source = f"import torch\n{LINE}  # noqa: NAN001\n{LINE}\n"
    assert _findings(project, source)[0] == [(3, "NAN001")]


def test_suppressed_codes_parser():
    assert suppressed_codes("x = 1") is None
    assert suppressed_codes("x = 1  # a comment") is None
    assert suppressed_codes("x  # noqa") is ALL
    assert suppressed_codes("x  # noqa: NAN001, nan002") == {"NAN001", "NAN002"}
    assert suppressed_codes("x  # nanlint: ignore[NAN001]") == {"NAN001"}
    assert suppressed_codes("x  # nanlint: ignore[]") is ALL
    assert suppressed_codes("x  # noqa: E501") == {"E501"}


# -- the last line of a multi-line statement --------------------------------------------


def test_last_line_of_a_multi_line_statement(project):
    # Where black and ruff format leave a trailing comment once they wrap the statement.
    source = (
        "import torch\n"
        "d = dict(\n"
        "    a=1,\n"
        "    b=torch.sum((a - b) ** 2, dim=1).sqrt(),\n"
        ")  # noqa: NAN001\n"
    )
    assert _findings(project, source)[0] == []
    assert _findings(project, source.replace("# noqa: NAN001", "# nanlint: ignore[NAN001]"))[0] == []
    assert _findings(project, source.replace("# noqa: NAN001", "# noqa: NAN002"))[0] == [(4, "NAN001")]
    # The end of the next statement is not this one's.
    after = source.replace(")  # noqa: NAN001\n", ")\nx = (\n    1\n)  # noqa: NAN001\n")
    assert _findings(project, after)[0] == [(4, "NAN001")]


def test_a_noqa_inside_a_string_does_not_suppress(project):
    source = f'import torch\n{LINE}; s = "# noqa: NAN001"\n'
    assert _findings(project, source)[0] == [(2, "NAN001")]


# -- file level -------------------------------------------------------------------------------


@pytest.mark.parametrize("comment", ["# nanlint: noqa", "# nanlint: noqa: NAN001", "#nanlint:noqa:NAN002,NAN001"])
def test_file_level_noqa_on_a_line_of_its_own(project, comment):
    found, result = _findings(project, f"{comment}\nimport torch\n{LINE}\n{LINE}\n")
    assert found == [] and result.exit_code == 0, comment
    # Anywhere in the file, as ruff's `# ruff: noqa`.
    found, _ = _findings(project, f"import torch\n{LINE}\n\n    {comment}\n{LINE}\n")
    assert found == [], comment


def test_file_level_noqa_for_other_codes_keeps_the_rest(project):
    found, _ = _findings(project, f"# nanlint: noqa: NAN005\nimport torch\n{LINE}\n")
    assert found == [(3, "NAN001")]


def test_nanlint_noqa_after_code_is_for_its_line_only(project):
    found, _ = _findings(project, f"import torch\n{LINE}  # nanlint: noqa: NAN001\n{LINE}\n")
    assert found == [(3, "NAN001")]
    found, _ = _findings(project, f"import torch\n{LINE}  # nanlint: noqa\n{LINE}\n")
    assert found == [(3, "NAN001")]


def test_flake8_file_level_noqa_exempts_the_file(project):
    # As flake8 and ruff read it: the whole file, every code, and never "unused" (flake8
    # reads it too).
    for comment in ("# flake8: noqa", "#flake8:NOQA", "# flake8=noqa"):
        found, result = _findings(project, f"{comment}\nimport torch\n{LINE}\n")
        assert found == [] and result.exit_code == 0, comment
    assert _unused(project, f"# flake8: noqa\nimport torch\nx = 1\n", "--extend-select", "NAN100")[0] == []
    # flake8 refuses the form with codes (it exempts nothing), and so does nanlint; after
    # code it is no file-level comment either.
    assert _findings(project, f"# flake8: noqa: E501\nimport torch\n{LINE}\n")[0] == [(3, "NAN001")]
    assert _findings(project, f"import torch\n{LINE}  # flake8: noqa\n")[0] == [(2, "NAN001")]


# -- NAN100: suppressions that suppress nothing -----------------------------------------------


def _unused(project, source, *args):
    project.write("m.py", source + "loss.backward()\n")
    result = project.run("check", "--output-format", "concise", "--no-cache", *args, "m.py")
    return [line.split(": ", 1)[1] for line in result.stdout.splitlines() if ": NAN" in line], result


def test_unused_noqa_is_off_by_default_and_on_when_selected(project):
    source = f"import torch\nx = 1  # noqa: NAN001\n{LINE}  # noqa: NAN001\n"
    assert _unused(project, source)[0] == []
    found, result = _unused(project, source, "--extend-select", "NAN100")
    assert found == ["NAN100 [*] Unused suppression comment (unused: `NAN001`)"], found
    assert result.exit_code == 1


def test_unused_noqa_kinds_and_what_it_leaves_alone(project):
    project.config('extend-select = ["NAN100"]\nignore = ["NAN002"]\nper-file-ignores = { "m.py" = ["NAN003"] }\n')
    source = (
        "import torch\n"
        "a = 1  # noqa: NAN002, NAN999, E501\n"  # NAN002 is ignored: non-enabled
        "b = 1  # noqa\n"  # blanket: flake8's and ruff's too
        "c = 1  # noqa: E501\n"  # another tool's code
        "d = 1  # noqa: NAN003\n"  # turned off for this file by the config
        "e = 1  # noqa: NAN001  # noqa: NAN100\n"  # NAN100 suppressed
        "f = 1  # nanlint: ignore\n"  # nanlint's own blanket comment
    )
    found, _ = _unused(project, source)
    messages = [m.split(" ", 1)[1].replace("[*] ", "") for m in found]
    assert messages == [
        "Unused suppression comment (non-enabled: `NAN002`; unknown: `NAN999`)",
        "Unused suppression comment",
    ], found


def test_unused_noqa_fix_removes_only_what_is_unused(project):
    path = project.write(
        "m.py",
        "import torch\n"
        f"{LINE}  # noqa: NAN001, NAN003, E501\n"
        "x = 1  # noqa: NAN001  # keep this\n"
        "y = 1  # noqa: NAN001\n"
        "loss.backward()\n",
    )
    result = project.run("check", "--extend-select", "NAN100", "--fix", "--no-cache", "m.py")
    assert result.exit_code == 0, result.output
    assert path.read_text() == (
        "import torch\n"
        f"{LINE}  # noqa: NAN001, E501\n"
        "x = 1  # keep this\n"
        "y = 1\n"
        "loss.backward()\n"
    )


def test_unused_noqa_in_a_file_no_other_rule_would_parse(project):
    # No trigger word of the other rules: the file is read for its comments only.
    found, result = _unused(project, "x = 1  # noqa: NAN004\n", "--select", "NAN100,NAN004")
    assert len(found) == 1 and "unused: `NAN004`" in found[0], result.output


def test_a_noqa_on_the_last_row_of_a_wrapped_statement_suppresses_beside_other_noqas(project):
    source = (
        "import torch  # noqa: F401\n"
        "d = torch.sum(\n"
        "    (a - b) ** 2, dim=1\n"
        ").sqrt()  # noqa: NAN001\n"
        "x = 1  # noqa: E501\n"
    )
    found, _ = _findings(project, source.replace("  # noqa: NAN001", ""))
    assert [code for _, code in found] == ["NAN001"]  # flagged without the comment
    found, _ = _findings(project, source)
    assert found == []


def test_directives_outside_the_statements_of_the_findings_need_no_tokenizing():
    from nanlint.linting.suppression import _none_near
    from nanlint.rule import Diagnostic, Location

    source = "import os  # noqa: F401\ndef f(x):\n    return x.sqrt()\ny = 1  # noqa\n"
    finding = Diagnostic("NAN001", "sqrt-without-eps", "m", "m.py", Location(3, 12), Location(3, 20), statement_row=3)
    assert _none_near([finding], source, [1, 2, 4])
    # A directive in the finding's function, or one for the whole file: tokenized.
    assert not _none_near([finding], source.replace("x.sqrt()", "x.sqrt()  # noqa"), [1, 2, 4])
    assert not _none_near([finding], "# flake8: noqa\n" + source, [2, 3, 5])
    assert not _none_near([finding], "# nanlint: noqa\n" + source, [2, 3, 5])
