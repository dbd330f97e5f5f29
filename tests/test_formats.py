"""Output formats: full, concise, json (a stable public schema), github, sarif
(validated against the official OASIS schema), and colour."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest

from helpers import SAFE_SOURCE, UNSAFE_SOURCE, assert_one_clean_error

SCHEMA_PATH = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
ESCAPE = "\x1b["
MESSAGE_START = "`sqrt` of a value that can be exactly 0"


@pytest.fixture
def two_findings(project):
    project.write("safe.py", SAFE_SOURCE)
    project.write("unsafe.py", UNSAFE_SOURCE)
    return project


def test_full_shows_the_source_line_and_a_caret_under_the_span(two_findings):
    result = two_findings.run("check", "--select", "NAN001", ".")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    head = lines.index(next(line for line in lines if line.startswith("safe.py:2:5: NAN001 ")))
    assert lines[head + 2] == "2 | d = torch.sum((a - b) ** 2, dim=1).sqrt()"
    caret = lines[head + 3]
    # Columns 5..42 (end exclusive): 37 carets under the call.
    assert caret == "  |     " + "^" * 37
    assert lines[head + 4] == "  = help: Fix: Use torch.linalg.vector_norm"
    unsafe = lines.index(next(line for line in lines if line.startswith("unsafe.py:2:7: NAN001 ")))
    assert lines[unsafe + 3] == "  |       " + "^" * 24
    assert lines[unsafe + 4].startswith("  = help: Unsafe fix: Add 1e-12 inside the root")
    assert "Found 2 finding(s)." in result.stdout
    assert "[*] 1 fixable with `--fix`." in result.stdout
    assert "1 more fixable with `--fix --unsafe-fixes`." in result.stdout


def test_concise_is_one_line_per_finding(two_findings):
    result = two_findings.run("check", "--select", "NAN001", "--output-format", "concise", ".")
    findings = [line for line in result.stdout.splitlines() if re.match(r"^\S+:\d+:\d+: ", line)]
    assert len(findings) == 2
    assert findings[0].startswith("safe.py:2:5: NAN001 [*] " + MESSAGE_START)
    assert findings[1].startswith("unsafe.py:2:7: NAN001 " + MESSAGE_START)
    assert "|" not in result.stdout.split("Found")[0]


FINDING_KEYS = {"code", "name", "message", "filename", "cell", "location", "end_location", "fix", "related", "noqa_row", "doc"}


def test_json_schema_is_exactly_the_documented_one(two_findings):
    result = two_findings.run("check", "--select", "NAN001", "--output-format", "json", ".")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)  # nothing else on stdout: no summary
    assert isinstance(findings, list) and len(findings) == 2
    for finding in findings:
        assert set(finding) == FINDING_KEYS
        assert set(finding["location"]) == set(finding["end_location"]) == {"row", "column"}
        assert set(finding["fix"]) == {"applicability", "message", "edits"}
        for edit in finding["fix"]["edits"]:
            assert set(edit) == {"content", "location", "end_location"}
            assert set(edit["location"]) == set(edit["end_location"]) == {"row", "column"}
    safe, unsafe = findings
    assert safe == {
        "code": "NAN001",
        "name": "sqrt-without-eps",
        "message": safe["message"],
        "filename": "safe.py",
        "cell": None,
        "location": {"row": 2, "column": 5},
        "end_location": {"row": 2, "column": 42},
        "fix": {
            "applicability": "safe",
            "message": "Use torch.linalg.vector_norm",
            "edits": [
                {
                    "content": "torch.linalg.vector_norm(a - b, dim=1)",
                    "location": {"row": 2, "column": 5},
                    "end_location": {"row": 2, "column": 42},
                }
            ],
        },
        "related": [],
        "noqa_row": 2,
        "doc": "nanlint rule NAN001",
    }
    assert safe["message"].startswith(MESSAGE_START)
    assert unsafe["fix"]["applicability"] == "unsafe"
    assert unsafe["fix"]["edits"] == [
        {
            "content": "x.var(dim=0) + 1e-12",
            "location": {"row": 2, "column": 18},
            "end_location": {"row": 2, "column": 30},
        }
    ]


def test_json_fix_is_null_without_a_fix(project, monkeypatch):
    from nanlint.linting.batch import FileOutcome
    from nanlint.formats.json_format import json_format
    from nanlint.rule import Diagnostic, Location

    diagnostic = Diagnostic("NAN001", "sqrt-without-eps", "m", "f.py", Location(1, 1), Location(1, 2))
    [row] = json.loads(json_format([FileOutcome("f.py", [diagnostic])], False))
    assert set(row) == FINDING_KEYS and row["fix"] is None


def test_json_of_a_clean_run_is_an_empty_list(project):
    project.write("ok.py", "x = 1\n")
    result = project.run("check", "--output-format", "json", ".")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_github_annotations(two_findings):
    result = two_findings.run("check", "--select", "NAN001", "--output-format", "github", ".")
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        "::error title=nanlint (NAN001),file=safe.py,line=2,col=5,endLine=2,endColumn=42::NAN001 "
    )
    assert lines[1].startswith("::error title=nanlint (NAN001),file=unsafe.py,line=2,col=7,")


def test_github_escapes_properties_and_data():
    from nanlint.linting.batch import FileOutcome
    from nanlint.formats.github import github
    from nanlint.rule import Diagnostic, Location

    diagnostic = Diagnostic("NAN001", "n", "50%\nmore", "a,b:c.py", Location(1, 1), Location(1, 2))
    [line] = github([FileOutcome("a,b:c.py", [diagnostic])], False).splitlines()
    assert "file=a%2Cb%3Ac.py," in line
    assert line.endswith("::NAN001 50%25%0Amore")


def _validate_sarif(text: str) -> dict:
    log = json.loads(text)
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    return log


def test_sarif_is_valid_sarif_2_1_0(two_findings):
    two_findings.write("dir with space/m.py", SAFE_SOURCE)
    result = two_findings.run("check", "--select", "NAN001", "--output-format", "sarif", ".")
    assert result.exit_code == 1
    log = _validate_sarif(result.stdout)
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    assert run["tool"]["driver"]["name"] == "nanlint"
    from nanlint.rule import all_rules

    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rule_ids == ["NAN000"] + [rule.code for rule in all_rules()]
    results = run["results"]
    assert len(results) == 3
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris == ["dir%20with%20space/m.py", "safe.py", "unsafe.py"]
    safe = results[1]
    assert safe["ruleId"] == "NAN001"
    assert run["tool"]["driver"]["rules"][safe["ruleIndex"]]["id"] == "NAN001"
    assert safe["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2,
        "startColumn": 5,
        "endLine": 2,
        "endColumn": 42,
    }
    [change] = safe["fixes"][0]["artifactChanges"]
    assert change["replacements"][0]["insertedContent"]["text"] == "torch.linalg.vector_norm(a - b, dim=1)"


def test_sarif_of_a_clean_run_is_valid(project):
    project.write("ok.py", "x = 1\n")
    result = project.run("check", "--output-format", "sarif", ".")
    assert result.exit_code == 0
    assert _validate_sarif(result.stdout)["runs"][0]["results"] == []


# -- colour ------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["full", "concise", "grouped"])
def test_no_colour_when_not_a_terminal(two_findings, output_format):
    result = two_findings.run("check", "--output-format", output_format, ".")
    assert "NAN001" in result.stdout
    assert ESCAPE not in result.stdout and ESCAPE not in result.stderr


@pytest.mark.parametrize("output_format", ["full", "concise", "grouped"])
def test_force_color_gives_colour_and_no_color_wins(two_findings, output_format):
    forced = two_findings.run("check", "--output-format", output_format, ".", env={"FORCE_COLOR": "1"})
    assert ESCAPE in forced.stdout
    both = two_findings.run("check", "--output-format", output_format, ".", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert ESCAPE not in both.stdout
    # Apart from the escape codes, the text is the same.
    assert re.sub(r"\x1b\[[0-9;]*m", "", forced.stdout) == both.stdout


@pytest.mark.parametrize("output_format", ["json", "sarif", "github", "gitlab", "junit", "pylint"])
def test_machine_formats_never_have_colour(two_findings, output_format):
    result = two_findings.run("check", "--output-format", output_format, ".", env={"FORCE_COLOR": "1"})
    assert ESCAPE not in result.stdout


def test_no_color_on_a_terminal(monkeypatch):
    from nanlint.cli import _use_color

    class Terminal:
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert _use_color(Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not _use_color(Terminal())


# -- a file that could not be checked: NAN000 in every format ------------------------

BROKEN = b"import torch\ndef f(:\n    return torch.sqrt(x)\n"


@pytest.fixture
def one_broken(project):
    project.write("broken.py", BROKEN)
    project.write("safe.py", SAFE_SOURCE)
    return project


@pytest.mark.parametrize("output_format", ["full", "concise"])
def test_a_file_not_checked_is_a_finding_and_never_all_checks_passed(one_broken, output_format):
    result = one_broken.run("check", "--no-cache", "--output-format", output_format, "broken.py", "safe.py")
    assert result.exit_code == 2
    assert "broken.py:2:7: NAN000 syntax error: invalid syntax" in result.stdout
    assert "Found 1 finding(s)." in result.stdout
    assert "1 file not checked (NAN000)." in result.stdout
    assert "All checks passed!" not in result.stdout


def test_only_files_not_checked_is_not_all_checks_passed(project):
    project.write("broken.py", BROKEN)
    result = project.run("check", "--no-cache", "broken.py", "missing.py")
    assert result.exit_code == 2
    assert "All checks passed!" not in result.stdout
    assert "No findings in the files checked, but 2 files not checked (NAN000)." in result.stdout
    assert "missing.py:1:1: NAN000 no such file or directory" in result.stdout


def test_json_github_and_sarif_carry_the_file_not_checked(one_broken):
    args = ("check", "--no-cache", "--output-format")
    [broken, _] = json.loads(one_broken.run(*args, "json", "broken.py", "safe.py").stdout)
    assert (broken["code"], broken["name"], broken["filename"]) == ("NAN000", "file-not-checked", "broken.py")
    assert broken["location"] == broken["end_location"] == {"row": 2, "column": 7}
    assert broken["message"] == "syntax error: invalid syntax" and broken["fix"] is None

    github_lines = one_broken.run(*args, "github", "broken.py", "safe.py").stdout.splitlines()
    assert github_lines[0].startswith("::error title=nanlint (NAN000),file=broken.py,line=2,col=7,")

    log = _validate_sarif(one_broken.run(*args, "sarif", "broken.py", "safe.py").stdout)
    [run] = log["runs"]
    first = run["results"][0]
    assert first["ruleId"] == "NAN000" and first["level"] == "error"
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == "NAN000"


def test_statistics_count_the_files_not_checked(one_broken):
    result = one_broken.run("check", "--no-cache", "--statistics", "broken.py", "safe.py")
    assert re.search(r"^\s+1  NAN000\s+file-not-checked$", result.stdout, re.MULTILINE), result.stdout


# -- ruff's other formats: grouped, pylint, junit, gitlab; --output-file ---------------

# NAN001 on row 2 (a safe fix) and on row 11 (an unsafe fix).
TWO_IN_ONE = (
    "import torch\nd = torch.sum((a - b) ** 2, dim=1).sqrt()\n"
    + "\n" * 8
    + "std = torch.sqrt(x.var(dim=0))\n(d + std).sum().backward()\n"
)


@pytest.fixture
def three_files(project):
    project.write("broken.py", BROKEN)
    project.write("many.py", TWO_IN_ONE)
    project.write("safe.py", SAFE_SOURCE)
    return project


def _format(project, output_format, *paths):
    return project.run("check", "--no-cache", "--select", "NAN001", "--output-format", output_format, *paths)


def test_grouped_is_findings_under_their_file_aligned_as_ruff(three_files):
    result = _format(three_files, "grouped", "broken.py", "many.py", "safe.py")
    assert result.exit_code == 2
    head, _, summary = result.stdout.partition("Found ")
    message = re.escape(MESSAGE_START)
    assert re.fullmatch(
        "broken.py:\n  2:7 NAN000 syntax error: invalid syntax\n\n"
        f"many.py:\n   2:5 NAN001 \\[\\*\\] {message}.*\n  11:7 NAN001 {message}.*\n\n"
        f"safe.py:\n  2:5 NAN001 \\[\\*\\] {message}.*\n\n",
        head,
    ), head
    assert summary.startswith("3 finding(s).") and "1 file not checked (NAN000)." in summary


def test_pylint_is_one_line_per_finding(three_files):
    lines = _format(three_files, "pylint", "broken.py", "many.py").stdout.splitlines()
    assert lines[0] == "broken.py:2: [NAN000] syntax error: invalid syntax"
    assert lines[1].startswith("many.py:2: [NAN001] " + MESSAGE_START)
    assert lines[2].startswith("many.py:11: [NAN001] " + MESSAGE_START)
    assert len(lines) == 3  # no summary


def test_junit_is_xml_a_suite_per_file_a_case_per_finding(three_files):
    import xml.etree.ElementTree as ET

    result = _format(three_files, "junit", "broken.py", "many.py", "safe.py")
    assert result.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(result.stdout.encode("utf-8"))
    assert root.tag == "testsuites" and root.get("name") == "nanlint"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "3", "1")
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == ["broken.py", "many.py", "safe.py"]
    [broken] = suites["broken.py"].findall("testcase")
    assert broken.get("name") == "org.nanlint.NAN000" and broken.find("error").get("message") == (
        "syntax error: invalid syntax"
    )
    cases = suites["many.py"].findall("testcase")
    assert [(c.get("name"), c.get("classname"), c.get("line"), c.get("column")) for c in cases] == [
        ("org.nanlint.NAN001", "many", "2", "5"),
        ("org.nanlint.NAN001", "many", "11", "7"),
    ]
    failure = cases[0].find("failure")
    assert failure.get("message").startswith(MESSAGE_START)
    assert failure.text.startswith("line 2, col 5, " + MESSAGE_START)
    assert suites["many.py"].get("tests") == "2" and suites["many.py"].get("failures") == "2"


def test_junit_of_a_clean_run_is_one_passing_case(project):
    import xml.etree.ElementTree as ET

    project.write("ok.py", "x = 1\n")
    result = project.run("check", "--output-format", "junit", "ok.py")
    assert result.exit_code == 0
    root = ET.fromstring(result.stdout.encode("utf-8"))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "0", "0")
    [case] = root.iter("testcase")
    assert list(case) == []  # passed


def test_junit_escapes_what_xml_must_escape():
    import xml.etree.ElementTree as ET

    from nanlint.linting.batch import FileOutcome
    from nanlint.formats.junit import junit
    from nanlint.rule import Diagnostic, Location

    message = 'a < b && c > "d"'
    diagnostic = Diagnostic("NAN001", "n", message, "a&b.py", Location(1, 1), Location(1, 2))
    root = ET.fromstring(junit([FileOutcome("a&b.py", [diagnostic])], False).encode("utf-8"))
    assert root.find("testsuite").get("name") == "a&b.py"
    assert root.find("testsuite/testcase/failure").get("message") == message


def test_gitlab_code_quality_fields(three_files, monkeypatch):
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    result = _format(three_files, "gitlab", "broken.py", "many.py", "safe.py")
    issues = json.loads(result.stdout)
    assert [set(issue) for issue in issues] == [
        {"check_name", "description", "fingerprint", "severity", "location"}
    ] * 4
    assert [(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues] == [
        ("NAN000", "broken.py", 2),
        ("NAN001", "many.py", 2),
        ("NAN001", "many.py", 11),
        ("NAN001", "safe.py", 2),
    ]
    assert issues[1]["description"].startswith(MESSAGE_START)
    assert [i["severity"] for i in issues] == ["critical", "major", "major", "major"]
    assert all(i["location"]["lines"]["end"] >= i["location"]["lines"]["begin"] for i in issues)
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == 4 and all(re.fullmatch("[0-9a-f]{64}", f) for f in fingerprints)
    # A finding keeps its fingerprint when code above it moves (merge requests compare them).
    three_files.write("many.py", "\n\n" + TWO_IN_ONE)
    moved = json.loads(_format(three_files, "gitlab", "broken.py", "many.py", "safe.py").stdout)
    assert moved[1]["location"]["lines"]["begin"] == 4
    assert [i["fingerprint"] for i in moved] == fingerprints
    # Relative to the project though named absolute; in a GitLab job, to its folder.
    named_absolute = json.loads(_format(three_files, "gitlab", os.path.abspath("safe.py")).stdout)
    assert named_absolute[0]["location"]["path"] == "safe.py"
    monkeypatch.setenv("CI_PROJECT_DIR", os.path.dirname(os.getcwd()))
    inside = json.loads(_format(three_files, "gitlab", "safe.py").stdout)
    assert inside[0]["location"]["path"] == os.path.basename(os.getcwd()) + "/safe.py"


def test_sarif_rules_carry_their_page_and_unsafe_fixes_are_marked(two_findings):
    from nanlint.linting import unchecked
    from nanlint.docs import render
    from nanlint.rule import rules_by_code

    result = two_findings.run("check", "--select", "NAN001", "--output-format", "sarif", ".")
    [run] = _validate_sarif(result.stdout)["runs"]
    for rule in run["tool"]["driver"]["rules"]:
        page = unchecked.PAGE if rule["id"] == "NAN000" else render(rules_by_code()[rule["id"]])
        assert rule["help"] == {"text": page, "markdown": page}
    safe, unsafe = run["results"]
    assert safe["fixes"][0]["properties"] == {"applicability": "safe"}
    assert safe["fixes"][0]["description"]["text"] == "Use torch.linalg.vector_norm"
    assert unsafe["fixes"][0]["properties"] == {"applicability": "unsafe"}
    assert unsafe["fixes"][0]["description"]["text"].startswith("Unsafe fix: Add 1e-12 inside the root")


def test_output_file_takes_what_standard_output_would_get(two_findings):
    result = two_findings.run("check", "--output-format", "json", "--output-file", "reports/out.json", ".")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(json.loads((two_findings.root / "reports" / "out.json").read_text(encoding="utf-8"))) == 2
    # The summary goes along, and never colour into a file.
    env = {"FORCE_COLOR": "1"}
    result = two_findings.run("check", "-o", "out.txt", ".", env=env)
    assert result.exit_code == 1 and result.stdout == ""
    text = (two_findings.root / "out.txt").read_text(encoding="utf-8")
    assert "safe.py:2:5: NAN001 " in text and "Found 2 finding(s)." in text and ESCAPE not in text


def test_output_file_that_cannot_be_written_is_exit_2(two_findings):
    two_findings.write("taken/file", "")
    result = two_findings.run("check", "--output-file", os.path.join("taken", "file", "out.json"), ".")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "cannot write the report", "out.json")


def test_a_file_skipped_with_a_warning_is_a_warning_in_every_format(project):
    import xml.etree.ElementTree as ET

    project.write("nb.ipynb", '{"cells": [], "metadata": {"kernelspec": {"language": "julia"}}, "nbformat": 4}')

    def report(output_format):
        result = project.run("check", "--no-cache", "--output-format", output_format, "nb.ipynb")
        assert result.exit_code == 0, result.output
        return result.stdout

    assert report("github").startswith("::warning title=nanlint (NAN000),file=nb.ipynb,")
    [result] = _validate_sarif(report("sarif"))["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("NAN000", "warning")
    [issue] = json.loads(report("gitlab"))
    assert (issue["check_name"], issue["severity"]) == ("NAN000", "info")
    root = ET.fromstring(report("junit").encode("utf-8"))
    assert root.get("skipped") == "1" and root.get("failures") == root.get("errors") == "0"
    assert root.find("testsuite/testcase/skipped").get("message").startswith("not checked: a notebook in julia")
    [row] = json.loads(report("json"))
    assert (row["code"], row["noqa_row"], row["doc"]) == ("NAN000", None, "nanlint rule NAN000")


TRAVELLING = (
    "import torch\n"
    "def loss(logits, y):\n"
    "    p = torch.softmax(logits, -1)\n"
    "    q = p[:, 1:]\n"
    "    return -(y * torch.log(q)).sum()\n"
)


def test_a_value_followed_through_names_shows_its_path_in_every_format(project):
    project.write("loss.py", TRAVELLING)
    path = [(3, 9, "`p` gets its value here"), (4, 9, "`q` gets its value here")]

    rows = json.loads(project.run("check", "--no-cache", "--output-format", "json", "loss.py").stdout)
    [finding] = [row for row in rows if row["code"] == "NAN003"]
    assert [(r["location"]["row"], r["location"]["column"], r["message"]) for r in finding["related"]] == path

    full = project.run("check", "--no-cache", "loss.py").stdout
    assert "  = note: `p` gets its value here (loss.py:3:9)" in full
    assert "  = note: `q` gets its value here (loss.py:4:9)" in full

    log = _validate_sarif(project.run("check", "--no-cache", "--output-format", "sarif", "loss.py").stdout)
    [result] = log["runs"][0]["results"]
    related = [(r["physicalLocation"]["region"]["startLine"], r["message"]["text"]) for r in result["relatedLocations"]]
    assert related == [(3, path[0][2]), (4, path[1][2])]
    [flow] = result["codeFlows"]
    steps = [s["location"]["physicalLocation"]["region"]["startLine"] for s in flow["threadFlows"][0]["locations"]]
    assert steps == [3, 4, 5]  # from where the value is made to the log


def test_the_path_survives_the_cache(project):
    project.write("loss.py", TRAVELLING)
    first = project.run("check", "--output-format", "json", "loss.py").stdout
    second = project.run("check", "--output-format", "json", "loss.py").stdout
    assert json.loads(first) == json.loads(second)
    assert json.loads(second)[0]["related"]
