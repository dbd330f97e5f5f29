"""The installed `nanlint` and `python -m nanlint` as real processes: what a user and
CI run, with real pipes, real exit codes and real process pools."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import SAFE_FIXED, SAFE_SOURCE, UNSAFE_SOURCE


def _installed_nanlint():
    found = shutil.which("nanlint") or shutil.which("nanlint", path=os.path.dirname(sys.executable))
    if found is None:
        pytest.fail("the `nanlint` console script is not installed: run `pip install -e .`")
    return found


COMMANDS = {
    "console-script": lambda: [_installed_nanlint()],
    "python-m": lambda: [sys.executable, "-m", "nanlint"],
}


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(extra)
    return env


def _run(command, args, cwd, input=None, **env):
    return subprocess.run(
        command + args, cwd=cwd, input=input, capture_output=True, env=_env(**env), timeout=120
    )


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "safe.py").write_text(SAFE_SOURCE)
    (tmp_path / "pkg" / "unsafe.py").write_text(UNSAFE_SOURCE)
    (tmp_path / "pkg" / "clean.py").write_text("x = 1\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "skipped.py").write_text(SAFE_SOURCE)
    return tmp_path


@pytest.mark.parametrize("how", sorted(COMMANDS))
def test_installed_command_checks_a_folder(folder, how):
    command = COMMANDS[how]()
    result = _run(command, ["check", "--output-format", "json", "."], folder)
    assert result.returncode == 1, result.stderr
    assert b"Traceback" not in result.stderr
    findings = json.loads(result.stdout)
    assert [(f["filename"], f["location"]["row"], f["code"]) for f in findings] == [
        (os.path.join("pkg", "safe.py"), 2, "NAN001"),
        (os.path.join("pkg", "unsafe.py"), 2, "NAN001"),
    ]
    assert _run(command, ["check", "--exit-zero", "."], folder).returncode == 0
    assert _run(command, ["check", os.path.join("pkg", "clean.py")], folder).returncode == 0
    assert _run(command, ["check", "--select", "NAN999", "."], folder).returncode == 2
    version = _run(command, ["--version"], folder)
    assert version.returncode == 0 and b"nanlint" in version.stdout


def test_fix_and_stdin_in_a_real_process(folder):
    command = COMMANDS["console-script"]()
    result = _run(command, ["check", "--fix", "-", "--stdin-filename", "m.py"], folder, input=SAFE_SOURCE.encode())
    assert result.returncode == 0, result.stderr
    assert result.stdout == SAFE_FIXED.encode()
    result = _run(command, ["check", "--fix", "--jobs", "2", "pkg"], folder)
    assert result.returncode == 1  # the unsafe finding remains
    assert (folder / "pkg" / "safe.py").read_text() == SAFE_FIXED
    assert (folder / "pkg" / "unsafe.py").read_text() == UNSAFE_SOURCE


def test_jobs_in_real_processes_give_the_same_output(folder):
    for index in range(10):
        (folder / "pkg" / f"m{index}.py").write_text("# pad\n" * index + (SAFE_SOURCE if index % 2 else UNSAFE_SOURCE))
    command = COMMANDS["console-script"]()
    one = _run(command, ["check", "--no-cache", "--jobs", "1", "."], folder)
    two = _run(command, ["check", "--no-cache", "--jobs", "2", "."], folder)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and one.stderr == two.stderr == b""


def test_colour_in_a_pipe_only_when_forced(folder):
    command = COMMANDS["console-script"]()
    plain = _run(command, ["check", "pkg"], folder)
    assert b"\x1b[" not in plain.stdout
    forced = _run(command, ["check", "pkg"], folder, FORCE_COLOR="1")
    assert b"\x1b[" in forced.stdout
    both = _run(command, ["check", "pkg"], folder, FORCE_COLOR="1", NO_COLOR="1")
    assert b"\x1b[" not in both.stdout


def test_a_closed_pipe_is_not_a_traceback(folder):
    # More output than a pipe buffer holds, so that writing meets the closed pipe.
    for index in range(200):
        (folder / "pkg" / f"m{index}.py").write_text(SAFE_SOURCE)
    command = COMMANDS["console-script"]()
    process = subprocess.Popen(
        command + ["check", "--no-cache", "--jobs", "1", "."],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    process.stdout.read(10)
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    assert b"Traceback" not in stderr
    assert b"internal error" not in stderr
