"""Server time of the language server per keystroke on a generated project (default sizes: 50 and 1,000 waves,
shape org).

``python -m benchmarks.lsp_latency [--sizes 50,1000] [--runs R]`` writes the project into a temporary folder
and times, in this process, what ``wavec lsp`` does for one change of the entry file: the diagnostics
(:meth:`wavec.lsp.workspace.Workspace.diagnose`, incremental: each keystroke lands in another pipeline, so
every one re-checks a pipeline it has not seen in that text), a completion and a hover at the last wave, and
a go to definition across the import. The floor it is compared with is Lark alone parsing the same file
(the bare parse of :mod:`benchmarks.bare_parse`, in the process, garbage collector paused); the full check
the server runs on open and once typing pauses is timed too. The first run of each warms the caches.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .bare_parse import GRAMMAR
from .generate import write_project


def _times(fn: Callable[[int], object], runs: int) -> list[float]:
    fn(0)
    out = []
    for i in range(1, runs + 1):
        start = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - start) * 1000)
    return out


FIGURES = ("diagnostics per keystroke", "full check (open, pause)", "bare Lark parse", "completion", "hover",
           "definition")


def measure(waves: int, runs: int) -> tuple[int, dict[str, list[float]]]:
    """The lines of the generated entry file and, per request, the milliseconds of each run."""
    from lark import Lark

    from wavec.lsp.incremental import FAST_MIN_CHARS
    from wavec.lsp.navigate import Navigator
    from wavec.lsp.outline import CursorCache
    from wavec.lsp.schema_help import completions, hover
    from wavec.lsp.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        project = write_project(Path(tmp), waves)
        path = project.entry
        text = path.read_text(encoding="utf-8")
        ws = Workspace()
        ws.open(path, text)
        assert not ws.diagnose(path).found, "the generated project should check clean"
        bakes = [i for i in range(len(text)) if text.startswith("  bake", i)]
        # Keystroke i adds a space after the `bake` of a wave of another pipeline, the earlier ones kept:
        # typing here and there in the file, each keystroke in a pipeline the last check has not seen.
        step = max(1, len(bakes) // (runs + 1))
        edits, typed = [], text
        for i in range(runs + 1):
            at = bakes[i * step] + 6 + i  # the i spaces typed before it moved it on
            typed = typed[:at] + " " + typed[at:]
            edits.append(typed)
        fast: list[bool] = []

        def keystroke(i: int) -> None:
            ws.change(path, edits[i])
            outcome = ws.diagnose(path)
            fast.append(not outcome.full)

        per_keystroke = _times(keystroke, runs)
        if len(text) >= FAST_MIN_CHARS:
            assert all(fast), "every keystroke inside a pipeline should be checked incrementally"
        assert ws.diagnose(path, full=True).found == ws.found[path] == [], "incremental = whole"
        full = _times(lambda i: ws.diagnose(path, full=True), max(2, runs // 5))
        parser = Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                      maybe_placeholders=True, cache=True)

        def bare(i: int) -> None:
            gc.disable()
            try:
                parser.parse(text)
            finally:
                gc.enable()

        floor = _times(bare, max(2, runs // 5))
        at = text.rindex("bake")
        nav = Navigator(ws.text_of)
        cursors = CursorCache()  # as the server keeps one per buffer: the scan resumes at the cursor's block
        use = text.rindex("ops.paging") + 5
        return len(text.splitlines()), dict(zip(FIGURES, (
            per_keystroke, full, floor,
            _times(lambda i: completions(text, at, cursors), runs),
            _times(lambda i: hover(text, at, cursors), runs),
            _times(lambda i: nav.definition(path.resolve(), use), runs)), strict=True))


def section(sizes: list[int], runs: int) -> list[str]:
    """The Markdown section of docs/performance.md."""
    lines = ["## Language server per keystroke", "",
             "Server time of `wavec lsp` for one change of the entry file of a generated project (shape org), "
             "measured in the process by `python -m benchmarks.lsp_latency` (no start-up: the server is "
             f"running; the first request, which warms the caches, is left out; {runs} runs, the full check and "
             "the bare parse fewer). Diagnostics are incremental (`wavec.lsp.incremental`): a keystroke inside "
             "a pipeline checks the rest of the file with that pipeline alone and keeps the other pipelines' "
             "diagnostics; every keystroke here lands in another pipeline (the earlier ones kept). "
             "A buffer under 10,000 characters is always checked whole. The full check is what the server "
             "runs on open, after an edit outside the pipelines, and once typing pauses (in a thread). "
             "Completion and hover read the tokens of the top-level block around the cursor (the last wave; "
             "the server keeps each buffer's scan and resumes it there); definition resolves "
             "`ops.paging` in the imported module.", "",
             "| waves | lines | request | min ms | median ms | max ms |", "|---:|---:|---|---:|---:|---:|"]
    ratios = []
    verdict = ""
    for waves in sizes:
        n, figures = measure(waves, runs)
        for name, ms in figures.items():
            lines.append(f"| {waves} | {n} | {name} | {min(ms):.1f} | {statistics.median(ms):.1f} | "
                         f"{max(ms):.1f} |")
        keystroke = statistics.median(figures["diagnostics per keystroke"])
        ratio = keystroke / statistics.median(figures["bare Lark parse"])
        ratios.append(f"{waves} waves: a keystroke's diagnostics take **{ratio:.2f}×** the bare Lark parse of "
                      "the file")
        if waves == 1000:
            verdict = (" The issue's target, well under 100 ms of server time per keystroke at 1,000 waves, is "
                       + (f"**met** (median {keystroke:.0f} ms)." if keystroke < 100 else
                          f"**missed** (median {keystroke:.0f} ms)."))
    return [*lines, "", "; ".join(ratios) + "." + verdict, ""]


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
