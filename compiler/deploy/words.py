"""What changes between two pipeline declarations, in words: stage added, wave gains a region, bake 1h → 2h.

Both sides are ``CreatePipeline``/``GetPipeline`` declarations (the compiled one, the live one). The words
are read from what the codepipeline target emits (docs/codepipeline.md, "Mapping"): a wave is stage
``wave-<name>``, its targets are its Deploy actions' regions (and accounts, in the action name
``deploy-<region>-<account>``), its bake and gates are the ``Input`` of its Step Functions bake actions, its
windows and blockers the rules of its entry condition. What no word covers is still said, field by field.
"""

from __future__ import annotations

import json
from typing import Any

from ..targets.codepipeline.bake import readings
from .aws import normalize


def duration(seconds: int) -> str:
    """``3600`` → ``1h``, ``5400`` → ``1h30m``, ``45`` → ``45s``."""
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts)


def _label(stage: str) -> str:
    for prefix, what in (("wave-", "wave"), ("approve-", "approval of wave"), ("enter-", "entry of wave")):
        if stage.startswith(prefix):
            return f"{what} `{stage[len(prefix):]}`"
    return f"stage `{stage}`"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def _targets(stage: dict[str, Any], home: str) -> set[tuple[str, str]]:
    """(region, account) of every Deploy action: the account from the action's name, else its role's, else home."""
    found = set()
    for action in stage.get("actions", []):
        if action["actionTypeId"]["category"] != "Deploy":
            continue
        region = action.get("region", "")
        rest = action["name"].removeprefix(f"deploy-{region}")
        if rest.startswith("-") and rest[1:].isdigit():
            account = rest[1:]
        elif "roleArn" in action:
            account = action["roleArn"].split(":")[4]
        else:
            account = home
        found.add((region, account))
    return found


def _bakes(stage: dict[str, Any]) -> tuple[int | None, dict[str, dict[str, Any]]]:
    """The longest bake of the stage's bake actions, and each gate: its alarms, interval, insufficient_data."""
    bake: int | None = None
    gates: dict[str, dict[str, Any]] = {}
    for action, body in readings(stage):
        if isinstance(body.get("bake"), int) and action["name"].startswith("bake"):
            bake = max(bake or 0, body["bake"])
        for gate in body.get("gates", []):
            entry = gates.setdefault(gate["name"], {"alarms": set(), "interval": gate.get("interval"),
                                                    "insufficient_data": gate.get("insufficient_data")})
            entry["alarms"].update(gate.get("alarms", []))
    return bake, gates


