#!/usr/bin/env python3
"""Benchmark nanlint against its peers on real code nobody here wrote.

    python3 bench/run.py                       # torch corpus, every default tool
    python3 bench/run.py --quick               # a 100-file subset: proves every tool line works
    python3 bench/run.py --tools nanlint,ruff,libcst --reuse bench/results --markdown bench/RESULTS.md
    python3 bench/run.py --profile             # nanlint on one process under cProfile, top 25

What it does, in order (each step skipped when its result is already there):
1. corpus: `pip download --no-deps torch==2.13.0` and `transformers==4.57.1`, unzip only
   the `*.py` files of each wheel into bench/corpus/<name>/, print files, lines and MB.
2. environments: bench/.venv-peers (pinned torchfix, fixit, ruff, libcst) and
   bench/.venv-nanlint (`pip install -e` of the repo root), unless `--python` names the
   interpreter that runs nanlint.
3. timing: each tool several times on the same corpus (the median is reported); a tool
   whose first run takes longer than `--slow-after` seconds runs once. Every run is a fresh
   process tree; its wall time, CPU time, the max RSS of its largest process
   (`/usr/bin/time -v`, else `getrusage(RUSAGE_CHILDREN)` in a fresh wrapper process) and
   the peak RSS summed over its whole process tree (sampled from /proc) are recorded.
   Findings printed by a tool go to a scratch file; a non-zero exit is recorded, not fatal.
4. results: one JSON file per corpus and tool under `--results-dir` (bench/results), the
   table on stdout and, with `--markdown OUT`, as markdown with date, cores and versions.
   `--reuse DIR` adds saved results of tools not run now, so the slow peers run once.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CORPUS_ROOT = BENCH / "corpus"
PEERS_VENV = BENCH / ".venv-peers"
NANLINT_VENV = BENCH / ".venv-nanlint"

TORCH = "torch==2.13.0"
TRANSFORMERS = "transformers==4.57.1"
# The peers, pinned to the versions this benchmark was first run with. TorchFix 0.7.0
# requires libcst < 1.6, so that venv's libcst is older than nanlint's (see README).
PEERS = ["torchfix==0.7.0", "fixit==2.2.1", "ruff==0.17.6", "libcst"]
# Ruff's closest rules to nanlint's subject: NumPy-specific rules, Perflint,
# nan-comparison (PLW0177) and redundant-log-base (FURB163).
RUFF_NUMERIC = "NPY,PERF,PLW0177,FURB163"
QUICK_FILES = 100
QUICK_MAX_BYTES = 150_000

CORPORA = {
    "torch": ("torch-2.13.0", [TORCH]),
    "transformers": ("transformers-4.57.1", [TRANSFORMERS]),
}


def log(*parts: object) -> None:
    print("[bench]", *parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- corpus


@dataclass
class Corpus:
    name: str
    paths: List[Path]  # what every tool is given
    files: int = 0
    lines: int = 0
    bytes: int = 0
    wheels: List[Dict[str, str]] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.name}: {self.files:,} files, {self.lines:,} lines, {self.bytes / 1e6:.1f} MB"

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "paths": [str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p) for p in self.paths],
            "files": self.files,
            "lines": self.lines,
            "bytes": self.bytes,
            "wheels": self.wheels,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _count(paths: Sequence[Path]) -> tuple:
    files = lines = size = 0
    for root in paths:
        for path in sorted(root.rglob("*.py")):
            raw = path.read_bytes()
            files += 1
            size += len(raw)
            lines += raw.count(b"\n") + (1 if raw and not raw.endswith(b"\n") else 0)
    return files, lines, size


# A marker that makes the corpus its own project for every tool: Fixit's walker
# (trailrunner) looks upward for pyproject.toml/.git and applies that root's .gitignore,
# and this repo's .gitignore lists bench/corpus/, so without it Fixit lints nothing.
# `root = true` stops Fixit from reading configs above it; ruff runs with --isolated.
# nanlint takes the nearest pyproject.toml with a [tool.nanlint] table, and the repo's
# excludes bench/corpus: the empty table here gives it its defaults, rooted here (so its
# cache, for the warm line, is <corpus>/.nanlint_cache).
MARKER = """\
# Written by bench/run.py: makes this folder its own project root for every tool,
# so none of them reads the nanlint repo's .gitignore or configuration.
[tool.fixit]
root = true

