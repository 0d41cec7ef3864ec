"""The command sandbox: curl and Python clients reach injected fake provider apps through the
connect-to rules and the proxy; unmocked hosts are refused and named; running: false, timeouts,
environment isolation and parallel runs behave."""

from __future__ import annotations

import concurrent.futures
import json
import os
import time
import types

import pytest

from errorkb.verify.sandbox import run_command


class FakeProvider:
    def __init__(self, name: str, scheme: str, hosts: list[str]):
        self.name, self.scheme, self.hosts = name, scheme, hosts


FAKE_PROVIDERS = {
    "openai": FakeProvider("openai", "https", ["api.openai.com"]),
    "azure": FakeProvider("azure", "https", ["*.openai.azure.com"]),
    "ollama": FakeProvider("ollama", "http", ["localhost:11434", "127.0.0.1:11434"]),
}


def fake_provider_for_host(host: str, scheme: str) -> str | None:
    for mock in FAKE_PROVIDERS.values():
        if mock.scheme != scheme:
            continue
        for pattern in mock.hosts:
            if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
                return mock.name
    return None


def fake_make_app(provider: str, state: dict, log: list):
    """Echoes the request as JSON; counts requests in state['count'] (state persists per run)."""

    def app(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        state["count"] = state.get("count", 0) + 1
        record = {
            "provider": provider,
            "method": environ["REQUEST_METHOD"],
            "host": environ.get("HTTP_HOST"),
            "path": environ["PATH_INFO"],
            "query": environ["QUERY_STRING"],
            "scheme": environ["wsgi.url_scheme"],
            "authorization": environ.get("HTTP_AUTHORIZATION"),
            "body": body.decode(),
            "count": state["count"],
            "marker": state.get("marker"),
        }
        log.append(record)
        out = json.dumps(record).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(out)))])
        return [out]

    return app


FAKE = types.SimpleNamespace(PROVIDERS=FAKE_PROVIDERS, provider_for_host=fake_provider_for_host,
                             make_app=fake_make_app)


def run(command: str, *, env=None, provider="openai", mock_state=None, timeout=10.0):
    return run_command(command, env=env or {}, provider=provider, mock_state=mock_state or {},
                       timeout=timeout, providers=FAKE)


def test_curl_https_reaches_mock_with_original_host_and_headers():
    command = ('curl -sS https://api.openai.com/v1/chat/completions?x=1 '
               '-H "Authorization: Bearer $OPENAI_API_KEY" -d \'{"model":"gpt-4o"}\'')
    result = run(command, env={"OPENAI_API_KEY": "errorkb-test-key"})
    assert result.exit_status == 0, result.stderr
    assert result.unmocked_hosts == []
    assert len(result.requests) == 1
    request = result.requests[0]
    assert request["provider"] == "openai"
    assert request["host"] == "api.openai.com"
    assert request["scheme"] == "https"
    assert request["method"] == "POST"
    assert request["path"] == "/v1/chat/completions"
    assert request["query"] == "x=1"
    assert request["authorization"] == "Bearer errorkb-test-key"
    assert request["body"] == '{"model":"gpt-4o"}'
    assert json.loads(result.stdout) == request


def test_mock_state_goes_to_the_scenario_provider_and_persists_within_a_run():
    command = ("curl -sS https://api.openai.com/a; echo; curl -sS https://api.openai.com/b; echo; "
               "curl -sS http://localhost:11434/api/tags")
    state = {"marker": "scenario"}
    result = run(command, mock_state=state)
    assert [r["count"] for r in result.requests] == [1, 2, 1]
    assert [r["marker"] for r in result.requests] == ["scenario", "scenario", None]
    assert state == {"marker": "scenario"}  # the caller's dict is not changed


def test_curl_wildcard_host():
    result = run("curl -sS https://my-resource.openai.azure.com/openai/deployments/gpt-4o/chat")
    assert result.exit_status == 0, result.stderr
    assert result.requests[0]["provider"] == "azure"
    assert result.requests[0]["host"] == "my-resource.openai.azure.com"


def test_python_urllib_through_proxy_reaches_mock():
    command = ("python3 -c 'import urllib.request; "
               "print(urllib.request.urlopen(\"https://api.openai.com/v1/models\").read().decode())'")
    result = run(command)
    assert result.exit_status == 0, result.stderr
    assert result.requests[0]["host"] == "api.openai.com"
    assert result.requests[0]["scheme"] == "https"
    assert json.loads(result.stdout)["path"] == "/v1/models"


def test_python_requests_through_proxy_reaches_mock_https_and_plain_http():
    command = ("python3 -c 'import requests; "
               "print(requests.post(\"https://api.openai.com/v1/embeddings\", json={\"a\": 1}).status_code); "
               "print(requests.get(\"http://localhost:11434/api/tags\").json()[\"provider\"])'")
    result = run(command)
    assert result.exit_status == 0, result.stderr
    assert result.stdout.split() == ["200", "ollama"]
    assert [(r["provider"], r["host"], r["body"]) for r in result.requests] == [
        ("openai", "api.openai.com", '{"a": 1}'), ("ollama", "localhost:11434", "")]


def test_unmocked_https_host_fails_and_is_named_for_curl():
    result = run("curl -sS https://api.example.com/v1/models")
    assert result.exit_status == 35  # TLS handshake aborted
    assert result.unmocked_hosts == ["api.example.com"]
    assert result.requests == []


