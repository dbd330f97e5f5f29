"""An editor, as far as the server tests need one: pygls's LSP client driving a real
`nanlint server` process over stdio, keeping its own copy of each document and
applying the server's edits to it as an editor would (UTF-16 columns)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

README = Path(__file__).resolve().parent.parent / "README.md"
TIMEOUT_S = 60


def editor_snippets() -> Dict[str, str]:
    """The fenced blocks of the README's "Editors" section, by language."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Editors\n", 1)[1].split("\n## ", 1)[0]
    return {language: body for language, body in re.findall(r"```(\w+)\n(.*?)```", section, re.S)}


def executable(command: Sequence[str]) -> List[str]:
    """`command` with its program found as the shell would, or beside this Python (a
    virtual environment that is not on PATH, as under `.venv/bin/python -m pytest`)."""
    program = command[0]
    found = shutil.which(program, path=os.path.dirname(sys.executable)) or shutil.which(program)
    if found is None:
        raise AssertionError(f"`{program}` is not installed: run `pip install -e '.[test]'`")
    return [found, *command[1:]]


def utf16_offset(text: str, line: int, character: int) -> int:
    """An LSP position to an offset in `text`, counted as the LSP counts by default."""
    starts = [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", text)]
    offset = starts[min(line, len(starts) - 1)]
    units = 0
    while units < character and offset < len(text) and text[offset] not in "\r\n":
        units += 2 if ord(text[offset]) > 0xFFFF else 1
        offset += 1
    return offset


def apply_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    spans = [
        (utf16_offset(text, e.range.start.line, e.range.start.character), utf16_offset(text, e.range.end.line, e.range.end.character), e.new_text)
        for e in edits
    ]
    for start, end, content in sorted(spans, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + content + text[end:]
    return text


class Editor:
    """One server process and the documents open in it."""

    def __init__(
        self, command: Sequence[str], root: Path, resolve: bool = False, encodings: Optional[List[str]] = None
    ) -> None:
        """`resolve`: the editor asks for an action's edit only once it is chosen;
        `encodings`: the column units it offers, by preference (LSP 3.17; UTF-16 if none)."""
        self.command = executable(command)
        self.root = root
        self.resolve = resolve
        self.encodings = encodings
        self.client = LanguageClient("nanlint-tests", "1")
        self.texts: Dict[str, str] = {}
        self.versions: Dict[str, int] = {}
        self.published: "asyncio.Queue[types.PublishDiagnosticsParams]" = asyncio.Queue()
        self.messages: List[types.ShowMessageParams] = []
        # Diagnostics published for a version older than the one awaited.
        self.outdated: List[types.PublishDiagnosticsParams] = []
        self.registrations: List[types.Registration] = []

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published.put_nowait(params)

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def show_message(params: types.ShowMessageParams) -> None:
            self.messages.append(params)

        @self.client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            self.registrations.extend(params.registrations)

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def log_message(params: types.LogMessageParams) -> None:
            pass

    async def __aenter__(self) -> "Editor":
        await self.client.start_io(*self.command, cwd=str(self.root))
        self.initialized = await asyncio.wait_for(
            self.client.initialize_async(
                types.InitializeParams(
                    process_id=os.getpid(),
                    root_uri=from_fs_path(str(self.root)),
                    capabilities=types.ClientCapabilities(
                        general=types.GeneralClientCapabilities(position_encodings=self.encodings),
                        text_document=types.TextDocumentClientCapabilities(
                            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
                            code_action=types.CodeActionClientCapabilities(
                                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                                    code_action_kind=types.ClientCodeActionKindOptions(
                                        value_set=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll]
                                    )
                                ),
                                is_preferred_support=True,
                                resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"])
                                if self.resolve
                                else None,
                            ),
                            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
                        ),
                        workspace=types.WorkspaceClientCapabilities(
                            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
                            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                                dynamic_registration=True
                            ),
                        ),
                    ),
                )
            ),
            TIMEOUT_S,
        )
        self.client.initialized(types.InitializedParams())
        return self

    async def __aexit__(self, *exc_info) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT_S)
            self.client.exit(None)
            await asyncio.wait_for(self.client.stop(), TIMEOUT_S)
        finally:
            server = self.client._server
            if server is not None and server.returncode is None:
                server.kill()

    @property
    def returncode(self) -> Optional[int]:
        server = self.client._server
        return server.returncode if server is not None else None

    def uri(self, path: Path) -> str:
        return from_fs_path(str(path))

    def open(self, path: Path, text: Optional[str] = None) -> str:
        uri = self.uri(path)
        self.texts[uri] = path.read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="python", version=1, text=self.texts[uri])
            )
        )
        return uri

    def change(self, uri: str, text: str) -> None:
        self.texts[uri] = text
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def files_changed(self, *paths: Path) -> None:
        """What an editor's file watcher says when files change on disk."""
        self.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=self.uri(path), type=types.FileChangeType.Changed) for path in paths]
            )
        )

    def save(self, uri: str) -> None:
        self.client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def apply(self, edit: types.WorkspaceEdit) -> None:
        """Apply a workspace edit as an editor does, then tell the server."""
        changes: List[Tuple[str, Sequence[types.TextEdit]]] = []
        for change in edit.document_changes or []:
            assert isinstance(change, types.TextDocumentEdit)
            version = change.text_document.version
            assert version is None or version == self.versions[change.text_document.uri], "edit for a stale version"
            changes.append((change.text_document.uri, change.edits))
        changes.extend((edit.changes or {}).items())
        for uri, edits in changes:
            self.change(uri, apply_edits(self.texts[uri], edits))

    async def diagnostics(self, uri: str) -> List[types.Diagnostic]:
        """The diagnostics published for the current version of `uri`."""
        while True:
            params = await asyncio.wait_for(self.published.get(), TIMEOUT_S)
            if params.uri == uri and params.version == self.versions[uri]:
                return list(params.diagnostics)
            self.outdated.append(params)

    async def code_actions(
        self, uri: str, where: types.Range, diagnostics: Sequence[types.Diagnostic] = (), only=None
    ) -> List[types.CodeAction]:
        result = await asyncio.wait_for(
            self.client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    range=where,
                    context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
                )
            ),
            TIMEOUT_S,
        )
        return [action for action in result or [] if isinstance(action, types.CodeAction)]

    async def chosen(self, action: types.CodeAction) -> types.CodeAction:
        """`action` as the editor applies it: resolved first when it came without an edit."""
        if action.edit is not None:
            return action
        assert self.resolve, "an action without an edit for an editor that cannot resolve it"
        return await asyncio.wait_for(self.client.code_action_resolve_async(action), TIMEOUT_S)

    async def hover(self, uri: str, position: types.Position) -> Optional[types.Hover]:
        return await asyncio.wait_for(
            self.client.text_document_hover_async(
                types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
            ),
            TIMEOUT_S,
        )
