"""Names of what wavec's output creates (state machines, functions, namespaces, projects): bounded and stable."""

from __future__ import annotations

import hashlib
import re


def bounded(name: str, limit: int, key: str) -> str:
    """``name`` when it has at most ``limit`` characters; else its start and 8 hex digits of ``key``'s SHA-256,
    so that two long names that share a start stay apart, the same on every machine."""
    if len(name) <= limit:
        return name
    return f"{name[: limit - 9]}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:8]}"


def only(name: str, allowed: str, replacement: str = "-") -> str:
    """``name`` with every character outside the class ``allowed`` (e.g. ``A-Za-z0-9_-``) replaced."""
    return re.sub(f"[^{allowed}]", replacement, name)
