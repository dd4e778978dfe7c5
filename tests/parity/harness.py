"""The parity table: scenarios × examples, each cell run on both targets and compared as normalised traces.

A cell is one ``.wave`` file (an example, or a small fixture beside this file for a construct the examples
lack) and one scenario (docs/scenarios.md). :func:`run_cell` runs ``wavec run FILE --scenario S --json`` on
the local runner and on the CodePipeline emulator (``--target codepipeline``) and returns both traces.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/: emulator_helpers, also when run as `python tests/parity/table.py`

from emulator_helpers import ROOT, wavec_run  # noqa: E402
from normalise import Trace, trace  # noqa: E402
from prometheus_fake import FakePrometheus, fake_prometheus  # noqa: E402

SPEED = "1000000"
START = 'start = "2024-06-03T10:00:00Z"\n'


def alarm(name: str, region: str, wave: str, minute: int, state: str = "ALARM") -> str:
    """One ``[[alarm]]`` entry: ``name`` in ``region`` enters ``state`` at bake minute ``minute`` of ``wave``."""
    return (f'[[alarm]]\nname = "{name}"\nregion = "{region}"\nstate = "{state}"\nwave = "{wave}"\n'
            f"minute = {minute}\n")


def breach(name: str, region: str, wave: str, minute: int, recover: int | None = 10) -> str:
    """An alarm that fires at ``minute`` of ``wave``'s bake and (unless ``recover`` is None) clears later."""
    text = alarm(name, region, wave, minute)
    return text if recover is None else text + alarm(name, region, wave, minute + recover, "OK")


@dataclass(frozen=True)
class Cell:
    """One scenario on one ``.wave`` file; ``xfail`` names exactly what differs today (strict)."""

    scenario: str
    example: str  # a path relative to the repository
    text: str  # the scenario file (TOML)
    policy: str | None = None  # replaces `on_breach = rollback` in the file (rollback_all, halt)
    xfail: str | None = None

    @property
    def id(self) -> str:
        """``scenario@example``."""
        return f"{self.scenario}@{Path(self.example).stem}"


WAVES = "tests/parity/fixtures/waves.wave"  # three waves, 30 min bakes, a 5 min alarm gate
MINIMAL = "examples/minimal.wave"
CHECK = "tests/parity/fixtures/check.wave"  # a `check` gate failing from its third evaluation on
GATED = "tests/parity/fixtures/gated.wave"  # a canary, then prod behind a blocker and an approval
SANDBOX = "tests/parity/fixtures/sandbox.wave"  # a sandbox stage (create, two tests, destroy), then one wave
PROMETHEUS = "tests/parity/fixtures/prometheus.wave"  # a `prometheus` gate read every 5 minutes of two bakes
# The Prometheus server of PROMETHEUS's cells (its URL replaces @PROMETHEUS@): healthy answers for the first two
# queries, one over `max` from the third on (the same for both targets: the count starts again for each run).
_PROMETHEUS_ANSWERS = (0.1, 0.2, 0.9)
_prometheus: list[FakePrometheus] = []
# Left out: examples/checkout.wave and examples/team-policy.wave deploy through ./scripts/*.sh that the
# repository does not ship, and checkout's one-hour bakes over five waves take ~40 s per emulated run;
# examples/rehearsal/shop.wave is run on both targets by tests/test_emulator.py and test_runner_rehearsal.py.
CELLS: tuple[Cell, ...] = (
    Cell("healthy", MINIMAL, START),
    Cell("healthy", WAVES, START),
    Cell("breach-first-wave", WAVES, START + breach("errors-eu-west-1", "eu-west-1", "one", 7)),
    Cell("breach-middle-rollback", WAVES, START + breach("errors-us-east-1", "us-east-1", "two", 12)),
    Cell("breach-middle-rollback-all", WAVES, START + breach("errors-us-east-1", "us-east-1", "two", 12),
         policy="rollback_all"),
    Cell("breach-middle-halt", WAVES, START + breach("errors-us-east-1", "us-east-1", "two", 12), policy="halt"),
    Cell("breach-late-in-bake", WAVES, START + breach("errors-ap-southeast-2", "ap-southeast-2", "three", 28)),
    Cell("breach-stays", WAVES, START + breach("errors-us-east-1", "us-east-1", "two", 12, recover=None)),
    Cell("deploy-failure-in-batch", WAVES, START + '[[deploy_failure]]\nregion = "us-west-2"\nwave = "two"\n'),
    Cell("healthy", SANDBOX, START),
    Cell("sandbox-test-fails", SANDBOX, START + '[[step_failure]]\naction = "integration"\nstage = "sandbox"\n'),
    Cell("check-breaches-third-interval", CHECK, START),
    Cell("healthy", GATED, START),
    Cell("blocker-at-entry", GATED,  # the blocker alarm is in ALARM from the start
         START + '[[alarm]]\nname = "sev2-us-east-1"\nregion = "us-east-1"\nstate = "ALARM"\n'),
    Cell("approval-rejected", GATED, START + '[[approval]]\nwave = "prod"\ndecision = "reject"\nafter = "20m"\n'),
    Cell("deploy-failure", MINIMAL, START + '[[deploy_failure]]\nregion = "eu-west-1"\n'),
    Cell("prometheus-breaches-third-interval", PROMETHEUS, START),
)


