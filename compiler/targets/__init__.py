"""Compile targets. Each target module exposes ``TARGET``, an object following :class:`~wavec.targets.base.Target`.

Targets are imported lazily by name, so that ``wavec build --target local`` never imports
what the CodePipeline target needs (and ``wavec check`` imports no target at all).
"""

from __future__ import annotations

import importlib

from .base import Target

# Target name → module under wavec.targets; the keys are the schema's TARGET_NAMES (tests/test_config.py).
TARGETS: dict[str, str] = {
    "codepipeline": "codepipeline.target",
    "local": "local",
}


def get_target(name: str) -> Target:
    """The target of that name (a ``KeyError`` for an unknown one)."""
    module = importlib.import_module(f"{__name__}.{TARGETS[name]}")
    target: Target = module.TARGET
    return target
