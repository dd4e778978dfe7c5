"""List every built-in check and standard-library policy rule (and the rules of the policies in FILEs)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..api import check
from ..config import Config
from ..diagnostics.codes import registry
from ..docgen.rules import rules_markdown
from ..policy.sources import rule_doc, stdlib_rule_docs
from .common import config_from, existing_paths, write


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec rules``."""
    parser.add_argument("paths", nargs="*", metavar="FILE|DIR", help=".wave files whose policies to list too")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="text table, JSON, or the Markdown of docs/rules.md")


def policy_rule_docs(args: argparse.Namespace) -> list[Any]:
    """The standard library's rule docs, then those of the policies in ``args.paths`` (code order)."""

    docs = stdlib_rule_docs()
    paths = list(getattr(args, "paths", None) or [])
    config = config_from(args)
    assert isinstance(config, Config)
    if not paths:
        # The project's configured policies (`policies` in wave.toml / [tool.wavec]) are known without FILEs.
        # Resolved as the configuration's policies are: relative to its folder, `.wave` optional.
        found = [config.root / (p if p.endswith(".wave") else p + ".wave") for p in config.policies
                 if not p.startswith("std/")]
        paths = [str(f) for f in found if f.is_file()]
    if paths:
        result = check(existing_paths(paths), config)
        known = {d.code for d in docs}
        for module in result.modules:
            for policy in module.policies:
                for rule in policy.rules:
                    if rule.code not in known:
                        known.add(rule.code)
                        docs.append(rule_doc(rule, policy))
    return sorted(docs, key=lambda d: d.code)


def run(args: argparse.Namespace) -> int:
    """Print the registry."""

    codes = list(registry().values())
    if args.format == "markdown":
        write(rules_markdown())
        return 0
    docs = policy_rule_docs(args)
    if args.format == "json":
        items = [{"code": c.code, "title": c.title, "severity": c.severity.value, "area": c.area,
                  "what": c.what, "why": c.why, "example": c.example, "fix": c.fix} for c in codes]
        items += [{"code": d.code, "title": d.title, "severity": d.severity, "area": "policy-rule",
                   "policy": d.policy, "module": d.module, "why": d.rationale, "what": d.checks,
                   "help": d.help, "example": d.example, "fix": d.fix} for d in docs]
        write(json.dumps(items, indent=2, sort_keys=True) + "\n")
    else:
        rows = [(c.code, c.title, c.severity.value) for c in codes]
        rows += [(d.code, f"{d.title} ({d.policy})", d.severity) for d in docs]
        width = max(len(r[1]) for r in rows)
        for code, title, severity in rows:
            write(f"{code.ljust(7)}  {title.ljust(width)}  {severity}\n")
    return 0
