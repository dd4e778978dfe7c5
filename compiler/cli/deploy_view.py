"""What ``wavec deploy`` shows while it applies: on a terminal a live table (rich), one row per stack in
manifest order — pending, creating the change set, executing (with the resource CloudFormation is working
on), done or failed — then the pipeline's change; each resource event and a failure also as a line above it.
Without a terminal the same steps are plain lines (:attr:`wavec.deploy.engine.Step.line`); ``--json`` keeps
its JSON plan on stdout and those lines on stderr.
"""

from __future__ import annotations

import threading
from typing import IO, Any

# At the top, not in the functions: this module is imported only by `wavec deploy`, which needs rich for its view.
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..deploy.engine import Step
from ..deploy.plan import Plan

_STATE = {"pending": "[dim]○[/]", "running": "[yellow]…[/]", "done": "[green]✓[/]", "failed": "[red]✗[/]",
          "up_to_date": "[green]=[/]"}


class DeployView:
    """The live table of an apply or destroy; a :data:`~wavec.deploy.engine.Watch` (call it with each step).

    ``console`` and ``live=False`` are for tests: the table is then drawn only when :meth:`snapshot` asks.
    """

    def __init__(self, plan: Plan, out: IO[str] | None = None, console: Any = None, live: bool = True) -> None:
        self.title = f"wavec deploy{' --destroy' if plan.destroy else ''} — pipeline {plan.pipeline}"
        self.rows: dict[str, dict[str, str]] = {
            s.name: {"order": str(i), "where": f"{s.account} {s.region}", "state": "pending", "text": ""}
            for i, s in enumerate(plan.stacks, start=1)}
        self.pipeline: list[str] = []
        self.lock = threading.Lock()
        self.console = console or Console(file=out)
        self.live: Any = None
        if live:
            self.live = Live(self.table(), console=self.console, refresh_per_second=8, get_renderable=self.table)
            self.live.start()

    def __call__(self, step: Step) -> None:
        with self.lock:
            if step.what == "pipeline":
                self.pipeline.append(step.text)
                return
            row = self.rows.get(step.stack)
            if row is None:
                return
            if step.what == "up_to_date":
                row["state"], row["text"] = "up_to_date", step.text
            elif step.what in ("done", "gone"):
                row["state"], row["text"] = "done", step.text
            elif step.what == "failed":
                row["state"], row["text"] = "failed", step.text
            elif step.what == "resource":
                row["state"], row["text"] = "running", f"{step.resource}: {step.status}"
            else:
                row["state"], row["text"] = "running", step.text
        if step.what in ("resource", "failed"):  # above the table, so the stack's story stays on screen
            self.console.print(Text(step.line))

    def table(self) -> Any:
        """The table as a rich renderable."""
        table = Table(title=self.title, expand=False)
        for col in ("", "#", "stack", "account, region", "status"):
            table.add_column(col)
        with self.lock:
            for name, row in self.rows.items():
                table.add_row(_STATE[row["state"]], row["order"], name, row["where"], Text(row["text"]))
            words = list(self.pipeline)
        return Group(table, *(Text(w) for w in words))

    def snapshot(self) -> None:
        """Draw the table once on the console (tests; the live display draws it itself)."""
        self.console.print(self.table())

    def close(self) -> None:
        """Stop the live display, leaving the last table on screen."""
        if self.live is not None:
            self.live.stop()
