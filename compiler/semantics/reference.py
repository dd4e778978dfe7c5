"""Reference data the checks need: AWS regions (a shipped copy, and botocore's list) and the tz database.

Both are read lazily and once: ``wavec check`` must not import botocore (it
only reads the JSON file botocore ships, when the ``wavec[aws]`` extra installed it)
nor scan the tz database unless a name is wrong and a suggestion is wanted.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from .aws_region_list import REGIONS


@functools.cache
def aws_regions() -> frozenset[str]:
    """Region names of the ``aws`` partition: the copy wavec ships, plus botocore's list when it is installed.

    botocore is the ``wavec[aws]`` extra; ``wavec check`` in a pre-commit hook has only the copy
    (:mod:`wavec.semantics.aws_region_list`), which holds every region of the botocore it was made from.
    """
    return REGIONS | botocore_regions()


@functools.cache
def botocore_regions(partition: str = "aws") -> frozenset[str]:
    """Region names of an AWS partition, from the ``partitions.json`` botocore ships (empty without botocore)."""
    import json

    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:  # the wavec[aws] extra is not installed
        return frozenset()
    data = Path(spec.origin).parent / "data"
    regions: set[str] = set()
    partitions_file = data / "partitions.json"
    if partitions_file.exists():
        for p in json.loads(partitions_file.read_text(encoding="utf-8"))["partitions"]:
            if p["id"] == partition:
                regions.update(p.get("regions", {}))
    if not regions:  # older botocore: the endpoints file lists the regions
        for p in json.loads((data / "endpoints.json").read_text(encoding="utf-8"))["partitions"]:
            if p["partition"] == partition:
                regions.update(p.get("regions", {}))
    # `aws-global` is an endpoint alias, not a region anything can be deployed to.
    return frozenset(r for r in regions if not r.endswith("-global"))


@functools.cache
def is_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone known to the tz database (system or ``tzdata``)."""

    import zoneinfo  # only for a file with a `timezone`: a check of others does not read the tz database

    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@functools.cache
def timezones() -> frozenset[str]:
    """Every IANA time zone name (slow: only for suggestions)."""

    import zoneinfo

    return frozenset(zoneinfo.available_timezones())
