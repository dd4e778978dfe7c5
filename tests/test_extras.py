"""What `pip install wavec` (no extra) relies on: the shipped region list, and the error naming a missing extra."""

from __future__ import annotations

import pytest

from wavec.cli import extras
from wavec.semantics import aws_region_list
from wavec.semantics.aws_region_list import REGIONS
from wavec.semantics.reference import aws_regions, botocore_regions

from conftest import cli

# The botocore release the shipped list was copied from (its module docstring says so too).
COPIED_FROM = (1, 44, 8)


def test_the_shipped_region_list_is_botocores() -> None:
    # Every name copied is a region of botocore's `aws` partition (the test environment has the aws extra), and
    # with botocore installed its newer regions are known too. An installed botocore older than the copy lacks
    # the regions opened since (1.43.11 lacks sa-west-1 and me-west-1): the copy then adds them, and only a
    # botocore at least as new as the copy must know every name in it.
    import botocore

    known = botocore_regions()
    assert known, "the test environment installs botocore (the aws extra)"
    installed = tuple(int(part) for part in botocore.__version__.split(".")[:3])
    if installed >= COPIED_FROM:
        assert known >= REGIONS, REGIONS - known
    assert aws_regions() == REGIONS | known and "us-east-1" in REGIONS
    assert f"botocore {'.'.join(map(str, COPIED_FROM))}" in aws_region_list.__doc__


def test_a_missing_extra_is_a_usage_error_that_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(extras.EXTRAS, "aws", ("boto3", "wavec_no_such_module"))
    proc = cli("deploy", "examples/minimal.wave")
    assert proc.returncode == 2
    assert proc.stderr == ("wavec deploy: error: wavec deploy needs wavec_no_such_module, which is not installed: "
                           "pip install 'wavec[aws]'\n")
