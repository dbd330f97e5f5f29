"""Jupyter notebooks, end to end: discovery, check, fix, noqa, output formats, the cache
and bad notebooks, on notebooks laid out as Jupyter writes them (indent 1, sorted keys,
non-ASCII as is, a final newline), with markdown, magics, outputs holding an image and
a name defined in one cell and used in the next."""

from __future__ import annotations

import json
from typing import List, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanlint.reading.notebook import NotebookError, _mask, read
from test_formats import _validate_sarif

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n"

# Cell 1 is markdown. The root of cell 4 takes the sum of squares of cell 3 (a safe fix
# rewrites it in place); the gradient flows through it in cell 5.
CELLS = [
    ("markdown", "# Distances\nWhere the gradient of a root turns into NaN."),
    ("code", "%matplotlib inline\nimport torch\n!pip install -q torch"),
    ("code", "a = torch.randn(4, 3, requires_grad=True)\nb = a.detach().clone()\nsq = torch.sum((a - b) ** 2, dim=1)"),
    ("code", "%timeit sq.sum()\nd = torch.sum((a - b) ** 2, dim=1).sqrt()\nr = sq.sqrt()  # naïve"),
    ("code", "(d.sum() + r.sum()).backward()\na.grad?"),
    ("code", "%%bash\necho 'torch.sqrt(x)' | python -"),
]
FIXED_CELL_4 = "%timeit sq.sum()\nd = torch.linalg.vector_norm(a - b, dim=1)\nr = sq.sqrt()  # naïve"


