"""`errorkb new`: the scaffold (every field in page order, placeholders named by validate, never overwriting) and
the contributor's whole path, from a pasted log to an error that passes `errorkb validate` and `errorkb check`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from conftest import REPO, run_cli
from errorkb.kb.scaffold import schema_order

PASTED_LOG = """\
$ python chat.py
Traceback (most recent call last):
  File "/home/dev/chat.py", line 9, in <module>
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
  File "/home/dev/.venv/lib/python3.12/site-packages/openai/_base_client.py", line 1047, in request
    raise self._make_status_error_from_response(err.response) from None
openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key provided: sk-proj-****************************Qx7b. You can find your API key at https://platform.openai.com/account/api-keys.', 'type': 'invalid_request_error', 'param': None, 'code': 'invalid_api_key'}}
"""
VARIANT_LOG = """\
Error: 401 Incorrect API key provided: sk-abcd*********************wxyz. You can find your API key at https://platform.openai.com/account/api-keys.
    at APIError.generate (/srv/app/node_modules/openai/error.js:44:20)
"""
CHECKING_COMMAND = {   # what a contributor writes: a free request that tells a rejected key from an accepted one
    "title": "Test the key with a request that costs nothing",
    "run": "resp=$(mktemp)\n"
           "http_code=$(curl -sS -o \"$resp\" -w '%{http_code}' https://api.openai.com/v1/models \\\n"
           "  -H \"Authorization: Bearer ${OPENAI_API_KEY:-}\")\n"
           "echo \"HTTP $http_code\"\n"
           "jq -r 'if .error then \"error: \\(.error.code) - \\(.error.message | sub(\"provided: .*\\\\. You can\"; "
           "\"provided: (key hidden). You can\"))\" else \"key accepted\" end' \"$resp\"\n"
           "rm -f \"$resp\"\n",
    "reading": "`HTTP 401` with `invalid_api_key` means this key is rejected; `key accepted` means it works.",
    "output": "HTTP 401\nerror: invalid_api_key - Incorrect API key provided: (key hidden). You can find your API key.",
    "scenarios": [
        {"name": "reproduce", "env": {"OPENAI_API_KEY": "wrong-key-for-testing-0000"},
         "stdout": {"contains": ["HTTP 401", "Incorrect API key provided"], "not_contains": ["wrong-ke"]}},
        {"name": "fixed", "env": {"OPENAI_API_KEY": "errorkb-test-key"},
         "stdout": {"contains": ["HTTP 200", "key accepted"]}},
    ],
}


def _project(tmp_path: Path, monkeypatch) -> Path:
    """A repository of error files with only the OpenAI provider, and nothing else: the test runs inside it."""
    (tmp_path / "errors" / "openai").mkdir(parents=True)
    shutil.copy(REPO / "errors" / "openai" / "_provider.yaml", tmp_path / "errors" / "openai")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _fill(value, path=()):
    """Write every FILL-IN the way a contributor would: real text for each field, a real command."""
    if isinstance(value, dict):
        if "FILL-IN" in str(value.get("run", "")):
            return dict(CHECKING_COMMAND)
        return {key: _fill(item, path + (key,)) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, path + (index,)) for index, item in enumerate(value)]
    if isinstance(value, str) and "FILL-IN" in value.upper():
        if path[-1:] == ("url",):
            return "https://platform.openai.com/docs/guides/error-codes"
        if path[:1] == ("tags",):
            return "authentication"
        if path[-1:] == ("question",):
            return "Does a new key work at once?"
        return f"Written by the contributor for {'.'.join(map(str, path))}."
    return value


def test_new_writes_every_field_in_page_order_with_the_schema_line(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch)
    status, out, err = run_cli(capsys, "new", "openai/bad-thing", "--signature", "400 Bad thing happened",
                               "--title", "OpenAI API bad thing")
    assert (status, err) == (0, "")
    text = (tmp_path / "errors" / "openai" / "bad-thing.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../generator/errorkb/kb/schema/error.schema.json\n")
    data = yaml.safe_load(text)
    assert list(data) == schema_order()
    assert data["signature"]["text"] == "400 Bad thing happened" and data["title"] == "OpenAI API bad thing"
    assert "errorkb: wrote errors/openai/bad-thing.yaml" in out


def test_validate_names_each_placeholder_by_code_and_line(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch)
    run_cli(capsys, "new", "openai/bad-thing", "--signature", "400 Bad thing happened", "--title", "OpenAI bad thing")
    status, out, err = run_cli(capsys, "validate")
    lines = [line for line in err.splitlines() if not line.startswith("errorkb: ")]
    assert status == 1
    assert all(re.match(r"errors/openai/bad-thing\.yaml:\d+:\d+: EKB317 ", line) for line in lines), lines
    named = {line.split(" EKB317 ")[1].split(" still holds")[0] for line in lines}
    assert {"quick_fix", "summary", "tags[0]", "commands[0].run", "faq[0].question", "sources[0].url"} <= named
    assert "errors/openai/bad-thing.yaml:19:12: EKB317 quick_fix still holds the scaffold's placeholder: one " \
           "sentence, the fix that works most often" in lines


def test_new_never_overwrites_and_a_new_provider_gets_its_provider_file(tmp_path, monkeypatch, capsys):
    root = _project(tmp_path, monkeypatch)
    assert run_cli(capsys, "new", "acme/broken")[0] == 0
    provider = yaml.safe_load((root / "errors" / "acme" / "_provider.yaml").read_text())
    assert set(provider) == {"name", "homepage", "api_hosts", "status_page", "description"}
    before = (root / "errors" / "acme" / "broken.yaml").read_text()
    status, out, err = run_cli(capsys, "new", "acme/broken", "--signature", "other")
    assert (status, out) == (2, "")
    assert err == ("errorkb: errors/acme/broken.yaml already exists; errorkb new never overwrites a file: edit it, "
                   "or choose another id\n")
    assert (root / "errors" / "acme" / "broken.yaml").read_text() == before
    status, out, err = run_cli(capsys, "new", "Acme/Bad_Name")
    assert status == 2 and "is not an error id" in err


def test_from_pasted_log_to_a_checked_error(tmp_path, monkeypatch, capsys):
    """The guide's path: save the log, errorkb new --from-log, fill in the placeholders, validate, check."""
    root = _project(tmp_path, monkeypatch)
    (root / "my-log.txt").write_text(PASTED_LOG)
    status, out, err = run_cli(capsys, "new", "--from-log", "my-log.txt")
    assert (status, err) == (0, "")
    draft_path = root / "errors" / "openai" / "invalid-api-key.yaml"   # provider from the log's hints, slug from its code
    vectors_path = root / "tests" / "search" / "vectors" / "openai" / "invalid-api-key.yaml"
    assert out.splitlines()[:2] == ["errorkb: wrote errors/openai/invalid-api-key.yaml",
                                    "errorkb: wrote tests/search/vectors/openai/invalid-api-key.yaml"]
    draft = yaml.safe_load(draft_path.read_text())
    assert draft["signature"] == {"text": "401 Incorrect API key provided", "http_status": 401,
                                  "error_type": "invalid_request_error", "error_code": "invalid_api_key"}
    assert draft["patterns"][0]["literal"] == "Incorrect API key provided: <key> You can find your API key at <url>."
    vector = yaml.safe_load(vectors_path.read_text())[0]
    assert vector["log"] == PASTED_LOG and vector["expect"] == "openai/invalid-api-key"

    status, out, err = run_cli(capsys, "validate")
    assert status == 1 and " EKB317 " in err and "signature.text" not in err and "patterns" not in err

    filled = _fill(draft)
    draft_path.write_text(draft_path.read_text().split("\n", 1)[0] + "\n" +
                          yaml.safe_dump(filled, sort_keys=False, allow_unicode=True, width=10_000))
    vector_text = vectors_path.read_text().replace(
        "FILL-IN: the public report this log was copied from (an https URL), or how it was constructed",
        "constructed from the openai-python AuthenticationError rendering")
    vectors_path.write_text(vector_text)

    status, out, err = run_cli(capsys, "validate", "--vectors", "tests/search/vectors")
    assert (status, err) == (0, ""), err
    for log in (PASTED_LOG, VARIANT_LOG):   # the pasted log, and the same error with another key, in node
        (root / "log.txt").write_text(log)
        status, out, err = run_cli(capsys, "match", "log.txt")
        assert status == 0 and out.startswith("1. openai/invalid-api-key "), out
    status, out, err = run_cli(capsys, "check", "openai/invalid-api-key")
    assert status == 0, err
    assert out.strip().endswith(" passed, 0 failed")


def test_from_log_without_provider_evidence_asks_for_the_id(tmp_path, monkeypatch, capsys):
    root = _project(tmp_path, monkeypatch)
    (root / "log.txt").write_text("fatal: the widget service refused the request: quota exceeded for widgets\n")
    status, out, err = run_cli(capsys, "new", "--from-log", "log.txt")
    assert (status, out) == (2, "")
    assert err.startswith("errorkb: no provider's hosts, SDK names or headers are in the log: name the error, as in "
                          "errorkb new --from-log FILE openai/")
    status, out, err = run_cli(capsys, "new", "--from-log", "log.txt", "openai/widget-quota")
    assert status == 0
    draft = yaml.safe_load((root / "errors" / "openai" / "widget-quota.yaml").read_text())
    assert "quota exceeded for widgets" in draft["signature"]["text"]
