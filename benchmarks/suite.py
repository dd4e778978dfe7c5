"""The benchmark scenarios: start-up against baselines, growth with input size, builds, the runner.

Every figure is a median over several cold runs in fresh subprocesses, reported as a ratio to a
baseline measured in the same session on the same machine, so the numbers mean something on any
machine (absolute seconds are given too, for context).
"""

from __future__ import annotations

import importlib.metadata
import itertools
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .generate import write_project
from .measure import Pair, Sample, paired, python, run, sample, wavec

ROOT = Path(__file__).resolve().parent.parent
HAND_TEMPLATE = Path(__file__).resolve().parent / "data" / "checkout.cfn.json"
LIBRARIES = ("lark", "networkx", "cfn-lint", "botocore", "hypothesis", "moto", "jsonpath-ng")

Log = Callable[[str], None]


def environment() -> dict[str, str]:
    """Machine, interpreter and library versions (what the figures depend on)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    env = {
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu": f"{cpu} ({os.cpu_count()} logical CPUs)",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }
    for lib in ("wavec", *LIBRARIES):
        try:
            env[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            env[lib] = "not installed"
    return env


def has_module(name: str) -> bool:
    """Whether the benchmarked interpreter can import ``name`` (checked in a child, never imported here)."""
    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({name!r}) is None)"
    try:
        return subprocess.run([python(), "-c", code], capture_output=True, timeout=60).returncode == 0
    except (ModuleNotFoundError, subprocess.SubprocessError):
        return False


def has_command(command: str) -> bool:
    """Whether ``wavec COMMAND --help`` works on this checkout."""
    proc = subprocess.run(wavec(command, "--help"), cwd=ROOT, capture_output=True, timeout=60)
    return proc.returncode == 0


def cfn_lint(template: Path) -> tuple[str, ...]:
    """``cfn-lint TEMPLATE`` as its console script runs it, under this interpreter (no shell shims)."""
    code = "import sys; from cfnlint.runner import main; sys.argv[0] = 'cfn-lint'; sys.exit(main())"
    return (python(), "-c", code, str(template))


# ----------------------------------------------------------------- start-up


def ensure_bytecode() -> str:
    """Compile wavec's and Lark's modules to bytecode in a child (``compileall``), so no measured run pays
    for compiling: the environment may set ``PYTHONDONTWRITEBYTECODE=1``, and then nothing ever writes the
    ``.pyc`` files and every start compiles every module again. Returns the condition, for the report."""
    code = ("import compileall, importlib.util, os, sys\n"
            "ok = True\n"
            "for name in ('wavec', 'lark'):\n"
            "    spec = importlib.util.find_spec(name)\n"
            "    if spec and spec.submodule_search_locations:\n"
            "        for folder in spec.submodule_search_locations:\n"
            "            ok = compileall.compile_dir(folder, quiet=1) and ok\n"
            "sys.exit(0 if ok else 1)\n")
    proc = subprocess.run([python(), "-c", code], capture_output=True, text=True, timeout=600)
    setting = os.environ.get("PYTHONDONTWRITEBYTECODE")
    said = f"`PYTHONDONTWRITEBYTECODE={setting}` in the environment" if setting else \
        "`PYTHONDONTWRITEBYTECODE` unset"
    done = "compiled" if proc.returncode == 0 else f"compiled with errors (exit {proc.returncode})"
    return (f"Bytecode: wavec's and Lark's modules {done} by `compileall` before the first measurement "
            f"({said}; Python reads the `.pyc` files either way, so no run compiles a module).")


@dataclass
class Startup:
    """Cold ``wavec check`` of the checkout example against the floors, paired run by run."""

    check: Sample
    minimal: Sample
    vs_lark: Pair
    """``wavec check examples/checkout.wave`` (A) against ``python -c 'import lark'`` (B)."""
    vs_pass: Pair
    """``python -c 'import lark'`` (A) against ``python -c pass`` (B): what the floor itself costs."""
    cfn: Pair | None
    """``cfn-lint`` on the same pipeline's CloudFormation (A) against ``wavec check`` (B)."""
    template: str

    @property
    def imports(self) -> Sample:
        """The ``import lark`` floor's runs."""
        return self.vs_lark.b


