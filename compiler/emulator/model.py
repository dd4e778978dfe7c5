"""The pipeline the emulator executes, read from a CreatePipeline body or a ``get-pipeline`` dump, and validated.

Validation is the emulator's promise not to guess: every action provider, rule type, result and field it
meets must be one a rule of ``docs/emulator.md`` covers, or the pipeline is refused with a
:class:`Refusal` naming the place (``stages[3].onSuccess…``) and the rule. Nothing here runs anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..records import field, record
from ..schedule.cron import CronError, parse_cron


class Refusal(Exception):
    """A pipeline (or stand-in table, or scenario) the emulator will not run: the message says why."""


# (category, owner, provider) → how the emulator treats the action.
#   source: succeeds, sets its namespace's variables; commands: runs locally; approval: the scenario decides;
#   opaque: what it does on AWS is the stand-in's business (no stand-in: it succeeds);
#   statemachine: a Step Functions execution in moto's ASL interpreter (rule 63; a stand-in replaces it);
#   lambda: the template's inline function, run here (emulator/functions.py), else refused unless stood in.
ACTION_KINDS: dict[tuple[str, str, str], str] = {
    ("Source", "AWS", "CodeStarSourceConnection"): "source",
    ("Source", "AWS", "CodeCommit"): "source",
    ("Source", "AWS", "S3"): "source",
    ("Source", "AWS", "ECR"): "source",
    ("Compute", "AWS", "Commands"): "commands",
    ("Approval", "AWS", "Manual"): "approval",
    ("Build", "AWS", "CodeBuild"): "opaque",
    ("Test", "AWS", "CodeBuild"): "opaque",
    ("Deploy", "AWS", "CloudFormation"): "opaque",
    ("Deploy", "AWS", "CloudFormationStackSet"): "opaque",
    ("Deploy", "AWS", "CloudFormationStackInstances"): "opaque",
    ("Deploy", "AWS", "CodeDeploy"): "opaque",
    ("Deploy", "AWS", "CodeDeployToECS"): "opaque",
    ("Deploy", "AWS", "ECS"): "opaque",
    ("Deploy", "AWS", "S3"): "opaque",
    ("Deploy", "AWS", "ElasticBeanstalk"): "opaque",
    ("Deploy", "AWS", "AppConfig"): "opaque",
    ("Invoke", "AWS", "Lambda"): "lambda",
    ("Invoke", "AWS", "StepFunctions"): "statemachine",
}
RULE_PROVIDERS = frozenset({"CloudWatchAlarm", "DeploymentWindow", "Commands", "VariableCheck", "LambdaInvoke"})

# Rule 18: the service's action timeouts, in minutes (CloudFormation 3 days, CodeDeploy 5 days, Commands 55
# minutes, S3 deploy 90 minutes, Lambda 24 h, Step Functions 7 days, manual approval 7 days, others 1 h).
TIMEOUT_MINUTES: dict[str, int] = {
    "CloudFormation": 3 * 24 * 60, "CloudFormationStackSet": 3 * 24 * 60, "CloudFormationStackInstances": 3 * 24 * 60,
    "CodeDeploy": 5 * 24 * 60, "CodeDeployToECS": 5 * 24 * 60, "Commands": 55, "Lambda": 24 * 60,
    "StepFunctions": 7 * 24 * 60, "Manual": 7 * 24 * 60,
}
DEFAULT_TIMEOUT_MINUTES = 60

_VARIABLE = re.compile(r"#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_]+)\}")
_UTC_OFFSET = re.compile(r"UTC([+-])(\d{2}):(\d{2})")


@record
class Rule:
    """One rule of a condition (API ``RuleDeclaration``)."""

    name: str
    provider: str
    configuration: Mapping[str, str]
    commands: tuple[str, ...]
    region: str | None
    timeout_minutes: int | None
    where: str


@record
class Condition:
    """A condition: its result and its 1–5 rules (rules 25–26)."""

    result: str
    rules: tuple[Rule, ...]


@record
class OnFailure:
    """A stage's ``onFailure``: ``ROLLBACK`` (optionally with conditions) or ``RETRY`` with its mode."""

    result: str
    retry_mode: str | None
    condition: Condition | None