def _prometheus_server() -> FakePrometheus:
    """The one fake Prometheus server of this test process (started at first use, stopped at exit)."""
    if not _prometheus:
        import atexit
        import contextlib

        stack = contextlib.ExitStack()
        _prometheus.append(stack.enter_context(fake_prometheus(_PROMETHEUS_ANSWERS)))
        atexit.register(stack.close)
    return _prometheus[0]


def prepare(cell: Cell, tmp: Path) -> tuple[Path, Path]:
    """The ``.wave`` file (policy applied) and scenario file of ``cell``, written into ``tmp``."""
    source = (ROOT / cell.example).read_text(encoding="utf-8")
    if cell.policy is not None:
        assert "on_breach = rollback " in source, f"{cell.example} has no `on_breach = rollback` to replace"
        source = source.replace("on_breach = rollback ", f"on_breach = {cell.policy} ")
    if "@PROMETHEUS@" in source:
        source = source.replace("@PROMETHEUS@", _prometheus_server().url)
    wave = tmp / Path(cell.example).name
    wave.write_text(source, encoding="utf-8")
    scenario = tmp / "scenario.toml"
    scenario.write_text(cell.text, encoding="utf-8")
    return wave, scenario


def _fresh(tmp: Path) -> None:
    """Forget what a previous run's commands counted (``$RUNLOG.*``, e.g. the check fixture's evaluations)."""
    for stale in tmp.glob("run.log.*"):
        stale.unlink()
    if _prometheus:
        _prometheus[0].reset()


def run_local(wave: Path, scenario: Path, tmp: Path) -> Trace:
    """The local runner's trace."""
    _fresh(tmp)
    run = wavec_run(tmp, wave, "--target", "local", "--scenario", scenario, "--speed", SPEED)
    assert run.code in (0, 3), run.stderr
    return trace(run.events, run.code)


def run_emulated(wave: Path | str, scenario: Path, tmp: Path, *extra: str | Path) -> Trace:
    """The CodePipeline emulator's trace (of ``wave``, or a pipeline JSON with ``extra`` options)."""
    _fresh(tmp)
    target = ("--target", "codepipeline") if str(wave).endswith(".wave") else ()
    run = wavec_run(tmp, wave, *target, *extra, "--scenario", scenario, "--speed", SPEED, timeout=120)
    assert run.code in (0, 3), run.stderr[-2000:]
    return trace(run.events, run.code)


def run_cell(cell: Cell, tmp: Path) -> tuple[Trace, Trace]:
    """``(local, emulated)`` traces of ``cell``, run in ``tmp``."""
    wave, scenario = prepare(cell, tmp)
    return run_local(wave, scenario, tmp), run_emulated(wave, scenario, tmp)
