"""From findings to comparisons, and `verify_paths` (what `nanlint verify` runs)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from nanlint.linting.engine import Linter
from nanlint.rule import UNSAFE, Diagnostic, Edit, Fix, Location, rules_by_code
from nanlint.shim.command import DRIFT_LEGEND, NEEDS_TORCH, verify_paths
from nanlint.shim.findings import comparison_for, is_import_edit, verify_source

INCIDENT_FILE = """\
import torch


def loss_fn(vecs, emb):
    d1 = torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, dim=1).sqrt()
    d2 = torch.sum((vecs[-1].unsqueeze(0) - emb) ** 2, dim=1).sqrt()
    loss = torch.abs(d1 + d2 - torch.dist(vecs[0], vecs[-1], p=2)) + 1e-8
    return loss
"""


def _lint(code: str, text: str):
    return Linter([rules_by_code()[code]]).lint_source(text, "example.py")


def test_single_edit_fix_compares_the_flagged_expression():
    text = "from torch import sqrt\nd = sqrt((x * x).sum(dim=-1))\nd.sum().backward()\n"
    (diagnostic,) = _lint("NAN001", text)
    assert any(is_import_edit(edit) for edit in diagnostic.fix.edits)  # adds `import torch`
    comparison = comparison_for(text, diagnostic)
    assert comparison.original == "sqrt((x * x).sum(dim=-1))"
    assert comparison.fixed == "torch.linalg.vector_norm(x, dim=-1)"
    assert not comparison.is_block
    assert comparison.aliases_original == {"sqrt": "torch.sqrt"}
    assert comparison.aliases_fixed == {"sqrt": "torch.sqrt", "torch": "torch"}


def test_fix_spanning_statements_compares_the_smallest_block():
    diagnostics = [d for d in _lint("NAN002", INCIDENT_FILE) if d.fix]
    assert diagnostics
    comparison = comparison_for(INCIDENT_FILE, diagnostics[0])
    assert comparison.is_block
    assert comparison.original.splitlines() == [line.strip() for line in INCIDENT_FILE.splitlines()[4:7]]
    assert comparison.fixed.splitlines()[-1] == "loss = torch.abs(d1 + d2 - torch.dist(vecs[0], vecs[-1], p=2))"
    ((_, verdict),) = verify_source(INCIDENT_FILE, diagnostics[:1], dtypes=["float32", "float64"])
    assert verdict.status == "fixed", str(verdict)
    assert "NaN in the gradient" in verdict.confirmation


def test_enclosing_function_defaults_bind_their_names():
    text = (
        "import torch\n"
        "def forward(x, eps=1e-6):\n"
        "    n = torch.sum(x * x, dim=-1, keepdim=True).sqrt()\n"
        "    return x / (n + eps)\n"
    )
    diagnostics = [d for d in _lint("NAN002", text) if d.fix]
    comparison = comparison_for(text, diagnostics[0])
    assert comparison.defaults == {"eps": 1e-6}
    ((_, verdict),) = verify_source(text, diagnostics, dtypes=["float64"])
    # At x = 0 both forms are 0; elsewhere x / sqrt(n² + eps) and x / (n + eps) differ by ~eps / n.
    assert verdict.status == "fixed" and 0 < verdict.drift < 1e-5


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_verify_paths_text_table_and_exit_code_0(tmp_path):
    _write(tmp_path, "loss.py", INCIDENT_FILE)
    _write(tmp_path, "norm.py", "import torch\nstd = torch.sqrt(x.var(dim=0))\nd = T.sqrt(self.v)\nstd.sum().backward()\n")
    (tmp_path / "pkg").mkdir()
    _write(
        tmp_path / "pkg", "dist.py", "import torch\nd1 = torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, dim=1).sqrt()\nd1.sum().backward()\n"
    )
    out, err = io.StringIO(), io.StringIO()
    code = verify_paths([str(tmp_path)], out=out, err=err)
    text = out.getvalue()
    assert code == 0, text + err.getvalue()
    legend, table = text.split("\n\n", 1)
    assert legend == DRIFT_LEGEND  # the header says what the drift column measures
    assert table.splitlines()[0].split() == ["location", "code", "verdict", "probe", "drift", "note"]
    assert "loss.py:5:" in text and "NAN002" in text
    assert "norm.py:2:7" in text and "zeros/float32/cpu" in text
    assert "dist.py:2:6" in text
    assert "fixed" in text and "NaN in the gradient" in text
    assert text.rstrip().splitlines()[-1].endswith("0 not fixed, 0 unconfirmed, 0 skipped")
    assert err.getvalue() == ""


def test_verify_paths_json(tmp_path):
    path = _write(tmp_path, "norm.py", "import torch\nstd = torch.sqrt(x.var(dim=0))\nstd.sum().backward()\n")
    out = io.StringIO()
    assert verify_paths([str(path)], output_format="json", out=out) == 0
    data = json.loads(out.getvalue())
    (finding,) = data["findings"]
    assert finding["code"] == "NAN001" and finding["location"] == {"row": 2, "column": 7}
    assert finding["verdict"]["status"] == "fixed"
    assert finding["verdict"]["drift"] == pytest.approx(1e-6, rel=1e-3)
    assert data["summary"] == {"fixed": 1, "not-fixed": 0, "unconfirmed": 0, "skipped": 0, "total": 1}


def test_verify_paths_exit_1_when_a_fix_does_not_hold(tmp_path):
    text = "import torch\nd = torch.sqrt((x ** 2).sum())\nd.backward()\n"
    path = _write(tmp_path, "bad.py", text)

    def bad_fix(filename: str):
        # A "fix" that adds the eps after the root: the gradient stays NaN.
        start, end = Location(2, 5), Location(2, 31)
        diagnostic = Diagnostic(
            "NAN001",
            "sqrt-without-eps",
            "message",
            filename,
            start,
            end,
            Fix("eps after the root", UNSAFE, (Edit(start, end, "torch.sqrt((x ** 2).sum()) + 1e-8"),)),
        )
        return text, [diagnostic]

    out = io.StringIO()
    assert verify_paths([str(path)], diagnostics_for=bad_fix, out=out) == 1
    assert "not-fixed" in out.getvalue() and "zeros/float32/cpu" in out.getvalue()


def test_verify_paths_exit_2_on_an_unparsable_file_or_missing_path(tmp_path):
    path = _write(tmp_path, "broken.py", "d = torch.sqrt(x\n")
    err = io.StringIO()
    assert verify_paths([str(path)], out=io.StringIO(), err=err) == 2
    assert "broken.py" in err.getvalue()
    err = io.StringIO()
    assert verify_paths([str(tmp_path / "missing.py")], out=io.StringIO(), err=err) == 2
    assert "no such file" in err.getvalue()


def test_verify_paths_needs_torch(tmp_path, monkeypatch, capsys):
    path = _write(tmp_path, "norm.py", "import torch\nstd = torch.sqrt(x.var(dim=0))\nstd.sum().backward()\n")
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    assert verify_paths([str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err == NEEDS_TORCH + "\n"
    assert captured.out == ""


def test_verify_paths_with_nothing_to_verify(tmp_path):
    path = _write(tmp_path, "clean.py", "x = 1\n")
    out = io.StringIO()
    assert verify_paths([str(path)], out=out) == 0
    assert "No findings with a fix" in out.getvalue()


def test_verify_paths_follows_the_project_settings(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.nanlint]\neps = 1e-6\nextend-exclude = ["generated"]\n')
    _write(tmp_path, "norm.py", "import torch\nstd = torch.sqrt(x.var(dim=0))\nstd.sum().backward()\n")
    (tmp_path / "generated").mkdir()
    _write(tmp_path / "generated", "other.py", "import torch\nstd = torch.sqrt(x.var(dim=0))\nstd.sum().backward()\n")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert verify_paths(["."], output_format="json", out=out) == 0
    (finding,) = json.loads(out.getvalue())["findings"]
    assert finding["filename"] == "norm.py"
    assert "1e-06" in finding["fix"]["edits"][0]["content"] or "1e-6" in finding["fix"]["edits"][0]["content"]
    # sqrt(1e-6) = 1e-3 where the variance is 0; an eps that survives float16.
    assert finding["verdict"]["drift"] == pytest.approx(1e-3, rel=1e-2)
    assert {d["dtype"]: d["status"] for d in finding["verdict"]["details"]} == {
        "float32": "holds",
        "float64": "holds",
        "float16": "holds",
        "bfloat16": "holds",
    }


def test_verify_crash_is_one_line_and_exit_2(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import nanlint.shim.command
    from nanlint.cli import cli

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(nanlint.shim.command, "verify_paths", explode)
    result = CliRunner().invoke(cli, ["verify", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip() == "nanlint: error: internal error: RuntimeError: boom"
