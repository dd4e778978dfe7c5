"""Helpers of the runner tests: a small fleet pipeline whose scripts write what they do to a log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import ROOT, cli, cli_process

# Every command appends one line to $RUNLOG; a file in $FAULTS makes the matching command fail.
FLEET = """
pipeline fleet {{
  role   = "arn:aws:iam::111122223333:role/fleet"
  source s3 {{ bucket = "b"  key = "k.zip" }}

  stage test {{
    environment {{
      create  = "echo create ${{stage}} >> \\"$RUNLOG\\""
      destroy = "echo destroy ${{stage}} >> \\"$RUNLOG\\""
    }}
    step unit {{ kind = test  run = "echo test unit >> \\"$RUNLOG\\" && test ! -e \\"$FAULTS/tests\\"" }}
  }}

  deploy {{
    local {{
      run      = "echo deploy ${{wave}} ${{region}} >> \\"$RUNLOG\\" && test ! -e \\"$FAULTS/deploy-${{region}}\\""
      rollback = "{rollback}"
    }}
  }}

  gate health {{
    check     = "test ! -e \\"$FAULTS/${{region}}\\""
    on_breach = {on_breach}
    interval  = 1m
  }}
{extra}
  wave one   {{ regions = ["us-east-1"]  bake = {bake}  gates = [health] }}
  wave two   {{ regions = ["eu-west-1", "eu-central-1"]  parallel = 1  bake = {bake}  gates = [health] {two} }}
  wave three {{ regions = ["ap-southeast-2"]  bake = {bake}  gates = [health] }}
}}
"""
ROLLBACK = 'echo rollback ${wave} ${region} >> \\"$RUNLOG\\"'


def fleet(on_breach: str = "rollback", bake: str = "3m", two: str = "", extra: str = "",
          rollback: str = ROLLBACK) -> str:
    """The fleet pipeline's text."""
    return FLEET.format(on_breach=on_breach, bake=bake, two=two, extra=extra, rollback=rollback)


@dataclass
class Run:
    """A finished `wavec run`: its process, the scripts' log, the journal's events."""

    proc: subprocess.CompletedProcess[str]
    log: list[str]
    events: list[dict[str, Any]]

    @property
    def code(self) -> int:
        return self.proc.returncode

    def kinds(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == name]


class Fleet:
    """A working folder with the fleet pipeline, a log and a faults folder."""

    def __init__(self, tmp: Path, text: str) -> None:
        self.dir = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.file = tmp / "fleet.wave"
        self.file.write_text(text, encoding="utf-8")
        self.runlog = tmp / "run.log"
        self.faults = tmp / "faults"
        self.faults.mkdir(exist_ok=True)

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "RUNLOG": str(self.runlog), "FAULTS": str(self.faults), "PYTHONPATH": str(ROOT),
                **extra}

    def fault(self, name: str) -> None:
        (self.faults / name).write_text("", encoding="utf-8")

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "wavec", "run", *args]

    def run(self, *args: str, target: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 60, inprocess: bool = True) -> Run:
        """Run `wavec run TARGET ARGS`; in this process by default (the commands are real subprocesses either
        way), which saves an interpreter start per test."""
        return self.invoke(["run", target or "fleet.wave", *args], env=env, timeout=timeout, inprocess=inprocess)

    def invoke(self, argv: list[str], env: dict[str, str] | None = None, timeout: float = 60,
               inprocess: bool = True) -> Run:
        """Run `wavec ARGV` in the fleet folder."""
        if inprocess:
            proc = cli(*argv, cwd=self.dir, env=env or self.env())
        else:
            proc = cli_process(*argv, cwd=self.dir, env=env or self.env(), timeout=timeout)
        return Run(proc, self.log(), self.events())

    def log(self) -> list[str]:
        return self.runlog.read_text(encoding="utf-8").splitlines() if self.runlog.exists() else []

    def journals(self) -> list[Path]:
        return sorted((self.dir / ".wavec" / "runs").glob("*.jsonl"))

    def events(self) -> list[dict[str, Any]]:
        """The events of the latest journal (each line is a commit of one or more events), as far as complete."""
        paths = self.journals()
        if not paths:
            return []
        return journal_events(paths[-1])


def journal_events(path: Path) -> list[dict[str, Any]]:
    """The events of the journal at ``path``; a line being written (no newline yet), or one a test damaged, is
    left out (the runner itself refuses a damaged journal)."""
    events = []
    for line in path.read_bytes().split(b"\n")[:-1]:
        try:
            events.extend(json.loads(line)["events"])
        except (ValueError, KeyError, TypeError):
            continue
    return events


# A pipeline for crash tests whose scripts keep the fleet's state as files: a deployed target is $STATE/<region>
# (holding its wave), a rollback removes it. Wave two deploys its two targets in parallel.
CRASH = """
pipeline crash {{
  role   = "arn:aws:iam::111122223333:role/fleet"
  source s3 {{ bucket = "b"  key = "k.zip" }}

  deploy {{
    local {{ run = "sh ./deploy.sh"  rollback = "sh ./rollback.sh" }}
  }}

  gate health {{
    check     = "test ! -e \\"$FAULTS/${{region}}\\""
    on_breach = {on_breach}
    interval  = 1m
  }}

  wave one {{ regions = ["us-east-1"]  bake = 1m  gates = [health] }}
  wave two {{ regions = ["eu-west-1", "eu-central-1"]  parallel = 2  bake = 1m  gates = [health] }}
}}
"""
DEPLOY_SH = """echo "deploy $WAVE_WAVE $WAVE_REGION" >> "$RUNLOG"
test ! -e "$FAULTS/deploy-$WAVE_REGION" || exit 1
mkdir -p "$STATE" && echo "$WAVE_WAVE" > "$STATE/$WAVE_REGION"
"""
ROLLBACK_SH = """echo "rollback $WAVE_WAVE $WAVE_REGION" >> "$RUNLOG"
rm -f "$STATE/$WAVE_REGION"
"""


class CrashFleet(Fleet):
    """The crash pipeline in a folder of its own, with a state folder its scripts keep."""

    def __init__(self, tmp: Path, on_breach: str, faults: tuple[str, ...] = ()) -> None:
        super().__init__(tmp, CRASH.format(on_breach=on_breach))
        (tmp / "deploy.sh").write_text(DEPLOY_SH, encoding="utf-8")
        (tmp / "rollback.sh").write_text(ROLLBACK_SH, encoding="utf-8")
        self.state = tmp / "state"
        for name in faults:
            self.fault(name)

    def env(self, **extra: str) -> dict[str, str]:
        return super().env(STATE=str(self.state), **extra)

    def deployed(self) -> dict[str, str]:
        """Target → wave of what is deployed now."""
        if not self.state.is_dir():
            return {}
        return {p.name: p.read_text(encoding="utf-8").strip() for p in sorted(self.state.iterdir())}

    def killed_run(self, after: str) -> subprocess.CompletedProcess[str]:
        """`wavec run` in a child that SIGKILLs itself right after its journal commit ``after`` (a number, or the
        first commit holding an event of that name)."""
        return subprocess.run(self.command("fleet.wave", "--speed", "6000"), cwd=self.dir, capture_output=True,
                              text=True, timeout=60, env=self.env(WAVEC_CRASH_AFTER_COMMIT=after))
