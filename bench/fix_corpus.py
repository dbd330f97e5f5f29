"""Prove that nanlint's autofix never breaks a file of a real corpus.

    python bench/fix_corpus.py                       # torch and transformers (bench/corpus/)
    python bench/fix_corpus.py --corpus transformers --python .venv/bin/python
    python bench/fix_corpus.py --crlf-bom            # the same on CRLF + BOM copies of the files

For each corpus folder (unpacked by bench/run.py into bench/corpus/, never touched here):

1. It is copied twice to a temporary folder: `original/` keeps the bytes as they were,
   `fixed/` is the one nanlint rewrites.
2. `python -m nanlint check --no-cache --output-format json` on the copy gives the
   findings before fixing (with each fix and its applicability), then `check --fix
   --unsafe-fixes --show-fixes` applies every fix and says which findings it fixed and
   which remain.
3. Every file that changed is held to what the README promises of fixes:
   - it still compiles (`compile(source, path, "exec")` in the Python that ran nanlint)
     if the original did (torch has a file in Python 3.12 syntax that 3.11 cannot
     compile before any fix: such a file is listed, not counted as a failure);
   - every original line that differs lies inside the rows of a fix's edit, and a
     line that was only inserted is next to a fix's edit or is an import;
   - the encoding (cookie and BOM) is the same and no line ending that the file did not
     already use appears (no CRLF/LF mix introduced);
   - the files that changed are exactly those that nanlint says it fixed, and no other
     file appeared or disappeared.
   Each file's unified diff goes to bench/results/fix-<corpus>.diff.
4. The fix runs a second time: no file may change, no fix may be reported, and the
   findings that remain must be the same (fixing is idempotent).
5. A summary table is printed and bench/results/fix-<corpus>.json written.

A crash, an internal error, a file nanlint cannot check (other than one the same
Python cannot compile either), a fix that does not settle, or any check above that
fails is a failure: the exit code is 1 then, 0 when everything passed.

What this does not prove: that a fixed expression computes what the original did
where the original was finite. That is the runtime shim's job (`nanlint verify`).

The corpus has no CRLF files and no BOM, so the line-ending and BOM checks hold
trivially on it; `--crlf-bom` rewrites the `original/` copy with CRLF endings and a
UTF-8 BOM (files without a non-UTF-8 coding cookie) before step 2, so that they do
not. Python reads CRLF source as LF, so the code means the same; its results go to
fix-<corpus>-crlf-bom.json and .diff.

Standard library only; nanlint runs in the interpreter given by `--python` (default:
this one), which must be able to `import nanlint`.
"""

from __future__ import annotations

import argparse
import codecs
import difflib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

BENCH = Path(__file__).resolve().parent
CORPUS_ROOT = BENCH / "corpus"
CORPORA = {"torch": "torch-2.13.0", "transformers": "transformers-4.57.1"}

NEWLINE = re.compile(rb"\r\n|\r|\n")  # where Python's tokenizer ends a line
ENDING_NAMES = {b"\r\n": "CRLF", b"\n": "LF", b"\r": "CR"}
# `--show-fixes` prints, after the JSON, "Fixed N finding(s):" and one line per fix.
FIXED_HEADER = re.compile(r"^Fixed (\d+) finding\(s\):$")
FIXED_LINE = re.compile(r"^  (?P<path>.+):(?P<row>\d+):(?P<column>\d+): (?P<code>\S+) (?P<message>.*)$")
MESSAGE_LINE = re.compile(r"^nanlint: (?P<level>error|warning): (?P<path>.+?): (?P<reason>.*)$")
IMPORT_LINE = re.compile(rb"^\s*(import\s|from\s+\S+\s+import\s)")

# Run in the Python that runs nanlint, so "compiles" means compiles there.
COMPILE_PROBE = r"""
import json, sys, warnings
warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes and the like
errors = {}
for path in json.load(sys.stdin):
    try:
        with open(path, "rb") as handle:
            compile(handle.read(), path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        errors[path] = f"{type(error).__name__}: {error}"
json.dump(errors, sys.stdout)
"""

