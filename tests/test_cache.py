"""The content-hash cache: hits give the same findings without linting, changes of
content or settings miss, and a damaged or unwritable cache is a warning, never a crash."""

from __future__ import annotations

import glob
import os

import pytest

from helpers import SAFE_SOURCE, UNSAFE_SOURCE, rows
from nanlint.linting.engine import Linter

CACHE = ".nanlint_cache"


def _cache_files(project, folder=CACHE):
    return sorted(glob.glob(str(project.root / folder / "*.json")))


@pytest.fixture
def no_linting(monkeypatch):
    """Make linting impossible: whatever is still reported came from the cache."""

    def refuse(*args, **kwargs):
        raise AssertionError("linted although the cache should have answered")

    def arm():
        monkeypatch.setattr(Linter, "lint_source", refuse)
        monkeypatch.setattr(Linter, "candidates", refuse)

    return arm


def _check(project, *args):
    return project.run("check", "--jobs", "1", *args)


def test_a_second_run_is_answered_from_the_cache(project, no_linting):
    project.write("a.py", SAFE_SOURCE)
    project.write("b.py", UNSAFE_SOURCE)
    project.write("c.py", "x = 1\n")
    for output_format in ("full", "json", "concise", "sarif"):
        first = _check(project, "--output-format", output_format, ".")
        assert first.exit_code == 1
    assert len(_cache_files(project)) == 1
    assert os.path.exists(project.root / CACHE / ".gitignore")
    outputs = {f: _check(project, "--output-format", f, ".").stdout for f in ("full", "json", "concise", "sarif")}
    no_linting()
    for output_format, expected in outputs.items():
        again = _check(project, "--output-format", output_format, ".")
        assert again.exit_code == 1, again.output
        assert again.stdout == expected
        assert again.stderr == ""


def test_the_cache_is_used_for_each_path_spelling(project, no_linting):
    project.write("pkg/a.py", SAFE_SOURCE)
    _check(project, ".")
    no_linting()
    result = _check(project, "--output-format", "concise", os.path.join("pkg", "a.py"))
    assert rows(result.stdout) == [(os.path.join("pkg", "a.py"), 2, 5, "NAN001")]


def test_a_changed_file_is_linted_again(project, no_linting):
    path = project.write("a.py", SAFE_SOURCE)
    project.write("b.py", SAFE_SOURCE)
    _check(project, ".")
    path.write_text("x = 1\n" + SAFE_SOURCE)
    calls = []
    real = Linter.lint_source

    def counting(self, source, filename, codes=None):
        calls.append(filename)
        return real(self, source, filename, codes)

    from unittest import mock

    with mock.patch.object(Linter, "lint_source", counting):
        result = _check(project, "--output-format", "concise", ".")
    assert calls == ["a.py"]
    assert rows(result.stdout) == [("a.py", 3, 5, "NAN001"), ("b.py", 2, 5, "NAN001")]


@pytest.mark.parametrize(
    "first, second",
    [
        (("--select", "NAN001"), ("--ignore", "NAN001")),
        (("--select", "NAN001"), ("--select", "NAN001", "--unsafe-fixes")),
    ],
)
def test_a_changed_selection_misses(project, first, second):
    project.write("a.py", SAFE_SOURCE)
    result = _check(project, *first, ".")
    assert result.exit_code == 1, result.output
    before = _cache_files(project)
    result = _check(project, *second, ".")
    assert _cache_files(project) != before
    if "--ignore" in second:
        assert result.exit_code == 0


def test_a_changed_config_misses(project, no_linting):
    project.write("a.py", UNSAFE_SOURCE)
    project.config("eps = 1e-8\n")
    first = _check(project, ".")
    assert "Add 1e-8 inside the root" in first.stdout
    project.config("eps = 1e-6\n")
    second = _check(project, ".")
    assert "Add 1e-6 inside the root" in second.stdout
    project.config('per-file-ignores = { "a.py" = ["NAN001"] }\n')
    assert _check(project, ".").exit_code == 0
    # Back to the first config: that cache still answers.
    project.config("eps = 1e-8\n")
    no_linting()
    assert _check(project, ".").stdout == first.stdout


def test_a_change_to_nanlint_itself_misses(project, monkeypatch):
    """A rule edited in a development install must not be answered by old findings."""
    project.write("a.py", SAFE_SOURCE)
    _check(project, ".")
    import nanlint.linting.cache

    monkeypatch.setattr(nanlint.linting.cache, "code_fingerprint", lambda: "edited")
    from unittest import mock

    with mock.patch.object(Linter, "lint_source", side_effect=RuntimeError("linted again")):
        result = _check(project, ".")
    assert "linted again" in result.stderr


