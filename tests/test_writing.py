"""`--fix` changes a file's text and nothing else about it: symbolic links stay links
(their target is fixed, once), hard links stay linked, the mode and the owner are
kept, and a file the user may not write is refused with one line, as ruff does."""

from __future__ import annotations

import os
import stat

import pytest

import nanlint.fixing.writing
from helpers import SAFE_FIXED, SAFE_SOURCE, assert_one_clean_error, rows

# An owner a test can give a file when it runs as root (CI containers do).
OTHER_UID = OTHER_GID = 65534
needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="only root can give a file to another user; the owner is kept only for such a file",
)


def _fix(project, *paths):
    return project.run("check", "--fix", "--no-cache", "--jobs", "1", *paths)


# -- symbolic links -------------------------------------------------------------------


def test_a_symlinked_file_is_fixed_through_the_link(project):
    target = project.write("shared/helper.py", SAFE_SOURCE)
    os.makedirs(project.root / "recipe")
    link = project.root / "recipe" / "helper.py"
    os.symlink(os.path.join("..", "shared", "helper.py"), link)
    result = _fix(project, os.path.join("recipe", "helper.py"))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert os.path.islink(link) and os.readlink(link) == os.path.join("..", "shared", "helper.py")
    assert target.read_text() == SAFE_FIXED


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_under_several_names_is_fixed_once(project, jobs):
    """Two recipes link one helper, and the helper is checked too: the first name
    fixes it, the others do not find it "changed on disk since it was read"."""
    target = project.write("shared/helper.py", SAFE_SOURCE)
    for recipe in ("a", "b"):
        os.makedirs(project.root / recipe)
        os.symlink(os.path.join("..", "shared", "helper.py"), project.root / recipe / "helper.py")
    result = project.run("check", "--fix", "--show-fixes", "--no-cache", "--jobs", jobs, ".")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "Fixed 1 finding(s):" in result.stdout
    assert target.read_text() == SAFE_FIXED
    for recipe in ("a", "b"):
        assert os.path.islink(project.root / recipe / "helper.py")


def test_a_link_without_fix_is_still_reported_under_its_own_name(project):
    project.write("shared/helper.py", SAFE_SOURCE)
    os.symlink(os.path.join("shared", "helper.py"), project.root / "helper.py")
    result = project.run("check", "--output-format", "concise", "--no-cache", "helper.py", "shared")
    assert sorted(rows(result.stdout)) == [("helper.py", 2, 5, "NAN001"), (os.path.join("shared", "helper.py"), 2, 5, "NAN001")]


# -- mode, owner, hard links ----------------------------------------------------------


def test_a_read_only_file_is_refused_and_left_as_it_is(project):
    """Refused by its mode, so the test means the same as root (who could write it)."""
    path = project.write("vendored.py", SAFE_SOURCE)
    os.chmod(path, 0o444)
    try:
        result = project.run("check", "--fix", "--output-format", "concise", "--no-cache", "vendored.py")
        assert result.exit_code == 2
        assert_one_clean_error(result.stderr, "vendored.py", "permission denied: read-only file (mode 0444); not fixed")
        # Nothing was fixed, so the finding is still there to see, after the row that
        # says why the file was not written.
        assert rows(result.stdout) == [("vendored.py", 1, 1, "NAN000"), ("vendored.py", 2, 5, "NAN001")]
        assert " fixed, " not in result.stdout
        assert "fixable with `--fix`" not in result.stdout  # it would be refused again
        assert path.read_text() == SAFE_SOURCE
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o444
    finally:
        os.chmod(path, 0o644)


