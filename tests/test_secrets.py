"""The built-in secrets check (WV128) is on by default: credentials in plain text in any string — steps,
environments, deploys, gates, environment values, `let` values — are errors, and nothing in the examples
or the standard library is one. `allow WV128 "reason"` suppresses a finding like a policy rule's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wavec.api import check
from wavec.config import Config

from conftest import EXAMPLES, ROOT, cli

# One credential of each kind, each where a user would put it. The first six are the misses.
KINDS: dict[str, tuple[str, str]] = {
    # kind: (where, the string's text)
    "name=value in a command": ("run", "DB_HOST=db db_pass=hunter2 ./migrate.sh"),
    "mysql -p": ("run", "mysql -u admin -phunter2 app < schema.sql"),
    "password in a URL": ("run", "psql postgres://u:pw@db.internal:5432/app -c 'select 1'"),
    "bearer GitHub token": ("check", "curl -H 'Authorization: Bearer ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ12' "
                                     "https://api.github.com/user"),
    "private key": ("run", "printf '%s' '-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA' > id_rsa"),
    "OpenSSH private key": ("create", "echo '-----BEGIN OPENSSH PRIVATE KEY-----' > key"),
    "AWS access key id": ("deploy", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE ./deploy.sh"),
    "AWS secret access key": ("env", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    "--password flag": ("rollback", "./rollback.sh --password s3cr3tValue"),
    "PGPASSWORD": ("destroy", "PGPASSWORD=hunter2 dropdb app"),
    "curl -u": ("check", "curl -fsS -u ops:letmein https://status.internal/ok"),
    "basic auth header": ("check", "curl -H 'Authorization: Basic b3BzOmxldG1laW4=' https://status.internal"),
    "Slack webhook": ("run", "curl -X POST https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"),
    "Slack token": ("env", "xoxb-123456789012-123456789012-abcdefABCDEF"),
    "Stripe live key": ("deploy", "STRIPE=sk_live_4eC39HqLyjWDarjtT1zdp7dc ./deploy.sh"),
    "GitLab token": ("run", "git clone https://oauth2:glpat-xxxxxxxxxxxxxxxxxxxx@gitlab.com/a/b.git"),
    "JSON web token": ("check", "curl -H 'X-Auth: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVP' "
                                "https://x"),
    "Google API key": ("run", "gcloud --api-key AIzaSyA1234567890abcdefghijklmnopqrstuv run"),
    "npm token": ("run", "npm config set //registry.npmjs.org/:_authToken npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"),
    "sshpass": ("destroy", "sshpass -p hunter2 ssh ops@bastion ./teardown.sh"),
    "secret let": ("let", "tok-8f2b9c1d7e6a"),
}


def _pipeline(where: str, text: str) -> str:
    """A pipeline with ``text`` as the string in ``where`` (a `run`, a gate `check`, an env value, …)."""
    s = json.dumps(text)
    run = s if where == "run" else '"make test"'
    env = f"env = {{ AWS_SECRET_ACCESS_KEY = {s} }}" if where == "env" else ""
    create, destroy = (s if where == "create" else '"./up.sh"'), (s if where == "destroy" else '"./down.sh"')
    check_ = s if where == "check" else '"./smoke.sh ${region}"'
    deploy, rollback = (s if where == "deploy" else '"./deploy.sh"'), (s if where == "rollback" else '"./rb.sh"')
    let = f"let api_token = {s}\n" if where == "let" else ""
    return f"""{let}pipeline shop {{
  role = "arn:aws:iam::111122223333:role/shop"
  source s3 {{ bucket = "shop-source"  key = "shop.zip" }}
  stage test {{
    environment {{ create = {create}  destroy = {destroy} }}
    step unit {{ run = {run}  {env} }}
  }}
  gate smoke {{ check = {check_} }}
  deploy {{ local {{ run = {deploy}  rollback = {rollback} }} }}
  wave first {{ regions = ["eu-west-1"]  gates = [smoke] }}
}}
"""


def _codes(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "shop.wave"
    path.write_text(text, encoding="utf-8")
    return [d.code for d in check([path], Config(), target_constraints=False).diagnostics]


def test_the_clean_pipeline_has_no_finding(tmp_path: Path) -> None:
    assert _codes(tmp_path, _pipeline("none", "")) == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_of_credential_is_found_where_it_stands(tmp_path: Path, kind: str) -> None:
    assert _codes(tmp_path, _pipeline(*KINDS[kind])) == ["WV128"]


def test_at_least_15_of_the_kinds_are_found(tmp_path: Path) -> None:
    found = [k for k, (where, text) in KINDS.items() if "WV128" in _codes(tmp_path, _pipeline(where, text))]
    assert len(found) >= 15, sorted(set(KINDS) - set(found))


@pytest.mark.parametrize("text", [
    "PGPASSWORD=\"$DB_PASSWORD\" psql", "mysql -u admin -p\"$MYSQL_PWD\" app", "psql \"postgres://u:$PW@db/app\"",
    "curl -H \"Authorization: Bearer $GITHUB_TOKEN\" https://api.github.com", "--password-stdin < pw.txt",
    "aws secretsmanager get-secret-value --secret-id prod/db", "TOKEN=$(cat /run/secrets/token) ./run.sh",
    "mkdir -p build && pytest -p no:cacheprovider", "echo password: required", "https://example.com/a:b@c",
])
def test_references_to_secrets_are_not_secrets(tmp_path: Path, text: str) -> None:
    assert _codes(tmp_path, _pipeline("run", text)) == [], text


def test_nothing_in_the_examples_or_the_standard_library_is_a_secret() -> None:
    result = check([EXAMPLES, ROOT / "stdlib"], Config(), target_constraints=False)
    assert len(result.files) >= 8
    assert [d for d in result.diagnostics if d.code == "WV128"] == []
    assert [d for d in result.suppressed if d.code == "WV128"] == []


def test_allow_suppresses_it_with_the_reason_and_is_not_an_unknown_rule(tmp_path: Path) -> None:
    text = _pipeline("run", "grep -r AKIAIOSFODNN7EXAMPLE docs/").replace(
        "  stage test {", '  stage test {\n    allow WV128 "the documented example key"', 1).replace(
        'pipeline shop {', 'import "std/policies/governance"\npipeline shop {\n  policies = [governance]', 1)
    (tmp_path / "shop.wave").write_text(text, encoding="utf-8")
    result = cli("check", "--show-suppressed", "--format", "json", "shop.wave", cwd=tmp_path)
    items = json.loads(result.stdout)
    wv128 = [i for i in items if i["code"] == "WV128"]
    assert [(i.get("suppressed"), i.get("reason")) for i in wv128] == [(True, "the documented example key")]
    assert "WV311" not in {i["code"] for i in items}  # the allow names a check that runs


def test_the_secret_itself_is_not_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "shop.wave"
    path.write_text(_pipeline("run", "mysql -u admin -phunter2 app"), encoding="utf-8")
    (d,) = check([path], Config(), target_constraints=False).diagnostics
    assert "hunter2" not in d.message + (d.help or "")
