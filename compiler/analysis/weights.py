"""Traffic weights per region: ``std/regions``' defaults, a ``let weights`` map in the user's file, ``--weights``.

Later sources override earlier ones region by region; a region named nowhere
weighs :data:`UNKNOWN_WEIGHT`. Only ratios matter.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources

from ..diagnostics import Sink
from ..diagnostics.codes import analysis as codes
from ..records import record
from ..semantics import ir
from ..semantics.loader import Loader
from ..semantics.reference import aws_regions
from ..source import Span

UNKNOWN_WEIGHT = 1.0


@record
class Weights:
    """Weight per region, and where each came from (``std/regions``, ``let weights``, ``--weights``)."""

    values: Mapping[str, float]
    origin: Mapping[str, str]

    def of(self, region: str) -> float:
        """The weight of ``region``."""
        return self.values.get(region, UNKNOWN_WEIGHT)

    def source(self, region: str) -> str:
        """Where the weight of ``region`` came from."""
        return self.origin.get(region, "default 1")


@functools.cache
def default_weights() -> Mapping[str, float]:
    """``weights`` of ``std/regions`` (loaded through the ordinary loader, so it is the shipped file)."""


    sink = Sink()
    text = resources.files("wavec.stdlib").joinpath("regions.wave").read_text(encoding="utf-8")
    module = Loader(sink).load_text(text, "std/regions.wave")
    if module is None or sink.has_errors:  # pragma: no cover - the shipped file is tested
        raise RuntimeError("std/regions does not load: " + "; ".join(d.message for d in sink))
    raw = module.lets.get("weights")
    assert isinstance(raw, dict)
    return {str(k): float(v) for k, v in raw.items()}


def parse_weights_option(text: str) -> dict[str, float]:
    """``REGION=W[,REGION=W…]`` from the command line; raises ``ValueError`` with a message for the user."""
    out: dict[str, float] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        region, eq, value = item.partition("=")
        region = region.strip()
        if not eq:
            raise ValueError(f"`{item}` is not REGION=WEIGHT")
        if region not in aws_regions():
            raise ValueError(f"`{region}` is not a region of the `aws` partition")
        try:
            w = float(value)
        except ValueError:
            raise ValueError(f"weight of {region} is not a number: `{value}`") from None
        if not w >= 0 or w == float("inf"):
            raise ValueError(f"weight of {region} must be a number of zero or more, found `{value}`")
        out[region] = w
    return out


def file_weights(module: ir.Module | None, where: Span, sink: Sink) -> dict[str, float]:
    """The ``let weights`` map of the pipeline's own file; bad entries are reported (WV254) and skipped."""
    if module is None:
        return {}
    raw = module.lets.get("weights")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        written = module.let_spans.get("weights")
        sink.report(codes.INVALID_WEIGHTS,
                    "`let weights` is not a map of region weights; std/regions' defaults are used",
                    written or where, label="not a map" if written else "in this pipeline's file",
                    help='write `let weights = { "us-east-1" = 3, "eu-west-1" = 1 }`')
        return {}
    out: dict[str, float] = {}
    for region, value in sorted(raw.items()):
        ok_number = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        if region not in aws_regions() or not ok_number:
            why = "is not a region of the `aws` partition" if region not in aws_regions() else \
                "needs a number of zero or more"
            at = module.let_entries.get("weights", {}).get(region)
            sink.report(codes.INVALID_WEIGHTS, f'`let weights`: "{region}" {why}; the entry is ignored',
                        at or where, label="this entry" if at else "in this pipeline's file",
                        help='weights map region names to relative traffic, e.g. `{ "us-east-1" = 3 }`')
            continue
        out[str(region)] = float(value)
    return out


def resolve(module: ir.Module | None, option: Mapping[str, float], where: Span, sink: Sink) -> Weights:
    """Defaults, then the file's ``let weights``, then the ``--weights`` option."""
    values: dict[str, float] = dict(default_weights())
    origin = dict.fromkeys(values, "std/regions")
    for source, layer in (("let weights", file_weights(module, where, sink)), ("--weights", option)):
        for region, w in layer.items():
            values[region] = w
            origin[region] = source
    return Weights(values, origin)
