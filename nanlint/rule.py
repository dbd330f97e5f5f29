"""What a rule is and what it reports: `Rule`, `Diagnostic`, `Fix`, `Edit`, the registry.

A rule is a class in its own module under `nanlint/rules/`. It is registered by
existing: the registry imports every module of that package and keeps every
`Rule` subclass with a code. Its docstring, `valid` and `invalid` examples are at
once its documentation (`nanlint rule CODE`, `rules/CODE.md`) and its tests.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Dict, List, Optional, Sequence, Tuple, Type, Union

if TYPE_CHECKING:  # libcst stays unimported until a file is parsed
    import libcst as cst

    from nanlint.linting.context import FileContext
    from nanlint.linting.names import ModuleIndex

SAFE = "safe"
UNSAFE = "unsafe"


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based row and a 1-based column (in characters), as ruff reports them; in a
    notebook, `cell` (1-based over all its cells) and the row in that cell."""

    row: int
    column: int
    cell: int = 0  # 0: not in a notebook

    def to_json(self) -> Dict[str, int]:
        if self.cell:
            return {"row": self.row, "column": self.column, "cell": self.cell}
        return {"row": self.row, "column": self.column}

    def label(self) -> str:
        """`row:column`, or `cell 3:row:column` in a notebook (ruff's convention)."""
        where = f"{self.row}:{self.column}"
        return f"cell {self.cell}:{where}" if self.cell else where


@dataclass(frozen=True, order=True)
class Edit:
    """Replace the text between two locations with `content` (an insertion when equal)."""

    location: Location
    end_location: Location
    content: str

    def to_json(self) -> Dict[str, Any]:
        return {
            "content": self.content,
            "location": self.location.to_json(),
            "end_location": self.end_location.to_json(),
        }


@dataclass(frozen=True)
class Fix:
    message: str
    applicability: str
    edits: Tuple[Edit, ...]

    def to_json(self) -> Dict[str, Any]:
        return {
            "applicability": self.applicability,
            "message": self.message,
            "edits": [edit.to_json() for edit in self.edits],
        }


@dataclass(frozen=True)
class Related:
    """A place the finding's reasoning went through: where a value was made or passed
    on. Shown as notes, and to code scanning as related locations and a code flow."""

    location: Location
    message: str

    def to_json(self) -> Dict[str, Any]:
        return {"location": self.location.to_json(), "message": self.message}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    message: str
    filename: str
    location: Location
    end_location: Location
    fix: Optional[Fix] = None
    # First row of the statement that holds the finding: a noqa there counts too.
    statement_row: int = 0
    # Why a fix this rule offers could not be applied (e.g. its result did not parse).
    fix_note: str = ""
    # From where the value comes to where it is used, the finding's own line excluded.
    related: Tuple[Related, ...] = ()

    def sort_key(self) -> Tuple[str, int, int, int, str]:
        return (self.filename, self.location.cell, self.location.row, self.location.column, self.code)

    def to_json(self) -> Dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "filename": self.filename,
            "cell": self.location.cell or None,  # as ruff: the notebook cell, null in a .py file
            "location": self.location.to_json(),
            "end_location": self.end_location.to_json(),
            "fix": self.fix.to_json() if self.fix else None,
            "related": [r.to_json() for r in self.related],
        }

    @classmethod
    def from_json(cls, data: Dict[str, Any], statement_row: int = 0) -> "Diagnostic":
        fix = None
        if data.get("fix"):
            raw = data["fix"]
            fix = Fix(
                message=raw["message"],
                applicability=raw["applicability"],
                edits=tuple(
                    Edit(Location(**e["location"]), Location(**e["end_location"]), e["content"])
                    for e in raw["edits"]
                ),
            )
        return cls(
            code=data["code"],
            name=data["name"],
            message=data["message"],
            filename=data["filename"],
            location=Location(**data["location"]),
            end_location=Location(**data["end_location"]),
            fix=fix,
            statement_row=statement_row,
            related=tuple(Related(Location(**r["location"]), r["message"]) for r in data.get("related", ())),
        )


# Edits a rule asks for while it visits: they name nodes, since positions are only
# computed (once per file) when a file has something to report.
@dataclass(frozen=True)
class Replace:
    node: "cst.CSTNode"
    content: str


@dataclass(frozen=True)
class InsertLinesBefore:
    """Whole lines inserted above `statement`, indented like it."""

    statement: "cst.CSTNode"
    lines: Tuple[str, ...]


PendingEdit = Union[Replace, InsertLinesBefore]


@dataclass(frozen=True)
class PendingFix:
    message: str
    edits: Tuple[PendingEdit, ...]
    applicability: str = SAFE
    # Modules the new code refers to, e.g. ("torch",): imported once if absent.
    imports: Tuple[str, ...] = ()
    # Offered instead when this fix cannot be (it would delete a comment, say).
    fallback: Optional["PendingFix"] = None


