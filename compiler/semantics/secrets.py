"""The built-in secrets check (WV128): credentials written in plain text in any string of a `.wave` file.

Every string literal outside ``policy`` blocks is searched — commands of steps, environments, deploys and
gates, environment values, ``let`` values, names — for what is a credential whatever surrounds it (AWS access
keys, private keys, tokens with a known prefix, passwords in URLs and in command-line flags, bearer tokens,
basic-auth headers) and for a value given to a name that says it is secret (``db_pass=…``,
``env = { API_TOKEN = "…" }``, ``let db_password = "…"``). A reference to a variable (``$DB_PASS``,
``${pw}``, ``$(cat …)``) is not a secret: that is how a secret should arrive.

Policy blocks are not searched: their strings are patterns that describe secrets. ``allow WV128 "reason"`` on
the block around a string (or at the top of the file) suppresses the finding, like a policy rule's.
"""

from __future__ import annotations

import functools
import re

from ..diagnostics.codes import builtin as codes
from ..records import record
from ..source import Span
from ..syntax import tree as t
from . import ir

CODE = codes.SECRET_IN_PLAIN_TEXT.code

_VALUE = r"""['"]?(?P<value>[^\s'"$`;&|<>(){}\[\],]{3,})"""  # a literal value: not a reference, not empty
_SECRET_NAME = (r"(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|"
                r"client[_-]?secret|credentials?|auth[_-]?key)")

