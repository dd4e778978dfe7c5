"""Where policies come from besides the checked files: the configuration and the standard library.

Also the documentation of a rule: the ``#`` comment block right above its
``rule`` line is its rationale, with optional ``Example:`` and ``Use
instead:`` sections whose indented lines are `.wave` code::

    # A change that reaches many regions at once meets many customers at once.
    #
    # Example:
    #   wave first { regions = ["us-east-1", "eu-west-1"] }
    #
    # Use instead:
    #   wave first { regions = ["us-east-1"] }
    rule HO001 "the first production wave reaches one region and one target" { … }
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

from ..diagnostics import Sink
from ..diagnostics.codes import lookup, registry
from ..diagnostics.codes import policy as codes
from ..lang.suggest import did_you_mean
from ..records import record
from ..semantics import ir
from ..semantics.loader import Loader, std_modules

STD_POLICIES = "std/policies/"


@record
class RuleDoc:
    """Everything ``wavec explain`` and docs/rules.md say about a policy rule."""

    code: str
    title: str
    severity: str
    policy: str
    module: str
    help: str | None
    rationale: str
    example: str
    fix: str
    checks: str


def rule_doc(rule: ir.Rule, policy: ir.Policy) -> RuleDoc:
    """The documentation of ``rule``, read from the comment block above it."""
    src = rule.span.file
    lines: list[str] = []
    line = rule.span.line - 1
    while line >= 1:
        text = src.line_text(line).strip()
        if not text.startswith("#"):
            break
        lines.append(text[1:][1:] if text[1:2] == " " else text[1:])
        line -= 1
    lines.reverse()
    sections: dict[str, list[str]] = {"rationale": [], "example": [], "fix": []}
    current = "rationale"
    for raw in lines:
        head = raw.strip().lower()
        if head in ("example:", "use instead:"):
            current = "example" if head == "example:" else "fix"
            continue
        sections[current].append(raw)
    rationale = " ".join(" ".join(sections["rationale"]).split())
    checks = []
    for name, expr in (("for", rule.for_), ("where", rule.where), ("assert", rule.assert_)):
        if expr is not None:
            checks.append(f"{name} = {expr.span.text}")
    return RuleDoc(
        rule.code, rule.title, rule.severity, policy.name, policy.module, rule.help, rationale,
        textwrap.dedent("\n".join(sections["example"])).strip("\n"),
        textwrap.dedent("\n".join(sections["fix"])).strip("\n"), "\n".join(checks),
    )


def load_std(loader: Loader, spec: str) -> ir.Module | None:
    """Load a standard-library module by import path (``std/policies/hands_off``), ``None`` if absent."""
    spec = spec.removesuffix(".wave")
    if spec not in std_modules():
        return None
    module = loader.load_text(f'import "{spec}" as m\n', name=f"<{spec}>")
    return module.imports.get("m") if module is not None else None


def stdlib_policies() -> list[tuple[ir.Policy, ir.Module]]:
    """Every policy of the standard library's ``std/policies/`` modules, in module order."""
    loader = Loader(Sink())
    out: list[tuple[ir.Policy, ir.Module]] = []
    for spec in std_modules():
        if spec.startswith(STD_POLICIES):
            module = load_std(loader, spec)
            if module is not None:
                out += [(p, module) for p in module.policies]
    return out


def stdlib_rule_docs() -> list[RuleDoc]:
    """The documentation of every standard-library rule, sorted by code."""
    return sorted((rule_doc(r, p) for p, _ in stdlib_policies() for r in p.rules), key=lambda d: d.code)


def load_configured(loader: Loader, specs: tuple[str, ...], root: Path, shown: str, sink: Sink
                    ) -> tuple[list[ir.Policy], list[ir.Module]]:
    """The policies (and their modules) of ``[tool.wavec] policies``: ``std/…`` paths or files relative to
    the project root."""
    out: list[ir.Policy] = []
    modules: list[ir.Module] = []
    for spec in specs:
        if spec.startswith("std/"):
            module = load_std(loader, spec)
            known = [m for m in std_modules() if m.startswith(STD_POLICIES)]
            missing_help = "standard-library policies: " + ", ".join(f'"{m}"' for m in known)
        else:
            path = (root / spec)
            if path.suffix != ".wave":
                path = path.with_name(path.name + ".wave")
            module = loader.load_file(path) if path.is_file() else None
            missing_help = f"paths are relative to the folder of {shown}"
        if module is None:
            sink.report(codes.POLICY_NOT_FOUND, f'policy module "{spec}" listed in {shown} cannot be loaded', None,
                        help=missing_help)
            continue
        if not module.policies:
            sink.report(codes.POLICY_NOT_FOUND, f'module "{spec}" listed in {shown} defines no policy', None,
                        help="list modules that contain `policy` blocks")
        modules.append(module)
        out += [p for p in module.policies if p not in out]
    return out, modules


def check_configured_codes(modules: Sequence[ir.Module], named: dict[str, str], policies: tuple[str, ...],
                           root: Path, shown: str, loader: Loader, sink: Sink) -> None:
    """WV313: every code the configuration or command line names (code or prefix → where it is named:
    ``"`ignore` in wave.toml"``) is, or starts, a built-in code or a loaded rule (of the checked files'
    policies, the configured ``policies``, or the standard library's)."""
    builtin = registry()
    unknown = [c for c in sorted(named) if lookup(c) is None and not any(k.startswith(c) for k in builtin)]
    if not unknown:
        return  # the common case: built-in codes only, no policy needs loading
    rules = {r.code for m in modules for p in m.policies for r in p.rules}
    rules |= {r.code for m in modules for pl in m.pipelines for p in pl.policies for r in p.rules}
    configured, _ = load_configured(loader, policies, root, shown, Sink())
    rules |= {r.code for p in configured for r in p.rules}
    def known_rule(code: str) -> bool:
        return any(r.startswith(code) for r in rules)

    if not all(known_rule(c) for c in unknown):
        rules |= {r.code for p, _ in stdlib_policies() for r in p.rules}
    known = [*builtin, *sorted(rules)]
    for code in unknown:
        if not known_rule(code):
            sink.report(codes.UNKNOWN_CONFIGURED_CODE,
                        f"{named[code]} names {code}, which is no built-in code and no rule of a loaded "
                        "policy", None,
                        help=did_you_mean(code, known)
                        or "`wavec rules` lists the codes (give the policy files to list their rules)")
