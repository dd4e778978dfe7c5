"""Digests of every output the analyses and encoders produce, over every example and fixture.

``python -m benchmarks.outputs [--write FILE]`` runs, in this process, ``wavec plan`` (text, JSON and
``--html``) and ``wavec build --target local`` for every pipeline of every ``.wave`` file under
``examples/`` and ``tests/`` (plus ``plan --target codepipeline`` for the examples), at a fixed start,
and prints one line per output: its SHA-256, its size and the command. Run it on two commits and
``diff`` the files: a speed-up that changes no byte leaves them equal.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = "2024-03-11T08:00:00Z"


GENERATED = (("wide", 120), ("org", 60))
"""Generated projects (``benchmarks.generate``) digested too: many targets, accounts, windows, batches."""


def wave_files(generated: Path) -> list[tuple[Path, Path]]:
    """(folder to run in, file relative to it): the examples and the test fixtures, then generated projects."""
    from .generate import write_project

    found = [*ROOT.joinpath("examples").rglob("*.wave"), *ROOT.joinpath("tests").rglob("*.wave")]
    made = [write_project(generated / f"{shape}-{n}", n, shape).entry for shape, n in GENERATED]
    return [*((ROOT, p.relative_to(ROOT)) for p in sorted(found)), *((p.parent, Path(p.name)) for p in made)]


def pipelines(path: Path) -> list[str]:
    """Names of the pipelines of ``path`` when it checks without errors (else none)."""
    from wavec.api import check
    from wavec.config import load_config

    try:
        result = check([path], load_config(None))
    except Exception:  # a fixture that breaks the checker is not this tool's concern
        return []
    if result.errors:
        return []
    return sorted({p.name for m in result.modules for p in m.pipelines})


def run(argv: list[str]) -> tuple[int, bytes]:
    """``wavec ARGV`` in this process: exit code and everything written to stdout and stderr."""
    from wavec.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, (out.getvalue() + "\n--stderr--\n" + err.getvalue()).encode()


def outputs(codepipeline: bool) -> Iterator[tuple[str, bytes]]:
    """(command, bytes) for every output."""
    tmp = Path(tempfile.mkdtemp(prefix="wavec-outputs-"))
    for folder, path in wave_files(tmp):
        os.chdir(folder)
        for name in pipelines(path):
            base = [str(path), "--pipeline", name]
            for fmt in ("text", "json"):
                argv = ["plan", *base, "--start", START, "--format", fmt]
                code, data = run(argv)
                yield " ".join(argv) + f" (exit {code})", data
            html = tmp / "plan.html"
            argv = ["plan", *base, "--start", START, "--html", str(html)]
            code, _ = run(argv)
            yield " ".join(argv[:-1]) + f" OUT (exit {code})", html.read_bytes() if html.exists() else b""
            html.unlink(missing_ok=True)
            argv = ["build", *base, "--target", "local"]
            code, data = run(argv)
            yield " ".join(argv) + f" (exit {code})", data
            if codepipeline and path.parts[0] == "examples":
                for fmt in ("text", "json"):
                    argv = ["plan", *base, "--start", START, "--target", "codepipeline", "--format", fmt]
                    code, data = run(argv)
                    yield " ".join(argv) + f" (exit {code})", data


def main(argv: list[str] | None = None) -> int:
    """Print (or write) the digest lines."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.outputs", description=__doc__)
    parser.add_argument("--write", type=Path, metavar="FILE")
    parser.add_argument("--no-codepipeline", action="store_true", help="skip the emulated timelines")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    os.environ["SOURCE_DATE_EPOCH"] = "1710144000"
    lines = [f"{hashlib.sha256(data).hexdigest()} {len(data):>9} {cmd}"
             for cmd, data in outputs(not args.no_codepipeline)]
    text = "\n".join(lines) + "\n"
    if args.write:
        args.write.write_text(text, encoding="utf-8")
        print(f"wrote {args.write}: {len(lines)} outputs", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
