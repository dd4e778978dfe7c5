"""wavec: compile `.wave` deployment-safety files to CodePipeline V2 or a local rollout plan.

The public API lives in :mod:`wavec.api` and is re-exported here lazily, so that
``import wavec`` stays cheap for the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import CheckResult, check, load_config

__all__ = ["CheckResult", "__version__", "check", "load_config"]


def __getattr__(name: str) -> Any:
    # Lazy re-export: the CLI imports submodules directly and must not pay for the API module.
    if name in {"check", "CheckResult", "load_config"}:
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
