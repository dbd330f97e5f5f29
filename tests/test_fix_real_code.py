"""End to end on real code nobody here wrote: files shipped with the installed torch and mpmath.

Copied to a temporary folder, fixed with every fix (`--fix --unsafe-fixes`); every file
must still compile, and a second run must fix nothing. The whole-corpus version of this
(torch and transformers in full) is in bench/fix_corpus.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import mpmath
import pytest
import torch  # the test extra installs it; CI installs torch==2.13.0
from click.testing import CliRunner

from nanlint.cli import cli

TORCH_ROOT = Path(torch.__file__).parent
MPMATH_ROOT = Path(mpmath.__file__).parent  # installed with torch (through sympy)
# Subpackages dense in roots, logs and training loops, small enough for the suite; and
# a file that holds a fixable finding (torch itself is quiet now that gradient hazards
# need a gradient).
PARTS = [
    (TORCH_ROOT, "_refs/__init__.py"),
    (TORCH_ROOT, "_dynamo/utils.py"),
    (TORCH_ROOT, "optim/lbfgs.py"),
    (TORCH_ROOT, "testing/_internal/distributed/rpc/examples/reinforcement_learning_rpc_test.py"),
    (TORCH_ROOT, "nn/utils/clip_grad.py"),
    (TORCH_ROOT, "distributions/kl.py"),
    (TORCH_ROOT, "distributions/utils.py"),
    (MPMATH_ROOT, "tests/test_functions.py"),
]


@pytest.fixture(scope="module")
def fixed_copy(tmp_path_factory):
    target = tmp_path_factory.mktemp("torch-copy")
    for root, part in PARTS:
        source = root / part
        destination = target / root.name / part
        if source.is_dir():
            shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
    originals = {p: p.read_bytes() for p in target.rglob("*.py")}
    first = CliRunner().invoke(cli, ["check", "--fix", "--unsafe-fixes", "--no-cache", "--show-fixes", str(target)])
    return target, originals, first


def test_real_files_are_fixed_and_still_compile(fixed_copy):
    target, originals, first = fixed_copy
    assert first.exit_code in (0, 1), first.output
    assert "Traceback" not in first.output and "error:" not in first.output
    changed = [p for p, before in originals.items() if p.read_bytes() != before]
    assert changed, "expected the real corpus to hold at least one fixable finding"
    for path in originals:
        compile(path.read_bytes(), str(path), "exec")


def test_a_second_fix_run_changes_nothing(fixed_copy):
    target, originals, _ = fixed_copy
    before = {p: p.read_bytes() for p in originals}
    second = CliRunner().invoke(cli, ["check", "--fix", "--unsafe-fixes", "--no-cache", "--show-fixes", str(target)])
    assert "Fixed" not in second.output, second.output
    assert {p: p.read_bytes() for p in originals} == before
