"""Helpers of the emulator tests: a working folder whose tools succeed, and `wavec run` as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "emulator"
# Tools the examples' Commands actions call; in the tests they succeed (or fail when $FAULTS/<tool> exists).
TOOLS = ("make", "pytest", "trivy", "cfn-guard")
FAST = "1000000"  # virtual seconds per real second: a week of windows in well under a second


@dataclass
class Run:
    """A finished `wavec run`: exit code, JSON events, stderr, and what the stand-ins wrote to $RUNLOG."""

    code: int
    events: list[dict[str, Any]]
    stderr: str
    log: list[str]

    @property
    def report(self) -> dict[str, Any]:
        """The final report event."""
        return next(e for e in self.events if e["event"] == "report")

    def of(self, kind: str, **match: Any) -> list[dict[str, Any]]:
        """The events of ``kind`` whose fields equal ``match``."""
        return [e for e in self.events if e["event"] == kind and all(e.get(k) == v for k, v in match.items())]

    def at(self, kind: str, **match: Any) -> datetime:
        """The virtual instant of the first such event."""
        found = self.of(kind, **match)
        assert found, f"no {kind} event with {match}"
        return datetime.fromisoformat(found[0]["at"].replace("Z", "+00:00"))


def workdir(tmp: Path) -> Path:
    """A folder with stub tools on its bin/ and a sandbox.sh: every Commands action of the examples succeeds."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    (tmp / "faults").mkdir(exist_ok=True)
    for tool in TOOLS:
        stub = bin_dir / tool
        stub.write_text(f'#!/bin/sh\necho "{tool} $*" >> "$RUNLOG"\ntest ! -e "$FAULTS/{tool}"\n', encoding="utf-8")
        stub.chmod(0o755)
    sandbox = tmp / "sandbox.sh"
    sandbox.write_text('#!/bin/sh\necho "sandbox $1" >> "$RUNLOG"\n', encoding="utf-8")
    sandbox.chmod(0o755)
    (tmp / "run.log").write_text("", encoding="utf-8")  # each run starts a fresh log
    return tmp


def standins(tmp: Path, table: dict[str, Any] | None = None) -> Path:
    """A stand-in table; by default every action logs `deploy|rollback <stage> <region>` to $RUNLOG."""
    table = table or {"actions": {"*": {
        "run": 'echo "deploy $WAVE_STAGE $WAVE_REGION" >> "$RUNLOG"',
        "rollback": 'echo "rollback $WAVE_STAGE $WAVE_REGION" >> "$RUNLOG"',
    }}}
    path = tmp / "stand-ins.json"
    path.write_text(json.dumps(table), encoding="utf-8")
    return path


def wavec_run(tmp: Path, *args: str | Path, env: dict[str, str] | None = None, timeout: float = 60) -> Run:
    """``wavec run ARGS --json`` in ``tmp`` (made a working folder), as a subprocess."""
    workdir(tmp)
    full_env = dict(os.environ)
    full_env.update(PATH=f"{tmp / 'bin'}{os.pathsep}{full_env.get('PATH', '')}", RUNLOG=str(tmp / "run.log"),
                    FAULTS=str(tmp / "faults"), WAVE_COMMIT="0123456789abcdef0123456789abcdef01234567")
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "wavec", "run", *map(str, args), "--json"], cwd=tmp,
                          capture_output=True, text=True, env=full_env, timeout=timeout, check=False)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    log = (tmp / "run.log").read_text(encoding="utf-8").splitlines()
    return Run(proc.returncode, events, proc.stderr, log)


def pipeline(name: str) -> dict[str, Any]:
    """A pinned pipeline fixture, parsed."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def write(tmp: Path, name: str, document: Any) -> Path:
    """Write a JSON document into ``tmp``."""
    path = tmp / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


LOGGED = ('echo deploy ${wave} $WAVE_REGION >> \\"$RUNLOG\\"', 'echo rollback ${wave} $WAVE_REGION >> \\"$RUNLOG\\"')


def app_pipeline(body: str, run: str = LOGGED[0], rollback: str = LOGGED[1]) -> str:
    """A one-account pipeline `app` (S3 source, a CloudFormation deploy with its role, and a `local` profile
    whose `run` and `rollback` are given as `.wave` string contents) holding ``body``: its gates, windows,
    stages and waves. The tests of the two rehearsals share it."""
    lines = ["pipeline app {",
             '  role      = "arn:aws:iam::111122223333:role/app"',
             '  artifacts = "app-artifacts-${region}"',
             '  source s3 { bucket = "b"  key = "k.zip" }',
             "  deploy {",
             "    cloudformation {",
             '      stack = "app"  template = "source::t.yaml"',
             '      role  = "arn:aws:iam::111122223333:role/app-cloudformation"',
             "    }",
             f'    local {{\n      run      = "{run}"\n      rollback = "{rollback}"\n    }}',
             "  }",
             *(f"  {line}" if line else "" for line in body.strip("\n").splitlines()),
             "}"]
    return "\n".join(lines) + "\n"
