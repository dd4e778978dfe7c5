"""The benchmark report as Markdown (``docs/performance.md`` is this text)."""

from __future__ import annotations

from collections.abc import Sequence

from .audit import FORBIDDEN, Audit
from .measure import Sample
from .suite import Runner, Series, Startup

TARGET_VS_IMPORTS = 1.4
TARGET_VS_CFN = 4.0
TARGET_VS_LINEAR = 1.2


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _row(s: Sample) -> str:
    codes = ", ".join(sorted({str(c) for c in s.returncodes}))
    return f"| `{s.label}` | {s.median:.3f} | {s.best:.3f} | {s.peak_mib:.0f} | {codes} |"


def _samples_table(samples: Sequence[Sample]) -> list[str]:
    return ["| command | median s | best s | peak RSS MiB | exit |", "|---|---:|---:|---:|---|",
            *(_row(s) for s in samples)]


def startup_section(st: Startup) -> list[str]:
    """Cold start-up against the two baselines."""
    out = ["## Start-up (cold, one process per run)", ""]
    samples = [st.check, st.minimal, st.imports] + ([st.cfn] if st.cfn else [])
    out += _samples_table(samples)
    out += ["", "| comparison | ratio | target | |", "|---|---:|---:|---|"]
    r = st.vs_imports
    out.append(f"| `wavec check checkout.wave` ÷ `import lark, networkx` | {r:.2f}× | ≤ {TARGET_VS_IMPORTS}× | "
               f"{_verdict(r <= TARGET_VS_IMPORTS)} |")
    if st.vs_cfn is not None:
        c = st.vs_cfn
        out.append(f"| `cfn-lint` on the same pipeline ÷ `wavec check checkout.wave` | {c:.1f}× faster | "
                   f"≥ {TARGET_VS_CFN}× | {_verdict(c >= TARGET_VS_CFN)} |")
    else:
        out.append("| cfn-lint | not installed | | |")
    out += ["", f"CloudFormation template linted: {st.template}."]
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


def runner_section(result: Runner | str) -> list[str]:
    """Overhead of ``wavec run`` per node."""
    out = ["## Runner overhead per node", ""]
    if isinstance(result, str):
        return [*out, result.capitalize() + ".", ""]
    out += _samples_table(result.samples)
    out += ["", f"Plans of {result.nodes[0]} and {result.nodes[1]} nodes whose commands are `true`: "
            f"**{result.per_node_ms:.1f} ms per node** (the slope between the two sizes, so start-up and "
            "checking cancel out; it includes forking `/bin/sh` for each command).", ""]
    return out


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
