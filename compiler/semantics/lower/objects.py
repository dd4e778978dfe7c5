"""Lowering the blocks that may stand at the top level or inside a pipeline: gates, windows, deploy
profiles and policies — and the attribute helpers every lowering uses.

:class:`BlockLowering` is the base of :class:`~wavec.semantics.lower.module.Lowerer`; it holds no state
of its own beyond the evaluator and the sink.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ...diagnostics import Sink
from ...diagnostics.codes import builtin as codes
from ...lang.suggest import did_you_mean
from ...lang.values import Clock, Duration, Template
from ...limits import MAX_DURATION_S
from ...schedule.cron import CronError, CronUnsupported, parse_cron
from ...source import Span
from ...syntax import tree as t
from .. import ir, schema
from ..block_reader import Body, read_block, report_duplicate
from ..evaluate import ERR, Evaluator
from ..reference import aws_regions, is_timezone, timezones

PIPE_VARS = ("pipeline",)
ARTIFACT_VARS = ("pipeline", "region")
ENV_VARS = ("pipeline", "stage", "execution", "commit")
STEP_VARS = ("pipeline", "stage", "step", "execution", "commit")
TARGET_VARS = ("pipeline", "wave", "region", "account", "execution", "commit")

E = TypeVar("E", bound=str)


class BlockLowering:
    """Attribute helpers and the lowering of gates, windows, deploy profiles and policies."""

    path: str
    sink: Sink
    ev: Evaluator

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

    def _default(self, body: Body, name: str) -> Any:
        """The schema's typed default of attribute ``name`` (``None``: none, or one lowering computes)."""
        spec = body.spec.attr(name, body.variant)
        if spec is None:
            # Only `source` gets here: an `s3` source has no `branch`, yet the IR (and so the policy model)
            # gives every source one, the default the other variants share.
            spec = next(a for a in body.spec.every_attr() if a.name == name)
        return spec.value_default

    def _value(self, body: Body, name: str, vars_allowed: tuple[str, ...] = ()) -> Any:
        """The value of attribute ``name``, or its schema default when it is absent or was reported: a
        missing attribute lowers exactly as if its default had been written."""
        v = self._get(body, name, vars_allowed)
        return self._default(body, name) if v is None or v is ERR else v

    def _span(self, body: Body, name: str) -> Span:
        attr = body.attrs.get(name)
        return attr.value.span if attr is not None else body.block.header

    def _str(self, body: Body, name: str) -> str | None:
        v = self._value(body, name)
        return None if v is None else str(v.text)

    def _text(self, body: Body, name: str) -> str:
        """A string attribute with a default; an empty string also means the default."""
        return self._str(body, name) or str(self._default(body, name).text)

    def _tpl(self, body: Body, name: str, vars_allowed: tuple[str, ...]) -> Template | None:
        v = self._get(body, name, vars_allowed)
        return None if v is None or v is ERR else v

    def _tpls(self, body: Body, name: str, vars_allowed: tuple[str, ...]) -> tuple[Template, ...]:
        v = self._value(body, name, vars_allowed)
        if v is None:
            return ()  # `run` has no default: a step may use `project` instead
        return (v,) if isinstance(v, Template) else tuple(v)

    def _plain_list(self, body: Body, name: str) -> tuple[str, ...]:
        return tuple(x.text for x in self._value(body, name))

    def _duration(self, body: Body, name: str, positive: bool = False) -> Duration:
        default: Duration = self._default(body, name)
        v = self._get(body, name)
        if v is None or v is ERR:
            return default
        if v.seconds < 0 or (positive and v.seconds == 0):
            self.sink.report(codes.VALUE_OUT_OF_RANGE,
                             f"`{name}` must be {'positive' if positive else 'zero or more'}, "
                             f"found {v}", self._span(body, name), label="out of range")
            return default
        if v.seconds > MAX_DURATION_S:
            self.sink.report(codes.VALUE_OUT_OF_RANGE,
                             f"`{name}` of {v} is longer than {Duration(MAX_DURATION_S)}, the longest a target can "
                             "wait", self._span(body, name), label="out of range",
                             help="a CodePipeline bake waits in a Step Functions execution, which lasts at most a "
                                  "year; bake for days, not years")
            return default
        return v  # type: ignore[no-any-return]

    def _int(self, body: Body, name: str, minimum: int, computed: int | None = None) -> int:
        """An int attribute; ``computed`` is the default when the schema says lowering computes it."""
        default: int = self._default(body, name) if computed is None else computed
        v = self._get(body, name)
        if v is None or v is ERR:
            return default
        if v < minimum:
            self.sink.report(codes.VALUE_OUT_OF_RANGE,
                             f"`{name}` must be at least {minimum}, found {v}", self._span(body, name),
                             label="out of range")
            return default
        return int(v)

    def _enum(self, body: Body, name: str) -> Any:
        # The member an enum attribute names (its schema default when absent). Any, not str: the IR field's
        # `Literal` type is the contract, and the schema lets only its members through.
        return str(self._value(body, name).name)

    def _enums(self, body: Body, name: str) -> Any:
        # The members a list-of-enum attribute names, in order, each once (empty when absent or in error).
        v = self._get(body, name)
        return () if v in (None, ERR) else tuple(dict.fromkeys(str(m.name) for m in v))

    def _region(self, region: str, span: Span) -> bool:
        if region in aws_regions():
            return True
        hint = did_you_mean(region, aws_regions(), quote='"')
        self.sink.report(
            codes.UNKNOWN_REGION, f'unknown AWS region "{region}"', span, label="not a region of the `aws` partition",
            help=hint or "regions are written like \"us-east-1\"; the list comes from botocore's "
                         "partitions data",
        )
        return False

    # ------------------------------------------------------------ top level

    def _triggers(self, source: Body) -> tuple[ir.Trigger, ...]:
        found = []
        for block in source.kids("trigger"):
            tb = read_block(block, schema.BLOCKS["trigger"], self.sink)
            if tb is None:
                continue
            lists = {name: self._plain_list(tb, name) if name in tb.attrs else ()
                     for name in ("branches", "exclude_branches", "paths", "exclude_paths", "tags", "exclude_tags")
                     if tb.spec.attr(name, tb.variant) is not None}
            events = tuple(self._enums(tb, "events") or schema.PULL_REQUEST_EVENTS) \
                if tb.variant == "pull_request" else ()
            found.append(ir.Trigger(str(tb.variant), block.span, **lists, events=events, attr_spans=tb.attr_spans))
        return tuple(found)

    def _alarm_spec(self, gate: Body) -> ir.AlarmSpec | None:
        for block in gate.kids("create"):
            cb = read_block(block, schema.BLOCKS["create"], self.sink)
            if cb is None:
                return None
            metric, namespace, threshold = self._str(cb, "metric"), self._str(cb, "namespace"), self._get(cb,
                                                                                                 "threshold")
            period = self._duration(cb, "period", positive=True)
            if "period" in cb.attrs and period.seconds not in (10, 30) and period.seconds % 60:
                self.sink.report(codes.VALUE_OUT_OF_RANGE, f"`period` must be 10s, 30s or whole minutes, found "
                                 f"{period}", self._span(cb, "period"), label="not a CloudWatch period")
            if not gate.attrs.get("alarms"):
                self.sink.report(codes.MISSING_REQUIRED_ATTRIBUTE, f"gate `{gate.name}` creates alarms but names "
                                 "none", block.header, label="no `alarms` to create",
                                 help='name the alarms to create: `alarms = ["errors-${region}"]`')
            if metric is None or namespace is None or threshold in (None, ERR):
                return None
            return ir.AlarmSpec(block.span, metric, namespace, float(threshold),
                                comparison=self._enum(cb, "comparison"), statistic=self._enum(cb, "statistic"),
                                period=period, evaluation_periods=self._int(cb, "evaluation_periods", 1),
                                dimensions=tuple(self._value(cb, "dimensions", TARGET_VARS).items()),
                                missing_data=self._enum(cb, "missing_data"))
        return None

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
                self.sink.report(codes.MISSING_REQUIRED_ATTRIBUTE, "`prometheus` needs `max` or `min`", block.header,
                                 label="no bound", help="add `max = …` (or `min = …`): the value the query "
                                 "must stay under (or over)")
            query = self._tpl(pb, "query", TARGET_VARS)
            url = self._str(pb, "url")
            if url is not None and query is not None:
                prom = ir.Prometheus(block.span, url, query, self._value(pb, "reachable_from_aws") is True,
                                     max=hi, min=lo)
        return ir.Gate(
            body.name, body.block.header,
            alarms=self._tpls(body, "alarms", TARGET_VARS),
            blockers=self._tpls(body, "blockers", TARGET_VARS),
            check=self._tpl(body, "check", TARGET_VARS),
            prometheus=prom,
            create=self._alarm_spec(body),
            on_breach=self._enum(body, "on_breach"),
            interval=self._duration(body, "interval", positive=True),
            insufficient_data=self._enum(body, "insufficient_data"),
            approval=self._value(body, "approval") is True,
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
                self.sink.report(codes.VALUE_OUT_OF_RANGE, f"`hours` holds two times, found {len(hours_v)}",
                                 self._span(body, "hours"), label="expected `[from, to]`",
                                 help="write `hours = [09:00, 17:00]`: open from the first, closed at the second")
            elif hours_v[0] == hours_v[1]:
                self.sink.report(codes.VALUE_OUT_OF_RANGE, "`hours` opens and closes at the same time",
                                 self._span(body, "hours"), label="an empty window",
                                 help="`[from, to)` needs two different times; a window past midnight is "
                                      "written `[22:00, 06:00]`")
            else:
                hours = (hours_v[0], hours_v[1])
        cron = self._str(body, "cron")
        if cron is not None and ("days" in body.attrs or "hours" in body.attrs):
            self.sink.report(codes.VALUE_OUT_OF_RANGE, f"window `{body.name}` sets both `cron` and `days`/`hours`",
                             self._span(body, "cron"), label="choose one",
                             help="a window is either `cron = \"…\"` or `days` with `hours`")
        if cron is not None:
            cron = self._cron(cron, self._span(body, "cron"))
        tz = self._text(body, "timezone")
        if "timezone" in body.attrs and not is_timezone(tz):
            self.sink.report(
                codes.UNKNOWN_TIME_ZONE, f'unknown time zone "{tz}"', self._span(body, "timezone"),
                label="not in the tz database",
                help=did_you_mean(tz, timezones(), quote='"') or 'use an IANA name such as "Europe/Berlin"',
            )
            tz = self._default(body, "timezone").text
        return ir.Window(body.name, body.block.header, days=days, hours=hours, cron=cron, timezone=tz,
                         allows=body.allows, attr_spans=body.attr_spans)

    def _cron(self, text: str, span: Span) -> str | None:
        """Check a window's cron (CodePipeline's DeploymentWindow form) and normalise it to 7 fields."""

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
            codes.VALUE_OUT_OF_RANGE,
            f'"{text}" is not a CodePipeline cron expression: {problem}', span, label="invalid cron",
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
                codes.WRONG_NESTED_BLOCK_COUNT,
                f"{label} has no provider block", body.block.header, label="nothing to deploy with",
                help="add one of `cloudformation { … }`, `codedeploy { … }`, `ecs { … }`, `local { … }`",
            )
        return ir.DeployProfile(body.name, body.block.header, providers=tuple(providers),
                                role=self._tpl(body, "role", TARGET_VARS),
                                estimate=self._duration(body, "estimate"), allows=body.allows,
                                attr_spans=body.attr_spans)

    def _provider(self, kind: schema.DeployProvider, pb: Body) -> ir.Provider | None:
        spans = pb.attr_spans
        if kind == "cloudformation":
            stack, template = self._tpl(pb, "stack", TARGET_VARS), self._tpl(pb, "template", TARGET_VARS)
            if stack is None or template is None:
                return None
            return ir.CloudFormation(
                pb.block.span, stack, template, capabilities=self._plain_list(pb, "capabilities"),
                parameters=tuple(self._value(pb, "parameters", TARGET_VARS).items()),
                role=self._tpl(pb, "role", TARGET_VARS), attr_spans=spans)
        if kind == "codedeploy":
            app, group = self._tpl(pb, "application", TARGET_VARS), self._tpl(pb, "group", TARGET_VARS)
            return None if app is None or group is None else ir.CodeDeploy(pb.block.span, app, group,
                                                                           attr_spans=spans)
        if kind == "ecs":
            cluster, service = self._tpl(pb, "cluster", TARGET_VARS), self._tpl(pb, "service", TARGET_VARS)
            if cluster is None or service is None:
                return None
            return ir.Ecs(pb.block.span, cluster, service, image_definitions=self._text(pb, "image_definitions"),
                          attr_spans=spans)
        run, rollback = self._tpl(pb, "run", TARGET_VARS), self._tpl(pb, "rollback", TARGET_VARS)
        if run is None or rollback is None:
            return None
        return ir.LocalDeploy(pb.block.span, run, rollback, timeout=self._duration(pb, "timeout", positive=True),
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
                where=expr("where"), severity=self._enum(rb, "severity"), help=self._str(rb, "help"),
                allows=rb.allows, attr_spans=rb.attr_spans, detail=expr("detail"),
            ))
        return ir.Policy(body.name, body.block.header, self.path, rules=tuple(rules),
                         description=self._str(body, "description"))
