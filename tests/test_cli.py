"""`nanlint check`, `rules` and `rule` through click's runner: exit codes, selection,
fixing, diffs, standard input, statistics and parallel runs."""

from __future__ import annotations

import json
import os
import stat

import pytest

from nanlint import __version__
from nanlint.rule import all_rules
from helpers import (
    CLEAN_SOURCE,
    SAFE_FIXED,
    SAFE_SOURCE,
    UNSAFE_FIXED,
    UNSAFE_SOURCE,
    assert_one_clean_error,
    rows,
    run,
)


def test_version_and_help():
    assert __version__ in run(["--version"]).stdout
    result = run(["check", "--help"])
    assert result.exit_code == 0
    for option in ("--fix", "--diff", "--select", "--output-format", "--stdin-filename", "--jobs"):
        assert option in result.stdout


# -- exit codes -------------------------------------------------------------------


def test_exit_0_when_nothing_is_found(project):
    project.write("ok.py", CLEAN_SOURCE)
    result = project.run("check", ".")
    assert result.exit_code == 0, result.output
    assert "All checks passed!" in result.stdout


def test_exit_1_when_findings_remain(project):
    project.write("bad.py", SAFE_SOURCE)
    result = project.run("check", "--output-format", "concise", ".")
    assert result.exit_code == 1
    assert rows(result.stdout) == [("bad.py", 2, 5, "NAN001")]


def test_default_path_is_the_current_folder(project):
    project.write("bad.py", SAFE_SOURCE)
    result = project.run("check", "--output-format", "concise")
    assert result.exit_code == 1
    assert rows(result.stdout) == [("bad.py", 2, 5, "NAN001")]


def test_exit_zero_turns_findings_into_0(project):
    project.write("bad.py", SAFE_SOURCE)
    result = project.run("check", "--exit-zero", ".")
    assert result.exit_code == 0
    assert "NAN001" in result.stdout


def test_exit_2_on_a_usage_error(project):
    result = project.run("check", "--output-format", "xml", ".")
    assert result.exit_code == 2


def test_exit_non_zero_on_fix_exits_1_even_when_nothing_remains(project):
    path = project.write("bad.py", SAFE_SOURCE)
    result = project.run("check", "--fix", "--exit-non-zero-on-fix", "bad.py")
    assert result.exit_code == 1, result.output
    assert path.read_text() == SAFE_FIXED
    # Without the flag the same fix exits 0: nothing remains.
    project.write("bad.py", SAFE_SOURCE)
    assert project.run("check", "--fix", "bad.py").exit_code == 0
    # Nothing left to fix: 0 even with the flag.
    assert project.run("check", "--fix", "--exit-non-zero-on-fix", "bad.py").exit_code == 0


def test_an_internal_error_is_one_line_and_exit_2(project, monkeypatch):
    project.write("bad.py", SAFE_SOURCE)

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("nanlint.reading.discovery.discover", explode)
    result = project.run("check", ".")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "internal error", "boom")


def _failing_log_rule(monkeypatch):
    """NAN003 raises at the first `torch.log` it visits."""
    from nanlint.rules.nan003_log_of_possibly_zero import LogOfPossiblyZero

    def explode(self, node):
        if "log" in self.context.code(node.func):
            raise RuntimeError("boom")

    monkeypatch.setattr(LogOfPossiblyZero, "visit_Call", explode)


BROKEN_RULE_SOURCE = SAFE_SOURCE + "e = torch.log(d)\n"


def test_a_rule_that_raises_costs_only_its_own_findings(project, monkeypatch):
    _failing_log_rule(monkeypatch)
    project.write("bad.py", BROKEN_RULE_SOURCE)
    project.write("good.py", SAFE_SOURCE)
    result = project.run("check", "--output-format", "concise", ".")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "bad.py", "4:5", "internal error in NAN003", "RuntimeError: boom")
    # The other rules' findings in the same file, and the other files, are all reported.
    assert ("bad.py", 2, 5, "NAN001") in rows(result.stdout) and ("good.py", 2, 5, "NAN001") in rows(result.stdout)
    assert ("bad.py", 4, 5, "NAN000") in rows(result.stdout)


def test_a_rule_that_raises_leaves_its_file_unfixed(project, monkeypatch):
    _failing_log_rule(monkeypatch)
    path = project.write("bad.py", BROKEN_RULE_SOURCE)
    result = project.run("check", "--fix", "bad.py")
    assert result.exit_code == 2
    assert path.read_text() == BROKEN_RULE_SOURCE  # nothing is written for a file not fully checked
    assert "NAN001" in result.stdout


# -- selection --------------------------------------------------------------------


def _codes(result):
    return [code for _, _, _, code in rows(result.stdout)]


