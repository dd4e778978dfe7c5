"""Hypothesis strategies for `.wave` text, built from the grammar and the schema table.

* :func:`schema_files` — syntactically valid files whose blocks, labels and attributes come from
  ``wavec.semantics.schema.BLOCKS``; attribute values are mostly of the right type, sometimes of a
  wrong one, sometimes unknown attributes, names or references: the front end must answer with
  diagnostics only.
* :func:`valid_files` — files that check with no error: the input of fmt and target properties.
* :func:`token_soup` — random sequences of the grammar's tokens.
* :func:`mutations` — byte-level mutations of real files.
"""

from __future__ import annotations

from functools import cache

from hypothesis import strategies as st

from wavec.policy.builtins import BUILTINS
from wavec.semantics.schema import BLOCKS, COMPILE_TIME_VARS, RUNTIME_VARS, TOP_LEVEL, Block, Ty

RESERVED = frozenset({"import", "as", "let", "allow", "true", "false", "none", "and", "or", "not", "in"})
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2",
           "sa-east-1", "ca-central-1")
# Names the generated files declare or import, so references often resolve (and sometimes do not).
LET_NAMES = ("home", "team", "bake_time", "regions_eu")
LIB_MODULE = """\
# lib.wave: a local module the fuzzed files import as `lib`.
let region = "eu-west-1"
gate alarms { alarms = ["lib-errors-${region}"] }
window hours { days = [mon, tue] hours = [09:00, 17:00] }
"""

# ------------------------------------------------------------------ lexical

_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
# Built from characters rather than `from_regex`, which is many times slower to draw from.
names = st.builds(lambda a, b: a + b, st.sampled_from(_FIRST),
                  st.text(_FIRST + "0123456789", max_size=10)).filter(lambda s: s not in RESERVED)
codes = st.builds(lambda a, n: a + f"{n:03d}", st.sampled_from(("HO", "PAY", "WV", "AB", "X")), st.integers(0, 999))
_plain_chars = st.characters(codec="utf-8", exclude_characters='"\\\n\r$', exclude_categories=("Cs", "Cc"))


@st.composite
def _string_literals(draw: st.DrawFn, interpolate: bool) -> str:
    """A double-quoted string with escapes and ``${…}`` interpolations of known and unknown names."""
    pieces = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(("text", "text", "escape", "interp", "literal_dollar")
                                    if interpolate else ("text", "text", "escape")))
        if kind == "text":
            pieces.append(draw(st.text(_plain_chars, max_size=12)))
        elif kind == "escape":
            pieces.append(draw(st.sampled_from(('\\"', "\\\\", "\\n", "\\t", "\\q"))))
        elif kind == "literal_dollar":
            pieces.append("$${x}")
        else:
            pieces.append("${" + draw(st.sampled_from(COMPILE_TIME_VARS + RUNTIME_VARS + LET_NAMES)
                                      | names | st.sampled_from(("", " ", "a.b"))) + "}")
    return '"' + "".join(pieces) + '"'


@cache
def string_literals(interpolate: bool = True) -> st.SearchStrategy[str]:
    """A double-quoted string (cached: building strategies is what makes drawing slow)."""
    return _string_literals(interpolate)


durations = st.builds(
    lambda parts: "".join(f"{n}{u}" for n, u in parts) or "0s",
    st.lists(st.tuples(st.integers(0, 99), st.sampled_from("dhms")), min_size=1, max_size=3),
) | st.sampled_from(("30s", "15m", "1h30m", "2d", "5mins", "3w", "1x"))
percents = st.builds(lambda n, frac: f"{n}{frac}%", st.integers(0, 150), st.sampled_from(("", ".5", ".25")))
clocks = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 29), st.integers(0, 65))
numbers = st.integers(-5, 10**6).map(str) | st.builds(lambda a, b: f"{a}.{b}", st.integers(0, 99),
                                                          st.integers(0, 99))


