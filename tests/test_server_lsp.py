"""`nanlint server` end to end: the command the README's editor snippets name, started
as a process and driven over stdio by a real LSP client (pygls's), the way an editor
drives it: open, diagnostics, code actions, apply the edit, diagnostics gone."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys

import pytest
from lsprotocol import types

from helpers import SAFE_FIXED, SAFE_SOURCE, UNSAFE_FIXED, UNSAFE_SOURCE
from lsp_session import Editor, editor_snippets, executable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _commands_in_readme():
    """The server command line of each editor's snippet, read as that editor reads it."""
    snippets = editor_snippets()
    vscode = json.loads(snippets["json"])
    helix = tomllib.loads(snippets["toml"])["language-server"]["nanlint"]
    lua = re.search(r"cmd = \{([^}]*)\}", snippets["lua"]).group(1)
    elisp = re.search(r"\. \(([^()]*)\)\)", snippets["elisp"]).group(1)
    return {
        "vscode": [vscode["glspc.server.command"], *vscode["glspc.server.commandArguments"]],
        "neovim": re.findall(r'"([^"]*)"', lua),
        "helix": [helix["command"], *helix["args"]],
        "emacs": re.findall(r'"([^"]*)"', elisp),
    }


def _readme_command():
    commands = _commands_in_readme()
    assert len({tuple(c) for c in commands.values()}) == 1, commands
    return commands["vscode"]


def test_every_editor_snippet_starts_the_same_server():
    assert _commands_in_readme() == {editor: ["nanlint", "server"] for editor in ("vscode", "neovim", "helix", "emacs")}


def _session(project, body, **editor_options):
    """Run `body(editor)` against a fresh server for `project`."""

    async def scenario():
        async with Editor(_readme_command(), project, **editor_options) as editor:
            await body(editor)

    asyncio.run(scenario())


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.nanlint]\n")
    return tmp_path


# A line that holds text outside the Basic Multilingual Plane before the finding:
# "😀" is one character to nanlint, two UTF-16 code units to the editor.
PREFIX = 'label = "é😀"; '
NON_ASCII_SOURCE = SAFE_SOURCE.replace("\nd = ", "\n" + PREFIX + "d = ")
NON_ASCII_FIXED = SAFE_FIXED.replace("\nd = ", "\n" + PREFIX + "d = ")


def _utf16(text):
    return len(text.encode("utf-16-le")) // 2


def test_open_hover_fix_and_the_finding_disappears(project):
    path = project / "model.py"
    path.write_text(NON_ASCII_SOURCE, encoding="utf-8")

    async def body(editor):
        capabilities = editor.initialized.capabilities
        assert capabilities.text_document_sync.change == types.TextDocumentSyncKind.Full
        assert capabilities.text_document_sync.save
        assert capabilities.hover_provider
        assert "source.fixAll.nanlint" in capabilities.code_action_provider.code_action_kinds
        assert editor.initialized.server_info.name == "nanlint"

        uri = editor.open(path)
        [diagnostic] = await editor.diagnostics(uri)
        assert (diagnostic.code, diagnostic.source) == ("NAN001", "nanlint")
        # nanlint's column 4 + len(PREFIX) (1-based characters) is this UTF-16 column.
        line = NON_ASCII_SOURCE.splitlines()[1]
        start = _utf16(PREFIX + "d = ")
        assert diagnostic.range == types.Range(
            types.Position(1, start), types.Position(1, _utf16(line))
        )

        # Hover on the finding: its rule's page.
        hover = await editor.hover(uri, diagnostic.range.start)
        assert hover.contents.kind == types.MarkupKind.Markdown
        assert hover.contents.value.startswith("# NAN001 sqrt-without-eps")
        assert "## Fix safety" in hover.contents.value
        assert await editor.hover(uri, types.Position(0, 0)) is None

        actions = await editor.code_actions(uri, diagnostic.range, [diagnostic])
        titles = [action.title for action in actions]
        # Asked with no `only`, the source action comes too (a menu shows it apart).
        assert titles == [
            "Use torch.linalg.vector_norm (NAN001)",
            "Suppress NAN001 on this line (# noqa)",
            "nanlint: fix all safe findings",
        ]
        fix = actions[0]
        assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
        assert list(fix.diagnostics) == [diagnostic]

        editor.apply(fix.edit)
        assert editor.texts[uri] == NON_ASCII_FIXED
        assert await editor.diagnostics(uri) == []

    _session(project, body)


def test_columns_in_the_unit_the_editor_chose(project):
    path = project / "model.py"
    path.write_text(NON_ASCII_SOURCE, encoding="utf-8")

    async def body(editor):
        assert editor.initialized.capabilities.position_encoding == types.PositionEncodingKind.Utf8
        [diagnostic] = await editor.diagnostics(editor.open(path))
        assert diagnostic.range.start == types.Position(1, len((PREFIX + "d = ").encode("utf-8")))

    _session(project, body, encodings=[types.PositionEncodingKind.Utf8])