# What nanlint would check in a folder, asked of nanlint itself (its excludes apply),
# and a digest of nanlint's own source: if it changes during a run (someone editing the
# working tree), the three runs were not of one nanlint and the proof does not hold.
ABOUT_PROBE = r"""
import hashlib, json, os, platform, sys
import nanlint
from nanlint.config import find_config, load
from nanlint.discovery import discover
files, _ = discover(["."], load(find_config(".")))
package = os.path.dirname(nanlint.__file__)
digest = hashlib.sha1()
for folder, dirs, names in sorted(os.walk(package)):
    for name in sorted(n for n in names if n.endswith(".py")):
        with open(os.path.join(folder, name), "rb") as handle:
            digest.update(name.encode() + handle.read())
json.dump({"nanlint": nanlint.__version__, "python": platform.python_version(), "files": len(files),
           "package": package, "source_sha1": digest.hexdigest()[:12]}, sys.stdout)
"""


@dataclass
class NanlintRun:
    """One `nanlint check` run: what it printed, parsed."""

    command: List[str]
    returncode: int
    seconds: float
    findings: List[dict]  # the JSON findings (those that remain, after a fix run)
    fixed: List[dict] = field(default_factory=list)  # {path, row, column, code, message}
    messages: List[dict] = field(default_factory=list)  # "nanlint: error|warning: PATH: reason"
    unexpected_output: List[str] = field(default_factory=list)


def run_nanlint(python: str, folder: Path, fix: bool) -> NanlintRun:
    command = [python, "-m", "nanlint", "check", ".", "--no-cache", "--output-format", "json"]
    if fix:
        command += ["--fix", "--unsafe-fixes", "--show-fixes"]
    env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, encoding="utf-8", env=env)
    seconds = time.perf_counter() - start
    run = NanlintRun(command, done.returncode, seconds, findings=[])
    try:
        run.findings, end = json.JSONDecoder().raw_decode(done.stdout)
    except json.JSONDecodeError:
        run.unexpected_output.append("stdout is not JSON: " + done.stdout[:300])
        end = len(done.stdout)
    announced = 0
    for line in done.stdout[end:].splitlines():
        header, fixed = FIXED_HEADER.match(line), FIXED_LINE.match(line)
        if header:
            announced = int(header.group(1))
        elif fixed:
            entry = fixed.groupdict()
            entry["row"], entry["column"] = int(entry["row"]), int(entry["column"])
            run.fixed.append(entry)
        elif line.strip():
            run.unexpected_output.append("stdout: " + line)
    if announced != len(run.fixed):
        run.unexpected_output.append(f"--show-fixes announced {announced} fixes and listed {len(run.fixed)}")
    for line in done.stderr.splitlines():
        message = MESSAGE_LINE.match(line)
        if message:
            run.messages.append(message.groupdict())
        elif line.strip():
            run.unexpected_output.append("stderr: " + line)
    return run


