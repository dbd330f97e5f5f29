"""The rule pages in rules/ are generated from the rule files and must not go stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanlint.docs import page_path, render, write_pages
from nanlint.rule import all_rules

PAGES = Path(__file__).resolve().parent.parent / "rules"
REGENERATE = "run `python -m nanlint.docs` to regenerate rules/*.md"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_page_is_up_to_date(rule):
    path = Path(page_path(str(PAGES), rule))
    assert path.is_file(), f"{rule.code} has no page {path.name}: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == render(rule), f"rules/{path.name} is stale: {REGENERATE}"


def test_nan000_has_its_page_though_it_is_no_rule():
    from nanlint.linting import unchecked

    path = PAGES / "NAN000.md"
    assert path.read_text(encoding="utf-8") == unchecked.PAGE, f"rules/NAN000.md is stale: {REGENERATE}"
    assert unchecked.PAGE.startswith("# NAN000 file-not-checked\n")


def test_every_page_has_a_rule():
    codes = {rule.code for rule in all_rules()} | {"NAN000"}
    orphans = sorted(path.name for path in PAGES.glob("*.md") if path.stem not in codes)
    assert not orphans, f"pages without a rule: {orphans}; delete them and {REGENERATE}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_page_has_the_sections_a_user_reads(rule):
    page = render(rule)
    assert page.startswith(f"# {rule.code} {rule.name}\n")
    for section in ("## What it does", "## Examples it leaves alone"):
        assert section in page
    if rule.invalid:
        assert "## Example\n" in page
    if rule.fixable:
        assert "## Use instead" in page
    if rule.incident:
        assert "## Incident" in page
    assert page.endswith("\n") and not page.endswith("\n\n")


def test_write_pages_writes_what_render_gives(tmp_path):
    written = write_pages(str(tmp_path))
    assert sorted(Path(p).name for p in written) == sorted(["NAN000.md"] + [f"{rule.code}.md" for rule in all_rules()])
    for rule in all_rules():
        assert (tmp_path / f"{rule.code}.md").read_bytes() == render(rule).encode("utf-8")
