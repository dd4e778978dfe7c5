"""Lowering: a parsed module (and the modules it imports) → the typed IR.

Order matters only for values, never for names: every name of a scope is
collected first, so blocks may refer to blocks defined further down; the
objects a wave embeds (gates, windows, deploy profiles) are lowered before
the waves.
"""

from __future__ import annotations

import re
from typing import Any, assert_never

from ...diagnostics import Label, Sink
from ...diagnostics.codes import builtin as codes
from ...lang.suggest import did_you_mean
from ...lang.values import EnumMember, Percent
from ...limits import MAX_STAGES, MAX_TARGETS, MAX_WAVES
from ...syntax import tree as t
from .. import ir, schema
from ..block_reader import Body, read_block, report_duplicate
from ..evaluate import ERR, Evaluator, ModuleValue, Scope, Symbol
from .objects import ARTIFACT_VARS, ENV_VARS, PIPE_VARS, STEP_VARS, BlockLowering

_ACCOUNT = re.compile(r"\d{12}")


def _unknown_block_names(items: tuple[t.Item, ...]) -> frozenset[str]:
    """The names of the blocks of unknown kinds (``gates health { … }``) in ``items``, at any depth."""
    out: set[str] = set()
    stack = list(items)
    while stack:
        item = stack.pop()
        if isinstance(item, t.Block):
            if item.type.value not in schema.BLOCKS and item.labels:
                out.add(item.labels[-1].value if isinstance(item.labels[-1], t.Ident) else item.labels[0].value)
            stack.extend(item.body)
    return frozenset(out)


