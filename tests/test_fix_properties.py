"""Properties: whatever valid Python the flagged shapes sit in, fixing keeps the file
whole, and leaving out the parts no rule wants changes no finding.

Programs are built from every rule's flagged examples, placed at module level, in a
function, a method, a nested function, under `if`/`for`/`with`, with decorators, tabs
or two-space indents, comments on every logical line and CRLF line endings. After
`--fix --unsafe-fixes` the result parses, keeps every comment and line ending, and a
second run changes nothing. Mixed with the rules' must-not-flag examples and code no
rule wants (functions, classes, tables), the findings and fixes are those of a whole
parse.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanlint.linting.engine import Linter
from nanlint.fixing.fixer import fix_source
from nanlint.rule import all_rules

LINTER = Linter(all_rules())
WHOLE = Linter(all_rules(), prefilter=False)
EXAMPLES = [case.code for rule in all_rules() for case in rule.invalid]
VALID = [code for rule in all_rules() for code in rule.valid]
# Code no rule wants, which the engine leaves unparsed around the code it parses.
UNWANTED = [
    "def helper(v, d):\n{u}total = v + 1\n{u}return total * d",
    "class Config:\n{u}size = 3\n{u}def get(self, d):\n{u}{u}return self.size + d",
    "TABLE = [\n{u}dict(a=1),\n{u}dict(b=2),  # two\n]",
    "d = compute(); total = d + 1",
]


def _split(example: str):
    """(import lines, the rest) of an example module."""
    tree = ast.parse(example)
    lines = example.splitlines()
    head_end = 0
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            head_end = statement.end_lineno
        else:
            break
    return lines[:head_end], lines[head_end:]


def _comment_logical_lines(code: str, tag: str) -> str:
    """Append `# tag-N` to every line that ends a logical line (never inside a string)."""
    ends = set()
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.NEWLINE and token.string:
            ends.add(token.start[0])
    out = []
    for number, line in enumerate(code.split("\n"), start=1):
        if number in ends and "#" not in line:
            line = f"{line}  # {tag}-{number}"
        out.append(line)
    return "\n".join(out)


WRAPPERS = [
    "{body}",
    "def train_step(a, b, x, model, optimizer, loss, number):\n{body:i}\n{u}return None",
    "class Model:\n{u}def forward(self, a, b, x):\n{body:ii}",
    "def outer(a, b):\n{u}def inner(x):\n{body:ii}\n{u}return inner",
    "if True:\n{body:i}",
    "for step in range(3):\n{body:i}",
    "@decorate\ndef decorated(a, b, x):\n{body:i}",
    "with context():\n{body:i}",
]


def _indent(body: str, unit: str, levels: int) -> str:
    return "\n".join((unit * levels + line) if line.strip() else line for line in body.split("\n"))


@st.composite
def programs(draw, mixed: bool = False):
    pool = st.one_of(st.sampled_from(EXAMPLES + VALID), st.sampled_from(UNWANTED)) if mixed else st.sampled_from(EXAMPLES)
    chosen = draw(st.lists(pool, min_size=1, max_size=5 if mixed else 3))
    unit = draw(st.sampled_from(["    ", "  ", "\t"]))
    heads, parts = [], []
    for example in chosen:
        head, body = _split(example.replace("{u}", unit))
        heads.extend(line for line in head if line not in heads)
        wrapper = draw(st.sampled_from(WRAPPERS))
        body_text = "\n".join(body) or "pass"
        text = wrapper.replace("{u}", unit).replace("{body}", body_text)
        text = text.replace("{body:i}", _indent(body_text, unit, 1)).replace("{body:ii}", _indent(body_text, unit, 2))
        parts.append(text)
    doc = draw(st.sampled_from(['', '"""A module."""\n', '#!/usr/bin/env python\n# header\n']))
    code = doc + "\n".join(heads) + "\n\n" + "\n\n".join(parts) + "\n"
    code = _comment_logical_lines(code, "keep")
    if draw(st.booleans()):
        code = code.replace("\n", "\r\n")
    return code


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_fixing_keeps_the_file_whole(code):
    ast.parse(code)  # the generator itself only builds valid Python
    result = fix_source(LINTER, code, "prop.py", unsafe=True)
    ast.parse(result.text)
    for comment in re.findall(r"# keep-\d+", code):
        assert comment in result.text, f"lost {comment}"
    if "\r\n" in code:
        assert "\n" not in result.text.replace("\r\n", ""), "a bare LF in a CRLF file"
    assert not result.unconverged
    again = fix_source(LINTER, result.text, "prop.py", unsafe=True)
    assert again.text == result.text, "a second fix run changed the file"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(mixed=True))
def test_parts_left_unparsed_change_no_finding(code):
    found = [d.to_json() for d in LINTER.lint_source(code, "prop.py")]
    assert found == [d.to_json() for d in WHOLE.lint_source(code, "prop.py")]


def test_the_mixed_programs_are_mostly_parsed_in_part():
    linter = Linter(all_rules())

    @settings(max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(programs(mixed=True))
    def lint(code):
        linter.lint_source(code, "prop.py")

    lint()
    # Not vacuous: the property above sees files parsed in part, and files sent back whole.
    assert linter.parses["in part"] >= 10 and linter.parses["again whole"] >= 1, linter.parses
