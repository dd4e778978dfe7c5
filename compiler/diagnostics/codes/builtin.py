"""Built-in codes of the front end: WV0xx syntax, WV1xx names and types, WV2xx graph."""

from __future__ import annotations

from ..model import Severity
from . import Code, collect, maker

E, W = Severity.ERROR, Severity.WARNING


_c = maker("builtin", E)


# ---------------------------------------------------------------------- syntax
SYNTAX_ERROR = _c(
    "WV001", "syntax error",
    "Reports input the grammar does not accept, and says what was expected there.",
    "`wavec` cannot know what a file means until it parses.",
    "wave first {\n  regions = [\"us-east-1\"]\n  bake = 1h)\n}",
    "wave first {\n  regions = [\"us-east-1\"]\n  bake = 1h\n}", context="pipeline")
UNEXPECTED_CHARACTER = _c(
    "WV002", "unexpected character",
    "Reports a character that cannot start any token here (`@`, `$` outside a string, …).",
    "Names are letters, digits and `_`; anything else that is data belongs in a string.",
    "let home = \"us-east-1\"\nwave first { regions = [@home] }",
    "let home = \"us-east-1\"\nwave first { regions = [home] }", context="pipeline")
UNTERMINATED_STRING = _c(
    "WV003", "unterminated string",
    "Reports a string whose closing `\"` is missing on its line.",
    "Strings do not span lines; a missing quote swallows the rest of the line.",
    "stage test {\n  step unit { run = \"make test }\n}",
    "stage test {\n  step unit { run = \"make test\" }\n}", context="pipeline")
MISSING_CLOSING_BRACE = _c(
    "WV004", "missing `}`",
    "Reports a block whose `{` is never closed, pointing at the `{`.",
    "The file ends inside the block, so everything after it would belong to it.",
    "pipeline hello {\n  source s3 { bucket = \"hello-source\"  key = \"hello.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  wave only { regions = [\"eu-west-1\"] }\n",
    "pipeline hello {\n  source s3 { bucket = \"hello-source\"  key = \"hello.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  wave only { regions = [\"eu-west-1\"] }\n}")
COLON_INSTEAD_OF_EQUALS = _c(
    "WV005", "`:` instead of `=`",
    "Reports `name: value`, the YAML/JSON way of writing an attribute.",
    "Attributes are written `name = value` in `.wave` files.",
    "wave first {\n  regions: [\"us-east-1\"]\n}",
    "wave first {\n  regions = [\"us-east-1\"]\n}", context="pipeline")
YAML_LIST = _c(
    "WV006", "YAML-style list",
    "Reports a line starting with `- `, a YAML list item.",
    "Lists are written in brackets, with commas.",
    "wave first {\n  regions = [\"us-east-1\"]\n    - \"eu-west-1\"\n}",
    "wave first {\n  regions = [\"us-east-1\", \"eu-west-1\"]\n}", context="pipeline")
HYPHEN_IN_NAME = _c(
    "WV007", "hyphen in a name",
    "Reports a name written with `-` (`first-wave`), or a region written without quotes "
    "(`us-east-1` reads as `us - east - 1`).",
    "Names are letters, digits and `_`; values with hyphens are strings.",
    "wave first-wave { regions = [us-east-1] }",
    "wave first_wave { regions = [\"us-east-1\"] }", context="pipeline")
UNKNOWN_ESCAPE = _c(
    "WV008", "unknown escape",
    "Reports a backslash escape other than `\\\"`, `\\\\` and `\\n` in a string.",
    "An unknown escape is almost always a Windows path or a regular expression that needs `\\\\`.",
    "stage checks {\n  step s { run = \"grep \\d+ log\" }\n}",
    "stage checks {\n  step s { run = \"grep \\\\d+ log\" }\n}", context="pipeline")
INVALID_NUMBER = _c(
    "WV009", "invalid number or duration",
    "Reports a number with a suffix that is not a duration unit (`30sec`, `2hours`).",
    "Durations are whole numbers with the units `d h m s`, largest first.",
    "wave first { regions = [\"us-east-1\"]  bake = 30mins }",
    "wave first { regions = [\"us-east-1\"]  bake = 30m }", context="pipeline")