[tool.nanlint]
"""


def _download(requirement: str, into: Path, python: str) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    name = requirement.split("==")[0]
    version = requirement.split("==")[1]

    def existing() -> List[Path]:
        return sorted(into.glob(f"{name}-{version}*.whl")) + sorted(into.glob(f"{name}-{version}+*.whl"))

    if not existing():
        log(f"pip download --no-deps {requirement}")
        subprocess.run(
            [python, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", requirement, "-d", str(into)],
            check=True,
        )
    found = existing()
    if not found:
        raise SystemExit(f"pip download {requirement} left no wheel in {into}")
    return found[0]


def build_corpus(key: str, python: str) -> Corpus:
    dirname, requirements = CORPORA[key]
    target = CORPUS_ROOT / dirname
    manifest = target / "MANIFEST.json"
    if manifest.exists():
        data = json.loads(manifest.read_text())
        return Corpus(dirname, [target], data["files"], data["lines"], data["bytes"], data["wheels"])
    staging = CORPUS_ROOT / (dirname + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    wheels = []
    for requirement in requirements:
        wheel = _download(requirement, CORPUS_ROOT / "wheels", python)
        log(f"unzipping the *.py files of {wheel.name}")
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.infolist():
                if member.filename.endswith(".py") and ".dist-info/" not in member.filename:
                    archive.extract(member, staging)
        wheels.append({"requirement": requirement, "wheel": wheel.name, "sha256": _sha256(wheel)})
    (staging / "pyproject.toml").write_text(MARKER)
    files, lines, size = _count([staging])
    data = {"files": files, "lines": lines, "bytes": size, "wheels": wheels}
    (staging / "MANIFEST.json").write_text(json.dumps(data, indent=2) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return Corpus(dirname, [target], files, lines, size, wheels)


def build_quick(torch: Corpus) -> Corpus:
    """A deterministic subset of the torch corpus: QUICK_FILES files of at most QUICK_MAX_BYTES."""
    target = CORPUS_ROOT / "quick"
    manifest = target / "MANIFEST.json"
    if manifest.exists():
        data = json.loads(manifest.read_text())
        return Corpus("quick", [target], data["files"], data["lines"], data["bytes"], data["wheels"])
    source = torch.paths[0]
    candidates = [p for p in source.rglob("*.py") if p.stat().st_size <= QUICK_MAX_BYTES]
    chosen = sorted(
        candidates, key=lambda p: hashlib.sha1(str(p.relative_to(source)).encode()).hexdigest()
    )[:QUICK_FILES]
    shutil.rmtree(target, ignore_errors=True)
    for path in chosen:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    (target / "pyproject.toml").write_text(MARKER)
    files, lines, size = _count([target])
    wheels = [dict(w, subset=f"{QUICK_FILES} files chosen by sha1 of path, each <= {QUICK_MAX_BYTES} bytes") for w in torch.wheels]
    data = {"files": files, "lines": lines, "bytes": size, "wheels": wheels}
    manifest.write_text(json.dumps(data, indent=2) + "\n")
    return Corpus("quick", [target], files, lines, size, wheels)


def corpus_for(args) -> Corpus:
    python = sys.executable
    if args.quick:
        return build_quick(build_corpus("torch", python))
    if args.corpus == "both":
        parts = [build_corpus("torch", python), build_corpus("transformers", python)]
        return Corpus(
            "torch+transformers",
            [p for c in parts for p in c.paths],
            sum(c.files for c in parts),
            sum(c.lines for c in parts),
            sum(c.bytes for c in parts),
            [w for c in parts for w in c.wheels],
        )
    return build_corpus(args.corpus, python)


# --------------------------------------------------------------------------- environments


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_peers() -> Path:
    python = _venv_python(PEERS_VENV)
    if python.exists() and all((PEERS_VENV / "bin" / tool).exists() for tool in ("ruff", "torchfix", "fixit")):
        return python
    log(f"creating {PEERS_VENV.relative_to(REPO)}: pip install {' '.join(PEERS)}")
    subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEERS], check=True)
    return python


def ensure_nanlint(explicit: Optional[str]) -> Path:
    if explicit:
        return Path(explicit)
    python = _venv_python(NANLINT_VENV)
    probe = [str(python), "-c", "import nanlint.cli"]
    if python.exists() and subprocess.run(probe, capture_output=True, cwd="/").returncode == 0:
        return python
    log(f"creating {NANLINT_VENV.relative_to(REPO)}: pip install -e {REPO}")
    subprocess.run([sys.executable, "-m", "venv", str(NANLINT_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-e", str(REPO)], check=True)
    return python


def _version(argv: List[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd="/")
        return (done.stdout.strip() or done.stderr.strip()).splitlines()[-1]
    except Exception as error:  # a missing tool shows in its run, not here
        return f"unknown ({error})"


def _metadata_version(python: Path, package: str) -> str:
    return _version([str(python), "-c", f"from importlib.metadata import version; print(version('{package}'))"])


def _git_revision() -> str:
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "nanlint"], capture_output=True, text=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except Exception:
        return "unknown"


# --------------------------------------------------------------------------- measuring


def _children_of() -> Dict[int, List[int]]:
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    children = _children_of()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * _PAGE // 1024
        except (OSError, ValueError, IndexError):
            pass
        stack.extend(children.get(pid, ()))
    return total


class TreeSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self.stopped = threading.Event()
        self.enabled = os.path.isdir("/proc")

    def run(self) -> None:
        while self.enabled and not self.stopped.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self.stopped.wait(self.interval)


GNU_TIME = "/usr/bin/time"


def _has_gnu_time() -> bool:
    if not os.access(GNU_TIME, os.X_OK):
        return False
    done = subprocess.run([GNU_TIME, "-v", "true"], capture_output=True, text=True)
    return "Maximum resident set size" in done.stderr


def _measure_main(out: str, argv: List[str]) -> int:
    """`run.py --_measure OUT -- CMD...`: run CMD, write its children's rusage to OUT."""
    import resource

    code = subprocess.call(argv)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    Path(out).write_text(json.dumps({"maxrss_kb": usage.ru_maxrss, "cpu_s": usage.ru_utime + usage.ru_stime}))
    return code


