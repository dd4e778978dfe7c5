"""The benchmark report as Markdown (``docs/performance.md`` is this text)."""

from __future__ import annotations

from collections.abc import Sequence

from .audit import FORBIDDEN, Audit
from .measure import Pair, Sample
from .suite import Runner, Series, Startup

TARGET_VS_LARK = 1.5
TARGET_VS_CFN = 10.0
TARGET_VS_LINEAR = 1.2
TARGET_VS_BARE_PARSE = 1.2
TARGET_BUILD_RSS_MIB = 400


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _row(s: Sample) -> str:
    codes = ", ".join(sorted({str(c) for c in s.returncodes}))
    return f"| `{s.label}` | {s.median:.3f} | {s.best:.3f} | {s.cpu_median:.3f} | {s.peak_mib:.0f} | {codes} |"


def _samples_table(samples: Sequence[Sample]) -> list[str]:
    return ["| command | median s | best s | CPU s (median) | peak RSS MiB | exit |", "|---|---:|---:|---:|---:|---|",
            *(_row(s) for s in samples)]


def _pair_row(what: str, pair: Pair, target: str, ok: bool | None) -> str:
    verdict = "" if ok is None else _verdict(ok)
    return f"| {what} | {pair.cpu_ratio:.2f}× | {pair.wall_ratio:.2f}× | {target} | {verdict} |"


PAIRED = ("Ratios are **paired**: the two commands ran in turn, A B A B …, and each ratio is the median of the "
          "ratios of the pairs, so load that came and went while they ran falls on both. CPU (user + system "
          "seconds of the child) is the steadier figure on a loaded machine; the verdict is read off it.")


WHERE_STARTUP_GOES = [
    'Where start-up goes (measured when this note was written, commit 07c9958, whole processes paired with '
    "`python -c 'import lark'` on a quiet machine): `wavec check examples/checkout.wave` takes 0.163 s of CPU "
    "against 0.077 s for `import lark` (2.09×; it was 2.42× before issue #18's work), so about 86 ms are wavec's "
    'own. The 82 data classes `wavec check` imports were frozen, slotted dataclasses, each about 0.6–1 ms to '
    'create (its methods compiled from generated source, the class built twice); `python -m benchmarks.classes` '
    'weighed the alternatives for a four-field class: `@dataclass(frozen=True, slots=True)` 0.59 ms to create, '
    '0.69 µs to construct, 0.36 µs to compare and hash; a `NamedTuple` 0.13 ms, 0.33 µs, 0.10 µs, but it is a '
    "tuple (equal to another class's tuple of the same values); a plain class with `__slots__` and a hand-written"
    ' `__init__` 0.008 ms and 0.22 µs, but no value equality and a hand-written method set per class. Chosen: '
    "`@record` (`wavec.records`), 0.03 ms, 0.45 µs, 0.38 µs, which keeps the dataclass's behaviour (immutability,"
    ' value equality and hashes, repr, `replace`) and builds each method on its first call, one compiled template'
    " per number of fields. Modules a clean check does not use (the targets, the graph, the other formats' "
    'renderers, docgen, tomllib without a configuration, difflib, zoneinfo, calendar, re2) are imported by what '
    'needs them, and the secret detectors are compiled only for a file in which something could be a secret. '
    'Still to do: `grammar_text()` reads the grammar through `importlib.resources` (a few ms of imports) to key '
    "the analysed grammar's cache, and Lark's contextual lexer compiles one regular expression per parser state "
    'it meets (some 10 ms for the example).']


def startup_section(st: Startup) -> list[str]:
    """Cold start-up against its floors: ``python -c pass``, ``import lark``; cfn-lint as a peer."""
    out = ["## Start-up (cold, one process per run)", ""]
    samples = [st.check, st.minimal, st.imports, st.vs_pass.b] + ([st.cfn.a] if st.cfn else [])
    out += _samples_table(samples)
    out += ["", "| comparison (A ÷ B) | CPU ratio | wall ratio | target | |", "|---|---:|---:|---:|---|"]
    r = st.vs_lark.cpu_ratio
    out.append(_pair_row("`wavec check checkout.wave` ÷ `python -c 'import lark'`", st.vs_lark,
                         f"≤ {TARGET_VS_LARK}×", r <= TARGET_VS_LARK))
    out.append(_pair_row("`python -c 'import lark'` ÷ `python -c pass` (the floor's own cost)", st.vs_pass, "",
                         None))
    if st.cfn is not None:
        c = st.cfn.cpu_ratio
        out.append(_pair_row("`cfn-lint` on the same pipeline ÷ `wavec check checkout.wave`", st.cfn,
                             f"≥ {TARGET_VS_CFN:.0f}×", c >= TARGET_VS_CFN))
    else:
        out.append("| cfn-lint | not installed | | | |")
    out += ["", PAIRED, "", "`wavec check` imports neither networkx nor boto3, so its floor is `import lark`: "
            "Python's start-up and the one library it needs.", "",
            f"CloudFormation template linted: {st.template}.", "", *WHERE_STARTUP_GOES]
    if not st.check.ok:
        out += ["", f"`wavec check examples/checkout.wave` exited {st.check.returncodes[0]} here (it reported "
                "errors; the timing is of a full check all the same). Last lines of its output:", "",
                "```", st.check.stderr_tail.strip()[-600:] or "(no output)", "```"]
    return [*out, ""]


