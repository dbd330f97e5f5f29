"""A fix that needs a standard-library module imports it with the standard-library
group, where isort and ruff's I001 would put it, not after `import torch`."""

from __future__ import annotations

import libcst as cst
import pytest

from nanlint.linting.engine import Linter
from nanlint.fixing.fixer import fix_source
from nanlint.fixing.import_placement import _found_in_standard_library, is_standard_library
from nanlint.rule import SAFE, PendingFix, Replace, Rule


def _needs(module: str, code: str):
    class NeedsModule(Rule):
        """A test rule whose fix refers to `module`: `tiny()` becomes `code`."""

        name = "needs-module"
        summary = "test"
        triggers = ("tiny",)

        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Name) and node.func.value == "tiny":
                self.report(node, "tiny", PendingFix("spell it", (Replace(node, code),), SAFE, (module,)))

    NeedsModule.code = "NAN903"
    return NeedsModule


NEEDS_SYS = _needs("sys", "sys.float_info.min")


def _fixed(source: str, rule=NEEDS_SYS) -> str:
    return fix_source(Linter([rule]), source, "f.py").text


@pytest.mark.parametrize(
    "source, expected",
    [
        (  # isort's order: between os and typing, the third-party group untouched
            "import os\nimport typing\n\nimport torch\n\nx = tiny()\n",
            "import os\nimport sys\nimport typing\n\nimport torch\n\nx = sys.float_info.min\n",
        ),
        (  # at the end of the group, before the blank line and torch
            "import math\nimport os\n\nimport numpy as np\nimport torch\nx = tiny()\n",
            "import math\nimport os\nimport sys\n\nimport numpy as np\nimport torch\nx = sys.float_info.min\n",
        ),
        (  # plain imports before `from` imports, as isort sorts them
            "import os\nfrom typing import List\nimport torch\nx = tiny()\n",
            "import os\nimport sys\nfrom typing import List\nimport torch\nx = sys.float_info.min\n",
        ),
        (  # first of its group: after the group's heading comment, not before it
            "from __future__ import annotations\n\n# standard library\nimport typing\n\nimport torch\nx = tiny()\n",
            "from __future__ import annotations\n\n# standard library\nimport sys\nimport typing\n\nimport torch\nx = sys.float_info.min\n",
        ),
        (  # a comment above the next import stays with it
            "import os\n# for type hints\nimport typing\nimport torch\nx = tiny()\n",
            "import os\nimport sys\n# for type hints\nimport typing\nimport torch\nx = sys.float_info.min\n",
        ),
        (  # case-insensitive, as isort's default
            "import Queue_like as q\nimport os\nimport torch\nx = tiny()\n",
            "import Queue_like as q\nimport os\nimport sys\nimport torch\nx = sys.float_info.min\n",
        ),
    ],
)
def test_a_standard_library_import_joins_its_group(source, expected):
    assert _fixed(source) == expected


@pytest.mark.parametrize(
    "source, expected",
    [
        (  # no standard-library group to join: after the leading imports, as before
            "import torch\nx = tiny()\n",
            "import torch\nimport sys\nx = sys.float_info.min\n",
        ),
        (  # `__future__` is a group of its own, never joined
            '"""Doc."""\nfrom __future__ import annotations\n\nimport torch\nx = tiny()\n',
            '"""Doc."""\nfrom __future__ import annotations\n\nimport torch\nimport sys\nx = sys.float_info.min\n',
        ),
        (  # relative imports are the project's own
            "from . import utils\nimport torch\nx = tiny()\n",
            "from . import utils\nimport torch\nimport sys\nx = sys.float_info.min\n",
        ),
    ],
)
def test_without_a_standard_library_group_the_import_goes_after_the_imports(source, expected):
    assert _fixed(source) == expected


def test_a_third_party_import_still_goes_after_the_imports():
    rule = _needs("torch", "torch.finfo(torch.float32).tiny")
    source = "import os\nimport sys\n\nimport numpy as np\nx = tiny()\n"
    assert _fixed(source, rule) == (
        "import os\nimport sys\n\nimport numpy as np\nimport torch\nx = torch.finfo(torch.float32).tiny\n"
    )


def test_which_modules_are_standard_library():
    assert is_standard_library("sys") and is_standard_library("os.path")
    assert not is_standard_library("torch") and not is_standard_library("__future__")
    # The way Python 3.9, which has no sys.stdlib_module_names, answers.
    assert _found_in_standard_library("os") and _found_in_standard_library("sys")
    assert not _found_in_standard_library("libcst") and not _found_in_standard_library("no_such_module_here")
