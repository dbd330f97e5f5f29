"""NAN100 unused-noqa: a suppression comment that suppresses nothing.

The check itself lives with the suppression comments (`nanlint.linting.suppression`): it
needs the other rules' findings, so the engine answers it after them, as ruff
checks RUF100. This class gives it a code to select, a page and its examples.
"""

from __future__ import annotations

from nanlint.rule import Invalid, Rule
from nanlint.linting.suppression import UNUSED_NOQA, UNUSED_NOQA_NAME

_FLAGGED = "import math\ndef f(n):\n    return math.log(n, 1000)"


class UnusedNoqa(Rule):
    """A `# noqa: NAN...` or `# nanlint: ignore[...]` comment that suppresses nothing.

    ## Why is this bad?
    A suppression outlives the finding it was written for: the code is fixed, moved,
    or a newer nanlint sees that the value cannot be 0 after all. The comment stays,
    and the next real finding on that line is silenced without anyone deciding so.
    On a codebase baselined with `--add-noqa`, this rule keeps the baseline shrinking.

    Flagged, as ruff's RUF100: a nanlint code in a `# noqa` or `# nanlint: ignore[...]`
    comment with no finding of that code on that line (or on its statement's first or
    last line), a code of a rule not enabled (`non-enabled`), a NAN code nanlint does not
    have (`unknown`), and a bare `# nanlint: ignore` that suppresses nothing.
    Not flagged: other tools' codes (`E501`) and a bare `# noqa`, which flake8, ruff and
    pylint read as well (nanlint cannot tell whether they need it), a code the
    configuration turns off for the file (`per-file-ignores`), and `NAN100` itself.

    Off by default, as RUF100 is in ruff: which findings a heuristic analysis makes
    changes between nanlint versions, and an upgrade should not fail a build over
    comments. Turn it on with `extend-select = ["NAN100"]`.

    ## Fix safety
    The fix removes the unused codes from the comment, or the whole directive when none
    is left (text after it, such as `# why`, stays). It changes no code: safe.
    """

    code = UNUSED_NOQA
    name = UNUSED_NOQA_NAME
    summary = "a suppression comment that suppresses nothing hides the next real finding"
    triggers = (r"(?i)noqa", r"(?i)nanlint:")
    default_enabled = False
    fixable = True
    # Its examples run with these rules enabled: NAN004 flags `math.log(n, 1000)`.
    examples_run_with = ("NAN001", "NAN003", "NAN004", "NAN005")
    incident = (
        "Adopting a linter on a large codebase starts with a baseline of suppressions "
        "(ruff's `--add-noqa`); without an unused-suppression check the baseline only grows, "
        "and a comment left behind by a refactor silences the next finding on its line."
    )

    @classmethod
    def wants(cls, index) -> bool:
        return False  # it reads comments, never the code: no file is parsed for it

    @classmethod
    def wants_part(cls, part, module) -> bool:
        return False

    valid = [
        _FLAGGED + "  # noqa: NAN004\n",
        _FLAGGED + "  # nanlint: ignore[NAN004]\n",
        _FLAGGED + "  # noqa\n",
        "x = 1  # noqa\n",
        "x = 1  # noqa: E501\n",
        "x = 1  # noqa: NAN100\n",
        's = "# noqa: NAN004"\n',
        "# a comment about noqa: NAN004 style comments\nx = 1\n",
        "import math\ndef f(n):\n    return math.log(\n        n, 1000\n    )  # noqa: NAN004\n",
        _FLAGGED + "  # noqa: E501, NAN004\n",
        "# nanlint: noqa: NAN004\n" + _FLAGGED + "\n",
    ]
    invalid = [
        Invalid("x = 1  # noqa: NAN004\n", "x = 1\n"),
        Invalid("x = 1  # noqa: NAN004, E501\n", "x = 1  # noqa: E501\n"),
        Invalid(_FLAGGED + "  # noqa: NAN004, NAN001\n", _FLAGGED + "  # noqa: NAN004\n"),
        Invalid("x = 1  # nanlint: ignore[NAN004]\n", "x = 1\n"),
        Invalid("x = 1  # nanlint: ignore\n", "x = 1\n"),
        Invalid("x = 1  # noqa: NAN004  # why it is fine\n", "x = 1  # why it is fine\n"),
        Invalid("x = 1  # noqa: NAN999\n", "x = 1\n"),
        Invalid("x = 1  # noqa: NAN002\n", "x = 1\n"),
        Invalid("x = 1  # type: ignore  # noqa: NAN004\n", "x = 1  # type: ignore\n"),
        Invalid("x = [\n    1,\n]  # noqa: NAN003\n", "x = [\n    1,\n]\n"),
        Invalid("x = 1  # nanlint: noqa: NAN004\n", "x = 1\n"),
    ]
