"""The interface every compile target implements.

Targets read the IR and the action DAG, never the syntax tree, and never
re-validate what the front end checked. What a target cannot express is
reported through :func:`unsupported` as a warning with the target's own code —
never dropped silently (the sqlglot model: capabilities are declared, gaps are
collected and reported).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ..diagnostics import Label, Severity, Sink
from ..diagnostics.codes import Code
from ..diagnostics.codes import builtin as builtin_codes
from ..lang.shell import shell_text
from ..lang.values import Template, Var
from ..records import record
from ..source import Span

if TYPE_CHECKING:
    import networkx as nx

    from ..semantics import ir


@record
class BuildOptions:
    """What the user asked of ``wavec build``: the output format (``None``: the target's default)."""

    format: str | None = None


class Target(Protocol):
    """A compile target."""

    name: str
    formats: tuple[str, ...]
    """Output formats; the first is the default."""

    def compile(self, pipeline: ir.Pipeline, graph: nx.DiGraph[str], options: BuildOptions, sink: Sink) -> str | None:
        """The output text (deterministic: sorted keys, no timestamps, no absolute paths).

        Report problems to ``sink``; return ``None`` when an error makes output impossible.
        """
        ...

    def constraints(self, pipeline: ir.Pipeline, sink: Sink) -> None:
        """Report to ``sink`` what :meth:`compile` would report in its default format, building only what
        that takes (``wavec check`` calls it for the pipelines built for this target)."""
        ...


def unsupported(sink: Sink, code: Code, message: str, span: Span | None, *, help: str | None = None,
                label: str = "not expressible on this target", extra: tuple[Label, ...] = ()) -> None:
    """Report a feature the target cannot express, as a warning (the default for target gaps)."""
    sink.report(code, message, span, label=label, help=help, extra=extra, severity=Severity.WARNING)


def command_text(template: Template, sink: Sink, context: Callable[[Var], str], verbatim: bool = False) -> str:
    """A command's shell text with every interpolation as data (:func:`wavec.lang.shell.shell_text`); an
    interpolation where nothing can be data (a quoted heredoc) is reported (WV116) and left out."""
    result = shell_text(template, context, verbatim)
    for var in result.refused:
        sink.report(builtin_codes.INTERPOLATION_OUT_OF_PLACE,
                    f"`${{{var.name}}}` stands where the shell expands nothing (a quoted heredoc, `<<'EOF'`, or its "
                    "delimiter), so its value cannot reach the command as data", var.span or template.span,
                    label="not expanded here",
                    help="use an unquoted heredoc (`<<EOF`), where the value is written as data")
    return result.text
