"""Fixtures for the chassis tests (helpers.py holds the shared sources and helpers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import Project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "CI"):
        monkeypatch.delenv(name, raising=False)
    return Project(tmp_path)
