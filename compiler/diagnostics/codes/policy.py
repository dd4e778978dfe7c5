"""Codes of the policy language (WV3xx): rule expressions, loading policies, evaluation limits."""

from __future__ import annotations

from ..model import Severity
from . import Code, collect, maker

E, W = Severity.ERROR, Severity.WARNING


_c = maker("policy", E)


POLICY_TYPE_ERROR = _c(
    "WV301", "policy type error",
    "Reports an operator or builtin applied to values it does not combine in a policy expression: a "
    "duration compared with a number, `and` on a string, `sum` of strings.",
    "Units are types: `1h > 5` has no meaning (5 what?), so it is an error when the policy is compiled, "
    "not a rule that silently never fires.",
    "policy team {\n  rule HO004 \"bake long enough\" {\n    for    = waves\n    assert = this.bake >= 3600\n  }\n}",
    "policy team {\n  rule HO004 \"bake long enough\" {\n    for    = waves\n    assert = this.bake >= 1h\n  }\n}")
POLICY_UNKNOWN_ATTRIBUTE = _c(
    "WV302", "unknown attribute in a policy",
    "Reports `x.name` where the object kind of `x` in the policy model has no attribute `name`, or `x` is "
    "not an object.",
    "A misspelt attribute would make the rule check nothing; the model's attributes are listed in "
    "docs/policies.md.",
    "policy team {\n  rule R1 \"waves bake\" {\n    for    = waves\n    assert = this.bake_time >= 1h\n  }\n}",
    "policy team {\n  rule R1 \"waves bake\" {\n    for    = waves\n    assert = this.bake >= 1h\n  }\n}")
POLICY_UNKNOWN_NAME = _c(
    "WV303", "unknown name in a policy",
    "Reports a bare name in a policy expression that is not `this`, a lambda parameter, a model root "
    "(`pipeline stages steps waves gates windows deploys`), a `let` of the policy's module or an enum member.",
    "An unknown name is a typo; the rule cannot be evaluated.",
    "policy team {\n  rule R1 \"tests run\" {\n    for    = pipeline\n"
    "    assert = any(steps, s => s.kind == tests)\n  }\n}",
    "policy team {\n  rule R1 \"tests run\" {\n    for    = pipeline\n"
    "    assert = any(steps, s => s.kind == test)\n  }\n}")
UNKNOWN_FUNCTION_OR_ARITY = _c(
    "WV304", "unknown function or wrong arity",
    "Reports a call of a function that is not a builtin, or a builtin called with the wrong number of "
    "arguments.",
    "Policy code can only call the builtins; each has a fixed signature (`wavec explain` lists them in "
    "docs/policies.md).",
    "policy team {\n  rule R1 \"few regions\" {\n    for    = waves\n    assert = length(this.regions) <= 3\n  }\n}",
    "policy team {\n  rule R1 \"few regions\" {\n    for    = waves\n    assert = len(this.regions) <= 3\n  }\n}")
RULE_PART_WRONG_TYPE = _c(
    "WV305", "rule part of the wrong type",
    "Reports a `for` that yields neither an object nor a list, or a `where`/`assert` that is not a bool.",
    "`for` says what the rule inspects, `assert` what must be true of each item: a number there is a "
    "mistake (often a missing comparison).",
    "policy team {\n  rule R1 \"one region first\" {\n    for    = first(waves)\n    assert = len(this.regions)\n"
    "  }\n}",
    "policy team {\n  rule R1 \"one region first\" {\n    for    = first(waves)\n"
    "    assert = len(this.regions) == 1\n  }\n}")
UNSAFE_REGEX = _c(
    "WV306", "unusable regular expression",
    "Reports a `matches` pattern that RE2 cannot run (a backreference, lookaround, `\\Z`, a repetition over "
    "1,000), one over 256 characters, or one that is not a valid regular expression.",
    "Policy checks run in pre-commit hooks and CI; `matches` uses RE2, which searches in time linear in the "
    "string whatever the pattern, and so has no backtracking features.",
    "policy team {\n  rule R1 \"plain wave names\" {\n    for    = waves\n"
    "    assert = not matches(this.name, \"^(a+)\\\\1$\")\n  }\n}",
    "policy team {\n  rule R1 \"plain wave names\" {\n    for    = waves\n"
    "    assert = not matches(this.name, \"^(a+)(a+)$\")\n  }\n}")