INVALID_TIME_OF_DAY = _c(
    "WV010", "invalid time of day",
    "Reports a clock outside `00:00`–`23:59`.",
    "Window hours are 24-hour times of day.",
    "window office { days = [mon] hours = [09:00, 24:00] }",
    "window office { days = [mon] hours = [09:00, 23:59] }")
MALFORMED_INTERPOLATION = _c(
    "WV011", "malformed interpolation",
    "Reports `${` that is never closed or does not hold one name.",
    "Interpolation inserts one known value; anything else is a typo or a literal `${` that needs `$${`.",
    "stage test {\n  step s { run = \"echo ${stage\" }\n}",
    "stage test {\n  step s { run = \"echo ${stage} $${HOME}\" }\n}", context="pipeline")
RESERVED_WORD = _c(
    "WV012", "reserved word as a name",
    "Reports one of the reserved words (`import as let allow true false none and or not in`) used "
    "as a name.",
    "Reserved words have a meaning of their own in the grammar.",
    "let in = 1", "let inbound = 1")
MISSING_EQUALS = _c(
    "WV013", "missing `=`",
    "Reports an attribute written without `=`, which the parser reads as the start of a block.",
    "`name value` is the header of a block; an attribute needs `=`.",
    "gate health {\n  alarms [\"5xx-${region}\"]\n  on_breach = rollback\n}",
    "gate health {\n  alarms    = [\"5xx-${region}\"]\n  on_breach = rollback\n}")
NOT_UTF8 = _c(
    "WV014", "not UTF-8",
    "Reports a file that is not valid UTF-8.",
    "`.wave` files are UTF-8, so that every tool reads them the same way.",
    "(a file saved as Latin-1 with `é` in a comment)", "(the same file saved as UTF-8)")
MISSING_COMMA = _c(
    "WV015", "missing `,` in a list",
    "Reports two list items with no comma between them.",
    "List items are separated by commas.",
    "wave w { regions = [\"us-east-1\" \"eu-west-1\"] }",
    "wave w { regions = [\"us-east-1\", \"eu-west-1\"] }", context="pipeline")
SEPARATOR_BETWEEN_ATTRIBUTES = _c(
    "WV016", "separator between attributes",
    "Reports `;` or `,` between attributes of a block.",
    "Attributes and blocks need no separators; `,` separates list items and map entries only.",
    "stage test {\n  step unit { kind = test, run = \"make test\" }\n}",
    "stage test {\n  step unit { kind = test  run = \"make test\" }\n}", context="pipeline")
SINGLE_QUOTED_STRING = _c(
    "WV017", "single-quoted string",
    "Reports a string in single quotes.",
    "Strings use double quotes.",
    "wave w { regions = ['us-east-1'] }",
    "wave w { regions = [\"us-east-1\"] }", context="pipeline")
FILE_TOO_LARGE = _c(
    "WV018", "file too large",
    "Reports a `.wave` file larger than 16 MiB, without reading further.",
    "No real pipeline is this large; the limit keeps a pre-commit hook from stalling on a stray file.",
    "(a 20 MiB generated file)", "(several files, one pipeline each)")
NESTING_TOO_DEEP = _c(
    "WV019", "nesting too deep",
    "Reports blocks and expressions nested more than 64 levels deep, `let` values defined through more "
    "than 64 others, or imports chained through more than 64 modules.",
    "Such input is generated or broken; bounding it keeps every later step safe and fast.",
    "(a `let` whose list is nested 100 levels deep: `[[[[ … ]]]]`)",
    "let inner = [\"us-east-1\"]\nlet x = [inner]")
STRING_TOO_LONG = _c(
    "WV020", "string too long",
    "Reports a string literal longer than 65,536 characters.",
    "Long scripts belong in files of the repository, where they can be reviewed and tested.",
    "(a step whose `run` string holds 100 KB of shell)",
    "stage release {\n  step s { run = \"./scripts/release.sh\" }\n}", context="pipeline")