def test_select_ignore_extend_select_and_prefixes(project):
    project.write("bad.py", SAFE_SOURCE)
    base = ("check", "--output-format", "concise", "bad.py")
    assert _codes(project.run(*base)) == ["NAN001"]
    assert _codes(project.run(*base, "--select", "NAN001")) == ["NAN001"]
    assert _codes(project.run(*base, "--select", "NAN0")) == ["NAN001"]
    assert _codes(project.run(*base, "--select", "nan00")) == ["NAN001"]
    ignored = project.run(*base, "--ignore", "NAN001")
    assert _codes(ignored) == [] and ignored.exit_code == 0
    assert _codes(project.run(*base, "--ignore", "NAN")) == []
    assert _codes(project.run(*base, "--ignore", "NAN001", "--extend-select", "NAN001")) == []
    others = [rule.code for rule in all_rules() if rule.code != "NAN001"]
    if others:
        # Selecting only other rules leaves this file clean; extending brings NAN001 back.
        assert _codes(project.run(*base, "--select", ",".join(others))) == []
        assert _codes(project.run(*base, "--select", others[0], "--extend-select", "NAN001")) == ["NAN001"]


def test_an_unknown_code_is_exit_2_listing_the_valid_codes(project):
    project.write("bad.py", SAFE_SOURCE)
    for option in ("--select", "--ignore", "--extend-select"):
        result = project.run("check", option, "NAN999", "bad.py")
        assert result.exit_code == 2
        assert_one_clean_error(result.stderr, "NAN999", "valid codes", "NAN001")
        assert result.stdout == ""


def test_per_file_ignores(project):
    project.config('per-file-ignores = { "tests/*" = ["NAN001"], "scripts/one.py" = ["NAN0"] }\n')
    project.write("tests/test_a.py", SAFE_SOURCE)
    project.write("scripts/one.py", SAFE_SOURCE)
    project.write("src/a.py", SAFE_SOURCE)
    result = project.run("check", "--output-format", "concise", ".")
    assert [r[0] for r in rows(result.stdout)] == [os.path.join("src", "a.py")]


# -- fixing -------------------------------------------------------------------------


def test_fix_applies_safe_fixes_only_unless_unsafe_fixes(project):
    safe = project.write("safe.py", SAFE_SOURCE)
    unsafe = project.write("unsafe.py", UNSAFE_SOURCE)
    result = project.run("check", "--fix", "--output-format", "concise", ".")
    assert result.exit_code == 1  # the unsafe finding remains
    assert safe.read_text() == SAFE_FIXED
    assert unsafe.read_text() == UNSAFE_SOURCE
    assert rows(result.stdout) == [("unsafe.py", 2, 7, "NAN001")]
    assert "1 fixed, 1 remaining" in result.stdout
    result = project.run("check", "--fix", "--unsafe-fixes", ".")
    assert result.exit_code == 0, result.output
    assert unsafe.read_text() == UNSAFE_FIXED


def test_fix_keeps_the_file_mode_and_leaves_no_temporary_file(project):
    path = project.write("tool.py", SAFE_SOURCE)
    os.chmod(path, 0o750)
    result = project.run("check", "--fix", "--no-cache", "tool.py")
    assert result.exit_code == 0, result.output
    assert path.read_text() == SAFE_FIXED
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o750
    assert sorted(os.listdir(project.root)) == ["tool.py"]


