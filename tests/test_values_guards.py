"""`subjects` and `is_guarded`: what a guard can be about, on its own."""

from __future__ import annotations

import libcst as cst

from helpers import answer_at_first, answer_at_return
from nanlint.values.guards import is_guarded, subjects


def test_the_subjects_of_a_count_are_what_it_counts_not_the_method_or_keyword_names():
    found = answer_at_return("import numpy as np\ndef f(err):\n    return (err > 0.).sum(axis=1)\n", subjects)
    assert "err" in found and "sum" not in found and "axis" not in found


def _guarded_division(source: str) -> bool:
    def question(context, node):
        return is_guarded(context, subjects(context, node.right))

    return answer_at_first(source, "BinaryOperation", lambda n: isinstance(n.operator, cst.Divide), question)


def test_a_test_of_another_arrays_count_guards_nothing():
    other = ("import numpy as np\ndef f(err, proposal):\n    if (proposal != -1).sum() < 2:\n        return None\n"
             "    return err.sum(axis=1) / (err > 0.).sum(axis=1)\n")
    own = ("import numpy as np\ndef f(err, proposal):\n    if (err > 0.).sum() < 1:\n        return None\n"
           "    return err.sum(axis=1) / (err > 0.).sum(axis=1)\n")
    assert not _guarded_division(other)
    assert _guarded_division(own)
