"""Properties of `wavec fmt` and of every compile target, over generated valid plans.

* fmt round-trips: formatting is idempotent, keeps every comment, and keeps the meaning (the same
  diagnostics, the same pipelines);
* every target's output is deterministic (two builds, byte-identical);
* CodePipeline output passes botocore's model: ``ParamValidator`` on the ``CreatePipeline`` input,
  plus the enums, lengths, ranges and patterns of the model that ``ParamValidator`` does not check.

Each property runs when its feature is on this checkout (they are built by other parts of the
project); until then it is skipped with the reason.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from wavec import check
from wavec.cli.app import COMMANDS
from wavec.config import Config
from wavec.diagnostics import Severity
from wavec.targets import TARGETS

from .harness import check_source
from .strategies import schema_files, valid_files
from conftest import cli


def _present(target: str) -> bool:
    return importlib.util.find_spec(f"wavec.targets.{TARGETS[target]}") is not None


HAS_FMT = "fmt" in COMMANDS
PRESENT_TARGETS = sorted(t for t in TARGETS if _present(t))
needs_fmt = pytest.mark.skipif(not HAS_FMT, reason="`wavec fmt` is not on this checkout yet")


def _cli(*args: str) -> int:
    return cli(*args).returncode


def _meaning(path: Path) -> list[tuple[str, str]]:
    return sorted((d.code, d.message) for d in check([path], Config()).diagnostics)


# A comment is `#` to the end of the line, outside a string (strings are one line, `\"` escapes a quote): the
# grammar's STRING and COMMENT terminals, written out independently of the lexer the formatter uses.
COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"|(#[^\n]*)')


def _comments(text: str) -> list[str]:
    return [m.group(1) for m in COMMENT.finditer(text) if m.group(1) is not None]


def _fmt_round_trip(project: Path, text: str) -> None:
    path = project / "fmt.wave"
    path.write_text(text, encoding="utf-8")
    before = _meaning(path)
    syntax_error = any(code.startswith("WV0") for code, _ in before)
    code = _cli("fmt", str(path))
    formatted = path.read_text(encoding="utf-8")
    if syntax_error:
        # A file that does not parse is left alone, and fmt says so with a failing exit code.
        assert code != 0
        assert formatted == text
        return
    assert code == 0
    assert _meaning(path) == before, "fmt changed what the file means"
    for comment in _comments(text):
        assert comment.rstrip() in formatted, f"fmt lost the comment {comment!r}"
    assert _cli("fmt", str(path)) == 0
    assert path.read_text(encoding="utf-8") == formatted, "fmt is not idempotent"


@pytest.mark.slow  # a hypothesis search
@needs_fmt
@given(valid_files())
def test_fmt_round_trips_valid_files(project: Path, text: str) -> None:
    _fmt_round_trip(project, text)


@needs_fmt
def test_fmt_round_trip_keeps_a_hash_inside_a_string_as_text(project: Path) -> None:
    # Found by the fuzzer: the oracle took the `#` of a string for a comment fmt had lost.
    assert _comments('window first { allow HO000 "#" }  # kept\n') == ["# kept"]
    _fmt_round_trip(project, 'window first {\n  allow HO000 "#"  # kept\n}\n')


@pytest.mark.slow  # a hypothesis search
@needs_fmt
@given(schema_files())
def test_fmt_round_trips_any_file(project: Path, text: str) -> None:
    _fmt_round_trip(project, text)


# --------------------------------------------------------------------- targets


def _build_all(project: Path, text: str) -> dict[str, str | None]:
    from wavec.api import build
    from wavec.targets import get_target

    path = project / "target.wave"
    path.write_text(text, encoding="utf-8")
    outcome = check_source(project, text, name="target.wave")
    assert not [d for d in outcome.diagnostics if d.severity is Severity.ERROR], outcome.rendered["text"]
    out: dict[str, str | None] = {}
    for name in PRESENT_TARGETS:
        for fmt in get_target(name).formats:
            result = build(path, name, fmt, None, Config())
            errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
            assert result.output is not None, f"{name}/{fmt} refused a valid plan: {errors}"
            out[f"{name}/{fmt}"] = result.output
    return out


@pytest.mark.slow  # a hypothesis search
@pytest.mark.skipif(not PRESENT_TARGETS, reason="no compile target is on this checkout yet")
@given(valid_files())
def test_every_target_output_is_deterministic(project: Path, text: str) -> None:
    assert _build_all(project, text) == _build_all(project, text)


def _outside(n: int, meta: dict[str, Any]) -> bool:
    return ("min" in meta and n < meta["min"]) or ("max" in meta and n > meta["max"])


def model_errors(value: Any, shape: Any, path: str = "") -> list[str]:
    """What botocore's ``ParamValidator`` leaves out: enums, lengths, ranges and patterns of the model."""
    errors: list[str] = []
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for key, item in value.items():
            if key in shape.members:
                errors += model_errors(item, shape.members[key], f"{path}.{key}")
    elif kind == "list" and isinstance(value, list):
        meta = shape.metadata
        if _outside(len(value), meta):
            errors.append(f"{path}: {len(value)} items outside [{meta.get('min')}, {meta.get('max')}]")
        for i, item in enumerate(value):
            errors += model_errors(item, shape.member, f"{path}[{i}]")
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            errors += model_errors(key, shape.key, f"{path}<key>")
            errors += model_errors(item, shape.value, f"{path}[{key}]")
    elif kind == "string" and isinstance(value, str):
        meta = shape.metadata
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} not in {shape.enum}")
        if _outside(len(value), meta):
            errors.append(f"{path}: length {len(value)} outside [{meta.get('min')}, {meta.get('max')}]")
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {meta['pattern']}")
    elif kind in {"integer", "long"} and isinstance(value, int):
        meta = shape.metadata
        if _outside(value, meta):
            errors.append(f"{path}: {value} outside [{meta.get('min')}, {meta.get('max')}]")
    return errors


@pytest.mark.slow  # a hypothesis search
@pytest.mark.skipif("codepipeline" not in PRESENT_TARGETS, reason="the codepipeline target is not on main yet")
@given(valid_files())
def test_codepipeline_output_passes_the_botocore_model(project: Path, text: str) -> None:
    import botocore.session
    from botocore.validate import ParamValidator

    from wavec.api import build

    path = project / "cp.wave"
    path.write_text(text, encoding="utf-8")
    result = build(path, "codepipeline", "json", None, Config())
    assert result.output is not None, [d.message for d in result.diagnostics]
    params = json.loads(result.output)
    shape = botocore.session.get_session().get_service_model("codepipeline").operation_model(
        "CreatePipeline").input_shape
    report = ParamValidator().validate(params, shape)
    assert not report.has_errors(), report.generate_report()
    assert model_errors(params, shape) == []


def test_model_check_catches_what_param_validator_misses() -> None:
    # The walker can fail: a bad enum and an over-long name pass ParamValidator but not the model walk.
    import botocore.session
    from botocore.validate import ParamValidator

    shape = botocore.session.get_session().get_service_model("codepipeline").operation_model(
        "CreatePipeline").input_shape
    params = {"pipeline": {"name": "x" * 200, "roleArn": "arn:aws:iam::111122223333:role/r",
                           "executionMode": "SOMETIMES",
                           "stages": [{"name": "s", "actions": [{"name": "a", "actionTypeId": {
                               "category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}}]}]}}
    assert not ParamValidator().validate(params, shape).has_errors()
    errors = model_errors(params, shape)
    assert any("executionMode" in e for e in errors)
    assert any(".pipeline.name" in e and "length" in e for e in errors)
