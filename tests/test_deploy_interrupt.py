"""Ctrl-C between stacks (wavec.deploy.engine.apply against moto over HTTP): the stacks done are done, the one
being started is not reported as done, no change set is left behind, and the next plan continues from there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from deploy_helpers import create_referenced_alarms, reset

from wavec.api import check, select_pipeline
from wavec.config import Config
from wavec.deploy.aws import Aws
from wavec.deploy.engine import Progress, apply, make_plan
from wavec.diagnostics import Sink
from wavec.targets.codepipeline.target import bundle_for

from conftest import EXAMPLES


def test_ctrl_c_between_stacks_leaves_nothing_reported_as_done_that_is_not(
        moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reset(moto_server)
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    source = EXAMPLES / "checkout.wave"
    create_referenced_alarms(moto_server, source)
    bundle = bundle_for(select_pipeline(check([source], Config()), None), Sink())
    assert bundle is not None
    aws = Aws(endpoint_url=moto_server)
    plan = make_plan(bundle, bundle.request, aws, dry_run=False)
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        if line.startswith("[3/8]"):
            raise KeyboardInterrupt  # the user presses Ctrl-C as the third stack starts

    progress = Progress()
    with pytest.raises(KeyboardInterrupt):
        apply(plan, bundle, aws, say, progress)
    assert progress.done == 2 and progress.current == bundle.stacks[2].name
    assert all(s.change_set is None for s in plan.stacks)  # nothing left for a later run to trip on

    again = make_plan(bundle, bundle.request, Aws(endpoint_url=moto_server), dry_run=True)
    assert [s.action for s in again.stacks] == ["none", "none"] + ["create"] * 6