def test_a_corrupt_cache_is_one_warning_and_then_rebuilt(project):
    project.write("a.py", SAFE_SOURCE)
    expected = _check(project, "--output-format", "concise", ".").stdout
    [cache] = _cache_files(project)
    for damage in (b"{not json", b"[1, 2]", b'{"x": 3}', b"\xff\xfe\x00", b""):
        with open(cache, "wb") as handle:
            handle.write(damage)
        result = _check(project, "--output-format", "concise", ".")
        assert result.exit_code == 1
        assert result.stdout == expected
        assert "Traceback" not in result.output
        warnings = [line for line in result.stderr.splitlines() if line]
        assert len(warnings) == 1 and "warning" in warnings[0] and "cache" in warnings[0], result.stderr
        # Rebuilt: the next run is clean.
        again = _check(project, "--output-format", "concise", ".")
        assert again.stderr == "" and again.stdout == expected


def test_a_damaged_entry_is_a_miss(project):
    import json

    project.write("a.py", SAFE_SOURCE)
    expected = _check(project, "--output-format", "concise", ".").stdout
    [cache] = _cache_files(project)
    with open(cache) as handle:
        data = json.load(handle)
    for entry in data["files"].values():
        entry[1] = ["not a finding", 3]
    with open(cache, "w") as handle:
        json.dump(data, handle)
    result = _check(project, "--output-format", "concise", ".")
    assert result.stdout == expected and result.stderr == ""


def test_an_unwritable_cache_folder_is_one_warning(project):
    project.write("a.py", SAFE_SOURCE)
    project.write("blocker", "a file where the cache folder should be\n")
    project.config('cache-dir = "blocker"\n')
    result = _check(project, "--output-format", "concise", ".")
    assert result.exit_code == 1
    assert rows(result.stdout) == [("a.py", 2, 5, "NAN001")]
    warnings = [line for line in result.stderr.splitlines() if line]
    assert len(warnings) == 1 and "cache" in warnings[0] and "blocker" in warnings[0], result.stderr
    assert "Traceback" not in result.output


def test_a_read_only_cache_folder_is_one_warning(project, monkeypatch):
    project.write("a.py", SAFE_SOURCE)
    folder = project.root / CACHE
    folder.mkdir()
    os.chmod(folder, 0o500)
    if os.access(folder, os.W_OK):  # root: make the write fail as it would
        import errno
        import tempfile

        def refuse(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    try:
        result = _check(project, "--output-format", "concise", ".")
    finally:
        os.chmod(folder, 0o755)
    assert result.exit_code == 1
    assert rows(result.stdout) == [("a.py", 2, 5, "NAN001")]
    warnings = [line for line in result.stderr.splitlines() if line]
    assert len(warnings) == 1 and "permission denied" in warnings[0], result.stderr
    assert not glob.glob(str(folder / "*.tmp"))


def test_no_cache_writes_nothing(project, no_linting):
    project.write("a.py", SAFE_SOURCE)
    assert _check(project, "--no-cache", ".").exit_code == 1
    assert not os.path.exists(project.root / CACHE)
    assert sorted(os.listdir(project.root)) == ["a.py"]


def test_no_cache_does_not_read_either(project):
    project.write("a.py", SAFE_SOURCE)
    _check(project, ".")
    from unittest import mock

    with mock.patch.object(Linter, "lint_source", side_effect=RuntimeError("linted")) as linted:
        result = _check(project, "--no-cache", ".")
    assert linted.called
    assert "linted" in result.stderr and result.exit_code == 2


def test_a_fixed_file_is_not_answered_from_a_stale_cache(project):
    path = project.write("a.py", SAFE_SOURCE)
    assert _check(project, ".").exit_code == 1
    assert _check(project, "--fix", ".").exit_code == 0
    assert "vector_norm" in path.read_text()
    assert _check(project, ".").exit_code == 0


def test_cache_with_bom_shows_the_same_source_line(project, no_linting):
    project.write("bom.py", b"\xef\xbb\xbfimport torch; d = torch.sum((a - b) ** 2, dim=1).sqrt()\n")
    first = _check(project, ".")
    no_linting()
    assert _check(project, ".").stdout == first.stdout
