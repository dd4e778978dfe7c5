"""The policy language: a typed model of each pipeline, rules compiled to closures, and their enforcement.

* :mod:`.types` — policy types and the model's object kinds and attributes;
* :mod:`.model` — the read-only model of one pipeline (effective values);
* :mod:`.compile`, :mod:`.ops`, :mod:`.builtins`, :mod:`.regex` — type-checking and compiling expressions;
* :mod:`.engine` — evaluating rules, ``allow`` suppressions;
* :mod:`.runtime` — what compiled rules run on (environment, closure types, runtime errors);
* :mod:`.sources` — configured and standard-library policies, rule documentation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import Engine
    from .sources import check_configured_codes, load_configured

__all__ = ["Engine", "check_configured_codes", "load_configured"]


def __getattr__(name: str) -> Any:
    # PEP 562: `wavec check` of files without policies never pays for compiling the policy language.
    if name == "Engine":
        from .engine import Engine

        return Engine
    if name in ("load_configured", "check_configured_codes"):
        from . import sources

        return getattr(sources, name)
    raise AttributeError(name)
