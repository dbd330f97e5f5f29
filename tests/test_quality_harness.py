"""The matching logic of bench/quality.py: what counts as found, as silent, as reviewed.

The corpora stay out of the suite; these tests build their own findings and labels."""
from __future__ import annotations

import csv
import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_quality", ROOT / "bench" / "quality.py")
quality = importlib.util.module_from_spec(_spec)
sys.modules["bench_quality"] = quality  # dataclasses look their module up there
_spec.loader.exec_module(quality)


def finding(code, line, end_line=None, path="a.py"):
    return quality.Finding(code=code, path=path, line=line, column=5, end_line=end_line or line, message="m")


def case(category="SQRT0", line=4, fixed_span=None):
    return quality.Case("D999", category, "o/r", "0" * 40, "a.py", line, "1" * 40 if fixed_span else "",
                        fixed_span, "code-read", "shape")


SOURCE = textwrap.dedent("""\
    import torch
    def loss(a, b):
        d = torch.sum(
            (a - b) ** 2
        ).sqrt()
        e = d + 1
        for x in range(
            3):
            e = e + x
        return e
    """)


def test_statement_span_is_the_whole_multiline_statement():
    assert quality.statement_span(SOURCE, 4) == (3, 5)


def test_statement_span_of_a_compound_statement_is_its_header():
    assert quality.statement_span(SOURCE, 8) == (7, 8)
    assert quality.statement_span(SOURCE, 9) == (9, 9)


def test_statement_span_without_an_ast_is_the_line():
    assert quality.statement_span("print 'python 2'\n", 1) == (1, 1)


def test_finding_inside_the_statement_is_found():
    result = quality.judge_case(case(), [finding("NAN001", 3, 5)], None, SOURCE)
    assert result.found and result.by == ["NAN001@3"]


def test_finding_on_another_statement_is_not_found():
    result = quality.judge_case(case(), [finding("NAN001", 6)], None, SOURCE)
    assert not result.found


def test_finding_of_another_rule_is_not_found():
    result = quality.judge_case(case(), [finding("NAN004", 4)], None, SOURCE)
    assert not result.found


def test_beyond_the_five_any_rule_counts():
    # DIV0 has NAN008 and NAN009 now, but NAN004 finding a `math.acos` counts for ACOS as well.
    assert quality.BEYOND_RULES["DIV0"] == ("NAN008", "NAN009")
    for code in ("NAN008", "NAN009", "NAN004"):
        assert quality.judge_case(case(category="DIV0"), [finding(code, 4)], None, SOURCE).found, code


def test_silence_on_the_fixed_version_counts_only_inside_the_span():
    c = case(fixed_span=(2, 10))
    noisy = quality.judge_case(c, [], [finding("NAN001", 4)], SOURCE)
    assert noisy.silent_on_fixed is False and noisy.fixed_findings == ["NAN001@4"]
    silent = quality.judge_case(c, [], [finding("NAN001", 12), finding("NAN005", 4)], SOURCE)
    assert silent.silent_on_fixed is True and silent.other_in_fixed == ["NAN005@4"]
    assert quality.judge_case(case(), [], None, SOURCE).silent_on_fixed is None


def reviewed(line, code="NAN001", line_hash="h1", column=5, path="pkg/m.py", fix_hash="f1"):
    return quality.Reviewed("pkg", "1.0", path, line, column, code, line_hash, fix_hash)


def label(line, verdict="TP", code="NAN001", line_hash="h1", column=5, fix="none", version="1.0", fix_hash="f1"):
    return quality.Label("pkg", version, "pkg/m.py", line, column, code, line_hash, fix_hash=fix_hash,
                         verdict=verdict, fix=fix, reason="why")


def test_label_follows_its_line_after_unrelated_code_shifts_it():
    matched = quality.match_labels([reviewed(57)], [label(50, version="0.9")])
    assert matched[0].line == 50


def test_label_needs_the_same_line_text_rule_and_file():
    findings = [reviewed(50, line_hash="other"), reviewed(50, code="NAN002"), reviewed(50, path="pkg/n.py")]
    assert quality.match_labels(findings, [label(50)]) == {}


def test_each_label_goes_to_the_nearest_finding_once():
    findings = [reviewed(10), reviewed(40)]
    matched = quality.match_labels(findings, [label(38, verdict="FP")])
    assert list(matched) == [1]
    two = quality.match_labels(findings, [label(38, verdict="FP"), label(12, verdict="TP")])
    assert two[0].verdict == "TP" and two[1].verdict == "FP"


def test_same_line_findings_are_told_apart_by_column():
    findings = [reviewed(10, column=5), reviewed(10, column=30)]
    matched = quality.match_labels(findings, [label(10, verdict="FP", column=30)])
    assert list(matched) == [1]


def test_an_unreviewed_finding_is_never_counted_true():
    findings = [reviewed(10), reviewed(20, line_hash="h2"), reviewed(30, line_hash="h3")]
    summary = quality.summarize_precision(findings, [label(10, verdict="FP", fix="wrong")])
    row = summary["rules"]["NAN001"]
    assert (row["findings"], row["reviewed"], row["unreviewed"]) == (3, 1, 2)
    assert (row["TP"], row["FP"], row["precision"]) == (0, 1, 0.0)
    assert row["fix_correctness"] == 0.0


def test_precision_counts_tp_over_tp_and_fp_only():
    findings = [reviewed(10), reviewed(20, line_hash="h2"), reviewed(30, line_hash="h3")]
    labels = [label(10, verdict="TP", fix="correct"), label(20, line_hash="h2", verdict="DEBATABLE"),
              label(30, line_hash="h3", verdict="FP")]
    row = quality.summarize_precision(findings, labels)["rules"]["NAN001"]
    assert row["precision"] == 0.5 and row["DEBATABLE"] == 1 and row["fix_correctness"] == 1.0


def test_a_fix_verdict_counts_only_for_the_fix_that_was_judged():
    findings = [reviewed(10), reviewed(20, line_hash="h2", fix_hash="changed"), reviewed(30, line_hash="h3", fix_hash="")]
    labels = [label(10, fix="correct"), label(20, line_hash="h2", fix="wrong"), label(30, line_hash="h3", fix="wrong")]
    row = quality.summarize_precision(findings, labels)["rules"]["NAN001"]
    assert (row["fix_correct"], row["fix_wrong"], row["fix_unjudged"]) == (1, 0, 1)
    assert row["TP"] == 3  # the finding's own verdict still counts


def test_fix_hash_is_empty_for_no_fix_and_follows_what_the_fix_writes():
    fix = {"applicability": "safe", "message": "m", "edits": [{"content": "x"}]}
    assert quality.fix_hash(None) == ""
    assert quality.fix_hash(fix) == quality.fix_hash(dict(fix))
    assert quality.fix_hash(fix) != quality.fix_hash(dict(fix, edits=[{"content": "y"}]))


def test_a_label_matching_no_finding_is_stale():
    summary = quality.summarize_precision([reviewed(10)], [label(10), label(99, line_hash="gone")])
    assert summary["stale_labels"] == 1


def write_sheet(path, rows):
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, quality.LABEL_FIELDS)
        writer.writeheader()
        writer.writerows(rows)


ROW = {"package": "pkg", "version": "1.0", "path": "pkg/m.py", "line": 3, "column": 5, "code": "NAN001",
       "line_hash": "h1", "fix_hash": "f1", "verdict": "FP", "fix": "wrong", "reason": "numpy, no autograd"}


def test_merge_moves_a_filled_sheet_into_the_labels(tmp_path, monkeypatch):
    monkeypatch.setattr(quality, "LABELS", tmp_path / "labels.csv")
    sheet = tmp_path / "NAN001-seed1.csv"
    write_sheet(sheet, [ROW])
    assert quality.merge([sheet]) == 0
    [merged] = quality.read_labels(tmp_path / "labels.csv")
    assert (merged.verdict, merged.fix, merged.reason) == ("FP", "wrong", "numpy, no autograd")
    assert not sheet.exists()


