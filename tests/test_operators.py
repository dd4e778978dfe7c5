"""One operator table, two languages: `+ - * /` and unary `-` answer the same in an attribute and in a policy rule.

Every operator with every pair of operand kinds is evaluated twice through `wavec check` — as a `let` value
(compile-time attribute evaluation) and as a policy rule expression — and both must give the result of the
table in `wavec.lang.operators`, or refuse the same way: the same "cannot …" with the same help, or the same
failure (a division by zero, an overflow). The table of docs/language.md is held to the code's table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from wavec import check
from wavec.config import Config
from wavec.diagnostics import Diagnostic
from wavec.lang import operators
from wavec.lang.values import Duration, Percent
from wavec.policy.builtins import text
from wavec.policy.compile import plain_value

from conftest import ROOT


@dataclass(frozen=True)
class Operand:
    """One operand as written in each language, and its value for computing what the table expects."""

    kind: str
    attribute: str
    policy: str
    value: Any = None


def _same(kind: str, written: str, value: Any = None) -> Operand:
    return Operand(kind, written, written, value)


# A left and a right sample of every kind; a block (`object`) is named differently in the two languages.
LEFT = [
    _same("number", "6", 6), _same("string", '"ab"', "ab"), _same("bool", "true"),
    _same("duration", "1h", Duration(3600)), _same("percent", "10%", Percent(10.0)), _same("clock", "09:00"),
    _same("list", '["a", "b"]', ("a", "b")), _same("map", '{a = "1"}'), _same("enum", "rollback"),
    _same("none", "none"), Operand("object", "g", "pipeline"),
]
RIGHT = [
    _same("number", "4", 4), _same("string", '"cd"', "cd"), _same("bool", "false"),
    _same("duration", "30m", Duration(1800)), _same("percent", "4%", Percent(4.0)), _same("clock", "10:30"),
    _same("list", '["b"]', ("b",)), _same("map", '{b = "2"}'), _same("enum", "halt"),
    _same("none", "none"), Operand("object", "g", "pipeline"),
]
# Operands of the right kinds whose result does not exist.
ZERO = [_same("number", "0", 0), _same("duration", "0s", Duration(0)), _same("percent", "0%", Percent(0.0))]
HUGE = _same("number", "99999999999999999", 99999999999999999)
# Too large for a float: Python raises OverflowError (an int) or gives inf (a decimal) — neither may escape.
VAST_INT = _same("number", "9" * 400, int("9" * 400))
VAST_DECIMAL = _same("number", "9" * 400 + ".5", float("9" * 400 + ".5"))


@dataclass(frozen=True)
class Case:
    """``left op right``, or ``op left`` when ``right`` is ``None`` (unary minus)."""

    op: str
    left: Operand
    right: Operand | None = None

    def written(self, language: str) -> str:
        left = getattr(self.left, language)
        return f"-{left}" if self.right is None else f"{left} {self.op} {getattr(self.right, language)}"

    @property
    def id(self) -> str:
        """``duration / duration``; a zero or huge operand is named by its text: ``duration / 0s``."""
        def name(o: Operand) -> str:
            if o in LEFT or o in RIGHT:
                return o.kind
            return o.attribute if len(o.attribute) < 20 else f"<{len(o.attribute)} characters>"
        if self.right is None:
            return f"-{name(self.left)}"
        return f"{name(self.left)} {self.op} {name(self.right)}"


CASES = (
    [Case(op, a, b) for op in operators.BINARY_OPS for a in LEFT for b in RIGHT]
    + [Case("-", a) for a in LEFT]
    + [Case("/", a, zero) for a in LEFT[3:5] for zero in ZERO if zero.kind in ("number", a.kind)]
    + [Case("/", LEFT[0], ZERO[0]), Case("*", LEFT[3], HUGE), Case("*", HUGE, LEFT[4]), Case("+", HUGE, HUGE)]
    + [Case("*", LEFT[3], VAST_DECIMAL), Case("/", VAST_INT, _same("number", "1.5", 1.5))]
)


@dataclass(frozen=True)
class Value:
    """An expression's value: its kind and how a policy `detail` writes it out."""

    kind: str
    text: str


