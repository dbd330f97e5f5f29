"""Bad input: each problem gets one line on standard error that names the file and
the reason, never a traceback, and the other files of the run are still checked.
Also the inputs that are fine but easy to get wrong: empty, BOM, CRLF, latin-1."""

from __future__ import annotations

import errno
import json
import os
import re
import sys

import pytest

import nanlint.linting.batch
from helpers import SAFE_FIXED, SAFE_SOURCE, assert_one_clean_error, rows

GOOD = ("good.py", 2, 5, "NAN001")


def _run_with_good(project, *paths):
    """Check `paths` and a good file with one finding; the good file's finding must show."""
    project.write("good.py", SAFE_SOURCE)
    result = project.run("check", "--output-format", "concise", "--no-cache", "--jobs", "1", *paths, "good.py")
    assert "Traceback" not in result.output
    assert GOOD in rows(result.stdout), result.output
    return result


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("syntax.py", b"import torch\ndef f(:\n    return torch.sqrt(x)\n", "2:7: syntax error"),
        ("indent.py", b"import torch\n  x = torch.sqrt(y)\n", "syntax error"),
        # libcst accepts these two, yet no Python does: syntax errors, not newer syntax.
        ("bytes.py", "import torch\nx = b'café'\ny = torch.sqrt(z)\n".encode(), "2:5: syntax error: bytes can only"),
        ("nested.py", b"import torch\nx = torch.sqrt(" + b"(" * 201 + b"1" + b")" * 202 + b"\n", "2:"),
        ("undecodable.py", b"import torch\ns = '\xff\xfe'\ny = torch.sqrt(z)\n", "cannot decode as utf-8 at line 2, column 6"),
        ("undecodable_plain.py", b"s = '\xff'\n", "cannot decode as utf-8 at line 1, column 6"),
        # Found by tokenize's encoding detection (first two lines) and by decoding
        # (further down) alike; CRLF is one line end, and columns count characters.
        ("undecodable_crlf.py", b"x = 1\r\n# caf\xc3\xa9 \xff\r\n", "cannot decode as utf-8 at line 2, column 8"),
        ("undecodable_late.py", b"import torch\n\n\n# \xc3\xa9\xe9\ny = torch.sqrt(z)\n", "at line 4, column 4"),
        ("undecodable_bom.py", b"\xef\xbb\xbfs = '\xff'\n", "at line 1, column 6"),
        ("latin_cookie.py", b"# coding: ascii\nimport torch\nx = '\xe9'\n", "cannot decode as ascii at line 3, column 6"),
        ("bad_cookie.py", b"# -*- coding: no-such-codec -*-\nx = 1\n", "encoding"),
        ("binary.py", b"\x7fELF\x02\x01\x01\x00\x00\x00sqrt\x00\xff\xfe", "binary file"),
        ("binary_plain.py", b"\x00\x01\x02\x03", "binary file"),
    ],
)
def test_a_file_that_cannot_be_checked(project, name, content, reason):
    project.write(name, content)
    result = _run_with_good(project, name)
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, name, reason)


UTF16_SOURCE = "import torch\ny = torch.sqrt(z)  # é\n"


@pytest.mark.parametrize(
    "codec, name",
    [
        ("utf-16", "UTF-16"),  # with a BOM, as Windows editors save "Unicode"
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "UTF-16"),
        ("utf-32", "UTF-32"),
        ("utf-32-le", "UTF-32"),
    ],
)
def test_a_utf16_file_is_called_what_it_is(project, codec, name):
    project.write("wide.py", UTF16_SOURCE.encode(codec))
    result = _run_with_good(project, "wide.py")
    assert result.exit_code == 2
    assert_one_clean_error(
        result.stderr, "wide.py", f"{name} encoded; Python source must be UTF-8 or declare an ASCII-compatible encoding"
    )
    assert "binary" not in result.stderr


def test_bad_files_found_by_walking_are_reported_and_the_rest_checked(project):
    project.write("pkg/syntax.py", b"import torch\ndef f(:\n    torch.sqrt(x)\n")
    project.write("pkg/binary.py", b"\x00sqrt")
    project.write("pkg/sub/good.py", SAFE_SOURCE)
    for jobs in ("1", "2"):
        result = project.run("check", "--output-format", "concise", "--no-cache", "--jobs", jobs, "pkg")
        assert result.exit_code == 2
        assert "Traceback" not in result.output
        errors = [line for line in result.stderr.splitlines() if line.startswith("nanlint: error:")]
        assert len(errors) == 2, result.stderr
        assert any(os.path.join("pkg", "syntax.py") in e and "syntax error" in e for e in errors)
        assert any(os.path.join("pkg", "binary.py") in e and "binary file" in e for e in errors)
        # Each file not checked is a finding too, NAN000, at its syntax error if it has one.
        assert rows(result.stdout) == [
            (os.path.join("pkg", "binary.py"), 1, 1, "NAN000"),
            (os.path.join("pkg", "sub", "good.py"), 2, 5, "NAN001"),
            (os.path.join("pkg", "syntax.py"), 2, 7, "NAN000"),
        ]


