"""The README's GitHub Actions workflow: valid YAML, and its `nanlint` steps do what it
says when run as written (annotations that fail the job on a finding; a SARIF file
written whatever was found, for the upload step to read)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import yaml

from helpers import SAFE_SOURCE

README = Path(__file__).resolve().parent.parent / "README.md"


def _workflow() -> dict:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- github-actions -->\n```yaml\n(.*?)```", text, re.S)
    assert block, "README.md has no workflow after <!-- github-actions -->"
    return yaml.safe_load(block.group(1))


def test_the_workflow_lints_annotates_and_uploads_what_it_wrote(project):
    steps = _workflow()["jobs"]["nanlint"]["steps"]
    commands = [step["run"] for step in steps if str(step.get("run", "")).startswith("nanlint ")]
    assert len(commands) == 2
    upload = next(step for step in steps if str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert upload["if"] == "always()"

    project.write("model.py", SAFE_SOURCE)
    annotate, sarif = (shlex.split(command)[1:] for command in commands)
    result = project.run(*annotate)
    assert result.exit_code == 1  # a finding fails the job
    assert re.search(r"^::error title=nanlint \(NAN001\),file=model\.py,line=2", result.stdout, re.M)

    result = project.run(*sarif)
    assert result.exit_code == 0, result.output  # the upload still runs
    log = json.loads((project.root / upload["with"]["sarif_file"]).read_text(encoding="utf-8"))
    [finding] = log["runs"][0]["results"]
    assert finding["ruleId"] == "NAN001"