@record
class Action:
    """One action (API ``ActionDeclaration``), with the emulator's treatment in ``kind``."""

    name: str
    category: str
    owner: str
    provider: str
    kind: str
    run_order: int
    configuration: Mapping[str, str]
    commands: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]
    region: str | None
    role_arn: str | None
    namespace: str | None
    timeout_minutes: int
    where: str


@record
class Stage:
    """One stage: actions and the three condition blocks."""

    name: str
    actions: tuple[Action, ...]
    before_entry: Condition | None
    on_success: Condition | None
    on_failure: OnFailure | None

    @property
    def groups(self) -> list[tuple[int, list[Action]]]:
        """The actions by ``runOrder``, ascending (rules 13–15)."""
        orders = sorted({a.run_order for a in self.actions})
        return [(o, [a for a in self.actions if a.run_order == o]) for o in orders]

    @property
    def deploys(self) -> list[Action]:
        """The stage's ``Deploy`` actions."""
        return [a for a in self.actions if a.category == "Deploy"]


@record
class Pipeline:
    """A validated pipeline declaration."""

    name: str
    pipeline_type: str
    execution_mode: str
    role_arn: str | None
    stages: tuple[Stage, ...]
    region: str | None
    document: str  # "CreatePipeline" or "GetPipeline"
    notes: tuple[str, ...] = field(default_factory=tuple)
    # Region → the KMS key of that region's artifact store (None: the AWS-managed key); "*" for `artifactStore`.
    artifact_keys: Mapping[str, str | None] = field(default_factory=dict)

    def artifact_key(self, region: str | None) -> str | None:
        """The key of the artifact store an action in ``region`` reads (rule 54: one store per region)."""
        keys = self.artifact_keys
        return keys.get("*") if "*" in keys else keys.get(region or self.region or "")

    def account(self) -> str | None:
        """The pipeline's account, from its role ARN."""
        return arn_account(self.role_arn)


def arn_account(arn: str | None) -> str | None:
    """The account field of an ARN, if it has one."""
    if not arn:
        return None
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def variables_in(text: str) -> list[tuple[str, str]]:
    """The ``#{namespace.name}`` references of a string, in order."""
    return _VARIABLE.findall(text)


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Replace ``#{ns.name}`` with ``values["ns.name"]``; the caller has checked every reference resolves."""
    return _VARIABLE.sub(lambda m: values[f"{m.group(1)}.{m.group(2)}"], text)


def zone_name(text: str, where: str) -> str:
    """The IANA zone for a ``DeploymentWindow`` ``TimeZone`` (rule 40); ambiguous or unknown ones are refused."""
    if text in ("UTC", "GMT"):
        return "UTC"
    offset = _UTC_OFFSET.fullmatch(text)
    if offset:
        sign, hours, minutes = offset.groups()
        if minutes != "00" or int(hours) > 14:
            raise Refusal(f"{where}: TimeZone {text!r}: only whole-hour UTC offsets are evaluated by the emulator")
        if int(hours) == 0:
            return "UTC"
        # The Etc/GMT zones have POSIX signs: UTC+05:00 is Etc/GMT-5.
        return f"Etc/GMT{'-' if sign == '+' else '+'}{int(hours)}"
    if "/" in text:
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise Refusal(f"{where}: TimeZone {text!r} is not a time zone of the tz database") from None
        return text
    raise Refusal(f"{where}: TimeZone {text!r} is an abbreviation; abbreviations are ambiguous (rule 40: CST is "
                  "both US Central and China Standard Time): write Region/City or UTC±HH:MM")


# ----------------------------------------------------------------------------------------------- reading


