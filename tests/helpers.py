"""Helpers for the chassis tests: a project folder to run nanlint in, the sources
NAN001 flags (one with a safe fix, one with an unsafe fix), output parsing."""

from __future__ import annotations

import ast
import os
import textwrap
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

import libcst as cst
from click.testing import CliRunner, Result

from nanlint.cli import cli
from nanlint.linting.context import FileContext, FixOptions
from nanlint.linting.names import ModuleIndex
from nanlint.linting.walk import walk
from nanlint.values.summary import summarize

# Scripts whose last line runs a backward pass: a gradient flows through their roots.
# NAN001 with a safe fix (vector_norm) on row 2, columns 5..42.
SAFE_SOURCE = "import torch\nd = torch.sum((a - b) ** 2, dim=1).sqrt()\nd.sum().backward()\n"
SAFE_FIXED = "import torch\nd = torch.linalg.vector_norm(a - b, dim=1)\nd.sum().backward()\n"
# NAN001 with an unsafe fix (an eps inside the root) on row 2, columns 7..31.
UNSAFE_SOURCE = "import torch\nstd = torch.sqrt(x.var(dim=0))\nstd.sum().backward()\n"
UNSAFE_FIXED = "import torch\nstd = torch.sqrt(x.var(dim=0) + 1e-12)\nstd.sum().backward()\n"
CLEAN_SOURCE = "import torch\nd = torch.linalg.vector_norm(a - b, dim=1)\nd.sum().backward()\n"


class Project:
    """A temporary folder that is also the current directory while a test runs."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, relative: str, content: Union[str, bytes]) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
        return path

    def config(self, body: str) -> Path:
        return self.write("pyproject.toml", "[tool.nanlint]\n" + body)

    def run(
        self,
        *args: str,
        input: Optional[Union[str, bytes]] = None,
        env: Optional[Dict[str, str]] = None,
    ) -> Result:
        return run(list(args), input=input, env=env)


def run(args: Sequence[str], input=None, env: Optional[Dict[str, str]] = None) -> Result:
    """`nanlint ARGS` in this process; stdout and stderr apart."""
    runner = CliRunner()
    return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def assert_one_clean_error(stderr: str, *needles: str) -> None:
    """Exactly one `nanlint: error:` line, naming everything in `needles`."""
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("nanlint: error:")]
    assert len(errors) == 1, stderr
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])


def rows(stdout: str):
    """(path, row, column, code) for each line of concise output."""
    found = []
    for line in stdout.splitlines():
        head, sep, rest = line.partition(": ")
        if not sep or head.count(":") < 2:
            continue
        path, row, column = head.rsplit(":", 2)
        found.append((os.path.normpath(path), int(row), int(column), rest.split()[0]))
    return found


def answer_at_return(source: str, question, last: bool = False):
    """`question(context, value)` for the value the first (or last) `return` of the
    source gives, asked with the context the engine builds for a file: a value-model
    question tested on its own."""
    source = textwrap.dedent(source)
    tree = ast.parse(source)
    module = cst.parse_module(source)
    context = FileContext("m.py", source, module, ModuleIndex.from_ast(tree).imports, FixOptions(), summary=summarize(tree))
    found = []
    chosen = []

    def visit(node):
        if isinstance(node, cst.Return) and node.value is not None:
            found.append(node)
            if last or len(found) == 1:
                chosen[:] = [question(context, node.value)]

    walk(module, {"Return": [visit]}, {}, context.ancestors)
    return chosen[0]


def answer_at_first(source: str, kind: str, chosen, question):
    """`question(context, node)` at the first node of type `kind` (a libcst class name) that
    `chosen` picks, with the context the engine builds for a file."""
    source = textwrap.dedent(source)
    tree = ast.parse(source)
    module = cst.parse_module(source)
    context = FileContext("m.py", source, module, ModuleIndex.from_ast(tree).imports, FixOptions(), summary=summarize(tree))
    answers = []

    def visit(node) -> None:
        if not answers and chosen(node):
            answers.append(question(context, node))

    walk(module, {kind: [visit]}, {}, context.ancestors)
    return answers[0]
