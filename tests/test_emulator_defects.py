"""The emulator reproduces, from today's compiled JSON alone, the defects issue 12 lists (one fixture each).

The pipelines under tests/fixtures/emulator/ are the compiler's output before the CodePipeline mapping was
fixed, pinned on purpose; each test states what a user of the `.wave` file expects and shows the emulated
CodePipeline doing otherwise. When the mapping is fixed, its new output gets new fixtures that pass the
user's expectation; these stay as the record of the old behaviour.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from emulator_helpers import FAST, FIXTURES, standins, wavec_run


def test_a_healthy_wave_leaves_its_bake_at_once(tmp_path: Path) -> None:
    """checkout.wave: `bake = 1h` after wave onebox. Emulated: wave first_region deploys the same minute."""
    run = wavec_run(tmp_path, FIXTURES / "checkout.pipeline.json", "--scenario", FIXTURES / "defect_a_healthy.toml",
                    "--speed", FAST)
    assert run.code == 0, run.stderr
    onebox_deployed = run.at("node_finished", node="wave:onebox:deploy:us-east-1")
    bake_over = run.at("node_finished", node="wave:onebox:bake")
    next_wave = run.at("node_started", node="wave:first_region:deploy:us-east-1")
    # What the file says: the next wave starts at least an hour after onebox's deploy.
    assert next_wave - onebox_deployed < timedelta(hours=1)
    # What the compiled pipeline does: no wait at all — the alarm rule's WaitTime passes an OK alarm at once.
    assert bake_over == onebox_deployed == next_wave
    (rule,) = run.of("gate", wave="onebox", block="onSuccess")
    assert rule["rule"] == "CloudWatchAlarm" and rule["ok"] and "at once" in rule["detail"]
    assert any(c["rule"] == "36" for c in run.report["choices"])
    # The whole rollout of four waves with 5h of bakes takes no virtual time.
    assert run.report["virtual_seconds"] == 0


def test_b_comma_joined_alarm_is_never_found_in_alarm(tmp_path: Path) -> None:
    """checkout.wave: gate health watches the 5xx alarm; it fires during onebox's bake. Expected: a rollback."""
    run = wavec_run(tmp_path, FIXTURES / "checkout.pipeline.json", "--scenario",
                    FIXTURES / "defect_b_comma_alarm.toml", "--stand-ins", standins(tmp_path), "--speed", FAST)
    # What the file says: the onebox wave breaches and is rolled back, the rollout fails (exit 3).
    # What the compiled pipeline does: the rule asks for one alarm named with a comma, which does not exist.
    assert run.code == 0, run.stderr
    (rule,) = run.of("gate", wave="onebox", block="onSuccess")
    assert rule["ok"]
    assert "`checkout-5xx-us-east-1,checkout-latency-p99-us-east-1`" in rule["detail"]
    assert not run.of("breach") and not run.of("rollback_plan")
    assert not any(line.startswith("rollback") for line in run.log)
    assert "deploy wave-rest ca-central-1" in run.log  # the breach went on to every region
    choices = " ".join(c["text"] for c in run.report["choices"])
    assert "does not exist" in choices and "ONE alarm" in choices


def test_c_rollback_all_leaves_earlier_waves_deployed(tmp_path: Path) -> None:
    """team-policy.wave: gate errors says `rollback_all`; wave eu breaches. Expected: canary rolled back too."""
    run = wavec_run(tmp_path, FIXTURES / "team-policy.pipeline.json", "--scenario",
                    FIXTURES / "defect_c_rollback_all.toml", "--stand-ins", standins(tmp_path), "--speed", FAST)
    assert run.code == 3, run.stderr
    report = run.report
    assert report["status"] == "rolled_back"
    waves = {w["name"]: w for w in report["waves"]}
    assert sorted(waves["eu"]["rolled_back"]) == ["eu-central-1", "eu-west-1"]
    # What the file says: every earlier wave is rolled back, newest first. What happens: canary stays deployed.
    assert waves["canary"]["deployed"] == ["eu-west-1"] and waves["canary"]["rolled_back"] == []
    assert sorted(line for line in run.log if line.startswith("rollback")) == [
        "rollback wave-eu eu-central-1", "rollback wave-eu eu-west-1"]
    assert waves["world"]["status"] == "not started"
    (rollback,) = [e for e in report["executions"] if e["type"] == "ROLLBACK"]
    assert rollback["stage"] == "wave-eu" and rollback["status"] == "Succeeded"
