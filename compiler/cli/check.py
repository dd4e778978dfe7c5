"""Parse, resolve, validate and enforce policies; print diagnostics.

Exit code 0 when there are no errors (and, with --strict, no warnings), 1
otherwise, 2 for a usage error or an unreadable file. --show-suppressed also
prints the findings that `allow` statements or the configuration's `ignore`
suppressed, with the reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..api import check
from ..config import Config
from ..diagnostics import Severity
from ..diagnostics.render import render, render_sarif, summary, use_color
from ..diagnostics.render.paths import repository_root
from ..diagnostics.render.sarif import RuleHelp, fallback_span
from ..docgen import policy_rule_help
from .common import add_config_option, config_from, existing_paths, write


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec check``."""
    parser.add_argument("paths", nargs="+", metavar="FILE|DIR", help=".wave files, or folders to search")
    parser.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.add_argument("--show-suppressed", action="store_true",
                        help="also print findings suppressed by `allow` or `ignore`, with the reason")
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    """Check the files and print what was found."""

    paths = existing_paths(args.paths)
    config = config_from(args)
    assert isinstance(config, Config)
    result = check(paths, config)
    diagnostics = result.diagnostics
    shown = result.suppressions if args.show_suppressed else []
    if args.format == "text":
        color = use_color(sys.stdout)
        body = render(diagnostics, "text", color)
        out = body + ("\n" if body else "") + summary(diagnostics, len(result.files)) + "\n"
        if shown:
            out += f"\n{len(shown)} suppressed finding{'s' if len(shown) != 1 else ''}:\n\n"
            for s in shown:
                text = render([s.diagnostic], "text", color).rstrip("\n")
                out += text + f"\n   = suppressed: {s.reason}\n\n"
        write(out)
    elif args.format == "json":
        items = json.loads(render(diagnostics, "json"))
        for s in shown:
            (item,) = json.loads(render([s.diagnostic], "json"))
            item.update(suppressed=True, reason=s.reason)
            items.append(item)
        write(json.dumps(items, indent=2, sort_keys=True) + "\n")
    elif args.format == "sarif":
        write(sarif(result, shown, config))
    else:
        write(render(diagnostics, args.format))
    failing = {Severity.ERROR} | ({Severity.WARNING} if args.strict else set())
    return 1 if any(d.severity in failing for d in diagnostics) else 0


def sarif(result: Any, shown: list[Any], config: Config) -> str:
    """SARIF 2.1.0: policy rules described by their documentation (as `wavec explain` shows it); a finding
    without a span is placed at the configuration; suppressed results carry ``suppressions`` (``inSource``
    for `allow`, ``external`` for the configuration)."""

    rules: dict[str, RuleHelp] = {}
    for module in result.modules:
        for pipeline in module.pipelines:
            for policy in pipeline.policies:
                for rule in policy.rules:
                    if rule.code not in rules:
                        rules[rule.code] = RuleHelp(rule.title, *policy_rule_help(rule, policy))
    findings = [*result.diagnostics, *(s.diagnostic for s in shown)]
    for d in findings:
        if d.rule != "builtin" and d.code not in rules:
            rules[d.code] = RuleHelp(d.message, d.help or d.message, d.help or d.message)
    base = result.files[0] if result.files else config.root
    fallback = config.path or (result.files[0] if result.files else None)
    doc = json.loads(render_sarif(findings, rules, root=repository_root(base),
                                  fallback=fallback_span(fallback) if fallback is not None else None))
    results = doc["runs"][0]["results"]
    for i, s in enumerate(shown, start=len(result.diagnostics)):
        results[i]["suppressions"] = [{"kind": s.kind, "justification": s.reason}]
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"