def test_unmocked_https_host_fails_and_is_named_for_python():
    command = ("python3 -c 'import urllib.request; "
               "urllib.request.urlopen(\"https://api.example.com/v1/models\")'")
    result = run(command)
    assert result.exit_status == 1
    assert "502" in result.stderr
    assert result.unmocked_hosts == ["api.example.com"]


def test_unmocked_plain_http_host_gets_502_naming_it():
    result = run("curl -sS -w '%{http_code}' http://example.org:8080/x")
    assert result.stdout == "errorkb sandbox: no mock serves host http://example.org:8080\n502"
    assert result.unmocked_hosts == ["http://example.org:8080"]


def test_plain_http_localhost_11434_routes_to_ollama_both_host_forms():
    result = run("curl -sS http://localhost:11434/api/tags; curl -sS http://127.0.0.1:11434/api/version",
                 provider="ollama")
    assert result.exit_status == 0, result.stderr
    assert [(r["provider"], r["host"], r["path"]) for r in result.requests] == [
        ("ollama", "localhost:11434", "/api/tags"), ("ollama", "127.0.0.1:11434", "/api/version")]


def test_running_false_makes_curl_fail_to_connect():
    result = run("curl -sS http://localhost:11434/api/tags", provider="ollama",
                 mock_state={"running": False})
    assert result.exit_status == 7
    assert "Failed to connect" in result.stderr
    assert result.requests == []
    # other providers still answer
    other = run("curl -sS http://127.0.0.1:11434/api/tags; curl -sS https://api.openai.com/v1/models",
                provider="ollama", mock_state={"running": False})
    assert other.exit_status == 0
    assert [r["provider"] for r in other.requests] == ["openai"]


def test_timeout_kills_the_process_group():
    started = time.monotonic()
    result = run("sleep 30 & sleep 30; echo never", timeout=1.0)
    elapsed = time.monotonic() - started
    assert result.timed_out
    assert result.exit_status == -1
    assert "never" not in result.stdout
    assert elapsed < 2.5


def test_background_job_left_behind_does_not_hold_the_run():
    result = run("sleep 30 & echo done", timeout=5.0)
    assert not result.timed_out
    assert result.exit_status == 0
    assert result.stdout == "done\n"
    assert result.duration < 2


def test_environment_is_isolated(monkeypatch):
    monkeypatch.setenv("ERRORKB_PARENT_SECRET", "leak")
    result = run('echo "parent=${ERRORKB_PARENT_SECRET-unset}"; echo "home=$HOME"; pwd; ls -A "$HOME" | wc -l; '
                 'echo "scenario=$SCENARIO_VAR"; echo "lang=$LANG"',
                 env={"SCENARIO_VAR": "x"})
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert lines["parent"] == "unset"
    assert lines["scenario"] == "x"
    assert lines["lang"] == "C.UTF-8"
    home = lines["home"]
    assert home == "/home/sandbox" != os.environ.get("HOME")
    assert result.stdout.splitlines()[2] == home  # cwd is HOME
    assert result.stdout.splitlines()[3] == "0"  # fresh, empty


def test_only_the_allowed_variables_are_set():
    result = run("env | cut -d= -f1 | sort", env={"OPENAI_API_KEY": "k"})
    names = set(result.stdout.split()) - {"PWD", "SHLVL", "_", "OLDPWD"}  # set by bash itself
    assert names == {"OPENAI_API_KEY", "PATH", "HOME", "LANG", "CURL_HOME", "HTTPS_PROXY",
                     "HTTP_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy",
                     "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"}


def test_exit_status_and_output():
    result = run("echo out; echo err >&2; exit 3")
    assert (result.exit_status, result.stdout, result.stderr, result.timed_out) == (3, "out\n", "err\n", False)


def test_parallel_runs_do_not_interfere():
    def one(i: int):
        command = (f"curl -sS https://api.openai.com/v1/run{i} -H 'Authorization: Bearer k{i}'; "
                   f"curl -sS http://localhost:11434/api/run{i}; echo; echo \"$N\"")
        return i, run(command, env={"N": str(i)}, mock_state={"marker": f"m{i}"})

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(16)))
    for i, result in results:
        assert result.exit_status == 0, result.stderr
        assert result.stdout.splitlines()[-1] == str(i)
        assert [(r["path"], r["count"]) for r in result.requests] == [
            (f"/v1/run{i}", 1), (f"/api/run{i}", 1)]
        assert result.requests[0]["authorization"] == f"Bearer k{i}"
        assert result.requests[0]["marker"] == f"m{i}"


def test_mock_exception_becomes_500_and_is_reported():
    def broken_make_app(provider, state, log):
        def app(environ, start_response):
            raise RuntimeError("boom")
        return app

    broken = types.SimpleNamespace(PROVIDERS=FAKE_PROVIDERS, provider_for_host=fake_provider_for_host,
                                   make_app=broken_make_app)
    result = run_command("curl -sS -o /dev/null -w '%{http_code}' https://api.openai.com/v1/models",
                         env={}, provider="openai", mock_state={}, providers=broken)
    assert result.stdout == "500"
    assert len(result.mock_errors) == 1 and "RuntimeError: boom" in result.mock_errors[0]


def test_default_providers_are_the_real_mocks():
    result = run_command("curl -sS -o /dev/null -w '%{http_code}' https://api.openai.com/v1/models "
                         "-H 'Authorization: Bearer errorkb-test-key'",
                         env={}, provider="openai", mock_state={})
    assert result.unmocked_hosts == []
    assert result.stdout == "200", (result.stdout, result.stderr, result.mock_errors)