def test_unsafe_fix_is_labelled_and_noqa_suppresses(project):
    path = project / "stats.py"
    path.write_text(UNSAFE_SOURCE)
    (project / "other.py").write_text(UNSAFE_SOURCE)

    async def body(editor):
        uri = editor.open(path)
        [diagnostic] = await editor.diagnostics(uri)
        # A cursor inside the finding is enough (an editor asks for the cursor's range).
        inside = types.Position(diagnostic.range.start.line, diagnostic.range.start.character + 3)
        actions = await editor.code_actions(uri, types.Range(inside, inside))
        fix = actions[0]
        assert fix.title.endswith("(NAN001, unsafe fix)")
        assert not fix.is_preferred
        editor.apply(fix.edit)
        assert editor.texts[uri] == UNSAFE_FIXED
        assert await editor.diagnostics(uri) == []

        # The same finding elsewhere, suppressed instead.
        other = editor.open(project / "other.py")
        [diagnostic] = await editor.diagnostics(other)
        actions = await editor.code_actions(other, diagnostic.range, [diagnostic])
        [noqa] = [action for action in actions if "noqa" in action.title]
        editor.apply(noqa.edit)
        assert editor.texts[other].splitlines()[1] == "std = torch.sqrt(x.var(dim=0))  # noqa: NAN001"
        assert await editor.diagnostics(other) == []

    _session(project, body)


def test_fix_all_safe_is_a_source_action(project):
    path = project / "both.py"
    source = SAFE_SOURCE.replace("d.sum().backward()\n", "") + UNSAFE_SOURCE.split("\n", 1)[1]
    path.write_text(source)

    async def body(editor):
        uri = editor.open(path)
        assert len(await editor.diagnostics(uri)) == 2
        everywhere = types.Range(types.Position(0, 0), types.Position(0, 0))
        [action] = await editor.code_actions(uri, everywhere, only=[types.CodeActionKind.SourceFixAll])
        assert action.kind == "source.fixAll.nanlint"
        # This editor resolves actions: the edit (a fix run) is made once it is chosen.
        assert action.edit is None
        action = await editor.chosen(action)
        editor.apply(action.edit)
        # The safe fix is applied; the unsafe one is left for the user to choose.
        assert "torch.linalg.vector_norm(a - b, dim=1)" in editor.texts[uri]
        assert "torch.sqrt(x.var(dim=0))" in editor.texts[uri]
        [left] = await editor.diagnostics(uri)
        assert left.code == "NAN001" and left.range.start.line == 2
        # Only the unsafe fix is left: no fix-all is offered.
        assert await editor.code_actions(uri, everywhere, only=[types.CodeActionKind.SourceFixAll]) == []

    _session(project, body, resolve=True)


def test_typing_is_debounced_and_save_lints(project):
    path = project / "model.py"
    path.write_text("import torch\n")

    async def body(editor):
        uri = editor.open(path)
        assert await editor.diagnostics(uri) == []
        # Keystrokes in a burst: only the last version is linted and published.
        bursts = range(10, len(SAFE_SOURCE) + 1, 10)
        for end in bursts:
            editor.change(uri, SAFE_SOURCE[:end])
        editor.change(uri, SAFE_SOURCE)
        [diagnostic] = await editor.diagnostics(uri)
        assert diagnostic.code == "NAN001"
        # (A loaded machine may let a pause fall inside the burst, hence not `== []`.)
        assert len(editor.outdated) < len(bursts) // 2
        assert editor.published.empty()
        path.write_text(SAFE_SOURCE)
        editor.save(uri)
        [again] = await editor.diagnostics(uri)
        assert again == diagnostic

    _session(project, body)


def test_each_document_takes_its_nearest_config(project):
    (project / "sub").mkdir()
    (project / "sub" / "pyproject.toml").write_text('[tool.nanlint]\nignore = ["NAN001"]\n')
    (project / "top.py").write_text(SAFE_SOURCE)
    (project / "sub" / "quiet.py").write_text(SAFE_SOURCE)
    (project / "broken").mkdir()
    (project / "broken" / "pyproject.toml").write_text("[tool.nanlint]\nselct = []\n")
    (project / "broken" / "b.py").write_text(SAFE_SOURCE)

    async def body(editor):
        top = editor.open(project / "top.py")
        assert [d.code for d in await editor.diagnostics(top)] == ["NAN001"]
        quiet = editor.open(project / "sub" / "quiet.py")
        assert await editor.diagnostics(quiet) == []
        broken = editor.open(project / "broken" / "b.py")
        assert await editor.diagnostics(broken) == []
        # A broken config is said, naming the file and the key, as `check` says it.
        [message] = editor.messages
        assert message.type == types.MessageType.Error
        assert "unknown key 'selct'" in message.message and "pyproject.toml" in message.message

        # The config edited on disk: the editor's watcher (registered by the server)
        # says so, and the open documents are linted again.
        [watch] = editor.registrations
        assert watch.method == "workspace/didChangeWatchedFiles"
        assert watch.register_options["watchers"][0]["globPattern"] == "**/pyproject.toml"
        (project / "pyproject.toml").write_text('[tool.nanlint]\nignore = ["NAN001"]\n')
        editor.files_changed(project / "pyproject.toml")
        assert await editor.diagnostics(top) == []

    _session(project, body)


def test_without_pygls_the_server_says_how_to_install_it(tmp_path):
    # pygls made unimportable, as in an install without the `server` extra.
    code = "import sys; sys.modules['pygls'] = None; from nanlint.cli import main; sys.argv = ['nanlint', 'server']; main()"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("nanlint: error: `nanlint server` needs pygls") and ".[server]" in line


def test_check_never_imports_the_server_s_libraries(tmp_path):
    code = "import sys; from nanlint.cli import main; sys.argv = ['nanlint', 'check', '.']\ntry:\n    main()\nexcept SystemExit:\n    pass\nassert not {'pygls', 'lsprotocol'} & set(sys.modules), 'imported'"
    (tmp_path / "a.py").write_text(SAFE_SOURCE)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_console_script_is_what_the_snippets_name():
    assert executable(_readme_command())[1:] == ["server"]