@cache
def _literal_of(ty: Ty, depth: int) -> st.SearchStrategy[str]:
    """Text of a value of type ``ty`` (references are bare names)."""
    k = ty.kind
    if k == "string":
        return string_literals()
    if k == "int":
        return st.integers(-3, 100).map(str)
    if k == "number":
        return numbers
    if k == "bool":
        return st.sampled_from(("true", "false"))
    if k == "duration":
        return durations
    if k == "percent":
        return percents
    if k == "clock":
        return clocks
    if k == "enum":
        return st.sampled_from(ty.members)
    if k == "ref":
        return st.sampled_from(("health", "hours", "first", "build", "unit", "onebox", "lib.alarms",
                                "lib.hours", "windows.business_hours")) | names
    if k == "oneof":
        return st.one_of(*(_literal_of(o, depth) for o in ty.options))
    if k == "list":
        assert ty.item is not None
        item = _literal_of(ty.item, depth + 1)
        return st.builds(lambda xs, trail: "[" + ", ".join(xs) + ("," if trail and xs else "") + "]",
                         st.lists(item, max_size=4), st.booleans())
    if k == "map":
        entry = st.builds(lambda k, v: f"{k} = {v}", names | string_literals(interpolate=False), string_literals())
        return st.lists(entry, max_size=3).map(lambda es: "{ " + " ".join(es) + " }")
    if k == "expr":
        return expressions(depth)
    return any_value(depth)


@cache
def any_value(depth: int = 0) -> st.SearchStrategy[str]:
    """A literal of any type: what a wrong-typed attribute gets."""
    base = st.one_of(string_literals(), numbers, durations, percents, clocks,
                     st.sampled_from(("true", "false", "none")), names)
    if depth > 1:
        return base
    return base | st.lists(base, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]")


@cache
def expressions(depth: int = 0) -> st.SearchStrategy[str]:
    """Policy expressions from the grammar: lambdas, logic, comparisons, arithmetic, postfix, calls."""
    atoms = st.one_of(
        st.sampled_from(("this", "waves", "stages", "steps", "gates", "pipeline", "this.bake", "this.index",
                         "this.regions", "this.exposure", "this.kind", "test", "rollback")),
        names, numbers, durations, percents, string_literals(interpolate=False),
        st.sampled_from(("true", "false", "none")),
    )

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.builds(lambda a, op, b: f"{a} {op} {b}", inner,
                      st.sampled_from(("and", "or", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "+", "-",
                                       "*", "/")), inner),
            inner.map(lambda a: f"not {a}"),
            inner.map(lambda a: f"-{a}"),
            inner.map(lambda a: f"({a})"),
            st.builds(lambda a, n: f"{a}.{n}", inner, names),
            st.builds(lambda a, i: f"{a}[{i}]", inner, inner),
            st.builds(lambda a, i, j: f"{a}[{i}:{j}]", inner, st.sampled_from(("", "1", "0")),
                      st.sampled_from(("", "2", "-1"))),
            st.builds(lambda f, args: f"{f}({', '.join(args)})", st.sampled_from(tuple(BUILTINS)) | names,
                      st.lists(inner, max_size=3)),
            st.builds(lambda p, body: f"{p} => {body}", names, inner),
            st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        )

    return st.recursive(atoms, extend, max_leaves=6 if depth == 0 else 3)


comments = st.builds(lambda s: "# " + s, st.text(st.characters(codec="utf-8", exclude_characters="\n\r",
                                                               exclude_categories=("Cs",)), max_size=30))
whitespace = st.sampled_from((" ", "  ", "\n", "\n  ", "\t", " \n\n"))

# ------------------------------------------------------------------- blocks


@st.composite
def attribute(draw: st.DrawFn, block: Block, variant: str | None, depth: int) -> str:
    """``name = value``: a known attribute with a right or wrong value, or an unknown one."""
    attrs = block.all_attrs(variant)
    roll = draw(st.integers(0, 9))
    if not attrs or roll == 0:
        name = draw(names | st.sampled_from(("regoins", "bakes", "stepz", "timeout", "run")))
        return f"{name} = {draw(any_value(depth))}"
    attr = draw(st.sampled_from(attrs))
    value = draw(any_value(depth)) if roll == 1 else draw(_literal_of(attr.type, depth))
    return f"{attr.name} = {value}"