def probe(python: str, program: str, cwd: Path, stdin: str = "") -> dict:
    done = subprocess.run([python, "-c", program], cwd=cwd, input=stdin, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def snapshot(folder: Path) -> Dict[str, bytes]:
    """Every file under `folder` (not only *.py: a stray temporary file counts too)."""
    files = {}
    for parent, _, names in os.walk(folder):
        for name in names:
            path = Path(parent, name)
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def split_lines(raw: bytes) -> List[bytes]:
    lines, start = [], 0
    for match in NEWLINE.finditer(raw):
        lines.append(raw[start : match.end()])
        start = match.end()
    if start < len(raw):
        lines.append(raw[start:])
    return lines


def line_endings(raw: bytes) -> Set[str]:
    return {ENDING_NAMES[match.group()] for match in NEWLINE.finditer(raw)}


def source_encoding(raw: bytes) -> str:
    """As tokenize names it: "utf-8-sig" for a BOM, else the coding cookie or utf-8."""
    try:
        return tokenize.detect_encoding(io.BytesIO(raw).readline)[0]
    except SyntaxError as error:
        return f"undetectable ({error})"


def to_crlf_with_bom(raw: bytes) -> bytes:
    # A BOM with a coding cookie other than utf-8 is a SyntaxError: such files keep theirs.
    if source_encoding(raw) not in ("utf-8", "utf-8-sig"):
        return raw
    converted = NEWLINE.sub(b"\r\n", raw)
    return converted if converted.startswith(codecs.BOM_UTF8) else codecs.BOM_UTF8 + converted


def fixable_rows(findings: List[dict]) -> Dict[str, Set[int]]:
    """Per file, the original rows that some fix's edit touches (safe and unsafe fixes)."""
    rows: Dict[str, Set[int]] = defaultdict(set)
    for finding in findings:
        for edit in (finding["fix"] or {}).get("edits", []):
            rows[finding["filename"]].update(range(edit["location"]["row"], edit["end_location"]["row"] + 1))
    return rows


def edit_problems(rel: str, before: bytes, after: bytes, allowed_rows: Set[int]) -> Tuple[List[str], int, int]:
    """What differs outside the fixes' edits: (problems, lines removed, lines added)."""
    problems: List[str] = []
    old, new = split_lines(before), split_lines(after)
    removed = added = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed, added = removed + (i2 - i1), added + (j2 - j1)
        if tag == "insert":
            # Before original row i1 + 1: an edit that ends the previous row or starts
            # the next one (gradient clipping between two statements), or a new import.
            near_an_edit = {i1, i1 + 1} & allowed_rows
            if not near_an_edit and not all(IMPORT_LINE.match(line) for line in new[j1:j2]):
                problems.append(f"{rel}: lines inserted before row {i1 + 1}, away from every fix: {new[j1:j2]!r}")
            continue
        outside = [row for row in range(i1 + 1, i2 + 1) if row not in allowed_rows]
        if outside:
            problems.append(f"{rel}: rows {outside} changed, but no fix edits them")
    return problems, removed, added


def encoding_problems(rel: str, before: bytes, after: bytes) -> List[str]:
    problems = []
    if before.startswith(codecs.BOM_UTF8) != after.startswith(codecs.BOM_UTF8):
        problems.append(f"{rel}: the UTF-8 BOM was {'removed' if before.startswith(codecs.BOM_UTF8) else 'added'}")
    encoding_before, encoding_after = source_encoding(before), source_encoding(after)
    if encoding_before != encoding_after:
        problems.append(f"{rel}: encoding {encoding_before} became {encoding_after}")
    else:
        try:
            after.decode(encoding_after)
        except (UnicodeDecodeError, LookupError) as error:
            problems.append(f"{rel}: no longer decodes as {encoding_after}: {error}")
    introduced = line_endings(after) - line_endings(before)
    if introduced and line_endings(before):
        problems.append(f"{rel}: line endings {sorted(introduced)} introduced into a {sorted(line_endings(before))} file")
    return problems


def unified_diff(rel: str, before: bytes, after: bytes) -> str:
    def text_lines(raw: bytes) -> List[str]:
        encoding = source_encoding(raw)
        text = raw.decode(encoding if not encoding.startswith("undetectable") else "utf-8", "replace")
        return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)

    diff = difflib.unified_diff(text_lines(before), text_lines(after), f"a/{rel}", f"b/{rel}")
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in diff)


def findings_key(findings: List[dict]) -> List[str]:
    return sorted(json.dumps(finding, sort_keys=True) for finding in findings)


def git_revision() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "nanlint"], cwd=BENCH.parent, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + (" with uncommitted changes to nanlint/" if dirty.stdout.strip() else "")


class Failures(list):
    def add(self, message: str) -> None:
        self.append(message)
        print(f"  FAIL {message}", flush=True)