def test_merge_refuses_a_sheet_with_blank_verdicts(tmp_path, monkeypatch):
    monkeypatch.setattr(quality, "LABELS", tmp_path / "labels.csv")
    sheet = tmp_path / "NAN001-seed1.csv"
    write_sheet(sheet, [ROW, dict(ROW, line=9, verdict="")])
    assert quality.merge([sheet]) == 1
    assert sheet.exists() and not (tmp_path / "labels.csv").exists()


def test_a_bad_verdict_in_labels_is_an_error(tmp_path):
    path = tmp_path / "labels.csv"
    write_sheet(path, [dict(ROW, verdict="maybe")])
    with pytest.raises(SystemExit, match="verdict must be one of"):
        quality.read_labels(path)


def test_spread_sample_takes_packages_in_turn():
    items = [(quality.Reviewed(p, "1", "m.py", i, 1, "NAN001", str(i), ""), None) for p in "ab" for i in range(10)]
    picked = quality.spread_sample(items, 4, seed=3)
    assert sorted(r.package for r, _ in picked) == ["a", "a", "b", "b"]
    assert quality.spread_sample(items, 4, seed=3) == picked


# --- the held-out set ------------------------------------------------------------------


def test_the_held_out_set_shares_no_package_with_the_tuned_one():
    assert not quality.SETS["holdout"].names & quality.SETS["precision"].names
    assert quality.SETS[quality.DEFAULT_SET].packages == tuple(quality.PACKAGES)
    assert quality.SETS["holdout"].root != quality.SETS["precision"].root


def test_no_two_sets_share_a_package_or_a_folder():
    names = list(quality.SETS)
    assert set(quality.HELD_OUT_SETS) == set(names) - {quality.DEFAULT_SET}
    assert quality.SETS["fresh"].packages == tuple(quality.FRESH) and 8 <= len(quality.FRESH) <= 12
    assert quality.SETS["fresh2"].packages == tuple(quality.FRESH2) and 15 <= len(quality.FRESH2) <= 25
    # Each research set: its pins, drawn from git mirrors into a folder of its own name.
    sizes = {"research2": 25, "research3": 25, "research4": 20, "research5": 25, "research6": 25,
             "research7": 25, "research8": 25, "research9": 25, "research10": 25, "research11": 25,
             "research12": 25}
    for name, least in sizes.items():
        pinned = getattr(quality, name.upper())
        assert quality.SETS[name].packages == tuple(pinned) and least <= len(pinned) <= 30, name
        assert quality.SETS[name].from_git and quality.SETS[name].root.name == name, name
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not quality.SETS[a].names & quality.SETS[b].names, (a, b)
            assert quality.SETS[a].root != quality.SETS[b].root


@pytest.mark.parametrize("pinned", quality.HOLDOUT + quality.FRESH + quality.FRESH2, ids=lambda p: p[0])
def test_every_held_out_pin_is_well_formed(pinned):
    name, version, filename, sha256 = pinned
    assert len(sha256) == 64 and int(sha256, 16) >= 0
    assert filename.endswith((".tar.gz", ".zip", ".whl"))
    # the file is the one of that name and version (file names spell - as _)
    assert filename.lower().startswith((f"{name}-{version}-", f"{name}-{version}.",
                                        f"{name.replace('-', '_')}-{version}-", f"{name.replace('-', '_')}-{version}."))
    # package_of must give the name and version back from the folder the corpus writes
    assert quality.package_of(f"{name}-{version}/x/y.py") == (name, version, "x/y.py")


@pytest.mark.parametrize("pinned", quality.RESEARCH + quality.RESEARCH2 + quality.RESEARCH3 + quality.RESEARCH4
                         + quality.RESEARCH5 + quality.RESEARCH6 + quality.RESEARCH7 + quality.RESEARCH8
                         + quality.RESEARCH9 + quality.RESEARCH10 + quality.RESEARCH11
                         + quality.RESEARCH12,
                         ids=lambda p: p[0])
def test_every_research_pin_is_well_formed(pinned):
    name, commit, repo = pinned
    assert len(commit) == 40 and int(commit, 16) >= 0
    assert name == repo.replace("/", "__")
    # labels key on (name, short sha): package_of splits the folder on its last '-'
    assert quality.package_of(f"{name}-{commit[:10]}/x/y.py") == (name, commit[:10], "x/y.py")


def test_the_research_set_holds_no_repository_of_the_real_bugs():
    if not quality.DEFAULT_CASES.exists():
        pytest.skip("no cases.csv here")
    bug_repos = {case.repo.lower() for case in quality.read_cases(quality.DEFAULT_CASES)}
    assert not bug_repos & {repo.lower() for _, _, repo in quality.RESEARCH}


def test_the_second_research_set_is_untouched_by_the_first_and_by_every_bug_set():
    """research2 must measure code nobody tuned on: no repository of RESEARCH, of the
    development bugs nor of either held-out bug file (those were all read row by row)."""
    research2 = {repo.lower() for _, _, repo in quality.RESEARCH2}
    assert len(research2) == len(quality.RESEARCH2)
    assert not research2 & {repo.lower() for _, _, repo in quality.RESEARCH}
    for cases in (quality.DEFAULT_CASES, quality.HELDOUT_CASES, quality.HELDOUT2_CASES, quality.HELDOUT3_CASES):
        if cases.exists():
            assert not research2 & {case.repo.lower() for case in quality.read_cases(cases)}, cases


def test_the_third_research_set_is_untouched_by_the_others_and_by_every_bug_set():
    """research3 was drawn after research2 had been reviewed: no repository of RESEARCH,
    RESEARCH2, of the development bugs nor of either held-out bug file."""
    research3 = {repo.lower() for _, _, repo in quality.RESEARCH3}
    assert len(research3) == len(quality.RESEARCH3)
    assert not research3 & {repo.lower() for _, _, repo in quality.RESEARCH}
    assert not research3 & {repo.lower() for _, _, repo in quality.RESEARCH2}
    for cases in (quality.DEFAULT_CASES, quality.HELDOUT_CASES, quality.HELDOUT2_CASES, quality.HELDOUT3_CASES):
        if cases.exists():
            assert not research3 & {case.repo.lower() for case in quality.read_cases(cases)}, cases


def test_the_fourth_research_set_is_untouched_by_the_others_and_by_every_bug_set():
    """research4 was drawn after research3 had been reviewed: no repository of RESEARCH,
    RESEARCH2, RESEARCH3, of the development bugs nor of either held-out bug file."""
    research4 = {repo.lower() for _, _, repo in quality.RESEARCH4}
    assert len(research4) == len(quality.RESEARCH4)
    for earlier in (quality.RESEARCH, quality.RESEARCH2, quality.RESEARCH3):
        assert not research4 & {repo.lower() for _, _, repo in earlier}
    for cases in (quality.DEFAULT_CASES, quality.HELDOUT_CASES, quality.HELDOUT2_CASES, quality.HELDOUT3_CASES):
        if cases.exists():
            assert not research4 & {case.repo.lower() for case in quality.read_cases(cases)}, cases


