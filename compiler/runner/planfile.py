"""Reading a ``wavec-plan/1`` document for the runner: a light structural check and typed windows.

The full JSON Schema ships in ``wavec/schemas`` for other tools; the runner
only checks what it relies on, so a hand-edited plan fails with a clear
message instead of a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..lang.values import Clock
from ..schedule.windows import Window

FORMAT = "wavec-plan/1"


class PlanError(Exception):
    """The file is not a plan this runner can execute."""


def load_plan(path: Path) -> dict[str, Any]:
    """The plan in ``path``, checked for the keys the runner uses."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path}: cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise PlanError(f"{path}: not JSON: {exc}") from exc
    check_plan(doc, str(path))
    return doc  # type: ignore[no-any-return]


def check_plan(doc: Any, where: str) -> None:
    """Raise :class:`PlanError` unless ``doc`` has the shape of a ``wavec-plan/1`` plan."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise PlanError(f"{where}: not a {FORMAT} plan (format: {found!r}); build one with "
                        "`wavec build FILE --target local`")
    for key, kind in (("pipeline", str), ("nodes", list), ("waves", list)):
        if not isinstance(doc.get(key), kind):
            raise PlanError(f"{where}: `{key}` is missing or not a {kind.__name__}")
    ids = set()
    for i, node in enumerate(doc["nodes"]):
        for key in ("id", "kind", "command", "environment", "dependencies", "timeout", "retries"):
            if not isinstance(node, dict) or key not in node:
                raise PlanError(f"{where}: node {i} has no `{key}`")
        if not isinstance(node["environment"], dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in node["environment"].items()):
            raise PlanError(f"{where}: node `{node['id']}`: `environment` must map names to strings")
        ids.add(node["id"])
    for node in doc["nodes"]:
        missing = [d for d in node["dependencies"] if d not in ids]
        if missing:
            raise PlanError(f"{where}: node `{node['id']}` depends on unknown node `{missing[0]}`")
    for wave in doc["waves"]:
        for key in ("name", "bake", "gates", "windows", "bake_node", "rollback"):
            if key not in wave:
                raise PlanError(f"{where}: wave {wave.get('name', '?')!r} has no `{key}`")


def plan_windows(windows: list[dict[str, Any]]) -> list[Window]:
    """The plan's window dicts as plain windows, for :mod:`wavec.schedule.windows`."""
    out = []
    for w in windows:
        hours = None
        if w.get("hours"):
            a, b = (Clock(int(h[:2]) * 60 + int(h[3:])) for h in w["hours"])
            hours = (a, b)
        out.append(Window(w["name"], days=tuple(w.get("days") or ()), hours=hours, cron=w.get("cron"),
                          timezone=w.get("timezone", "UTC")))
    return out
