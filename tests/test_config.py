"""Configuration: [tool.wavec] / wave.toml found upwards; ignore, severity, exclude; broken config is exit 2."""

from __future__ import annotations

from pathlib import Path

from conftest import cli

DUP = """pipeline p {
  role = "arn:aws:iam::111122223333:role/p"
  source s3 { bucket = "b"  key = "k" }
  deploy { local { run = "./d.sh"  rollback = "./r.sh" } }
  wave w { regions = ["us-east-1", "us-east-1"]  bake = 60 }
}
"""


def _project(tmp_path: Path, config_name: str, config: str) -> Path:
    (tmp_path / config_name).write_text(config, encoding="utf-8")
    sub = tmp_path / "pipelines" / "deep"
    sub.mkdir(parents=True)
    (sub / "p.wave").write_text(DUP, encoding="utf-8")
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "broken.wave").write_text("pipeline {", encoding="utf-8")
    return sub


def test_pyproject_table_found_from_a_subfolder(tmp_path: Path) -> None:
    sub = _project(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.wavec]\nignore = ["WV126"]\n'
                   'exclude = ["generated/**"]\n[tool.wavec.severity]\nWV104 = "warning"\n')
    proc = cli("check", "--format", "json", str(tmp_path), cwd=sub)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"code": "WV104"' in proc.stdout and '"severity": "warning"' in proc.stdout
    assert "WV126" not in proc.stdout and "broken.wave" not in proc.stdout


def test_wave_toml_and_strict(tmp_path: Path) -> None:
    sub = _project(tmp_path, "wave.toml", 'severity = { WV104 = "warning", WV126 = "info" }\n')
    assert cli("check", "pipelines", cwd=tmp_path).returncode == 0
    assert cli("check", "--strict", "pipelines", cwd=tmp_path).returncode == 1
    # Without exclude, the broken file in generated/ is found and fails the run.
    assert cli("check", ".", cwd=sub.parent.parent).returncode == 1


def test_broken_configuration_is_a_usage_error(tmp_path: Path) -> None:
    _project(tmp_path, "wave.toml", 'ignroe = ["WV126"]\n')
    proc = cli("check", "pipelines", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown configuration key 'ignroe'" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "wave.toml").write_text("severity = { WV104 = \"fatal\" }\n", encoding="utf-8")
    proc = cli("check", "pipelines", cwd=tmp_path)
    assert proc.returncode == 2 and "must be error, warning or info" in proc.stderr
    (tmp_path / "wave.toml").write_text("ignore = [\n", encoding="utf-8")
    assert cli("check", "pipelines", cwd=tmp_path).returncode == 2