LINK_OUT_OF_PROJECT = _c(
    "WV021", "link out of the project",
    "Reports a `.wave` file or a folder that is a symbolic link to somewhere outside the project root (the "
    "nearest folder with `pyproject.toml`, `wave.toml` or `.git`): named on the command line (an error) or met "
    "while searching a folder (a warning). The link is not followed and nothing behind it is read, checked or "
    "rewritten by `wavec fmt`.",
    "A link out of the project can point at any file the user can read (`/proc/self/environ`, a credentials "
    "file): reading it would print its lines in excerpts, in SARIF that CI uploads, or rewrite it with `fmt`.",
    "(a file `sub/config.wave` that is a link to `/proc/self/environ`)",
    "(the file copied into the project, or the link pointing inside it)",
    # Security: what the link reaches is the CI runner's files; wavec refuses to read it, so medium, not high.
    security="5.0")

EQUALS_BEFORE_BLOCK = _c(
    "WV022", "`=` before a block",
    "Reports `wave canary = {`: a block written the way HCL or Terraform assigns a map.",
    "A block's header is its type and labels, followed directly by `{`; with `=` it would be an attribute.",
    "wave canary = {\n  regions = [\"eu-west-1\"]\n}",
    "wave canary {\n  regions = [\"eu-west-1\"]\n}", context="pipeline")
SLASH_COMMENT = _c(
    "WV023", "`//` comment",
    "Reports a comment written `// …` or `/* … */`, as in C, JavaScript or HCL.",
    "Comments start with `#` and run to the end of their line.",
    "// one region first\nwave first { regions = [\"eu-west-1\"] }",
    "# one region first\nwave first { regions = [\"eu-west-1\"] }", context="pipeline")
# ------------------------------------------------------------ names and types
UNKNOWN_BLOCK = _c(
    "WV101", "unknown block",
    "Reports a block type the schema does not allow in this place, with the closest known one.",
    "An unknown block is ignored by every target; a typo must not silently drop a wave or a gate.",
    "waves first { regions = [\"us-east-1\"] }",
    "wave first { regions = [\"us-east-1\"] }", context="pipeline")
UNKNOWN_ATTRIBUTE = _c(
    "WV102", "unknown attribute",
    "Reports an attribute the schema does not know on this block, with the closest known one.",
    "A misspelt attribute would silently leave the real one at its default (a bake of `0s`, say).",
    "wave first { regions = [\"us-east-1\"]  bakes = 1h }",
    "wave first { regions = [\"us-east-1\"]  bake = 1h }", context="pipeline")
UNKNOWN_ENUM_MEMBER = _c(
    "WV103", "unknown enum member",
    "Reports a bare name that is not a member of the enum the attribute expects.",
    "Enum attributes (`kind`, `on_breach`, `days`, …) accept a fixed set of names.",
    "gate g { on_breach = roll_back }", "gate g { on_breach = rollback }")
TYPE_MISMATCH = _c(
    "WV104", "type mismatch",
    "Reports a value of the wrong type for its attribute, or an operator applied to values it does not "
    "combine.",
    "Types carry units: a bake is a duration (`1h`), not a number; a region list is a list of strings.",
    "wave first { regions = \"us-east-1\"  bake = 60 }",
    "wave first { regions = [\"us-east-1\"]  bake = 60m }", context="pipeline")
MISSING_REQUIRED_ATTRIBUTE = _c(
    "WV105", "missing required attribute",
    "Reports a block that lacks an attribute the schema requires.",
    "Without it the block cannot be compiled (a wave without regions deploys nowhere).",
    "wave w { bake = 1h }",
    "wave w { regions = [\"us-east-1\"]  bake = 1h }", context="pipeline")
DUPLICATE_NAME = _c(
    "WV106", "duplicate name",
    "Reports two definitions of one name in one scope (two waves called `first`, two `let home`).",
    "References would be ambiguous, and one definition would silently win.",
    "wave first { regions = [\"us-east-1\"] }\nwave first { regions = [\"eu-west-1\"] }",
    "wave first { regions = [\"us-east-1\"] }\nwave second { regions = [\"eu-west-1\"] }", context="pipeline")
