"""Parts of a file no rule wants are left unparsed, and nothing else changes."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest

from nanlint.linting.engine import Linter
from nanlint.linting.names import ModuleIndex
from nanlint.linting.parts import reduce
from nanlint.rule import all_rules
from nanlint.reading.sources import split_lines

UNRELATED = "\n".join(f"    total = total + {i}  # step {i}" for i in range(80))
ITEMS = "\n".join(f"    {i},  # item {i}" for i in range(60))

SOURCE = textwrap.dedent(
    '''\
    """A training module."""
    import torch

    SCALE = 2.0


    def unrelated(total):
    {body}
        return total


    @torch.no_grad()
    def also_unrelated(total):
    {body}
        return total


    class Model(torch.nn.Module):
        """Distances."""

        def setup(self, total):
    {body_in_class}
            return total

        def forward(self, a, b):
            return torch.sqrt(((a - b) ** 2).sum(-1))

        def teardown(self, total):
    {body_in_class}
            return total


    x = 1; y = [
    {items}
    ]
    '''
).format(body=UNRELATED, body_in_class=textwrap.indent(UNRELATED, "    "), items=ITEMS)


def _reduced(source: str):
    tree = ast.parse(source)
    rules = [rule for rule in all_rules() if rule.wants(ModuleIndex.from_ast(tree))]
    return reduce(source, ModuleIndex.from_ast(tree), rules)


def _findings(linter: Linter, source: str):
    return [d.to_json() for d in linter.lint_source(source, "model.py")]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_stubs_fill_the_lines_of_what_they_replace_and_nothing_else_moves(newline):
    source = SOURCE.replace("\n", newline)
    reduced = _reduced(source)
    before, after = split_lines(source), split_lines(reduced.source)
    assert len(after) == len(before)
    changed = [row for row, (old, new) in enumerate(zip(before, after), 1) if old != new]
    # What no rule wants: a constant, two functions, two members of the class.
    starts = [before[row - 1].strip() for row in changed if row - 1 not in changed]
    assert starts == [
        "SCALE = 2.0",
        "def unrelated(total):",
        "@torch.no_grad()",
        '"""Distances."""',
        "def setup(self, total):",
        "def teardown(self, total):",
        "x = 1; y = [",
    ]
    assert all(line.endswith(newline) for line in after)
    kept = "".join(line for row, line in enumerate(after, 1) if row not in changed)
    assert "def forward(self, a, b):" in kept and "class Model" in kept and "import torch" in kept
    assert "def setup" not in reduced.source and "also_unrelated" not in reduced.source
    assert "@torch.no_grad()" not in reduced.source  # a decorated definition goes with its decorators
    ast.parse(reduced.source)
    assert cst.parse_module(reduced.source).code == reduced.source
    assert {"unrelated", "total", "setup", "teardown", "torch"} <= reduced.unseen


@pytest.mark.parametrize(
    "source, reduced_line",
    [
        # a statement that shares its line with another
        ("import torch\nscale = 2; r = torch.sqrt(((a - b) ** 2).sum())\nr.backward()\n", 2),
        # a class member on the line of its class
        ("import torch\nclass A: total = 1 + 2 + 3; d = torch.sqrt((x ** 2).sum())\nrun(A).backward()\n", 2),
        # the rows of a table, on lines of their own and not
        (
            "import torch\nops = [\n    Op(name='a', ref=lambda x: x),\n"
            "    Op(fn=lambda x: torch.sqrt((x ** 2).sum())), Op(b),\n    Op('é'),\n]\nrun(ops).backward()\n",
            4,
        ),
    ],
)
def test_a_part_is_stubbed_in_place_and_everything_after_it_keeps_its_column(source, reduced_line):
    reduced = _reduced(source)
    before, after = split_lines(source), split_lines(reduced.source)
    assert [len(line) for line in after] == [len(line) for line in before]
    assert before[reduced_line - 1] != after[reduced_line - 1] and "torch.sqrt(" in after[reduced_line - 1]
    assert after[reduced_line - 1].index("torch.sqrt(") == before[reduced_line - 1].index("torch.sqrt(")
    fast, slow = Linter(all_rules()), Linter(all_rules(), prefilter=False)
    assert _findings(fast, source) == _findings(slow, source) != []
    assert fast.parses == {"in part": 1}


def test_a_table_row_is_left_out_on_its_own():
    source = "import torch\nops = [\n    Op(name='a', ref=lambda x: x),\n    Op(fn=torch.sqrt(x)),\n]\n"
    after = split_lines(_reduced(source).source)
    assert after[2] == "    0" + " " * 28 + ",\n" and after[3] == "    Op(fn=torch.sqrt(x)),\n"


def test_a_run_of_neighbours_no_rule_wants_is_one_stub():
    """A generated module of many small statements is a few statements for libcst."""
    table = "".join(f"CONST_{i} = {i} * 2\n" for i in range(500))
    source = f"import torch\n{table}def loss(a, b):\n    return torch.sqrt(((a - b) ** 2).sum())\n{table}"
    reduced = _reduced(source)
    before, after = split_lines(source), split_lines(reduced.source)
    assert len(after) == len(before) and after[501:503] == before[501:503]
    assert len(cst.parse_module(reduced.source).body) == 4  # the import, a stub, the loss, a stub
    assert reduced.rows == [1, 2, 502, 504] == [s.lineno for s in ast.parse(reduced.source).body]
    assert {"CONST_0", "CONST_499"} <= reduced.unseen


def test_nothing_left_out_means_no_reduction():
    assert _reduced("import torch\nx = torch.sqrt(y)\n") is None


def test_findings_and_fixes_in_a_reduced_file_are_those_of_the_whole_file():
    fast, slow = Linter(all_rules()), Linter(all_rules(), prefilter=False)
    found = _findings(fast, SOURCE)
    assert fast.parses == {"in part": 1}
    assert found == _findings(slow, SOURCE)
    assert [d["code"] for d in found] == ["NAN001"] and found[0]["fix"]["edits"]


def test_a_question_about_a_name_the_left_out_code_mentions_parses_the_whole_file():
    # NAN001 follows `d` to its one module-level assignment; the left-out function
    # also names `d` (`global d` there would make that assignment one of two).
    source = textwrap.dedent(
        """\
        import torch
        d = ((model(x) - y) ** 2).sum()
        def unrelated():
            global d
            d = 0
        r = torch.sqrt(d)
        r.backward()
        """
    )
    fast, slow = Linter(all_rules()), Linter(all_rules(), prefilter=False)
    assert _findings(fast, source) == _findings(slow, source) != []
    assert fast.parses == {"again whole": 1}
    # A `d` local to the function that takes the root is no question about the module.
    local = textwrap.dedent(
        """\
        import torch
        def unrelated():
            global d
            d = 0
        def distance_loss(a, b):
            d = ((a - b) ** 2).sum()
            return torch.sqrt(d)
        """
    )
    assert _findings(fast, local) == _findings(slow, local) != []
    assert fast.parses["in part"] == 1


def test_a_guard_in_left_out_module_code_parses_the_whole_file():
    source = textwrap.dedent(
        """\
        import math
        import sys
        count = int(sys.argv[1])
        if count <= 0:
            print("nothing to do")
            raise SystemExit(0)
        digits = math.log(count)
        """
    )
    fast, slow = Linter(all_rules()), Linter(all_rules(), prefilter=False)
    assert _findings(fast, source) == _findings(slow, source) == []
    assert fast.parses == {"again whole": 1}


def test_members_of_a_nested_class_are_parts_too():
    source = textwrap.dedent(
        """\
        import torch
        class Outer:
            class Inner:
                def unrelated(self, total):
                    return total + 1
                def forward(self, a, b):
                    return torch.sqrt(((a - b) ** 2).sum(-1))
        """
    )
    reduced = _reduced(source)
    assert "def unrelated" not in reduced.source and "def forward" in reduced.source
    fast, slow = Linter(all_rules()), Linter(all_rules(), prefilter=False)
    assert _findings(fast, source) == _findings(slow, source) != []
    assert fast.parses == {"in part": 1}


TRAINING = textwrap.dedent(
    """\
    import torch
    from transformers import AutoModel
    def build(model):
        opt = {builder}(model.parameters(), lr=0.1{option})
        return opt
    def unrelated(total):
        return total + 1
    def train(model, opt, batches):
        for x, y in batches:
            loss = ((model(x).half() - y) ** 2).mean()
            loss.backward()
            opt.step()
            opt.zero_grad()
    """
)


@pytest.mark.parametrize(
    "builder, option, parses",
    [
        # Where optimizers are built is a part NAN005 wants: the file stays reduced.
        ("torch.optim.SGD", "", {"in part": 1}),
        # An optimizer that clips by itself may be built by anything: NAN005 asks
        # about `opt`, which the left-out `build` mentions, and the file is parsed whole.
        ("ClippingSGD", ", max_grad_norm=1.0", {"again whole": 1}),
    ],
)
def test_nan005_reads_optimizers_built_anywhere(builder, option, parses):
    source = TRAINING.format(builder=builder, option=option)
    fast, slow = Linter(all_rules()), Linter(all_rules(), prefilter=False)
    assert _findings(fast, source) == _findings(slow, source)
    assert fast.parses == parses
    assert "def unrelated" not in _reduced(source).source


def test_nan005_steps_at_module_level_read_the_whole_module():
    source = textwrap.dedent(
        """\
        import torch
        from transformers import AutoModel
        def clip(model):
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        loss.half().backward()
        clip(model)
        optimizer.step()
        """
    )
    fast, slow = Linter(all_rules()), Linter(all_rules(), prefilter=False)
    assert _findings(fast, source) == _findings(slow, source)
    assert fast.parses == {"again whole": 1}


ROOT = "torch.sqrt(((a - b) ** 2).sum())"
NAMED_ROOT = "sqrt(((a - b) ** 2).sum())"


def in_training(source: str) -> str:
    """The same code where a gradient flows through the root: its function is a loss,
    and the module's last line runs a backward pass."""
    newline = "\r" if "\r" in source else "\n"
    return source.replace("def g(", "def loss(") + f"loss.backward(){newline}"


