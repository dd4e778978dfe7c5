"""Rewrite .wave files in the canonical layout, keeping every comment.

Without options the files are rewritten in place. --check rewrites nothing and
exits 1 when a file would change; --diff prints a unified diff instead of
writing (exit 1 when there is a difference). A file with syntax errors is
reported and never rewritten (exit 1). "-" formats standard input to standard
output.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

from ..api import collect_files, report_link_out
from ..config import Config
from ..diagnostics import Severity, Sink
from ..diagnostics.codes import builtin as codes
from ..files import confined, project_root, read_source
from ..source import SourceFile, Span
from ..syntax.format import FormatError, format_text
from .common import add_config_option, config_from, existing_paths, print_diagnostics, write
from .errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec fmt``."""
    parser.add_argument("paths", nargs="+", metavar="FILE|DIR",
                        help=".wave files, or folders to search; - for standard input")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and name the files that would be reformatted")
    parser.add_argument("--diff", action="store_true",
                        help="write nothing; print a unified diff of the changes (exit 1 when there are any)")
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    """Format the files; the exit code says whether anything is wrong or would change."""

    use_stdin = "-" in args.paths
    if use_stdin and len(args.paths) > 1:
        raise UsageError("- (standard input) cannot be combined with other paths")
    if use_stdin:
        return _run_stdin(args)
    config = config_from(args)
    assert isinstance(config, Config)
    sink = Sink()
    files = collect_files(existing_paths(args.paths), config, sink)
    outside = sink.sorted()
    print_diagnostics(outside)  # links out of the project: never read, never rewritten
    failed = sum(d.severity is Severity.ERROR for d in outside)
    changed = 0
    for path in files:
        outcome = _format_file(path, args)
        failed += outcome == "error"
        changed += outcome == "changed"
    unchanged = len(files) + sum(d.severity is Severity.ERROR for d in outside) - failed - changed
    verb = "would be reformatted" if args.check or args.diff else "reformatted"
    parts = [f"{_files(changed)} {verb}"] if changed else []
    if unchanged:
        parts.append(f"{_files(unchanged)} {'already formatted' if args.check or args.diff else 'left unchanged'}")
    if failed:
        parts.append(f"{_files(failed)} with errors")
    print(", ".join(parts) if parts else "no .wave files found", file=sys.stderr)
    if failed or ((args.check or args.diff) and changed):
        return 1
    return 0


def _files(n: int) -> str:
    return f"{n} file" + ("" if n == 1 else "s")


def _format(text: str, shown: str) -> Any:
    """The :class:`FormatResult`, or ``None`` after reporting a formatter bug."""

    try:
        return format_text(text, shown)
    except FormatError as exc:
        print(f"wavec fmt: internal error, file left unchanged (please report it): {exc}", file=sys.stderr)
        return None


def _decode(data: bytes, shown: str) -> str | None:
    """The text of a file; a file that is not UTF-8 is reported (WV014) like ``wavec check`` does."""

    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        sink = Sink()
        src = SourceFile(shown, data.decode("utf-8", "replace"))
        sink.report(codes.NOT_UTF8, "the file is not valid UTF-8", Span(src, exc.start, exc.start + 1),
                    label="invalid byte", help="save the file as UTF-8")
        print_diagnostics(sink.sorted())
        return None


def _format_file(path: Path, args: argparse.Namespace) -> str:
    """Format one file: ``"error"``, ``"changed"`` or ``"unchanged"``.

    The file is read and written at its real path, and only while that is still inside its project root:
    a link swapped in between the search and the write is refused like one found by the search.
    """
    shown = path.as_posix()
    real = confined(path, project_root(path))
    if real is None:
        sink = Sink()
        report_link_out(sink, path, True)
        print_diagnostics(sink.sorted())
        return "error"
    try:
        data = read_source(real)
    except OSError as exc:
        print(f"error: {shown}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return "error"
    text = _decode(data, shown)
    result = _format(text, shown) if text is not None else None
    if result is None:
        return "error"
    if result.text is None:
        print_diagnostics(result.diagnostics)
        print(f"error: {shown}: not formatted, it has syntax errors", file=sys.stderr)
        return "error"
    if not result.changed:
        return "unchanged"
    if args.diff:
        write(_diff(result.original, result.text, shown))
    if args.check:
        print(f"would reformat {shown}", file=sys.stderr)
    elif not args.diff:
        if confined(path, project_root(path)) != real:
            print(f"error: {shown}: changed into a link while being formatted; left unchanged", file=sys.stderr)
            return "error"
        real.write_text(result.text, encoding="utf-8", newline="\n")
        print(f"reformatted {shown}", file=sys.stderr)
    return "changed"


def _run_stdin(args: argparse.Namespace) -> int:
    text = _decode(sys.stdin.buffer.read(), "<stdin>")
    result = _format(text, "<stdin>") if text is not None else None
    if result is None:
        return 1
    if result.text is None:
        print_diagnostics(result.diagnostics)
        return 1
    if args.diff:
        write(_diff(result.original, result.text, "<stdin>"))
    elif not args.check:
        write(result.text)
    return 1 if (args.check or args.diff) and result.changed else 0


def _diff(before: str, after: str, shown: str) -> str:

    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 f"a/{shown}", f"b/{shown}")
    # a last line without its newline gets the marker `patch` and `git apply` expect
    return "".join(x if x.endswith("\n") else x + "\n\\ No newline at end of file\n" for x in lines)
