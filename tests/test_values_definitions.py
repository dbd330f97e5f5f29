"""Reaching definitions: which assignments of a name can reach a use of it."""

from __future__ import annotations

import textwrap

import libcst as cst

from nanlint.values.definitions import OUTSIDE, ScopeFlow


def reaching(source: str, marker: str = "use"):
    """The values (as code) that reach the name read in `use(...)`'s argument in the
    first function of the source; OUTSIDE for the parameter."""
    module = cst.parse_module(textwrap.dedent(source))
    function = next(s for s in module.body if isinstance(s, cst.FunctionDef))
    flow = ScopeFlow(function)
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node):
            if isinstance(node.func, cst.Name) and node.func.value == marker:
                found.append(node.args[0].value)

    function.visit(Finder())
    [use] = found
    result = flow.reaching(use)
    return [d if d == OUTSIDE else (module.code_for_node(d.value) if d.value is not None else None) for d in result]


def test_the_last_assignment_hides_the_earlier_ones():
    assert reaching("def f(x):\n    x = x * x\n    x = x.sum(1)\n    use(x)\n") == ["x.sum(1)"]


def test_the_value_rebuilt_through_the_same_name_is_followed_step_by_step():
    source = "def f(x):\n    x = x * x\n    x = use(x)\n"
    assert reaching(source) == ["x * x"]


def test_both_branches_reach_and_hide_what_came_before():
    source = """\
        def f(z, c):
            p = torch.tanh(z)
            if c:
                p = torch.sigmoid(z)
            else:
                p = torch.softmax(z, -1)
            use(p)
        """
    assert reaching(source) == ["torch.softmax(z, -1)", "torch.sigmoid(z)"]


def test_an_if_whose_every_branch_assigns_hides_what_came_before():
    source = """\
        def f(x, c):
            if c == 1:
                std = one()
            elif c == 2:
                std = two()
            else:
                std = three()
            use(std)
        """
    assert reaching(source) == ["three()", "two()", "one()"]
    without_else = "def f(x, c):\n    if c == 1:\n        std = one()\n    elif c == 2:\n        std = two()\n    use(std)\n"
    assert reaching(without_else) == ["two()", "one()", OUTSIDE]


def test_an_assignment_in_a_branch_does_not_hide_the_parameter():
    assert reaching("def f(p):\n    if c:\n        p = p.clamp(1e-6)\n    use(p)\n") == ["p.clamp(1e-6)", OUTSIDE]


def test_in_a_loop_a_later_assignment_reaches_on_the_next_pass():
    source = """\
        def f(z):
            p = torch.sigmoid(z)
            for step in range(3):
                use(p)
                p = torch.sigmoid(p @ w)
        """
    assert reaching(source) == ["torch.sigmoid(p @ w)", "torch.sigmoid(z)"]


def test_a_later_assignment_does_not_come_back_past_one_that_runs_on_every_pass():
    # The inner loop assigns `a` before each read: the outer loop's later `for a in`
    # target never reaches the read, while it still reaches a read before the assignment.
    source = """\
        def f(rows, n):
            while n:
                for k in range(n):
                    a = rows[k] * 2
                    use(a)
                for a in rows:
                    n = a
        """
    assert reaching(source) == ["rows[k] * 2"]
    before = "def f(rows, n):\n    a = 0\n    while n:\n        use(a)\n        a = rows[n]\n        for a in rows:\n            n = a\n"
    assert reaching(before) == [None, "rows[n]", "0"]


def test_a_tuple_assigned_to_a_tuple_pairs_up():
    assert reaching("def f(x, g):\n    p, q = g(x), x\n    use(p)\n") == ["g(x)"]


def test_unknown_values_reach_as_none():
    assert reaching("def f(a):\n    p, q = a\n    use(p)\n") == [None]
    assert reaching("def f(a):\n    for p in a:\n        use(p)\n") == [None]
    assert reaching("def f(p):\n    p += 1\n    use(p)\n") == [None]
    assert reaching("def f(a):\n    with open(a) as p:\n        use(p)\n") == [None]


def test_a_walrus_defines_its_name():
    assert reaching("def f(a):\n    if (p := a.sigmoid()) is not None:\n        use(p)\n") == ["a.sigmoid()"]


def test_elif_and_except_branches_do_not_hide():
    source = """\
        def f(p, c):
            if c == 1:
                p = one()
            elif c == 2:
                p = two()
            try:
                pass
            except ValueError:
                p = three()
            use(p)
        """
    assert reaching(source) == ["three()", "two()", "one()", OUTSIDE]


def test_one_line_bodies_are_numbered_too():
    assert reaching("def f(p):\n    if c: p = one()\n    use(p)\n") == ["one()", OUTSIDE]
    assert reaching("def f(p): use(p)\n") == [OUTSIDE]


def test_a_name_read_in_a_nested_function_is_not_this_scopes():
    module = cst.parse_module("def f(p):\n    def g():\n        return p\n    return g\n")
    function = module.body[0]
    flow = ScopeFlow(function)
    inner_return = function.body.body[0].body.body[0].body[0]
    assert flow.reaching(inner_return.value) is None


def test_another_branch_of_the_same_if_does_not_reach():
    source = """\
        def f(x, mode):
            mag = x.clamp(min=1e-7)
            if mode == "log":
                mag = x.clamp(0, 1)
            elif mode == "double":
                use(mag)
            else:
                mag = x
        """
    assert reaching(source) == ["x.clamp(min=1e-7)"]


def test_a_match_case_does_not_reach_another_case():
    source = """\
        def f(x, mode):
            y = x + 1
            match mode:
                case "a":
                    y = x * 0
                case _:
                    use(y)
        """
    assert reaching(source) == ["x + 1"]


def test_another_branch_reaches_on_the_next_pass_of_a_loop_around_both():
    source = """\
        def f(xs):
            p = 1
            for x in xs:
                if x:
                    p = x * 0
                else:
                    use(p)
        """
    assert reaching(source) == ["x * 0", "1"]


def test_a_branch_that_returns_or_raises_reaches_nothing_after_it():
    source = """\
        def f(x, c, d):
            p = x + 1
            if c:
                p = x * 0
                return p
            if d:
                p = x - 1
                raise ValueError(p)
            use(p)
        """
    assert reaching(source) == ["x + 1"]
    inside = "def f(x, c):\n    if c:\n        p = x * 0\n        use(p)\n        return p\n    return x\n"
    assert reaching(inside) == ["x * 0"]
