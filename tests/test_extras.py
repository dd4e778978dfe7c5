"""What `pip install wavec` (no extra) relies on: the shipped region list, and the error naming a missing extra."""

from __future__ import annotations

import pytest

from wavec.cli import extras
from wavec.semantics.aws_region_list import REGIONS
from wavec.semantics.reference import aws_regions, botocore_regions

from conftest import cli


def test_the_shipped_region_list_is_botocores() -> None:
    # Every name copied is a region of botocore's `aws` partition (the test environment has the aws extra), and
    # with botocore installed its newer regions are known too.
    known = botocore_regions()
    assert known, "the test environment installs botocore (the aws extra)"
    assert known >= REGIONS, REGIONS - known
    assert aws_regions() == REGIONS | known and "us-east-1" in REGIONS


def test_a_missing_extra_is_a_usage_error_that_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(extras.EXTRAS, "aws", ("boto3", "wavec_no_such_module"))
    proc = cli("deploy", "examples/minimal.wave")
    assert proc.returncode == 2
    assert proc.stderr == ("wavec deploy: error: wavec deploy needs wavec_no_such_module, which is not installed: "
                           "pip install 'wavec[aws]'\n")