def notebook(cells=CELLS, newline: str = "\n", ensure_ascii: bool = False, **metadata) -> str:
    """A notebook as Jupyter saves it; `newline` is the line ending of the JSON and of
    the cells' lines."""
    written = []
    for number, (kind, source) in enumerate(cells, 1):
        lines = source.replace("\n", newline).splitlines(keepends=True)
        cell = {"cell_type": kind, "id": f"cell-{number}", "metadata": {}, "source": lines}
        if kind == "code":
            cell["execution_count"] = number
            cell["outputs"] = [
                {
                    "data": {"image/png": PNG, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
                    "metadata": {},
                    "output_type": "display_data",
                },
                {"name": "stdout", "output_type": "stream", "text": ["√2 ≈ 1.414\n"]},
            ]
        written.append(cell)
    document = {
        "cells": written,
        "metadata": metadata
        or {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.0"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=ensure_ascii) + "\n"
    return text.replace("\n", newline)


def with_cell(number: int, source: str, cells=CELLS) -> List:
    return [(kind, source if i == number else text) for i, (kind, text) in enumerate(cells, 1)]


def test_a_folder_is_searched_for_notebooks_and_their_checkpoints_are_not(project):
    project.write("analysis.ipynb", notebook())
    project.write(".ipynb_checkpoints/analysis-checkpoint.ipynb", notebook())
    result = project.run("check", "--no-cache", "-q", "--output-format", "concise", ".")
    assert result.exit_code == 1, result.output
    assert [line.split(" NAN001")[0] for line in result.stdout.splitlines()] == [
        "analysis.ipynb:cell 4:2:5:",
        "analysis.ipynb:cell 4:3:5:",
    ]


def test_findings_are_in_their_cell_and_follow_names_from_earlier_cells(project):
    project.write("analysis.ipynb", notebook())
    result = project.run("check", "--no-cache", "analysis.ipynb")
    assert result.exit_code == 1, result.output
    out = result.stdout
    # `r = sq.sqrt()`: `sq`, a sum of squares, comes from cell 3.
    assert "analysis.ipynb:cell 4:2:5: NAN001" in out
    assert "analysis.ipynb:cell 4:3:5: NAN001" in out
    assert "2 | d = torch.sum((a - b) ** 2, dim=1).sqrt()\n" in out  # the cell's own row
    assert "3 | r = sq.sqrt()  # naïve\n" in out
    assert "cell 6" not in out  # %%bash: not Python, never parsed


def test_the_path_of_a_value_goes_back_into_earlier_cells(project):
    cells = [
        ("code", "import torch\nz = torch.randn(4, 3)\np = torch.softmax(z, -1)"),
        ("markdown", "Keep the classes after the first."),
        ("code", "q = p[:, 1:]\nloss = -torch.log(q).mean()"),
    ]
    text = notebook(cells)
    project.write("nb.ipynb", text)
    result = project.run("check", "--no-cache", "nb.ipynb")
    assert "nb.ipynb:cell 3:2:9: NAN003" in result.stdout
    assert "= note: `p` gets its value here (nb.ipynb:cell 1:3:5)" in result.stdout
    assert "= note: `q` gets its value here (nb.ipynb:cell 3:1:5)" in result.stdout
    result = project.run("check", "--no-cache", "--output-format", "sarif", "nb.ipynb")
    [first, _] = _validate_sarif(result.stdout)["runs"][0]["results"][0]["relatedLocations"]
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "p = torch.softmax" in l)
    assert first["physicalLocation"]["region"]["startLine"] == line
    assert first["message"]["text"] == "cell 1:3:5: `p` gets its value here"


def test_fix_rewrites_only_the_fixed_cell_source_and_is_idempotent(project):
    path = project.write("analysis.ipynb", notebook())
    result = project.run("check", "--no-cache", "--fix", "--show-fixes", "analysis.ipynb")
    assert result.exit_code == 1, result.output  # the unsafe one remains
    assert "  analysis.ipynb:cell 4:2:5: NAN001 Use torch.linalg.vector_norm" in result.stdout
    assert path.read_text(encoding="utf-8") == notebook(with_cell(4, FIXED_CELL_4))
    again = project.run("check", "--no-cache", "--fix", "analysis.ipynb")
    assert path.read_text(encoding="utf-8") == notebook(with_cell(4, FIXED_CELL_4))
    assert "Found 1 finding(s)." in again.stdout


def test_fixes_in_several_cells_each_land_in_their_cell(project):
    root = "torch.sum((a - b) ** 2, dim=1).sqrt()"
    cells = [
        ("code", "import torch\na = torch.randn(4, 3, requires_grad=True)\nb = torch.zeros(4, 3)"),
        ("code", f"d1 = {root}"),
        ("markdown", "And once more."),
        ("code", f"%time d2 = 2 * a\nd2 = {root}"),
        ("code", "(d1.sum() + d2.sum()).backward()"),
    ]
    path = project.write("nb.ipynb", notebook(cells))
    result = project.run("check", "--no-cache", "--fix", "nb.ipynb")
    assert result.exit_code == 0, result.output
    norm = "torch.linalg.vector_norm(a - b, dim=1)"
    fixed = [cells[0], ("code", f"d1 = {norm}"), cells[2], ("code", f"%time d2 = 2 * a\nd2 = {norm}"), cells[4]]
    assert path.read_text(encoding="utf-8") == notebook(fixed)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_fix_keeps_line_endings_and_escaping(project, newline, ensure_ascii):
    path = project.write("analysis.ipynb", notebook(newline=newline, ensure_ascii=ensure_ascii))
    result = project.run("check", "--no-cache", "--fix", "--unsafe-fixes", "analysis.ipynb")
    assert result.exit_code == 0, result.output
    fixed = FIXED_CELL_4.replace("r = sq.sqrt()", "r = (sq + 1e-12).sqrt()")
    expected = notebook(with_cell(4, fixed), newline=newline, ensure_ascii=ensure_ascii)
    assert path.read_bytes() == expected.encode("utf-8")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize(
    "imports, fixed_imports",
    [
        (
            "from torch.nn.functional import softmax\n%load_ext autoreload",
            "from torch.nn.functional import softmax\nimport torch\n%load_ext autoreload",
        ),
        # The new line ends as the notebook's lines do, CRLF too.
        ("from torch.nn.functional import softmax", "from torch.nn.functional import softmax\nimport torch"),
    ],
)
def test_a_fix_that_adds_an_import_puts_it_after_the_imports_of_the_first_cell(project, newline, imports, fixed_imports):
    cells = [
        ("markdown", "# Loss"),
        ("code", imports),
        ("code", "def loss(z, y):\n    return -softmax(z, -1).log()[y].mean()"),
    ]
    path = project.write("nb.ipynb", notebook(cells, newline=newline))
    result = project.run("check", "--no-cache", "--fix", "--unsafe-fixes", "nb.ipynb")
    assert result.exit_code == 0, result.output
    fixed = [
        cells[0],
        ("code", fixed_imports),
        ("code", "def loss(z, y):\n    return -torch.nn.functional.log_softmax(z, -1)[y].mean()"),
    ]
    assert path.read_bytes() == notebook(fixed, newline=newline).encode("utf-8")


def test_a_source_written_as_one_string_is_fixed_as_one_string(project):
    document = json.loads(notebook())
    for cell in document["cells"]:
        cell["source"] = "".join(cell["source"])
    path = project.write("analysis.ipynb", json.dumps(document, indent=2) + "\n")
    project.run("check", "--no-cache", "--fix", "analysis.ipynb")
    document["cells"][3]["source"] = FIXED_CELL_4
    assert path.read_text(encoding="utf-8") == json.dumps(document, indent=2) + "\n"


def test_noqa_in_a_cell(project):
    cells = with_cell(4, "d = torch.sum((a - b) ** 2, dim=1).sqrt()  # noqa: NAN001\nr = sq.sqrt()  # noqa")
    path = project.write("analysis.ipynb", notebook(cells))
    result = project.run("check", "--no-cache", "--fix", "analysis.ipynb")
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == notebook(cells)


def test_diff_is_per_cell(project):
    project.write("analysis.ipynb", notebook())
    result = project.run("check", "--no-cache", "--diff", "analysis.ipynb")
    assert result.exit_code == 1
    assert result.stdout == (
        "--- analysis.ipynb:cell 4\n"
        "+++ analysis.ipynb:cell 4\n"
        "@@ -1,3 +1,3 @@\n"
        " %timeit sq.sum()\n"
        "-d = torch.sum((a - b) ** 2, dim=1).sqrt()\n"
        "+d = torch.linalg.vector_norm(a - b, dim=1)\n"
        " r = sq.sqrt()  # naïve\n"
    )


def test_json_has_the_cell_and_rows_in_it(project):
    project.write("analysis.ipynb", notebook())
    project.write("script.py", "x = 1\n")
    result = project.run("check", "--no-cache", "--output-format", "json", ".")
    found = json.loads(result.stdout)
    assert [(f["cell"], f["location"], f["noqa_row"]) for f in found] == [
        (4, {"row": 2, "column": 5, "cell": 4}, 2),
        (4, {"row": 3, "column": 5, "cell": 4}, 3),
    ]
    [edit] = found[0]["fix"]["edits"]
    assert edit["location"] == {"row": 2, "column": 5, "cell": 4}


def test_sarif_and_github_point_at_the_line_of_the_notebook_file(project):
    text = notebook()
    project.write("analysis.ipynb", text)
    lines = text.splitlines()
    line = next(i for i, l in enumerate(lines, 1) if "d = torch.sum((a - b) ** 2, dim=1).sqrt()" in l)
    column = lines[line - 1].index("torch.sum") + 1
    result = project.run("check", "--no-cache", "--output-format", "sarif", "analysis.ipynb")
    log = _validate_sarif(result.stdout)
    first = log["runs"][0]["results"][0]
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "analysis.ipynb"
    assert (location["region"]["startLine"], location["region"]["startColumn"]) == (line, column)
    assert first["message"]["text"].startswith("cell 4:2:5: ")
    assert first["properties"] == {"cell": 4, "row": 2, "column": 5}
    assert "fixes" not in first  # edits in a cell are not edits of the JSON text
    result = project.run("check", "--no-cache", "--output-format", "github", "analysis.ipynb")
    assert result.stdout.startswith(
        f"::error title=nanlint (NAN001),file=analysis.ipynb,line={line},col={column},"
    )
    assert "::cell 4:2:5: NAN001 " in result.stdout


def test_cached_findings_keep_their_cells(project):
    project.write("analysis.ipynb", notebook())
    first = project.run("check", "analysis.ipynb")
    second = project.run("check", "analysis.ipynb")
    assert first.stdout == second.stdout
    assert "cell 4:2:5" in second.stdout and "2 | d = torch.sum" in second.stdout


def test_fix_from_standard_input_writes_the_notebook(project):
    result = project.run("check", "--fix", "--stdin-filename", "nb.ipynb", "-", input=notebook())
    assert result.stdout == notebook(with_cell(4, FIXED_CELL_4))
    assert "nb.ipynb:cell 4:3:5: NAN001" in result.stderr


@pytest.mark.parametrize(
    "content, level, message",
    [
        ('{"cells": [', "error", "analysis.ipynb: 1:12: invalid notebook JSON: Expecting value"),
        (
            json.dumps({"nbformat": 3, "worksheets": [{"cells": []}], "metadata": {}}),
            "warning",
            "analysis.ipynb: not checked: nbformat 3 notebook; nanlint reads nbformat 4",
        ),
        (
            notebook(kernelspec={"language": "R", "name": "ir"}),
            "warning",
            "analysis.ipynb: not checked: a notebook in R (its kernel's language), not Python",
        ),
        (
            notebook(with_cell(5, "(d.sum() + r.sum()).backward()\nprint 'done'")),
            "error",
            "analysis.ipynb: cell 5:2:",
        ),
    ],
)
def test_a_bad_notebook_is_one_line_and_left_alone(project, content, level, message):
    path = project.write("analysis.ipynb", content)
    project.write("other.py", "x = 1\n")
    result = project.run("check", "--no-cache", "--fix", ".")
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"nanlint: {level}: {message}"), line
    assert result.exit_code == (2 if level == "error" else 0), result.output
    assert "NAN000" in result.stdout
    assert path.read_text(encoding="utf-8") == content  # nothing lost


def test_a_syntax_error_is_shown_in_its_cell_and_in_the_file(project):
    text = notebook(with_cell(5, "(d.sum() + r.sum()).backward()\nprint 'done'"))
    project.write("analysis.ipynb", text)
    result = project.run("check", "--no-cache", "analysis.ipynb")
    assert result.exit_code == 2
    assert "analysis.ipynb:cell 5:2:1: NAN000 syntax error" in result.stdout
    assert "2 | print 'done'\n" in result.stdout
    result = project.run("check", "--no-cache", "--output-format", "github", "analysis.ipynb")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "print 'done'" in l)
    assert f",line={line}," in result.stdout and "::cell 5:2:1: NAN000 syntax error" in result.stdout