@pytest.mark.parametrize(
    "source",
    [
        f"import torch\rdef f(total):\r    return total + 1\rdef g(a, b):\r    return {ROOT}\r",
        f"import torch\nclass A:\n\tdef f(self):\n\t\treturn 1\n\tdef g(self, a, b):\n\t\treturn {ROOT}\n",
        f"import torch\n\x0c\ndef f(t):\n    return t\n\x0cdef g(a, b):\n    return {ROOT}\n",
        f"import torch\nclass A:\n    @property\n    def f(self):\n        return 1\n    @staticmethod\n    def g(a, b):\n        return {ROOT}\n",
        f"import torch\nrows = [\n    *other,\n    Op(fn=lambda a, b: {ROOT}),\n]\n",
        f"import torch\nrows = ['é', Op(fn=lambda a, b: {ROOT}), 'ü']\n",
        f"import torch\nrows = [\n    Op(\n        'x'\n), Op(fn=lambda a, b: {ROOT})]\n",
        f"import torch; x = 1; y = {ROOT}; z = 2\n",
        f"import torch\nt = 1, {ROOT}, 3\n",
        f"import torch\nt: list = [1, {ROOT}, 3]\n",
        f"import torch\nx = 1 + \\\n    2\ny = {ROOT}\n",
        # The fix needs `import torch`, placed after the docstring and the imports.
        f'"""doc"""\nfrom torch import sqrt\ndef g():\n    return 1\ndef loss(a, b):\n    return {NAMED_ROOT}\n',
        f"def g():\n    return 1\nfrom torch import sqrt\ndef loss(a, b):\n    return {NAMED_ROOT}\n",
        f"@dec\ndef g():\n    return 1\nfrom torch import sqrt\ndef loss(a, b):\n    return {NAMED_ROOT}\n",
        # Runs of neighbours left out as one stub: statements, rows, members; the first
        # line too short for the string's quotes; a comment between that holds quotes.
        f"import torch\nx = 1\ny = [\n    2]\n# ''' \"\"\" quotes\nz = 3; w = 4\ndef g(a, b):\n    return {ROOT}\nv = 5\n",
        f"import torch\nrows = [\n    1,\n    2, 3,\n    Op(fn=lambda a, b: {ROOT}),\n    4,\n    5]\n",
        f"import torch\nclass A:\n    p = [\n        1]\n    q = 2\n    def g(self, a, b):\n        return {ROOT}\n",
        f"import torch\nx = 1; y = [\n2]; z = 3\ndef g(a, b):\n    return {ROOT}\n",
    ],
    ids=[
        "carriage-returns", "tabs", "form-feeds", "decorated-members", "starred-row", "non-ascii-rows",
        "row-ending-in-column-1", "semicolons", "bare-tuple", "annotated-table", "backslash",
        "docstring", "import-after-a-function", "import-after-a-decorated-function",
        "run-of-statements", "run-of-rows", "run-of-members", "run-after-a-semicolon",
    ],
)
def test_odd_shapes_give_the_findings_and_fixes_of_a_whole_parse(source):
    if ROOT in source:
        source = in_training(source)
    fast, slow = Linter(all_rules()), Linter(all_rules(), prefilter=False)
    found = _findings(fast, source)
    assert found == _findings(slow, source) and len(found) == 1 and found[0]["fix"]
    assert fast.parses == {"in part": 1}


