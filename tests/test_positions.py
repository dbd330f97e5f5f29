"""Positions computed one top-level statement at a time equal libcst's whole-module ones."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider, WhitespaceInclusivePositionProvider

from nanlint.linting.positions import Positions, statement_rows
from nanlint.reading.sources import split_lines

TRICKY = [
    '"""Docstring."""\n# comment\nimport a; import b\n\n@dec\n# between\n@dec2(\n  1)\ndef f():\n    pass\n# tail\n',
    "x = 1\r\ny = (2 +\r\n     3)\r\nclass C:  # note\r\n    z = '''a\r\nb'''\r\n",
    "if a:\n    b = 1\nelif c:\n    b = 2\nelse:\n    b = 3\n\n\n\nwhile x:\\\n    pass\n",
    "\ufeffimport torch\n\x0c\ndef g(x):\n\treturn torch.sqrt(x)\n",
    "async def h():\n    async with a as b:\n        await b\n    # trailing comment in block\n# after\nx = [\n    1,\n    2,\n]",
    "# only a comment\n",
    "",
]


def _files():
    # Real code nobody here wrote, read without importing torch (the test extra installs it).
    root = Path(importlib.util.find_spec("torch").origin).parent
    return [root / "optim/adam.py", root / "distributions/kl.py", root / "nn/utils/clip_grad.py"]


def _check(source: str) -> None:
    module = cst.parse_module(source)
    rows = statement_rows([s.lineno for s in ast.parse(source).body], module)
    assert rows is not None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    expected = wrapper.resolve(PositionProvider)
    expected_inclusive = wrapper.resolve(WhitespaceInclusivePositionProvider)
    positions = Positions(module, split_lines(source), rows)
    for top in module.body:
        for node in _nodes(top):
            positions.locate(node, top)
            assert positions.syntactic[node] == expected[node], (type(node).__name__, cst.Module([]).code_for_node(node))
            assert positions.inclusive[node] == expected_inclusive[node]
    assert not positions._whole, "every node was placed from its own statement"


def _nodes(node: cst.CSTNode):
    yield node
    for child in node.children:
        yield from _nodes(child)


@pytest.mark.parametrize("source", TRICKY)
def test_tricky_layouts(source):
    _check(source.lstrip("\ufeff"))


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_real_files(path):
    _check(path.read_text(encoding="utf-8"))


def test_a_shift_that_does_not_match_the_file_falls_back_to_the_whole_module():
    source = "x = 1\ny = 2\n"
    module = cst.parse_module(source)
    positions = Positions(module, split_lines(source), [1, 1])  # wrong: y is on line 2
    target = module.body[1]
    positions.locate(target, target)
    assert positions.syntactic[target].start.line == 2