# (what it is, the pattern); the first that matches a string names its finding.
_DETECTOR_SOURCES: tuple[tuple[str, str], ...] = (
    ("a private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ("an AWS access key id", r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[0-9A-Z]{16}\b"),
    ("a GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
    ("a GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    ("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    ("a Slack webhook", r"hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]{8,}"),
    ("a Stripe key", r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}"),
    ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
    ("an npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("a PyPI token", r"\bpypi-AgE[A-Za-z0-9_-]{40,}"),
    ("a SendGrid key", r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"),
    ("an OpenAI or Anthropic key", r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}"),
    ("a JSON web token", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ("an Azure storage key", r"(?i)\bAccountKey=[A-Za-z0-9+/]{40,}={0,2}"),
    ("a password in a URL", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'\"]+:(?P<value>[^/\s@'\"$]{1,})@"),
    ("a bearer token", r"(?i)\bbearer\s+(?P<value>[A-Za-z0-9._~+/-]{8,}=*)"),
    ("a basic-auth header", r"(?i)\bauthorization:\s*basic\s+(?P<value>[A-Za-z0-9+/]{8,}=*)"),
    ("a password in a command-line flag",
     r"(?:\bmysql(?:dump|admin|import|sh)?\b[^;&|\n]*\s-p(?P<value>[^\s'\"$`;&|]{2,})"
     r"|\bsshpass\s+-p\s*['\"]?(?P<value2>[^\s'\"$`;&|]{2,})"
     r"|--pass(?:word)?(?:=|\s+)['\"]?(?P<value3>[^\s'\"$`;&|-][^\s'\"$`;&|]{2,})"
     r"|\bcurl\b[^;&|\n]*\s(?:-u|--user)\s*['\"]?[^\s:'\"$]+:(?P<value4>[^\s'\"$`;&|]{2,}))"),
    ("a password in an environment variable", r"\b(?:PGPASSWORD|MYSQL_PWD|REDISCLI_AUTH)=" + _VALUE),
    ("a secret given to a secret-like name",
     r"(?i)(?<![A-Za-z0-9_.:/-])[A-Za-z0-9_.-]*" + _SECRET_NAME + r"[A-Za-z0-9_.-]*\s*[=:]\s*" + _VALUE),
)


# The patterns are compiled the first time a file has something the triggers below find (`wavec check` of a
# file without any, nearly every file, compiles none of them: they cost several milliseconds to compile).
@functools.cache
def _detectors() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((what, re.compile(rx)) for what, rx in _DETECTOR_SOURCES)


@functools.cache
def _pattern(rx: str) -> re.Pattern[str]:
    return re.compile(rx)


_NAME = r"(?i)(?:^|[_.-])" + _SECRET_NAME + r"(?:$|[_.-])"
# What any credential above contains, in lower case: a string without any (nearly all) is passed over at once.
_TRIGGERS = re.compile("|".join(re.escape(w) for w in (
    "-----begin", "akia", "asia", "abia", "acca", "agpa", "aida", "aroa", "anpa", "anva", "apka", "ghp_", "gho_",
    "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "hooks.slack", "_live_", "aiza", "npm_", "pypi-", "sg.",
    "sk-", "eyj", "accountkey", "://", "bearer", "basic", "mysql", "sshpass", "--pass", "curl", "pgpassword",
    "redis", "pass", "pwd", "secret", "token", "credential", "api_key", "api-key", "apikey", "access_key",
    "access-key", "accesskey", "private_key", "private-key", "privatekey", "auth_key", "auth-key")))
_PLACEHOLDER = (r"(?i)^(?:x+|\*+|\.+|none|null|true|false|changeme|redacted|example|dummy|"
                r"placeholder|secret|password|token|required|optional|env|file|stdin|prompt)$")
# What an item's own text must hold for any of its strings to be a credential (see find_secrets).
_SCAN = _TRIGGERS.pattern + r"|authkey|\\"  # compiled on first use (_pattern), like the detectors


@record
class SecretFinding:
    """A credential in a string: where, what kind, and the ``allow WV128`` that suppresses it (if any)."""

    span: Span
    kind: str
    allow: ir.Allow | None


# Values that say where a secret is kept, not what it is.
_WHERE = ("$", "<", "%", "{{", "arn:", "ssm:", "secretsmanager:", "/", "./", "~/", "s3://", "https://", "http://")
# Names that say the value is where a secret is, or about one: `TOKEN_ARN`, `PASSWORD_FILE`, `SECRET_NAME`.
_ABOUT = r"(?i)[_.-](?:arn|urls?|uri|path|file|name|id|ids|endpoint|region|length|len|ttl|type|kind)$"


def _is_literal_value(value: str) -> bool:
    return not _pattern(_PLACEHOLDER).match(value) and not value.startswith(_WHERE)


def secret_in(text: str) -> str | None:
    """What credential ``text`` holds in plain text (``"an AWS access key id"``), or ``None``."""
    if _TRIGGERS.search(text.lower()) is None:
        return None
    for what, rx in _detectors():
        for m in rx.finditer(text):
            values = [v for k, v in m.groupdict().items() if k.startswith("value") and v is not None]
            if not values or all(_is_literal_value(v) for v in values):
                return what
    return None


def _named_secret(key: str, value: str) -> bool:
    """Whether ``value``, one word, is what a name that says it is secret (``db_password``) holds."""
    return (_pattern(_NAME).search(key) is not None and _pattern(_ABOUT).search(key) is None and len(value) >= 3
            and _is_literal_value(value) and not any(c.isspace() for c in value))


def _text(lit: t.StringLit) -> str:
    return "".join(p if isinstance(p, str) else "${" + p.name + "}" for p in lit.parts)


def _allow(items: tuple[t.Item, ...]) -> ir.Allow | None:
    for item in items:
        if isinstance(item, t.Allow) and item.code.value == CODE:
            return ir.Allow(CODE, item.reason.value, item.span)
    return None


def find_secrets(module: t.Module) -> list[SecretFinding]:
    """Every string of ``module`` (outside ``policy`` blocks) that holds a credential in plain text."""
    out: list[SecretFinding] = []
    text = module.span.file.text
    lowered = text.lower()
    if _TRIGGERS.search(lowered) is None:
        return out  # one search of the whole file: most files have nothing that could be a secret
    # An item is searched only where its own text holds something a credential needs: a trigger, a backslash
    # (an escape can make one) or `authkey` (a secret-like name without a trigger); the offsets of the lowered
    # text are the file's unless a character lowered to several, and then every item is searched.
    exact = len(lowered) == len(text)
    scan = _pattern(_SCAN).search
    top = _allow(module.items)

    def visit(items: tuple[t.Item, ...], allow: ir.Allow | None) -> None:
        for item in items:
            if isinstance(item, t.Block):
                if item.type.value == "policy" or (exact and scan(lowered, item.span.start, item.span.end) is None):
                    continue
                visit(item.body, _allow(item.body) or allow)
            elif isinstance(item, t.Attribute | t.Let):
                if exact and scan(lowered, item.span.start, item.span.end) is None:
                    continue
                found: list[tuple[t.StringLit, str]] = []
                _strings(item.value, item.name.value, found)
                for lit, key in found:
                    value = _text(lit)
                    kind = secret_in(value)
                    if kind is None and _named_secret(key, value.strip()):
                        kind = f"a secret given to `{key}`"
                    if kind is not None:
                        out.append(SecretFinding(lit.span, kind, allow))

    visit(module.items, top)
    return out


def _strings(node: t.Expr | None, key: str, out: list[tuple[t.StringLit, str]]) -> None:
    """Append the string literals in an expression, in the order written, each with the name it is given (a map
    key, else ``key``). The tree's depth is bounded (:mod:`wavec.syntax.depth`), so recursion is safe."""
    if isinstance(node, t.StringLit):
        out.append((node, key))
    elif isinstance(node, t.ListExpr):
        for item in node.items:
            _strings(item, key, out)
    elif isinstance(node, t.MapExpr):
        for entry in node.entries:
            _strings(entry.value, entry.key, out)
    elif isinstance(node, t.Binary):
        _strings(node.left, key, out)
        _strings(node.right, key, out)
    elif isinstance(node, t.GetAttr):
        _strings(node.obj, key, out)
    elif isinstance(node, t.Unary):
        _strings(node.operand, key, out)
    elif isinstance(node, t.Lambda):
        _strings(node.body, key, out)
    elif isinstance(node, t.Call):
        for arg in node.args:
            _strings(arg, key, out)
    elif isinstance(node, t.Index):
        _strings(node.obj, key, out)
        _strings(node.index, key, out)
    elif isinstance(node, t.Slice):
        _strings(node.obj, key, out)
        _strings(node.start, key, out)
        _strings(node.stop, key, out)
    # the rest (numbers, durations, percentages, clocks, booleans, `none`, names) hold no string
