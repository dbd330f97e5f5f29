"""The generated rule index must match the rule classes it is made from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nanlint.linting.registry import render_index, rule_infos
from nanlint.rule import all_rules

INDEX = Path(__file__).resolve().parent.parent / "nanlint" / "rules" / "_index.py"


def test_index_is_fresh():
    assert INDEX.read_text(encoding="utf-8") == render_index(all_rules()), (
        "nanlint/rules/_index.py is stale: run `python -m nanlint.docs`"
    )
    assert [info.code for info in rule_infos()] == [rule.code for rule in all_rules()]


def test_a_run_that_parses_nothing_never_imports_libcst(tmp_path):
    (tmp_path / "plain.py").write_text("import torch\nx = torch.ones(3)\n")
    probe = (
        "import sys\n"
        "from nanlint.cli import main\n"
        "sys.argv = ['nanlint', 'check', '--no-cache', sys.argv[1]]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "print('libcst' in sys.modules, code)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False 0", out.stdout + out.stderr