def test_the_cycle_collector_runs_again_after_a_file_whatever_happened():
    import gc

    from nanlint.linting.engine import ParseError

    linter = Linter(all_rules())
    assert gc.isenabled()
    linter.lint_source(SOURCE, "model.py")
    assert gc.isenabled()
    with pytest.raises(ParseError):
        linter.lint_source("import torch\ndef f(:\n    torch.sqrt(x)\n", "broken.py")
    assert gc.isenabled()


def test_what_libcst_parses_is_held_to_a_fifth_of_the_size_limit():
    """A file under `max-file-size` whose parts a rule wants, or whose whole text a rule
    reads, are more than libcst should hold is not checked, and the reason says which."""
    from nanlint.linting.engine import TooLarge

    padding = "".join(f"    total = total + {i}\n" for i in range(40))
    loss = f"def loss(a, b, total):\n{padding}    return torch.sqrt(((a - b) ** 2).sum())\n"
    wanted = f"import torch\n{loss}def unrelated(total):\n{padding}    return total\n"
    linter = Linter(all_rules(), max_file_size=5 * len(loss))
    with pytest.raises(TooLarge, match=r"^not checked: [\d,]+ characters to parse with libcst \(the parts a rule wants\)"):
        linter.lint_source(wanted, "m.py")
    assert not linter.parses  # refused before libcst ran
    assert _findings(Linter(all_rules(), max_file_size=5 * (len(loss) + 200)), wanted) != []  # the stub is not counted

    # NAN001 follows `d` into code left out: the whole file is parsed, over its share.
    whole = (
        "import torch\nd = ((model(x) - y) ** 2).sum()\n"
        f"def unrelated(total):\n    global d\n{padding}    d = 0\nr = torch.sqrt(d)\nr.backward()\n"
    )
    linter = Linter(all_rules(), max_file_size=5 * (len(whole) - 1))
    with pytest.raises(TooLarge, match=r"\(the whole file, as a rule reads it all\), over the limit of"):
        linter.lint_source(whole, "m.py")
    assert linter.parses == {"again whole": 1}
    assert _findings(Linter(all_rules(), max_file_size=5 * len(whole)), whole) != []