def test_magics_are_masked_only_where_a_statement_starts():
    magics: List[str] = []
    source = (
        "!pip install torch \\\n"
        "    numpy\n"
        "s = ('%d items'\n"
        "     % 3)\n"
        "files = !ls\n"
        "for i in range(2):\n"
        "    %time f(i)\n"
        "doc = '''\n"
        "%not a magic\n"
        "'''\n"
        "torch.sqrt?\n"
    )
    masked: Optional[str] = _mask(source, "T", magics)
    assert masked is not None
    assert masked.splitlines() == [
        "pass#Tm0",
        "pass#Tm1",
        "s = ('%d items'",
        "     % 3)",
        "pass#Tm2",
        "for i in range(2):",
        "    pass#Tm3",
        "doc = '''",
        "%not a magic",
        "'''",
        "pass#Tm4",
    ]
    assert magics == ["!pip install torch \\", "    numpy", "files = !ls", "    %time f(i)", "torch.sqrt?"]
    assert _mask("%%bash\nls\n", "T", []) is None
    assert _mask("%%time\nx = 1\n", "T", []) == "pass#Tm0\nx = 1\n"


def test_a_notebook_round_trips_unchanged_without_fixes():
    text = notebook()
    parsed = read(text.encode("utf-8"))
    assert parsed.encode(parsed.joined.text) == text.encode("utf-8")
    with pytest.raises(NotebookError):
        read(b"[1, 2]")