def checkout_template(work: Path, log: Log) -> tuple[Path, str]:
    """The CloudFormation template of the checkout pipeline: built by wavec when it can, else the hand-written one."""
    if has_module("wavec.targets.codepipeline.target"):
        out = work / "checkout.cfn.json"
        proc = subprocess.run(
            wavec("build", "examples/checkout.wave", "--target", "codepipeline", "--format", "cloudformation",
                  "-o", str(out)), cwd=ROOT, capture_output=True, text=True, timeout=300)
        if proc.returncode == 0 and out.is_file():
            return out, "built by `wavec build --target codepipeline --format cloudformation`"
        log(f"  wavec build --format cloudformation failed (exit {proc.returncode}); using the hand-written template")
    return HAND_TEMPLATE, "hand-written equivalent, benchmarks/data/checkout.cfn.json"


def startup(runs: int, work: Path, log: Log) -> Startup:
    """Cold start-up: ``wavec check examples/checkout.wave`` paired with ``import lark``, and with cfn-lint."""
    check = ("wavec check examples/checkout.wave", wavec("check", "examples/checkout.wave"))
    lark = ("python -c 'import lark'", (python(), "-c", "import lark"))
    log("start-up: wavec check examples/checkout.wave, paired with python -c 'import lark'")
    vs_lark = paired(check, lark, runs, ROOT)
    log("start-up: python -c 'import lark', paired with python -c pass")
    vs_pass = paired(lark, ("python -c pass", (python(), "-c", "pass")), runs, ROOT)
    log("start-up: wavec check examples/minimal.wave")
    minimal = sample("wavec check examples/minimal.wave", wavec("check", "examples/minimal.wave"), runs, ROOT)
    cfn: Pair | None = None
    template, origin = checkout_template(work, log)
    if has_module("cfnlint"):
        log(f"start-up: cfn-lint {template.name}, paired with wavec check")
        cfn = paired((f"cfn-lint {template.name}", cfn_lint(template)), check, runs, ROOT)
    return Startup(vs_lark.a, minimal, vs_lark, vs_pass, cfn, origin)


# ------------------------------------------------------------------- growth


@dataclass
class Series:
    """One command measured at several input sizes."""

    title: str
    sizes: list[int]
    samples: list[Sample]
    fixed: float = 0.0
    """Seconds of fixed cost (start-up on a tiny input) subtracted for the net growth figures."""
    notes: list[str] = field(default_factory=list)

    def steps(self) -> list[tuple[int, int, float, float | None, float | None]]:
        """Per step: (from size, to size, raw growth, net growth, net growth / linear growth).

        The net figures are ``None`` when a size takes no longer than the fixed cost (noise dominates).
        """
        out: list[tuple[int, int, float, float | None, float | None]] = []
        pairs = list(zip(self.sizes, self.samples, strict=True))
        for (a, sa), (b, sb) in itertools.pairwise(pairs):
            raw = sb.median / sa.median
            na, nb = sa.median - self.fixed, sb.median - self.fixed
            if na <= 0 or nb <= 0:
                out.append((a, b, raw, None, None))
                continue
            out.append((a, b, raw, nb / na, nb / na / (b / a)))
        return out


def growth(sizes: Sequence[int], runs: int, work: Path, fixed: float, log: Log) -> list[Series]:
    """``wavec check`` on generated projects of each size, in both shapes."""
    out = []
    for shape, title in (("org", "check, many pipelines (10 waves each)"), ("wide", "check, one pipeline")):
        series = Series(title, list(sizes), [], fixed)
        for n in sizes:
            project = write_project(work / f"{shape}-{n}", n, shape)
            log(f"growth: wavec check {project.entry.name} ({project.pipelines} pipeline(s))")
            s = sample(f"check {shape} {n}", wavec("check", project.entry.name), runs, project.entry.parent, warmup=0)
            if not s.ok:
                series.notes.append(f"{n} waves: exit {s.returncodes[0]} — {s.stderr_tail.strip()[-300:]}")
            series.samples.append(s)
        out.append(series)
    return out


