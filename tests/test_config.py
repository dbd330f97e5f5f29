"""`[tool.nanlint]`: where it is found, every key, and the errors that name the file
and the key (or line) instead of falling back to a default."""

from __future__ import annotations

import os

import pytest

from helpers import SAFE_SOURCE, UNSAFE_FIXED, UNSAFE_SOURCE, assert_one_clean_error, rows
from nanlint.config import ConfigError, Settings, find_config, load


def _concise(project, *args):
    return project.run("check", "--output-format", "concise", *args)


def test_the_nearest_pyproject_upward_from_the_checked_path(project):
    project.config('ignore = ["NAN001"]\n')
    project.write("pkg/sub/bad.py", SAFE_SOURCE)
    # A nearer pyproject.toml without a [tool.nanlint] table does not count.
    project.write("pkg/pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config("pkg/sub/bad.py") == str(project.root / "pyproject.toml")
    result = _concise(project, "pkg/sub/bad.py")
    assert result.exit_code == 0, result.output
    # A nearer one with a table wins.
    project.write("pkg/pyproject.toml", "[tool.nanlint]\nselect = ['NAN001']\n")
    assert rows(_concise(project, "pkg/sub/bad.py").stdout) == [(os.path.join("pkg", "sub", "bad.py"), 2, 5, "NAN001")]


def test_config_found_from_the_checked_path_not_the_current_folder(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "pyproject.toml").write_text('[tool.nanlint]\nignore = ["NAN001"]\n')
    (elsewhere / "bad.py").write_text(SAFE_SOURCE)
    assert project.run("check", str(elsewhere)).exit_code == 0
    assert project.run("check", str(elsewhere / "bad.py")).exit_code == 0


def test_explicit_config(project):
    project.write("bad.py", SAFE_SOURCE)
    project.write("conf/nanlint.toml", 'ignore = ["NAN001"]\n')
    project.write("conf/pyproject.toml", '[tool.nanlint]\nignore = ["NAN001"]\n')
    assert _concise(project, "bad.py").exit_code == 1
    assert _concise(project, "--config", "conf/nanlint.toml", "bad.py").exit_code == 0
    assert _concise(project, "--config", "conf/pyproject.toml", "bad.py").exit_code == 0


def test_explicit_config_that_is_missing_or_has_no_table(project):
    project.write("bad.py", SAFE_SOURCE)
    result = project.run("check", "--config", "nope.toml", "bad.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "nope.toml", "no such file")
    project.write("pyproject.toml", "[project]\nname = 'x'\n")
    result = project.run("check", "--config", "pyproject.toml", "bad.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "pyproject.toml", "[tool.nanlint]")


def test_every_key_is_read(project):
    project.config(
        'select = ["NAN0"]\n'
        'ignore = []\n'
        'extend-select = ["NAN001"]\n'
        'exclude = ["skip"]\n'
        'extend-exclude = ["more"]\n'
        'per-file-ignores = { "t/*" = ["NAN001"] }\n'
        "eps = 1e-8\n"
        "max-norm = 5\n"
        'cache-dir = "cachedir"\n'
        "max-file-size = 2.5\n"
    )
    settings = load("pyproject.toml")
    assert settings.select == ("NAN0",)
    assert settings.extend_select == ("NAN001",)
    assert settings.exclude == ("skip",)
    assert settings.extend_exclude == ("more",)
    assert settings.per_file_ignores == (("t/*", ("NAN001",)),)
    assert settings.eps == "1e-8"
    assert settings.max_norm == "5"
    assert settings.cache_dir == "cachedir"
    assert settings.max_file_size == 2_500_000
    assert settings.root == str(project.root)
    project.write("bad.py", SAFE_SOURCE)
    assert project.run("check", "bad.py").exit_code == 1
    assert os.path.isdir(project.root / "cachedir")
    assert not os.path.exists(project.root / ".nanlint_cache")


def test_eps_changes_the_inserted_eps(project):
    project.config("eps = 1e-8\n")
    path = project.write("m.py", UNSAFE_SOURCE)
    result = project.run("check", "--fix", "--unsafe-fixes", "m.py")
    assert result.exit_code == 0, result.output
    assert path.read_text() == UNSAFE_FIXED.replace("1e-12", "1e-8")
    project.config("eps = 0.001\n")
    path.write_text(UNSAFE_SOURCE)
    project.run("check", "--fix", "--unsafe-fixes", "m.py")
    assert path.read_text() == UNSAFE_FIXED.replace("1e-12", "0.001")


def test_eps_in_messages_and_diff(project):
    project.config("eps = 1e-6\n")
    project.write("m.py", UNSAFE_SOURCE)
    assert "Add 1e-6 inside the root" in project.run("check", "m.py").stdout
    assert "+ 1e-6)" in project.run("check", "--diff", "--unsafe-fixes", "m.py").stdout


# -- errors ----------------------------------------------------------------------------


def _fails(project, body, *needles):
    project.config(body)
    project.write("bad.py", SAFE_SOURCE)
    result = project.run("check", "bad.py")
    assert result.exit_code == 2, result.output
    assert_one_clean_error(result.stderr, "pyproject.toml", *needles)
    assert result.stdout == ""
    return result


def test_unknown_key_names_it_with_a_suggestion(project):
    _fails(project, 'extend-ignore = ["NAN001"]\n', "'extend-ignore'", "did you mean")
    _fails(project, "epsilon = 1e-8\n", "'epsilon'", "did you mean 'eps'")
    _fails(project, "colour = true\n", "'colour'", "known keys", "select")


@pytest.mark.parametrize(
    "body, key",
    [
        ('select = "NAN001"\n', "select"),
        ("ignore = [1]\n", "ignore"),
        ("extend-select = true\n", "extend-select"),
        ('exclude = "build"\n', "exclude"),
        ("extend-exclude = [[]]\n", "extend-exclude"),
        ('per-file-ignores = ["x"]\n', "per-file-ignores"),
        ('per-file-ignores = { "t/*" = "NAN001" }\n', "per-file-ignores"),
        ('eps = "1e-8"\n', "eps"),
        ("eps = -1.0\n", "eps"),
        ("eps = 0\n", "eps"),
        ("eps = inf\n", "eps"),
        ("eps = nan\n", "eps"),
        ("eps = true\n", "eps"),
        ("max-norm = [1]\n", "max-norm"),
        ("cache-dir = 3\n", "cache-dir"),
        ('cache-dir = ""\n', "cache-dir"),
        ("max-file-size = 0\n", "max-file-size"),
        ('max-file-size = "20MB"\n', "max-file-size"),
    ],
)
def test_a_value_of_the_wrong_type_names_the_key_and_the_file(project, body, key):
    _fails(project, body, f"] {key}", "expected")


def test_an_unknown_code_in_the_config_names_the_file(project):
    _fails(project, 'select = ["NAN999"]\n', "NAN999", "valid codes")
    _fails(project, 'per-file-ignores = { "t/*" = ["XYZ1"] }\n', "XYZ1", "valid codes")


def test_invalid_toml_names_the_file_and_the_line(project):
    project.write("pyproject.toml", '[tool.nanlint]\nselect = ["NAN001"]\neps = = 1\n')
    project.write("bad.py", SAFE_SOURCE)
    result = project.run("check", "bad.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "pyproject.toml", "invalid TOML", "line 3")


def test_a_table_that_is_not_a_table(project):
    project.write("pyproject.toml", '[tool]\nnanlint = "yes"\n')
    project.write("bad.py", SAFE_SOURCE)
    result = project.run("check", "bad.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "pyproject.toml", "must be a table")


def test_load_raises_config_error_never_a_default(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.nanlint]\nmax-norm = 'big'\n")
    with pytest.raises(ConfigError, match="max-norm"):
        load(str(path))
    assert load(None) == Settings(root=load(None).root)


def test_stdin_filename_in_a_folder_that_does_not_exist_yet_finds_its_project(project, tmp_path_factory):
    other = tmp_path_factory.mktemp("other")
    (other / "pyproject.toml").write_text('[tool.nanlint]\nignore = ["NAN001"]\n')
    name = str(other / "not" / "yet" / "new.py")
    assert project.run("check", "-", "--stdin-filename", name, input=SAFE_SOURCE).exit_code == 0
    assert project.run("check", "-", "--stdin-filename", "new.py", input=SAFE_SOURCE).exit_code == 1


def test_config_in_other_table_spellings(project):
    project.write("bad.py", SAFE_SOURCE)
    project.write("pyproject.toml", '[tool]\nnanlint = { ignore = ["NAN001"] }\n')
    assert project.run("check", "bad.py").exit_code == 0
    project.write("pyproject.toml", '[tool]\nnanlint.ignore = ["NAN001"]\n')
    assert project.run("check", "bad.py").exit_code == 0