def test_no_tree_outlives_the_file_though_the_collector_is_paused():
    """What refcounting alone frees: a cycle holding the `ast` (a recursive closure in
    `reduce` did) kept a 20 MB file's tree alive until the next full collection."""
    import gc

    linter = Linter(all_rules())
    gc.collect()
    gc.disable()
    try:
        assert _findings(linter, SOURCE) != []
        assert not [o for o in gc.get_objects() if type(o) is ast.Module]
    finally:
        gc.enable()


def test_the_index_records_a_division_as_a_call_of_truediv():
    # `a / b` is `a.__truediv__(b)`: a rule that needs a division asks for that method.
    index = ModuleIndex.from_ast(ast.parse("def f(x):\n    return x / x.max()\ndef g(x):\n    x /= 2\ndef h(x):\n    return x.max()\n"))
    f, g, h = index.parts
    assert f.calls_method(("__truediv__",)) and g.calls_method(("__itruediv__",))
    assert not h.calls_method(("__truediv__", "__itruediv__"))


def test_a_star_import_brings_the_conventional_names_the_module_reads():
    source = "from .base import *\nimport numpy\ndef f(x):\n    return F.softplus(nn.Linear(2, 2)(x)) + torch.ones(1)\n"
    imports = ModuleIndex.from_ast(ast.parse(source)).imports
    assert imports.resolve("F") == "torch.nn.functional" and imports.resolve("torch") == "torch"
    assert imports.resolve("nn") == "torch.nn"
    assert imports.resolve("np") is None  # not read here
    local = "from .base import *\nF = make_features()\ny = F.sum()\n"
    assert ModuleIndex.from_ast(ast.parse(local)).imports.resolve("F") is None  # bound here: its own
    plain = "def f(x):\n    return F.softplus(x)\n"
    assert ModuleIndex.from_ast(ast.parse(plain)).imports.resolve("F") is None  # no star import: unknown
