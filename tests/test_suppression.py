"""`# noqa` and `# nanlint: ignore[...]` on the flagged line or the first line of the
statement; another tool's codes do not suppress."""

from __future__ import annotations

import pytest

from helpers import rows
from nanlint.suppression import ALL, suppressed_codes

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
