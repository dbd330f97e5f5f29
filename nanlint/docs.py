"""Rule pages, made from each rule's own docstring, examples and attributes.

`nanlint rule CODE` prints a page; `python -m nanlint.docs` rewrites `rules/*.md`,
and a test fails when a page there is stale.
"""

from __future__ import annotations

import inspect
import os
import sys
from typing import Dict, List, Tuple, Type

from nanlint.rule import Rule, all_rules

_SECTION_ORDER = ("Why is this bad?", "Fix safety")


def _sections(rule: Type[Rule]) -> Tuple[str, Dict[str, str]]:
    text = inspect.cleandoc(rule.__doc__ or "")
    lead, sections, current = [], {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = []
            continue
        (sections[current] if current else lead).append(line)
    return "\n".join(lead).strip(), {k: "\n".join(v).strip() for k, v in sections.items()}


def rule_description(rule: Type[Rule]) -> str:
    return _sections(rule)[0]


def _code_block(code: str) -> str:
    return f"```python\n{code.rstrip()}\n```"


def render(rule: Type[Rule]) -> str:
    lead, sections = _sections(rule)
    parts: List[str] = [f"# {rule.code} {rule.name}", "", f"{rule.summary}.", ""]
    parts += [
        f"Fixable: {'yes' if rule.fixable else 'no'}. "
        f"Enabled by default: {'yes' if rule.default_enabled else 'no'}.",
        "",
        "## What it does",
        lead,
        "",
    ]
    for title in _SECTION_ORDER:
        if title in sections and title != "Fix safety":
            parts += [f"## {title}", sections[title], ""]
    for title, body in sections.items():
        if title not in _SECTION_ORDER:
            parts += [f"## {title}", body, ""]
    # The example a page leads with is the first one the rule can fix, so that "Use
    # instead" shows the rule's own rewrite next to the code it rewrites.
    example = next((case for case in rule.invalid if case.fixed), rule.invalid[0] if rule.invalid else None)
    if example is not None:
        parts += ["## Example", _code_block(example.code), ""]
        if example.fixed:
            parts += ["## Use instead", _code_block(example.fixed), ""]
    if "Fix safety" in sections:
        parts += ["## Fix safety", sections["Fix safety"], ""]
    if rule.messages:
        # The templates of what it says, `{field}` standing for what a finding fills in.
        parts += ["## Messages"]
        parts += [f"- {kind}: {template}" for kind, template in rule.messages.items()]
        parts.append("")
    if rule.options:
        parts += ["## Options"]
        parts += [f"- `{name}`: {text}" for name, text in rule.options.items()]
        parts.append("")
    if rule.incident:
        parts += ["## Incident", rule.incident, ""]
    parts += ["## More examples it flags"]
    for case in rule.invalid:
        if case is not example:
            parts += [_code_block(case.code)]
    parts += ["", "## Examples it leaves alone"]
    for code in rule.valid:
        parts += [_code_block(code)]
    return "\n".join(parts).rstrip() + "\n"


def page_path(folder: str, rule: Type[Rule]) -> str:
    return os.path.join(folder, f"{rule.code}.md")


def write_pages(folder: str) -> List[str]:
    from nanlint.linting import unchecked

    os.makedirs(folder, exist_ok=True)
    # NAN000 is no rule class (see nanlint/linting/unchecked.py) but has its page all the same.
    path = os.path.join(folder, f"{unchecked.CODE}.md")
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(unchecked.PAGE)
    written = [path]
    for rule in all_rules():
        path = page_path(folder, rule)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(render(rule))
        written.append(path)
    return written


INDEX_PATH = os.path.join(os.path.dirname(__file__), "rules", "_index.py")


def write_index(path: str = INDEX_PATH) -> str:
    from nanlint.linting.registry import render_index

    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(render_index(all_rules()))
    return path


if __name__ == "__main__":  # python -m nanlint.docs [folder]
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.dirname(__file__)), "rules")
    for path in write_pages(target) + [write_index()]:
        print(path)
