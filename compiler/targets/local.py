"""The ``local`` target: the JSON plan ``wavec run`` executes (format ``wavec-plan/1``).

The plan lists every node of the action DAG with the shell command it runs,
the environment variables it gets, its dependencies, timeout and retries, and
every wave with its targets, batches, bake, gates, windows and rollback
commands. It is documented in ``docs/plan-format.md`` and described by the JSON
Schema ``wavec/schemas/wavec-plan-1.json``.

Interpolated values never become shell text: ``${region}`` in a command is
rewritten to a quoted reference to ``$WAVE_REGION`` (``"${WAVE_REGION}"``
outside quotes, ``${WAVE_REGION}`` inside double quotes and heredocs,
``'"${WAVE_REGION}"'`` inside single quotes), and the value travels in the
node's ``environment``; a ``let`` string is quoted for the shell's state where
it stands (see :mod:`wavec.lang.shell`).
Data strings that are not shell (environment values, alarm names, PromQL)
keep run-time variables as ``${execution}`` / ``${commit}`` for the runner to
fill; a literal ``${`` in them is written ``$${``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..dag.build import build as build_graph
from ..dag.build import deploy_id, wave_batches
from ..diagnostics import Sink
from ..diagnostics.codes import local as codes
from ..lang.values import Percent, Template, Var
from ..plan_format import json_text
from ..plan_format.json_text import Lazy
from ..schedule.windows import CronError, is_open
from ..semantics.ir import LocalDeploy
from .base import BuildOptions, command_text, unsupported

if TYPE_CHECKING:
    import networkx as nx

    from ..semantics import ir

FORMAT = "wavec-plan/1"

# Interpolation name → environment variable the runner sets.
ENV_NAMES: dict[str, str] = {
    "pipeline": "WAVE_PIPELINE",
    "stage": "WAVE_STAGE",
    "step": "WAVE_STEP",
    "wave": "WAVE_WAVE",
    "region": "WAVE_REGION",
    "account": "WAVE_ACCOUNT",
    "execution": "WAVE_EXECUTION",
    "commit": "WAVE_COMMIT",
}
# The deploy's exposure, in percent without the sign (docs/runner.md).
EXPOSURE_ENV = "WAVE_EXPOSURE"


def exposure_text(exposure: Percent) -> str:
    """An exposure as ``WAVE_EXPOSURE`` holds it: the percentage in plain decimals ("1", "0.5", "100"; never
    an exponent, which a shell script's arithmetic would not read)."""
    return f"{exposure.value:.6f}".rstrip("0").rstrip(".")


RUNTIME = ("execution", "commit")


def _reference(var: Var) -> str:
    return "${" + ENV_NAMES[var.name] + "}"


def shell_command(template: Template, sink: Sink | None = None) -> str:
    """Shell text for ``template`` where each interpolation is data: a quoted reference to the environment
    variable the runner sets (``"${WAVE_REGION}"``), a ``let`` string quoted for the shell's state at that point
    (:mod:`wavec.lang.shell`); what cannot be data is reported to ``sink``."""
    return command_text(template, sink if sink is not None else Sink(), _reference)


def shell_script(templates: tuple[Template, ...], sink: Sink | None = None) -> str | None:
    """One script for a list of commands: each line must succeed (``set -e`` when there are several)."""
    if not templates:
        return None
    lines = [shell_command(t, sink) for t in templates]
    return lines[0] if len(lines) == 1 else "set -e\n" + "\n".join(lines)


def data_string(template: Template, values: Mapping[str, str]) -> str:
    """A data string: compile-time names filled from ``values``; run-time names kept as ``${name}``."""
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(part.replace("${", "$${"))
        elif part.value is not None:  # a `let` string: its text
            out.append(part.value.replace("${", "$${"))
        else:
            out.append("${" + part.name + "}" if part.name in RUNTIME else values.get(part.name, ""))
    return "".join(out)


class LocalTarget:
    """Compiles a pipeline to the runner plan."""

    name = "local"
    formats = ("json",)

    def compile(self, pipeline: ir.Pipeline, graph: nx.DiGraph[str], options: BuildOptions, sink: Sink) -> str:
        """The plan as canonical JSON (sorted keys, two-space indent, trailing newline)."""
        return json_text.dumps(self.document(pipeline, graph, options, sink)) + "\n"

    def document(self, pipeline: ir.Pipeline, graph: nx.DiGraph[str], options: BuildOptions,
                 sink: Sink) -> dict[str, Any]:
        """The plan with its waves and nodes made while it is written (:class:`~wavec.plan_format.json_text.Lazy`):
        every diagnostic is in ``sink`` already; ``wavec build`` streams it to the file."""
        return plan(pipeline, graph, sink, lazy=True)

    @staticmethod
    def write(document: dict[str, Any], write: Callable[[str], object]) -> None:
        """Write :meth:`document` in pieces: the same bytes as :meth:`compile`."""
        json_text.dump(document, write)
        write("\n")

    def constraints(self, pipeline: ir.Pipeline, sink: Sink) -> None:
        """What planning reports (steps the local runner cannot run, windows it cannot evaluate)."""
        plan(pipeline, build_graph(pipeline), sink)  # the plan walks the action graph


def plan(pipeline: ir.Pipeline, graph: nx.DiGraph[str], sink: Sink, *, lazy: bool = False) -> dict[str, Any]:
    """The plan document for ``pipeline`` (see ``docs/plan-format.md``).

    With ``lazy``, ``waves`` and ``nodes`` are made as the document is written (a 16k-wave plan is hundreds
    of MiB of dictionaries); every diagnostic is reported before this returns either way.
    """

    builder = _PlanBuilder(pipeline, graph, sink)
    builder.report()

    def nodes() -> Iterator[dict[str, Any]]:
        yield from (builder.node(n) for n in graph.nodes)
        yield from (r for w in pipeline.waves for r in builder.rollback_nodes(w))

    def waves() -> Iterator[dict[str, Any]]:
        return (builder.wave(w) for w in pipeline.waves)

    seen: set[str] = set()
    for wave in pipeline.waves:
        for win in wave.windows:
            if win.cron is None or win.name in seen:
                continue
            seen.add(win.name)
            try:
                is_open(win, datetime(2024, 1, 1, tzinfo=UTC))
            except CronError as exc:
                sink.report(codes.WINDOW_NOT_EVALUABLE_LOCALLY,
                            f"window `{win.name}` cannot be evaluated by `wavec run`: {exc}",
                            win.attr_spans.get("cron", win.span), label="not evaluable locally",
                            help="rewrite the cron with numbers, names, ranges, lists and steps")
    return {
        "format": FORMAT,
        "pipeline": pipeline.name,
        "account": pipeline.account,
        "stages": [builder.stage(s) for s in pipeline.stages],
        "waves": Lazy(waves) if lazy else list(waves()),
        "nodes": Lazy(nodes) if lazy else list(nodes()),
    }


class _PlanBuilder:
    def __init__(self, pipeline: ir.Pipeline, graph: nx.DiGraph[str], sink: Sink) -> None:
        self.pipeline = pipeline
        self.graph = graph
        self.sink = sink
        self.default_deploy = next((d for d in pipeline.deploys if d.name == ""), None)
        self.warned: set[str] = set()

    def report(self) -> None:
        """Every diagnostic of the plan, in node order: a deploy with no local block, a step with no commands."""
        for _, attrs in self.graph.nodes(data=True):
            if attrs["kind"] == "deploy":
                wave = self.pipeline.wave(attrs["wave"])
                assert wave is not None
                self._local(wave)
            elif attrs["kind"] == "step":
                stage = self.pipeline.stage(attrs["stage"])
                assert stage is not None
                step = next(s for s in stage.steps if s.name == attrs.get("step"))
                if shell_script(step.run, self.sink) is None:
                    unsupported(self.sink, codes.CODEBUILD_PROJECT_STEP,
                                f"step `{step.name}` runs CodeBuild project `{step.project}`, "
                                "which `wavec run` cannot run", step.attr_spans.get("project", step.span),
                                label="skipped by the local runner",
                                help="add `run = \"…\"` with the commands to rehearse locally")
        for wave in self.pipeline.waves:  # waves with no deploy node (no targets) are reported last
            self._local(wave)
        # The other commands become shell text only as the nodes are written (lazily, after the diagnostics):
        # what of them cannot be data (WV116) is reported here, once per command, before any output.
        seen: set[int] = set()
        templates: list[Template] = []
        for wave in self.pipeline.waves:
            local = self._local(wave)
            templates += [local.run, local.rollback] if local is not None else []
            templates += [g.check for g in wave.gates if g.check is not None]
        for stage in self.pipeline.stages:
            if stage.environment is not None:
                templates += [t for t in (stage.environment.create, stage.environment.destroy) if t is not None]
        for template in templates:
            if id(template) not in seen:
                seen.add(id(template))
                shell_command(template, self.sink)

    # ----------------------------------------------------------------- helpers

    def _values(self, **names: str | None) -> dict[str, str]:
        values = {"pipeline": self.pipeline.name}
        values.update({k: v for k, v in names.items() if v is not None})
        return values

    @staticmethod
    def _env(values: Mapping[str, str]) -> dict[str, str]:
        return {ENV_NAMES[k]: v for k, v in sorted(values.items())}

    def _deploy_env(self, wave: ir.Wave, values: Mapping[str, str]) -> dict[str, str]:
        # A deploy (and its rollback) learns the share of the target's traffic the wave reaches, in percent
        # ("1", "0.5", "100"): the script is what routes it (a one-box, a weighted target group).
        return dict(sorted({**self._env(values), EXPOSURE_ENV: exposure_text(wave.exposure)}.items()))

    def _target_values(self, wave: ir.Wave, target: ir.Target | None) -> dict[str, str]:
        if target is None:
            return self._values(wave=wave.name)
        return self._values(wave=wave.name, region=target.region,
                            account=target.account or self.pipeline.account or "")

    def _local(self, wave: ir.Wave) -> ir.LocalDeploy | None:
        profile = wave.deploy or self.default_deploy
        provider = profile.provider("local") if profile is not None else None
        if provider is None and wave.name not in self.warned:
            self.warned.add(wave.name)
            what = f"deploy profile `{profile.name}`" if profile is not None and profile.name else "the deploy profile"
            unsupported(self.sink, codes.NO_LOCAL_DEPLOY,
                        f"wave `{wave.name}` has no local deploy: {what} has no `local` block",
                        wave.attr_spans.get("deploy", wave.span), label="nothing for `wavec run` to execute",
                        help="add `local { run = \"…\"  rollback = \"…\" }` to the deploy profile")

        return provider if isinstance(provider, LocalDeploy) else None

    # ----------------------------------------------------------------- nodes

    def node(self, node_id: str) -> dict[str, Any]:
        attrs = self.graph.nodes[node_id]
        kind: str = attrs["kind"]
        out: dict[str, Any] = {
            "id": node_id, "kind": kind, "command": None, "environment": self._env(self._values()),
            "dependencies": sorted(self.graph.predecessors(node_id)), "timeout": None, "retries": 0,
            "stage": attrs.get("stage"), "step": attrs.get("step"), "wave": attrs.get("wave"),
            "target": None, "batch": attrs.get("batch"),
        }
        if kind in ("env_create", "env_destroy", "step"):
            stage = self.pipeline.stage(attrs["stage"])
            assert stage is not None
            self._stage_node(out, stage, kind, attrs.get("step"))
        elif kind == "deploy":
            wave = self.pipeline.wave(attrs["wave"])
            assert wave is not None
            target = next(t for t in wave.targets if t.region == attrs["region"] and t.account == attrs.get("account"))
            values = self._target_values(wave, target)
            local = self._local(wave)
            out.update(command=shell_command(local.run) if local else None,
                       environment=self._deploy_env(wave, values), target=_target(target),
                       timeout=local.timeout.seconds if local else None)
        elif kind in ("window", "approval", "bake"):
            out["environment"] = self._env(self._values(wave=attrs["wave"]))
        return out

    def _stage_node(self, out: dict[str, Any], stage: ir.Stage, kind: str, step_name: str | None) -> None:
        # The sandbox's region reaches its scripts and the steps that test it as `$WAVE_REGION`, as the
        # environment actions get it on CodePipeline.
        sandbox = stage.environment.region if stage.environment is not None else None
        if kind == "step":
            step = next(s for s in stage.steps if s.name == step_name)
            values = self._values(stage=stage.name, step=step.name)
            env = self._env({**values, "region": sandbox} if sandbox else values)
            for key, value in step.env:
                env[key] = data_string(value, values)
            command = shell_script(step.run)  # None (a CodeBuild project) was reported by report()
            out.update(command=command, environment=dict(sorted(env.items())), timeout=step.timeout.seconds,
                       retries=step.retries)
            return
        env_block = stage.environment
        assert env_block is not None
        template = env_block.create if kind == "env_create" else env_block.destroy
        out.update(command=shell_command(template) if template is not None else None,
                   environment=self._env(self._values(stage=stage.name, region=sandbox)),
                   timeout=env_block.timeout.seconds)

    def rollback_nodes(self, wave: ir.Wave) -> list[dict[str, Any]]:
        local = self._local(wave)
        nodes = []
        for target in wave.targets:
            deploy = f"wave:{wave.name}:deploy:{target.id}"
            nodes.append({
                "id": f"wave:{wave.name}:rollback:{target.id}", "kind": "rollback",
                "command": shell_command(local.rollback) if local else None,
                "environment": self._deploy_env(wave, self._target_values(wave, target)),
                "dependencies": [deploy],
                "timeout": local.timeout.seconds if local else None, "retries": 0, "stage": None, "step": None,
                "wave": wave.name,
                "target": _target(target), "batch": None,
            })
        return nodes

    # ----------------------------------------------------------------- stages and waves

    def stage(self, stage: ir.Stage) -> dict[str, Any]:
        prefix = f"stage:{stage.name}"
        return {
            "name": stage.name,
            "after": list(stage.after),
            "create": f"{prefix}:create" if stage.environment is not None else None,
            "destroy": f"{prefix}:destroy" if stage.environment is not None else None,
            "steps": [f"{prefix}:step:{s.name}" for s in stage.steps],
        }

    def wave(self, wave: ir.Wave) -> dict[str, Any]:

        prefix = f"wave:{wave.name}"
        return {
            "name": wave.name,
            "index": wave.index,
            "after": list(wave.after),
            "targets": [_target(t) for t in wave.targets],
            "parallel": wave.parallel,
            "batches": [[deploy_id(wave, t) for t in batch] for batch in wave_batches(wave)],
            "bake": wave.bake.seconds,
            "exposure": wave.exposure.value,
            "window": f"{prefix}:window" if wave.windows else None,
            "approval": f"{prefix}:approval" if any(g.approval for g in wave.gates) else None,
            "bake_node": f"{prefix}:bake",
            "windows": [_window(w) for w in wave.windows],
            "gates": [self._gate(wave, g) for g in wave.gates],
            "rollback": [f"{prefix}:rollback:{t.id}" for t in wave.targets],
        }

    def _per_target(self, wave: ir.Wave, template: Template) -> list[tuple[ir.Target | None, dict[str, str]]]:
        """One evaluation per target when the template names the target, else one for the wave."""
        if {"region", "account"} & set(template.vars):
            return [(t, self._target_values(wave, t)) for t in wave.targets]
        return [(None, self._target_values(wave, None))]

    def _gate(self, wave: ir.Wave, gate: ir.Gate) -> dict[str, Any]:
        checks: list[dict[str, Any]] = []
        if gate.check is not None:
            for target, values in self._per_target(wave, gate.check):
                env = self._env(values)
                env["WAVE_GATE"] = gate.name
                checks.append({"target": _target(target), "command": shell_command(gate.check),
                               "environment": dict(sorted(env.items()))})
        queries: list[dict[str, Any]] = []
        if gate.prometheus is not None:
            prom = gate.prometheus
            for target, values in self._per_target(wave, prom.query):
                queries.append({"target": _target(target), "url": prom.url,
                                "query": data_string(prom.query, values), "min": prom.min, "max": prom.max})

        def alarms(templates: tuple[Template, ...]) -> list[dict[str, Any]]:
            found = []
            for template in templates:
                for target, values in self._per_target(wave, template):
                    region = target.region if target is not None else (wave.targets[0].region if wave.targets
                                                                       else None)
                    found.append({"target": _target(target), "region": region,
                                  "name": data_string(template, values)})
            return found

        return {
            "name": gate.name, "on_breach": gate.on_breach, "interval": gate.interval.seconds,
            "insufficient_data": gate.insufficient_data, "approval": gate.approval, "checks": checks,
            "prometheus": queries,
            "alarms": alarms(gate.alarms), "blockers": alarms(gate.blockers),
        }


def _target(target: ir.Target | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {"id": target.id, "region": target.region, "account": target.account}


def _window(window: ir.Window) -> dict[str, Any]:
    return {
        "name": window.name, "days": list(window.days),
        "hours": [str(h) for h in window.hours] if window.hours is not None else None,
        "cron": window.cron, "timezone": window.timezone,
    }


TARGET = LocalTarget()
