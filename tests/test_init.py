"""`wavec init`: the starter file checks cleanly under std/policies/hands_off and compiles to every target."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from fmt_helpers import fmt

from wavec.cli.init import starter
from wavec.semantics.loader import std_modules
from wavec.targets import TARGETS

from conftest import cli

HANDS_OFF = "std/policies/hands_off"


def _init(tmp_path: Path, *args: str) -> Path:
    proc = cli("init", *args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("wrote "))
    return tmp_path / line.removeprefix("wrote ")


def _codes(proc_stdout: str) -> list[str]:
    return [d["code"] for d in json.loads(proc_stdout)] if proc_stdout.strip() else []


@pytest.mark.parametrize("regions", [[], ["eu-west-1"], ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1",
                                                          "ap-northeast-1", "ap-southeast-2", "sa-east-1",
                                                          "ca-central-1", "ap-south-1", "eu-north-1"]],
                         ids=["default-regions", "one-region", "ten-regions"])
def test_starter_passes_check_with_hands_off(tmp_path: Path, regions: list[str]) -> None:
    path = _init(tmp_path, "svc", "--name", "demo", *(["--regions", *regions] if regions else []))
    assert path == tmp_path / "svc" / "demo.wave"
    text = path.read_text(encoding="utf-8")
    assert 'import "std/policies/hands_off"' in text and "policies  = [hands_off]" in text
    assert HANDS_OFF in std_modules()
    proc = cli("check", "--format", "json", "--strict", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _codes(proc.stdout) == []


# Targets whose module exists on this branch (`local` is registered before its module lands).
IMPLEMENTED = sorted(t for t, m in TARGETS.items() if importlib.util.find_spec(f"wavec.targets.{m}") is not None)


def test_the_codepipeline_target_is_implemented() -> None:
    assert "codepipeline" in IMPLEMENTED


@pytest.mark.parametrize("target", IMPLEMENTED)
def test_starter_compiles_to_every_target(tmp_path: Path, target: str) -> None:
    path = _init(tmp_path, "--name", "demo", "--regions", "eu-west-1", "us-east-1", "ap-southeast-2")
    out = tmp_path / f"demo.{target}.json"
    proc = cli("build", str(path), "--target", target, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "error" not in proc.stderr.split("warning")[0]
    data = json.loads(out.read_text(encoding="utf-8"))
    blob = json.dumps(data)
    for name in ("demo", "compile", "unit", "integration", "scan", "onebox", "first_region", "second"):
        assert name in blob, name
    for region in ("eu-west-1", "us-east-1", "ap-southeast-2"):
        assert region in blob


def test_starter_is_in_canonical_layout_and_grows_gradually() -> None:
    regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2",
               "sa-east-1", "ca-central-1"]
    text = starter("demo", "demo", regions)
    assert fmt(text) == text
    waves = re.findall(r"wave (\w+) \{\n    regions\s+= \[([^\]]*)\]", text)
    sizes = [(name, len(rs.split(","))) for name, rs in waves]
    assert sizes == [("onebox", 1), ("first_region", 1), ("second", 1), ("third", 2), ("fourth", 4)]
    assert len(re.findall(r"\n    gates += \[health\]", text)) == len(waves)  # aligned to each wave's keys
    assert "@" not in text.replace("@example", "")  # every placeholder was filled


def test_default_name_comes_from_the_folder(tmp_path: Path) -> None:
    path = _init(tmp_path, "checkout-service")
    assert path == tmp_path / "checkout-service" / "checkout-service.wave"
    assert "pipeline checkout_service {" in path.read_text(encoding="utf-8")


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    path = _init(tmp_path, "--name", "demo")
    path.write_text("# mine\n", encoding="utf-8")
    proc = cli("init", "--name", "demo", cwd=tmp_path)
    assert proc.returncode == 2
    assert "demo.wave already exists; not overwriting it" in proc.stderr
    assert path.read_text(encoding="utf-8") == "# mine\n"


@pytest.mark.parametrize(("args", "message"), [
    (["--name", "bad-name"], "pipeline name 'bad-name' is not a name"),
    (["--name", "in"], "is a reserved word"),
    (["--regions", "us-east-1", "mars-north-1"], "unknown AWS region: mars-north-1"),
    (["--regions", "us-east-1,us-east-1"], "listed twice"),
])
def test_bad_arguments_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    proc = cli("init", *args, cwd=tmp_path)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list(tmp_path.glob("*.wave"))


def test_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("", encoding="utf-8")
    proc = cli("init", "f", cwd=tmp_path)
    assert proc.returncode == 2 and "is not a folder" in proc.stderr


@pytest.mark.slow  # one rehearsal of the whole starter: about a second of commands
def test_the_starter_runs_under_wavec_run_as_generated(tmp_path: Path) -> None:
    path = _init(tmp_path, "--name", "demo")
    scripts = sorted(p.name for p in (tmp_path / "scripts").iterdir())
    assert scripts == ["build.sh", "deploy.sh", "guard.sh", "rollback.sh", "sandbox.sh", "scan.sh", "test.sh"]
    # Monday 10:00 UTC: inside business hours, so the run waits only for its (warped) bakes and windows.
    proc = cli("run", path.name, "--speed", "1000000", "--now", "2024-06-03T10:00Z", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    report = events[-1]
    assert report["event"] == "report" and report["exit"] == 0, report
    assert [(w["name"], w["status"]) for w in report["waves"]] == [
        ("onebox", "baked"), ("first_region", "baked"), ("second", "baked"), ("third", "baked")]


def test_init_keeps_a_script_that_exists(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "deploy.sh").write_text("#!/bin/sh\necho mine\n", encoding="utf-8")
    proc = cli("init", "--name", "demo", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "kept scripts/deploy.sh (it exists)" in proc.stdout
    assert (tmp_path / "scripts" / "deploy.sh").read_text(encoding="utf-8") == "#!/bin/sh\necho mine\n"
    assert (tmp_path / "scripts" / "build.sh").stat().st_mode & 0o111