def message_failures(run: NanlintRun, not_compilable_before: Dict[str, str], failures: Failures, label: str) -> None:
    """nanlint's errors are failures, except for a file the same Python cannot compile."""
    for line in run.unexpected_output:
        failures.add(f"{label}: unexpected output: {line}")
    for message in run.messages:
        if message["level"] == "error" and message["path"] not in not_compilable_before:
            failures.add(f"{label}: nanlint: {message['path']}: {message['reason']}")
    expected_exit = {0, 1} | ({2} if any(m["level"] == "error" for m in run.messages) else set())
    if run.returncode not in expected_exit:
        failures.add(f"{label}: exit code {run.returncode} (expected one of {sorted(expected_exit)})")


def changed_file_report(rel: str, old: bytes, new: bytes, allowed_rows: Set[int], compile_before: Dict[str, str],
                        compile_after: Dict[str, str], fixed: List[dict]) -> dict:
    """Step 3 for one changed file: what went wrong with it, if anything, and its size."""
    problems, removed, added = edit_problems(rel, old, new, allowed_rows)
    problems += encoding_problems(rel, old, new)
    if rel in compile_after and rel not in compile_before:
        problems.append(f"{rel}: no longer compiles: {compile_after[rel]}")
    return {"path": rel, "lines_removed": removed, "lines_added": added,
            "fixes": sorted({entry["code"] for entry in fixed if entry["path"] == rel}),
            "compiled_before": rel not in compile_before, "problems": problems}


def fixes_by_rule(before: NanlintRun, first: NanlintRun) -> Dict[str, Dict[str, int]]:
    """{code: {applicability: fixes applied}}. `--show-fixes` names no applicability:
    it comes from the finding before fixing at the same place (or, for a fix made in a
    later round, from a finding before with the same fix message)."""
    at_place = {(f["filename"], f["location"]["row"], f["location"]["column"], f["code"]): f["fix"]["applicability"]
                for f in before.findings if f["fix"]}
    by_message = {(f["code"], f["fix"]["message"]): f["fix"]["applicability"] for f in before.findings if f["fix"]}
    counts = Counter()
    for entry in first.fixed:
        kind = at_place.get((entry["path"], entry["row"], entry["column"], entry["code"]))
        counts[entry["code"], kind or by_message.get((entry["code"], entry["message"]), "unknown")] += 1
    by_rule: Dict[str, Dict[str, int]] = defaultdict(dict)
    for (code, kind), count in sorted(counts.items()):
        by_rule[code][kind] = count
    return dict(by_rule)