@st.composite
def block(draw: st.DrawFn, kind: str, depth: int = 0) -> str:
    """A block of ``kind`` with schema labels, attributes, children, comments and stray statements."""
    schema = BLOCKS[kind]
    labels: list[str] = []
    variant: str | None = None
    for i, _label in enumerate(schema.labels):
        if i >= len(schema.labels) - schema.optional_labels and draw(st.booleans()):
            break
        if schema.title_label == i:
            labels.append(draw(string_literals(interpolate=False)))
        elif kind == "source":
            variant = draw(st.sampled_from((*schema.variants, "svn")))
            labels.append(variant)
        elif kind == "rule":
            labels.append(draw(codes))
        else:
            labels.append(draw(st.sampled_from(("first", "second", "health", "hours", "build", "unit", "onebox"))
                               | names))
    items: list[str] = []
    for _ in range(draw(st.integers(0, 5))):
        items.append(draw(attribute(schema, variant, depth)))
    if depth < 2 or kind == "stage":
        for child in schema.children:
            upper = 2 if child.max is None else child.max + (1 if draw(st.integers(0, 9)) == 0 else 0)
            for _ in range(draw(st.integers(0 if draw(st.integers(0, 9)) == 0 else child.min, upper))):
                items.append(draw(block(child.type, depth + 1)))
    extra = draw(st.integers(0, 9))
    if extra == 0:
        items.append(f"allow {draw(codes)} "
                     f"{draw(string_literals(interpolate=False))}")
    elif extra == 1 and depth < 3:
        items.append(draw(block(draw(st.sampled_from(sorted(BLOCKS))), depth + 1)))
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), draw(comments) + "\n")
    items = draw(st.permutations(items)) if draw(st.integers(0, 4)) == 0 else items
    sep = draw(whitespace)
    head = " ".join([kind, *labels])
    return head + " {" + sep + sep.join(items) + sep + "}"


@st.composite
def schema_files(draw: st.DrawFn) -> str:
    """A whole file: imports, lets, top-level blocks from the schema, comments."""
    items: list[str] = []
    for imp in draw(st.lists(st.sampled_from(('import "std/windows"', 'import "./lib.wave" as lib',
                                              'import "./lib.wave"', 'import "std/nope"', 'import "../up.wave"',
                                              'import "/etc/passwd"', 'import "./missing.wave" as m')),
                             max_size=3)):
        items.append(imp)
    for name in draw(st.lists(st.sampled_from(LET_NAMES) | names, max_size=3)):
        items.append(f"let {name} = {draw(any_value())}")
    for _ in range(draw(st.integers(1, 3))):
        items.append(draw(block(draw(st.sampled_from(TOP_LEVEL)))))
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), draw(comments) + "\n")
    return "\n".join(items) + draw(st.sampled_from(("\n", "", "\n\n")))


# -------------------------------------------------------------- valid files


@st.composite
def valid_files(draw: st.DrawFn) -> str:
    """A file that checks with no error: a pipeline with stages, steps, deploys, gates, windows, waves."""
    name = draw(names)
    mode = draw(st.sampled_from(("queued", "superseded", "parallel")))
    lines = ['import "std/windows"', 'import "./lib.wave" as lib', 'let home = "us-east-1"', "",
             f"# {name}: generated", f"pipeline {name} {{",
             f'  role      = "arn:aws:iam::111122223333:role/{name}"',
             '  artifacts = "bucket-${region}"',
             f"  execution_mode = {mode}"]
    header = len(lines)  # where `region` goes when the file states it
    stated = draw(st.booleans())
    if stated:
        lines.append('  region    = "us-east-1"')
    source = draw(st.sampled_from(("github", "codecommit", "s3")))
    if source == "github":
        lines.append('  source github { repo = "acme/x"  connection = '
                     '"arn:aws:codeconnections:us-east-1:111122223333:connection/abc" }')
    elif source == "codecommit":
        lines.append('  source codecommit { repo = "x"  branch = "main" }')
    else:
        lines.append('  source s3 { bucket = "b"  key = "k.zip" }')
    stage_names = draw(st.lists(st.sampled_from(("build", "test", "sandbox", "perf", "lint")), unique=True,
                                max_size=3))
    for s in stage_names:
        lines.append(f"  stage {s} {{")
        if draw(st.booleans()):
            lines.append('    environment { create = "up ${execution}"  destroy = "down ${execution}" }')
        steps = draw(st.lists(st.sampled_from(("unit", "integration", "scan", "guard", "compile")), unique=True,
                              min_size=1, max_size=3))
        for i, step in enumerate(steps):
            after = f"  after = [{steps[i - 1]}]" if i and draw(st.booleans()) else ""
            kind = draw(st.sampled_from(("build", "test", "scan", "policy", "run")))
            run = draw(st.sampled_from(('"make ${step}"', '["make a", "make b"]', '"echo ${stage} ${commit}"')))
            extra = draw(st.sampled_from(("", "  timeout = 30m", "  retries = 2", '  env = { A = "1" }',
                                          '  outputs = ["dist/**"]')))
            lines.append(f"    step {step} {{ kind = {kind}  run = {run}{after}{extra} }}")
        lines.append("  }")
    lines += ["  deploy {", '    cloudformation { stack = "s"  template = "source::t.yaml"  '
              'parameters = { Region = "${region}" }  role = "arn:aws:iam::${account}:role/s-cloudformation" }',
              '    local { run = "./deploy.sh ${region}"  rollback = "./rollback.sh ${region}" }', "  }"]
    gates = draw(st.lists(st.sampled_from(("health", "latency")), unique=True, max_size=2))
    for g in gates:
        # PARALLEL mode has no rollback (rule 11, WV921): its gates halt.
        on_breach = "halt" if mode == "parallel" else draw(st.sampled_from(("rollback", "rollback_all", "halt")))
        lines.append(f'  gate {g} {{ alarms = ["{g}-${{region}}"]  on_breach = {on_breach}  interval = 2m }}')
    gate_refs = [*gates] if mode == "parallel" else [*gates, "lib.alarms"]  # lib.alarms rolls back
    window_refs = ["windows.business_hours", "lib.hours"]
    wave_names = draw(st.lists(st.sampled_from(("onebox", "first", "second", "rest", "world")), unique=True,
                               min_size=1, max_size=4))
    for w in wave_names:
        regions = draw(st.lists(st.sampled_from(REGIONS) | st.just("home"), unique=True, min_size=1, max_size=3))
        region_text = ", ".join(r if r == "home" else f'"{r}"' for r in regions)
        if w == wave_names[0] and len(regions) > 1 and not stated:  # the first of several is no region (WV927)
            lines.insert(header, '  region    = "us-east-1"')
            stated = True
        attrs = [f"regions = [{region_text}]"]
        if draw(st.booleans()):
            attrs.append(f"bake = {draw(st.sampled_from(('30m', '1h', '2h30m', '0s')))}")
        if gate_refs and draw(st.booleans()):
            attrs.append(f"gates = [{', '.join(draw(st.lists(st.sampled_from(gate_refs), unique=True)))}]")
        if draw(st.booleans()):
            attrs.append(f"windows = [{', '.join(draw(st.lists(st.sampled_from(window_refs), unique=True)))}]")
        if draw(st.booleans()):
            attrs.append(f"parallel = {draw(st.integers(1, 3))}")
        if draw(st.booleans()):
            exposure = draw(st.sampled_from(('0.5%', '5%', '100%')))
            attrs.append(f"exposure = {exposure}")
            if exposure != "100%" or draw(st.booleans()):  # below 100%, CodePipeline needs it said (WV924)
                attrs.append("exposure_by = profile")
        lines.append(f"  wave {w} {{ " + "  ".join(attrs) + " }")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -------------------------------------------------------- soup and mutation