class Lowerer(BlockLowering):
    """Lowers one module; ``imports`` are the already lowered modules it binds by name."""

    def __init__(self, path: str, module: t.Module, imports: dict[str, ir.Module], sink: Sink,
                 failed: frozenset[str] = frozenset()) -> None:
        self.path = path
        self.tree = module
        self.sink = sink
        # Names that may be defined where the file could not be read (recovery dropped it) or where it was
        # read but not understood (a block of an unknown kind, reported as such): their uses are not errors.
        failed = failed | module.lost_names | _unknown_block_names(module.items)
        self.scope = Scope(lets={}, top={}, imports=dict(imports), failed=failed)
        self.ev = Evaluator(self.scope, sink)

    # ---------------------------------------------------------------- module

    def run(self) -> ir.Module:
        """Lower the whole module."""
        blocks: dict[str, list[t.Block]] = {k: [] for k in schema.TOP_LEVEL}
        allows: list[ir.Allow] = []
        for item in self.tree.items:
            match item:
                case t.Let():
                    self._define_let(item)
                case t.Block():
                    if item.type.value in blocks:
                        blocks[item.type.value].append(item)
                    else:
                        self._unknown_top(item)
                case t.Attribute():
                    self.sink.report(
                        codes.UNKNOWN_ATTRIBUTE, f"attribute `{item.name.value}` outside any block", item.name.span,
                        label="at the top level",
                        help="attributes belong inside a block; for a named value write "
                             f"`let {item.name.value} = …`",
                    )
                case t.Allow():
                    allows.append(ir.Allow(item.code.value, item.reason.value, item.span))
                case t.Import():
                    pass  # the loader binds imports before lowering
                case _:
                    assert_never(item)
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
        lets_written = self.scope.lets
        entries = {name: {e.key: e.key_span.to(e.value.span) for e in item.value.entries}
                   for name, item in lets_written.items() if isinstance(item.value, t.MapExpr)}
        return ir.Module(
            self.path, self.tree.span, pipelines=pipelines, policies=policies, gates=gates, windows=windows,
            deploys=deploys, lets=lets, imports=dict(self.scope.imports), allows=tuple(allows),
            let_spans={name: item.span for name, item in lets_written.items()}, let_entries=entries,
        )

    def _define_let(self, item: t.Let) -> None:
        name = item.name.value
        if name in self.scope.lets:
            report_duplicate(self.sink, "let", name, item.name.span, self.scope.lets[name].name.span)
            return
        if name in self.scope.imports:
            self.sink.report(codes.DUPLICATE_NAME, f"`let {name}` has the name of an imported module", item.name.span,
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
        self.sink.report(codes.UNKNOWN_BLOCK, f"unknown block `{name}` at the top level", item.type.span,
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
                self.sink.report(codes.WRONG_LABELS, "a top-level `deploy` profile needs a name", block.header,
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
                source_region = self._str(sb, "region")
                if source_region is not None and not self._region(source_region, self._span(sb, "region")):
                    source_region = None
                source = ir.Source(
                    sb.name, block.header, repo=self._str(sb, "repo"), branch=self._text(sb, "branch"),
                    connection=self._str(sb, "connection"), bucket=self._str(sb, "bucket"),
                    key=self._str(sb, "key"), region=source_region, triggers=self._triggers(sb),
                    attr_spans=sb.attr_spans)
        for kind, limit in (("wave", MAX_WAVES), ("stage", MAX_STAGES)):
            if len(bodies[kind]) > limit:
                self.sink.report(codes.TOO_MANY_ITEMS,
                                 f"pipeline `{body.name}` has {len(bodies[kind])} {kind}s, more than the "
                                 f"limit of {limit}", bodies[kind][limit].block.header, label="one too many",
                                 help="split the rollout into several pipelines")
                return None
        stages = tuple(self._stage(b, i, bodies["stage"]) for i, b in enumerate(bodies["stage"]))
        scope.stage_steps = {}
        default_deploy = next((d for d in deploys if d.name == ""), None)
        waves = tuple(self._wave(b, i, bodies["wave"], default_deploy) for i, b in enumerate(bodies["wave"]))
        policies: list[ir.Policy] = []
        for item in self._value(body, "policies"):
            found = item.module.policies if isinstance(item, ModuleValue) else (item.obj,)
            for p in found:
                if p is not None and p not in policies:
                    policies.append(p)
        # The pipeline's region: as written, else where its source is (a source action cannot be cross-region),
        # else the first region of the first wave (the CodePipeline target refuses that guess when the first wave
        # has several regions: WV927).
        region = self._str(body, "region")
        if region is not None:
            self._region(region, self._span(body, "region"))
        elif source is not None and source.region is not None:
            region = source.region
        elif waves and waves[0].regions:
            region = waves[0].regions[0]
        role = self._tpl(body, "role", PIPE_VARS)
        pipeline = ir.Pipeline(
            body.name, body.block.header, self.path, source=source, stages=stages, waves=waves,
            deploys=deploys, gates=gates, windows=windows, policies=tuple(policies), role=role, region=region,
            artifacts=self._tpl(body, "artifacts", ARTIFACT_VARS),
            encryption_key=self._tpl(body, "encryption_key", ARTIFACT_VARS),
            execution_mode=self._enum(body, "execution_mode"),
            targets=self._enums(body, "targets"),
            allows=body.allows, attr_spans=body.attr_spans,
        )
        scope.pipeline = {}
        return pipeline

    def _after(self, body: Body, kind: str, previous: str | None) -> tuple[str, ...]:
        v = self._get(body, "after")
        if v is None:
            if previous is not None:
                return (previous,)  # a stage or wave follows the one before it (a computed default)
            # A step's default is the schema's (no step); the first stage or wave follows nothing.
            return tuple(s.name for s in self._default(body, "after") or ())
        if v is ERR:
            return ()
        return tuple(s.name for s in v)

    def _stage(self, body: Body, index: int, siblings: list[Body]) -> ir.Stage:
        scope = self.scope
        scope.stage_steps = {}
        step_bodies: list[Body] = []
        if len(body.kids("step")) > MAX_STAGES:
            self.sink.report(codes.TOO_MANY_ITEMS,
                             f"stage `{body.name}` has {len(body.kids('step'))} steps, more than the "
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
                region=region, timeout=self._duration(eb, "timeout", positive=True),
                attr_spans=eb.attr_spans)
        previous = siblings[index - 1].name if index > 0 else None
        return ir.Stage(body.name, index, body.block.header, steps, after=self._after(body, "stage", previous),
                        environment=env, allows=body.allows, attr_spans=body.attr_spans)

    def _step(self, body: Body, stage: str) -> ir.Step:
        if "run" in body.attrs and "project" in body.attrs:
            self.sink.report(codes.VALUE_OUT_OF_RANGE, f"step `{body.name}` sets both `run` and `project`",
                             self._span(body, "project"), label="choose one",
                             help="a step runs either shell commands (`run`) or a CodeBuild project "
                                  "(`project`)")
        return ir.Step(
            body.name, stage, body.block.header, kind=self._enum(body, "kind"),
            run=self._tpls(body, "run", STEP_VARS), after=self._after(body, "step", None),
            image=self._str(body, "image"), project=self._str(body, "project"),
            env=tuple(self._value(body, "env", STEP_VARS).items()),
            outputs=self._plain_list(body, "outputs"),
            timeout=self._duration(body, "timeout", positive=True),
            retries=self._int(body, "retries", 0), estimate=self._duration(body, "estimate"), allows=body.allows,
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
                    self.sink.report(codes.REGION_LISTED_TWICE,
                                     f'region "{tpl.text}" is listed twice in wave `{body.name}`',
                                     where, label="repeated", help="list each region once")
                    continue
                if self._region(tpl.text, where):
                    regions.append(tpl.text)
            if not rv:
                self.sink.report(codes.VALUE_OUT_OF_RANGE,
                                 f"wave `{body.name}` has no regions", span, label="empty list",
                                 help="a wave deploys to at least one region")
        accounts: list[str] = []
        for acct in self._plain_list(body, "accounts"):
            if not _ACCOUNT.fullmatch(acct):
                self.sink.report(codes.VALUE_OUT_OF_RANGE, f'"{acct}" is not a 12-digit AWS account id',
                                 self._span(body, "accounts"), label="expected 12 digits")
            elif acct not in accounts:
                accounts.append(acct)
        targets = tuple(ir.Target(r, a) for r in regions for a in accounts) if accounts else tuple(
            ir.Target(r) for r in regions)
        if len(targets) > MAX_TARGETS:
            self.sink.report(codes.TOO_MANY_ITEMS,
                             f"wave `{body.name}` has {len(targets)} targets, more than the limit of "
                             f"{MAX_TARGETS}", body.block.header, label="too many targets",
                             help="split the wave: waves exist to deploy to few targets at a time")
            targets = targets[:MAX_TARGETS]
        dv = self._get(body, "deploy")
        deploy = dv.obj if isinstance(dv, Symbol) else default_deploy
        if deploy is None and dv is None:
            self.sink.report(codes.NO_DEPLOY_PROFILE, f"wave `{body.name}` has no deploy profile", body.block.header,
                             label="nothing says how to deploy it",
                             help="add an unnamed `deploy { … }` block to the pipeline, or set `deploy = NAME`")
        exposure: Percent = self._value(body, "exposure")
        if not 0 < exposure.value <= 100:
            self.sink.report(codes.VALUE_OUT_OF_RANGE,
                             f"`exposure` must be more than 0% and at most 100%, found {exposure}",
                             self._span(body, "exposure"), label="out of range")
            exposure = self._default(body, "exposure")
        parallel = self._int(body, "parallel", 1, computed=len(targets) or 1)
        previous = siblings[index - 1].name if index > 0 else None
        return ir.Wave(
            body.name, index, body.block.header, regions=tuple(regions), targets=targets,
            parallel=max(1, parallel), accounts=tuple(accounts), deploy=deploy,
            bake=self._duration(body, "bake"),
            gates=tuple(s.obj for s in self._value(body, "gates") if s.obj is not None),
            windows=tuple(s.obj for s in self._value(body, "windows") if s.obj is not None),
            exposure=exposure, exposure_by=self._enum(body, "exposure_by"),
            after=self._after(body, "wave", previous), allows=body.allows, attr_spans=body.attr_spans,
        )


__all__ = ["EnumMember", "Label", "Lowerer"]
