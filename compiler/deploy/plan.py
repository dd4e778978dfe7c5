"""The plan of a deploy: per stack what CloudFormation would add, change, replace or remove, and the
pipeline's changes in words; shown as text or as JSON (``wavec-deploy-plan/1``)."""

from __future__ import annotations

from typing import Any

from ..records import field, record
from .stacks import StackPlan

FORMAT = "wavec-deploy-plan/1"
SIGNS = {"add": "+", "change": "~", "replace": "-/+", "remove": "-", "keep": "="}
VERBS = {"create": "create", "recreate": "delete (left by a failed create) and create", "update": "update",
         "none": "up to date", "delete": "delete"}


@record(frozen=False)
class Plan:
    """Everything a deploy would do, in manifest order, and what could not be read."""

    pipeline: str
    stacks: list[StackPlan]
    pipeline_words: list[str]
    unreadable: list[str] = field(default_factory=list)
    destroy: bool = False
    missing_alarms: list[dict[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether applying would change anything."""
        return any(s.changed for s in self.stacks) or bool(self.pipeline_words)

    def to_json(self) -> dict[str, Any]:
        """The plan as the documented JSON document."""
        return {"format": FORMAT, "pipeline": self.pipeline, "destroy": self.destroy, "changes": self.changed,
                "stacks": [s.to_json() for s in self.stacks], "pipeline_changes": self.pipeline_words,
                "unreadable": self.unreadable, "missing_alarms": self.missing_alarms}

    def summary(self) -> str:
        """One line: how many stacks change how."""
        counts: dict[str, int] = {}
        for stack in self.stacks:
            counts[stack.action] = counts.get(stack.action, 0) + 1
        words = {"create": "to create", "recreate": "to recreate", "update": "to update", "none": "up to date",
                 "delete": "to delete"}
        parts = [f"{counts[a]} {words[a]}" for a in ("create", "recreate", "update", "delete", "none") if a in counts]
        return f"Plan: {', '.join(parts)} ({len(self.stacks)} stacks)."

    def text(self) -> str:
        """The plan for a person: stacks in order with their resources, the pipeline in words, what was unread."""
        lines = [f"{'Destroy' if self.destroy else 'Deploy'} pipeline {self.pipeline}: {len(self.stacks)} stacks, "
                 "in this order"]
        width = max(len(s.name) for s in self.stacks)
        for stack in self.stacks:
            verb = "already gone" if self.destroy and stack.action == "none" else VERBS[stack.action]
            lines.append(f"  {stack.order:>2}. {stack.name:<{width}}  {stack.account} {stack.region:<15} {verb}")
            for action, logical, kind in stack.changes:
                lines.append(f"        {SIGNS.get(action, '?'):>3} {logical} ({kind}): {action}")
        if not self.destroy:
            lines.append(f"Pipeline {self.pipeline}:")
            lines += [f"  - {w}" for w in self.pipeline_words] or ["  no change"]
        if self.missing_alarms:
            lines.append("Missing alarms (the gates read them; wavec never creates them):")
            lines += [f"  - alarm {m['alarm']} does not exist in region {m['region']} of account {m['account']}"
                      for m in self.missing_alarms]
        if self.unreadable:
            lines.append("Could not read (planned as if nothing were there):")
            lines += [f"  - {u}" for u in self.unreadable]
        lines.append(self.summary())
        return "\n".join(lines)