def series_section(series: Series) -> list[str]:
    """One command at several sizes, with growth per step."""
    out = [f"### {series.title}", ""]
    out += ["| waves | median s | best s | peak RSS MiB | exit |", "|---:|---:|---:|---:|---|"]
    for n, s in zip(series.sizes, series.samples, strict=True):
        codes = ", ".join(sorted({str(c) for c in s.returncodes}))
        out.append(f"| {n} | {s.median:.3f} | {s.best:.3f} | {s.peak_mib:.0f} | {codes} |")
    out += ["", f"| step | raw growth | net of start-up ({series.fixed:.2f} s) | net ÷ linear | target ≤ "
            f"{TARGET_VS_LINEAR} |", "|---|---:|---:|---:|---|"]
    for a, b, raw, net, vs_linear in series.steps():
        if net is None or vs_linear is None:
            out.append(f"| {a} → {b} | {raw:.2f}× | n/a | n/a | n/a (no slower than start-up) |")
            continue
        out.append(f"| {a} → {b} | {raw:.2f}× | {net:.2f}× | {vs_linear:.2f} | "
                   f"{_verdict(vs_linear <= TARGET_VS_LINEAR)} |")
    for note in series.notes:
        out.append(f"\n> {note}")
    return [*out, ""]


def parse_section(pair: Pair) -> list[str]:
    """``wavec check`` of the largest org project against a bare Lark parse of the same file."""
    r = pair.cpu_ratio
    out = ["## Parsing at scale", "",
           "`python -m benchmarks.bare_parse FILE` is the floor: Lark alone, with wavec's grammar and options, "
           "parsing the file into its plain tree with the garbage collector paused (as `wavec check` pauses it) "
           "— no transformer, no imports followed, no checks.", ""]
    out += _samples_table([pair.a, pair.b])
    out += ["", "| comparison (A ÷ B) | CPU ratio | wall ratio | target | |", "|---|---:|---:|---:|---|",
            _pair_row(f"`wavec check` ÷ bare Lark parse, {pair.a.label.split()[-1]}", pair,
                      f"≤ {TARGET_VS_BARE_PARSE}×", r <= TARGET_VS_BARE_PARSE), "", PAIRED, ""]
    return out


def build_memory_note(series: Series) -> list[str]:
    """The peak memory target of ``build --target local`` at the largest size."""
    if not series.samples:
        return []
    n, s = series.sizes[-1], series.samples[-1]
    return [f"Peak RSS of `build --target local` at {n} waves: **{s.peak_mib:.0f} MiB** (target ≤ "
            f"{TARGET_BUILD_RSS_MIB} MiB: {_verdict(s.peak_mib <= TARGET_BUILD_RSS_MIB)}). The plan is written as it "
            "is made (its waves and nodes are built while the JSON is encoded, straight to the file).", ""]


def runner_section(result: Runner | str) -> list[str]:
    """Overhead of ``wavec run`` per node."""
    out = ["## Runner overhead per node", ""]
    if isinstance(result, str):
        return [*out, result.capitalize() + ".", ""]
    out += _samples_table([*result.samples, *result.spawns])
    out += ["", f"Plans of {result.nodes[0]} and {result.nodes[1]} nodes whose commands are `true`, `--jobs 4`: "
            f"**{result.per_node_ms:.1f} ms per node** (the slope between the two sizes, so start-up and "
            "checking cancel out; it includes forking `/bin/sh` for each command)."]
    spawn = result.per_spawn_ms
    if spawn is not None and spawn > 0:
        out.append(f"The floor, a Python loop spawning `/bin/sh -c true` as many times, one at a time: {spawn:.2f} ms "
                   f"per spawn, so the runner costs **{result.per_node_ms / spawn:.1f}×** the spawn per node (not "
                   "every node runs a command: window, bake and approval nodes spawn nothing).")
    return [*out, ""]


def audit_section(audit: Audit) -> list[str]:
    """What ``wavec check`` imports at start-up."""
    forbidden = audit.forbidden
    status = ("none of " + ", ".join(FORBIDDEN) + " is imported" if not forbidden
              else "**imported: " + ", ".join(forbidden) + "**")
    out = ["## Start-up import audit", "",
           "`python -X importtime -m wavec check examples/minimal.wave`: " + status +
           f" (also asserted by `tests/test_startup.py`). Import time in total: {audit.total_us / 1000:.0f} ms; "
           "the heaviest top-level imports (one run, cumulative):", "",
           "| module | cumulative ms |", "|---|---:|"]
    out += [f"| `{i.module}` | {i.cumulative_us / 1000:.1f} |" for i in audit.heaviest(10)]
    return [*out, ""]