@dataclass(frozen=True)
class Refused:
    """A refusal: ``cannot add`` (a type error, with its help) or a failure's reason (``division by zero``)."""

    reason: str
    help: str | None = None


Outcome = Value | Refused

_FAILURES = (operators.DIVIDES_BY_ZERO, operators.OVERFLOWS)


def _refused(d: Diagnostic) -> Refused:
    for reason in _FAILURES:
        if d.message.endswith(reason):
            return Refused(reason)
    if d.message.startswith("cannot "):
        return Refused(" ".join(d.message.split()[:2]), d.help)
    return Refused(d.message, d.help)  # not a refusal of the table: kept whole, so the case fails showing it


def _written(value: Any) -> str:
    return text(plain_value(value))


def expected(case: Case) -> Outcome:
    """What the table says."""
    if case.right is None:
        unary = operators.negation(case.left.kind)
        if unary is None:
            return Refused("cannot negate", operators.NEGATION_HELP)
        return Value(unary.result, _written(unary.compute(case.left.value)))
    rule = operators.binary(case.op, case.left.kind, case.right.kind)
    if rule is None:
        return Refused(f"cannot {operators.VERBS[case.op]}",
                       operators.refusal_help(case.op, case.left.kind, case.right.kind))
    try:
        return Value(rule.result, _written(rule.compute(case.left.value, case.right.value)))
    except operators.OperatorError as exc:
        return Refused(exc.reason)


def attribute_outcomes(folder: Path, exprs: list[str]) -> list[Outcome]:
    """Each expression as `let vN = …` in one file, through the checker."""
    path = folder / "attributes.wave"
    lines = ['gate g { alarms = ["a"] }'] + [f"let v{i} = {e}" for i, e in enumerate(exprs)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = check([path], Config())
    by_line: dict[int, Diagnostic] = {}
    for d in result.diagnostics:
        assert d.primary is not None and d.code in ("WV104", "WV120"), (d.code, d.message)
        by_line.setdefault(d.primary.line, d)
    (module,) = result.modules
    out: list[Outcome] = []
    for i in range(len(exprs)):
        d = by_line.get(i + 2)
        if d is not None:
            out.append(_refused(d))
        else:
            value = module.lets[f"v{i}"]
            out.append(Value(operators.kind_of(value), _written(value)))
    return out


# Compared with the result, a value of the kind the attribute gave proves the policy's static type is that kind.
PROBES = {"number": "0", "string": '""', "duration": "0s", "percent": "0%", "list": "[]"}
PIPELINE = ('pipeline p {\n  policies = [t]\n  source s3 { bucket = "b"  key = "k" }\n'
            '  deploy { local { run = "d"  rollback = "r" } }\n  wave w { regions = ["us-east-1"] }\n}\n')


def policy_outcomes(folder: Path, exprs: list[str], kinds: list[str | None]) -> list[Outcome]:
    """Each expression in a rule of one policy enforced on one pipeline: a finding's note is its value.

    ``kinds`` are the kinds the attribute path gave (``None`` when it refused): the rule compares the result
    with a value of that kind, so a policy type of another kind is a refusal (`cannot compare`).
    """
    path = folder / "policy.wave"
    lines = ["policy t {"]
    line_of: dict[int, int] = {}
    for i, (expr, kind) in enumerate(zip(exprs, kinds, strict=True)):
        probe = PROBES.get(kind or "", "none")
        # `and false`: the assertion fails after evaluating the expression, so its value is the finding's note.
        rule = [f'  rule R{i:03d} "case" {{', "    for = pipeline",
                f"    assert = ({expr}) == {probe} and false", f"    detail = {expr}", "  }"]
        for n in range(len(rule)):
            line_of[len(lines) + 1 + n] = i
        lines += rule
    path.write_text("\n".join(lines) + "\n}\n" + PIPELINE, encoding="utf-8")
    found: dict[int, Diagnostic] = {}
    for d in check([path], Config()).diagnostics:
        code = re.match(r"R(\d{3})$", d.code) or re.match(r"rule R(\d{3}) could not", d.message)
        if code is not None:
            found.setdefault(int(code.group(1)), d)
        else:
            assert d.primary is not None and d.code == "WV301", (d.code, d.message)
            found.setdefault(line_of[d.primary.line], d)
    out: list[Outcome] = []
    for i, kind in enumerate(kinds):
        d = found[i]
        if d.code.startswith("R"):
            out.append(Value(kind or "?", d.labels[0].message))
        else:
            out.append(_refused(d))
    return out


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Outcome, Outcome]]:
    """(attribute, policy) outcome of every case, from one check of each language."""
    folder = tmp_path_factory.mktemp("operators")
    attributes = attribute_outcomes(folder, [c.written("attribute") for c in CASES])
    kinds = [o.kind if isinstance(o, Value) else None for o in attributes]
    policies = policy_outcomes(folder, [c.written("policy") for c in CASES], kinds)
    return {c.id: (a, p) for c, a, p in zip(CASES, attributes, policies, strict=True)}