DUPLICATE_RULE_CODE = _c(
    "WV307", "duplicate rule code",
    "Reports two rules with one code among the policies enforced on a pipeline (or a rule that reuses a "
    "built-in `WV` code).",
    "`allow CODE`, `ignore` and `severity` name rules by code; a shared code would make them ambiguous.",
    "policy a {\n  rule TEAM001 \"waves bake\" { for = waves  assert = this.bake >= 30m }\n}\npolicy b {\n"
    "  rule TEAM001 \"waves have gates\" { for = waves  assert = len(this.gates) > 0 }\n}\n\npipeline shop {\n"
    "  policies = [a, b]\n  source s3 { bucket = \"shop-source\"  key = \"shop.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  gate health { alarms = [\"shop-5xx-${region}\"] }\n"
    "  wave eu { regions = [\"eu-west-1\"]  bake = 1h  gates = [health] }\n}",
    "policy a {\n  rule TEAM001 \"waves bake\" { for = waves  assert = this.bake >= 30m }\n}\npolicy b {\n"
    "  rule TEAM002 \"waves have gates\" { for = waves  assert = len(this.gates) > 0 }\n}\n\npipeline shop {\n"
    "  policies = [a, b]\n  source s3 { bucket = \"shop-source\"  key = \"shop.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  gate health { alarms = [\"shop-5xx-${region}\"] }\n"
    "  wave eu { regions = [\"eu-west-1\"]  bake = 1h  gates = [health] }\n}")
RULE_OVER_BUDGET = _c(
    "WV308", "rule over its budget",
    "Reports a rule whose evaluation on one pipeline did more work than its budget: steps, and the characters "
    "and items each step reads or makes (see docs/policies.md).",
    "Checks must stay fast and linear in the size of the plan; a rule that compares every wave with every "
    "other wave grows quadratically.",
    "let digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n\npolicy team {\n"
    "  rule R1 \"every five-digit code is positive\" {\n    for    = pipeline\n"
    "    assert = all(digits, a => all(digits, b => all(digits, c => all(digits, d => all(digits, e =>\n"
    "      a + b + c + d + e >= 0)))))\n  }\n}\n\npipeline shop {\n  policies = [team]\n"
    "  source s3 { bucket = \"shop-source\"  key = \"shop.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  wave first { regions = [\"eu-west-1\"]  bake = 1h }\n"
    "  wave rest  { regions = [\"us-east-1\", \"us-west-2\"]  bake = 2h }\n}",
    "policy team {\n  rule R1 \"bakes never shrink\" {\n    for    = waves\n"
    "    assert = this.next == none or this.bake <= this.next.bake\n  }\n}\n\npipeline shop {\n"
    "  policies = [team]\n  source s3 { bucket = \"shop-source\"  key = \"shop.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  wave first { regions = [\"eu-west-1\"]  bake = 1h }\n"
    "  wave rest  { regions = [\"us-east-1\", \"us-west-2\"]  bake = 2h }\n}")
RULE_EVALUATION_FAILED = _c(
    "WV309", "rule could not be evaluated",
    "Reports a rule that failed on an item: an attribute of `none`, a position out of range, a division by "
    "zero, an ordering comparison with `none`.",
    "The rule's outcome for that item is unknown, so it is neither passed nor silently skipped.",
    "policy team {\n  rule R1 \"sandbox in home region\" {\n    for    = stages\n"
    "    assert = this.environment.region == \"eu-west-1\"\n  }\n}\n\npipeline shop {\n  policies = [team]\n"
    "  source s3 { bucket = \"shop-source\"  key = \"shop.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  stage build { step compile { run = \"make\" } }\n  wave eu { regions = [\"eu-west-1\"] }\n}",
    "policy team {\n  rule R1 \"sandbox in home region\" {\n    for    = stages\n"
    "    where  = this.environment != none\n    assert = this.environment.region == \"eu-west-1\"\n  }\n}\n\n"
    "pipeline shop {\n  policies = [team]\n  source s3 { bucket = \"shop-source\"  key = \"shop.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  stage build { step compile { run = \"make\" } }\n  wave eu { regions = [\"eu-west-1\"] }\n}")
