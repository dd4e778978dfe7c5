"""The read-only policy model: one :class:`Obj` per entity of a pipeline, effective values only.

Built once per pipeline in time linear in its size. Values are plain Python:
strings (templates as written, ``${region}`` kept), numbers, booleans,
:class:`~wavec.lang.values.Duration`/``Percent``/``Clock``, tuples for
lists, dicts for maps, enum members as their names, ``None`` for none and
:class:`Obj` for entities. Each object keeps the span findings point at and
the ``allow`` statements that apply to it (its own, then its parents').
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..lang.values import Template
from ..semantics import ir
from ..source import Span


class Obj:
    """One entity of the model: its kind, display name, span, applicable allows and attributes."""

    __slots__ = ("allows", "fields", "kind", "name", "span")

    def __init__(self, kind: str, name: str, span: Span, allows: tuple[ir.Allow, ...],
                 fields: dict[str, Any] | None = None) -> None:
        self.kind = kind
        self.name = name
        self.span = span
        self.allows = allows
        self.fields: dict[str, Any] = fields if fields is not None else {}

    @property
    def label(self) -> str:
        """How messages name it: ``wave `first```."""
        return f"{self.kind} `{self.name}`"

    def __repr__(self) -> str:
        return f"<{self.label}>"


def _t(v: Template | None) -> str | None:
    return None if v is None else v.text


def _ts(vs: tuple[Template, ...]) -> tuple[str, ...]:
    return tuple(v.text for v in vs)


class Model:
    """The model of one pipeline: ``roots`` are the names every rule sees."""

    def __init__(self, pipeline: ir.Pipeline, module_allows: tuple[ir.Allow, ...] = ()) -> None:
        self.pipeline = pipeline
        chain = pipeline.allows + module_allows
        p = Obj("pipeline", pipeline.name, pipeline.span, chain)
        self._chain = chain
        self._gates: dict[int, Obj] = {}
        self._windows: dict[int, Obj] = {}
        self._deploys: dict[int, Obj] = {}
        stages = self._stages(pipeline.stages)
        steps = tuple(s for st in stages for s in st.fields["steps"])
        for g in pipeline.gates:
            self.gate(g)
        for w in pipeline.windows:
            self.window(w)
        for d in pipeline.deploys:
            self.deploy(d)
        waves = self._waves(pipeline.waves)
        source = pipeline.source
        p.fields.update(
            name=pipeline.name, role=_t(pipeline.role), account=pipeline.account, region=pipeline.region,
            artifacts=_t(pipeline.artifacts), encryption_key=_t(pipeline.encryption_key),
            execution_mode=pipeline.execution_mode, targets=pipeline.targets,
            source=None if source is None else Obj("source", source.type, source.span, chain, {
                "type": source.type, "repo": source.repo, "branch": source.branch,
                "connection": source.connection, "bucket": source.bucket, "key": source.key,
                "region": source.region}),
            stages=stages, steps=steps, waves=waves, gates=tuple(self._gates.values()),
            windows=tuple(self._windows.values()), deploys=tuple(self._deploys.values()),
            policies=tuple(pol.name for pol in pipeline.policies),
        )
        self.root = p
        self.roots: dict[str, Any] = {"pipeline": p, **{k: p.fields[k] for k in (
            "stages", "steps", "waves", "gates", "windows", "deploys")}}

    # ------------------------------------------------------------- builders

    def _stages(self, stages: tuple[ir.Stage, ...]) -> tuple[Obj, ...]:
        out: list[Obj] = []
        for s in stages:
            chain = s.allows + self._chain
            o = Obj("stage", s.name, s.span, chain)
            env = s.environment
            step_objs: dict[str, Obj] = {}
            for st in s.steps:
                step_objs[st.name] = Obj("step", st.name, st.span, st.allows + chain, {
                    "name": st.name, "stage": o, "kind": st.kind, "run": _ts(st.run),
                    "image": st.image, "project": st.project, "env": {k: v.text for k, v in st.env},
                    "outputs": st.outputs, "timeout": st.timeout, "retries": st.retries,
                })
            for st in s.steps:
                step_objs[st.name].fields["after"] = tuple(step_objs[a] for a in st.after if a in step_objs)
            o.fields.update(
                name=s.name, index=s.index, steps=tuple(step_objs.values()),
                environment=None if env is None else Obj("environment", s.name, env.span, chain, {
                    "create": _t(env.create), "destroy": _t(env.destroy), "region": env.region,
                    "timeout": env.timeout}),
            )
            out.append(o)
        return _link(stages, out)

    def _waves(self, waves: tuple[ir.Wave, ...]) -> tuple[Obj, ...]:
        out: list[Obj] = []
        reached: set[str] = set()
        for w in waves:
            chain = w.allows + self._chain
            o = Obj("wave", w.name, w.span, chain)
            tspan = w.attr_spans.get("regions", w.span)
            o.fields.update(
                name=w.name, index=w.index, regions=w.regions, accounts=w.accounts,
                targets=tuple(Obj("target", t.id, tspan, chain, {"region": t.region, "account": t.account,
                                                                 "id": t.id}) for t in w.targets),
                bake=w.bake, gates=tuple(self.gate(g) for g in w.gates),
                windows=tuple(self.window(x) for x in w.windows), parallel=w.parallel, exposure=w.exposure,
                exposure_by=w.exposure_by,
                deploy=None if w.deploy is None else self.deploy(w.deploy),
                prior_regions=len(reached),
            )
            reached.update(w.regions)
            out.append(o)
        return _link(waves, out)

    def gate(self, g: ir.Gate) -> Obj:
        """The object of a gate (one per gate, however many waves use it)."""
        found = self._gates.get(id(g))
        if found is None:
            prom = g.prometheus
            found = self._gates[id(g)] = Obj("gate", g.name, g.span, g.allows + self._chain, {
                "name": g.name, "alarms": _ts(g.alarms), "blockers": _ts(g.blockers), "check": _t(g.check),
                "prometheus": None if prom is None else Obj("prometheus", g.name, prom.span, (), {
                    "url": prom.url, "query": prom.query.text, "max": prom.max, "min": prom.min,
                    "reachable_from_aws": prom.reachable_from_aws}),
                "on_breach": g.on_breach, "interval": g.interval, "insufficient_data": g.insufficient_data,
                "approval": g.approval,
            })
        return found

    def window(self, w: ir.Window) -> Obj:
        """The object of a window."""
        found = self._windows.get(id(w))
        if found is None:
            found = self._windows[id(w)] = Obj("window", w.name, w.span, w.allows + self._chain, {
                "name": w.name, "days": w.days, "hours": w.hours or (), "cron": w.cron, "timezone": w.timezone,
            })
        return found

    def deploy(self, d: ir.DeployProfile) -> Obj:
        """The object of a deploy profile."""
        found = self._deploys.get(id(d))
        if found is None:
            name = d.name or "default"
            chain = d.allows + self._chain
            fields: dict[str, Any] = {"name": name, "role": _t(d.role),
                                      "providers": tuple(p.kind for p in d.providers)}
            fields.update(cloudformation=None, codedeploy=None, ecs=None, local=None)
            for p in d.providers:
                if isinstance(p, ir.CloudFormation):
                    pf: dict[str, Any] = {"stack": p.stack.text, "template": p.template.text,
                                          "capabilities": p.capabilities, "role": _t(p.role),
                                          "parameters": {k: v.text for k, v in p.parameters}}
                elif isinstance(p, ir.CodeDeploy):
                    pf = {"application": p.application.text, "group": p.group.text}
                elif isinstance(p, ir.Ecs):
                    pf = {"cluster": p.cluster.text, "service": p.service.text,
                          "image_definitions": p.image_definitions}
                else:
                    pf = {"run": p.run.text, "rollback": p.rollback.text, "timeout": p.timeout}
                fields[p.kind] = Obj(p.kind, name, p.span, chain, pf)
            found = self._deploys[id(d)] = Obj("deploy", name, d.span, chain, fields)
        return found


def _link(items: Sequence[ir.Stage | ir.Wave], objs: list[Obj]) -> tuple[Obj, ...]:
    """Give stage or wave objects (in file order) their ``prev``, ``next`` and resolved ``after``."""
    by_name = {o.name: o for o in objs}
    for i, (item, o) in enumerate(zip(items, objs, strict=True)):
        o.fields["prev"] = objs[i - 1] if i else None
        o.fields["next"] = objs[i + 1] if i + 1 < len(objs) else None
        o.fields["after"] = tuple(by_name[a] for a in item.after if a in by_name)
    return tuple(objs)
