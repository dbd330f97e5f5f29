"""Output formats: each is one small function from the run's outcomes to text."""

from __future__ import annotations

from typing import Callable, Dict, List

from nanlint.linting.batch import FileOutcome
from nanlint.formats.concise import concise
from nanlint.formats.full import full
from nanlint.formats.github import github
from nanlint.formats.gitlab import gitlab
from nanlint.formats.grouped import grouped
from nanlint.formats.json_format import json_format
from nanlint.formats.junit import junit
from nanlint.formats.pylint import pylint
from nanlint.formats.sarif import sarif

Formatter = Callable[[List[FileOutcome], bool], str]

FORMATS: Dict[str, Formatter] = {
    "full": full,
    "concise": concise,
    "json": json_format,
    "github": github,
    "sarif": sarif,
    "grouped": grouped,
    "pylint": pylint,
    "junit": junit,
    "gitlab": gitlab,
}
