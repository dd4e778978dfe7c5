"""Documentation generated from the registry and the schema: :mod:`.rules` (``wavec explain``, docs/rules.md),
:mod:`.language` (the schema section of docs/language.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..semantics import ir


def policy_rule_help(rule: ir.Rule, policy: ir.Policy) -> tuple[str, str]:
    """A policy rule's documentation as ``wavec explain`` prints it and as Markdown (SARIF ``help``).

    Imported when called: ``wavec check`` imports the policy language only when it enforces a policy.
    """
    from ..policy.sources import rule_doc
    from .rules import explain_rule_text, rule_markdown

    doc = rule_doc(rule, policy)
    return explain_rule_text(doc), "\n".join(rule_markdown(doc)) + "\n"
