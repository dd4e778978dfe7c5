"""Parse, resolve, validate and enforce policies; print diagnostics.

Exit code 0 when there are no errors (and, with --strict, no warnings), 1
otherwise, 2 for a usage error or an unreadable file. --show-suppressed also
prints the findings that `allow` statements or the configuration's `ignore`
suppressed, with the reason.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..api import CheckResult, check
from ..config import Config, Selection
from ..diagnostics import Severity
from ..diagnostics.render import render, summary, use_color
from .common import add_config_option, config_groups, existing_paths, read_stdin, write
from .errors import UsageError

if TYPE_CHECKING:
    from ..diagnostics.render.sarif import RuleHelp


def _codes(text: str) -> list[str]:
    """``WV113,HO001`` → the codes (or prefixes), stripped; empty items are dropped."""
    return [c.strip() for c in text.split(",") if c.strip()]


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec check``."""
    parser.add_argument("paths", nargs="+", metavar="FILE|DIR",
                        help=".wave files, or folders to search; `-` reads standard input")
    parser.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.add_argument("--show-suppressed", action="store_true",
                        help="also print findings suppressed by `allow` or `ignore`, with the reason")
    parser.add_argument("--select", type=_codes, action="extend", metavar="CODES",
                        help="report only these codes or code prefixes (comma-separated, or ALL), instead of "
                             "what the configuration reports")
    parser.add_argument("--extend-select", type=_codes, action="extend", default=[], metavar="CODES",
                        help="also report these codes or prefixes, even where the configuration ignores them")
    parser.add_argument("--ignore", type=_codes, action="extend", default=[], metavar="CODES",
                        help="do not report these codes or prefixes (added to the configuration's `ignore`)")
    parser.add_argument("-o", "--output-file", type=Path, metavar="FILE",
                        help="write the output to FILE instead of standard output")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print the diagnostics and nothing else (no summary line, no notes)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text output: auto (default: on a terminal, unless NO_COLOR; "
                             "FORCE_COLOR forces it), always, never")
    parser.add_argument("--stdin-filename", metavar="NAME",
                        help="with `-`: the file name shown in diagnostics, and where configuration and "
                             "relative imports are looked up from")
    parser.add_argument("--no-importers", action="store_true",
                        help="check only the files given, not also the project files that import them")
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    """Check the files and print what was found."""

    selection = Selection(tuple(args.select) if args.select is not None else None, tuple(args.extend_select),
                          tuple(args.ignore))
    if "-" in args.paths:
        config, result = _check_stdin(args, selection)
    else:
        if args.stdin_filename is not None:
            raise UsageError("--stdin-filename is only for `-` (standard input)")
        groups = config_groups(args, existing_paths(args.paths), importers=not args.no_importers)
        results = [check(paths, config.with_selection(selection)) for config, paths in groups]
        result = results[0] if len(results) == 1 else _merged(results)
        config = groups[0][0]  # SARIF places a finding without a span at the (first) configuration
    text = _output(args, result, config)
    if args.output_file is None:
        write(text)
    else:
        try:
            args.output_file.parent.mkdir(parents=True, exist_ok=True)
            args.output_file.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output_file}: {exc.strerror or exc}") from exc
    failing = {Severity.ERROR} | ({Severity.WARNING} if args.strict else set())
    return 1 if any(d.severity in failing for d in result.diagnostics) else 0


def _check_stdin(args: argparse.Namespace, selection: Selection) -> tuple[Config, CheckResult]:
    """``wavec check -``: standard input checked as the file ``--stdin-filename`` (default ``-``)."""
    if len(args.paths) > 1:
        raise UsageError("`-` (standard input) is checked alone; give the other paths in another run")
    name = Path(args.stdin_filename) if args.stdin_filename is not None else Path("-")
    text = read_stdin()
    ((config, _),) = config_groups(args, [name], importers=False)
    return config, check([name], config.with_selection(selection), unsaved={name.resolve(): text})


def _merged(results: list[CheckResult]) -> CheckResult:
    """One result for paths checked under different configurations (one ``check`` each)."""
    diagnostics = sorted((d for r in results for d in r.diagnostics), key=lambda d: d.sort_key())
    suppressions = sorted((s for r in results for s in r.suppressions), key=lambda s: s.diagnostic.sort_key())
    return CheckResult(diagnostics, [m for r in results for m in r.modules], [f for r in results for f in r.files],
                       [s.diagnostic for s in suppressions], suppressions)


def _output(args: argparse.Namespace, result: CheckResult, config: Config) -> str:
    diagnostics = result.diagnostics
    shown = result.suppressions if args.show_suppressed else []
    if args.format == "text":
        color = use_color(sys.stdout if args.output_file is None else None, args.color)
        body = render(diagnostics, "text", color)
        out = body + ("\n" if body else "")
        if not args.quiet:
            out += summary(diagnostics, len(result.files)) + "\n"
        if shown:
            out += f"\n{len(shown)} suppressed finding{'s' if len(shown) != 1 else ''}:\n\n"
            for s in shown:
                text = render([s.diagnostic], "text", color).rstrip("\n")
                out += text + f"\n   = suppressed: {s.reason}\n\n"
        return out
    if args.format == "json":
        import json  # the other formats: imported by the run that prints them

        items = json.loads(render(diagnostics, "json"))
        for s in shown:
            (item,) = json.loads(render([s.diagnostic], "json"))
            item.update(suppressed=True, reason=s.reason)
            items.append(item)
        return json.dumps(items, indent=2, sort_keys=True) + "\n"
    if args.format == "sarif":
        return sarif(result, shown, config)
    return render(diagnostics, args.format)


def sarif(result: Any, shown: list[Any], config: Config) -> str:
    """SARIF 2.1.0: policy rules described by their documentation (as `wavec explain` shows it); a finding
    without a span is placed at the configuration; suppressed results carry ``suppressions`` (``inSource``
    for `allow`, ``external`` for the configuration)."""

    import json

    from ..diagnostics.render.paths import repository_root
    from ..diagnostics.render.sarif import RuleHelp, fallback_span, render_sarif
    from ..docgen import policy_rule_help

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