def test_a_missing_path(project):
    result = _run_with_good(project, "missing.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "missing.py", "no such file")


def test_a_missing_folder(project):
    result = _run_with_good(project, "nowhere/")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "nowhere", "no such file")


def test_a_symlink_loop(project):
    os.symlink("loop.py", project.root / "loop.py")
    result = _run_with_good(project, "loop.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "loop.py", "symbolic link loop")
    # Found while walking, too; and a link to a folder above is not followed forever.
    os.makedirs(project.root / "pkg")
    os.symlink("../pkg", project.root / "pkg" / "again")
    os.symlink("b.py", project.root / "pkg" / "a.py")
    os.symlink("a.py", project.root / "pkg" / "b.py")
    project.write("pkg/good.py", SAFE_SOURCE)
    result = project.run("check", "--output-format", "concise", "--no-cache", "pkg")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("nanlint: error:")]
    assert len(errors) == 2 and all("symbolic link loop" in e for e in errors), result.stderr
    assert sorted(rows(result.stdout)) == [
        (os.path.join("pkg", "a.py"), 1, 1, "NAN000"),
        (os.path.join("pkg", "b.py"), 1, 1, "NAN000"),
        (os.path.join("pkg", "good.py"), 2, 5, "NAN001"),
    ]


def _make_unreadable(path, monkeypatch):
    """chmod 000; where that does not stop us (root), make os.scandir fail there as
    it would, so the walk's error path runs all the same."""
    os.chmod(path, 0)
    if not os.access(path, os.R_OK):
        return
    real = os.scandir
    target = os.path.abspath(path)

    def scandir(top="."):
        if os.path.abspath(os.fspath(top)) == target:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(top))
        return real(top)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_folder_found_while_walking(project, monkeypatch):
    project.write("pkg/locked/hidden.py", SAFE_SOURCE)
    project.write("pkg/good.py", SAFE_SOURCE)
    locked = project.root / "pkg" / "locked"
    _make_unreadable(locked, monkeypatch)
    try:
        result = project.run("check", "--output-format", "concise", "--no-cache", "pkg")
    finally:
        os.chmod(locked, 0o755)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert_one_clean_error(result.stderr, os.path.join("pkg", "locked"), "permission denied")
    assert rows(result.stdout) == [
        (os.path.join("pkg", "locked"), 1, 1, "NAN000"),
        (os.path.join("pkg", "good.py"), 2, 5, "NAN001"),
    ]


def test_an_unreadable_folder_named_on_the_command_line(project, monkeypatch):
    project.write("locked/hidden.py", SAFE_SOURCE)
    locked = project.root / "locked"
    os.chmod(locked, 0)
    if os.access(locked, os.R_OK | os.X_OK):
        real = os.access
        monkeypatch.setattr(
            os, "access", lambda p, mode, **kw: False if os.path.abspath(p) == str(locked) else real(p, mode, **kw)
        )
    try:
        result = _run_with_good(project, "locked")
    finally:
        os.chmod(locked, 0o755)
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "locked", "permission denied")


def test_an_unreadable_file(project, monkeypatch):
    path = project.write("secret.py", SAFE_SOURCE)
    os.chmod(path, 0)
    if os.access(path, os.R_OK):
        real = open

        def guarded(file, *args, **kwargs):
            if os.path.abspath(os.fspath(file)) == str(path):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
            return real(file, *args, **kwargs)

        monkeypatch.setattr(nanlint.linting.batch, "open", guarded, raising=False)
    try:
        result = _run_with_good(project, "secret.py")
    finally:
        os.chmod(path, 0o644)
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "secret.py", "permission denied")