TOKENS = ("import", "let", "allow", "as", "=", "=>", "{", "}", "[", "]", "(", ")", ",", ".", ":", "+", "-", "*",
          "/", "==", "!=", "<", "<=", ">", ">=", "and", "or", "not", "in", "true", "false", "none", "pipeline",
          "wave", "stage", "step", "gate", "window", "deploy", "policy", "rule", "source", "regions", "after",
          "#", "\n", '"', "'", "${", "$${", "%", "@", "\\", "\x00", "\ufeff", "\r", "-x")


@st.composite
def token_soup(draw: st.DrawFn) -> str:
    """Random sequences of the grammar's tokens and literals, some glued together."""
    toks = draw(st.lists(st.sampled_from(TOKENS) | names | numbers | durations | percents | clocks
                         | string_literals(), max_size=60))
    seps = draw(st.lists(st.sampled_from((" ", "", "\n", "\t")), min_size=len(toks), max_size=len(toks)))
    return "".join(t + s for t, s in zip(toks, seps, strict=True))


@st.composite
def mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with 1–5 byte-level edits: deletions, insertions, replacements, duplications, truncation."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(("delete", "insert", "replace", "duplicate", "truncate", "swap")))
        n = len(buf)
        i = draw(st.integers(0, n))
        if op == "delete" and n:
            j = draw(st.integers(i, min(n, i + 40)))
            del buf[i:j]
        elif op == "insert":
            buf[i:i] = draw(st.binary(min_size=1, max_size=8) | st.sampled_from(
                [t.encode() for t in TOKENS] + [b"\xff", b"\xc3", b"\xe2\x82"]))
        elif op == "replace" and i < n:
            buf[i] = draw(st.integers(0, 255))
        elif op == "duplicate" and n:
            j = draw(st.integers(i, min(n, i + 200)))
            buf[i:i] = buf[i:j]
        elif op == "truncate":
            del buf[i:]
        elif op == "swap" and n > 1:
            j = draw(st.integers(0, n - 1))
            if i < n:
                buf[i], buf[j] = buf[j], buf[i]
    return bytes(buf)
