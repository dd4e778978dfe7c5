"""Validate a request against botocore's CodePipeline service model, including what ``ParamValidator`` skips.

``botocore.validate.ParamValidator`` checks types, required members and minimum
lengths/sizes; it does not check enums, maximum lengths, maximum list sizes,
patterns or numeric maximums. :func:`model_problems` walks the shape itself and
reports all of them, so that what passes here is what the service accepts
as far as its published model says.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.model import Shape


@cache
def input_shape(operation: str = "CreatePipeline") -> Shape:
    """The input shape of a CodePipeline operation, from the model shipped with botocore."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("codepipeline")
    shape = model.operation_model(operation).input_shape
    assert shape is not None
    return shape


def model_problems(params: dict[str, Any], operation: str = "CreatePipeline") -> list[str]:
    """Every way ``params`` breaks the operation's input shape: ``ParamValidator`` plus the model's constraints.

    None without botocore (the ``wavec[aws]`` extra): ``wavec check`` in a small install (a pre-commit hook)
    then reports wavec's own limits of the target but not this last line of defence, which ``wavec build
    --target codepipeline`` and ``wavec deploy`` always run (they refuse to start without the extra).
    """
    if importlib.util.find_spec("botocore") is None:
        return []
    from botocore.validate import ParamValidator

    shape = input_shape(operation)
    problems: list[str] = []
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        # ``generate_report`` joins one message per line with no header (the "Parameter validation failed:"
        # header belongs to ``ParamValidationError``), so every line is a problem, the first included.
        problems.extend(line.strip() for line in report.generate_report().splitlines() if line.strip())
    _walk(shape, params, "", problems)
    return problems


def _walk(shape: Shape, value: Any, path: str, out: list[str]) -> None:
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        for name, sub in sorted(value.items()):
            if name in members:
                _walk(members[name], sub, f"{path}.{name}" if path else name, out)
    elif kind == "list" and isinstance(value, list):
        _size(meta, len(value), path, "items", out)
        for i, item in enumerate(value):
            _walk(shape.member, item, f"{path}[{i}]", out)
    elif kind == "map" and isinstance(value, dict):
        _size(meta, len(value), path, "entries", out)
        for key, item in sorted(value.items()):
            _walk(shape.key, key, f"{path} key {key!r}", out)
            _walk(shape.value, item, f"{path}[{key!r}]", out)
    elif kind == "string" and isinstance(value, str):
        enum = shape.enum
        if enum and value not in enum:
            out.append(f"{path}: {value!r} is not one of {', '.join(enum)}")
        _size(meta, len(value), path, "characters", out)
        pattern = meta.get("pattern")
        if pattern is not None and not re.fullmatch(pattern, value, re.DOTALL):
            out.append(f"{path}: {value!r} does not match the pattern {pattern}")
    elif kind in ("integer", "long") and isinstance(value, int):
        if "min" in meta and value < meta["min"]:
            out.append(f"{path}: {value} is less than {meta['min']}")
        if "max" in meta and value > meta["max"]:
            out.append(f"{path}: {value} is more than {meta['max']}")


def _size(meta: dict[str, Any], n: int, path: str, unit: str, out: list[str]) -> None:
    if "min" in meta and n < meta["min"]:
        out.append(f"{path}: {n} {unit}, at least {meta['min']} needed")
    if "max" in meta and n > meta["max"]:
        out.append(f"{path}: {n} {unit}, at most {meta['max']} allowed")