class _Reader:
    def __init__(self) -> None:
        self.notes: list[str] = []

    @staticmethod
    def obj(value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Refusal(f"{where}: expected an object, found {_kind(value)}")
        return value

    @staticmethod
    def text(value: Any, where: str, *, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value:
            raise Refusal(f"{where}: expected a non-empty string, found {_kind(value)}")
        return value

    def string(self, value: Any, where: str) -> str:
        out = self.text(value, where)
        assert out is not None
        return out

    @staticmethod
    def integer(value: Any, where: str, lo: int, hi: int, default: int | None = None) -> int:
        if value is None and default is not None:
            return default
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise Refusal(f"{where}: expected an integer from {lo} to {hi}, found {value!r}")
        return value

    def config(self, value: Any, where: str) -> dict[str, str]:
        if value is None:
            return {}
        conf = self.obj(value, where)
        for key, item in conf.items():
            if not isinstance(item, str):
                raise Refusal(f"{where}.{key}: configuration values are strings, found {_kind(item)}")
        return conf

    def commands(self, value: Any, where: str, required: bool) -> tuple[str, ...]:
        if value is None and not required:
            return ()
        if not isinstance(value, list) or not 1 <= len(value) <= 50:
            raise Refusal(f"{where}: expected a list of 1 to 50 commands (rule 67)")
        return tuple(self.string(c, f"{where}[{i}]") for i, c in enumerate(value))

    # ------------------------------------------------------------------ pieces

    def rule(self, raw: Any, where: str) -> Rule:
        raw = self.obj(raw, where)
        name = self.string(raw.get("name"), f"{where}.name")
        type_id = self.obj(raw.get("ruleTypeId"), f"{where}.ruleTypeId")
        provider = self.string(type_id.get("provider"), f"{where}.ruleTypeId.provider")
        if type_id.get("category", "Rule") != "Rule" or type_id.get("owner", "AWS") != "AWS" \
                or provider not in RULE_PROVIDERS:
            raise Refusal(f"{where}: rule type {type_id.get('category')}/{type_id.get('owner')}/{provider} is not "
                          f"one the emulator knows (known: {', '.join(sorted(RULE_PROVIDERS))}); it will not guess "
                          "what it does")
        conf = self.config(raw.get("configuration"), f"{where}.configuration")
        commands = self.commands(raw.get("commands"), f"{where}.commands", provider == "Commands")
        timeout = None
        if raw.get("timeoutInMinutes") is not None:
            timeout = self.integer(raw.get("timeoutInMinutes"), f"{where}.timeoutInMinutes", 5, 86400)
        rule = Rule(name, provider, conf, commands, self.text(raw.get("region"), f"{where}.region", optional=True),
                    timeout, where)
        self._check_rule(rule)
        return rule

    def _check_rule(self, rule: Rule) -> None:
        conf, where = rule.configuration, rule.where
        if rule.provider == "CloudWatchAlarm":
            self.string(conf.get("AlarmName"), f"{where}.configuration.AlarmName")
            states = conf.get("AlarmStates")
            if states is not None and states != "ALARM":
                # Rule 34: AlarmStates' default and meaning are undocumented; only the value whose effect
                # the documentation describes (watching for ALARM) is emulated.
                raise Refusal(f"{where}: AlarmStates {states!r}: the documentation gives no meaning for it "
                              "(rule 34); the emulator runs only AlarmStates = ALARM or none")
            if conf.get("WaitTime") is not None:
                self.integer(conf.get("WaitTime"), f"{where}.configuration.WaitTime", 0, 10**6)
        elif rule.provider == "DeploymentWindow":
            cron = self.string(conf.get("Cron"), f"{where}.configuration.Cron")
            try:
                parse_cron(cron)
            except CronError as exc:
                raise Refusal(f"{where}: Cron {cron!r} cannot be evaluated: {exc}") from None
            zone_name(conf.get("TimeZone", "UTC"), f"{where}.configuration.TimeZone")
        elif rule.provider == "VariableCheck":
            for key in ("Variable", "Value", "Operator"):
                self.string(conf.get(key), f"{where}.configuration.{key}")
            if conf["Operator"] not in ("EQ", "NE", "CONTAINS", "MATCHES"):
                raise Refusal(f"{where}: VariableCheck Operator {conf['Operator']!r} is not EQ, NE, CONTAINS or "
                              "MATCHES (rule 42)")
        elif rule.provider == "LambdaInvoke":
            self.string(conf.get("FunctionName"), f"{where}.configuration.FunctionName")

    def condition_block(self, raw: Any, where: str, results: tuple[str, ...]) -> Condition:
        raw = self.obj(raw, where)
        conditions = raw.get("conditions")
        if not isinstance(conditions, list) or len(conditions) != 1:
            raise Refusal(f"{where}.conditions: a block holds exactly one condition (rule 25)")
        return self.condition(conditions[0], f"{where}.conditions[0]", results)

    def condition(self, raw: Any, where: str, results: tuple[str, ...]) -> Condition:
        raw = self.obj(raw, where)
        result = self.string(raw.get("result"), f"{where}.result")
        if result not in results:
            raise Refusal(f"{where}.result: {result!r} is not allowed here; allowed: {', '.join(results)} (rule 24)")
        rules = raw.get("rules")
        if not isinstance(rules, list) or not 1 <= len(rules) <= 5:
            raise Refusal(f"{where}.rules: a condition holds 1 to 5 rules (rule 25)")
        parsed = tuple(self.rule(r, f"{where}.rules[{i}]") for i, r in enumerate(rules))
        names = [r.name for r in parsed]
        if len(set(names)) != len(names):
            raise Refusal(f"{where}.rules: two rules share a name")
        return Condition(result, parsed)

    def on_failure(self, raw: Any, where: str) -> OnFailure:
        raw = self.obj(raw, where)
        result = self.string(raw.get("result"), f"{where}.result")
        # Rule 22 (CONTRADICTORY: the API allows FAIL and SKIP too): only ROLLBACK and RETRY are emulated.
        if result not in ("ROLLBACK", "RETRY"):
            raise Refusal(f"{where}.result: {result!r}: the emulator runs onFailure ROLLBACK or RETRY only (rule 22)")
        condition = None
        if raw.get("conditions") is not None:
            if result == "RETRY":
                raise Refusal(f"{where}: RETRY with conditions is refused (rule 22: the documentation says automatic "
                              "retry cannot be used with onFailure conditions)")
            block = raw["conditions"]
            if not isinstance(block, list) or len(block) != 1:
                raise Refusal(f"{where}.conditions: a block holds exactly one condition (rule 25)")
            condition = self.condition(block[0], f"{where}.conditions[0]", ("ROLLBACK",))
        mode = None
        if result == "RETRY":
            retry = self.obj(raw.get("retryConfiguration"), f"{where}.retryConfiguration")
            mode = self.string(retry.get("retryMode"), f"{where}.retryConfiguration.retryMode")
            if mode not in ("FAILED_ACTIONS", "ALL_ACTIONS"):
                raise Refusal(f"{where}.retryConfiguration.retryMode: {mode!r} is not FAILED_ACTIONS or ALL_ACTIONS "
                              "(rule 20)")
        return OnFailure(result, mode, condition)

    def action(self, raw: Any, where: str) -> Action:
        raw = self.obj(raw, where)
        name = self.string(raw.get("name"), f"{where}.name")
        type_id = self.obj(raw.get("actionTypeId"), f"{where}.actionTypeId")
        category = self.string(type_id.get("category"), f"{where}.actionTypeId.category")
        owner = self.string(type_id.get("owner"), f"{where}.actionTypeId.owner")
        provider = self.string(type_id.get("provider"), f"{where}.actionTypeId.provider")
        kind = ACTION_KINDS.get((category, owner, provider))
        if kind is None:
            raise Refusal(f"{where} ({name}): action provider {category}/{owner}/{provider} is not one the emulator "
                          "knows; it will not guess what it does (known: "
                          + ", ".join(sorted({f"{c}/{p}" for c, _, p in ACTION_KINDS})) + ")")
        run_order = self.integer(raw.get("runOrder"), f"{where}.runOrder", 1, 999, default=1)  # rule 13
        commands = self.commands(raw.get("commands"), f"{where}.commands", provider == "Commands")
        env: list[tuple[str, str]] = []
        for i, var in enumerate(raw.get("environmentVariables") or []):
            var = self.obj(var, f"{where}.environmentVariables[{i}]")
            if var.get("type", "PLAINTEXT") != "PLAINTEXT":
                raise Refusal(f"{where}.environmentVariables[{i}]: type {var.get('type')!r}: secrets are not "
                              "emulated (only PLAINTEXT)")
            env.append((self.string(var.get("name"), f"{where}.environmentVariables[{i}].name"),
                        str(var.get("value", ""))))
        timeout = TIMEOUT_MINUTES.get(provider, DEFAULT_TIMEOUT_MINUTES)
        if raw.get("timeoutInMinutes") is not None:
            if kind != "approval":  # rule 19
                raise Refusal(f"{where}.timeoutInMinutes: only manual approval actions take a timeout (rule 19)")
            timeout = self.integer(raw.get("timeoutInMinutes"), f"{where}.timeoutInMinutes", 5, 86400)  # rule 50
        return Action(name, category, owner, provider, kind, run_order,
                      self.config(raw.get("configuration"), f"{where}.configuration"), commands, tuple(env),
                      self.text(raw.get("region"), f"{where}.region", optional=True),
                      self.text(raw.get("roleArn"), f"{where}.roleArn", optional=True),
                      self.text(raw.get("namespace"), f"{where}.namespace", optional=True), timeout, where)

    def stage(self, raw: Any, where: str, first: bool, v2: bool) -> Stage:
        raw = self.obj(raw, where)
        name = self.string(raw.get("name"), f"{where}.name")
        actions = raw.get("actions")
        if not isinstance(actions, list) or not 1 <= len(actions) <= 50:
            raise Refusal(f"{where}.actions: a stage holds 1 to 50 actions (rule 66)")
        parsed = tuple(self.action(a, f"{where}.actions[{i}]") for i, a in enumerate(actions))
        names = [a.name for a in parsed]
        if len(set(names)) != len(names):
            raise Refusal(f"{where}: two actions share a name")
        has_source = any(a.kind == "source" for a in parsed)
        if has_source and not first:
            raise Refusal(f"{where}: only the first stage may hold source actions (rule 2)")
        if first and not has_source:
            raise Refusal(f"{where}: the first stage must hold the source actions (rule 2)")
        blocks = {k: raw.get(k) for k in ("beforeEntry", "onSuccess", "onFailure") if raw.get(k) is not None}
        if blocks and not v2:
            raise Refusal(f"{where}: stage conditions ({', '.join(blocks)}) need pipelineType V2 (section 2)")
        entry = success = None
        failure = None
        if "beforeEntry" in blocks:
            entry = self.condition_block(blocks["beforeEntry"], f"{where}.beforeEntry", ("FAIL", "SKIP"))
            if entry.result == "SKIP" and any(r.provider not in ("LambdaInvoke", "VariableCheck")
                                              for r in entry.rules):
                raise Refusal(f"{where}.beforeEntry: SKIP takes only LambdaInvoke and VariableCheck rules (rule 29)")
        if "onSuccess" in blocks:
            success = self.condition_block(blocks["onSuccess"], f"{where}.onSuccess", ("ROLLBACK", "FAIL"))
        if "onFailure" in blocks:
            failure = self.on_failure(blocks["onFailure"], f"{where}.onFailure")
        rolls_back = (success is not None and success.result == "ROLLBACK") or \
            (failure is not None and failure.result == "ROLLBACK")
        if rolls_back and has_source:
            raise Refusal(f"{where}: a source stage cannot be rolled back (rule 46)")
        return Stage(name, parsed, entry, success, failure)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)


def read_pipeline(document: Any) -> Pipeline:
    """Validate a CreatePipeline body (``{"pipeline": …, "tags": …}``) or a ``get-pipeline`` dump
    (``{"pipeline": …, "metadata": …}``); raises :class:`Refusal`."""
    reader = _Reader()
    if isinstance(document, dict) and "Resources" in document:
        raise Refusal("this is a CloudFormation template; give the CreatePipeline JSON "
                      "(`wavec build FILE --target codepipeline`) or a `get-pipeline` dump")
    if not isinstance(document, dict) or not isinstance(document.get("pipeline"), dict):
        raise Refusal("expected a CreatePipeline body or a get-pipeline dump: an object with a `pipeline` object")
    raw = document["pipeline"]
    kind = "GetPipeline" if "metadata" in document else "CreatePipeline"
    name = reader.string(raw.get("name"), "pipeline.name")
    pipeline_type = raw.get("pipelineType", "V1")
    if pipeline_type not in ("V1", "V2"):
        raise Refusal(f"pipeline.pipelineType: {pipeline_type!r} is not V1 or V2")
    mode = raw.get("executionMode", "SUPERSEDED")
    if mode not in ("SUPERSEDED", "QUEUED", "PARALLEL"):
        raise Refusal(f"pipeline.executionMode: {mode!r} is not SUPERSEDED, QUEUED or PARALLEL")
    if mode != "SUPERSEDED" and pipeline_type != "V2":
        raise Refusal(f"pipeline.executionMode {mode} needs pipelineType V2 (rule 9)")
    stages = raw.get("stages")
    if not isinstance(stages, list) or not 2 <= len(stages) <= 50:
        raise Refusal("pipeline.stages: a pipeline holds 2 to 50 stages (rules 2, 66)")
    parsed = tuple(reader.stage(s, f"pipeline.stages[{i}]", i == 0, pipeline_type == "V2")
                   for i, s in enumerate(stages))
    names = [s.name for s in parsed]
    if len(set(names)) != len(names):
        raise Refusal("pipeline.stages: two stages share a name")
    if sum(len(s.actions) for s in parsed) > 500:
        raise Refusal("pipeline.stages: more than 500 actions (rule 66)")
    if mode == "PARALLEL":
        for stage in parsed:
            results = [c.result for c in (stage.before_entry, stage.on_success) if c is not None]
            if stage.on_failure is not None:
                results.append(stage.on_failure.result)
            if "ROLLBACK" in results:
                raise Refusal(f"stage {stage.name}: PARALLEL mode forbids rollback; a ROLLBACK result cannot be "
                              "added (rule 11)")
    region = None
    metadata = document.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("pipelineArn"), str):
        parts = metadata["pipelineArn"].split(":")
        region = parts[3] if len(parts) > 3 and parts[3] else None
    return Pipeline(name, pipeline_type, mode, reader.text(raw.get("roleArn"), "pipeline.roleArn", optional=True),
                    parsed, region, kind, tuple(reader.notes), _artifact_keys(reader, raw))


def _artifact_keys(reader: _Reader, raw: dict[str, Any]) -> dict[str, str | None]:
    """Each artifact store's key: ``artifactStores`` (region → store) or the one ``artifactStore`` (rule 54)."""
    if raw.get("artifactStore") is not None and raw.get("artifactStores") is not None:
        raise Refusal("pipeline: `artifactStore` and `artifactStores` are exclusive (rule 54)")
    if raw.get("artifactStore") is not None:
        stores = {"*": reader.obj(raw["artifactStore"], "pipeline.artifactStore")}
    else:
        found = reader.obj(raw.get("artifactStores") or {}, "pipeline.artifactStores")
        stores = {str(r): reader.obj(v, f"pipeline.artifactStores.{r}") for r, v in found.items()}
    keys: dict[str, str | None] = {}
    for region, store in sorted(stores.items()):
        key = store.get("encryptionKey")
        keys[region] = str(reader.obj(key, f"{region} store.encryptionKey").get("id")) if key is not None else None
    return keys
