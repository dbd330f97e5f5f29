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


def test_each_file_gets_the_settings_of_its_nearest_config(project):
    # As ruff: a project of packages, each with its own config, checked in one run.
    project.config('ignore = ["NAN001"]\n')
    project.write("top.py", SAFE_SOURCE)
    project.write("libs/a/pyproject.toml", "[tool.nanlint]\nselect = ['NAN001']\n")
    project.write("libs/a/m.py", SAFE_SOURCE)
    project.write("libs/b/nanlint.toml", "extend-exclude = ['gen']\nselect = ['NAN001']\n")
    project.write("libs/b/gen/m.py", SAFE_SOURCE)
    project.write("libs/b/keep.py", SAFE_SOURCE)
    project.write("libs/c/m.py", SAFE_SOURCE)  # no config of its own: the run's
    found = rows(_concise(project, "--no-cache", ".").stdout)
    assert found == [
        (os.path.join("libs", "a", "m.py"), 2, 5, "NAN001"),
        (os.path.join("libs", "b", "keep.py"), 2, 5, "NAN001"),
    ], found
    # A nested config's exclude does not drop a file named on the command line, unless
    # --force-exclude; the command line's options apply under every config.
    named = os.path.join("libs", "b", "gen", "m.py")
    assert rows(_concise(project, "--no-cache", named).stdout) == [(named, 2, 5, "NAN001")]
    assert rows(_concise(project, "--no-cache", "--force-exclude", named).stdout) == []
    assert rows(_concise(project, "--no-cache", "--ignore", "NAN001", ".").stdout) == []
    # The cache keeps each file's result under its own settings.
    assert rows(_concise(project, ".").stdout) == found
    assert rows(_concise(project, ".").stdout) == found
    # --config names the one config for every file.
    project.write("all.toml", "select = ['NAN001']\n")
    assert len(rows(_concise(project, "--no-cache", "--config", "all.toml", ".").stdout)) == 5


def test_an_invalid_nested_config_is_a_one_line_error(project):
    project.write("pkg/nanlint.toml", "selec = ['NAN001']\n")
    project.write("pkg/m.py", SAFE_SOURCE)
    project.write("m.py", SAFE_SOURCE)
    result = _concise(project, "--no-cache", ".")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, os.path.join("pkg", "nanlint.toml"), "selec")


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
        'include = ["*.py"]\n'
        'extend-include = ["*.pyw"]\n'
        "respect-gitignore = false\n"
        'fixable = ["NAN0"]\n'
        'unfixable = ["NAN005"]\n'
        'extend-safe-fixes = ["NAN001"]\n'
        'extend-unsafe-fixes = ["NAN002"]\n'
        "max-file-size = 2.5\n"
    )
    settings = load("pyproject.toml")
    assert settings.include == ("*.py",) and settings.extend_include == ("*.pyw",)
    assert settings.respect_gitignore is False
    assert settings.fixable == ("NAN0",) and settings.unfixable == ("NAN005",)
    assert settings.extend_safe_fixes == ("NAN001",) and settings.extend_unsafe_fixes == ("NAN002",)
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
        ('respect-gitignore = "yes"\n', "respect-gitignore"),
        ('include = "*.py"\n', "include"),
        ("unfixable = [1]\n", "unfixable"),
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


# -- nanlint.toml and .nanlint.toml ---------------------------------------------------------


def test_a_standalone_nanlint_toml_is_found(project):
    project.write("pkg/bad.py", SAFE_SOURCE)
    project.write("nanlint.toml", 'ignore = ["NAN001"]\n')
    assert find_config("pkg/bad.py") == str(project.root / "nanlint.toml")
    assert _concise(project, "pkg/bad.py").exit_code == 0
    # Empty, it still counts (as ruff.toml does): the defaults, not a farther file's.
    project.write("pkg/nanlint.toml", "")
    assert find_config("pkg/bad.py") == str(project.root / "pkg" / "nanlint.toml")
    assert _concise(project, "pkg/bad.py").exit_code == 1


