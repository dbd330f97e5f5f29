"""The language server: LSP over stdio (pygls 2), on top of `nanlint.server.documents`.

What it offers an editor:
- diagnostics when a document opens, is saved, or changes (after a pause in typing);
- a quick fix for every finding that has one (safe fixes preferred, unsafe ones
  labelled), and one that adds `# noqa: CODE`;
- "fix all safe findings" as the source action `source.fixAll.nanlint`;
- the rule's page on hover over a finding;
- the open documents linted again when a pyproject.toml changes (a file watcher the
  server asks the editor for).

Documents are synced whole (`TextDocumentSyncKind.Full`): pygls applies incremental
changes on lines split by `str.splitlines`, which also splits at form feeds and
U+2028 where the editor does not, and a few kilobytes per pause cost nothing.
Linting runs on the event loop, in the order the editor's messages came.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Dict, List, Optional, Sequence, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from nanlint import __version__
from nanlint.rule import SAFE, Diagnostic
from nanlint.server.documents import (
    DocumentLinter,
    Findings,
    Projects,
    Span,
    TextIndex,
    merge_edits,
    noqa_span,
    overlapping,
    whole_change,
)

# A pause in typing this long (seconds) before a changed document is linted again.
DEBOUNCE_S = 0.15
FIX_ALL_KIND = types.CodeActionKind.SourceFixAll + ".nanlint"
SOURCE = "nanlint"

log = logging.getLogger(__name__)


class NanlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("nanlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.linter = DocumentLinter()
        # uri -> the text last linted and what it gave: code actions and hover on an
        # unchanged document reuse it instead of linting again.
        self.linted: Dict[str, Tuple[str, Findings]] = {}
        self.pending: Dict[str, asyncio.TimerHandle] = {}
        self.shown_errors: set = set()

    # -- documents ---------------------------------------------------------------

    def findings(self, uri: str) -> Tuple[TextIndex, Findings]:
        document = self.workspace.get_text_document(uri)
        text = document.source
        cached = self.linted.get(uri)
        if cached is not None and cached[0] == text:
            return TextIndex(text), cached[1]
        try:
            found = self.linter.lint(text, _path(uri))
        except Exception as error:  # one bad document must not take the server down
            log.exception("nanlint: internal error on %s", uri)
            found = Findings([], note=f"internal error: {type(error).__name__}: {error}", error=True)
        self.linted[uri] = (text, found)
        if found.note:
            self._tell(uri, found)
        return TextIndex(text), found

    def publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        if uri not in self.workspace.text_documents:
            return  # closed while waiting
        index, found = self.findings(uri)
        document = self.workspace.get_text_document(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri,
                version=document.version,
                diagnostics=[self.to_lsp(index, d) for d in found.diagnostics],
            )
        )

    def publish_later(self, uri: str) -> None:
        self.cancel(uri)
        self.pending[uri] = asyncio.get_running_loop().call_later(DEBOUNCE_S, self.publish, uri)

    def cancel(self, uri: str) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()

    def _tell(self, uri: str, found: Findings) -> None:
        message = f"nanlint: {_path(uri) or uri}: {found.note}"
        if found.error:
            # A broken config: said once in a message box, not on every keystroke.
            if found.note not in self.shown_errors:
                self.shown_errors.add(found.note)
                self.window_show_message(types.ShowMessageParams(types.MessageType.Error, message))
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, message))
        else:
            self.window_log_message(types.LogMessageParams(types.MessageType.Log, message))

    def watch_configs(self) -> None:
        """Ask the editor to say when a pyproject.toml changes, if it can watch files."""
        workspace = self.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if not (watched and watched.dynamic_registration):
            return  # the settings are still read afresh at the next edit or save
        self.client_register_capability(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id="nanlint-config",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(
                            watchers=[types.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
                        ),
                    )
                ]
            )
        )

    # -- conversions -------------------------------------------------------------

    def units(self, text: str) -> int:
        # The column unit agreed at initialize: UTF-16 unless the client offered another.
        return self.workspace.position_codec.client_num_units(text)

    def position(self, index: TextIndex, offset: int) -> types.Position:
        line, character = index.position(offset, self.units)
        return types.Position(line=line, character=character)

    def span_range(self, index: TextIndex, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(index, start), end=self.position(index, end))

    def offset(self, index: TextIndex, position: types.Position) -> int:
        return index.offset_at(position.line, position.character, self.units)

    def to_lsp(self, index: TextIndex, diagnostic: Diagnostic) -> types.Diagnostic:
        return types.Diagnostic(
            range=self.span_range(index, index.offset(diagnostic.location), index.offset(diagnostic.end_location)),
            message=diagnostic.message,
            severity=types.DiagnosticSeverity.Warning,
            code=diagnostic.code,
            source=SOURCE,
        )

    def edit(self, uri: str, index: TextIndex, spans: Sequence[Span]) -> types.WorkspaceEdit:
        edits = [types.TextEdit(range=self.span_range(index, start, end), new_text=content) for start, end, content in spans]
        if self._versioned_edits():
            version = self.workspace.get_text_document(uri).version
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                        edits=edits,
                    )
                ]
            )
        return types.WorkspaceEdit(changes={uri: edits})

    def _versioned_edits(self) -> bool:
        workspace = self.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        return bool(edit and edit.document_changes)

    # -- requests ----------------------------------------------------------------

    def code_actions(self, params: types.CodeActionParams) -> List[types.CodeAction]:
        uri = params.text_document.uri
        index, found = self.findings(uri)
        only = params.context.only
        actions: List[types.CodeAction] = []
        if _wanted(only, types.CodeActionKind.QuickFix):
            start, end = self.offset(index, params.range.start), self.offset(index, params.range.end)
            for diagnostic in overlapping(found.diagnostics, index, start, end):
                actions.extend(self._quick_fixes(uri, index, diagnostic))
        if _wanted(only, FIX_ALL_KIND) and any(d.fix and d.fix.applicability == SAFE for d in found.diagnostics):
            action = types.CodeAction(title="nanlint: fix all safe findings", kind=FIX_ALL_KIND, data={"uri": uri})
            # Fixing the whole file lints it again, round after round: an editor asks
            # for actions at every move of the cursor, so the edit is made only when
            # the action is chosen (resolved), if the editor can ask for it then.
            if self._resolves_edits():
                actions.append(action)
            else:
                change = self._fix_all(uri)
                if change is not None:
                    action.data, action.edit = None, self.edit(uri, *change)
                    actions.append(action)
        return actions

    def resolve(self, action: types.CodeAction) -> types.CodeAction:
        """The fix-all action with its edit; a quick fix comes with its edit already."""
        data = action.data if isinstance(action.data, dict) else {}
        uri = data.get("uri")
        if action.kind != FIX_ALL_KIND or not isinstance(uri, str) or uri not in self.workspace.text_documents:
            return action
        change = self._fix_all(uri)
        # Nothing left to fix (the file changed since): an empty edit, not an error.
        index = TextIndex(self.workspace.get_text_document(uri).source)
        action.data, action.edit = None, self.edit(uri, *(change or (index, [])))
        return action

    def _fix_all(self, uri: str) -> Optional[Tuple[TextIndex, List[Span]]]:
        index = TextIndex(self.workspace.get_text_document(uri).source)
        fixed = self.linter.fix_all(index.text, _path(uri))
        change = whole_change(index.text, fixed) if fixed is not None else None
        return None if change is None else (index, [change])

    def _resolves_edits(self) -> bool:
        text_document = self.client_capabilities.text_document
        code_action = text_document.code_action if text_document else None
        support = code_action.resolve_support if code_action else None
        return bool(support and "edit" in support.properties)

    def _quick_fixes(self, uri: str, index: TextIndex, diagnostic: Diagnostic) -> List[types.CodeAction]:
        lsp_diagnostic = self.to_lsp(index, diagnostic)
        actions = []
        fix = diagnostic.fix
        if fix is not None:
            safe = fix.applicability == SAFE
            title = f"{fix.message} ({diagnostic.code})" if safe else f"{fix.message} ({diagnostic.code}, unsafe fix)"
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[lsp_diagnostic],
                    is_preferred=safe,
                    edit=self.edit(uri, index, merge_edits(index, fix.edits)),
                )
            )
        noqa = noqa_span(index, diagnostic)
        if noqa is not None:
            actions.append(
                types.CodeAction(
                    title=f"Suppress {diagnostic.code} on this line (# noqa)",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[lsp_diagnostic],
                    edit=self.edit(uri, index, [noqa]),
                )
            )
        return actions

    def hover(self, params: types.HoverParams) -> Optional[types.Hover]:
        from nanlint.docs import render
        from nanlint.rule import rules_by_code

        index, found = self.findings(params.text_document.uri)
        offset = self.offset(index, params.position)
        hits = overlapping(found.diagnostics, index, offset, offset)
        if not hits:
            return None
        rules = rules_by_code()
        codes = list(dict.fromkeys(d.code for d in hits))
        pages = [render(rules[code]).strip() for code in codes if code in rules]
        first = hits[0]
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(pages)),
            range=self.span_range(index, index.offset(first.location), index.offset(first.end_location)),
        )


def _path(uri: str) -> Optional[str]:
    """The file a document is (or will be saved as); None for an unsaved buffer."""
    if not uri.startswith("file:"):
        return None
    return to_fs_path(uri)


def _wanted(only: Optional[Sequence[str]], kind: str) -> bool:
    """Whether the client asked for actions of `kind` (`only` lists kinds and parents)."""
    return only is None or any(kind == asked or kind.startswith(asked + ".") for asked in only)


def create_server() -> NanlintServer:
    server = NanlintServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: NanlintServer, params: types.InitializedParams) -> None:
        # An unsaved buffer takes the settings of the folder the editor opened.
        ls.linter.projects = Projects(ls.workspace.root_path or os.getcwd())
        ls.watch_configs()
        # Import libcst and the rules now, not in the first document's answer.
        ls.linter.warm_up()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: NanlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: NanlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.publish_later(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: NanlintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.cancel(params.text_document.uri)
        # Saved: the pyproject.toml beside it may have changed too, so lint afresh.
        ls.linted.pop(params.text_document.uri, None)
        ls.publish(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def config_changed(ls: NanlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        # A pyproject.toml changed (an ignore added, a rule selected): every open
        # document may answer differently now.
        ls.linted.clear()
        for uri in list(ls.workspace.text_documents):
            ls.publish(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: NanlintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.cancel(uri)
        ls.linted.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=True),
    )
    def code_action(ls: NanlintServer, params: types.CodeActionParams) -> List[types.CodeAction]:
        return ls.code_actions(params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    def code_action_resolve(ls: NanlintServer, action: types.CodeAction) -> types.CodeAction:
        return ls.resolve(action)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: NanlintServer, params: types.HoverParams) -> Optional[types.Hover]:
        return ls.hover(params)

    return server


def serve() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(levelname)s: %(message)s")
    create_server().start_io()