@pytest.mark.parametrize(
    "name, later_bug_files",
    [("research5", ()), ("research6", ("HELDOUT3_CASES",)), ("research7", ("HELDOUT3_CASES",)),
     ("research8", ("HELDOUT3_CASES", "HELDOUT4_CASES")), ("research9", ("HELDOUT3_CASES", "HELDOUT4_CASES")),
     ("research10", ("HELDOUT3_CASES", "HELDOUT4_CASES")),
     ("research11", ("HELDOUT3_CASES", "HELDOUT4_CASES", "HELDOUT5_CASES")),
     ("research12", ("HELDOUT3_CASES", "HELDOUT4_CASES", "HELDOUT5_CASES", "HELDOUT6_CASES"))],
)
def test_each_later_research_set_is_untouched_by_the_earlier_ones_and_by_the_bug_sets(name, later_bug_files):
    """Each research set from the fifth on was drawn after the rules had been changed with
    what the reviews of the sets before it taught: no repository of an earlier set, of the
    development bugs nor of a held-out bug file that existed when it was drawn, and it is
    held out like them."""
    sets = [quality.RESEARCH, quality.RESEARCH2, quality.RESEARCH3, quality.RESEARCH4, quality.RESEARCH5,
            quality.RESEARCH6, quality.RESEARCH7, quality.RESEARCH8, quality.RESEARCH9, quality.RESEARCH10,
            quality.RESEARCH11, quality.RESEARCH12]
    index = int(name.removeprefix("research")) - 1
    drawn = {repo.lower() for _, _, repo in sets[index]}
    assert len(drawn) == len(sets[index])
    for earlier in sets[:index]:
        assert not drawn & {repo.lower() for _, _, repo in earlier}
    bug_files = (quality.DEFAULT_CASES, quality.HELDOUT_CASES, quality.HELDOUT2_CASES,
                 *(getattr(quality, attribute) for attribute in later_bug_files))
    for cases in bug_files:
        if cases.exists():
            assert not drawn & {case.repo.lower() for case in quality.read_cases(cases)}, cases
    assert name in quality.HELD_OUT_SETS