ATTRIBUTE_SET_TWICE = _c(
    "WV107", "attribute set twice",
    "Reports an attribute (or a map key) given twice in one block.",
    "Only one value can win; the other is a mistake waiting to be believed.",
    "wave w { regions = [\"us-east-1\"]  bake = 1h  bake = 2h }",
    "wave w { regions = [\"us-east-1\"]  bake = 2h }", context="pipeline")
UNKNOWN_NAME = _c(
    "WV108", "unknown name",
    "Reports a name that resolves to nothing: not a `let`, a block, an imported module or a module member.",
    "A reference to nothing cannot be compiled.",
    "gate health { alarms = [\"5xx-${region}\"] }\n"
    "wave w { regions = [\"us-east-1\"]  gates = [helth] }",
    "gate health { alarms = [\"5xx-${region}\"] }\n"
    "wave w { regions = [\"us-east-1\"]  gates = [health] }", context="pipeline")
WRONG_KIND = _c(
    "WV109", "reference to the wrong kind",
    "Reports a name that resolves, but to another kind of block than the attribute expects.",
    "`gates = [business_hours]` names a window where a gate is expected.",
    "window business_hours { days = [mon, tue, wed, thu, fri]  hours = [09:00, 17:00] }\n"
    "wave w { regions = [\"us-east-1\"]  gates = [business_hours] }",
    "window business_hours { days = [mon, tue, wed, thu, fri]  hours = [09:00, 17:00] }\n"
    "wave w { regions = [\"us-east-1\"]  windows = [business_hours] }", context="pipeline")
IMPORT_NOT_FOUND = _c(
    "WV110", "import not found",
    "Reports an import whose module does not exist (in the standard library, or as a file).",
    "Everything the module would define is missing.",
    "import \"std/window\"", "import \"std/windows\"")
IMPORT_CYCLE = _c(
    "WV111", "import cycle",
    "Reports modules that import each other, naming the whole cycle.",
    "A module must be complete before another can use it.",
    "(a.wave holds `import \"./b.wave\"`, and b.wave holds `import \"./a.wave\"`)",
    "# move what both need to c.wave and import it from a.wave and b.wave")
IMPORT_OUTSIDE_PROJECT = _c(
    "WV112", "import outside the project",
    "Reports an absolute import path, or a relative one that leaves the project root (the nearest folder "
    "with `pyproject.toml`, `wave.toml` or `.git`).",
    "A pipeline must build the same on every machine that checks out the repository.",
    "import \"/etc/gates.wave\" as g",
    "(the file copied into the repository, and imported from there: `import \"./shared/gates.wave\" as g`)")
UNKNOWN_REGION = _c(
    "WV113", "unknown region",
    "Reports a region that is not in the `aws` partition's region list shipped with botocore. A region newer "
    "than the installed botocore is accepted with `allow WV113 \"reason\"` in the wave (or the pipeline, or at "
    "the top of the file).",
    "A typo in a region deploys nowhere, or fails in the middle of a rollout.",
    "wave w { regions = [\"us-east1\"] }",
    "wave w { regions = [\"us-east-1\"] }", context="pipeline")
UNKNOWN_TIME_ZONE = _c(
    "WV114", "unknown time zone",
    "Reports a window time zone that is not in the tz database. A zone newer than the installed tz database "
    "is accepted with `allow WV114 \"reason\"` in the window.",
    "A window in an unknown zone cannot open at the right time.",
    "window w { days = [mon]  hours = [09:00, 17:00]  timezone = \"Berlin\" }",
    "window w { days = [mon]  hours = [09:00, 17:00]  timezone = \"Europe/Berlin\" }")
UNKNOWN_INTERPOLATION = _c(
    "WV115", "unknown interpolation",
    "Reports `${name}` in a string where `name` is neither a known variable nor a `let` string or number.",
    "The text would reach a command or an alarm name unexpanded.",
    "gate g { alarms = [\"5xx-${regoin}\"] }", "gate g { alarms = [\"5xx-${region}\"] }")