def test_a_config_value_of_the_wrong_type(project):
    project.config('eps = "small"\n')
    project.write("good.py", SAFE_SOURCE)
    result = project.run("check", "good.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "pyproject.toml", "eps", "expected a positive finite number")


def test_an_empty_file(project):
    project.write("empty.py", b"")
    result = _run_with_good(project, "empty.py")
    assert result.exit_code == 1
    assert result.stderr == ""
    assert project.run("check", "empty.py").exit_code == 0
    assert project.run("check", "--fix", "empty.py").exit_code == 0
    assert (project.root / "empty.py").read_bytes() == b""


# -- encodings and line endings: right columns, bytes kept outside the edit ----------


def test_bom_columns_and_fix_keep_the_bom(project):
    source = "\ufeffimport torch; d = torch.sum((a - b) ** 2, dim=1).sqrt()\n# é\nd.backward()\n"
    path = project.write("bom.py", source.encode("utf-8"))
    result = project.run("check", "--output-format", "concise", "--no-cache", "bom.py")
    assert result.stderr == ""
    assert rows(result.stdout) == [("bom.py", 1, 19, "NAN001")]
    full = project.run("check", "--no-cache", "bom.py").stdout
    assert "1 | import torch; d = torch.sum" in full and "\ufeff" not in full
    assert "  |                   ^^^" in full
    assert project.run("check", "--fix", "bom.py").exit_code == 0
    assert path.read_bytes() == "\ufeffimport torch; d = torch.linalg.vector_norm(a - b, dim=1)\n# é\nd.backward()\n".encode(
        "utf-8"
    )


def test_crlf_columns_and_fix_keep_crlf(project):
    source = "import torch\r\n# ünïcode before\r\nd = torch.sum((a - b) ** 2, dim=1).sqrt()  # trailing\r\nd.backward()\r\n"
    path = project.write("crlf.py", source.encode("utf-8"))
    result = project.run("check", "--output-format", "json", "--no-cache", "crlf.py")
    import json

    [finding] = json.loads(result.stdout)
    assert finding["location"] == {"row": 3, "column": 5}
    assert finding["end_location"] == {"row": 3, "column": 42}
    assert project.run("check", "--fix", "crlf.py").exit_code == 0
    expected = source.replace("torch.sum((a - b) ** 2, dim=1).sqrt()", "torch.linalg.vector_norm(a - b, dim=1)")
    assert path.read_bytes() == expected.encode("utf-8")
    assert path.read_bytes().count(b"\r\n") == 4 and b"\n" not in path.read_bytes().replace(b"\r\n", b"")


def test_bom_and_crlf_together_byte_for_byte(project):
    raw = b"\xef\xbb\xbf" + SAFE_SOURCE.replace("\n", "\r\n").encode()
    path = project.write("both.py", raw)
    assert project.run("check", "--fix", "both.py").exit_code == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + SAFE_FIXED.replace("\n", "\r\n").encode()


def test_columns_count_characters_not_bytes(project):
    project.write("wide.py", "import torch\né = torch.sum((a - b) ** 2, dim=1).sqrt()\né.backward()\n")
    result = project.run("check", "--output-format", "concise", "--no-cache", "wide.py")
    assert rows(result.stdout) == [("wide.py", 2, 5, "NAN001")]


def test_latin1_file_is_written_back_in_latin1(project):
    raw = b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + SAFE_SOURCE.encode()
    path = project.write("latin.py", raw)
    assert project.run("check", "--fix", "latin.py").exit_code == 0
    assert path.read_bytes() == b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + SAFE_FIXED.encode()


def test_a_file_changed_while_fixing_is_not_overwritten(project, monkeypatch):
    path = project.write("m.py", SAFE_SOURCE)
    import nanlint.fixing.writing

    real = nanlint.fixing.writing.write_source

    def meddle(source, text):
        path.write_text(SAFE_SOURCE + "# edited meanwhile\n")
        return real(source, text)

    monkeypatch.setattr(nanlint.linting.batch, "write_source", meddle)
    result = project.run("check", "--fix", "--output-format", "concise", "--no-cache", "--jobs", "1", "m.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "m.py", "changed on disk")
    # Not fixed, so not counted as fixed: the finding is shown as it was read, after
    # the row that says why the file was not written.
    assert rows(result.stdout) == [("m.py", 1, 1, "NAN000"), ("m.py", 2, 5, "NAN001")]
    assert "fixed" not in result.stdout
    assert path.read_text() == SAFE_SOURCE + "# edited meanwhile\n"


def test_fix_on_stdin_with_a_syntax_error_gives_the_source_back(project):
    source = b"import torch\ndef f(:\n    torch.sqrt(x)\n"
    result = project.run("check", "--fix", "-", "--stdin-filename", "edited.py", input=source)
    assert result.exit_code == 2
    assert result.stdout_bytes == source
    assert_one_clean_error(result.stderr, "edited.py", "syntax error")


def _die_on_poison(item):
    """A worker that dies as one killed for memory would, on the file named poison.py."""
    if item[0].endswith("poison.py"):
        os._exit(137)
    return _real_work(item)


_real_work = nanlint.linting.batch._work


def test_a_worker_that_dies_is_reported_and_the_run_ends(project, monkeypatch):
    import multiprocessing

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the poisoned worker function reaches the workers only by fork")
    project.write("poison.py", SAFE_SOURCE)
    project.write("good.py", SAFE_SOURCE)
    monkeypatch.setattr(nanlint.linting.batch, "_work", _die_on_poison)
    result = project.run("check", "--output-format", "concise", "--no-cache", "--jobs", "2", ".")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("nanlint: error:")]
    assert any("poison.py" in line and "worker process died" in line for line in errors), result.stderr


def test_syntax_newer_than_this_python_is_a_warning_not_an_error(project):
    """libcst parses grammar of newer Pythons than `ast` here: such a file is skipped
    with a warning that says why, and the run's exit code is the findings' alone."""
    if sys.version_info < (3, 12):
        newer = b"import torch\ndef f[T](x: T) -> T:\n    return torch.sqrt(x)\n"
    elif sys.version_info < (3, 14):
        newer = b"import torch\nx = torch.sqrt(y)\nmessage = t'{x}'\n"
    else:
        pytest.skip("no syntax newer than Python 3.14 that libcst parses is known yet")
    project.write("newer.py", newer)
    project.write("good.py", SAFE_SOURCE)
    result = project.run("check", "--output-format", "concise", "--no-cache", "--jobs", "1", "newer.py", "good.py")
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    assert GOOD in rows(result.stdout)
    warning = [line for line in result.stderr.splitlines() if "newer.py" in line]
    assert len(warning) == 1 and re.match(r"nanlint: warning: newer.py: \d+:\d+: not checked:", warning[0]), result.stderr
    assert "error" not in result.stderr


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="type parameters parse on this Python")
def test_newer_syntax_is_told_only_where_newer_grammar_explains_the_failure():
    from nanlint.linting.engine import NewerSyntax, ParseError, parse_ast

    with pytest.raises(NewerSyntax, match=r"2:6: not checked: .*Python 3\.12 syntax \(type parameters\)") as newer:
        parse_ast("x = 1\ndef f[T](x): pass\n")
    assert (newer.value.row, newer.value.column) == (2, 6)
    # Newer grammar in the file, but the failure lies elsewhere: a syntax error.
    with pytest.raises(ParseError) as broken:
        parse_ast("x = b'caf\u00e9'\ndef f[T](x): pass\n")
    assert not isinstance(broken.value, NewerSyntax)
    assert (broken.value.row, broken.value.column) == (1, 5)


