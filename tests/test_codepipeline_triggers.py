"""Source `trigger` blocks → CodePipeline V2 git triggers (CodePipeline User Guide, "Filter triggers on code push
or pull requests"): the filters the file states, in the request botocore's model accepts, and WV928 for what the
service does not take."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wavec.api import build
from wavec.config import Config
from wavec.targets.codepipeline.service_model import model_problems

SOURCE = """pipeline p {{
  role      = "arn:aws:iam::111122223333:role/p"
  artifacts = "p-artifacts-${{region}}"
  source {kind} {{
{source}
{triggers}
  }}
  deploy {{
    cloudformation {{ stack = "app"  template = "source::t.yaml"  role = "arn:aws:iam::111122223333:role/cfn" }}
  }}
  wave only {{ regions = ["eu-west-1"] }}
}}
"""
GITHUB = ('    repo       = "acme/shop"\n'
          '    connection = "arn:aws:codeconnections:eu-west-1:111122223333:connection/abc"')


def _build(tmp: Path, triggers: str, kind: str = "github", source: str = GITHUB) -> tuple[Any, list[str]]:
    path = tmp / "p.wave"
    path.write_text(SOURCE.format(kind=kind, source=source, triggers=triggers), encoding="utf-8")
    result = build(path, "codepipeline", config=Config())
    return result, [d.code for d in result.diagnostics]


def test_push_and_pull_request_filters_become_the_pipelines_git_configuration(tmp_path: Path) -> None:
    result, found = _build(tmp_path, """
    trigger push { branches = ["main", "release/**"]  exclude_branches = ["release/old*"]
                   paths = ["src/**"]  exclude_paths = ["src/**/*.md"] }
    trigger push { tags = ["v*"]  exclude_tags = ["v0.*"] }
    trigger pull_request { events = [open, updated]  branches = ["main"] }
    trigger pull_request { branches = ["main"]  paths = ["src/**"] }""")
    assert found == []
    request = json.loads(result.output)
    assert model_problems(request) == []
    assert request["pipeline"]["triggers"] == [{
        "providerType": "CodeStarSourceConnection",
        "gitConfiguration": {
            "sourceActionName": "Source",
            "push": [
                {"branches": {"includes": ["main", "release/**"], "excludes": ["release/old*"]},
                 "filePaths": {"includes": ["src/**"], "excludes": ["src/**/*.md"]}},
                {"tags": {"includes": ["v*"], "excludes": ["v0.*"]}},
            ],
            "pullRequest": [
                {"events": ["OPEN", "UPDATED"], "branches": {"includes": ["main"]}},
                # No `events`: every event of a pull request (open, updated, closed) starts it.
                {"events": ["OPEN", "UPDATED", "CLOSED"], "branches": {"includes": ["main"]},
                 "filePaths": {"includes": ["src/**"]}},
            ],
        },
    }]
    # The source action names the branch a manual start builds; a trigger decides what else starts it.
    source = request["pipeline"]["stages"][0]["actions"][0]
    assert source["name"] == "Source" and source["configuration"]["BranchName"] == "main"


def test_without_a_trigger_the_request_has_none(tmp_path: Path) -> None:
    result, found = _build(tmp_path, "")
    assert found == [] and "triggers" not in json.loads(result.output)["pipeline"]


@pytest.mark.parametrize(("triggers", "why"), [
    ('trigger push { branches = ["main"]  tags = ["v*"] }', "tags, or branches"),
    ('trigger push { paths = ["src/**"] }', "needs `branches` too"),
    ("trigger pull_request { events = [closed] }", "needs `branches`"),
    ("\n".join(f'trigger push {{ branches = ["b{n}"] }}' for n in range(4)), "at most 3"),
    ('trigger push { branches = [' + ", ".join(f'"b{n}"' for n in range(9)) + "] }", "1–8"),
])
def test_a_filter_the_service_does_not_take_is_wv928(tmp_path: Path, triggers: str, why: str) -> None:
    result, found = _build(tmp_path, triggers)
    assert found == ["WV928"] and result.output is None
    assert why in result.diagnostics[0].message


def test_a_trigger_on_a_source_without_a_connection_is_wv928(tmp_path: Path) -> None:
    result, found = _build(tmp_path, 'trigger push { branches = ["main"] }', "codecommit", '    repo = "shop"')
    assert found == ["WV928"]
    assert "EventBridge" in result.diagnostics[0].message


def test_an_unknown_event_is_named(tmp_path: Path) -> None:
    _, found = _build(tmp_path, 'trigger merge { branches = ["main"] }')
    assert found and found[0].startswith("WV1")
