"""End to end on real code nobody here wrote: files shipped with the installed torch.

Copied to a temporary folder, fixed with every fix (`--fix --unsafe-fixes`); every file
must still compile, and a second run must fix nothing. The whole-corpus version of this
(torch and transformers in full) is in bench/fix_corpus.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch  # the test extra installs it; CI installs torch==2.13.0
from click.testing import CliRunner

from nanlint.cli import cli

TORCH_ROOT = Path(torch.__file__).parent
# Subpackages dense in roots, logs and training loops, small enough for the suite.
PARTS = ["_refs/__init__.py", "_dynamo/utils.py", "optim/lbfgs.py", "testing/_internal/distributed/rpc/examples/reinforcement_learning_rpc_test.py", "nn/utils/clip_grad.py", "distributions/kl.py", "distributions/utils.py"]


@pytest.fixture(scope="module")
def fixed_copy(tmp_path_factory):
    target = tmp_path_factory.mktemp("torch-copy")
    for part in PARTS:
        source = TORCH_ROOT / part
        destination = target / part
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
