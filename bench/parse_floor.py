"""The floor for every libcst tool: parse every file with `libcst.parse_module`, nothing else.

    python bench/parse_floor.py [--jobs N] [--ast] PATH [PATH ...]

Reads each `*.py` file under PATHs as bytes (libcst finds the encoding, as Fixit
does) and parses it. With `--jobs N` > 1 the files go to N worker processes,
largest first so that one big file does not finish last. `--ast` parses with
Python's own `ast.parse` instead: the floor for a tool that does not need a
concrete syntax tree. Prints one summary line; exits 0 even if some files fail.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from typing import List, Tuple


def python_files(paths: List[str]) -> List[str]:
    found = []
    for path in paths:
        if os.path.isfile(path):
            found.append(path)
            continue
        for folder, dirs, files in os.walk(path):
            dirs.sort()
            found.extend(os.path.join(folder, name) for name in sorted(files) if name.endswith(".py"))
    return found


_USE_AST = False


def parse_one(path: str) -> Tuple[str, str]:
    """('', '') when it parsed, else (path, one-line reason)."""
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        if _USE_AST:
            import ast

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(raw, filename=path)
        else:
            import libcst

            libcst.parse_module(raw)
    except RecursionError:
        return path, "RecursionError"
    except Exception as error:  # a syntax error in the corpus is data, not a failure
        return path, f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return "", ""


def _init(use_ast: bool) -> None:
    global _USE_AST
    _USE_AST = use_ast
    if not use_ast:
        import libcst  # noqa: F401  imported once per worker, not once per file


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--jobs", "-j", type=int, default=1)
    parser.add_argument("--ast", action="store_true", help="ast.parse instead of libcst.parse_module")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    files = python_files(args.paths)
    files.sort(key=lambda p: os.path.getsize(p), reverse=True)
    _init(args.ast)
    if args.jobs <= 1:
        results = [parse_one(path) for path in files]
    else:
        import multiprocessing

        with multiprocessing.Pool(args.jobs, initializer=_init, initargs=(args.ast,)) as pool:
            results = list(pool.imap_unordered(parse_one, files, chunksize=1))
    failed = [(path, why) for path, why in results if path]
    for path, why in failed[:20]:
        print(f"FAILED {path}: {why}", file=sys.stderr)
    if args.ast:
        what = f"ast (Python {sys.version.split()[0]})"
    else:
        try:
            from importlib.metadata import version

            what = f"libcst {version('libcst')}"
        except Exception:
            what = "libcst"
    print(
        f"{what}: parsed {len(files) - len(failed)} of {len(files)} files "
        f"with {max(1, args.jobs)} process(es) in {time.perf_counter() - start:.2f} s; {len(failed)} failed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