def test_every_kind_is_an_operand_on_both_sides() -> None:
    assert [o.kind for o in LEFT] == [o.kind for o in RIGHT] == list(operators.KINDS)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_attribute_and_policy_give_the_table_s_answer(outcomes: dict[str, tuple[Outcome, Outcome]],
                                                      case: Case) -> None:
    attribute, policy = outcomes[case.id]
    assert attribute == policy, f"`{case.written('attribute')}`: attribute {attribute}, policy {policy}"
    assert attribute == expected(case), f"`{case.written('attribute')}` disagrees with the table"


# ---------------------------------------------------------------- the documented table

def _doc_rows() -> list[list[str]]:
    doc = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    start = doc.index("| left | operator | right | result | example |")
    rows = []
    for line in doc[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_the_documented_table_is_the_table() -> None:
    documented: set[tuple[str, str, str, str]] = set()
    for left, ops, right, result, _ in _doc_rows():
        for op in re.findall(r"`([-+*/])`", ops):
            documented.add((op, left, right, result))
    in_code = {(op, lk, rk, r.result) for (op, lk, rk), r in operators.BINARY.items()}
    in_code |= {("-", "—", k, r.result) for k, r in operators.UNARY.items()}
    assert documented == in_code


def test_the_documented_examples_hold(tmp_path: Path) -> None:
    rows = _doc_rows()
    examples = [re.fullmatch(r"`(.+)` is `(.+)`", row[4]) for row in rows]
    assert all(m is not None for m in examples), "each example reads: `expression` is `value`"
    exprs = [m.group(1) for m in examples if m is not None]
    values = [m.group(2) for m in examples if m is not None]
    (tmp_path / "values").mkdir()
    want = attribute_outcomes(tmp_path / "values", values)  # the documented value, itself written in wave
    assert [w.kind if isinstance(w, Value) else w for w in want] == [row[3] for row in rows]
    assert attribute_outcomes(tmp_path, exprs) == want
    assert policy_outcomes(tmp_path, exprs, [row[3] for row in rows]) == want


def test_an_optional_operand_that_is_none_fails_the_item(tmp_path: Path) -> None:
    # `prometheus.max` is a number or none: the rule type-checks, and a none at run time is WV309, not a crash.
    path = tmp_path / "none.wave"
    path.write_text(
        'policy t {\n  rule R001 "neg" { for = gates  assert = -this.prometheus.max < 0 }\n'
        '  rule R002 "add" { for = gates  assert = this.prometheus.max + 1 > 0 }\n}\n'
        + PIPELINE.replace("  wave w {", '  gate g { prometheus { url = "http://x"  query = "q"  min = 1 } }\n'
                           '  wave w { gates = [g] ', 1),
        encoding="utf-8")
    assert [(d.code, d.message) for d in check([path], Config()).diagnostics] == [
        ("WV309", "rule R001 could not be evaluated for gate `g`: `-this.prometheus.max` has a none operand"),
        ("WV309", "rule R002 could not be evaluated for gate `g`: `this.prometheus.max + 1` has a none operand"),
    ]
