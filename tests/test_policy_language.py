"""The policy language as a user writes it: evaluation results, units, builtins, lambdas, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from wavec import check
from wavec.policy.regex import RegexError, compile_pattern

PIPELINE = '''
pipeline p {{
  policies = [t]
  source s3 {{ bucket = "b"  key = "k" }}
  stage build {{ step compile {{ kind = build  run = ["make", "make package"] }} }}
  stage sandbox {{
    environment {{ create = "up"  destroy = "down" }}
    step unit {{ kind = test  run = "make test" }}
    step it   {{ kind = test  run = "make it"  after = [unit] }}
  }}
  deploy {{ local {{ run = "./deploy.sh"  rollback = "./rollback.sh" }} }}
  gate health {{ alarms = ["a-${{region}}"]  on_breach = rollback_all }}
  window office {{ days = [mon, tue]  hours = [09:00, 17:00] }}
  wave one   {{ regions = ["us-east-1"]  exposure = 1%  bake = 1h  gates = [health]  windows = [office] }}
  wave two   {{ regions = ["us-west-2", "eu-west-1"]  bake = 90m  gates = [health] }}
  wave three {{
    regions  = ["eu-central-1", "ap-northeast-1", "us-east-1"]
    accounts = ["111122223333", "444455556666"]
  }}
}}
'''


def holds(tmp_path: Path, assertion: str, for_: str = "pipeline", where: str | None = None) -> list[str]:
    """Names of the items for which ``assertion`` fails (compile errors fail the test)."""
    where_line = f"where = {where}" if where else ""
    text = f'policy t {{\n rule T001 "t" {{\n for = {for_}\n {where_line}\n assert = {assertion}\n }}\n}}\n'
    path = tmp_path / "t.wave"
    path.write_text(text + PIPELINE.format(), encoding="utf-8")
    result = check([path])
    errors = [d for d in result.diagnostics if d.code != "T001"]
    assert errors == [], [f"{d.code} {d.message}" for d in errors]
    return [d.message.split(":")[0] for d in result.diagnostics]


@pytest.mark.parametrize("assertion", [
    "len(waves) == 3",
    "first(waves).name == \"one\" and last(waves).name == \"three\"",
    "waves[-1].name == \"three\" and len(waves[1:]) == 2 and len(waves[:1]) == 1",
    "sum(waves, w => w.bake) == 2h30m",
    "sum(waves, w => w.bake) / 30m == 5",
    "max(waves, w => w.bake) == 90m and min(waves, w => w.bake) == 0s",
    "sum(waves, w => w.exposure) == 201%",
    "count(waves, w => w.bake > 0s) == 2",
    "len(waves[2].targets) == 6 and waves[2].targets[0].id == \"eu-central-1/111122223333\"",
    "waves[2].parallel == 6 and waves[0].parallel == 1",
    "waves[1].prior_regions == 1 and waves[2].prior_regions == 3",
    "prev(waves[1]).name == \"one\" and next(waves[1]).name == \"three\" and prev(waves[0]) == none",
    "waves[1].prev == waves[0] and waves[2].next == none",
    "distinct(flatten(map(waves, w => w.regions))) == [\"us-east-1\", \"us-west-2\", \"eu-west-1\", "
    "\"eu-central-1\", \"ap-northeast-1\"]",
    "contains(waves[0].regions, \"us-east-1\") and \"us-east-1\" in waves[0].regions",
    "\"eu\" not in waves[0].regions and contains(\"make test\", \"test\")",
    "pipeline.artifacts == none and pipeline.role == none",
    "all(steps, s => s.stage.name in [\"build\", \"sandbox\"]) and len(steps) == 3",
    "steps[2].after[0].name == \"unit\" and stages[1].after[0] == stages[0]",
    "stages[1].environment.create == \"up\" and stages[0].environment == none",
    "gates[0].on_breach == rollback_all and gates[0].interval == 1m and not gates[0].approval",
    "windows[0].days == [mon, tue] and windows[0].hours[0] == 09:00 and windows[0].timezone == \"UTC\"",
    "first(deploys).name == \"default\" and first(deploys).local.run == \"./deploy.sh\"",
    "first(deploys).providers == [local] and first(deploys).cloudformation == none",
    "gates[0].alarms == [\"a-${region}\"]",
    "join(map(waves, w => text(w.bake)), \"/\") == \"1h/1h30m/0s\"",
    "text(waves[0].exposure) == \"1%\" and text(waves[0].regions) == \"us-east-1\"",
    "filter(waves, w => len(w.gates) > 0) == waves[:2]",
    "matches(pipeline.name, \"^[a-z]+$\") and not matches(pipeline.name, \"^[0-9]\")",
    "endswith(steps[0].run[1], \"package\") and startswith(steps[0].run[1], \"make\")",
    "1h > 30m and 50% > 5% and 10:00 > 09:30 and \"b\" > \"a\" and -1h < 0s",
    "(1h + 30m) * 2 == 3h and 3h - 1h == 2h and 100% / 4 == 25%",
    "any([true, false]) and not all([true, false]) and all([]) and not any([])",
    "pipeline.execution_mode == superseded and pipeline.region == \"us-east-1\"",
    "pipeline.policies == [\"t\"] and pipeline.source.type == s3",
    "keys({a = \"1\", b = \"2\"}) == [\"a\", \"b\"] and values({a = \"1\"}) == [\"1\"]",
])
def test_expressions_evaluate_as_documented(tmp_path: Path, assertion: str) -> None:
    assert holds(tmp_path, assertion) == [], assertion


def test_for_where_assert_pick_the_failing_items(tmp_path: Path) -> None:
    assert holds(tmp_path, "this.bake >= 1h", "waves") == ["wave `three`"]
    assert holds(tmp_path, "this.bake >= 1h", "waves", where="len(this.regions) < 3") == []
    assert holds(tmp_path, "false", "waves[1:]") == ["wave `two`", "wave `three`"]
    assert holds(tmp_path, "false", "first(waves).targets") == ["target `us-east-1`"]
    assert holds(tmp_path, "false", "stages + waves") == ["stage `build`", "stage `sandbox`", "wave `one`",
                                                            "wave `two`", "wave `three`"]


def test_nested_lambdas_see_outer_parameters(tmp_path: Path) -> None:
    assert holds(tmp_path, "all(this.gates, g => any(waves, w => contains(w.gates, g) and w.name == this.name))",
                 "waves") == []


def compile_errors(tmp_path: Path, assertion: str) -> list[tuple[str, str, str | None]]:
    path = tmp_path / "t.wave"
    path.write_text(f'policy t {{\n rule T001 "t" {{\n for = waves\n assert = {assertion}\n }}\n}}\n',
                    encoding="utf-8")
    return [(d.code, d.message, d.help) for d in check([path]).diagnostics]


@pytest.mark.parametrize(("assertion", "message"), [
    ("1h > 5", "cannot compare a duration with a number"),
    ("this.bake == 5%", "cannot compare a duration with a percent"),
    ("this.exposure > 0.5", "cannot compare a percent with a number"),
    ("09:00 < 1h", "cannot compare a clock with a duration"),
    ("this.bake + 5 > 1h", "cannot add a duration and a number"),
    ("this.name + 1 == \"x\"", "cannot add a string and a number"),
    ("this.regions == 3", "cannot compare a list<string> with a number"),
    ("this.on_breach == rollback", "wave has no attribute `on_breach`"),
    ("3 in this.regions", "a number is never in a list<string>"),
    ("sum(this.regions) > 0", "`sum` needs a list of number or duration or percents"),
    ("any(this.gates, g => g.alarms)", "the lambda of `any` must give bool"),
    ("any(this.gates, 1)", "the last argument of `any` is a lambda"),
    ("prev(this.regions) == none", "`prev` takes a wave or a stage"),
])
def test_type_errors_are_reported_at_compile_time(tmp_path: Path, assertion: str, message: str) -> None:
    errors = compile_errors(tmp_path, assertion)
    assert len(errors) == 1, errors
    code, text, help_ = errors[0]
    assert code in ("WV301", "WV302") and message in text
    if message.startswith("cannot") and "duration" in message and "number" in message:
        assert help_ is not None and "unit" in help_


def test_unit_errors_do_not_cascade(tmp_path: Path) -> None:
    errors = compile_errors(tmp_path, "this.bake > 5 and this.bake > 5m and len(this.nope) > 1")
    assert [c for c, _, _ in errors] == ["WV301", "WV302"]


@pytest.mark.parametrize("pattern", [
    "^[a-z][a-z0-9_]*$", "(AKIA|ASIA)[0-9A-Z]{16}", "(?i)password[ ]{0,3}=.+", r"\d+\.\d{1,3}", "(?:ab|cd)*x",
    # RE2 runs these in linear time; the hand-written subset refused them (issue 16's ARN pattern among them).
    r"^arn:aws:iam::\d+:role/.+-pipeline$", "(a+)+$", "(a*b?)*", ".*.*=", "(a|a){0,18}b",
])
def test_patterns_compile(pattern: str) -> None:
    assert compile_pattern(pattern).pattern == pattern


@pytest.mark.parametrize(("pattern", "why"), [
    (r"(a)\1", "backreference"), ("(?P<x>a)(?P=x)", "backreference"), ("a(?=b)", "lookahead"),
    ("(?<!a)b", "lookbehind"), ("a{0,5000}", "repetition size"), ("x" * 300, "longer than"),
    ("(ab", "missing \\)"), ("a)", "unexpected \\)"), ("[a-", "missing \\]"),
])
def test_patterns_re2_cannot_run_are_refused(pattern: str, why: str) -> None:
    with pytest.raises(RegexError, match=why):
        compile_pattern(pattern)


# `(a|a){0,18}b` on 4,000 characters backtracked for 70 s in `re` (doubling with each repeat); RE2 is linear.
REDOS = ('policy t {{\n rule T001 "t" {{\n for = steps\n assert = not matches(this.run[0], "{pattern}")\n }}\n}}\n'
         'pipeline p {{\n policies = [t]\n source s3 {{ bucket = "b" key = "k" }}\n'
         ' stage s {{ step x {{ run = "{run}" }} }}\n'
         ' deploy {{ local {{ run = "d" rollback = "r" }} }}\n wave w {{ regions = ["eu-west-1"] }}\n}}\n')


@pytest.mark.parametrize("pattern", ["(a|a){0,18}b", "(a|aa)*c", "(a+)+b", "(.*a){12}x"])
def test_a_pathological_pattern_on_a_long_command_finishes_in_under_a_second(tmp_path: Path, pattern: str
                                                                              ) -> None:
    import time

    path = tmp_path / "redos.wave"
    path.write_text(REDOS.format(pattern=pattern, run="a" * 4000), encoding="utf-8")
    check([path])  # the first check pays for Lark's cache and the imports
    started = time.perf_counter()
    diagnostics = check([path]).diagnostics
    assert time.perf_counter() - started < 1.0
    assert [d.code for d in diagnostics] == []


def test_lets_of_the_policy_module_are_constants(tmp_path: Path) -> None:
    path = tmp_path / "t.wave"
    path.write_text('let limit = 2h\nlet names = ["one", "two"]\npolicy t {\n rule T001 "t" {\n for = waves\n'
                    ' assert = this.bake <= limit and this.name in names\n }\n}\n' + PIPELINE.format(),
                    encoding="utf-8")
    assert [(d.code, d.message) for d in check([path]).diagnostics] == [("T001", "wave `three`: t")]


def test_budget_scales_with_the_plan_so_linear_rules_never_hit_it(tmp_path: Path) -> None:
    waves = "\n".join(f'  wave w{i} {{ regions = ["eu-west-1"]  bake = 1h }}' for i in range(2000))
    path = tmp_path / "big.wave"
    path.write_text('policy t {\n rule T001 "t" {\n for = waves\n assert = this.bake >= 1h and '
                    'all(this.regions, r => r != "x") and (this.prev == none or this.prev.bake <= this.bake)\n'
                    ' }\n}\npipeline big {\n policies = [t]\n source s3 { bucket = "b" key = "k" }\n'
                    ' deploy { local { run = "d" rollback = "r" } }\n' + waves + "\n}\n", encoding="utf-8")
    assert check([path]).diagnostics == []


@pytest.mark.slow  # checking 8,000 waves takes seconds
@pytest.mark.parametrize("assertion", ["len(text(waves)) > 0", "text(waves) + text(waves) != \"\"", "waves == waves",
                                       "text(waves) > \"\""])
def test_one_step_that_costs_the_whole_plan_is_charged_for_it(tmp_path: Path, assertion: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # `len(text(waves))` for each of 8,000 waves was 8.7 s of evaluation before WV308: each step counted 1, so
    # the budget (about 1.7 million) was spent one tick at a time. The budget counts the characters and items each
    # step handles, so it is spent in a few steps. Counted, not timed: no test asserts a time.
    from wavec.diagnostics import Sink
    from wavec.policy import Engine
    from wavec.policy.runtime import Env

    waves = "\n".join(f'  wave w{i} {{ regions = ["eu-west-1"] }}' for i in range(8000))
    path = tmp_path / "big.wave"
    path.write_text('policy t {\n rule T001 "t" {\n for = waves\n assert = ' + assertion + '\n }\n}\n'
                    'pipeline big {\n policies = [t]\n source s3 { bucket = "b" key = "k" }\n'
                    ' deploy { local { run = "d" rollback = "r" } }\n' + waves + "\n}\n", encoding="utf-8")
    result = check([path], target_constraints=False)
    (pipeline,) = result.pipelines
    ticks = 0
    tick = Env.tick

    def counted(self: Env, n: int = 1) -> None:
        nonlocal ticks
        ticks += 1
        tick(self, n)

    monkeypatch.setattr(Env, "tick", counted)
    sink = Sink()
    Engine(sink, result.modules).enforce(pipeline, pipeline.policies)
    assert [d.code for d in sink] == ["WV308"]
    assert ticks < 10_000, ticks  # one tick per step would be the whole budget: 1.7 million