def test_in_one_folder_dot_nanlint_toml_then_nanlint_toml_then_pyproject(project):
    project.write("bad.py", SAFE_SOURCE)
    project.config('select = ["NAN002"]\n')
    assert find_config("bad.py") == str(project.root / "pyproject.toml")
    project.write("nanlint.toml", 'select = ["NAN003"]\n')
    assert find_config("bad.py") == str(project.root / "nanlint.toml")
    project.write(".nanlint.toml", 'select = ["NAN001"]\n')
    assert find_config("bad.py") == str(project.root / ".nanlint.toml")
    assert load(find_config("bad.py")).select == ("NAN001",)


def test_errors_in_nanlint_toml_name_the_file_and_the_key_without_a_table(project):
    project.write("bad.py", SAFE_SOURCE)
    project.write("nanlint.toml", "epsilon = 1e-8\n")
    result = project.run("check", "bad.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "nanlint.toml: unknown key 'epsilon'", "did you mean 'eps'")
    assert "[tool.nanlint]" not in result.stderr


# -- the command line's selection above the config's (ruff's layers) --------------------


def _codes_run(project, *args):
    return [code for _, _, _, code in rows(_concise(project, *args, "bad.py").stdout)]


def test_command_line_select_overrides_a_config_ignore(project):
    project.write("bad.py", SAFE_SOURCE)
    project.config('ignore = ["NAN001"]\n')
    assert _codes_run(project) == []
    assert _codes_run(project, "--select", "NAN001") == ["NAN001"]
    assert _codes_run(project, "--select", "NAN0") == ["NAN001"]
    # --extend-select adds on top of the config's layer as well.
    assert _codes_run(project, "--extend-select", "NAN001") == ["NAN001"]
    # In one layer an ignore beats a select of the same specificity...
    assert _codes_run(project, "--select", "NAN0", "--ignore", "NAN0") == []
    assert _codes_run(project, "--select", "NAN001", "--ignore", "NAN001") == []
    # ...and the more specific selector wins.
    assert _codes_run(project, "--select", "NAN001", "--ignore", "NAN") == ["NAN001"]
    assert _codes_run(project, "--select", "NAN", "--ignore", "NAN001") == []


def test_in_the_config_the_more_specific_selector_wins(project):
    project.write("bad.py", SAFE_SOURCE)
    project.config('select = ["NAN001"]\nignore = ["NAN"]\n')
    assert _codes_run(project) == ["NAN001"]
    assert _codes_run(project, "--ignore", "NAN001") == []


# -- fixable, unfixable, extend-safe-fixes, extend-unsafe-fixes -------------------------------


def test_unfixable_keeps_the_finding_and_drops_its_fix(project):
    path = project.write("m.py", SAFE_SOURCE)
    project.config('unfixable = ["NAN001"]\n')
    result = _concise(project, "--fix", "m.py")
    assert result.exit_code == 1 and path.read_text() == SAFE_SOURCE
    assert rows(result.stdout) == [("m.py", 2, 5, "NAN001")] and "[*]" not in result.stdout
    project.config('fixable = ["NAN00"]\nunfixable = ["NAN001"]\n')
    assert project.run("check", "--fix", "m.py").exit_code == 1 and path.read_text() == SAFE_SOURCE
    # The more specific selector wins, as in ruff.
    project.config('fixable = ["NAN001"]\nunfixable = ["NAN"]\n')
    assert project.run("check", "--fix", "m.py").exit_code == 0 and path.read_text() != SAFE_SOURCE


def test_extend_safe_and_unsafe_fixes(project):
    path = project.write("m.py", UNSAFE_SOURCE)
    project.config('extend-safe-fixes = ["NAN001"]\n')
    assert project.run("check", "--fix", "m.py").exit_code == 0
    assert path.read_text() == UNSAFE_FIXED
    path = project.write("m.py", SAFE_SOURCE)
    project.config('extend-unsafe-fixes = ["NAN0"]\n')
    result = project.run("check", "--fix", "m.py")
    assert result.exit_code == 1 and path.read_text() == SAFE_SOURCE
    assert "1 more fixable with `--fix --unsafe-fixes`" in result.stdout
    # At one specificity unsafe wins; a more specific selector beats a broader one.
    project.config('extend-safe-fixes = ["NAN001"]\nextend-unsafe-fixes = ["NAN001"]\n')
    assert project.run("check", "--fix", "m.py").exit_code == 1
    project.config('extend-safe-fixes = ["NAN001"]\nextend-unsafe-fixes = ["NAN0"]\n')
    assert project.run("check", "--fix", "m.py").exit_code == 0


def test_fix_settings_are_part_of_the_cache_key(project):
    project.write("m.py", SAFE_SOURCE)
    assert "[*]" in project.run("check", "m.py").stdout  # cached with its fix
    project.config('unfixable = ["NAN001"]\n')
    result = project.run("check", "m.py")
    assert result.exit_code == 1 and "NAN001" in result.stdout and "[*]" not in result.stdout


# -- --config key=value -------------------------------------------------------------------------


def test_config_overrides_inline_toml(project):
    project.write("bad.py", SAFE_SOURCE)
    project.config('ignore = ["NAN001"]\neps = 1e-8\n')
    assert _concise(project, "bad.py").exit_code == 0
    assert _concise(project, "--config", "ignore = []", "bad.py").exit_code == 1
    # Repeatable, and beside a config file named the same way.
    project.write("other.toml", 'select = ["NAN002"]\n')
    result = _concise(project, "--config", "other.toml", "--config", "select = ['NAN001']", "bad.py")
    assert result.exit_code == 1
    # Without any config file at all.
    (project.root / "pyproject.toml").unlink()
    assert _concise(project, "--config", "ignore = ['NAN001']", "bad.py").exit_code == 0
    # The command line's own options still win over --config, as in ruff.
    result = _concise(project, "--config", "ignore = ['NAN001']", "--select", "NAN001", "bad.py")
    assert result.exit_code == 1


@pytest.mark.parametrize(
    "value, needles",
    [
        ("epsilon = 1", ("--config", "'epsilon'", "did you mean 'eps'")),
        ("eps = 'x'", ("--config", "eps", "expected")),
        ("select = ['NAN999']", ("--config", "NAN999", "valid codes")),
        ("select = [", ("--config", "TOML")),
    ],
)
def test_config_override_errors_name_the_override(project, value, needles):
    project.write("bad.py", SAFE_SOURCE)
    result = project.run("check", "--config", value, "bad.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, *needles)


def test_two_config_files_is_an_error(project):
    project.write("bad.py", SAFE_SOURCE)
    project.write("a.toml", "")
    project.write("b.toml", "")
    result = project.run("check", "--config", "a.toml", "--config", "b.toml", "bad.py")
    assert result.exit_code == 2
    assert_one_clean_error(result.stderr, "a.toml", "b.toml")


# -- --show-settings ---------------------------------------------------------------------------


def test_show_settings(project):
    project.write("bad.py", SAFE_SOURCE)
    project.config('ignore = ["NAN002"]\neps = 1e-8\nextend-include = ["*.pyw"]\n')
    result = project.run("check", "--show-settings", "--extend-select", "NAN100", "bad.py")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Resolved settings for: bad.py" in out
    assert f"Settings path: {project.root / 'pyproject.toml'}" in out
    assert 'rules = ["NAN001", "NAN003", "NAN004", "NAN005", "NAN006", "NAN007", "NAN008", "NAN100"]' in out
    assert 'ignore = ["NAN002"]' in out and "eps = 1e-8" in out
    assert 'extend-include = ["*.pyw"]' in out and "respect-gitignore = true" in out
    assert 'extend-select = ["NAN100"]' in out