@dataclass
class Run:
    wall_s: float
    cpu_s: Optional[float]
    maxrss_kb: Optional[int]
    tree_peak_kb: Optional[int]
    returncode: Optional[int]
    timed_out: bool
    loadavg_before: List[float]
    stdout_bytes: int
    stdout_head: str
    stderr_tail: str


def run_once(argv: List[str], cwd: Path, timeout: float, use_time: bool, env: Dict[str, str]) -> Run:
    scratch = Path(tempfile.mkdtemp(prefix="nanlint-bench-"))
    try:
        usage_file = scratch / "usage"
        if use_time:
            wrapped = [GNU_TIME, "-v", "-o", str(usage_file)] + argv
        else:
            wrapped = [sys.executable, str(Path(__file__).resolve()), "--_measure", str(usage_file), "--"] + argv
        load = list(os.getloadavg()) if hasattr(os, "getloadavg") else []
        with open(scratch / "out", "wb") as out, open(scratch / "err", "wb") as err:
            start = time.perf_counter()
            process = subprocess.Popen(wrapped, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
            sampler = TreeSampler(process.pid)
            sampler.start()
            timed_out = False
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            wall = time.perf_counter() - start
            sampler.stopped.set()
            sampler.join()
        cpu = maxrss = None
        if usage_file.exists():
            text = usage_file.read_text(errors="replace")
            if use_time:
                found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
                maxrss = int(found.group(1)) if found else None
                user = re.search(r"User time \(seconds\): ([\d.]+)", text)
                system = re.search(r"System time \(seconds\): ([\d.]+)", text)
                if user and system:
                    cpu = float(user.group(1)) + float(system.group(1))
            elif text.strip():
                data = json.loads(text)
                maxrss, cpu = data["maxrss_kb"], data["cpu_s"]
        out_bytes = (scratch / "out").stat().st_size
        with open(scratch / "out", "rb") as handle:
            head = handle.read(600).decode(errors="replace")
        err_raw = (scratch / "err").read_bytes()
        return Run(
            wall_s=round(wall, 3),
            cpu_s=None if cpu is None else round(cpu, 2),
            maxrss_kb=maxrss,
            tree_peak_kb=sampler.peak_kb or None,
            returncode=None if timed_out else process.returncode,
            timed_out=timed_out,
            loadavg_before=[round(x, 2) for x in load],
            stdout_bytes=out_bytes,
            stdout_head=head,
            stderr_tail=err_raw[-1500:].decode(errors="replace"),
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --------------------------------------------------------------------------- tools


@dataclass
class Tool:
    id: str
    label: str
    groups: List[str]
    argv: Callable[["Context"], List[str]]
    version: Callable[["Context"], str]
    needs: str  # "peers" or "nanlint"
    prepare: Optional[Callable[["Context", "Tool"], None]] = None
    default: bool = True
    note: str = ""
    reference: str = "nanlint-cold"  # the line its ratios are to


@dataclass
class Context:
    corpus: Corpus
    cores: int
    nanlint_python: Optional[Path] = None
    peers_python: Optional[Path] = None
    nanlint_args: List[str] = field(default_factory=list)

    @property
    def paths(self) -> List[str]:
        return [str(p) for p in self.corpus.paths]

    def peer(self, name: str) -> str:
        assert self.peers_python is not None
        return str(self.peers_python.parent / name)


def _nanlint(ctx: Context, jobs: int, cached: bool) -> List[str]:
    argv = [str(ctx.nanlint_python), "-m", "nanlint", "check", *ctx.paths, "--jobs", str(jobs), "--output-format", "json"]
    return argv + ([] if cached else ["--no-cache"]) + ctx.nanlint_args


def _fill_cache(ctx: Context, tool: Tool) -> None:
    """The warm runs need a cache that holds every file: clear it, fill it once, untimed."""
    for path in ctx.corpus.paths:  # where the corpus's own [tool.nanlint] puts it
        shutil.rmtree(path / ".nanlint_cache", ignore_errors=True)
    log("filling nanlint's cache (untimed run)")
    done = subprocess.run(tool.argv(ctx), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=CORPUS_ROOT)
    if done.returncode not in (0, 1):
        log(f"the cache-filling run exited {done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")


# The pre-commit case: one file that holds trigger words, so nanlint parses (part of) it.
ONE_FILE = {"torch-2.13.0": "torch/optim/adam.py", "transformers-4.57.1": "transformers/models/clip/modeling_clip.py"}


def _one_file(ctx: Context) -> str:
    return str(ctx.corpus.paths[0] / ONE_FILE[ctx.corpus.name])


def _floor(ctx: Context, python: Optional[Path], jobs: int, use_ast: bool = False) -> List[str]:
    argv = [str(python), str(BENCH / "parse_floor.py"), "--jobs", str(jobs)]
    return argv + (["--ast"] if use_ast else []) + ctx.paths


def make_tools(cores: int) -> List[Tool]:
    nanlint_version = lambda ctx: f"nanlint {_version([str(ctx.nanlint_python), '-c', 'import nanlint; print(nanlint.__version__)'])} ({_git_revision()}), libcst {_metadata_version(ctx.nanlint_python, 'libcst')}"
    return [
        Tool("nanlint-cold", f"nanlint cold, {cores} processes", ["nanlint"], lambda c: _nanlint(c, c.cores, False), nanlint_version, "nanlint",
             note="the reference: every ratio is to this line"),
        Tool("nanlint-cold-1", "nanlint cold, 1 process", ["nanlint"], lambda c: _nanlint(c, 1, False), nanlint_version, "nanlint"),
        Tool("nanlint-one", "nanlint, one file, cold", ["nanlint", "onefile"],
             lambda c: [str(c.nanlint_python), "-m", "nanlint", "check", "--no-cache", _one_file(c), *c.nanlint_args], nanlint_version, "nanlint",
             reference="nanlint-one", note="the pre-commit case: " + " or ".join(ONE_FILE.values()) + "; the reference of the one-file lines"),
        Tool("ruff-one", "ruff check --select ALL, one file", ["ruff", "onefile"],
             lambda c: [c.peer("ruff"), "check", "--isolated", "--no-cache", "--select", "ALL", _one_file(c)],
             lambda c: _version([c.peer("ruff"), "--version"]), "peers", reference="nanlint-one"),
        Tool("torchfix-one", "torchfix, one file", ["torchfix", "onefile"], lambda c: [c.peer("torchfix"), _one_file(c)],
             lambda c: "torchfix " + _version([c.peer("torchfix"), "--version"]), "peers", reference="nanlint-one"),
        Tool("fixit-one", "fixit lint, one file", ["fixit", "onefile"], lambda c: [c.peer("fixit"), "lint", _one_file(c)],
             lambda c: _version([c.peer("fixit"), "--version"]), "peers", reference="nanlint-one"),
        Tool("nanlint-warm", f"nanlint warm (cache hit), {cores} processes", ["nanlint"], lambda c: _nanlint(c, c.cores, True), nanlint_version, "nanlint",
             prepare=_fill_cache, note="the cache filled by one untimed run; nothing changed since"),
        Tool("libcst-parse-1", "bare libcst parse, 1 process", ["libcst", "floor"], lambda c: _floor(c, c.nanlint_python, 1),
             lambda c: f"libcst {_metadata_version(c.nanlint_python, 'libcst')} (nanlint's)", "nanlint"),
        Tool("libcst-parse", f"bare libcst parse, {cores} processes", ["libcst", "floor"], lambda c: _floor(c, c.nanlint_python, c.cores),
             lambda c: f"libcst {_metadata_version(c.nanlint_python, 'libcst')} (nanlint's)", "nanlint"),
        Tool("libcst-parse-peers", f"bare libcst parse, {cores} processes, peers' libcst", ["libcst-peers"], lambda c: _floor(c, c.peers_python, c.cores),
             lambda c: f"libcst {_metadata_version(c.peers_python, 'libcst')} (the peers' venv)", "peers", default=False),
        Tool("ast-parse-1", "bare ast.parse, 1 process", ["ast", "floor"], lambda c: _floor(c, c.nanlint_python, 1, use_ast=True),
             lambda c: f"Python {_version([str(c.nanlint_python), '-c', 'import platform; print(platform.python_version())'])}", "nanlint"),
        Tool("ruff-all", "ruff check --select ALL", ["ruff"],
             lambda c: [c.peer("ruff"), "check", "--isolated", "--no-cache", "--select", "ALL", "--output-format", "concise", *c.paths],
             lambda c: _version([c.peer("ruff"), "--version"]), "peers"),
        Tool("ruff-pyflakes", "ruff check --select F", ["ruff"],
             lambda c: [c.peer("ruff"), "check", "--isolated", "--no-cache", "--select", "F", "--output-format", "concise", *c.paths],
             lambda c: _version([c.peer("ruff"), "--version"]), "peers",
             note="pyflakes' rules: the everyday ruff run the speed guardrail compares with"),
        Tool("ruff-numeric", f"ruff check --select {RUFF_NUMERIC}", ["ruff"],
             lambda c: [c.peer("ruff"), "check", "--isolated", "--no-cache", "--select", RUFF_NUMERIC, "--output-format", "concise", *c.paths],
             lambda c: _version([c.peer("ruff"), "--version"]), "peers"),
        Tool("torchfix", f"torchfix -j {cores}", ["torchfix", "slow"], lambda c: [c.peer("torchfix"), "-j", str(c.cores), *c.paths],
             lambda c: "torchfix " + _version([c.peer("torchfix"), "--version"]) + f", libcst {_metadata_version(c.peers_python, 'libcst')}", "peers",
             note="its default rules (all but TOR3xx, TOR4xx, TOR9xx)"),
        Tool("fixit", "fixit lint", ["fixit", "slow"], lambda c: [c.peer("fixit"), "lint", *c.paths],
             lambda c: _version([c.peer("fixit"), "--version"]) + f", libcst {_metadata_version(c.peers_python, 'libcst')}", "peers",
             note="its built-in rules (fixit.rules); a process per core (it has no jobs option)"),
    ]


def select_tools(tools: List[Tool], spec: str) -> List[Tool]:
    if spec in ("", "none"):
        return []
    if spec == "all":
        return [t for t in tools if t.default]
    chosen: List[Tool] = []
    for word in spec.split(","):
        word = word.strip()
        matched = [t for t in tools if t.id == word] or [t for t in tools if word in t.groups]
        if not matched:
            raise SystemExit(f"unknown tool {word!r}; known: {', '.join(t.id for t in tools)} and groups "
                             f"{', '.join(sorted({g for t in tools for g in t.groups}))}")
        chosen.extend(t for t in matched if t not in chosen)
    return chosen


# --------------------------------------------------------------------------- running


def machine_info() -> dict:
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return {"cores": cores, "cpu": model, "memory": memory, "os": platform.platform(), "python": platform.python_version()}


def result_path(results_dir: Path, corpus: Corpus, tool_id: str) -> Path:
    return results_dir / f"{corpus.name}__{tool_id}.json"


def bench_tool(tool: Tool, ctx: Context, args, use_time: bool) -> dict:
    argv = tool.argv(ctx)
    if tool.prepare:
        tool.prepare(ctx, tool)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    runs: List[Run] = []
    for index in range(args.runs):
        log(f"{tool.id}: run {index + 1}: {' '.join(argv)}")
        run = run_once(argv, CORPUS_ROOT, args.timeout, use_time, env)
        runs.append(run)
        shown = f"> {args.timeout:.0f} s (timeout)" if run.timed_out else f"{run.wall_s:.2f} s, exit {run.returncode}"
        log(f"{tool.id}: {shown}")
        if run.timed_out or run.wall_s > args.slow_after:
            break
    finished = [r.wall_s for r in runs if not r.timed_out]
    return {
        "tool": tool.id,
        "label": tool.label,
        "reference": tool.reference,
        "note": tool.note,
        "command": argv,
        "version": tool.version(ctx),
        "corpus": ctx.corpus.to_json(),
        "machine": machine_info(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "memory_method": "/usr/bin/time -v" if use_time else "getrusage(RUSAGE_CHILDREN) in a wrapper process",
        "timeout_s": args.timeout,
        "timed_out": any(r.timed_out for r in runs),
        "median_wall_s": statistics.median(finished) if finished and len(finished) == len(runs) else None,
        "runs": [r.__dict__ for r in runs],
    }


# --------------------------------------------------------------------------- reporting


def _mb(kb: Optional[float]) -> str:
    return "—" if not kb else f"{kb / 1024:,.0f}"


def _load(runs: List[dict]) -> str:
    """The 1-minute load average before the runs (min–max): near 0 means the cores were the tool's."""
    loads = [r["loadavg_before"][0] for r in runs if r.get("loadavg_before")]
    if not loads:
        return "—"
    return f"{min(loads):.1f}" if max(loads) - min(loads) < 0.05 else f"{min(loads):.1f}–{max(loads):.1f}"


def _seconds(value: Optional[float]) -> str:
    return "—" if value is None else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _median(values: List[Optional[float]]) -> Optional[float]:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def table_rows(results: List[dict]) -> List[List[str]]:
    by_tool = {result["tool"]: result for result in results}
    rows = []
    for result in results:
        base = by_tool.get(result.get("reference", "nanlint-cold"))
        reference = base["median_wall_s"] if base else None
        reference_cpu = _median([r["cpu_s"] for r in base["runs"]]) if base else None
        runs = result["runs"]
        files = 1 if result.get("reference") == "nanlint-one" else result["corpus"]["files"]
        wall = result["median_wall_s"]
        if result["timed_out"]:
            wall_text, rate, ratio = f"> {result['timeout_s']:.0f}", "—", "—"
        elif wall is None:
            wall_text, rate, ratio = "—", "—", "—"
        else:
            spread = [r["wall_s"] for r in runs]
            wall_text = f"{wall:.2f}" if len(spread) == 1 else f"{wall:.2f} ({min(spread):.2f}–{max(spread):.2f})"
            rate = f"{files / wall:,.0f}" if wall > 0 else "—"
            ratio = f"{wall / reference:.2f}×" if reference else "—"
        cpu = _median([r["cpu_s"] for r in runs])
        cpu_ratio = f"{cpu / reference_cpu:.2f}×" if cpu and reference_cpu and not result["timed_out"] else "—"
        codes = sorted({str(r["returncode"]) for r in runs if r["returncode"] is not None})
        rows.append([
            result["label"],
            str(len(runs)),
            wall_text,
            rate,
            _seconds(cpu),
            # the sampler can miss a short run's peak; the tree holds at least its largest process
            _mb(_median([max(r["tree_peak_kb"] or 0, r["maxrss_kb"] or 0) or None for r in runs])),
            _mb(_median([r["maxrss_kb"] for r in runs])),
            ratio,
            cpu_ratio,
            ",".join(codes) or "—",
            _load(runs),
        ])
    return rows


HEADER = ["tool", "runs", "wall s, median (min–max)", "files/s", "CPU s", "peak RSS, tree MB", "max RSS, one process MB", "wall ÷ nanlint", "CPU ÷ nanlint", "exit", "load"]


def render_text(rows: List[List[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEADER)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(HEADER, widths)), "  ".join("-" * w for w in widths)]
    for row in rows:
        lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)


def render_markdown(results: List[dict], rows: List[List[str]], corpus: Corpus, machine: dict) -> str:
    dates = sorted({r["date"][:10] for r in results})
    out = [
        f"## nanlint against its peers: {corpus.describe()}",
        "",
        (
            f"Measured {', '.join(dates) or 'today'} on {machine['cores']} cores ({machine['cpu']}, {machine['memory']}), "
            f"{machine['os']}. Median of the runs shown; a tool slower than a minute ran once. "
            "`wall ÷ nanlint` is the tool's wall time over nanlint's: nanlint cold on all cores for the "
            "lines on the whole corpus, nanlint on the one file for the one-file lines; "
            "`CPU ÷ nanlint` the same for CPU seconds, which another load on the machine disturbs less."
        ),
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(HEADER) - 1)) + "|",
    ]
    for row in rows:
        out.append("| " + " | ".join(row) + " |")
    out += ["", "| tool | version | command |", "|---|---|---|"]
    for result in results:
        command = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(result["command"]))
        for path in result["corpus"]["paths"]:
            command = command.replace(str(REPO / path), "CORPUS")
        command = re.sub(r"\S*/bench/corpus/\S*", "CORPUS", command)
        command = re.sub(r"\S*/bench/parse_floor\.py", "bench/parse_floor.py", command)
        out.append(f"| {result['label']} | {result['version']} | `{command}` |")
    wheels = ", ".join(f"{w['wheel']} (sha256 {w['sha256'][:12]}…)" for w in corpus.wheels)
    out += [
        "",
        (
            f"Corpus: the `*.py` files of {wheels}. Peak RSS, tree: the sum over the tool's process tree, "
            f"sampled every 0.2 s from /proc. Max RSS, one process: the largest single process "
            f"({results[0]['memory_method'] if results else ''}). CPU s: user + system time of the whole tree."
        ),
    ]
    out.append(
        "load: the 1-minute load average just before the tool's runs. It decays slowly, so it still holds "
        "the previous run of the benchmark itself (up to the cores it used); well above that, something "
        "else shared the cores (then trust the CPU columns over the wall ones)."
    )
    notes = [f"{r['label']}: {r['note']}" for r in results if r.get("note")]
    if notes:
        out += [""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- main


def parse_args(argv: Optional[List[str]] = None):
    parser = argparse.ArgumentParser(description="Benchmark nanlint against its peers on real code.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--corpus", choices=["torch", "transformers", "both"], default="torch")
    parser.add_argument("--quick", action="store_true", help=f"a {QUICK_FILES}-file subset of the torch corpus, for smoke tests")
    parser.add_argument("--tools", default="all", help="comma-separated tool ids or groups (nanlint, ruff, libcst, floor, torchfix, fixit, slow, ...); 'all' (default), 'none'")
    parser.add_argument("--list-tools", action="store_true")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (default 3)")
    parser.add_argument("--slow-after", type=float, default=60.0, help="a tool whose run takes longer runs only once (default 60 s)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run before it is killed and reported as '> timeout' (default 1800)")
    parser.add_argument("--jobs", type=int, default=None, help="processes for the all-cores lines (default: the cores this process may use)")
    parser.add_argument("--python", help="the interpreter that runs nanlint (default: bench/.venv-nanlint, made with pip install -e)")
    parser.add_argument("--nanlint-arg", action="append", default=[], help="an extra argument for every nanlint command (repeatable)")
    parser.add_argument("--results-dir", type=Path, default=BENCH / "results", help="where each fresh result is saved as JSON")
    parser.add_argument("--reuse", type=Path, help="a results dir: add its saved results for this corpus of tools not run now")
    parser.add_argument("--markdown", type=Path, help="also write the table as markdown to this file")
    parser.add_argument("--profile", action="store_true", help="run nanlint on one process under cProfile and print the top entries, then stop")
    parser.add_argument("--top", type=int, default=25, help="entries --profile prints")
    parser.add_argument("--setup-only", action="store_true", help="build the corpus and environments, then stop")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    machine = machine_info()
    cores = args.jobs or machine["cores"]
    tools = make_tools(cores)
    if args.list_tools:
        for tool in tools:
            print(f"{tool.id:20} {'' if tool.default else '(not in all) '}{tool.label}  [groups: {', '.join(tool.groups)}]")
        return 0
    chosen = select_tools(tools, args.tools)

    corpus = corpus_for(args)
    print(f"corpus {corpus.describe()}  ({', '.join(w['wheel'] for w in corpus.wheels)})", flush=True)

    ctx = Context(corpus=corpus, cores=cores, nanlint_args=args.nanlint_arg)
    if args.profile or any(t.needs == "nanlint" for t in chosen) or args.setup_only:
        ctx.nanlint_python = ensure_nanlint(args.python)
    if any(t.needs == "peers" for t in chosen) or args.setup_only:
        ctx.peers_python = ensure_peers()
    if args.setup_only:
        return 0
    if args.profile:
        args.results_dir.mkdir(parents=True, exist_ok=True)
        out = args.results_dir / f"profile-{corpus.name}.prof"
        command = [str(ctx.nanlint_python), str(BENCH / "profile_nanlint.py"), "--top", str(args.top), "--out", str(out), *ctx.paths]
        command += [f"--nanlint-arg={a}" for a in args.nanlint_arg]
        return subprocess.call(command, cwd=CORPUS_ROOT)

    if ctx.nanlint_python is not None:
        # The runs write no bytecode (PYTHONDONTWRITEBYTECODE): compile nanlint's now, as
        # `pip install` does for the peers, or every nanlint run would compile its modules.
        subprocess.run([str(ctx.nanlint_python), "-m", "compileall", "-q", str(REPO / "nanlint")], check=True)
    use_time = _has_gnu_time()
    if not use_time:
        log("no GNU /usr/bin/time: memory from getrusage(RUSAGE_CHILDREN) in a wrapper process")
    args.results_dir.mkdir(parents=True, exist_ok=True)
    fresh: Dict[str, dict] = {}
    for tool in chosen:
        result = bench_tool(tool, ctx, args, use_time)
        fresh[tool.id] = result
        result_path(args.results_dir, corpus, tool.id).write_text(json.dumps(result, indent=2) + "\n")

    results: List[dict] = []
    for tool in tools:  # the table keeps the tools' order, whatever order they ran or were saved in
        if tool.id in fresh:
            results.append(fresh[tool.id])
        elif args.reuse and result_path(args.reuse, corpus, tool.id).exists():
            saved = json.loads(result_path(args.reuse, corpus, tool.id).read_text())
            if saved["corpus"]["files"] != corpus.files or saved["corpus"]["bytes"] != corpus.bytes:
                log(f"not reusing {tool.id}: saved on a different corpus ({saved['corpus']['files']} files)")
                continue
            if saved["machine"] != machine:
                saved["label"] += " (saved on another machine)"
            results.append(saved)
    rows = table_rows(results)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    print(f"\n{corpus.describe()}; {machine['cores']} cores ({machine['cpu']}); {date}")
    print(render_text(rows))
    if args.markdown:
        args.markdown.write_text(render_markdown(results, rows, corpus, machine))
        print(f"\nmarkdown written to {args.markdown}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--_measure":
        sys.exit(_measure_main(sys.argv[2], sys.argv[4:]))
    sys.exit(main())