def test_fix_replaces_the_file_by_rename(project, monkeypatch):
    """Atomic: the new content arrives by os.replace of a temporary file, never by
    rewriting the original in place."""
    path = project.write("bad.py", SAFE_SOURCE)
    inode = os.stat(path).st_ino
    calls = []
    real_replace = os.replace

    def spy(src, dst):
        calls.append((os.path.basename(src), os.path.basename(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    assert project.run("check", "--fix", "--no-cache", "--jobs", "1", "bad.py").exit_code == 0
    assert path.read_text() == SAFE_FIXED
    assert [dst for _, dst in calls] == ["bad.py"]
    assert calls[0][0].startswith(".nanlint-")
    assert os.stat(path).st_ino != inode


def test_show_fixes_lists_the_applied_fixes(project):
    project.write("bad.py", SAFE_SOURCE)
    result = project.run("check", "--fix", "--show-fixes", "bad.py")
    assert "Fixed 1 finding(s):" in result.stdout
    assert "bad.py:2:5: NAN001" in result.stdout


def test_diff_writes_nothing_and_exits_1_on_a_change(project):
    path = project.write("bad.py", SAFE_SOURCE)
    result = project.run("check", "--diff", "bad.py")
    assert result.exit_code == 1
    assert path.read_text() == SAFE_SOURCE
    assert "--- bad.py" in result.stdout and "+++ bad.py" in result.stdout
    assert "-d = torch.sum((a - b) ** 2, dim=1).sqrt()" in result.stdout
    assert "+d = torch.linalg.vector_norm(a - b, dim=1)" in result.stdout
    # An unsafe fix is only in the diff with --unsafe-fixes.
    project.write("bad.py", UNSAFE_SOURCE)
    result = project.run("check", "--diff", "bad.py")
    assert result.exit_code == 0 and result.stdout == ""
    result = project.run("check", "--diff", "--unsafe-fixes", "bad.py")
    assert result.exit_code == 1 and "+ 1e-12" in result.stdout
    assert path.read_text() == UNSAFE_SOURCE


def test_diff_says_what_it_shows_and_what_unsafe_fixes_would_add(project):
    """Only unsafe fixes: no diff, but never silence (as ruff, on standard error)."""
    project.write("unsafe.py", UNSAFE_SOURCE)
    result = project.run("check", "--no-cache", "--diff", "unsafe.py")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == "No finding would be fixed (1 fix available with `--unsafe-fixes`).\n"
    result = project.run("check", "--no-cache", "--diff", "--unsafe-fixes", "unsafe.py")
    assert result.stderr == "Would fix 1 finding(s).\n"
    project.write("safe.py", SAFE_SOURCE)
    result = project.run("check", "--no-cache", "--diff", "safe.py", "unsafe.py")
    assert result.exit_code == 1 and "+++ safe.py" in result.stdout
    assert result.stderr == "Would fix 1 finding(s) (1 fix available with `--unsafe-fixes` as well).\n"
    assert project.run("check", "--no-cache", "--diff", "--quiet", "unsafe.py").stderr == ""


def test_diff_of_a_clean_file_exits_0(project):
    project.write("ok.py", CLEAN_SOURCE)
    result = project.run("check", "--diff", ".")
    assert result.exit_code == 0 and result.stdout == ""


# -- standard input -----------------------------------------------------------------


def test_stdin_with_stdin_filename(project):
    result = project.run(
        "check", "-", "--stdin-filename", "pkg/model.py", "--output-format", "concise", input=SAFE_SOURCE
    )
    assert result.exit_code == 1
    assert rows(result.stdout) == [(os.path.join("pkg", "model.py"), 2, 5, "NAN001")]


def test_stdin_filename_alone_reads_stdin(project):
    project.write("other.py", UNSAFE_SOURCE)  # must not be checked
    result = project.run("check", "--stdin-filename", "model.py", "--output-format", "concise", input=SAFE_SOURCE)
    assert rows(result.stdout) == [("model.py", 2, 5, "NAN001")]


def test_stdin_without_a_name_is_called_dash(project):
    result = project.run("check", "-", "--output-format", "concise", input=SAFE_SOURCE)
    assert rows(result.stdout) == [("-", 2, 5, "NAN001")]


def test_stdin_filename_picks_the_config_and_per_file_ignores(project):
    project.config('per-file-ignores = { "tests/*" = ["NAN001"] }\n')
    result = project.run("check", "-", "--stdin-filename", "tests/t.py", input=SAFE_SOURCE)
    assert result.exit_code == 0, result.output


def test_fix_on_stdin_writes_the_fixed_source_to_stdout(project):
    result = project.run("check", "--fix", "-", "--stdin-filename", "m.py", input=SAFE_SOURCE)
    assert result.exit_code == 0, result.output
    assert result.stdout == SAFE_FIXED
    # Unfixable (here: unsafe) findings stay in the source and go to standard error.
    result = project.run("check", "--fix", "-", "--stdin-filename", "m.py", input=UNSAFE_SOURCE)
    assert result.exit_code == 1
    assert result.stdout == UNSAFE_SOURCE
    assert "NAN001" in result.stderr
    result = project.run("check", "--fix", "--unsafe-fixes", "-", input=UNSAFE_SOURCE)
    assert result.stdout == UNSAFE_FIXED


def test_fix_on_stdin_keeps_bytes_outside_the_edit(project):
    source = ("\ufeff# café\r\n" + SAFE_SOURCE.replace("\n", "\r\n")).encode("utf-8")
    result = project.run("check", "--fix", "-", input=source)
    assert result.stdout_bytes == ("\ufeff# café\r\n" + SAFE_FIXED.replace("\n", "\r\n")).encode("utf-8")


def test_force_exclude_applies_to_stdin_filename(project):
    result = project.run("check", "-", "--force-exclude", "--stdin-filename", "build/m.py", input=SAFE_SOURCE)
    assert result.exit_code == 0, result.output
    result = project.run("check", "--fix", "-", "--force-exclude", "--stdin-filename", "build/m.py", input=SAFE_SOURCE)
    assert result.stdout == SAFE_SOURCE


# -- statistics, quiet ----------------------------------------------------------------


def test_statistics_counts_per_rule(project):
    project.write("a.py", SAFE_SOURCE)
    project.write("b.py", SAFE_SOURCE)
    project.write("c.py", UNSAFE_SOURCE)
    result = project.run("check", "--statistics", ".")
    assert result.exit_code == 1
    lines = [line.split() for line in result.stdout.splitlines() if "NAN001" in line]
    # Safe-fixable and not (unsafe fix) counted apart, most frequent first.
    assert lines == [["2", "NAN001", "[*]", "sqrt-without-eps"], ["1", "NAN001", "sqrt-without-eps"]]
    assert "a.py:" not in result.stdout


def test_quiet_prints_no_summary(project):
    project.write("ok.py", CLEAN_SOURCE)
    result = project.run("check", "--quiet", ".")
    assert result.exit_code == 0 and result.stdout == ""


# -- parallel ---------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["full", "json", "grouped", "junit", "gitlab"])
def test_jobs_2_and_jobs_1_give_identical_output(project, output_format):
    for index in range(10):
        source = [SAFE_SOURCE, UNSAFE_SOURCE, CLEAN_SOURCE, "x = 1\n"][index % 4]
        project.write(f"pkg{index % 3}/m{index}.py", ("# padding\n" * index) + source)
    one = project.run("check", "--no-cache", "--jobs", "1", "--output-format", output_format, ".")
    two = project.run("check", "--no-cache", "--jobs", "2", "--output-format", output_format, ".")
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout
    assert one.stdout.count("NAN001") >= 5


# -- rules and rule -------------------------------------------------------------------


def test_rules_lists_every_rule():
    result = run(["rules"])
    assert result.exit_code == 0
    for rule in all_rules():
        line = next(line for line in result.stdout.splitlines() if line.startswith(rule.code))
        assert rule.name in line


def test_rules_json():
    result = run(["rules", "--output-format", "json"])
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert [row["code"] for row in listed] == [rule.code for rule in all_rules()]
    for row, rule in zip(listed, all_rules()):
        assert {"code", "name", "fixable", "default"} <= set(row)
        assert row["name"] == rule.name
        assert row["fixable"] is rule.fixable
        assert row["default"] is rule.default_enabled
    nan001 = listed[[r["code"] for r in listed].index("NAN001")]
    assert nan001["name"] == "sqrt-without-eps" and nan001["fixable"] is True


def test_rule_prints_the_page():
    from nanlint.docs import render
    from nanlint.rule import rules_by_code

    result = run(["rule", "NAN001"])
    assert result.exit_code == 0
    assert result.stdout == render(rules_by_code()["NAN001"])
    for section in (
        "# NAN001 sqrt-without-eps",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## Fix safety",
    ):
        assert section in result.stdout
    assert run(["rule", "nan001"]).stdout == result.stdout


def test_rule_with_an_unknown_code_is_exit_2():
    result = run(["rule", "NAN999"])
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "NAN999", "NAN001")


def test_without_a_process_pool_the_run_falls_back_to_one_process(project, monkeypatch):
    import concurrent.futures

    for index in range(4):
        project.write(f"m{index}.py", SAFE_SOURCE)
    expected = project.run("check", "--no-cache", "--jobs", "1", ".").stdout

    def no_pool(*args, **kwargs):
        raise OSError(38, "Function not implemented")  # as without /dev/shm semaphores

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    result = project.run("check", "--no-cache", "--jobs", "4", ".")
    assert result.exit_code == 1
    assert result.stdout == expected and result.stderr == ""


def test_rule_nan000_prints_the_page_of_a_file_not_checked():
    from nanlint.linting import unchecked

    result = run(["rule", "NAN000"])
    assert result.exit_code == 0
    assert result.stdout == unchecked.PAGE
    assert "## What it does" in result.stdout


def test_statistics_follow_the_output_format_json_as_ruff(project):
    project.write("a.py", SAFE_SOURCE)
    project.write("b.py", SAFE_SOURCE)
    project.write("c.py", UNSAFE_SOURCE)
    project.write("broken.py", "import torch\ndef f(:\n    torch.sqrt(x)\n")
    result = project.run("check", "--no-cache", "--statistics", "--output-format", "json", ".")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == [
        {"code": "NAN001", "name": "sqrt-without-eps", "count": 3, "fixable": False, "fixable_count": 2},
        {"code": "NAN000", "name": "file-not-checked", "count": 1, "fixable": False, "fixable_count": 0},
    ]
    result = project.run("check", "--no-cache", "--statistics", "--output-format", "json", "a.py")
    assert json.loads(result.stdout) == [
        {"code": "NAN001", "name": "sqrt-without-eps", "count": 1, "fixable": True, "fixable_count": 1}
    ]
    clean = project.write("clean.py", "x = 1\n")
    result = project.run("check", "--no-cache", "--statistics", "--output-format", "json", str(clean))
    assert result.exit_code == 0 and json.loads(result.stdout) == []
