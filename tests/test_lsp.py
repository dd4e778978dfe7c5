"""`wavec lsp` driven over stdio as an editor drives it: a JSON-RPC client starts `python -m wavec lsp`,
opens and changes buffers, and asks for hover, completion, formatting and the outline."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import cli

pytest.importorskip("pygls")

BAD = """\
pipeline hello {
  source s3 {
    bucket = "hello-source"
    key    = "hello.zip"
  }

  stage test {
    step unit { kind = test  run = "pytest -q" }
  }

  deploy {
    local { run = "echo deploy ${region}"  rollback = "echo rollback ${region}" }
  }

  wave only {
    regions = ["eu-west-9"]
    bake = 30mins
    exposur = 50%
  }
}
"""
FIXED = BAD.replace("eu-west-9", "eu-west-1").replace("30mins", "30m").replace("exposur ", "exposure ")
TIMEOUT = 30.0


class Client:
    """A minimal LSP client: Content-Length framed JSON-RPC over the server's stdin and stdout."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "wavec", "lsp"], cwd=cwd, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.process.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None
            self.messages.put(json.loads(out.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any] | None) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        message = self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)
        assert "error" not in message, message
        return message["result"]

    def wait(self, matches: Any) -> dict[str, Any]:
        while True:
            message = self.messages.get(timeout=TIMEOUT)
            if matches(message):
                return message

    def diagnostics(self, uri: str) -> list[dict[str, Any]]:
        message = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                            and m["params"]["uri"] == uri)
        result: list[dict[str, Any]] = message["params"]["diagnostics"]
        return result

    def close(self) -> None:
        self.request("shutdown", None)
        self.notify("exit", {})
        self.process.wait(timeout=TIMEOUT)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lsp")
    (root / "wave.toml").write_text("", encoding="utf-8")
    for name in ("app", "burst", "unsaved", "hover", "complete", "names", "outline"):
        (root / f"{name}.wave").write_text(BAD, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def client(project: Path) -> Iterator[Client]:
    """One server for the module (its start-up is most of a test's time); each test opens its own file."""
    c = Client(project)
    result = c.request("initialize", {"processId": None, "rootUri": project.as_uri(), "capabilities": {}})
    caps = result["capabilities"]
    assert caps["hoverProvider"] and caps["documentFormattingProvider"] and "completionProvider" in caps
    c.notify("initialized", {})
    yield c
    c.close()
    assert c.process.returncode == 0


def _open(client: Client, path: Path, text: str) -> str:
    uri = path.as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "wave", "version": 1,
                                                            "text": text}})
    return uri


def _at(text: str, needle: str, into: int = 0) -> dict[str, int]:
    """The LSP position ``into`` characters into the first ``needle`` of ``text``."""
    at = text.index(needle) + into
    line = text.count("\n", 0, at)
    return {"line": line, "character": at - (text.rfind("\n", 0, at) + 1)}


def test_diagnostics_on_open_equal_wavec_check_and_clear_when_fixed(client: Client, project: Path) -> None:
    checked = json.loads(cli("check", "--format", "json", "app.wave", cwd=project).stdout)
    assert len(checked) == 3
    uri = _open(client, project / "app.wave", BAD)
    got = client.diagnostics(uri)
    assert [(d["code"], d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1, d["message"])
            for d in got] == [(d["code"], d["line"], d["column"], d["message"]) for d in checked]
    assert {d["severity"] for d in got} == {1}  # all errors
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": FIXED}]})
    assert client.diagnostics(uri) == []


def test_a_burst_of_changes_ends_with_the_diagnostics_of_the_last_text(client: Client, project: Path) -> None:
    uri = _open(client, project / "burst.wave", BAD)
    assert len(client.diagnostics(uri)) == 3
    for version, text in enumerate([BAD.replace("30mins", "30m"), FIXED.replace("eu-west-1", "eu-west-7"), FIXED],
                                   start=2):
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [{"text": text}]})
    last = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                       and m["params"].get("version") == 4)
    assert last["params"]["diagnostics"] == []


def test_an_unsaved_buffer_is_checked_from_its_text(client: Client, project: Path) -> None:
    uri = _open(client, project / "unsaved.wave", FIXED)  # the disk still holds BAD
    assert client.diagnostics(uri) == []
    broken = FIXED.replace("bake = 30m", "bake = 30m\n    regions = [")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": broken}]})
    (syntax,) = client.diagnostics(uri)
    assert syntax["severity"] == 1 and syntax["code"].startswith("WV0")


