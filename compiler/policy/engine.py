"""Enforce policies: compile each rule once, evaluate it over every pipeline's model, apply ``allow``.

A finding points at the entity the rule inspected (a wave's header, a gate, a
stage, the pipeline), names it in the message, carries the rule's help and
``rule`` = the policy's name. ``allow CODE "reason"`` on the entity or any of
its parents (stage → pipeline → file) turns the finding into a
:class:`Suppression` that ``wavec check --show-suppressed`` prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..diagnostics import Diagnostic, Label, Severity, Sink
from ..diagnostics.codes import builtin as builtin_codes
from ..diagnostics.codes import lookup
from ..diagnostics.codes import policy as codes
from ..lang.suggest import did_you_mean
from ..records import record
from ..semantics import ir
from ..source import Span
from . import types as ty
from .builtins import text
from .compile import Compiler
from .findings import Suppression
from .model import Model, Obj
from .runtime import BudgetExceeded, Env, Fn, PolicyRuntimeError

BASE_BUDGET = 100_000
BUDGET_PER_ENTITY = 200
"""A rule may take ``BASE_BUDGET + BUDGET_PER_ENTITY × entities`` steps on one pipeline."""


@record(frozen=False)
class CompiledRule:
    """A rule's expressions as closures; ``ok`` is false when it had a compile-time error."""

    rule: ir.Rule
    ok: bool
    for_: Fn | None = None
    where: Fn | None = None
    assert_: Fn | None = None
    detail: Fn | None = None


def _entities(model: Model) -> int:
    f = model.root.fields
    return 1 + sum(len(f[k]) for k in ("stages", "steps", "waves", "gates", "windows", "deploys")) + sum(
        len(w.fields["targets"]) for w in f["waves"])


