"""Which files a run checks: `*.py` found recursively, the default and configured
excludes, files named on the command line, --force-exclude."""

from __future__ import annotations

import os

import pytest

from helpers import SAFE_SOURCE, rows
from nanlint.config import DEFAULT_EXCLUDE, Settings
from nanlint.reading.discovery import discover

REQUIRED_EXCLUDES = (
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "__pycache__",
    "node_modules",
    "site-packages",
    ".tox",
    ".mypy_cache",
)


def _found(project, *args):
    result = project.run("check", "--output-format", "concise", "--no-cache", *args)
    return sorted(path for path, _, _, _ in rows(result.stdout)), result


def test_recursive_py_files_only(project):
    project.write("a.py", SAFE_SOURCE)
    project.write("pkg/b.py", SAFE_SOURCE)
    project.write("pkg/deep/er/c.py", SAFE_SOURCE)
    project.write("pkg/notes.txt", SAFE_SOURCE)
    project.write("pkg/script", SAFE_SOURCE)
    project.write("pkg/d.pyc", SAFE_SOURCE)
    found, result = _found(project, ".")
    assert found == sorted(["a.py", os.path.join("pkg", "b.py"), os.path.join("pkg", "deep", "er", "c.py")])
    assert result.exit_code == 1


def test_default_excludes(project):
    assert set(REQUIRED_EXCLUDES) <= set(DEFAULT_EXCLUDE)
    for folder in REQUIRED_EXCLUDES:
        project.write(f"{folder}/x.py", SAFE_SOURCE)
        project.write(f"src/{folder}/nested/y.py", SAFE_SOURCE)
    project.write("src/keep.py", SAFE_SOURCE)
    found, _ = _found(project, ".")
    assert found == [os.path.join("src", "keep.py")]


def test_a_folder_named_on_the_command_line_is_walked_without_its_excluded_children(project):
    project.write("src/keep.py", SAFE_SOURCE)
    project.write("src/build/x.py", SAFE_SOURCE)
    found, _ = _found(project, "src")
    assert found == [os.path.join("src", "keep.py")]


def test_exclude_replaces_the_defaults(project):
    project.config('exclude = ["generated"]\n')
    project.write("generated/x.py", SAFE_SOURCE)
    project.write("build/y.py", SAFE_SOURCE)
    found, _ = _found(project, ".")
    assert found == [os.path.join("build", "y.py")]


def test_extend_exclude_adds_to_the_defaults(project):
    project.config('extend-exclude = ["third_party", "src/gen/*.py", "legacy.py"]\n')
    project.write("third_party/x.py", SAFE_SOURCE)
    project.write("build/y.py", SAFE_SOURCE)
    project.write("src/gen/z.py", SAFE_SOURCE)
    project.write("src/legacy.py", SAFE_SOURCE)
    project.write("src/keep.py", SAFE_SOURCE)
    found, _ = _found(project, ".")
    assert found == [os.path.join("src", "keep.py")]


def test_a_file_named_on_the_command_line_is_always_checked(project):
    project.config('extend-exclude = ["skipped.py", "vendor"]\n')
    project.write("skipped.py", SAFE_SOURCE)
    project.write("vendor/v.py", SAFE_SOURCE)
    project.write("build/b.py", SAFE_SOURCE)
    project.write("script", SAFE_SOURCE)  # no .py: named, so checked as Python
    assert _found(project, ".")[0] == []
    found, result = _found(
        project, "skipped.py", os.path.join("vendor", "v.py"), os.path.join("build", "b.py"), "script"
    )
    assert found == sorted(["skipped.py", os.path.join("vendor", "v.py"), os.path.join("build", "b.py"), "script"])
    assert result.exit_code == 1


