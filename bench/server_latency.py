"""How long `nanlint server` takes to answer an editor, per document, over real stdio.

    python bench/server_latency.py                       # 300 files of the installed torch
    python bench/server_latency.py --files 0 SRC_DIR     # every file under SRC_DIR

Starts `nanlint server` as an editor would and drives it with pygls's LSP client (the
`server` extra). For each file (copied into a temporary project with an empty
`[tool.nanlint]`, so every file is checked with the default settings): the time from
`didOpen` to its `publishDiagnostics`, then from a `didChange` (one character added) to
the next, less the server's debounce pause, and for files with a finding, a
`codeAction` request on it. Prints percentiles for all files and for those the
prefilter lets through (a trigger word in them), and the time to start. "Typical
file": by default 300 of torch's files of at most 150 kB, chosen by the sha1 of
their path (as `bench/run.py --quick` chooses them).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.util
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from nanlint.linting.registry import rule_infos, trigger_pattern
from nanlint.rule import all_rules
from nanlint.server.documents import DocumentLinter
from nanlint.server.protocol import DEBOUNCE_S

MAX_BYTES = 150_000


def _default_root() -> Path:
    spec = importlib.util.find_spec("torch")  # found, not imported
    if spec is None or not spec.submodule_search_locations:
        sys.exit("torch is not installed: name a folder of Python files")
    return Path(list(spec.submodule_search_locations)[0])


def _sample(root: Path, count: int) -> List[Path]:
    files = [p for p in root.rglob("*.py") if p.stat().st_size <= MAX_BYTES]
    files.sort(key=lambda p: hashlib.sha1(str(p.relative_to(root)).encode()).hexdigest())
    return files[:count] if count else files


def _triggered(text: str) -> bool:
    return any(trigger_pattern(info.triggers).search(text) for info in rule_infos() if info.default_enabled)


def _percentiles(values: List[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return (
        f"n={len(ordered):>4}  median {statistics.median(ordered) * 1000:6.1f} ms  "
        f"p90 {at(0.90):6.1f}  p99 {at(0.99):6.1f}  max {ordered[-1] * 1000:6.1f}"
    )


async def measure(command: List[str], files: List[Path], root: Path, project: Path) -> None:
    client = LanguageClient("nanlint-bench", "1")
    published: "asyncio.Queue[types.PublishDiagnosticsParams]" = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait((time.perf_counter(), params))

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def log(params) -> None:
        pass

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def show(params) -> None:
        pass

    async def wait(uri: str, version: int):
        while True:
            at, params = await asyncio.wait_for(published.get(), 120)
            if params.uri == uri and params.version == version:
                return at, params.diagnostics

    started = time.perf_counter()
    await client.start_io(*command, cwd=str(project))
    await client.initialize_async(
        types.InitializeParams(
            process_id=os.getpid(), root_uri=from_fs_path(str(project)), capabilities=types.ClientCapabilities()
        )
    )
    client.initialized(types.InitializedParams())
    # The first answer includes the warm-up the server does after `initialized`.
    probe = project / "probe.py"
    probe.write_text("x = 1\n")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(from_fs_path(str(probe)), "python", 1, "x = 1\n"))
    )
    await wait(from_fs_path(str(probe)), 1)
    ready = time.perf_counter() - started

    # By kind of file: "trigger" (a trigger word: parsed where a rule wants it),
    # "plain" (none: the prefilter answers), "example" (a rule's flagged example).
    opened: Dict[str, List[float]] = {"trigger": [], "plain": [], "example": []}
    changed: Dict[str, List[float]] = {"trigger": [], "plain": [], "example": []}
    actions: List[float] = []
    engine: Dict[str, List[float]] = {"trigger": [], "plain": [], "example": []}
    in_process = DocumentLinter()
    in_process.warm_up()
    findings = 0
    # The corpus, then every rule's flagged examples (short files with a finding each:
    # what the code action timing is measured on when the corpus has few findings).
    examples = project / "_examples"
    examples.mkdir()
    sources = [(path, path.read_bytes().decode("utf-8", "replace"), project / path.relative_to(root)) for path in files]
    for rule in all_rules():
        for index, example in enumerate(rule.invalid):
            sources.append((None, example.code, examples / f"{rule.code.lower()}_{index}.py"))
    for path, text, copy in sources:
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(text, encoding="utf-8")
        uri = from_fs_path(str(copy))
        kind = "example" if path is None else "trigger" if _triggered(text) else "plain"
        sent = time.perf_counter()
        in_process.lint(text, str(copy))
        engine[kind].append(time.perf_counter() - sent)

        sent = time.perf_counter()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
        )
        at, found = await wait(uri, 1)
        opened[kind].append(at - sent)
        findings += len(found)

        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=2, uri=uri),
                [types.TextDocumentContentChangeWholeDocument(text=text + "\n")],
            )
        )
        at, found = await wait(uri, 2)
        changed[kind].append(at - sent - DEBOUNCE_S)

        if found:
            sent = time.perf_counter()
            await client.text_document_code_action_async(
                types.CodeActionParams(
                    types.TextDocumentIdentifier(uri), found[0].range, types.CodeActionContext(diagnostics=[found[0]])
                )
            )
            actions.append(time.perf_counter() - sent)
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))

    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()

    corpus = opened["trigger"] + opened["plain"]
    print(f"files: {len(files)} from {root} (<= {MAX_BYTES // 1000} kB each)")
    print(f"  and {len(sources) - len(files)} rule examples; findings in all: {findings}")
    print(f"start-up (spawn, initialize, warm-up, first answer): {ready * 1000:.0f} ms")
    print(f"didOpen -> diagnostics, every corpus file:     {_percentiles(corpus)}")
    print(f"  with a trigger word (parsed when wanted):     {_percentiles(opened['trigger'])}")
    print(f"  without one (the prefilter answers):          {_percentiles(opened['plain'])}")
    print(f"  rule examples (a finding each):               {_percentiles(opened['example'])}")
    print(f"didChange -> diagnostics (less the {DEBOUNCE_S * 1000:.0f} ms pause): {_percentiles(changed['trigger'] + changed['plain'])}")
    print(f"the engine alone, in process, with a trigger:  {_percentiles(engine['trigger'])}")
    print(f"  without one:                                  {_percentiles(engine['plain'])}")
    print(f"codeAction on a finding:                       {_percentiles(actions)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", help="a folder of Python files [default: the installed torch]")
    parser.add_argument("--files", type=int, default=300, help="how many files (0: all) [default: 300]")
    parser.add_argument("--command", default="nanlint server", help="the server command line")
    args = parser.parse_args()
    root = Path(args.root) if args.root else _default_root()
    files = _sample(root, args.files)
    command = args.command.split()
    command[0] = shutil.which(command[0], path=os.path.dirname(sys.executable)) or command[0]
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "pyproject.toml").write_text("[tool.nanlint]\n")
        asyncio.run(measure(command, files, root, project))


if __name__ == "__main__":
    main()