def test_hover_shows_the_schema_documentation(client: Client, project: Path) -> None:
    uri = _open(client, project / "hover.wave", FIXED)
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": _at(FIXED, "bake", 2)})
    value = hover["contents"]["value"]
    assert "wave.bake" in value and "duration" in value and "time the wave is watched" in value
    assert "default: `0s`" in value or "default: `0" in value
    block = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": _at(FIXED, "wave only", 1)})
    assert "A production wave" in block["contents"]["value"]
    enum = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": _at(FIXED, "= test", 3)})
    assert "kind" in enum["contents"]["value"]  # `test`, a value of the step's `kind`
    assert client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                 "position": _at(FIXED, "hello-source", 2)}) is None


def _labels(client: Client, uri: str, position: dict[str, int]) -> list[str]:
    result = client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": position})
    return [i["label"] for i in result["items"]]


def test_completion_offers_what_is_valid_at_the_cursor(client: Client, project: Path) -> None:
    text = FIXED.replace("    bake = 30m\n", "    bake = 30m\n    \n    exposure_by = \n")
    uri = _open(client, project / "complete.wave", text)
    in_wave = _labels(client, uri, _at(text, "    \n", 4))
    assert {"regions", "bake", "gates", "exposure_by"} <= set(in_wave)
    assert "pipeline" not in in_wave and "step" not in in_wave
    assert _labels(client, uri, _at(text, "exposure_by = \n", 14)) == ["provider", "profile"]
    regions = _labels(client, uri, _at(text, '"eu-west-1"', 1))
    assert {"eu-west-1", "us-east-1", "ap-southeast-2"} <= set(regions)
    in_pipeline = _labels(client, uri, _at(text, "\n  stage", 1))
    assert {"source", "stage", "wave", "gate", "role", "execution_mode"} <= set(in_pipeline)
    top = _labels(client, uri, {"line": text.count("\n"), "character": 0})
    assert set(top) == {"pipeline", "policy", "gate", "window", "deploy"}
    assert {"bucket", "key"} <= set(_labels(client, uri, _at(text, "    key", 4)))


def _items(client: Client, uri: str, position: dict[str, int]) -> list[dict[str, Any]]:
    result = client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": position})
    items: list[dict[str, Any]] = result["items"]
    return items


def test_completion_of_names_in_scope_time_zones_and_imports(client: Client, project: Path) -> None:
    text = ('import "std/\n'
            'gate shared { alarms = [] }\n'
            + FIXED.replace("  wave only {\n", '  gate local_alarms { alarms = [] }\n'
                            '  window office { timezone = "Eu" }\n'
                            "  wave only {\n    gates = []\n"))
    uri = _open(client, project / "names.wave", text)
    assert _labels(client, uri, _at(text, "gates = []", 9)) == ["shared", "local_alarms"]
    zones = _items(client, uri, _at(text, '"Eu"', 3))
    paris = next(i for i in zones if i["label"] == "Europe/Paris")
    start = _at(text, '"Eu"', 1)
    assert paris["textEdit"]["range"] == {"start": start, "end": _at(text, '"Eu"', 3)}  # replaces `Eu`, keeps `"`
    modules = _items(client, uri, _at(text, "std/", 4))
    assert {"std/windows", "std/policies/hands_off"} <= {i["label"] for i in modules}
    assert modules[0]["textEdit"]["range"]["start"] == _at(text, "std/")


def test_formatting_returns_what_wavec_fmt_writes(client: Client, project: Path) -> None:
    messy = FIXED.replace("    bucket = ", "  bucket=").replace("  wave only {", "wave   only{")
    (project / "messy.wave").write_text(messy, encoding="utf-8")
    uri = _open(client, project / "messy.wave", messy)
    (edit,) = client.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                         "options": {"tabSize": 2, "insertSpaces": True}})
    assert edit["range"]["start"] == {"line": 0, "character": 0}
    assert cli("fmt", "messy.wave", cwd=project).returncode == 0
    assert edit["newText"] == (project / "messy.wave").read_text(encoding="utf-8") != messy


def test_document_symbols_outline_pipelines_stages_and_waves(client: Client, project: Path) -> None:
    uri = _open(client, project / "outline.wave", FIXED)
    (pipeline,) = client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    assert pipeline["name"] == "hello"
    assert [(c["detail"], c["name"]) for c in pipeline["children"]] == [
        ("stage", "test"), ("deploy", "deploy"), ("wave", "only")]
    assert [c["name"] for c in pipeline["children"][0]["children"]] == ["unit"]


def test_lsp_without_pygls_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "pygls").mkdir()  # a package that fails to import: stands in for pygls not being installed
    (tmp_path / "pygls" / "__init__.py").write_text("raise ImportError('no pygls here')\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "wavec", "lsp"], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}, input="", timeout=TIMEOUT)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "pip install 'wavec[lsp]'" in done.stderr