def test_a_folder_named_on_the_command_line_is_checked_though_excluded(project):
    """As ruff: a path named is checked unless --force-exclude, a folder as a file;
    what the walk finds inside it is still subject to the excludes."""
    project.config('extend-exclude = ["bench/corpus", "vendor"]\n')
    project.write("build/b.py", SAFE_SOURCE)
    project.write("build/lib/__pycache__/c.py", SAFE_SOURCE)
    project.write("build/lib/vendor/v.py", SAFE_SOURCE)
    project.write("bench/corpus/f.py", SAFE_SOURCE)
    project.write("bench/corpus/deep/g.py", SAFE_SOURCE)
    assert _found(project, ".")[0] == []
    found, result = _found(project, "build", os.path.join("bench", "corpus"))
    assert found == [
        os.path.join("bench", "corpus", "deep", "g.py"),
        os.path.join("bench", "corpus", "f.py"),
        os.path.join("build", "b.py"),
    ]
    assert result.exit_code == 1
    # A folder inside an excluded one, named itself, is walked too.
    found, _ = _found(project, os.path.join("bench", "corpus", "deep"))
    assert found == [os.path.join("bench", "corpus", "deep", "g.py")]
    found, result = _found(project, "--force-exclude", "build", os.path.join("bench", "corpus"))
    assert found == [] and "All checks passed!" in result.stdout


def test_force_exclude_applies_excludes_to_named_files(project):
    project.config('extend-exclude = ["skipped.py", "vendor"]\n')
    project.write("skipped.py", SAFE_SOURCE)
    project.write("vendor/deep/v.py", SAFE_SOURCE)
    project.write("build/b.py", SAFE_SOURCE)
    project.write("keep.py", SAFE_SOURCE)
    named = ("skipped.py", os.path.join("vendor", "deep", "v.py"), os.path.join("build", "b.py"), "keep.py")
    found, _ = _found(project, "--force-exclude", *named)
    assert found == ["keep.py"]


def test_nothing_left_to_check_exits_0(project):
    project.write("build/x.py", SAFE_SOURCE)
    project.write(".venv/lib/y.py", SAFE_SOURCE)
    result = project.run("check", ".")
    assert result.exit_code == 0, result.output
    result = project.run("check", "--force-exclude", os.path.join("build", "x.py"))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_an_empty_folder_exits_0(project):
    (project.root / "empty").mkdir()
    assert project.run("check", "empty").exit_code == 0


def test_a_file_named_twice_is_checked_once(project):
    project.write("a.py", SAFE_SOURCE)
    found, _ = _found(project, "a.py", ".", os.path.join(".", "a.py"))
    assert found == ["a.py"]