INTERPOLATION_OUT_OF_PLACE = _c(
    "WV116", "interpolation out of place",
    "Reports a variable interpolated where it has no value (`${region}` in a pre-production step, "
    "anything in a region name).",
    "Steps run once, not per region; region names and ids must be plain text.",
    "stage test { step unit { run = \"make test REGION=${region}\" } }",
    "stage test { step unit { run = \"make test STAGE=${stage}\" } }", context="pipeline")
POLICY_ONLY_EXPRESSION = _c(
    "WV117", "policy-only expression",
    "Reports a lambda, comparison, logical operator or builtin call outside a policy rule.",
    "Attribute values are computed once, at compile time; conditions belong in rules.",
    "wave w { regions = [\"us-east-1\"]  bake = max(1h, 2h) }",
    "wave w { regions = [\"us-east-1\"]  bake = 2h }", context="pipeline")
WRONG_LABELS = _c(
    "WV118", "wrong block labels",
    "Reports a block with too many or too few labels, or a label of the wrong form.",
    "Labels name blocks (`wave first`); a rule takes a code and a title.",
    "pipeline {\n  source s3 { bucket = \"hello-source\"  key = \"hello.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  wave first { regions = [\"us-east-1\"] }\n}",
    "pipeline checkout {\n  source s3 { bucket = \"hello-source\"  key = \"hello.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  wave first { regions = [\"us-east-1\"] }\n}")
WRONG_NESTED_BLOCK_COUNT = _c(
    "WV119", "wrong number of nested blocks",
    "Reports a block with too many or too few nested blocks of a type (a pipeline needs exactly one "
    "`source` and at least one `wave`; a deploy profile needs a provider).",
    "The pipeline cannot be compiled without them, and a second `source` would be ambiguous.",
    "pipeline p {\n  source s3 { bucket = \"hello-source\"  key = \"hello.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  stage build { step compile { run = \"make\" } }\n}",
    "pipeline p {\n  source s3 { bucket = \"hello-source\"  key = \"hello.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  stage build { step compile { run = \"make\" } }\n  wave w { regions = [\"us-east-1\"] }\n}")
VALUE_OUT_OF_RANGE = _c(
    "WV120", "value out of range",
    "Reports a value of the right type but outside what the attribute allows (a zero interval, "
    "`parallel = 0`, an exposure over 100%, an account id that is not 12 digits, …).",
    "Such values cannot be executed or mean something else than intended.",
    "wave w { regions = [\"us-east-1\"]  parallel = 0 }",
    "wave w { regions = [\"us-east-1\"]  parallel = 1 }", context="pipeline")
IMPORT_BINDING = _c(
    "WV121", "import binding",
    "Reports an import whose binding name is not a valid name, or two imports bound to one name.",
    "A module is used through its binding name, which must be a name and unique.",
    "import \"std/windows\"\nimport \"std/policies/governance\" as windows",
    "import \"std/windows\"\nimport \"std/policies/governance\" as governance")
ALLOW_WITHOUT_REASON = _c(
    "WV122", "`allow` without a reason",
    "Reports `allow CODE \"\"` with an empty reason.",
    "A suppression must say why, for the reviewer and for `wavec check --show-suppressed`.",
    "wave w {\n  regions = [\"us-east-1\"]\n  allow HO001 \"\"\n}",
    "wave w {\n  regions = [\"us-east-1\"]\n"
    "  allow HO001 \"a one-region service; the first wave is the whole fleet\"\n}", context="pipeline")
LET_CYCLE = _c(
    "WV123", "`let` cycle",
    "Reports `let` values that are defined in terms of each other.",
    "No order of evaluation can compute them.",
    "let a = b\nlet b = a", "let a = [\"us-east-1\"]\nlet b = a")
STATEMENT_OUT_OF_PLACE = _c(
    "WV124", "statement out of place",
    "Reports `import` or `let` inside a block.",
    "Imports and named values belong to the whole file.",
    "stage build {\n  let target = \"release\"\n  step compile { run = \"make release\" }\n}",
    "let target = \"release\"\nstage build {\n  step compile { run = \"make ${target}\" }\n}", context="pipeline")
