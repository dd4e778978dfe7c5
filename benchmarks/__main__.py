"""``python -m benchmarks``: run every benchmark and print (or ``--write``) the Markdown report.

Examples::

    python -m benchmarks                          # everything, report on stdout
    python -m benchmarks --write docs/performance.md
    python -m benchmarks --sizes 250,1000 --runs 3   # a quick look
    python -m benchmarks.emulator_overhead           # only the emulator's section
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from . import emulator_overhead, lexer, lsp_latency, report, suite
from .audit import audit

DEFAULT_SIZES = (1000, 4000, 16000)

HEADER = """\
# Performance

What `wavec` costs, measured by `benchmarks/` (see `benchmarks/__init__.py`). Every figure is
the median of several cold runs, each a fresh `python` process, so start-up is always included;
"best" is the fastest run, the one least disturbed by other load. CPU is the child's own user +
system time and peak memory its own `ru_maxrss`. The figures that matter are the **ratios** —
each against a floor measured in the same run on the same machine, the two commands in turn
(A B A B …) and the ratio taken pair by pair — not the seconds. The floors are what no `wavec`
can beat: `python -c pass`, `python -c 'import lark'` (the one library `wavec check` needs) and
Lark alone parsing the same file. Every module is compiled to bytecode before the first run (see
Environment).

Reproduce in one command, from the repository root with the project installed
(`pip install -e '.[test]'`):

```
python -m benchmarks --write docs/performance.md
```

Inputs are generated into a temporary folder (`python -m benchmarks.generate OUT --waves N
[--shape org|wide]` writes one to look at): a project with `wave.toml`, a shared module
`shared/ops.wave` (gates, a window, region lists) imported as `ops`, and one entry file that also
imports `std/windows`. Shape **org** is a platform team's repository: service pipelines of 10
waves each, with build, sandbox (environment, unit, integration, contract tests, scan, policy
check) and performance stages, two deploy profiles, gates and windows. Shape **wide** puts every
wave into one pipeline — the worst case for the graph layers. Both check with no diagnostics.
"""

FOOTER = """\
## Fuzzing and determinism

The claims above are kept true by tests, not by this page:

* `tests/test_startup.py` — `wavec check` (run as `python -X importtime -m wavec check …` in a
  subprocess) imports none of boto3, botocore, jinja2, rich, networkx, nor any other command, target,
  analysis or report; a fresh temporary folder does not make it analyse the grammar again.
* `tests/test_exposure_sweep.py`, `tests/test_json_text.py` — the plan's one-sweep figures equal their
  definitions asked the slow way, and the streamed JSON is `json.dumps`'s text byte for byte;
  `python -m benchmarks.outputs` digests every plan and build output of the examples and fixtures,
  to compare two commits.
* `tests/fuzz/` — hypothesis properties over files generated from the grammar and the schema table
  (`tests/fuzz/strategies.py`: every block type, its labels and attributes with values of the right
  and of wrong types, unknown names, strings with escapes and `${…}` interpolations, comments,
  imports of `std/…` and of a local module), over random token soup and over byte mutations of the
  examples and the standard library. The front end must answer with diagnostics only — never a
  traceback — with spans inside the file, and render identically in every format when run twice.
  Valid generated plans must check without errors. When `wavec fmt` and the compile targets are on
  the checkout, the same suite checks that fmt round-trips (idempotent, keeps comments and meaning),
  that every target's output is deterministic, and that CodePipeline output passes botocore's
  model (`ParamValidator` plus enums, lengths and patterns).
* `tests/test_determinism.py` — the examples, a generated project, a file full of mistakes and
  mutated examples are checked (and built, for every target present) in fresh interpreters under
  different `PYTHONHASHSEED` values; every output format must be byte-identical, with no absolute
  paths.
* Bugs the fuzzers found in the front end are pinned in `tests/fuzz/test_fuzz_findings.py` as
  strict xfails with the exact input.

The CI budget is the hypothesis profile `ci` (the default; the whole fuzz suite takes well under
30 s). The long budget runs on demand:

