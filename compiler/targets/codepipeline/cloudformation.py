"""The ``CreatePipeline`` request as an ``AWS::CodePipeline::Pipeline`` resource in a CloudFormation template.

CloudFormation spells the same structure in PascalCase, keeps ``Configuration``
maps as they are, and writes ``artifactStores`` (a map keyed by region in the
API) and ``tags`` as lists. The template passes ``cfn-lint`` (the tests prove it).
"""

from __future__ import annotations

import re
from typing import Any

# Keys whose values are free-form maps that CloudFormation takes verbatim.
_VERBATIM = {"configuration"}


def _pascal(key: str) -> str:
    return key[:1].upper() + key[1:]


def _convert(value: Any) -> Any:
    if isinstance(value, dict):
        return {_pascal(k): (v if k in _VERBATIM else _convert(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_convert(v) for v in value]
    return value


def logical_id(name: str) -> str:
    """A CloudFormation logical id for the pipeline (alphanumeric)."""
    words = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(w[:1].upper() + w[1:] for w in words if w) + "Pipeline"


def template(request: dict[str, Any]) -> dict[str, Any]:
    """A template with the pipeline as its one resource."""
    pipeline = dict(request["pipeline"])
    stores = pipeline.pop("artifactStores", {})
    props = _convert(pipeline)
    props["ArtifactStores"] = [{"Region": region, "ArtifactStore": _convert(store)}
                               for region, store in sorted(stores.items())]
    props["Tags"] = [{"Key": t["key"], "Value": t["value"]} for t in request.get("tags", [])]
    name = pipeline["name"]
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"CodePipeline V2 pipeline {name}, compiled by wavec",
        "Resources": {logical_id(name): {"Type": "AWS::CodePipeline::Pipeline", "Properties": props}},
        "Outputs": {"PipelineName": {"Description": "the pipeline's name", "Value": {"Ref": logical_id(name)}}},
    }


def merge(document: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """Add a part's ``Parameters``, ``Resources`` and ``Outputs`` to a template; a logical id is never reused."""
    for section in ("Parameters", "Resources", "Outputs"):
        entries = part.get(section) or {}
        if not entries:
            continue
        into = document.setdefault(section, {})
        clash = sorted(set(into) & set(entries))
        if clash:
            raise ValueError(f"logical ids used twice in the template: {', '.join(clash)}")
        into.update(entries)
    return document
