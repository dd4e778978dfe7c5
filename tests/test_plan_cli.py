"""`wavec plan` as a user runs it: the text table and JSON (snapshots), options, errors, determinism."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from conftest import ROOT, cli

FIXTURE = "tests/fixtures/plan/rollout.wave"
START = ("--start", "2024-03-08T15:00:00Z")


def test_text_table_snapshot(snapshot: SnapshotAssertion) -> None:
    proc = cli("plan", FIXTURE, *START)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "Time to full deployment: 2d21h (finishes Mon 2024-03-11 12:00Z)" in proc.stdout
    assert proc.stdout == snapshot


def test_json_snapshot_and_spec_keys(snapshot: SnapshotAssertion) -> None:
    proc = cli("plan", FIXTURE, *START, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    # the keys /work/shared/spec/cli.md promises
    assert {"pipeline", "start", "waves", "time_to_full_deployment_seconds", "critical_path"} <= set(doc)
    for wave in doc["waves"]:
        assert {"name", "targets", "exposure", "cumulative_exposure", "bake_seconds", "starts_at",
                "ends_at"} <= set(wave)
    assert doc["pipeline"] == "shop" and doc["start"] == "2024-03-08T15:00:00Z"
    assert doc["time_to_full_deployment_seconds"] == 248400
    assert doc["waves"][-1]["cumulative_exposure"] == 1.0
    assert doc["waves"][0]["targets"] == [{"region": "us-east-1", "account": None}]
    assert doc["critical_path"][-1] == "wave:rest:bake"
    assert proc.stdout == snapshot


def test_start_with_an_offset_is_the_same_instant() -> None:
    a = cli("plan", FIXTURE, "--start", "2024-03-08T16:00+01:00", "--format", "json")
    b = cli("plan", FIXTURE, *START, "--format", "json")
    assert a.returncode == 0 and a.stdout == b.stdout


def test_source_date_epoch_is_the_default_start() -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1709910000"}  # 2024-03-08T15:00:00Z
    a = cli("plan", FIXTURE, "--format", "json", env=env)
    b = cli("plan", FIXTURE, *START, "--format", "json")
    assert a.stdout == b.stdout


def test_weights_option() -> None:
    proc = cli("plan", FIXTURE, *START, "--format", "json", "--weights", "us-east-1=1")
    doc = json.loads(proc.stdout)
    assert doc["weights"]["us-east-1"] == {"source": "--weights", "weight": 1.0}
    assert doc["waves"][0]["exposure"] == round(0.1 / 3, 6)


@pytest.mark.parametrize(("args", "needle"), [
    (("--start", "next tuesday"), "is not an ISO time"),
    (("--weights", "us-east1=2"), "not a region"),
    (("--weights", "us-east-1=-2"), "zero or more"),
    (("--pipeline", "nope"), "no pipeline named 'nope'"),
])
def test_usage_errors_exit_2(args: tuple[str, ...], needle: str) -> None:
    proc = cli("plan", FIXTURE, *args)
    assert proc.returncode == 2
    assert needle in proc.stderr and "Traceback" not in proc.stderr


def test_file_with_errors_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wave"
    bad.write_text('pipeline p { wave w { regions = ["mars-1"] } }\n', encoding="utf-8")
    proc = cli("plan", str(bad))
    assert proc.returncode == 1 and "WV113" in proc.stderr and proc.stdout == ""


def test_html_is_written(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "plan.html"
    proc = cli("plan", FIXTURE, *START, "--html", str(out))
    assert proc.returncode == 0 and out.is_file()
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and "2d21h" in page and "<script" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


_RUN_ALL = """
import sys, tempfile, pathlib
from wavec.cli import main
import io, contextlib
fixture = sys.argv[1]
out = []
for args in (["plan", fixture, "--start", "2024-03-08T15:00"],
             ["plan", fixture, "--start", "2024-03-08T15:00", "--format", "json"],
             ["graph", fixture, "--format", "dot"], ["graph", fixture, "--format", "mermaid"],
             ["graph", fixture, "--format", "json"]):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(args) == 0
    out.append(buf.getvalue())
with tempfile.TemporaryDirectory() as d:
    page = pathlib.Path(d) / "p.html"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["plan", fixture, "--start", "2024-03-08T15:00", "--html", str(page)]) == 0
    out.append(page.read_text())
sys.stdout.write("\\x00".join(out))
"""


@pytest.mark.slow  # one fresh interpreter per hash seed
def test_output_is_identical_across_hash_seeds() -> None:
    import subprocess

    outputs = set()
    for seed in ("0", "1", "12345", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-c", _RUN_ALL, FIXTURE], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outputs.add(proc.stdout)
    assert len(outputs) == 1
    assert len(outputs.pop().split("\x00")) == 6