LINES = [
    "import torch",
    "x = torch.sqrt(y)",
    "%timeit f(x)",
    "!pip install torch \\",
    "    numpy",
    "files = !ls",
    "torch.sqrt?",
    "s = ('%d'",
    "     % 3)",
    "doc = '''",
    "%not a magic inside a string",
    "'''",
    "for i in range(2):",
    "    %time g(i)",
    "",
    "# é, \"quoted\", \\backslash\t tab",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["code", "code", "markdown"]),
            st.one_of(st.just(""), st.just("%%bash\n"), st.just("%%time\n")),
            st.lists(st.sampled_from(LINES), max_size=6),
            st.sampled_from(["", "\n"]),
        ),
        max_size=5,
    ),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_any_notebook_round_trips_and_its_rows_map_back(cells, newline, ensure_ascii):
    """Unchanged, a notebook encodes to its own bytes; each row of the joined source maps
    to the row of its cell that it stands for (a placeholder for a magic)."""
    written = [(kind, head + "\n".join(lines) + end) for kind, head, lines, end in cells]
    raw = notebook(written, newline=newline, ensure_ascii=ensure_ascii).encode("utf-8")
    parsed = read(raw)
    joined = parsed.joined
    assert parsed.encode(joined.text) == raw
    assert joined.split(joined.text) == [cell.source for cell in joined.cells]
    for cell in parsed.cells:  # written again, a source is laid out as it was
        start, end = cell.span
        assert parsed._source_value(cell, cell.source) == parsed.text[start:end]
    sources = {cell.number: cell.source for cell in parsed.cells}
    rows = joined.rows(joined.text)
    for row, line in enumerate(joined.text.splitlines(keepends=True), 1):
        if line == joined.separator:
            continue
        cell, row_in_cell = rows[row - 1]
        original = sources[cell].splitlines(keepends=True)[row_in_cell - 1]
        assert line.rstrip("\r\n") == original.rstrip("\r\n") or f"pass#{joined.token}m" in line