def bare_parse(size: int, runs: int, work: Path, log: Log) -> Pair:
    """``wavec check`` of the org project of ``size`` waves (A) paired with a bare Lark parse of its file (B).

    Both run from the checkout's root (``benchmarks.bare_parse`` is no part of the installed package) on
    the absolute path of the entry file.
    """
    project = write_project(work / f"org-{size}", size, "org")
    log(f"parse: wavec check {project.entry.name}, paired with a bare Lark parse of it")
    return paired((f"check {project.entry.name}", wavec("check", str(project.entry))),
                  (f"bare Lark parse of {project.entry.name}",
                   (python(), "-m", "benchmarks.bare_parse", str(project.entry))), runs, ROOT, warmup=0)


def plans(sizes: Sequence[int], runs: int, work: Path, fixed: float, wide_max: int, log: Log) -> list[Series]:
    """``wavec plan --format json`` growth, org (one 10-wave pipeline of the file) and wide (one pipeline)."""
    out: list[Series] = []
    for shape, extra, title in (
            ("org", ("--pipeline", "svc00000"),
             "plan --format json, one 10-wave pipeline of a file holding every wave"),
            ("wide", (), "plan --format json, one pipeline holding every wave")):
        shown = [n for n in sizes if shape != "wide" or n <= wide_max]
        series = Series(title, shown, [], fixed)
        for n in shown:
            project = write_project(work / f"{shape}-{n}", n, shape)
            log(f"plan: wavec plan {project.entry.name} --format json")
            cmd = wavec("plan", project.entry.name, "--start", "2024-03-11T08:00:00Z", "--format", "json", *extra)
            s = sample(f"plan {shape} {n}", cmd, runs, project.entry.parent, warmup=0, discard_stdout=True)
            size = run(cmd, project.entry.parent, discard_stdout=True).stdout_bytes
            series.notes.append(f"{n} waves: {size / 2**20:.1f} MiB of JSON" if size >= 2**20 else
                                f"{n} waves: {size / 2**10:.0f} KiB of JSON")
            if not s.ok:
                series.notes.append(f"{n} waves: exit {s.returncodes[0]} — {s.stderr_tail.strip()[-300:]}")
            series.samples.append(s)
        left = [n for n in sizes if n not in shown]
        if left:
            series.notes.append(
                f"not measured at {', '.join(map(str, left))} waves: the report itself grows as the square of the "
                "waves in this shape — every wave's gates include `rollback_all`, so each row of `defects` lists "
                "every wave deployed before it (`rolled_back`): 4× the waves is about 16× the bytes")
        out.append(series)
    return out


def builds(sizes: Sequence[int], runs: int, work: Path, fixed: float, log: Log) -> tuple[list[Series], list[str]]:
    """``wavec build`` growth per target available on this checkout; notes for the targets that are not."""
    out: list[Series] = []
    skipped: list[str] = []
    plans = (
        ("local", "wide", (), "build --target local, one pipeline holding every wave"),
        ("codepipeline", "org", ("--pipeline", "svc00000"),
         "build --target codepipeline, one 10-wave pipeline of a file holding every wave"),
    )
    for target, shape, extra, title in plans:
        if not has_module(f"wavec.targets.{target}"):
            skipped.append(f"`wavec build --target {target}`: the target is not on this checkout yet")
            continue
        series = Series(title, list(sizes), [], fixed)
        for n in sizes:
            project = write_project(work / f"{shape}-{n}", n, shape)
            out_file = project.entry.parent / f"out-{target}.json"
            log(f"build: wavec build {project.entry.name} --target {target}")
            cmd = wavec("build", project.entry.name, "--target", target, *extra, "-o", str(out_file))
            s = sample(f"build {target} {n}", cmd, runs, project.entry.parent, warmup=0)
            if not s.ok:
                series.notes.append(f"{n} waves: exit {s.returncodes[0]} — {s.stderr_tail.strip()[-300:]}")
            series.samples.append(s)
        out.append(series)
    return out, skipped