POLICY_NOT_FOUND = _c(
    "WV310", "configured policy not found",
    "Reports an entry of `[tool.wavec] policies` that names no module, or a module without policies.",
    "Configured policies are enforced on every pipeline; a typo must not silently enforce nothing.",
    '[tool.wavec]\npolicies = ["std/policies/handsoff"]', '[tool.wavec]\npolicies = ["std/policies/hands_off"]')
UNKNOWN_CONFIGURED_CODE = _c(
    "WV313", "unknown code in the configuration",
    "Reports a code in `[tool.wavec] ignore` or `severity` (or `wave.toml`), or in `wavec check --select`, "
    "`--extend-select` or `--ignore`, that is neither a built-in code nor a rule of a policy the check loaded "
    "(the standard library's, the configured ones, the files'), nor a prefix of one (`WV1`, `HO`).",
    "A misspelt code ignores nothing, or changes the severity of nothing: the finding it meant still fails "
    "the check, or a rule meant to become an error stays a warning.",
    '[tool.wavec]\nignore = ["WV9O8"]', '[tool.wavec]\nignore = ["WV908"]')
POLICY_NOT_ENFORCED = _c(
    "WV314", "policy imported and not enforced",
    "Reports an `import` of a module that holds only policies (`std/policies/hands_off`, a team's policy "
    "file) in a file whose pipelines enforce none of them, when the configuration's `policies` does not "
    "enforce it either.",
    "Importing a policy does not enforce it: only `policies = [...]` in the pipeline (or `policies` in the "
    "configuration) does. The file reads as governed and every rule of the policy is silently skipped.",
    "import \"std/policies/hands_off\"\n\npipeline shop {\n  role = \"arn:aws:iam::111122223333:role/shop\"\n"
    "  source s3 { bucket = \"shop-source\"  key = \"shop.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  wave eu { regions = [\"eu-west-1\"] }\n}",
    "import \"std/policies/hands_off\"\n\npipeline shop {\n  policies = [hands_off]\n"
    "  role = \"arn:aws:iam::111122223333:role/shop\"\n"
    "  source s3 { bucket = \"shop-source\"  key = \"shop.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  wave eu { regions = [\"eu-west-1\"] }\n}",
    Severity.WARNING)
ALLOW_UNKNOWN_RULE = _c(
    "WV311", "`allow` of an unknown rule",
    "Reports `allow CODE` where no loaded policy rule has that code.",
    "A misspelt code suppresses nothing, and the finding it meant to accept still fails the check.",
    "policy team {\n  rule PAY002 \"at most three regions at once\" {\n    for    = waves\n"
    "    assert = len(this.regions) <= 3\n  }\n}\n\npipeline shop {\n  policies = [team]\n"
    "  source s3 { bucket = \"shop-source\"  key = \"shop.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  wave world {\n    regions = [\"us-east-1\", \"us-west-2\", \"eu-west-1\", \"ap-southeast-1\"]\n"
    "    allow PAY02 \"four regions at once is fine here\"\n  }\n}",
    "policy team {\n  rule PAY002 \"at most three regions at once\" {\n    for    = waves\n"
    "    assert = len(this.regions) <= 3\n  }\n}\n\npipeline shop {\n  policies = [team]\n"
    "  source s3 { bucket = \"shop-source\"  key = \"shop.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  wave world {\n    regions = [\"us-east-1\", \"us-west-2\", \"eu-west-1\", \"ap-southeast-1\"]\n"
    "    allow PAY002 \"four regions at once is fine here\"\n  }\n}", W)
LAMBDA_OUT_OF_PLACE = _c(
    "WV312", "lambda out of place",
    "Reports a lambda (`x => …`) anywhere but as the last argument of a builtin that takes one.",
    "A lambda is a function for `any`, `all`, `count`, `sum`, `min`, `max`, `map` and `filter` to apply; "
    "alone it has no value.",
    "policy team {\n  rule R1 \"waves bake\" {\n    for    = waves\n    assert = w => w.bake > 1h\n  }\n}",
    "policy team {\n  rule R1 \"waves bake\" {\n    for    = waves\n    assert = this.bake > 1h\n  }\n}")

CODES: tuple[Code, ...] = collect(globals())
