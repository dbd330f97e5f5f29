"""Where nanlint's time goes: `nanlint check --jobs 1 --no-cache` in this process under cProfile.

    python bench/profile_nanlint.py [--top 25] [--sort cumulative] [--out FILE.prof] PATH [PATH ...]
    python bench/run.py --profile                  # the same on the benchmark's corpus

Run it with the interpreter that has nanlint (bench/.venv-nanlint/bin/python, or the
repo's .venv). It runs the real CLI in-process with one process, so every parse and
every rule shows in the profile; its findings go to /dev/null. Prints the wall time and
the top entries; `--out` keeps the raw profile for `python -m pstats` or snakeviz.
`--engine` skips the CLI and calls the engine's Linter on each file instead.

(Named profile_nanlint.py, not profile.py: a profile.py beside the script would shadow
the standard library's `profile` module, which cProfile imports.)
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import sys
import time
from typing import Iterator, List


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null (click writes there whatever sys.stdout is)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def run_cli(paths: List[str], extra: List[str]) -> object:
    from nanlint.cli import cli

    args = ["check", *paths, "--jobs", "1", "--no-cache", "--output-format", "json", *extra]
    try:
        return cli.main(args=args, prog_name="nanlint", standalone_mode=False)
    except SystemExit as done:
        return done.code


def run_engine(paths: List[str], extra: List[str]) -> object:
    from nanlint.linting.engine import Linter, ParseError
    from nanlint.rule import all_rules
    from nanlint.reading.sources import SourceError, read_source

    linter = Linter(all_rules())
    found = errors = 0
    for root in paths:
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in sorted(names):
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    try:
                        found += len(linter.lint_source(read_source(path).text, path))
                    except (SourceError, ParseError):
                        errors += 1
    return f"{found} findings, {errors} files not parsed"


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3."):
        if marker in filename:
            tail = filename.split(marker, 1)[1]
            return tail if marker == "site-packages/" else tail.split("/", 1)[-1]
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    return filename.removeprefix(repo)


def shorten(stats: pstats.Stats) -> None:
    """Paths relative to site-packages or the repo: `libcst/_nodes/base.py`, `nanlint/linting/engine.py`."""
    def key(k):
        return (_short(k[0]), k[1], k[2])

    stats.stats = {
        key(k): (cc, nc, tt, ct, {key(c): v for c, v in callers.items()})
        for k, (cc, nc, tt, ct, callers) in stats.stats.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", help="a pstats sort key (cumulative, tottime, ncalls, ...)")
    parser.add_argument("--own", type=int, default=15, help="also print this many entries by own time (0: none)")
    parser.add_argument("--out", help="save the raw profile here")
    parser.add_argument("--engine", action="store_true", help="call the engine directly instead of the CLI")
    parser.add_argument("--nanlint-arg", action="append", default=[], help="an extra argument for `nanlint check`")
    args = parser.parse_args()

    runner = run_engine if args.engine else run_cli
    profiler = cProfile.Profile()
    start = time.perf_counter()
    with quiet_stdout():
        profiler.enable()
        outcome = runner(args.paths, args.nanlint_arg)
        profiler.disable()
    wall = time.perf_counter() - start
    print(f"nanlint on one process under cProfile: {wall:.1f} s wall (profiling adds overhead); result: {outcome}")
    if args.out:
        profiler.dump_stats(args.out)
        print(f"raw profile: {args.out}")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    shorten(stats)
    stats.sort_stats(args.sort).print_stats(args.top)
    if args.own:
        print(f"--- the top {args.own} by own time (tottime) ---")
        stats.sort_stats("tottime").print_stats(args.own)
    return 0


if __name__ == "__main__":
    sys.exit(main())
