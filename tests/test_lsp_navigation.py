"""`wavec lsp` over stdio, one server for the module: go to definition across an import, rename-safe
references, the hover of a name, quick fixes applied until the diagnostics are gone, and an importer
re-diagnosed when the module it imports changes in its buffer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_lsp import Client, _at, _open

pytest.importorskip("pygls")

OPS = """\
# Shared gates and regions.
let europe = ["eu-west-1"]

gate paging {
  alarms = ["ops-paging-${region}"]
}
"""
MAIN = """\
import "./shared/ops.wave" as ops

gate canary_alarms { alarms = ["canary-${region}"] }

pipeline hello {
  source s3 {
    bucket = "hello-source"
    key    = "hello.zip"
  }

  deploy {
    local { run = "echo deploy"  rollback = "echo rollback" }
  }

  wave one {
    regions = ops.europe
    gates   = [ops.paging, canary_alarms]
  }

  wave two {
    regions = ["eu-west-2"]
    gates   = [canary_alarms]
  }
}
"""
OTHER = (MAIN.replace("ops.", "o.").replace('"./shared/o.wave" as ops', '"./shared/ops.wave" as o')
         .replace("hello", "other"))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nav")
    (root / "wave.toml").write_text("", encoding="utf-8")
    (root / "shared").mkdir()
    (root / "shared" / "ops.wave").write_text(OPS, encoding="utf-8")
    (root / "main.wave").write_text(MAIN, encoding="utf-8")
    (root / "other.wave").write_text(OTHER, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def client(project: Path) -> Iterator[Client]:
    c = Client(project)
    caps = c.request("initialize", {"processId": None, "rootUri": project.as_uri(), "capabilities": {}})["capabilities"]
    assert caps["definitionProvider"] and caps["referencesProvider"] and caps["codeActionProvider"]
    c.notify("initialized", {})
    yield c
    c.close()
    assert c.process.returncode == 0


def _text_at(root: Path, location: dict[str, Any]) -> str:
    """The text a location's range covers (one line), read from the file it names."""
    path = Path(location["uri"].removeprefix("file://"))
    line = path.read_text(encoding="utf-8").splitlines()[location["range"]["start"]["line"]]
    return line[location["range"]["start"]["character"] : location["range"]["end"]["character"]]


def test_definition_across_an_import_and_in_the_file(client: Client, project: Path) -> None:
    uri = _open(client, project / "main.wave", MAIN)
    assert client.diagnostics(uri) == []

    def definition(needle: str, into: int) -> dict[str, Any]:
        result: dict[str, Any] = client.request("textDocument/definition", {"textDocument": {"uri": uri},
                                                                             "position": _at(MAIN, needle, into)})
        return result

    ops_uri = (project / "shared" / "ops.wave").resolve().as_uri()
    paging = definition("ops.paging", 5)
    assert paging["uri"] == ops_uri and paging["range"]["start"] == _at(OPS, "paging {")
    assert _text_at(project, paging) == "paging"
    europe = definition("ops.europe", 6)
    assert europe["uri"] == ops_uri and _text_at(project, europe) == "europe"
    binding = definition("ops.europe", 1)  # the module's name: its import
    assert binding["uri"] == uri and binding["range"]["start"] == _at(MAIN, "ops\n")
    module = definition("./shared", 3)  # the import path: the file
    assert module["uri"] == ops_uri and module["range"]["start"] == {"line": 0, "character": 0}
    local = definition("canary_alarms]\n  }\n\n  wave two", 3)
    assert local["uri"] == uri and local["range"]["start"] == _at(MAIN, "canary_alarms {")


def test_references_are_every_use_across_files_and_safe_to_rename(client: Client, project: Path) -> None:
    ops_uri = _open(client, project / "shared" / "ops.wave", OPS)
    client.diagnostics(ops_uri)
    found = client.request("textDocument/references", {"textDocument": {"uri": ops_uri},
                                                        "position": _at(OPS, "paging {", 2),
                                                        "context": {"includeDeclaration": True}})
    assert sorted((Path(r["uri"]).name, r["range"]["start"]["line"]) for r in found) == [
        ("main.wave", 16), ("ops.wave", 3), ("other.wave", 16)]
    assert {_text_at(project, r) for r in found} == {"paging"}  # each range is the name alone
    uri = (project / "main.wave").resolve().as_uri()
    local = client.request("textDocument/references", {"textDocument": {"uri": uri},
                                                       "position": _at(MAIN, "canary_alarms]", 1),
                                                       "context": {"includeDeclaration": False}})
    assert [(r["range"]["start"]["line"], _text_at(project, r)) for r in local] == [
        (16, "canary_alarms"), (21, "canary_alarms")]