@dataclass(frozen=True)
class Invalid:
    """An example a rule must flag; `fixed` is the whole module after its fix."""

    code: str
    fixed: Optional[str] = None
    # Fix applicability expected, when the example has a fix.
    applicability: str = SAFE


class Rule:
    """Base of every rule. Subclasses set the class attributes and `visit_*` methods."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    # One line: the headline of the rule page and of `nanlint rules`.
    summary: ClassVar[str] = ""
    # Regular expressions; a file none of them matches cannot hold a finding and is
    # not parsed. Keep them loose enough never to miss a finding, and start each with
    # a literal (a look-behind goes after it): `re` then scans for that literal fast.
    triggers: ClassVar[Tuple[str, ...]] = ()
    # Other words a finding needs in the same file besides a trigger, by group: a file
    # that lacks every pattern of one group is not parsed either (a rule about dividing
    # by a spread needs a division too). As loose as `triggers`, and as fast.
    also_triggers: ClassVar[Tuple[Tuple[str, ...], ...]] = ()
    default_enabled: ClassVar[bool] = True
    fixable: ClassVar[bool] = False
    # The real failure this rule comes from (../CONTEXT.md) and what was measured.
    incident: ClassVar[str] = ""
    options: ClassVar[Dict[str, str]] = {}
    valid: ClassVar[List[str]] = []
    invalid: ClassVar[List[Invalid]] = []
    # Rules enabled beside this one when its examples run (NAN100 judges the others'
    # findings); their findings in the examples must all be suppressed.
    examples_run_with: ClassVar[Tuple[str, ...]] = ()
    # What the rule says, by kind of finding: templates with `{fields}` that the visit
    # fills (`self.say(kind, ...)`), declared apart from the check as ruff's violations
    # declare theirs, shown on the rule's page and pinned by snapshot tests.
    messages: ClassVar[Dict[str, str]] = {}

    def __init__(self, context: "FileContext") -> None:
        self.context = context

    def say(self, kind: str, **fields: str) -> str:
        """The message `kind` with its fields filled in."""
        return self.messages[kind].format(**fields)

    @classmethod
    def wants(cls, index: "ModuleIndex") -> bool:
        """Whether a module with these imports and calls can hold a finding.

        Asked before libcst parses the file (from one cheap walk of Python's `ast`):
        a file no rule wants is never parsed. Keep it loose enough never to miss.
        """
        return True

    @classmethod
    def wants_part(cls, part: "ModuleIndex", module: "ModuleIndex") -> bool:
        """Whether a finding can lie in `part`: a module-level statement or a member of
        a class among them, indexed on its own (`part.node` is its `ast` node), in
        `module` (whose `parts` are the module-level statements).

        A part no selected rule wants is left unparsed (`nanlint.linting.parts`). By default a
        rule wants every part: it reads the module as a whole. A rule that reports only
        inside parts its `wants()` accepts returns `cls.wants(part)`. What it reads
        from other parts is the rule's to declare here, or to ask of `FileContext`
        (the bindings of module-level names are checked that way already).
        """
        return True

    def report(
        self,
        node: "cst.CSTNode",
        message: str,
        fix: Optional[PendingFix] = None,
        related: Sequence[Tuple["cst.CSTNode", str]] = (),
    ) -> None:
        """`related`: (node, note) for each place the reasoning went through, in the
        order the value travels."""
        self.context.report(self, node, message, fix, tuple(related))


_CODE = re.compile(r"^NAN\d{3}$")


@lru_cache(maxsize=None)
def all_rules() -> Tuple[Type[Rule], ...]:
    """Every rule class in `nanlint.rules`, ordered by code."""
    import nanlint.rules as package

    found: Dict[str, Type[Rule]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue  # the generated index, not a rule
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value.code:
                if value.__module__ != module.__name__:
                    continue  # imported from elsewhere
                if not _CODE.match(value.code):
                    raise ValueError(f"rule {value.__name__}: code {value.code!r} is not NAN + 3 digits")
                if value.code in found and found[value.code] is not value:
                    raise ValueError(f"two rules share the code {value.code}")
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def rules_by_code() -> Dict[str, Type[Rule]]:
    return {rule.code: rule for rule in all_rules()}


def match_codes(prefixes: Sequence[str]) -> List[str]:
    """Codes that any of `prefixes` selects; a prefix that selects nothing is an error."""
    from nanlint.linting.registry import rule_infos

    codes = [info.code for info in rule_infos()]
    chosen: List[str] = []
    for prefix in prefixes:
        prefix = prefix.strip().upper()
        if prefix == "ALL":
            matched = codes
        else:
            matched = [code for code in codes if code.startswith(prefix)]
        if not prefix or not matched:
            raise UnknownCode(prefix, codes)
        chosen.extend(code for code in matched if code not in chosen)
    return chosen


class UnknownCode(ValueError):
    def __init__(self, code: str, valid: Sequence[str]) -> None:
        super().__init__(f"unknown rule code {code!r}; valid codes: {', '.join(valid)}")
        self.code = code