def fix_corpus(name: str, python: str, crlf_bom: bool, results_dir: Path, keep: bool) -> dict:
    source = CORPUS_ROOT / CORPORA[name]
    label = name + ("-crlf-bom" if crlf_bom else "")
    print(f"== {label}: {source}", flush=True)
    started = time.perf_counter()
    failures = Failures()
    workdir = Path(tempfile.mkdtemp(prefix=f"nanlint-fix-{label}-"))
    original_dir, fixed_dir = workdir / "original", workdir / "fixed"
    try:
        # 1. Two copies: one keeps the original bytes (and is compiled), one is fixed.
        shutil.copytree(source, original_dir)
        if crlf_bom:
            for path in original_dir.rglob("*.py"):
                path.write_bytes(to_crlf_with_bom(path.read_bytes()))
        shutil.copytree(original_dir, fixed_dir)
        originals = snapshot(original_dir)
        about, revision = probe(python, ABOUT_PROBE, fixed_dir), git_revision()
        # Every original, so that the files this Python cannot compile anyway are known.
        python_files = sorted(rel for rel in originals if rel.endswith(".py"))
        compile_before = probe(python, COMPILE_PROBE, original_dir, json.dumps(python_files))

        # 2. The findings before, then every fix.
        print(f"  check ({about['files']} files) ...", flush=True)
        before = run_nanlint(python, fixed_dir, fix=False)
        print(f"  check --fix --unsafe-fixes (the check took {before.seconds:.0f} s) ...", flush=True)
        first = run_nanlint(python, fixed_dir, fix=True)
        after_first = snapshot(fixed_dir)
        message_failures(before, compile_before, failures, "check")
        message_failures(first, compile_before, failures, "fix")

        # 3. Every changed file, against its original.
        changed = sorted(rel for rel in after_first if originals.get(rel) != after_first[rel])
        if set(after_first) != set(originals):
            failures.add(f"files appeared {sorted(set(after_first) - set(originals))}, "
                         f"disappeared {sorted(set(originals) - set(after_first))}")
        fixed_files = {entry["path"] for entry in first.fixed}
        if fixed_files != set(changed):
            failures.add(f"files changed but no fix reported: {sorted(set(changed) - fixed_files)}; "
                         f"fixes reported but file unchanged: {sorted(fixed_files - set(changed))}")
        compile_after = probe(python, COMPILE_PROBE, fixed_dir, json.dumps([rel for rel in changed if rel in originals]))
        allowed = fixable_rows(before.findings)
        reports = [
            changed_file_report(rel, originals.get(rel, b""), after_first[rel], allowed.get(rel, set()),
                                compile_before, compile_after, first.fixed)
            for rel in changed
        ]
        for report in reports:
            for problem in report["problems"]:
                failures.add(problem)
        diffs = [unified_diff(rel, originals.get(rel, b""), after_first[rel]) for rel in changed]

        # 4. Idempotent: a second run changes nothing, fixes nothing, finds the same.
        print(f"  second check --fix --unsafe-fixes (the first took {first.seconds:.0f} s) ...", flush=True)
        second = run_nanlint(python, fixed_dir, fix=True)
        after_second = snapshot(fixed_dir)
        message_failures(second, compile_before, failures, "second fix")
        changed_again = sorted(set(after_second) ^ set(after_first)) + sorted(
            rel for rel in after_second if rel in after_first and after_first[rel] != after_second[rel])
        if changed_again:
            failures.add(f"not idempotent: the second fix run changed {changed_again}")
        if second.fixed:
            failures.add(f"not idempotent: the second fix run reported {len(second.fixed)} fixes: {second.fixed[:5]}")
        if findings_key(second.findings) != findings_key(first.findings):
            failures.add("the second fix run reports other remaining findings than the first")
        if probe(python, ABOUT_PROBE, fixed_dir)["source_sha1"] != about["source_sha1"]:
            failures.add(f"nanlint's source ({about['package']}) changed during the run: the runs are not of one nanlint")

        # 5. The figures.
        offered = Counter((f["code"], f["fix"]["applicability"] if f["fix"] else "no fix") for f in before.findings)
        summary = {
            "corpus": label,
            "folder": os.path.relpath(source, BENCH.parent),
            "crlf_bom": crlf_bom,
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": f"{python} ({about['python']})",
            "nanlint": f"{about['nanlint']} at {revision}, source sha1 {about['source_sha1']}, from {about['package']}",
            "commands": [" ".join(before.command[2:]), " ".join(first.command[2:])],
            "files_in_corpus": len(python_files),
            "files_checked": about["files"],
            "findings_before": len(before.findings),
            "findings_before_by_rule_and_fix": {f"{code} {kind}": n for (code, kind), n in sorted(offered.items())},
            "fixes_applied": len(first.fixed),
            "fixes_applied_by_rule": fixes_by_rule(before, first),
            "findings_remaining": len(first.findings),
            "findings_remaining_by_rule": dict(sorted(Counter(f["code"] for f in first.findings).items())),
            # Gone in a round where an overlapping fix was applied instead (an eps put inside
            # the root by one rule's fix answers another rule's finding on the same root).
            "findings_gone_without_their_own_fix": len(before.findings) - len(first.fixed) - len(first.findings),
            # With --unsafe-fixes, a finding that still offers a fix had it refused
            # (its result would not parse) or crowded out by an overlapping one.
            "remaining_with_a_fix_not_applied": [
                f"{f['filename']}:{f['location']['row']}:{f['location']['column']}: {f['code']} {f['fix']['message']}"
                for f in first.findings if f["fix"]
            ],
            "files_changed": len(changed),
            "lines_removed": sum(report["lines_removed"] for report in reports),
            "lines_added": sum(report["lines_added"] for report in reports),
            "not_compilable_before": compile_before,
            "nanlint_messages": [f"{m['level']}: {m['path']}: {m['reason']}" for m in first.messages],
            "exit_codes": {"check": before.returncode, "fix": first.returncode, "second_fix": second.returncode},
            "second_run": {"fixes_reported": len(second.fixed), "files_changed": len(changed_again)},
            "seconds": {"check": round(before.seconds, 1), "fix": round(first.seconds, 1),
                        "second_fix": round(second.seconds, 1), "total": round(time.perf_counter() - started, 1)},
            "failures": list(failures),
            "passed": not failures,
            "changed": reports,
        }
        results_dir.mkdir(parents=True, exist_ok=True)
        (results_dir / f"fix-{label}.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (results_dir / f"fix-{label}.diff").write_text("".join(diffs), encoding="utf-8")
        return summary
    finally:
        if keep:
            print(f"  kept the copies in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def print_table(summaries: List[dict]) -> None:
    def fixes_text(summary: dict) -> str:
        parts = [f"{code} {kind} {n}" for code, kinds in summary["fixes_applied_by_rule"].items() for kind, n in kinds.items()]
        return ", ".join(parts) or "none"

    rows = [("corpus", "files", "findings", "fixes applied", "remaining", "files changed", "failures", "seconds")]
    for s in summaries:
        rows.append((s["corpus"], f"{s['files_checked']:,}", str(s["findings_before"]),
                     f"{s['fixes_applied']} ({fixes_text(s)})", str(s["findings_remaining"]),
                     str(s["files_changed"]), str(len(s["failures"])), f"{s['seconds']['total']:.0f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))
    for s in summaries:
        if s["not_compilable_before"]:
            print(f"\n{s['corpus']}: did not compile before fixing (not counted): {', '.join(s['not_compilable_before'])}")
        for line in s["remaining_with_a_fix_not_applied"]:
            print(f"{s['corpus']}: fix not applied: {line}")
        for failure in s["failures"]:
            print(f"{s['corpus']}: FAIL {failure}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--corpus", choices=[*CORPORA, "both"], default="both")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs nanlint [default: this one]")
    parser.add_argument("--crlf-bom", action="store_true", help="give every file CRLF endings and a UTF-8 BOM first")
    parser.add_argument("--results-dir", type=Path, default=BENCH / "results")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies and print where")
    args = parser.parse_args(argv)

    # Absolute, since nanlint runs with the copy as its working folder.
    python = os.path.abspath(args.python) if os.sep in args.python else shutil.which(args.python) or args.python
    if subprocess.run([python, "-c", "import nanlint"], capture_output=True).returncode != 0:
        print(f"fix_corpus: {python} cannot import nanlint (pip install -e . in that environment)", file=sys.stderr)
        return 2
    names = list(CORPORA) if args.corpus == "both" else [args.corpus]
    missing = [CORPORA[name] for name in names if not (CORPUS_ROOT / CORPORA[name]).is_dir()]
    if missing:
        print(f"fix_corpus: no {', '.join(missing)} in {CORPUS_ROOT}; unpack it with `python bench/run.py --corpus both --tools none` first",
              file=sys.stderr)
        return 2
    summaries = [fix_corpus(name, python, args.crlf_bom, args.results_dir, args.keep) for name in names]
    print_table(summaries)
    print(f"\nresults: {', '.join(str(args.results_dir / ('fix-' + s['corpus'] + ext)) for s in summaries for ext in ('.json', '.diff'))}")
    return 0 if all(s["passed"] for s in summaries) else 1


if __name__ == "__main__":
    sys.exit(main())
