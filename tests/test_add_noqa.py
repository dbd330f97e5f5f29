"""`nanlint check --add-noqa`: a baseline of `# noqa: CODE` comments, after which the
same check finds nothing; existing comments kept, no line broken inside a string."""

from __future__ import annotations

from helpers import SAFE_SOURCE, assert_one_clean_error

ROOT = "torch.sum((a - b) ** 2, dim=1).sqrt()"

BEFORE = (
    "import torch\n"
    f"d = {ROOT}  # the distance\n"
    f"e = {ROOT}  # noqa: E501\n"
    "x = torch.log(\n"
    "    torch.softmax(z, -1)\n"
    ")\n"
    's = f"""\n'
    f"{{{ROOT}}}\n"
    '"""\n'
    f"t = 1 + \\\n    {ROOT}\n"
    "loss.backward()\n"
)
AFTER = (
    "import torch\n"
    f"d = {ROOT}  # the distance  # noqa: NAN001\n"
    f"e = {ROOT}  # noqa: E501, NAN001\n"
    "x = torch.log(  # noqa: NAN003\n"
    "    torch.softmax(z, -1)\n"
    ")\n"
    's = f"""\n'
    f"{{{ROOT}}}\n"
    '"""  # noqa: NAN001\n'
    f"t = 1 + \\\n    {ROOT}  # noqa: NAN001\n"
    "loss.backward()\n"
)


def test_add_noqa_baselines_every_finding(project):
    path = project.write("m.py", BEFORE)
    assert project.run("check", "--no-cache", "m.py").exit_code == 1
    result = project.run("check", "--add-noqa", "m.py")
    assert result.exit_code == 0, result.output
    assert "Added 5 noqa directives." in result.stderr
    assert path.read_text() == AFTER
    assert project.run("check", "m.py").exit_code == 0
    # A second run finds nothing to add and changes nothing.
    again = project.run("check", "--add-noqa", "m.py")
    assert "Added 0 noqa directives." in again.stderr and path.read_text() == AFTER


def test_add_noqa_keeps_crlf_and_other_files(project):
    path = project.write("m.py", SAFE_SOURCE.replace("\n", "\r\n"))
    clean = project.write("clean.py", "x = 1\n")
    assert project.run("check", "--add-noqa", ".").exit_code == 0
    assert path.read_bytes() == SAFE_SOURCE.replace(".sqrt()\n", ".sqrt()  # noqa: NAN001\n").replace(
        "\n", "\r\n"
    ).encode()
    assert clean.read_text() == "x = 1\n"


def test_add_noqa_with_fix_or_diff_is_a_usage_error(project):
    project.write("m.py", SAFE_SOURCE)
    for option in ("--fix", "--diff"):
        result = project.run("check", "--add-noqa", option, "m.py")
        assert result.exit_code == 2
        assert_one_clean_error(result.stderr, "--add-noqa")
