"""The regions of the `aws` partition, copied from botocore's ``partitions.json`` (botocore 1.44.8).

``wavec check`` validates region names against this list when botocore (the ``wavec[aws]`` extra) is not
installed, so a pre-commit hook does not install the AWS SDK to know the regions; with botocore installed, its
list is added (a region AWS opened after this copy is then known too). ``tests/test_packaging.py`` checks
that every name here is one of botocore's; refresh the copy from a newer botocore with
``python -c "from wavec.semantics.reference import botocore_regions; print(sorted(botocore_regions()))"``.
"""

from __future__ import annotations

REGIONS: frozenset[str] = frozenset({
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "me-west-1",
    "mx-central-1",
    "sa-east-1",
    "sa-west-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
})