NO_DEPLOY_PROFILE = _c(
    "WV125", "no deploy profile",
    "Reports a wave that has no `deploy` and a pipeline without an unnamed `deploy { … }` profile.",
    "Nothing says how to deploy the wave's targets.",
    "pipeline p {\n  source s3 { bucket = \"hello-source\"  key = \"hello.zip\" }\n"
    "  wave w { regions = [\"us-east-1\"] }\n}",
    "pipeline p {\n  source s3 { bucket = \"hello-source\"  key = \"hello.zip\" }\n"
    "  deploy { local { run = \"./deploy.sh ${region}\"  rollback = \"./rollback.sh ${region}\" } }\n"
    "  wave w { regions = [\"us-east-1\"] }\n}")
REGION_LISTED_TWICE = _c(
    "WV126", "region listed twice",
    "Reports a region that appears twice in one wave.",
    "The wave would deploy the same target twice.",
    "wave w { regions = [\"us-east-1\", \"us-east-1\"] }",
    "wave w { regions = [\"us-east-1\"] }", W, context="pipeline")
TOO_MANY_ITEMS = _c(
    "WV127", "too many waves, stages, steps or targets",
    "Reports a pipeline with more than 50,000 waves or 1,000 stages, a stage with more than 1,000 steps, "
    "or a wave with more than 5,000 targets.",
    "Such a pipeline cannot be reviewed, and no target can run it; the limits keep every check linear "
    "and bounded.",
    "(a wave whose `regions` and `accounts` make more than 5,000 targets)",
    "import \"std/regions\"\nwave first { regions = [\"us-east-1\"] }\n"
    "wave rest  { regions = regions.all - [\"us-east-1\"] }", context="pipeline")

SECRET_IN_PLAIN_TEXT = _c(
    "WV128", "secret in plain text",
    "Reports a credential written in a string of the file: an AWS access key, a private key, a token with a "
    "known prefix (GitHub, GitLab, Slack, Stripe, npm, PyPI, …), a password in a URL (`postgres://u:pw@…`) or "
    "in a command-line flag (`-phunter2`, `--password …`, `PGPASSWORD=…`), a bearer token or basic-auth "
    "header, or a value given to a name that says it is secret (`db_pass=…`, `env = { API_TOKEN = \"…\" }`) — "
    "in steps, environments, deploys, gates, environment values and `let` values alike. A reference to a "
    "variable (`$DB_PASSWORD`, `${pw}`, `$(cat …)`) is not one; policy blocks are not searched. "
    "`allow WV128 \"reason\"` in the block (or at the top of the file) suppresses it.",
    "A secret in a `.wave` file is in the repository's history, in every clone and CI log, and in the "
    "compiled pipeline that anyone who can read the pipeline can read.",
    "stage migrate {\n  step schema { run = \"PGPASSWORD=hunter2 psql -f schema.sql\" }\n}",
    "stage migrate {\n  step schema { run = \"PGPASSWORD=\\\"$DB_PASSWORD\\\" psql -f schema.sql\" }\n}",
    # Security: a leaked credential is the worst a pipeline file can hold. Found by patterns, hence `high`
    # precision: a test fixture's fake key is reported too (and `allow`ed).
    context="pipeline", security="9.0", precision="high")

ALLOWABLE = frozenset({"WV113", "WV114", "WV128"})
"""The built-in codes that `allow CODE "reason"` may suppress (as it suppresses policy rules): a region or a
time zone newer than the installed botocore or tz database, a string that only looks like a secret."""

# ---------------------------------------------------------------------- graph
AFTER_CYCLE = _c(
    "WV201", "`after` cycle",
    "Reports stages, steps or waves whose `after` lists form a cycle, naming every member of the cycle.",
    "Nothing in a cycle can start first, so the pipeline could never run.",
    "stage a {\n  after = [b]\n  step s { run = \"make a\" }\n}\nstage b {\n  after = [a]\n"
    "  step s { run = \"make b\" }\n}",
    "stage a {\n  step s { run = \"make a\" }\n}\nstage b {\n  after = [a]\n"
    "  step s { run = \"make b\" }\n}", context="pipeline")

CODES: tuple[Code, ...] = collect(globals())