def test_order_is_stable_and_sorted(project):
    for name in ("b.py", "a.py", "z/a.py", "c/d.py"):
        project.write(name, "x = 1\n")
    files, errors = discover(["."], Settings(root=str(project.root)))
    assert errors == []
    assert files == ["a.py", "b.py", os.path.join("c", "d.py"), os.path.join("z", "a.py")]
    assert discover(["b.py", "a.py"], Settings(root=str(project.root)))[0] == ["a.py", "b.py"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_py_is_reported_not_read(project):
    project.write("a.py", SAFE_SOURCE)
    os.mkfifo(project.root / "pipe.py")
    files, errors = discover(["."], Settings(root=str(project.root)))
    assert files == ["a.py"]
    assert errors == [("pipe.py", "not a regular file")]


def test_an_exclude_with_a_trailing_slash_is_a_folder_name(project):
    project.config('extend-exclude = ["generated/"]\n')
    project.write("generated/x.py", SAFE_SOURCE)
    project.write("src/generated/y.py", SAFE_SOURCE)
    project.write("src/keep.py", SAFE_SOURCE)
    found, _ = _found(project, ".")
    assert found == [os.path.join("src", "keep.py")]


# -- include, extend-include, .pyi --------------------------------------------------------


def _show_files(project, *args):
    result = project.run("check", "--show-files", *args)
    assert result.exit_code == 0, result.output
    return sorted(os.path.normpath(line) for line in result.stdout.splitlines())


def test_stub_files_are_checked_too(project):
    project.write("pkg/a.py", SAFE_SOURCE)
    project.write("pkg/a.pyi", SAFE_SOURCE)
    assert _show_files(project, ".") == [os.path.join("pkg", "a.py"), os.path.join("pkg", "a.pyi")]
    found, _ = _found(project, ".")
    assert found == [os.path.join("pkg", "a.py"), os.path.join("pkg", "a.pyi")]


def test_include_and_extend_include(project):
    project.write("a.py", SAFE_SOURCE)
    project.write("tool.pyw", SAFE_SOURCE)
    project.write("src/deep/b.py", SAFE_SOURCE)
    project.config('extend-include = ["*.pyw"]\n')
    assert _show_files(project, ".") == ["a.py", os.path.join("src", "deep", "b.py"), "tool.pyw"]
    # `include` replaces the default; a pattern with a folder is a path below the root.
    project.config('include = ["src/*.py"]\n')
    assert _show_files(project, ".") == [os.path.join("src", "deep", "b.py")]
    # A file named on the command line is checked whatever include says.
    assert _show_files(project, "a.py") == ["a.py"]


# -- respect-gitignore ----------------------------------------------------------------------


def _repository(project):
    (project.root / ".git" / "info").mkdir(parents=True)
    project.write("kept.py", SAFE_SOURCE)
    project.write("generated/out.py", SAFE_SOURCE)
    project.write("pkg/scratch_1.py", SAFE_SOURCE)
    project.write("pkg/keep_me.py", SAFE_SOURCE)
    project.write("pkg/local.py", SAFE_SOURCE)
    project.write("pkg/sub/vendored.py", SAFE_SOURCE)
    project.write(".gitignore", "generated/\n*_me.py\n")
    # A nested .gitignore: its patterns are relative to its folder, and it overrides the
    # root's (`!keep_me.py`).
    project.write("pkg/.gitignore", "scratch_*.py\n!keep_me.py\n/sub/\n")
    project.write(".git/info/exclude", "local.py\n")


def test_git_ignored_files_are_skipped(project):
    _repository(project)
    assert _show_files(project, ".") == ["kept.py", os.path.join("pkg", "keep_me.py")]
    # Walking a folder inside the repository reads the .gitignore files above it.
    assert _show_files(project, "pkg") == [os.path.join("pkg", "keep_me.py")]
    # A file or a folder named on the command line is still checked.
    assert _show_files(project, "pkg/local.py") == [os.path.join("pkg", "local.py")]
    assert _show_files(project, "generated") == [os.path.join("generated", "out.py")]


def test_respect_gitignore_false_and_outside_a_repository(project):
    _repository(project)
    project.config("respect-gitignore = false\n")
    everything = _show_files(project, ".")
    assert len(everything) == 6, everything
    # Outside a git repository, as in git and ruff, a .gitignore means nothing.
    project.config("")
    (project.root / ".git" / "info" / "exclude").unlink()
    (project.root / ".git" / "info").rmdir()
    (project.root / ".git").rmdir()
    assert _show_files(project, ".") == everything


def test_info_exclude_of_a_worktree_is_found_through_its_git_file(project):
    # `git worktree add` leaves a `.git` file; info/exclude is in the common folder.
    common = project.root / "main.git"
    (common / "info").mkdir(parents=True)
    (common / "info" / "exclude").write_text("local.py\n")
    (common / "worktrees" / "wt").mkdir(parents=True)
    (common / "worktrees" / "wt" / "commondir").write_text("../..\n")
    project.write("wt/.git", f"gitdir: {common / 'worktrees' / 'wt'}\n")
    project.write("wt/local.py", SAFE_SOURCE)
    project.write("wt/kept.py", SAFE_SOURCE)
    assert _show_files(project, "wt") == [os.path.join("wt", "kept.py")]
