"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real `pre-commit` tool:
`pre-commit try-repo` builds a virtualenv, pip-installs nanlint from this repository
(so this needs the package registry) and runs the hook on a throwaway git repository.

try-repo installs into a temporary store of its own on every call (PRE_COMMIT_HOME
does not make it reuse one), so each call costs a full install: the calls of this
module are started together, once, and the tests read their results. try-repo takes
a repository's HEAD and its tracked changes but not its untracked files (a new rule
module, say), so it is given a snapshot: this working tree, tracked and untracked
non-ignored files, committed to a repository of its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import SAFE_FIXED, SAFE_SOURCE
from test_notebooks import FIXED_CELL_4, notebook, with_cell

ROOT = Path(__file__).resolve().parent.parent
GIT = shutil.which("git")

pytestmark = pytest.mark.skipif(GIT is None, reason="pre-commit needs git")

IDENTITY = {
    "GIT_AUTHOR_NAME": "nanlint tests",
    "GIT_AUTHOR_EMAIL": "tests@nanlint.invalid",
    "GIT_COMMITTER_NAME": "nanlint tests",
    "GIT_COMMITTER_EMAIL": "tests@nanlint.invalid",
}


def _git(*args, cwd, env=None):
    subprocess.run([GIT, *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=120)


def _working_tree_files():
    listed = subprocess.run(
        [GIT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout
    return [name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: try-repo needs one")
    folder = tmp_path_factory.mktemp("nanlint-snapshot")
    for name in _working_tree_files():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    env = {**os.environ, **IDENTITY}
    _git("init", "-q", ".", cwd=folder, env=env)
    _git("add", "-A", cwd=folder, env=env)
    _git("-c", "commit.gpgsign=false", "commit", "-q", "-m", "snapshot", cwd=folder, env=env)
    return folder


# name: (hook, files given to it)
CALLS = {
    "check-finding": ("nanlint", ["bad.py"]),
    "check-clean": ("nanlint", ["clean.py", "build/generated.py"]),
    "fix-finding": ("nanlint-fix", ["bad.py"]),
    "fix-clean": ("nanlint-fix", ["clean.py", "build/generated.py"]),
    # pre-commit passes a notebook only to a hook whose types take `jupyter`.
    "check-notebook": ("nanlint", ["analysis.ipynb"]),
    "fix-notebook": ("nanlint-fix", ["analysis.ipynb"]),
}


@pytest.fixture(scope="module")
def hook_runs(snapshot, tmp_path_factory):
    """{call name: (completed process, the throwaway repository it ran in)}."""
    env = {**os.environ, **IDENTITY, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home"))}
    env.pop("NO_COLOR", None)
    started = {}
    for name, (hook, files) in CALLS.items():
        repo = tmp_path_factory.mktemp(f"user-repo-{name}")
        (repo / "bad.py").write_text(SAFE_SOURCE)
        (repo / "clean.py").write_text("import torch\nx = torch.zeros(3)\n")
        (repo / "build").mkdir()
        (repo / "build" / "generated.py").write_text(SAFE_SOURCE)
        (repo / "analysis.ipynb").write_text(notebook(), encoding="utf-8")
        _git("init", "-q", ".", cwd=repo, env=env)
        _git("add", "-A", cwd=repo, env=env)
        command = [sys.executable, "-m", "pre_commit", "try-repo", "--color", "never", str(snapshot), hook]
        process = subprocess.Popen(
            command + ["--files", *files],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started[name] = (process, repo)
    runs = {}
    for name, (process, repo) in started.items():
        output, _ = process.communicate(timeout=300)
        runs[name] = (process.returncode, output, repo)
    return runs


def test_check_hook_fails_on_a_finding(hook_runs):
    status, output, repo = hook_runs["check-finding"]
    assert status == 1, output
    assert "Failed" in output
    assert "bad.py:2:5: NAN001" in output
    assert (repo / "bad.py").read_text() == SAFE_SOURCE  # the check hook writes nothing


def test_check_hook_passes_a_clean_file_and_excluded_files(hook_runs):
    # pre-commit names every staged file; --force-exclude in the hook keeps build/ out.
    status, output, _ = hook_runs["check-clean"]
    assert status == 0, output
    assert "Passed" in output


def test_fix_hook_fixes_and_fails(hook_runs):
    status, output, repo = hook_runs["fix-finding"]
    assert status == 1, output
    assert "Failed" in output
    assert (repo / "bad.py").read_text() == SAFE_FIXED


def test_fix_hook_passes_a_clean_file(hook_runs):
    status, output, repo = hook_runs["fix-clean"]
    assert status == 0, output
    assert "Passed" in output
    assert (repo / "build" / "generated.py").read_text() == SAFE_SOURCE


def test_hooks_manifest_is_valid():
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_hook_runs_on_a_notebook(hook_runs):
    status, output, repo = hook_runs["check-notebook"]
    assert status == 1, output
    assert "analysis.ipynb:cell 4:2:5: NAN001" in output
    assert (repo / "analysis.ipynb").read_text(encoding="utf-8") == notebook()


def test_fix_hook_fixes_a_notebook(hook_runs):
    status, output, repo = hook_runs["fix-notebook"]
    assert status == 1, output
    assert (repo / "analysis.ipynb").read_text(encoding="utf-8") == notebook(with_cell(4, FIXED_CELL_4))