# ------------------------------------------------------------------- runner


RUNNER_FILE = """\
# A rehearsal of {waves} one-region waves whose commands do nothing: what is left is the runner's own cost.
pipeline rehearsal {{
  role      = "arn:aws:iam::111122223333:role/rehearsal"
  artifacts = "rehearsal-artifacts"
  source s3 {{ bucket = "rehearsal-source"  key = "src.zip" }}
  stage test {{
    step a {{ kind = test  run = "true" }}
    step b {{ kind = test  run = "true"  after = [a] }}
  }}
  deploy {{
    cloudformation {{ stack = "rehearsal"  template = "source::t.yaml" }}
    local {{ run = "true"  rollback = "true" }}
  }}
{body}
}}
"""


@dataclass
class Runner:
    """``wavec run`` on two plan sizes: the slope is the runner's cost per node."""

    nodes: list[int]
    samples: list[Sample]
    spawns: list[Sample] = field(default_factory=list)
    """The floor: a Python loop spawning ``/bin/sh -c true`` as many times as the plans have nodes."""

    @property
    def per_node_ms(self) -> float:
        """Milliseconds per extra node between the two sizes (fixed costs cancel out)."""
        (n1, n2), (s1, s2) = self.nodes, self.samples
        return (s2.median - s1.median) / (n2 - n1) * 1000

    @property
    def per_spawn_ms(self) -> float | None:
        """Milliseconds per extra spawn of the floor loop, the same slope."""
        if len(self.spawns) != 2:
            return None
        (n1, n2), (s1, s2) = self.nodes, self.spawns
        return (s2.median - s1.median) / (n2 - n1) * 1000


SPAWN_LOOP = ("import subprocess, sys\n"
              "for _ in range(int(sys.argv[1])):\n"
              "    subprocess.run(['/bin/sh', '-c', 'true'])\n")


def runner(runs: int, work: Path, log: Log) -> Runner | str:
    """Overhead of ``wavec run`` per DAG node, or why it was not measured."""
    if not has_command("run"):
        return "not measured: `wavec run` is not on this checkout yet"
    nodes: list[int] = []
    samples: list[Sample] = []
    regions = ("eu-west-1", "eu-west-2", "eu-central-1", "us-east-1", "us-west-2")
    for waves in (20, 100):
        folder = work / f"runner-{waves}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "wave.toml").write_text("", encoding="utf-8")
        body = "\n".join(f'  wave w{i} {{ regions = ["{regions[i % len(regions)]}"] }}' for i in range(waves))
        entry = folder / "rehearsal.wave"
        entry.write_text(RUNNER_FILE.format(waves=waves, body=body), encoding="utf-8")
        plan = folder / "plan.json"
        proc = subprocess.run(wavec("build", entry.name, "--target", "local", "-o", str(plan)), cwd=folder,
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            return f"not measured: `wavec build --target local` failed (exit {proc.returncode}): {proc.stderr[-300:]}"
        nodes.append(len(json.loads(plan.read_text(encoding="utf-8")).get("nodes", [])))
        log(f"runner: wavec run {entry.name} ({nodes[-1]} nodes)")
        s = sample(f"run {waves} waves", wavec("run", entry.name, "--jobs", "4", "--no-wait"), runs, folder,
                   warmup=0)
        if not s.ok:
            return f"not measured: `wavec run` failed (exit {s.returncodes[0]}): {s.stderr_tail[-300:]}"
        samples.append(s)
    if nodes[0] == nodes[1]:
        return "not measured: the plan JSON lists no `nodes`"
    spawns = []
    for n in nodes:
        log(f"runner floor: {n} spawns of /bin/sh -c true")
        spawns.append(sample(f"spawn loop {n}", (python(), "-c", SPAWN_LOOP, str(n)), runs, work, warmup=0))
    return Runner(nodes, samples, spawns)


def default_log(message: str) -> None:
    """Progress on stderr, so stdout stays the report."""
    print(message, file=sys.stderr, flush=True)
