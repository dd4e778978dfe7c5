"""Server time of the language server per keystroke on a generated project (default: 1,000 waves, shape org).

``python -m benchmarks.lsp_latency [--waves N] [--runs R]`` writes the project into a temporary folder and
times, in this process, what ``wavec lsp`` does for one change of the entry file — the diagnostics of the
whole buffer (:func:`wavec.lsp.server.diagnose`: ``wavec check`` of the buffer with the project's
configuration) — and for a completion and a hover at the last wave. The first run warms the caches (the
parser tables, the region list) as the server's first change does; the figures are of the runs after it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .generate import write_project


def _times(fn: Callable[[], object], runs: int) -> list[float]:
    fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


FIGURES = ("diagnostics per change", "completion", "hover")


def measure(waves: int, runs: int) -> tuple[int, dict[str, list[float]]]:
    """The lines of the generated entry file and, per request, the milliseconds of each run."""
    from wavec.lsp.schema_help import completions, hover
    from wavec.lsp.server import diagnose

    with tempfile.TemporaryDirectory() as tmp:
        project = write_project(Path(tmp), waves)
        text = project.entry.read_text(encoding="utf-8")
        edited = text.replace("bake", "bake ", 1)  # one keystroke: still a valid file
        assert not diagnose(project.entry, edited), "the generated project should check clean"
        at = text.rindex("bake")
        return len(text.splitlines()), dict(zip(FIGURES, (
            _times(lambda: diagnose(project.entry, edited), runs),
            _times(lambda: completions(text, at), runs),
            _times(lambda: hover(text, at), runs)), strict=True))


def section(sizes: list[int], runs: int) -> list[str]:
    """The Markdown section of docs/performance.md."""
    lines = ["## Language server per keystroke", "",
             "Server time of `wavec lsp` for one change of the entry file of a generated project (shape org), "
             "measured in the process by `python -m benchmarks.lsp_latency` (no start-up: the server is "
             f"running; the first request, which warms the caches, is left out; {runs} runs). Diagnostics "
             "re-check the whole buffer with its imports, as `wavec check` does; completion and hover read its "
             "tokens up to the cursor (here the last wave).", "",
             "| waves | lines | request | min ms | median ms | max ms |", "|---:|---:|---|---:|---:|---:|"]
    for waves in sizes:
        n, figures = measure(waves, runs)
        for name, ms in figures.items():
            lines.append(f"| {waves} | {n} | {name} | {min(ms):.1f} | {statistics.median(ms):.1f} | "
                         f"{max(ms):.1f} |")
    return [*lines, "", "The issue's target, well under 100 ms per keystroke at 1,000 waves, is **missed** by the "
            "diagnostics: each change checks the file from scratch. Incremental work (re-lowering only the "
            "changed pipeline, caching imported modules between changes) is what remains.", ""]


def main(argv: list[str] | None = None) -> int:
    """Print the section for the sizes asked."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lsp_latency", description=__doc__)
    parser.add_argument("--sizes", default="50,1000", help="wave counts (default 50,1000)")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    print("\n".join(section([int(s) for s in args.sizes.split(",")], args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