def test_the_research_corpus_is_read_from_git_mirrors(tmp_path, monkeypatch, capsys):
    import json
    import subprocess

    work = tmp_path / "work"
    (work / "pkg").mkdir(parents=True)
    (work / "pkg" / "train.py").write_text("x = 1\ny = 2\n")
    (work / "README.md").write_text("not python\n")
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", "c"], check=True)
    commit = subprocess.run(git[:3] + ["rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    mirrors = tmp_path / "mirrors"
    (mirrors / "o+r").mkdir(parents=True)
    (work / ".git").rename(mirrors / "o+r" / "repo")
    monkeypatch.setattr(quality, "DEFAULT_MIRRORS", mirrors)
    pins = (("o__r", commit, "o/r"), ("o__gone", commit, "o/gone"))
    research = quality.CorpusSet("research", pins, tmp_path / "c", "research corpus", from_git=True)
    assert quality.build_corpus((), research) == 1  # o/gone has no mirror: one line, no traceback
    assert f"o__gone-{commit[:10]}: cannot read o/gone@" in capsys.readouterr().err
    key = f"o__r-{commit[:10]}"
    assert (tmp_path / "c" / key / "pkg" / "train.py").read_text() == "x = 1\ny = 2\n"
    assert not (tmp_path / "c" / key / "README.md").exists()
    manifest = json.loads((tmp_path / "c" / "MANIFEST.json").read_text())
    assert manifest == {key: {"repo": "o/r", "commit": commit, "files": 1, "lines": 2}}
    assert quality.build_git_corpus(("o__r",), research, mirrors) == 0


def held_out_label(package, verdict="FP"):
    return quality.Label(package, "1", "m.py", 1, 1, "NAN001", "h", verdict=verdict, fix="none", reason="r")


def test_labels_are_split_between_the_sets_by_package():
    held, fresh, fresh2 = quality.HOLDOUT[0][0], quality.FRESH[0][0], quality.FRESH2[0][0]
    labels = [held_out_label("timm"), held_out_label(held), held_out_label("a-dropped-package"), held_out_label(fresh),
              held_out_label(fresh2)]
    assert [l.package for l in quality.labels_of(quality.SETS["holdout"], labels)] == [held]
    assert [l.package for l in quality.labels_of(quality.SETS["fresh"], labels)] == [fresh]
    assert [l.package for l in quality.labels_of(quality.SETS["fresh2"], labels)] == [fresh2]
    assert [l.package for l in quality.labels_of(quality.SETS["precision"], labels)] == ["timm", "a-dropped-package"]


def test_held_out_labels_do_not_count_as_stale_on_the_default_set():
    findings = [quality.Reviewed("timm", "1", "m.py", 1, 1, "NAN001", "h")]
    labels = [held_out_label("timm", "TP"), held_out_label(quality.HOLDOUT[0][0])]
    summary = quality.summarize_precision(findings, quality.labels_of(quality.SETS["precision"], labels))
    assert (summary["labels"], summary["stale_labels"]) == (1, 0)


def fake_set(tmp_path, monkeypatch, downloaded=True, name="holdout"):
    root = tmp_path / name
    if downloaded:
        root.mkdir()
        (root / "MANIFEST.json").write_text("{}")
    real = quality.SETS[name]
    monkeypatch.setitem(quality.SETS, name, quality.CorpusSet(name, real.packages, root, real.title))


def test_all_measures_the_held_out_set_only_where_it_is_downloaded(tmp_path, monkeypatch):
    for name in quality.HELD_OUT_SETS:  # whatever this machine has downloaded
        fake_set(tmp_path, monkeypatch, downloaded=False, name=name)
    assert quality.measured_sets("all", "both") == ["precision"]
    fake_set(tmp_path, monkeypatch, downloaded=True)
    assert quality.measured_sets("all", "both") == ["precision", "holdout"]
    fake_set(tmp_path, monkeypatch, downloaded=True, name="fresh")
    assert quality.measured_sets("all", "both") == ["precision", "holdout", "fresh"]
    fake_set(tmp_path, monkeypatch, downloaded=True, name="fresh2")
    assert quality.measured_sets("all", "both") == ["precision", "holdout", "fresh", "fresh2"]
    assert quality.measured_sets("all", "fresh") == ["fresh"]
    assert quality.measured_sets("all", "fresh2") == ["fresh2"]
    assert quality.measured_sets("all", "precision") == ["precision"]
    assert quality.measured_sets("all", "holdout") == ["holdout"]
    assert quality.measured_sets("precision", "holdout") == ["holdout"]
    assert quality.measured_sets("precision", "precision") == ["precision"]
    assert quality.measured_sets("recall", "precision") == []


def test_only_a_run_with_the_default_set_is_saved_as_all():
    # the history table reads every *-all.json for its recall and default precision
    assert quality.result_kind("all", ["precision", "holdout"]) == "all"
    assert quality.result_kind("all", ["holdout"]) == "holdout-all"
    assert quality.result_kind("precision", ["holdout"]) == "holdout-precision"
    assert quality.result_kind("all", ["fresh"]) == "fresh-all"
    assert quality.result_kind("all", ["precision", "holdout", "fresh"]) == "all"
    assert quality.result_kind("precision", ["precision"]) == "precision"
    assert quality.result_kind("recall", []) == "recall"


def test_held_out_sheets_never_take_the_default_sets_names():
    assert quality.sheet_path("NAN001", 3).name == "NAN001-seed3.md"
    assert quality.sheet_path("NAN001", 3, quality.SETS["precision"]).name == "NAN001-seed3.md"
    assert quality.sheet_path("NAN001", 3, quality.SETS["holdout"]).name == "holdout-NAN001-seed3.md"
    assert quality.sheet_path("NAN001", 3, quality.SETS["fresh"]).name == "fresh-NAN001-seed3.md"
    assert quality.sheet_path("NAN001", 3, quality.SETS["fresh2"]).name == "fresh2-NAN001-seed3.md"


def test_every_command_takes_the_set_and_defaults_to_the_tuned_one(monkeypatch):
    seen = {}

    def corpus(only, corpus_set):
        seen.setdefault("corpus", []).append((list(only), corpus_set.name))
        return 0

    monkeypatch.setattr(quality, "build_corpus", corpus)
    assert quality.main(["corpus", "--set", "holdout", "--only", "d2l"]) == 0
    assert quality.main(["corpus"]) == 0
    assert seen["corpus"] == [(["d2l"], "holdout"), ([], "precision")]

    def findings(python, corpus_set=None):
        seen.setdefault("findings", []).append((corpus_set or quality.SETS[quality.DEFAULT_SET]).name)
        return []

    monkeypatch.setattr(quality, "precision_findings", findings)
    monkeypatch.setattr(quality, "read_labels", lambda *a, **k: [])
    quality.main(["findings", "--rule", "NAN001", "--set", "holdout"])
    quality.main(["findings", "--rule", "NAN001"])
    quality.main(["findings", "--rule", "NAN001", "--set", "fresh"])
    assert seen["findings"] == ["holdout", "precision", "fresh"]


@pytest.mark.parametrize("name", quality.HELD_OUT_SETS)
def test_all_refuses_to_write_a_quality_md_of_the_held_out_set_alone(tmp_path, name):
    with pytest.raises(SystemExit) as raised:
        quality.main(["all", "--set", name, "--markdown", str(tmp_path / "Q.md")])
    assert raised.value.code == 2 and not (tmp_path / "Q.md").exists()


def test_holdout_table_counts_per_rule_and_in_all():
    findings = [quality.Reviewed("d2l", "1", "m.py", i, 1, code, f"h{i}", "f")
                for i, code in enumerate(["NAN001", "NAN001", "NAN003", "NAN007"])]
    labels = [quality.Label("d2l", "1", "m.py", 0, 1, "NAN001", "h0", "f", "TP", "correct", "r"),
              quality.Label("d2l", "1", "m.py", 1, 1, "NAN001", "h1", "f", "FP", "wrong", "r")]
    rows = quality.holdout_table(quality.summarize_precision(findings, labels))
    assert rows[0] == ["NAN001", "2", "2", "1/1/0", "1/2 (50%)", "1/2 (50%)"]
    assert rows[2][:3] == ["NAN003", "1", "0"]
    assert rows[5][:5] == ["**all five**", "3", "2", "1/1/0", "1/2 (50%)"]
    # The rules beyond the five, then every rule.
    # The rules beyond the five one by one, every rule, and every rule on by default.
    assert [row[0] for row in rows[6:]] == ["NAN008", "NAN009", "NAN006", "NAN007", "**every rule**",
                                            "**default rules**"]
    assert rows[9][:3] == ["NAN007", "1", "0"]
    assert rows[-2][:5] == ["**every rule**", "4", "2", "1/1/0", "1/2 (50%)"]
    assert rows[-1][:5] == ["**default rules**", "4", "2", "1/1/0", "1/2 (50%)"]
    assert len(rows[0]) == len(quality.HOLDOUT_HEADER)


def test_the_held_out_section_says_when_it_was_not_measured():
    text = "\n".join(quality.render_holdout_markdown({"holdout": None}))
    assert "## Held-out corpus" in text and "corpus --set holdout" in text
    summary = quality.summarize_precision([], [])
    text = "\n".join(quality.render_holdout_markdown({"holdout": summary}))
    assert "| **all five** | 0 | 0 | 0/0/0 |" in text


def test_the_fresh_set_gets_its_own_section_and_printed_table(tmp_path, monkeypatch, capsys):
    text = "\n".join(quality.render_holdout_markdown({"fresh": None}, "fresh"))
    assert "## Fresh held-out corpus" in text and "corpus --set fresh" in text
    summary = quality.summarize_precision([], [])
    text = "\n".join(quality.render_holdout_markdown({"fresh": summary}, "fresh"))
    assert f"Precision on {len(quality.FRESH)} pinned packages" in text and "`FRESH`" in text
    assert "| **every rule** | 0 | 0 | 0/0/0 |" in text
    text = "\n".join(quality.render_holdout_markdown({"fresh2": summary}, "fresh2"))
    assert "## Second fresh held-out corpus" in text and "`FRESH2`" in text
    assert f"Precision on {len(quality.FRESH2)} pinned packages" in text
    # `all` prints a table per held-out set it measured, after the default one
    fake_set(tmp_path, monkeypatch, downloaded=True, name="fresh")
    monkeypatch.setattr(quality, "meta", lambda: {"date": "2000-01-01 00:00"})
    monkeypatch.setattr(quality, "save", lambda result, kind: quality.REPO / f"{kind}.json")
    monkeypatch.setattr(quality, "precision_findings", lambda python, corpus_set=None: [])
    monkeypatch.setattr(quality, "read_labels", lambda *a, **k: [])
    assert quality.main(["all", "--set", "fresh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fresh held-out corpus\n") and "**" not in out and "every rule" in out


def sdist(files):
    import io
    import tarfile

    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as tar:
        for name, text in files.items():
            blob = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return data.getvalue()


def test_corpus_unpacks_a_set_into_its_own_folder_and_checks_the_pin(tmp_path, monkeypatch):
    import hashlib
    import io
    import json

    archive = sdist({"pkg-1.0/pkg/m.py": "x = 1\n", "pkg-1.0/README": "no"})
    digest = hashlib.sha256(archive).hexdigest()
    monkeypatch.setattr(quality, "_index_files", lambda name: {"pkg-1.0.tar.gz": {"url": "u", "hashes": {}}})
    monkeypatch.setattr(quality.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(archive))
    good = quality.CorpusSet("holdout", (("pkg", "1.0", "pkg-1.0.tar.gz", digest),), tmp_path / "h", "held-out")
    assert quality.build_corpus((), good) == 0
    assert (tmp_path / "h" / "pkg-1.0" / "pkg" / "m.py").read_text() == "x = 1\n"
    assert json.loads((tmp_path / "h" / "MANIFEST.json").read_text())["pkg-1.0"]["files"] == 1
    assert "[tool.nanlint]" in (tmp_path / "h" / "pyproject.toml").read_text()
    bad = quality.CorpusSet("holdout", (("pkg", "1.0", "pkg-1.0.tar.gz", "0" * 64),), tmp_path / "b", "held-out")
    assert quality.build_corpus((), bad) == 1 and not (tmp_path / "b" / "pkg-1.0").exists()
    assert quality.build_corpus(("not-in-the-set",), good) == 1


def test_the_table_gives_the_rules_beyond_the_five_their_precision_and_every_rule_a_total():
    cats = {"SQRT0": {"cases": 2, "found": 1, "fixed": 1, "silent": 1},
            "ACOS": {"cases": 3, "found": 2, "fixed": 2, "silent": 1}}
    findings = [quality.Reviewed("p", "1", "m.py", i, 1, code, f"h{i}", "f")
                for i, code in enumerate(["NAN001", "NAN007", "NAN007"])]
    labels = [quality.Label("p", "1", "m.py", 1, 1, "NAN007", "h1", "f", "TP", "correct", "r")]
    rows = quality.table({"categories": cats}, quality.summarize_precision(findings, labels))
    acos = next(row for row in rows if row[1] == "ACOS")
    assert acos[0] == "NAN007 (recall: any rule)" and acos[2:8] == ["2/3 (67%)", "1/2 (50%)", "2", "1", "1/0/0", "1/1 (100%)"]
    assert rows[-2][:5] == ["**every rule**", "", "3/5 (60%)", "2/3 (67%)", "3"]
    assert rows[-1][:5] == ["**default rules**", "", "", "", "3"]


def test_the_default_rules_leave_out_the_opt_in_ones():
    findings = [quality.Reviewed("p", "1", "m.py", i, 1, code, f"h{i}", "f")
                for i, code in enumerate(["NAN008", "NAN009", "NAN009"])]
    labels = [quality.Label("p", "1", "m.py", i, 1, code, f"h{i}", "f", verdict, "correct", "r")
              for i, (code, verdict) in enumerate([("NAN008", "TP"), ("NAN009", "FP"), ("NAN009", "FP")])]
    rows = quality.holdout_table(quality.summarize_precision(findings, labels))
    assert rows[-2][:5] == ["**every rule**", "3", "3", "1/2/0", "1/3 (33%)"]
    assert rows[-1][:5] == ["**default rules**", "1", "1", "1/0/0", "1/1 (100%)"]


def test_the_opt_in_rules_are_the_ones_off_by_default():
    from nanlint.linting.suppression import UNUSED_NOQA
    from nanlint.rule import all_rules

    # NAN100 judges suppression comments, and is not run on the corpora.
    off = {rule.code for rule in all_rules() if not rule.default_enabled}
    assert set(quality.OPT_IN_RULES) == off - {UNUSED_NOQA}


# ---------------------------------------------------------------------------------------
# The held-out real bugs
# ---------------------------------------------------------------------------------------


def read_rows(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("cases, prefix", [(quality.HELDOUT_CASES, "H"), (quality.HELDOUT2_CASES, "K"),
                                           (quality.HELDOUT3_CASES, "M"), (quality.HELDOUT4_CASES, "P")])
def test_the_held_out_bugs_are_well_formed_and_independent_of_the_development_set(cases, prefix):
    rows = read_rows(cases)
    assert len(rows) >= 30
    assert [r["id"] for r in rows] == [f"{prefix}{i:03d}" for i in range(1, len(rows) + 1)]
    categories = set(quality.CATEGORY_RULES) | set(quality.BEYOND_RULES)
    hexes = lambda s: len(s) == 40 and all(ch in "0123456789abcdef" for ch in s)
    for r in rows:
        assert r["category"] in categories and hexes(r["commit"]) and int(r["line"]) > 0, r["id"]
        assert r["source"] and r["shape"] and "/" in r["repo"], r["id"]
        assert bool(r["fixed_commit"]) == bool(r["fixed_span"]), r["id"]
        if r["fixed_commit"]:
            start, end = map(int, r["fixed_span"].split("-"))
            assert hexes(r["fixed_commit"]) and 0 < start <= end, r["id"]
    assert sum(r["source"] == "code-read" for r in rows) * 3 <= len(rows)
    assert {c.id for c in quality.read_cases(cases)} == {r["id"] for r in rows}
    if quality.DEFAULT_CASES.exists():  # the development set lives outside the repository
        tuned = {r["repo"] for r in read_rows(quality.DEFAULT_CASES)}
        assert not tuned & {r["repo"] for r in rows}


def test_the_second_held_out_bugs_share_no_repository_or_package_with_anything_seen_before():
    repos = {r["repo"] for r in read_rows(quality.HELDOUT2_CASES)}
    assert not repos & {r["repo"] for r in read_rows(quality.HELDOUT_CASES)}
    pinned = {name.lower() for corpus in (quality.PACKAGES, quality.HOLDOUT, quality.FRESH, quality.FRESH2)
              for name, *_ in corpus}
    assert not {repo.split("/")[1].lower() for repo in repos} & pinned
    # Each untouched until its misses were studied, when a later set replaced it.
    assert not any(quality.BUG_SETS[name].untouched for name in ("heldbugs", "heldbugs2", "heldbugs3"))
    assert [name for name, bug_set in quality.BUG_SETS.items() if bug_set.untouched] == [
        "heldbugs4", "heldbugs5", "heldbugs6"]


def assert_independent(cases, earlier_files, research_sets):
    """No repository of `cases` is in an earlier bug file or a research corpus, and none is
    a package of the pinned corpora."""
    repos = {r["repo"].lower() for r in read_rows(cases)}
    for earlier in earlier_files:
        if earlier.exists():
            assert not repos & {r["repo"].lower() for r in read_rows(earlier)}, earlier
    pinned = {name.lower() for corpus in (quality.PACKAGES, quality.HOLDOUT, quality.FRESH, quality.FRESH2)
              for name, *_ in corpus}
    assert not {repo.split("/")[1] for repo in repos} & pinned
    assert not repos & {repo.lower() for corpus in research_sets for *_, repo in corpus}


def test_the_third_held_out_bugs_share_no_repository_or_package_with_anything_seen_before():
    """heldout-bugs-3.csv was mined after the second untouched set: no repository of any
    earlier bug file, of the research corpora, nor a package of the pinned corpora."""
    assert_independent(
        quality.HELDOUT3_CASES, (quality.HELDOUT_CASES, quality.HELDOUT2_CASES, quality.DEFAULT_CASES),
        (quality.RESEARCH, quality.RESEARCH2, quality.RESEARCH3, quality.RESEARCH4),
    )
    assert "heldbugs3" in quality.HELD_OUT_BUG_SETS


def test_the_fourth_untouched_bugs_share_no_repository_or_package_with_anything_seen_before():
    """heldout-bugs-4.csv was mined after the third untouched set, when the second was about
    to become a development set: no repository of any earlier bug file, of any research
    corpus, nor a package of the pinned corpora. Its rows are read by no one on the rules
    side; only its totals are."""
    rows = read_rows(quality.HELDOUT4_CASES)
    assert_independent(
        quality.HELDOUT4_CASES,
        (quality.HELDOUT_CASES, quality.HELDOUT2_CASES, quality.HELDOUT3_CASES, quality.DEFAULT_CASES),
        (quality.RESEARCH, quality.RESEARCH2, quality.RESEARCH3, quality.RESEARCH4, quality.RESEARCH5,
         quality.RESEARCH6, quality.RESEARCH7, quality.RESEARCH8),
    )
    assert {r["category"] for r in rows} == set(quality.CATEGORY_RULES) | set(quality.BEYOND_RULES)
    assert quality.BUG_SETS["heldbugs4"].untouched
    assert "heldbugs4" in quality.HELD_OUT_BUG_SETS


@pytest.mark.parametrize("number, prefix, research", [(5, "Q", 9), (6, "S", 10)])
def test_the_later_untouched_bugs_share_no_repository_or_package_with_anything_seen_before(number, prefix, research):
    """heldout-bugs-5.csv and heldout-bugs-6.csv were each mined after the totals of the two
    untouched sets before them had been read under diagnostic variants of the rules: no
    repository of any earlier bug file, of any research corpus of their day, nor a package of
    the pinned corpora. Their rows are read by no one on the rules side; only their totals are."""
    cases = getattr(quality, f"HELDOUT{number}_CASES")
    earlier = (quality.HELDOUT_CASES, *(getattr(quality, f"HELDOUT{n}_CASES") for n in range(2, number)),
               quality.DEFAULT_CASES)
    rows = read_rows(cases)
    assert_independent(cases, earlier, (quality.RESEARCH, *(getattr(quality, f"RESEARCH{n}") for n in range(2, research + 1))))
    assert len(rows) >= 30 and [r["id"] for r in rows] == [f"{prefix}{i:03d}" for i in range(1, len(rows) + 1)]
    assert {r["category"] for r in rows} == set(quality.CATEGORY_RULES) | set(quality.BEYOND_RULES)
    assert sum(r["source"] == "code-read" for r in rows) * 3 <= len(rows)
    assert quality.BUG_SETS[f"heldbugs{number}"].untouched
    assert f"heldbugs{number}" in quality.HELD_OUT_BUG_SETS


def test_the_seventh_bugs_a_development_set_share_no_repository_or_package_with_anything_seen_before():
    """heldout-bugs-7.csv was mined as a development set from the start, in the categories the
    untouched sets show the rules missing most: no repository of any earlier bug file (of the
    untouched ones only the `repo` column was read), of any research corpus, nor a package of
    the pinned corpora. Its misses are read row by row."""
    rows = read_rows(quality.HELDOUT7_CASES)
    assert_independent(
        quality.HELDOUT7_CASES,
        (quality.HELDOUT_CASES, quality.HELDOUT2_CASES, quality.HELDOUT3_CASES, quality.HELDOUT4_CASES,
         quality.HELDOUT5_CASES, quality.HELDOUT6_CASES, quality.DEFAULT_CASES),
        (quality.RESEARCH, quality.RESEARCH2, quality.RESEARCH3, quality.RESEARCH4, quality.RESEARCH5,
         quality.RESEARCH6, quality.RESEARCH7, quality.RESEARCH8, quality.RESEARCH9, quality.RESEARCH10,
         quality.RESEARCH11),
    )
    assert len(rows) >= 30 and [r["id"] for r in rows] == [f"T{i:03d}" for i in range(1, len(rows) + 1)]
    assert {"DIV0", "MATHLOG", "NOCLIP", "LOG0"} <= {r["category"] for r in rows}
    assert {r["category"] for r in rows} <= set(quality.CATEGORY_RULES) | set(quality.BEYOND_RULES)
    assert sum(r["source"] == "code-read" for r in rows) * 4 <= len(rows)
    seventh = quality.BUG_SETS["heldbugs7"]
    assert not seventh.untouched and seventh.development
    assert quality.HELD_OUT_BUG_SETS[-1] == "heldbugs7"


def test_each_bug_set_materializes_into_its_own_folder(tmp_path):
    assert quality.bug_set_of(quality.DEFAULT_CASES).root == quality.BUGS_DIR
    held = quality.read_cases(quality.HELDOUT_CASES)[0]
    assert held.before().parent.parent.parent == quality.CORPUS / "heldbugs"
    untouched = quality.read_cases(quality.HELDOUT2_CASES)[0]
    assert untouched.before().parent.parent.parent == quality.CORPUS / "heldbugs2"
    third = quality.read_cases(quality.HELDOUT3_CASES)[0]
    assert third.before().parent.parent.parent == quality.CORPUS / "heldbugs3"
    for number, first in ((4, "P001"), (5, "Q001"), (6, "S001"), (7, "T001")):
        later = quality.read_cases(getattr(quality, f"HELDOUT{number}_CASES"))[0]
        assert later.before().parent.parent.parent == quality.CORPUS / f"heldbugs{number}"
        assert later.tree("before") == quality.CORPUS / f"heldbugs{number}" / "repo-before" / first
    other = tmp_path / "mine.csv"
    assert quality.bug_set_of(other).root == quality.CORPUS / "bugs-mine"
    assert case().before().is_relative_to(quality.BUGS_DIR)  # a Case built without a set: the development one


HELD_CSV = """\
id,category,repo,commit,path,line,fixed_commit,fixed_span,source,shape
H001,SQRT0,o/r,{a},pkg/a.py,2,{b},1-3,https://x/1,root of a sum of squares
H002,ACOS,o/s,{a},b.py,1,,,code-read,arccos of a dot product
""".format(a="a" * 40, b="b" * 40)


def fake_bug_set(tmp_path, monkeypatch, name="heldbugs"):
    cases = tmp_path / f"{name}.csv"
    cases.write_text(HELD_CSV)
    known = quality.BUG_SETS[name]
    bug_set = quality.BugSet(name, cases, tmp_path / name, known.title, known.untouched, known.development)
    monkeypatch.setitem(quality.BUG_SETS, name, bug_set)
    return bug_set


def test_materialize_puts_the_held_out_bugs_in_their_folder(tmp_path, monkeypatch):
    bug_set = fake_bug_set(tmp_path, monkeypatch)
    asked = []
    monkeypatch.setattr(quality, "git_show", lambda git_dir, commit, path: asked.append(commit[0]) or b"x = 1\n")
    assert not quality.materialized(bug_set)
    # `--cases` is taken after the subcommand too, as in `materialize --cases FILE`
    assert quality.main(["materialize", "--cases", str(bug_set.cases), "--mirrors", str(tmp_path)]) == 0
    assert sorted(asked) == ["a", "a", "b"]
    assert (bug_set.root / "before" / "H001" / "a.py").read_text() == "x = 1\n"
    assert (bug_set.root / "after" / "H001" / "a.py").exists() and not (bug_set.root / "after" / "H002").exists()
    assert (bug_set.root / "pyproject.toml").read_text() == quality.MARKER
    assert quality.materialized(bug_set)


def test_all_adds_the_held_out_bugs_only_where_they_are_materialized(tmp_path, monkeypatch):
    bug_set = fake_bug_set(tmp_path, monkeypatch)
    assert quality.measured_bug_sets(quality.DEFAULT_CASES) == [
        "heldbugs", "heldbugs2", "heldbugs3", "heldbugs4", "heldbugs5", "heldbugs6", "heldbugs7"]
    # a held-out set adds the others
    assert quality.measured_bug_sets(bug_set.cases) == [
        "heldbugs2", "heldbugs3", "heldbugs4", "heldbugs5", "heldbugs6", "heldbugs7"]
    assert not quality.materialized(bug_set)
    assert quality.result_kind("recall", [], "heldbugs") == "recall-heldbugs"
    assert quality.result_kind("all", ["precision"], "heldbugs") == "all-heldbugs"  # never read as history
    assert quality.result_kind("all", ["precision", "holdout"], "bugs") == "all"


def three_case_results(prefix: str):
    """A found case, a missed one and one whose fixed version is flagged, ids `prefix001`..."""
    return [
        quality.CaseResult(quality.Case(f"{prefix}001", "SQRT0", "o/r", "a" * 40, "a.py", 2, "", None, "s", "root"),
                           True, ["NAN001@2"], fixed_findings=[]),
        quality.CaseResult(quality.Case(f"{prefix}002", "ACOS", "o/s", "a" * 40, "b.py", 1, "", None, "s", "arccos of dot"),
                           False, []),
        quality.CaseResult(quality.Case(f"{prefix}003", "LOG0", "o/t", "a" * 40, "c.py", 1, "", None, "s", "log of p"),
                           False, [], fixed_findings=["NAN003@4"]),
    ]


def test_the_held_out_bugs_section_counts_per_category_and_lists_the_misses():
    summary = quality.summarize_recall(three_case_results("H"))
    rows = quality.recall_table(summary)
    assert rows[0] == ["NAN001", "SQRT0", "1/1 (100%)", "1/1 (100%)"]
    assert rows[5] == ["**all five**", "", "1/2 (50%)", "1/2 (50%)"]
    assert rows[8] == ["NAN007 (recall: any rule)", "ACOS", "0/1 (0%)", "–"]
    assert rows[-1] == ["**every rule**", "", "1/3 (33%)", "1/2 (50%)"]
    assert all(len(row) == len(quality.RECALL_HEADER) for row in rows)
    text = "\n".join(quality.render_heldbugs_markdown({"heldbugs": summary}))
    assert text.startswith("## Held-out real bugs") and "a development set since" in text
    assert "| **every rule** |  | 1/3 (33%) | 1/2 (50%) |" in text
    assert "- H002 ACOS: arccos of dot" in text and "- H003 LOG0: log of p" in text and "H001" not in text
    assert "Findings inside fixed versions: H003 (NAN003@4)." in text
    text = "\n".join(quality.render_heldbugs_markdown({"heldbugs": None}))
    assert "Not measured" in text and "--cases bench/quality/heldout-bugs.csv materialize" in text


def test_the_seventh_bugs_section_says_it_was_a_development_set_from_the_start_and_names_its_misses():
    text = "\n".join(quality.render_heldbugs_markdown({"heldbugs7": untouched_summary()}, "heldbugs7"))
    assert text.startswith("## Seventh real bugs (development)")
    assert "a development set from the start" in text and "held out until" not in text
    assert "no rule change may cite these cases" not in text
    assert "Missed" in text and "- K002 ACOS: arccos of dot" in text
    text = "\n".join(quality.render_heldbugs_markdown({"heldbugs7": None}, "heldbugs7"))
    assert "Not measured" in text and "--cases bench/quality/heldout-bugs-7.csv materialize" in text


def untouched_summary():
    return quality.summarize_recall(three_case_results("K"))


def test_the_second_held_out_bugs_section_is_a_development_sets_and_names_its_misses():
    text = "\n".join(quality.render_heldbugs_markdown({"heldbugs2": untouched_summary()}, "heldbugs2"))
    assert text.startswith("## Second held-out real bugs") and "no rule change may cite these cases" not in text
    assert "| **every rule** |  | 1/3 (33%) | 1/2 (50%) |" in text
    assert "Missed" in text and "K00" in text
    text = "\n".join(quality.render_heldbugs_markdown({"heldbugs2": None}, "heldbugs2"))
    assert "Not measured" in text and "--cases bench/quality/heldout-bugs-2.csv materialize" in text


@pytest.mark.parametrize("name, title, number", [("heldbugs4", "Fourth", "4"), ("heldbugs5", "Fifth", "5"),
                                                  ("heldbugs6", "Sixth", "6")])
def test_the_later_untouched_bugs_sections_show_the_totals_and_name_no_case(name, title, number):
    text = "\n".join(quality.render_heldbugs_markdown({name: untouched_summary()}, name))
    assert text.startswith(f"## {title} held-out real bugs") and "no rule change may cite these cases" in text
    assert "| **every rule** |  | 1/3 (33%) | 1/2 (50%) |" in text
    assert not any(f"K00{i}" in text for i in (1, 2, 3)) and "arccos of dot" not in text and "Missed" not in text
    text = "\n".join(quality.render_heldbugs_markdown({name: None}, name))
    assert "Not measured" in text and f"--cases bench/quality/heldout-bugs-{number}.csv materialize" in text


@pytest.mark.parametrize("name, title", [("heldbugs4", "fourth"), ("heldbugs5", "fifth"), ("heldbugs6", "sixth")])
def test_recall_of_the_untouched_bugs_prints_their_totals_not_their_cases(tmp_path, monkeypatch, capsys, name, title):
    bug_set = fake_bug_set(tmp_path, monkeypatch, name)
    monkeypatch.setattr(quality, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(quality, "recall", lambda cases, python: untouched_summary())
    assert quality.main(["recall", "--cases", str(bug_set.cases)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{title} held-out real bugs\n") and "every rule" in out and "1/3 (33%)" in out
    assert "K002" not in out and "arccos" not in out
    assert [p.name.split("-", 3)[-1] for p in (tmp_path / "results").iterdir()] == [f"recall-{name}.json"]


def test_the_history_reads_only_the_runs_saved_as_all(tmp_path, monkeypatch):
    monkeypatch.setattr(quality, "RESULTS", tmp_path)
    run = {"meta": {"date": "2000-01-01 00:00", "commit": "abc"},
           "recall": {"categories": {"SQRT0": {"found": 1, "cases": 2}}},
           "precision": {"rules": {"NAN001": {"TP": 1, "FP": 0, "findings": 1, "reviewed": 1}}}}
    (tmp_path / "2000-01-01T0000-all.json").write_text(quality.json.dumps(run))
    for kind in ("holdout-all", "fresh-all"):  # no recall in these: the history must skip them
        (tmp_path / f"2000-01-01T0000-{kind}.json").write_text("{}")
    (tmp_path / "2000-01-01T0000-all-heldbugs.json").write_text("{}")
    assert quality.history_rows() == ["| 2000-01-01 00:00 | `abc` | 1/2 (50%) | 1/1 (100%) | 1 | 1 |"]


# ---------------------------------------------------------------------------------------
# Recall with each case's repository around it
# ---------------------------------------------------------------------------------------


BUGGY = textwrap.dedent("""\
    import torch


    def distance_loss(a, b):
        d = torch.sum((a - b) ** 2, dim=1).sqrt()
        return d.mean()
    """)
FIXED = BUGGY.replace("torch.sum((a - b) ** 2, dim=1).sqrt()", "torch.linalg.vector_norm(a - b, dim=1)")
CLEAN = textwrap.dedent("""\
    import torch


    def scale(a, b):
        d = a * b
        return d.mean()
    """)


def git_mirror(tmp_path):
    """A mirror `o+r/repo` of two commits: the first with a NAN001 bug in pkg/loss.py, the
    same bug at the same line of pkg/util.py, a clean pkg/clean.py, a .py of 300 bytes,
    a top-level script and a 2 MB data file; the second fixing pkg/loss.py."""
    import subprocess

    work = tmp_path / "work"
    (work / "pkg").mkdir(parents=True)
    (work / "pkg" / "loss.py").write_text(BUGGY)
    (work / "pkg" / "util.py").write_text(BUGGY.replace("distance_loss", "spread_loss"))
    (work / "pkg" / "clean.py").write_text(CLEAN)
    (work / "pkg" / "table.py").write_text("TABLE = [\n" + "    0.5,\n" * 30 + "]\n")
    (work / "run.py").write_text("from pkg.loss import distance_loss\n")
    (work / "weights.bin").write_bytes(b"\0" * 2_000_000)
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    commits = []
    for text in (None, FIXED):
        if text:
            (work / "pkg" / "loss.py").write_text(text)
        subprocess.run(git + ["add", "."], check=True)
        subprocess.run(git + ["commit", "-qm", "c"], check=True)
        commits.append(subprocess.run(git[:3] + ["rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip())
    mirrors = tmp_path / "mirrors"
    (mirrors / "o+r").mkdir(parents=True)
    (work / ".git").rename(mirrors / "o+r" / "repo")
    return mirrors, commits


def repo_bug_set(tmp_path, monkeypatch, commits, name="heldbugs"):
    """A bug set of two cases in the mirror: R001 the bug (fixed later), R002 a clean line
    of pkg/clean.py, the line pkg/util.py has the same bug on."""
    cases = tmp_path / f"{name}.csv"
    cases.write_text("id,category,repo,commit,path,line,fixed_commit,fixed_span,source,shape\n"
                     f"R001,SQRT0,o/r,{commits[0]},pkg/loss.py,5,{commits[1]},4-6,code-read,root of a sum\n"
                     f"R002,SQRT0,o/r,{commits[0]},pkg/clean.py,5,,,code-read,no root here\n")
    bug_set = quality.BugSet(name, cases, tmp_path / name, quality.BUG_SETS[name].title,
                             quality.BUG_SETS[name].untouched)
    monkeypatch.setitem(quality.BUG_SETS, name, bug_set)
    return bug_set


def test_materialize_with_repo_lays_out_each_repository_at_the_cases_commits(tmp_path, monkeypatch, capsys):
    mirrors, commits = git_mirror(tmp_path)
    bug_set = repo_bug_set(tmp_path, monkeypatch, commits)
    monkeypatch.setattr(quality, "REPO_MAX_BYTES", 200)
    assert not quality.repo_materialized(bug_set)
    argv = ["materialize", "--with-repo", "--cases", str(bug_set.cases), "--mirrors", str(mirrors)]
    assert quality.main(argv) == 0
    before, after = bug_set.root / "repo-before" / "R001", bug_set.root / "repo-after" / "R001"
    assert (before / "pkg" / "loss.py").read_text() == BUGGY and (after / "pkg" / "loss.py").read_text() == FIXED
    assert (before / "pkg" / "util.py").exists() and (before / "run.py").exists()
    assert not (before / "weights.bin").exists() and not (before / "pkg" / "table.py").exists()  # 300 bytes > 200
    assert (bug_set.root / "repo-before" / "R002" / "pkg" / "clean.py").read_text() == CLEAN
    assert not (bug_set.root / "repo-after" / "R002").exists()  # no fixed commit
    assert (bug_set.root / "pyproject.toml").read_text() == quality.MARKER
    assert not (bug_set.root / "before").exists()  # the lone files are `materialize`'s
    assert quality.repo_materialized(bug_set)
    err = capsys.readouterr().err
    assert "R001 before: o/r@" in err and "1 over 200 bytes left out" in err and "(0 missing)" in err
    # Run again: a case whose folder holds its commit is kept, not read again.
    (before / "pkg" / "mine.py").write_text("x = 1\n")
    assert quality.main(argv) == 0 and (before / "pkg" / "mine.py").exists()
    assert "R001 before" not in capsys.readouterr().err


def test_materialize_with_repo_keeps_a_large_repositorys_case_folder_only(tmp_path, monkeypatch, capsys):
    mirrors, commits = git_mirror(tmp_path)
    bug_set = repo_bug_set(tmp_path, monkeypatch, commits)
    monkeypatch.setattr(quality, "REPO_MAX_FILES", 3)  # 5 .py files
    assert quality.main(["materialize", "--with-repo", "--cases", str(bug_set.cases), "--mirrors", str(mirrors)]) == 0
    kept = sorted(p.relative_to(bug_set.root / "repo-before" / "R001").as_posix()
                  for p in (bug_set.root / "repo-before" / "R001").rglob("*.py"))
    assert kept == ["pkg/clean.py", "pkg/loss.py", "pkg/table.py", "pkg/util.py"]  # not run.py
    assert "5 .py files, over 3: only the 4 of pkg/" in capsys.readouterr().err
    assert quality._repo_part(["a.py", "b/c.py", "bc/d.py"], "b/x.py") == ["b/c.py"]
    assert quality._repo_part(["a.py", "b/c.py"], "x.py") == ["a.py"]


def test_materialize_with_repo_names_a_case_it_cannot_read(tmp_path, monkeypatch, capsys):
    mirrors, commits = git_mirror(tmp_path)
    bug_set = repo_bug_set(tmp_path, monkeypatch, ["0" * 40, commits[1]])
    assert quality.main(["materialize", "--with-repo", "--cases", str(bug_set.cases), "--mirrors", str(mirrors)]) == 1
    err = capsys.readouterr().err
    assert "missing: R001 o/r@0000000000:pkg/loss.py" in err and "fetch the repositories first" in err
    assert (bug_set.root / "repo-after" / "R001" / "pkg" / "loss.py").read_text() == FIXED


def test_recall_with_repo_counts_only_the_case_files_findings(tmp_path, monkeypatch, capsys):
    import json

    mirrors, commits = git_mirror(tmp_path)
    bug_set = repo_bug_set(tmp_path, monkeypatch, commits)
    monkeypatch.setattr(quality, "RESULTS", tmp_path / "results")
    with pytest.raises(SystemExit, match="materialize --with-repo"):
        quality.recall_with_repo(bug_set.cases, sys.executable)
    assert quality.main(["materialize", "--with-repo", "--cases", str(bug_set.cases), "--mirrors", str(mirrors)]) == 0
    capsys.readouterr()
    assert quality.main(["--python", sys.executable, "recall", "--with-repo", "--cases", str(bug_set.cases)]) == 0
    result = json.loads(capsys.readouterr().out)["recall"]
    cases = {c["id"]: c for c in result["cases"]}
    assert cases["R001"]["found"] and cases["R001"]["by"] == ["NAN001@5"]
    assert cases["R001"]["fixed_findings"] == []  # silent on the fixed version
    # pkg/util.py has the same finding on the same line: it is no finding of R002's file.
    assert not cases["R002"]["found"] and cases["R002"]["fixed_findings"] is None
    assert result["categories"]["SQRT0"] == {"rules": ["NAN001"], "cases": 2, "found": 1, "fixed": 1, "silent": 1,
                                             "noisy": [], "missed": [{"id": "R002", "shape": "no root here",
                                                                      "not_checked": ""}]}
    assert [p.name.split("-", 3)[-1] for p in (tmp_path / "results").iterdir()] == ["recall-repo-heldbugs.json"]


def test_recall_with_repo_of_the_untouched_bugs_prints_their_totals_not_their_cases(tmp_path, monkeypatch, capsys):
    bug_set = fake_bug_set(tmp_path, monkeypatch, "heldbugs4")
    monkeypatch.setattr(quality, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(quality, "recall", lambda cases, python: pytest.fail("the lone files"))
    monkeypatch.setattr(quality, "recall_with_repo", lambda cases, python: untouched_summary())
    assert quality.main(["recall", "--with-repo", "--cases", str(bug_set.cases)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fourth held-out real bugs\n") and "1/3 (33%)" in out and "K002" not in out


def test_the_with_repo_line_goes_under_a_bug_sets_table_only_where_it_was_measured():
    summary = untouched_summary()
    line = "With the repository around each case: every rule 1/3 (33%), five rules 1/2 (50%); silence 1/2 (50%)."
    assert quality.repo_line(summary) == line
    for name in ("heldbugs", "heldbugs2"):
        text = "\n".join(quality.render_heldbugs_markdown({name: summary, "with_repo": {name: summary}}, name))
        assert f"| **every rule** |  | 1/3 (33%) | 1/2 (50%) |\n\n{line}\n" in text
        assert line not in "\n".join(quality.render_heldbugs_markdown({name: summary, "with_repo": {}}, name))
        assert line not in "\n".join(quality.render_heldbugs_markdown({name: summary}, name))
    assert quality._repo_lines({"with_repo": {"recall": summary}}, "recall") == [line, ""]
    assert quality._repo_lines({"with_repo": {"heldbugs": summary}}, "recall") == []


def test_all_adds_the_with_repo_line_for_each_bug_set_whose_repositories_are_materialized(tmp_path, monkeypatch,
                                                                                          capsys):
    summary = untouched_summary()
    line = quality.repo_line(summary)
    asked = []
    monkeypatch.setattr(quality, "meta", lambda: {"date": "2000-01-01 00:00", "commit": "abc",
                                                  "machine": {}})
    monkeypatch.setattr(quality, "save", lambda result, kind: quality.REPO / f"{kind}.json")
    monkeypatch.setattr(quality, "history_rows", lambda: [])
    monkeypatch.setattr(quality, "measured_sets", lambda command, chosen: ["precision"])
    monkeypatch.setattr(quality, "precision_findings", lambda python, corpus_set=None: [])
    monkeypatch.setattr(quality, "read_labels", lambda *a, **k: [])
    monkeypatch.setattr(quality, "recall", lambda cases, python: summary)
    monkeypatch.setattr(quality, "materialized", lambda bug_set: bug_set.name in ("heldbugs", "heldbugs4"))
    monkeypatch.setattr(quality, "repo_materialized", lambda bug_set: bug_set.name in ("bugs", "heldbugs4"))
    monkeypatch.setattr(quality, "recall_with_repo", lambda cases, python: asked.append(cases) or summary)
    markdown = tmp_path / "Q.md"
    assert quality.main(["all", "--markdown", str(markdown)]) == 0
    assert asked == [quality.DEFAULT_CASES, quality.HELDOUT4_CASES]  # heldbugs: no repositories, no run
    out = capsys.readouterr().out
    main, held, third = out.split("\n\n")
    assert main.endswith("\n" + line) and line not in held and third.endswith(line + "\n")
    text = markdown.read_text()
    assert text.count(line) == 2 and f"{line}\n\nLabels:" in text
    assert f"{line}\n\nCases with a finding inside their fixed version" in text


def test_every_precision_set_together_sums_each_rule_s_counts():
    def counts(tp, fp, deb):
        return {"findings": tp + fp + deb, "reviewed": tp + fp + deb, "unreviewed": 0, "TP": tp, "FP": fp,
                "DEBATABLE": deb, "precision": None, "fix_correct": tp, "fix_wrong": 0, "fix_unjudged": 0}

    result = {
        "precision": {"rules": {"NAN001": counts(2, 1, 0)}},
        "research7": {"rules": {"NAN001": counts(1, 3, 1), "NAN004": counts(0, 2, 0)}},
        "fresh": None,
    }
    together = quality.combined_precision(result)
    assert together["sets"] == ["precision", "research7"]
    assert together["rules"]["NAN001"]["TP"] == 3 and together["rules"]["NAN001"]["FP"] == 4
    rows = quality.holdout_table(together)
    assert rows[0][:5] == ["NAN001", "8", "8", "3/4/1", "3/7 (43%)"]
    assert quality.combined_precision({"precision": result["precision"]}) is None
    assert quality.render_combined_markdown(result)[0] == "## Every precision set together"