def test_a_file_this_user_may_not_write_is_refused(project, monkeypatch):
    path = project.write("theirs.py", SAFE_SOURCE)
    if os.access(path, os.W_OK):
        # Only another user's file is writable by mode yet not by us, and only root can
        # make one; root may write it, so say what the system would say to a user.
        real = os.access
        monkeypatch.setattr(
            nanlint.fixing.writing.os,
            "access",
            lambda p, mode, **kw: False if os.path.abspath(p) == str(path) else real(p, mode, **kw),
        )
    result = _fix(project, "theirs.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "theirs.py", "permission denied: not writable by this user; not fixed")
    assert path.read_text() == SAFE_SOURCE


def test_the_mode_is_kept(project):
    path = project.write("private.py", SAFE_SOURCE)
    os.chmod(path, 0o640)
    assert _fix(project, "private.py").exit_code == 0
    assert path.read_text() == SAFE_FIXED
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


@needs_root
def test_the_owner_is_kept(project):
    path = project.write("theirs.py", SAFE_SOURCE)
    os.chown(path, OTHER_UID, OTHER_GID)
    os.chmod(path, 0o664)
    assert _fix(project, "theirs.py").exit_code == 0
    assert path.read_text() == SAFE_FIXED
    info = os.stat(path)
    assert (info.st_uid, info.st_gid) == (OTHER_UID, OTHER_GID)
    assert stat.S_IMODE(info.st_mode) == 0o664


@needs_root
def test_a_file_whose_owner_cannot_be_given_to_a_copy_is_written_in_place(project, monkeypatch):
    """A group-writable file of another user: a user may write it but not chown a
    renamed copy to its owner, so the file itself is written."""
    path = project.write("shared.py", SAFE_SOURCE)
    os.chown(path, OTHER_UID, OTHER_GID)
    inode = os.stat(path).st_ino

    def refuse(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(nanlint.fixing.writing.os, "chown", refuse)
    assert _fix(project, "shared.py").exit_code == 0
    info = os.stat(path)
    assert path.read_text() == SAFE_FIXED
    assert (info.st_uid, info.st_gid, info.st_ino) == (OTHER_UID, OTHER_GID, inode)
    assert not [name for name in os.listdir(project.root) if name.startswith(".nanlint-")]


def test_a_hard_linked_file_is_written_in_place(project):
    path = project.write("recipe.py", SAFE_SOURCE)
    other = project.root / "copy_of_recipe.py"
    os.link(path, other)
    result = _fix(project, "recipe.py")
    assert result.exit_code == 0, result.output
    assert other.read_text() == SAFE_FIXED
    assert os.path.samefile(path, other) and os.stat(path).st_nlink == 2


def test_hard_links_checked_together_are_fixed_once(project):
    path = project.write("recipe.py", SAFE_SOURCE)
    os.link(path, project.root / "copy_of_recipe.py")
    result = project.run("check", "--fix", "--show-fixes", "--no-cache", "--jobs", "1", ".")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "Fixed 1 finding(s):" in result.stdout
    assert path.read_text() == SAFE_FIXED and os.stat(path).st_nlink == 2


def test_a_file_in_a_folder_that_takes_no_new_files_is_written_in_place(project, monkeypatch):
    """A writable file in a folder the user may not create files in (root can, so
    the folder's refusal is made by hand)."""
    path = project.write("locked/m.py", SAFE_SOURCE)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(nanlint.fixing.writing.tempfile, "mkstemp", refuse)
    assert _fix(project, os.path.join("locked", "m.py")).exit_code == 0
    assert path.read_text() == SAFE_FIXED


def test_a_failed_write_in_place_puts_the_original_back(project, monkeypatch):
    path = project.write("recipe.py", SAFE_SOURCE)
    os.link(path, project.root / "again.py")
    real = os.write

    def full_disk(descriptor, data):
        if bytes(data) == SAFE_FIXED.encode():
            real(descriptor, bytes(data)[:10])  # part of the new text, then the disk is full
            raise OSError(28, "No space left on device")
        return real(descriptor, data)

    monkeypatch.setattr(nanlint.fixing.writing.os, "write", full_disk)
    result = _fix(project, "recipe.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "recipe.py", "cannot write: no space left on device")
    assert path.read_text() == SAFE_SOURCE