def _rules(stage: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rules = {}
    for condition in stage.get("beforeEntry", {}).get("conditions", []):
        for rule in condition.get("rules", []):
            rules[rule["name"]] = rule
    return rules


def _rule_words(rule: dict[str, Any]) -> str:
    provider = rule["ruleTypeId"]["provider"]
    config = rule.get("configuration", {})
    if provider == "DeploymentWindow":
        return f"window `{rule['name']}` ({config.get('Cron')} {config.get('TimeZone', '')})".replace(" )", ")")
    if provider == "CloudWatchAlarm":
        return f"blocker `{rule['name']}` (alarm {config.get('AlarmName')})"
    return f"rule `{rule['name']}` ({provider})"


def _plural(words: list[str], one: str, many: str) -> str:
    return f"{one if len(words) == 1 else many} {', '.join(words)}"


def _stage_words(old: dict[str, Any], new: dict[str, Any], home: str) -> list[str]:
    label = _label(new["name"])
    out: list[str] = []
    before, after = _targets(old, home), _targets(new, home)
    for index, (one, many) in enumerate((("region", "regions"), ("account", "accounts"))):
        was, now = {t[index] for t in before}, {t[index] for t in after}
        if now - was:
            out.append(f"{label} gains {_plural(sorted(now - was), one, many)}")
        if was - now:
            out.append(f"{label} loses {_plural(sorted(was - now), one, many)}")
    (bake_old, gates_old), (bake_new, gates_new) = _bakes(old), _bakes(new)
    if bake_old != bake_new:
        if bake_old is None:
            out.append(f"{label} now bakes {duration(bake_new or 0)}")
        elif bake_new is None:
            out.append(f"{label} no longer bakes (was {duration(bake_old)})")
        else:
            out.append(f"{label}: bake {duration(bake_old)} → {duration(bake_new)}")
    for gate in sorted(set(gates_new) - set(gates_old)):
        out.append(f"{label}: gate `{gate}` added")
    for gate in sorted(set(gates_old) - set(gates_new)):
        out.append(f"{label}: gate `{gate}` removed")
    for gate in sorted(set(gates_old) & set(gates_new)):
        g_old, g_new = gates_old[gate], gates_new[gate]
        added, gone = sorted(g_new["alarms"] - g_old["alarms"]), sorted(g_old["alarms"] - g_new["alarms"])
        if added:
            out.append(f"{label}: gate `{gate}` adds {_plural(added, 'alarm', 'alarms')}")
        if gone:
            out.append(f"{label}: gate `{gate}` drops {_plural(gone, 'alarm', 'alarms')}")
        if g_old["interval"] != g_new["interval"] and g_old["interval"] and g_new["interval"]:
            out.append(f"{label}: gate `{gate}` interval {duration(g_old['interval'])} → "
                       f"{duration(g_new['interval'])}")
        if g_old["insufficient_data"] != g_new["insufficient_data"]:
            out.append(f"{label}: gate `{gate}` insufficient_data {g_old['insufficient_data']} → "
                       f"{g_new['insufficient_data']}")
    rules_old, rules_new = _rules(old), _rules(new)
    for name in sorted(set(rules_new) - set(rules_old)):
        out.append(f"{label}: entry adds {_rule_words(rules_new[name])}")
    for name in sorted(set(rules_old) - set(rules_new)):
        out.append(f"{label}: entry drops {_rule_words(rules_old[name])}")
    for name in sorted(set(rules_old) & set(rules_new)):
        if rules_old[name] != rules_new[name]:
            out.append(f"{label}: entry {_rule_words(rules_old[name])} → {_rule_words(rules_new[name])}")
    fail_old, fail_new = old.get("onFailure", {}).get("result"), new.get("onFailure", {}).get("result")
    if fail_old != fail_new:
        out.append(f"{label}: on failure {fail_old or 'stop'} → {fail_new or 'stop'}")
    out.extend(_action_words(label, old, new, described=bool(out)))
    rest_old = {k: v for k, v in old.items() if k not in ("actions", "beforeEntry", "onFailure", "name")}
    rest_new = {k: v for k, v in new.items() if k not in ("actions", "beforeEntry", "onFailure", "name")}
    for key in sorted(set(rest_old) | set(rest_new)):
        if rest_old.get(key) != rest_new.get(key):
            out.append(f"{label}: {key} {_short(rest_old.get(key))} → {_short(rest_new.get(key))}")
    return out


def _action_words(label: str, old: dict[str, Any], new: dict[str, Any], described: bool) -> list[str]:
    """Actions added, removed or changed that the words above did not already cover."""
    out = []
    a_old = {a["name"]: a for a in old.get("actions", [])}
    a_new = {a["name"]: a for a in new.get("actions", [])}

    def covered(action: dict[str, Any]) -> bool:
        # A deploy action added or removed is a target gained or lost, a bake or blocker reading (Step
        # Functions) a bake, gate or target changed: said above.
        kind = action["actionTypeId"]
        return bool(kind["category"] == "Deploy" or kind["provider"] == "StepFunctions")

    for name in sorted(set(a_new) - set(a_old)):
        if not covered(a_new[name]):
            out.append(f"{label}: action `{name}` added")
    for name in sorted(set(a_old) - set(a_new)):
        if not covered(a_old[name]):
            out.append(f"{label}: action `{name}` removed")
    changes: dict[tuple[str, str, str], list[str]] = {}
    for name in sorted(set(a_old) & set(a_new)):
        before, after = a_old[name], a_new[name]
        if before == after:
            continue
        # A bake's Input is its bake and gates, said above.
        said = described and after["actionTypeId"]["provider"] == "StepFunctions"
        flat_old = {**{k: v for k, v in before.items() if k != "configuration"}, **before.get("configuration", {})}
        flat_new = {**{k: v for k, v in after.items() if k != "configuration"}, **after.get("configuration", {})}
        for key in sorted(set(flat_old) | set(flat_new)):
            if flat_old.get(key) != flat_new.get(key) and not (said and key == "Input"):
                change = (key, _short(flat_old.get(key, "none")), _short(flat_new.get(key, "none")))
                changes.setdefault(change, []).append(f"`{name}`")
    for (key, was, now), names in sorted(changes.items()):
        out.append(f"{label}: {_plural(names, 'action', 'actions')} {key} {was} → {now}")
    return out


def pipeline_words(live: dict[str, Any] | None, desired: dict[str, Any]) -> list[str]:
    """The changes from ``live`` (``None``: no pipeline yet) to ``desired``, one sentence each; ``[]``: none."""
    desired = normalize({k: v for k, v in desired.items() if k != "version"})
    if live is None:
        stages = [s["name"] for s in desired["stages"]]
        return [f"pipeline `{desired['name']}` is created with {len(stages)} stages: {', '.join(stages)}"]
    live = normalize({k: v for k, v in live.items() if k != "version"})
    if live == desired:
        return []
    home = str(desired.get("roleArn", "::::")).split(":")[4]
    out: list[str] = []
    s_old = {s["name"]: s for s in live.get("stages", [])}
    s_new = {s["name"]: s for s in desired.get("stages", [])}
    order_new = [s["name"] for s in desired.get("stages", [])]
    for index, name in enumerate(order_new):
        if name not in s_old:
            where = f"after `{order_new[index - 1]}`" if index else "first"
            out.append(f"{_label(name)} added ({where})")
    for name in [s["name"] for s in live.get("stages", [])]:
        if name not in s_new:
            out.append(f"{_label(name)} removed")
    common_old = [n for n in s_old if n in s_new]
    common_new = [n for n in order_new if n in s_old]
    if common_old != common_new:
        out.append(f"stages reordered: {', '.join(common_old)} → {', '.join(common_new)}")
    for name in common_new:
        if s_old[name] != s_new[name]:
            out.extend(_stage_words(s_old[name], s_new[name], home) or [f"{_label(name)} changes"])
    stores_old, stores_new = live.get("artifactStores", {}), desired.get("artifactStores", {})
    for region in sorted(set(stores_new) - set(stores_old)):
        out.append(f"artifact store added in {region} ({stores_new[region].get('location')})")
    for region in sorted(set(stores_old) - set(stores_new)):
        out.append(f"artifact store removed in {region}")
    fields: dict[str, list[str]] = {}
    for region in sorted(set(stores_old) & set(stores_new)):
        for key in sorted(set(stores_old[region]) | set(stores_new[region])):
            if stores_old[region].get(key) != stores_new[region].get(key):
                fields.setdefault(key, []).append(region)
    for key, regions in sorted(fields.items()):
        out.append(f"artifact {_plural(regions, 'store', 'stores')}: {key} changes")
    for key in sorted((set(live) | set(desired)) - {"stages", "artifactStores", "name"}):
        if live.get(key) != desired.get(key):
            out.append(f"pipeline {key}: {_short(live.get(key))} → {_short(desired.get(key))}")
    return out or ["the pipeline's declaration changes"]
