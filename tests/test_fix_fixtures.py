"""Golden files, as TorchFix keeps them: `name.py` fixed by the CLI must equal `name.fixed.py`
byte for byte (line endings, BOM and comments included), and fixing again changes nothing.
A notebook, `name.ipynb`, is fixed into `name.fixed.ipynb` the same way."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from nanlint.cli import cli

FIXTURES = Path(__file__).parent / "fixtures" / "fix"
CASES = sorted(
    p for suffix in (".py", ".ipynb") for p in FIXTURES.glob("*" + suffix) if not p.name.endswith(".fixed" + suffix)
)


def _fixed(before: Path) -> Path:
    return before.with_name(before.stem + ".fixed" + before.suffix)


@pytest.mark.parametrize("before", CASES, ids=[p.stem for p in CASES])
def test_fix_matches_golden_file(before: Path, tmp_path: Path):
    expected = _fixed(before).read_bytes()
    target = tmp_path / before.name
    shutil.copyfile(before, target)
    runner = CliRunner()
    args = ["check", "--fix", "--unsafe-fixes", "--no-cache", str(target)]
    first = runner.invoke(cli, args)
    assert first.exit_code in (0, 1), first.output
    assert "Traceback" not in first.output
    assert target.read_bytes() == expected
    second = runner.invoke(cli, args + ["--show-fixes"])
    assert target.read_bytes() == expected
    assert "Fixed" not in second.output
    if before.suffix == ".py":
        compile(expected, str(target), "exec")


@pytest.mark.parametrize("before", CASES, ids=[p.stem for p in CASES])
def test_diff_writes_nothing(before: Path, tmp_path: Path):
    target = tmp_path / before.name
    shutil.copyfile(before, target)
    result = CliRunner().invoke(cli, ["check", "--diff", "--unsafe-fixes", "--no-cache", str(target)])
    assert target.read_bytes() == before.read_bytes()
    changed = before.read_bytes() != _fixed(before).read_bytes()
    assert result.exit_code == (1 if changed else 0), result.output
    assert ("+++" in result.output) == changed