def test_hover_on_a_name_shows_its_definition(client: Client, project: Path) -> None:
    uri = _open(client, project / "main.wave", MAIN)
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": _at(MAIN, "ops.paging", 6)})
    value = hover["contents"]["value"]
    assert "**gate** `paging`" in value and 'alarms = ["ops-paging-${region}"]' in value and "ops.wave" in value
    assert hover["range"]["start"] == _at(MAIN, "paging")


def _apply(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply LSP text edits (computed on the same text) from the last to the first."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def at(pos: dict[str, int]) -> int:
        return starts[pos["line"]] + pos["character"]

    for edit in sorted(edits, key=lambda e: at(e["range"]["start"]), reverse=True):
        text = text[: at(edit["range"]["start"])] + edit["newText"] + text[at(edit["range"]["end"]) :]
    return text


def _fix_all(client: Client, uri: str, diagnostics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The edits of the quick fix the server offers for each diagnostic (one each)."""
    edits = []
    for d in diagnostics:
        actions = client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": d["range"],
                                                             "context": {"diagnostics": [d]}})
        (action,) = [a for a in actions if a["diagnostics"][0]["code"] == d["code"]
                     and a["diagnostics"][0]["range"] == d["range"]]
        assert action["kind"] == "quickfix"
        edits += action["edit"]["changes"][uri]
    return edits


def test_quick_fixes_applied_clear_their_diagnostics(client: Client, project: Path) -> None:
    broken = (MAIN.replace("    regions = [\"eu-west-2\"]\n", "    regions = [\"eu-west-2\"]\n    bake = 30mins\n"
                           "    windows = [windows.business_hours]\n    exposur = 50%\n")
              .replace("gates   = [canary_alarms]", "gates   = [canary_alrms]"))
    path = project / "fixes.wave"
    uri = _open(client, path, broken)
    diagnostics = client.diagnostics(uri)
    assert sorted(d["code"] for d in diagnostics) == ["WV009", "WV102", "WV108", "WV108"]
    fixed = _apply(broken, _fix_all(client, uri, diagnostics))
    assert fixed.startswith('import "./shared/ops.wave" as ops\nimport "std/windows"\n')
    assert "bake = 30m\n" in fixed and "exposure = 50%" in fixed and "[canary_alarms]" in fixed
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": fixed}]})
    assert client.diagnostics(uri) == []

    colon = MAIN.replace('bucket = "hello-source"', 'bucket: "hello-source"')
    colon_uri = _open(client, project / "colon.wave", colon)
    (syntax,) = client.diagnostics(colon_uri)
    assert syntax["code"] == "WV005"
    fixed = _apply(colon, _fix_all(client, colon_uri, [syntax]))
    assert 'bucket = "hello-source"' in fixed
    client.notify("textDocument/didChange", {"textDocument": {"uri": colon_uri, "version": 2},
                                             "contentChanges": [{"text": fixed}]})
    assert client.diagnostics(colon_uri) == []


def test_an_importer_is_re_diagnosed_when_its_module_changes(client: Client, project: Path) -> None:
    main_uri = _open(client, project / "main.wave", MAIN)
    client.diagnostics(main_uri)
    ops_uri = _open(client, project / "shared" / "ops.wave", OPS)
    client.diagnostics(ops_uri)
    renamed = OPS.replace("gate paging", "gate paging_team")
    client.notify("textDocument/didChange", {"textDocument": {"uri": ops_uri, "version": 5},
                                             "contentChanges": [{"text": renamed}]})  # not saved
    (unknown,) = client.diagnostics(main_uri)
    assert unknown["code"] == "WV108" and "paging" in unknown["message"]
    assert unknown["range"]["start"] == _at(MAIN, "ops.paging", 4)
    client.notify("textDocument/didChange", {"textDocument": {"uri": ops_uri, "version": 6},
                                             "contentChanges": [{"text": OPS}]})
    assert client.diagnostics(main_uri) == []