class Engine:
    """Compiles and evaluates rules; one instance per ``check`` run."""

    def __init__(self, sink: Sink, modules: Iterable[ir.Module] = ()) -> None:
        self.sink = sink
        self._compiled: dict[int, CompiledRule] = {}
        self._modules: dict[str, ir.Module] = {}
        for m in modules:
            self._index(m)

    def _index(self, m: ir.Module) -> None:
        if m.path in self._modules:
            return
        self._modules[m.path] = m
        for sub in m.imports.values():
            self._index(sub)

    # ------------------------------------------------------------- compile

    def compile_policy(self, policy: ir.Policy) -> list[CompiledRule]:
        """Compile every rule of ``policy`` (once per run), reporting type errors."""
        module = self._modules.get(policy.module)
        out = []
        for rule in policy.rules:
            done = self._compiled.get(id(rule))
            if done is None:
                done = self._compiled[id(rule)] = self._compile(rule, module.lets if module is not None else {})
            out.append(done)
        return out

    def _compile(self, rule: ir.Rule, consts: Any) -> CompiledRule:
        c = Compiler(self.sink, consts)
        if rule.for_ is None or rule.assert_ is None:  # the schema reported the missing attribute
            return CompiledRule(rule, False)
        ft, for_fn = c.expr(rule.for_, {})
        item: ty.PType = ty.ANY
        if ft.kind == "list" and ft.item is not None:
            item = ft.item
        elif ft.kind == "object" or ft.loose:
            item = ft.plain()
        else:
            c.error(codes.RULE_PART_WRONG_TYPE,
                    f"`for` of rule {rule.code} yields {ty.words(ft)}, not objects to inspect",
                    rule.for_.span, "not an object or a list",
                    "name what the rule inspects: `waves`, `stages`, `first(waves)`, `pipeline`, …")
        scope = {"this": item}
        fns: dict[str, Fn | None] = {"where": None, "assert": None, "detail": None}
        for part, expr in (("where", rule.where), ("assert", rule.assert_), ("detail", rule.detail)):
            if expr is None:
                continue
            et, fn = c.expr(expr, scope)
            if part != "detail" and et.kind != "bool" and not et.loose:
                c.error(codes.RULE_PART_WRONG_TYPE,
                        f"`{part}` of rule {rule.code} must be a bool, found {ty.words(et)}", expr.span,
                        "not true or false", "compare it to something: `len(this.regions) == 1`")
            fns[part] = fn
        return CompiledRule(rule, not c.failed, for_fn, fns["where"], fns["assert"], fns["detail"])

    # ------------------------------------------------------------- enforce

    def enforce(self, pipeline: ir.Pipeline, policies: Sequence[ir.Policy],
                module_allows: tuple[ir.Allow, ...] = (), check_allows: bool = True) -> list[Suppression]:
        """Evaluate ``policies`` on ``pipeline``; findings go to the sink, suppressed ones are returned."""

        rules: list[tuple[ir.Policy, CompiledRule]] = []
        seen: dict[str, ir.Rule] = {}
        for policy in policies:
            for compiled in self.compile_policy(policy):
                rule = compiled.rule
                first = seen.get(rule.code)
                if first is not None or lookup(rule.code) is not None:
                    where = f"policy `{first.policy}`" if first is not None else "the built-in checks"
                    self.sink.report(
                        codes.DUPLICATE_RULE_CODE,
                        f"rule code {rule.code} of policy `{rule.policy}` is already used by {where}",
                        rule.span, label="duplicate code",
                        extra=(Label(first.span, "first used here"),) if first is not None else (),
                        help="give each rule a code of its own; `allow`, `ignore` and `severity` name rules "
                             "by code")
                    continue
                seen[rule.code] = rule
                if compiled.ok:
                    rules.append((policy, compiled))
        model = Model(pipeline, module_allows)
        budget = BASE_BUDGET + BUDGET_PER_ENTITY * _entities(model)
        suppressed: list[Suppression] = []
        for policy, compiled in rules:
            suppressed += self._run(compiled, policy, model, budget)
        if check_allows:
            self._check_allows(model, set(seen))
        return suppressed

    def _run(self, cr: CompiledRule, policy: ir.Policy, model: Model, budget: int) -> list[Suppression]:
        rule = cr.rule
        assert cr.for_ is not None and cr.assert_ is not None
        env = Env(model.roots, budget)
        out: list[Suppression] = []
        pipeline_label = f"pipeline `{model.pipeline.name}`"
        try:
            items = cr.for_(env)
        except PolicyRuntimeError as exc:
            self._runtime(rule, exc, pipeline_label, model.root.span)
            return out
        except BudgetExceeded:
            self._budget(rule, model, budget)
            return out
        if items is None:
            return out
        if not isinstance(items, tuple):
            items = (items,)
        severity = Severity(rule.severity)
        for item in items:
            label = item.label if isinstance(item, Obj) else f"`{_text(item)}` of {pipeline_label}"
            span = item.span if isinstance(item, Obj) else model.root.span
            try:
                env.tick()
                env.vars["this"] = item
                if cr.where is not None and not cr.where(env):
                    continue
                if cr.assert_(env):
                    continue
                note = ""
                if cr.detail is not None:
                    try:
                        note = _text(cr.detail(env))
                    except PolicyRuntimeError:
                        note = ""
            except PolicyRuntimeError as exc:
                self._runtime(rule, exc, label, span)
                continue
            except BudgetExceeded:
                self._budget(rule, model, budget)
                break
            diagnostic = Diagnostic(rule.code, severity, f"{label}: {rule.title}", (Label(span, note),),
                                    rule.help, rule=policy.name)
            allows = item.allows if isinstance(item, Obj) else model.root.allows
            allow = next((a for a in allows if a.code == rule.code), None)
            if allow is not None:
                out.append(Suppression(diagnostic, allow.reason, "inSource", allow.span))
            else:
                self.sink.add(diagnostic)
        return out

    def _runtime(self, rule: ir.Rule, exc: PolicyRuntimeError, label: str, span: Span) -> None:
        self.sink.report(codes.RULE_EVALUATION_FAILED,
                         f"rule {rule.code} could not be evaluated for {label}: {exc.message}", exc.span,
                         label="failed here", extra=(Label(span, "while checking this"),),
                         help="guard the expression: `where = x != none`, or `x == none or …`")

    def _budget(self, rule: ir.Rule, model: Model, budget: int) -> None:
        self.sink.report(codes.RULE_OVER_BUDGET,
                         f"rule {rule.code} stopped on pipeline `{model.pipeline.name}` after {budget} "
                         "steps", rule.span, label="over budget",
                         help="rules must stay linear in the size of the plan: compare each item with its "
                              "neighbours (`this.prev`, `this.prior_regions`) instead of with every other item")

    def _check_allows(self, model: Model, enforced: set[str]) -> None:
        allows: dict[int, ir.Allow] = {}
        f = model.root.fields
        objs: list[Obj] = [model.root]
        for k in ("stages", "steps", "waves", "gates", "windows", "deploys"):
            objs += f[k]
        for o in objs:
            for a in o.allows:
                allows.setdefault(id(a), a)
        for a in allows.values():
            if a.code in enforced or a.code in builtin_codes.ALLOWABLE:
                continue
            hint = did_you_mean(a.code, sorted(enforced))
            self.sink.report(codes.ALLOW_UNKNOWN_RULE,
                             f"`allow {a.code}` names no rule enforced on pipeline `{model.pipeline.name}`",
                             a.span, label="suppresses nothing",
                             help=hint or ("rules enforced here: " + ", ".join(sorted(enforced)) if enforced else
                                           "no policy is enforced on this pipeline"))


def _text(value: Any) -> str:

    return text(value)
