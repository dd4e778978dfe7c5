"""A built-in code's documentation laid out: the terminal text of ``wavec explain`` (SARIF ``help.text``) and
the Markdown of docs/rules.md (SARIF ``help.markdown``).

The words are the registry's (:class:`~wavec.diagnostics.codes.Code`); this module only lays them out, in
the four parts of the style of ruff: What it does, Why is this bad?, Example, Use instead.
"""

from __future__ import annotations

from . import Code

# GitHub code scanning's bands of a `security-severity` score (its documentation of SARIF support).
_LEVELS = ((9.0, "critical"), (7.0, "high"), (4.0, "medium"), (0.1, "low"))


def security_level(score: str) -> str:
    """The word GitHub shows for a ``security-severity`` score: ``critical`` (9.0+), ``high``, ``medium``, ``low``."""
    value = float(score)
    return next((word for floor, word in _LEVELS if value >= floor), "none")


def example_block(text: str, context: str, markers: bool = True) -> list[str]:
    """The fenced block of a code's example or fix, with the marker of docs/authoring.md ("Examples in the
    docs") when it is the body of a pipeline, stage or wave (``markers``: the docs' tests read them; a SARIF
    help text has no use for them); a description in parentheses is text."""
    if text.startswith("(") and text.endswith(")"):
        return ["```text", text, "```"]
    if text.startswith("[tool.wavec]"):
        return ["```toml", text, "```"]
    marker = [] if context == "file" or not markers else [
        "<!-- wave: fragment -->" if context == "pipeline" else f"<!-- wave: fragment {context} -->"]
    return [*marker, "```wave", text, "```"]


def explain_text(c: Code) -> str:
    """The terminal text of ``wavec explain CODE``."""
    return (
        f"{c.code}: {c.title} ({c.severity.value})\n\n"
        f"What it does\n  {c.what}\n\n"
        f"Why is this bad?\n  {c.why}\n\n"
        f"Example\n{indent(c.example)}\n\n"
        f"Use instead\n{indent(c.fix)}\n"
    )


def indent(text: str) -> str:
    """Every non-empty line indented by four spaces (the examples of the terminal text)."""
    return "\n".join("    " + line if line else "" for line in text.splitlines())


def headline(c: Code) -> str:
    """``**title** — default severity: error`` (and the security severity of a security rule)."""
    out = f"**{c.title}** — default severity: {c.severity.value}"
    if c.security is not None:
        out += f" — security severity: {security_level(c.security)} ({c.security})"
    return out


def code_markdown(c: Code, markers: bool = True) -> list[str]:
    """The lines of a code's entry below its heading: headline, What it does, Why, Example, Use instead."""
    return [
        headline(c),
        "",
        f"**What it does.** {c.what}",
        "",
        f"**Why is this bad?** {c.why}",
        "",
        "**Example**",
        "",
        *example_block(c.example, c.context, markers),
        "",
        "**Use instead**",
        "",
        *example_block(c.fix, c.context, markers),
    ]
