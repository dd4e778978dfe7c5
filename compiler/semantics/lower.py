"""Lowering: a parsed module (and the modules it imports) → the typed IR.

Order matters only for values, never for names: every name of a scope is
collected first, so blocks may refer to blocks defined further down; the
objects a wave embeds (gates, windows, deploy profiles) are lowered before
the waves.
"""

from __future__ import annotations

import re
from typing import Any

from ..diagnostics import Label, Sink
from ..limits import MAX_STAGES, MAX_TARGETS, MAX_WAVES
from ..source import Span
from ..syntax import tree as t
from . import ir, schema
from .blocks import Body, read_block, report_duplicate
from .catalog import aws_regions, is_timezone, timezones
from .evaluate import ERR, Evaluator, ModuleValue, Scope, Symbol
from .suggest import did_you_mean
from .values import Clock, Duration, EnumMember, Percent, Template

PIPE_VARS = ("pipeline",)
ARTIFACT_VARS = ("pipeline", "region")
ENV_VARS = ("pipeline", "stage", "execution", "commit")
STEP_VARS = ("pipeline", "stage", "step", "execution", "commit")
TARGET_VARS = ("pipeline", "wave", "region", "account", "execution", "commit")
_ACCOUNT = re.compile(r"\d{12}")


class Lowerer:
    """Lowers one module; ``imports`` are the already lowered modules it binds by name."""

    def __init__(self, path: str, module: t.Module, imports: dict[str, ir.Module], sink: Sink,
                 failed: frozenset[str] = frozenset()) -> None:
        self.path = path
        self.tree = module
        self.sink = sink
        self.scope = Scope(lets={}, top={}, imports=dict(imports), failed=failed)
        self.ev = Evaluator(self.scope, sink)

    # ---------------------------------------------------------------- module

    def run(self) -> ir.Module:
        """Lower the whole module."""
        blocks: dict[str, list[t.Block]] = {k: [] for k in schema.TOP_LEVEL}
        allows: list[ir.Allow] = []
        for item in self.tree.items:
            if isinstance(item, t.Let):
                self._define_let(item)
            elif isinstance(item, t.Block):
                if item.type.value in blocks:
                    blocks[item.type.value].append(item)
                else:
                    self._unknown_top(item)
            elif isinstance(item, t.Attribute):
                self.sink.report(
                    "WV102", f"attribute `{item.name.value}` outside any block", item.name.span,
                    label="at the top level",
                    help="attributes belong inside a block; for a named value write "
                         f"`let {item.name.value} = …`",
                )
            elif isinstance(item, t.Allow):
                allows.append(ir.Allow(item.code.value, item.reason.value, item.span))
        bodies: dict[str, list[Body]] = {}
        for kind, items in blocks.items():
            bodies[kind] = self._declare(kind, items, self.scope.top, top_level=True)
        gates = tuple(self._gate(b) for b in bodies["gate"])
        windows = tuple(self._window(b) for b in bodies["window"])
        deploys = tuple(self._deploy(b) for b in bodies["deploy"])
        self._bind(self.scope.top, "gate", gates)
        self._bind(self.scope.top, "window", windows)
        self._bind(self.scope.top, "deploy", deploys)
        policies = tuple(self._policy(b) for b in bodies["policy"])
        self._bind(self.scope.top, "policy", policies)
        pipelines = tuple(p for p in (self._pipeline(b) for b in bodies["pipeline"]) if p is not None)
        lets = {}
        for name in self.scope.lets:
            value = self.ev._let(name, self.scope.lets[name].name.span)
            if value is not ERR:
                lets[name] = value
        return ir.Module(
            self.path, self.tree.span, pipelines=pipelines, policies=policies, gates=gates, windows=windows,
            deploys=deploys, lets=lets, imports=dict(self.scope.imports), allows=tuple(allows),
        )

    def _define_let(self, item: t.Let) -> None:
        name = item.name.value
        if name in self.scope.lets:
            report_duplicate(self.sink, "let", name, item.name.span, self.scope.lets[name].name.span)
            return
        if name in self.scope.imports:
            self.sink.report("WV106", f"`let {name}` has the name of an imported module", item.name.span,
                             label="shadows the import", help="rename the `let` or import the module `as` "
                             "another name")
            return
        self.scope.lets[name] = item

    def _unknown_top(self, item: t.Block) -> None:
        name = item.type.value
        inside = [b.type for b in schema.BLOCKS.values() if any(c.type == name for c in b.children)]
        if inside:
            help_ = f"`{name}` blocks belong inside a `{inside[0]}` block"
        else:
            help_ = did_you_mean(name, schema.TOP_LEVEL) or (
                "the top level holds `import`, `let` and `pipeline`, `policy`, `gate`, `window`, "
                "`deploy` blocks")
        self.sink.report("WV101", f"unknown block `{name}` at the top level", item.type.span,
                         label="not allowed here", help=help_)

    def _declare(self, kind: str, items: list[t.Block], table: dict[str, dict[str, Symbol]],
                 top_level: bool = False) -> list[Body]:
        """Read blocks of one kind and enter their names in ``table`` (duplicates reported)."""
        spec = schema.BLOCKS[kind]
        out: list[Body] = []
        names = table.setdefault(kind, {})
        for block in items:
            body = read_block(block, spec, self.sink)
            if body is None:
                continue
            if kind == "deploy" and top_level and not body.name:
                self.sink.report("WV118", "a top-level `deploy` profile needs a name", block.header,
                                 label="unnamed", help="name it (`deploy blue { … }`); only a pipeline has an "
                                 "unnamed default profile")
                continue
            key = body.name
            if key in names:
                what = "deploy profile" if kind == "deploy" else kind
                report_duplicate(self.sink, what, key or "(unnamed)", block.header, names[key].span)
                continue
            names[key] = Symbol(kind, key, block.header)
            out.append(body)
        return out

    @staticmethod
    def _bind(table: dict[str, dict[str, Symbol]], kind: str, objs: tuple[Any, ...]) -> None:
        names = table.setdefault(kind, {})
        for obj in objs:
            old = names.get(obj.name)
            if old is not None:
                names[obj.name] = Symbol(kind, obj.name, old.span, obj)

    # --------------------------------------------------------------- helpers

    def _get(self, body: Body, name: str, vars_allowed: tuple[str, ...] = (), where: str = "") -> Any:
        """The value of attribute ``name`` (``None`` when absent, ``ERR`` when reported)."""
        attr = body.attrs.get(name)
        if attr is None:
            return None
        spec = body.spec.attr(name, body.variant)
        assert spec is not None
        where = where or f"in `{body.spec.type}.{name}`"
        return self.ev.value(attr.value, spec.type, vars_allowed=vars_allowed, where=where)

    def _span(self, body: Body, name: str) -> Span:
        attr = body.attrs.get(name)
        return attr.value.span if attr is not None else body.block.header

    def _str(self, body: Body, name: str, default: str | None = None) -> str | None:
        v = self._get(body, name)
        return default if v is None or v is ERR else str(v.text)

    def _tpl(self, body: Body, name: str, vars_allowed: tuple[str, ...]) -> Template | None:
        v = self._get(body, name, vars_allowed)
        return None if v is None or v is ERR else v

    def _tpls(self, body: Body, name: str, vars_allowed: tuple[str, ...]) -> tuple[Template, ...]:
        v = self._get(body, name, vars_allowed)
        if v is None or v is ERR:
            return ()
        return (v,) if isinstance(v, Template) else tuple(v)

    def _plain_list(self, body: Body, name: str) -> tuple[str, ...]:
        v = self._get(body, name)
        return () if v is None or v is ERR else tuple(x.text for x in v)

    def _duration(self, body: Body, name: str, default: Duration, positive: bool = False) -> Duration:
        v = self._get(body, name)
        if v is None or v is ERR:
            return default
        if v.seconds < 0 or (positive and v.seconds == 0):
            self.sink.report("WV120", f"`{name}` must be {'positive' if positive else 'zero or more'}, "
                             f"found {v}", self._span(body, name), label="out of range")
            return default
        return v  # type: ignore[no-any-return]

    def _int(self, body: Body, name: str, default: int, minimum: int) -> int:
        v = self._get(body, name)
        if v is None or v is ERR:
            return default
        if v < minimum:
            self.sink.report("WV120", f"`{name}` must be at least {minimum}, found {v}", self._span(body, name),
                             label="out of range")
            return default
        return int(v)

    def _enum(self, body: Body, name: str, default: str) -> str:
        v = self._get(body, name)
        return default if v is None or v is ERR else str(v.name)

    def _region(self, region: str, span: Span) -> bool:
        if region in aws_regions():
            return True
        hint = did_you_mean(region, aws_regions(), quote='"')
        self.sink.report(
            "WV113", f'unknown AWS region "{region}"', span, label="not a region of the `aws` partition",
            help=hint or "regions are written like \"us-east-1\"; the list comes from botocore's "
                         "partitions data",
        )
        return False

    # ------------------------------------------------------------ top level

    def _gate(self, body: Body) -> ir.Gate:
        prom = None
        for block in body.kids("prometheus"):
            pb = read_block(block, schema.BLOCKS["prometheus"], self.sink)
            if pb is None:
                continue
            lo, hi = self._get(pb, "min"), self._get(pb, "max")
            lo = None if lo is ERR else lo
            hi = None if hi is ERR else hi
            if lo is None and hi is None and "min" not in pb.attrs and "max" not in pb.attrs:
                self.sink.report("WV105", "`prometheus` needs `max` or `min`", block.header,
                                 label="no bound", help="add `max = …` (or `min = …`): the value the query "
                                 "must stay under (or over)")
            query = self._tpl(pb, "query", TARGET_VARS)
            url = self._str(pb, "url")
            if url is not None and query is not None:
                prom = ir.Prometheus(block.span, url, query, hi, lo)
        return ir.Gate(
            body.name, body.block.header,
            alarms=self._tpls(body, "alarms", TARGET_VARS),
            blockers=self._tpls(body, "blockers", TARGET_VARS),
            check=self._tpl(body, "check", TARGET_VARS),
            prometheus=prom,
            on_breach=self._enum(body, "on_breach", "rollback"),
            interval=self._duration(body, "interval", Duration(60), positive=True),
            approval=bool(self._get(body, "approval") is True),
            allows=body.allows,
            attr_spans=body.attr_spans,
        )

    def _window(self, body: Body) -> ir.Window:
        days_v = self._get(body, "days")
        days = () if days_v in (None, ERR) else tuple(d.name for d in days_v)
        hours_v = self._get(body, "hours")
        hours: tuple[Clock, Clock] | None = None
        if hours_v not in (None, ERR):
            if len(hours_v) != 2:
                self.sink.report("WV120", f"`hours` holds two times, found {len(hours_v)}",
                                 self._span(body, "hours"), label="expected `[from, to]`",
                                 help="write `hours = [09:00, 17:00]`: open from the first, closed at the second")
            elif hours_v[0] == hours_v[1]:
                self.sink.report("WV120", "`hours` opens and closes at the same time",
                                 self._span(body, "hours"), label="an empty window",
                                 help="`[from, to)` needs two different times; a window past midnight is "
                                      "written `[22:00, 06:00]`")
            else:
                hours = (hours_v[0], hours_v[1])
        cron = self._str(body, "cron")
        if cron is not None and ("days" in body.attrs or "hours" in body.attrs):
            self.sink.report("WV120", f"window `{body.name}` sets both `cron` and `days`/`hours`",
                             self._span(body, "cron"), label="choose one",
                             help="a window is either `cron = \"…\"` or `days` with `hours`")
        if cron is not None:
            cron = self._cron(cron, self._span(body, "cron"))
        tz = self._str(body, "timezone", "UTC") or "UTC"
        if "timezone" in body.attrs and not is_timezone(tz):
            self.sink.report(
                "WV114", f'unknown time zone "{tz}"', self._span(body, "timezone"),
                label="not in the tz database",
                help=did_you_mean(tz, timezones(), quote='"') or 'use an IANA name such as "Europe/Berlin"',
            )
            tz = "UTC"
        return ir.Window(body.name, body.block.header, days=days, hours=hours, cron=cron, timezone=tz,
                         allows=body.allows, attr_spans=body.attr_spans)

    def _cron(self, text: str, span: Span) -> str | None:
        """Check a window's cron (CodePipeline's DeploymentWindow form) and normalise it to 7 fields."""
        from ..cron import CronError, CronUnsupported, parse_cron

        fields = text.split()
        if len(fields) not in (6, 7) or fields[0] != "*":
            problem = f"expected 6 or 7 fields starting with the seconds field `*`, found {len(fields)}" + (
                f" starting with `{fields[0]}`" if fields and fields[0] != "*" else "")
        else:
            normal = " ".join(fields if len(fields) == 7 else [*fields, "*"])
            try:
                parse_cron(normal)
            except CronUnsupported:
                return normal  # valid for CodePipeline; `wavec plan` says it cannot evaluate it (WV253)
            except CronError as exc:
                problem = str(exc)
            else:
                return normal
        self.sink.report(
            "WV120", f'"{text}" is not a CodePipeline cron expression: {problem}', span, label="invalid cron",
            help='the fields are `seconds minutes hours day-of-month month day-of-week [year]`, seconds always '
                 '`*`, `?` in one of the day fields: "* * 9-16 ? * MON-FRI *" is open 09:00–17:00 on weekdays',
        )
        return None

    def _deploy(self, body: Body) -> ir.DeployProfile:
        providers: list[ir.Provider] = []
        for kind in schema.DEPLOY_PROVIDERS:
            for block in body.kids(kind):
                pb = read_block(block, schema.BLOCKS[kind], self.sink)
                if pb is not None:
                    p = self._provider(kind, pb)
                    if p is not None:
                        providers.append(p)
        if not body.children:
            label = f"deploy profile `{body.name}`" if body.name else "the default deploy profile"
            self.sink.report(
                "WV119", f"{label} has no provider block", body.block.header, label="nothing to deploy with",
                help="add one of `cloudformation { … }`, `codedeploy { … }`, `ecs { … }`, `local { … }`",
            )
        return ir.DeployProfile(body.name, body.block.header, providers=tuple(providers),
                                role=self._tpl(body, "role", TARGET_VARS), estimate=self._estimate(body),
                                allows=body.allows, attr_spans=body.attr_spans)

    def _estimate(self, body: Body) -> Duration | None:
        """The optional ``estimate`` (a duration of zero or more), ``None`` when not written."""
        value = self._duration(body, "estimate", Duration(-1))
        return None if value.seconds < 0 else value

    def _provider(self, kind: str, pb: Body) -> ir.Provider | None:
        spans = pb.attr_spans
        if kind == "cloudformation":
            stack, template = self._tpl(pb, "stack", TARGET_VARS), self._tpl(pb, "template", TARGET_VARS)
            if stack is None or template is None:
                return None
            params = self._get(pb, "parameters", TARGET_VARS)
            return ir.CloudFormation(
                pb.block.span, stack, template, capabilities=self._plain_list(pb, "capabilities"),
                parameters=tuple(params.items()) if params not in (None, ERR) else (),
                role=self._tpl(pb, "role", TARGET_VARS), attr_spans=spans)
        if kind == "codedeploy":
            app, group = self._tpl(pb, "application", TARGET_VARS), self._tpl(pb, "group", TARGET_VARS)
            return None if app is None or group is None else ir.CodeDeploy(pb.block.span, app, group,
                                                                           attr_spans=spans)
        if kind == "ecs":
            cluster, service = self._tpl(pb, "cluster", TARGET_VARS), self._tpl(pb, "service", TARGET_VARS)
            if cluster is None or service is None:
                return None
            return ir.Ecs(pb.block.span, cluster, service,
                          image_definitions=self._str(pb, "image_definitions", "imagedefinitions.json")
                          or "imagedefinitions.json", attr_spans=spans)
        run, rollback = self._tpl(pb, "run", TARGET_VARS), self._tpl(pb, "rollback", TARGET_VARS)
        return None if run is None or rollback is None else ir.LocalDeploy(pb.block.span, run, rollback,
                                                                           attr_spans=spans)

    def _policy(self, body: Body) -> ir.Policy:
        rules: list[ir.Rule] = []
        seen: dict[str, Span] = {}
        for block in body.kids("rule"):
            rb = read_block(block, schema.BLOCKS["rule"], self.sink)
            if rb is None:
                continue
            code = rb.labels[0]
            if code in seen:
                report_duplicate(self.sink, "rule", code, block.labels[0].span, seen[code])
                continue
            seen[code] = block.labels[0].span

            def expr(name: str, rb: Body = rb) -> t.Expr | None:
                attr = rb.attrs.get(name)
                return attr.value if attr is not None else None

            rules.append(ir.Rule(
                code, rb.labels[1], body.name, block.header, for_=expr("for"), assert_=expr("assert"),
                where=expr("where"), severity=self._enum(rb, "severity", "error"), help=self._str(rb, "help"),
                allows=rb.allows, attr_spans=rb.attr_spans, detail=expr("detail"),
            ))
        return ir.Policy(body.name, body.block.header, self.path, rules=tuple(rules),
                         description=self._str(body, "description"))

    # -------------------------------------------------------------- pipeline

    def _pipeline(self, body: Body) -> ir.Pipeline | None:
        scope = self.scope
        scope.pipeline = {}
        kinds = ("stage", "wave", "gate", "window", "deploy")
        bodies = {k: self._declare(k, body.kids(k), scope.pipeline) for k in kinds}
        gates = tuple(self._gate(b) for b in bodies["gate"])
        windows = tuple(self._window(b) for b in bodies["window"])
        deploys = tuple(self._deploy(b) for b in bodies["deploy"])
        self._bind(scope.pipeline, "gate", gates)
        self._bind(scope.pipeline, "window", windows)
        self._bind(scope.pipeline, "deploy", deploys)
        source = None
        for block in body.kids("source"):
            sb = read_block(block, schema.BLOCKS["source"], self.sink)
            if sb is not None:
                source = ir.Source(
                    sb.name, block.header, repo=self._str(sb, "repo"), branch=self._str(sb, "branch", "main")
                    or "main", connection=self._str(sb, "connection"), bucket=self._str(sb, "bucket"),
                    key=self._str(sb, "key"), attr_spans=sb.attr_spans)
        for kind, limit in (("wave", MAX_WAVES), ("stage", MAX_STAGES)):
            if len(bodies[kind]) > limit:
                self.sink.report("WV127", f"pipeline `{body.name}` has {len(bodies[kind])} {kind}s, more than the "
                                 f"limit of {limit}", bodies[kind][limit].block.header, label="one too many",
                                 help="split the rollout into several pipelines")
                return None
        stages = tuple(self._stage(b, i, bodies["stage"]) for i, b in enumerate(bodies["stage"]))
        scope.stage_steps = {}
        default_deploy = next((d for d in deploys if d.name == ""), None)
        waves = tuple(self._wave(b, i, bodies["wave"], default_deploy) for i, b in enumerate(bodies["wave"]))
        policies: list[ir.Policy] = []
        pv = self._get(body, "policies")
        for item in pv if pv not in (None, ERR) else ():
            found = item.module.policies if isinstance(item, ModuleValue) else (item.obj,)
            for p in found:
                if p is not None and p not in policies:
                    policies.append(p)
        region = self._str(body, "region")
        if region is not None:
            self._region(region, self._span(body, "region"))
        elif waves and waves[0].regions:
            region = waves[0].regions[0]
        role = self._tpl(body, "role", PIPE_VARS)
        pipeline = ir.Pipeline(
            body.name, body.block.header, self.path, source=source, stages=stages, waves=waves,
            deploys=deploys, gates=gates, windows=windows, policies=tuple(policies), role=role, region=region,
            artifacts=self._tpl(body, "artifacts", ARTIFACT_VARS),
            execution_mode=self._enum(body, "execution_mode", "superseded"),
            allows=body.allows, attr_spans=body.attr_spans,
        )
        scope.pipeline = {}
        return pipeline

    def _after(self, body: Body, kind: str, previous: str | None) -> tuple[str, ...]:
        v = self._get(body, "after")
        if v is None:
            return (previous,) if previous is not None else ()
        if v is ERR:
            return ()
        return tuple(s.name for s in v)

    def _stage(self, body: Body, index: int, siblings: list[Body]) -> ir.Stage:
        scope = self.scope
        scope.stage_steps = {}
        step_bodies: list[Body] = []
        if len(body.kids("step")) > MAX_STAGES:
            self.sink.report("WV127", f"stage `{body.name}` has {len(body.kids('step'))} steps, more than the "
                             f"limit of {MAX_STAGES}", body.block.header, label="too many steps",
                             help="split the stage")
        for block in body.kids("step")[:MAX_STAGES]:
            sb = read_block(block, schema.BLOCKS["step"], self.sink)
            if sb is None:
                continue
            if sb.name in scope.stage_steps:
                report_duplicate(self.sink, "step", sb.name, block.header, scope.stage_steps[sb.name].span)
                continue
            scope.stage_steps[sb.name] = Symbol("step", sb.name, block.header)
            step_bodies.append(sb)
        steps = tuple(self._step(sb, body.name) for sb in step_bodies)
        env = None
        for block in body.kids("environment"):
            eb = read_block(block, schema.BLOCKS["environment"], self.sink)
            if eb is None:
                continue
            region = self._str(eb, "region")
            if region is not None:
                self._region(region, self._span(eb, "region"))
            env = ir.Environment(
                block.span, create=self._tpl(eb, "create", ENV_VARS), destroy=self._tpl(eb, "destroy", ENV_VARS),
                region=region, timeout=self._duration(eb, "timeout", Duration(3600), positive=True),
                attr_spans=eb.attr_spans)
        previous = siblings[index - 1].name if index > 0 else None
        return ir.Stage(body.name, index, body.block.header, steps, after=self._after(body, "stage", previous),
                        environment=env, allows=body.allows, attr_spans=body.attr_spans)

    def _step(self, body: Body, stage: str) -> ir.Step:
        if "run" in body.attrs and "project" in body.attrs:
            self.sink.report("WV120", f"step `{body.name}` sets both `run` and `project`",
                             self._span(body, "project"), label="choose one",
                             help="a step runs either shell commands (`run`) or a CodeBuild project "
                                  "(`project`)")
        env_v = self._get(body, "env", STEP_VARS)
        return ir.Step(
            body.name, stage, body.block.header, kind=self._enum(body, "kind", "run"),
            run=self._tpls(body, "run", STEP_VARS), after=self._after(body, "step", None),
            image=self._str(body, "image"), project=self._str(body, "project"),
            env=tuple(env_v.items()) if env_v not in (None, ERR) else (),
            outputs=self._plain_list(body, "outputs"),
            timeout=self._duration(body, "timeout", Duration(3600), positive=True),
            retries=self._int(body, "retries", 0, 0), estimate=self._estimate(body), allows=body.allows,
            attr_spans=body.attr_spans,
        )

    def _wave(self, body: Body, index: int, siblings: list[Body],
              default_deploy: ir.DeployProfile | None) -> ir.Wave:
        regions: list[str] = []
        rv = self._get(body, "regions")
        if rv not in (None, ERR):
            span = self._span(body, "regions")
            items = body.attrs["regions"].value
            item_spans = [i.span for i in items.items] if isinstance(items, t.ListExpr) else []
            for i, tpl in enumerate(rv):
                where = item_spans[i] if i < len(item_spans) and len(item_spans) == len(rv) else span
                if tpl.text in regions:
                    self.sink.report("WV126", f'region "{tpl.text}" is listed twice in wave `{body.name}`',
                                     where, label="repeated", help="list each region once")
                    continue
                if self._region(tpl.text, where):
                    regions.append(tpl.text)
            if not rv:
                self.sink.report("WV120", f"wave `{body.name}` has no regions", span, label="empty list",
                                 help="a wave deploys to at least one region")
        accounts: list[str] = []
        for acct in self._plain_list(body, "accounts"):
            if not _ACCOUNT.fullmatch(acct):
                self.sink.report("WV120", f'"{acct}" is not a 12-digit AWS account id',
                                 self._span(body, "accounts"), label="expected 12 digits")
            elif acct not in accounts:
                accounts.append(acct)
        targets = tuple(ir.Target(r, a) for r in regions for a in accounts) if accounts else tuple(
            ir.Target(r) for r in regions)
        if len(targets) > MAX_TARGETS:
            self.sink.report("WV127", f"wave `{body.name}` has {len(targets)} targets, more than the limit of "
                             f"{MAX_TARGETS}", body.block.header, label="too many targets",
                             help="split the wave: waves exist to deploy to few targets at a time")
            targets = targets[:MAX_TARGETS]
        dv = self._get(body, "deploy")
        deploy = dv.obj if isinstance(dv, Symbol) else default_deploy
        if deploy is None and dv is None:
            self.sink.report("WV125", f"wave `{body.name}` has no deploy profile", body.block.header,
                             label="nothing says how to deploy it",
                             help="add an unnamed `deploy { … }` block to the pipeline, or set `deploy = NAME`")
        gates = self._get(body, "gates")
        windows = self._get(body, "windows")
        exposure = self._get(body, "exposure")
        if isinstance(exposure, Percent) and not 0 < exposure.value <= 100:
            self.sink.report("WV120", f"`exposure` must be more than 0% and at most 100%, found {exposure}",
                             self._span(body, "exposure"), label="out of range")
            exposure = None
        parallel = self._int(body, "parallel", len(targets) or 1, 1)
        previous = siblings[index - 1].name if index > 0 else None
        return ir.Wave(
            body.name, index, body.block.header, regions=tuple(regions), targets=targets,
            parallel=max(1, parallel), accounts=tuple(accounts), deploy=deploy,
            bake=self._duration(body, "bake", Duration(0)),
            gates=tuple(s.obj for s in gates if s.obj is not None) if gates not in (None, ERR) else (),
            windows=tuple(s.obj for s in windows if s.obj is not None) if windows not in (None, ERR) else (),
            exposure=exposure if isinstance(exposure, Percent) else Percent(100.0),
            after=self._after(body, "wave", previous), allows=body.allows, attr_spans=body.attr_spans,
        )


__all__ = ["EnumMember", "Label", "Lowerer"]
