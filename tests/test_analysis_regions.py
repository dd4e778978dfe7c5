"""std/regions: every group names real regions (botocore's list) and every region has a weight."""

from __future__ import annotations

from wavec import check
from wavec.analysis.weights import default_weights
from wavec.lang.values import Template
from wavec.semantics.reference import aws_regions

from conftest import ROOT


def lets() -> dict[str, object]:
    result = check([ROOT / "stdlib" / "regions.wave"])
    assert result.diagnostics == []
    return dict(result.modules[0].lets)


def test_groups_are_real_regions() -> None:
    regions = aws_regions()
    groups = {k: v for k, v in lets().items() if isinstance(v, tuple)}
    assert {"us", "eu", "apac", "all"} <= set(groups)
    for name, items in groups.items():
        names = [t.text for t in items if isinstance(t, Template)]
        assert len(names) == len(items) == len(set(names)), name
        assert set(names) <= regions, (name, set(names) - regions)
    everything = {t.text for t in groups["all"] if isinstance(t, Template)}
    # every group is inside `all`; `all` holds every region of this botocore, bar ones added after the file
    assert all({t.text for t in v if isinstance(t, Template)} <= everything for v in groups.values())
    assert len(everything) >= 34


def test_weights_cover_every_region_and_are_positive() -> None:
    weights = default_weights()
    all_regions = {t.text for t in lets()["all"]}  # type: ignore[attr-defined]
    assert set(weights) == all_regions and set(weights) <= aws_regions()
    assert all(w > 0 for w in weights.values())
    assert max(weights, key=weights.__getitem__) == "us-east-1"


def test_a_user_file_can_import_the_groups(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    f = tmp_path / "eu.wave"
    f.write_text('import "std/regions"\npipeline p {\n  source s3 { bucket = "b"  key = "k" }\n'
                 '  deploy { local { run = "d"  rollback = "r" } }\n'
                 '  wave eu { regions = regions.eu - ["eu-south-2"] }\n}\n', encoding="utf-8")
    result = check([f])
    assert result.diagnostics == []
    assert "eu-south-2" not in result.pipelines[0].waves[0].regions
    assert len(result.pipelines[0].waves[0].regions) == 7