def test_a_notebook_in_another_language_is_not_checked_and_says_so(project):
    """A warning naming the file, a NAN000 finding that counts, and no "All checks
    passed!"; the exit code is the other files' alone."""
    notebook = json.dumps(
        {"cells": [{"cell_type": "code", "source": ["sqrt(x)"]}], "metadata": {"kernelspec": {"language": "R"}}, "nbformat": 4}
    )
    project.write("analysis.ipynb", notebook)
    result = project.run("check", "--no-cache", "analysis.ipynb")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "nanlint: warning: analysis.ipynb: not checked: a notebook in R (its kernel's language), not Python"
    ]
    assert "All checks passed!" not in result.stdout
    assert "1 file not checked (NAN000)." in result.stdout
    assert "analysis.ipynb:1:1: NAN000 not checked: a notebook in R" in result.stdout
    # And with a file that has a finding, from standard input too.
    result = _run_with_good(project, "analysis.ipynb")
    assert result.exit_code == 1 and ("analysis.ipynb", 1, 1, "NAN000") in rows(result.stdout)
    result = project.run("check", "--stdin-filename", "nb.ipynb", "-", input=notebook)
    assert "nb.ipynb: not checked: a notebook in R" in result.stderr and result.exit_code == 0


def test_a_file_over_the_size_limit_is_a_warning_never_all_checks_passed(project):
    """Over `max-file-size` a file that could hold a finding is not parsed: one line
    says so and why, the summary does not claim it passed, the other files are checked."""
    project.config("max-file-size = 0.001\n")  # 1,000 characters
    padding = "".join(f"# padding line {i}\n" for i in range(60))
    project.write("big.py", SAFE_SOURCE + padding)
    project.write("big_plain.py", "x = 1\n" + padding)  # no trigger word: cannot hold one
    result = _run_with_good(project, "big.py", "big_plain.py")
    assert result.exit_code == 1, result.output
    warning = [line for line in result.stderr.splitlines() if "big" in line]
    assert warning == [
        f"nanlint: warning: big.py: not checked: {len(SAFE_SOURCE + padding):,} characters of source, "
        "over the limit of 1,000 characters (`max-file-size` in [tool.nanlint])"
    ], result.stderr
    alone = project.run("check", "--no-cache", "big.py")
    assert alone.exit_code == 0 and "All checks passed" not in alone.stdout
    assert "1 file not checked (NAN000)" in alone.stdout