```
HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz
```
"""


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path, metavar="FILE", help="write the Markdown report here")
    parser.add_argument("--runs", type=int, default=7, help="measured runs per start-up command (default 7)")
    parser.add_argument("--growth-runs", type=int, default=3, help="measured runs per size (default 3)")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="wave counts for the growth figures (default 1000,4000,16000)")
    parser.add_argument("--skip-growth", action="store_true", help="only start-up, runner and the audit")
    parser.add_argument("--wide-plan-max", type=int, default=4000,
                        help="largest wide project `plan` is measured on (its report grows as the square)")
    parser.add_argument("--skip-emulator", action="store_true",
                        help="leave out the CodePipeline emulator's overhead (it needs moto)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    log = suite.default_log

    lines = [HEADER, "## Environment", "", "| | |", "|---|---|"]
    env = suite.environment()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=suite.ROOT, capture_output=True,
                            text=True).stdout.strip()
    env["wavec commit"] = commit or "unknown"
    lines += [f"| {k} | {v} |" for k, v in env.items()]
    invocation = "python -m benchmarks " + " ".join(shlex.quote(a) for a in (argv if argv is not None
                                                                              else sys.argv[1:]))
    lines += ["", f"Measured with `{invocation.strip()}`: {args.runs} runs per start-up command, "
              f"{args.growth_runs} per size.", ""]
    log("bytecode: compileall wavec and lark")
    lines += [suite.ensure_bytecode(), ""]

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="wavec-bench-") as tmp:
        work = Path(tmp)
        st = suite.startup(args.runs, work, log)
        lines += report.startup_section(st)
        fixed = st.minimal.median
        if not args.skip_growth:
            lines += ["## Growth with input size", "",
                      "Linear growth is the ratio of the sizes (4× per step from 1k to 4k to 16k waves). "
                      "\"Net\" subtracts the fixed cost of `wavec check` on a tiny file "
                      "(`examples/minimal.wave`), which flatters the raw figure at small sizes.", ""]
            for series in suite.growth(sizes, args.growth_runs, work, fixed, log):
                lines += report.series_section(series)
            lines += report.parse_section(suite.bare_parse(max(sizes), args.growth_runs, work, log))
            log("lexer: Lark's lexers against a bare regex scan")
            lines += lexer.section(4000)
            lines += ["## Plan growth", ""]
            for series in suite.plans(sizes, args.growth_runs, work, fixed, args.wide_plan_max, log):
                lines += report.series_section(series)
            built, skipped = suite.builds(sizes, args.growth_runs, work, fixed, log)
            lines += ["## Build time growth", ""]
            for series in built:
                lines += report.series_section(series)
                if "local" in series.title:
                    lines += report.build_memory_note(series)
            lines += [f"- not measured: {s}" for s in skipped] + ([""] if skipped else [])
        lines += report.runner_section(suite.runner(args.runs, work, log))
        if importlib.util.find_spec("pygls") is not None:
            log("language server: server time per keystroke")
            lines += lsp_latency.section([50, 1000], args.runs)
        if not args.skip_emulator:
            lines += emulator_overhead.section(emulator_overhead.measure(args.runs, work, log))
    lines += report.audit_section(audit(cwd=suite.ROOT))
    load_after = os.getloadavg()[0]
    cpus = os.cpu_count() or 1
    lines += ["## Load on the machine", "",
              f"Load average (1 min) {load_before:.1f} before and {load_after:.1f} after the measurements, on "
              f"{cpus} logical CPUs."
              + (" The machine was busy with other work: absolute times are inflated and noisy, and a single "
                 "growth step can miss its target by noise alone — compare the best times, or run again on a "
                 "quiet machine." if max(load_before, load_after) > cpus * 0.75 else ""), ""]
    text = "\n".join(lines).rstrip() + "\n\n" + FOOTER
    if args.write:
        args.write.write_text(text, encoding="utf-8")
        log(f"wrote {args.write}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
