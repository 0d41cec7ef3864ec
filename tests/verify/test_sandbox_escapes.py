"""Contributed commands are untrusted: each way out of the sandbox that was once measured open is tried here, and
the sandbox must hold, the checker must survive, and the run must name what was tried."""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO
from errorkb.verify import sandbox
from errorkb.verify.sandbox import SandboxUnavailable, isolation_problem, run_command


@pytest.fixture(autouse=True)
def namespaces():
    problem = isolation_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"the sandbox must work in CI: {problem}")
        pytest.skip(problem)


def run(command: str, timeout: float = 10.0, **kwargs):
    return run_command(command, env={"OPENAI_API_KEY": "errorkb-test-key"}, provider="openai", mock_state={},
                       timeout=timeout, **kwargs)


def test_the_real_home_and_the_checkout_cannot_be_written(tmp_path):
    marker = f"errorkb-escape-{os.getpid()}"
    home = Path.home()
    result = run(f"echo x > {home}/{marker}; echo x > {REPO}/{marker}; echo x > /etc/{marker}; "
                 f"echo x > $HOME/allowed && echo x > /tmp/allowed && echo wrote-own")
    assert not (home / marker).exists() and not (REPO / marker).exists() and not Path(f"/etc/{marker}").exists()
    assert "wrote-own" in result.stdout
    assert any("tried to write outside HOME and /tmp" in escape for escape in result.escapes), result.escapes


def test_secrets_of_the_machine_cannot_be_read(monkeypatch):
    monkeypatch.setenv("ERRORKB_CHECKER_SECRET", "do-not-leak")
    result = run("cat /etc/shadow; ls -A /root; ls -A /root/.ssh; cat /proc/$PPID/environ; cat /proc/1/environ; "
                 f"ls -A {REPO}; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c ERRORKB_CHECKER")
    assert "root:" not in result.stdout and "do-not-leak" not in result.stdout + result.stderr
    assert ".ssh" not in result.stdout and "errors" not in result.stdout.split()
    assert result.stdout.strip().splitlines()[-1] == "0"
    assert "was denied access to /etc/shadow" in result.escapes


@pytest.fixture
def local_service():
    """A service on the checker's own 127.0.0.1, which the command must not reach."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def test_only_the_mocks_are_reachable(local_service):
    port = local_service
    result = run(f"curl -sS -m 3 --noproxy '*' http://127.0.0.1:{port}/ ; echo; "
                 f"python3 -c 'import urllib.request as u; "
                 f"print(u.build_opener(u.ProxyHandler({{}})).open(\"http://127.0.0.1:{port}/\", timeout=3).status)' "
                 f"2>&1 | tail -1; "
                 f"(exec 3<>/dev/tcp/127.0.0.1/{port}) 2>&1; echo tcp=$?; "
                 "python3 -c 'import socket; socket.create_connection((\"1.1.1.1\", 80), timeout=3)' 2>&1 | tail -1; "
                 "getent hosts example.com; echo dns=$?; "
                 "curl -sS -o /dev/null -w '%{http_code}\\n' https://api.openai.com/v1/models "
                 "-H 'Authorization: Bearer errorkb-test-key'")
    out = result.stdout
    assert f"errorkb sandbox: no mock serves host http://127.0.0.1:{port}" in out   # curl's connect-to: the mocks
    assert result.unmocked_hosts == [f"http://127.0.0.1:{port}"]
    assert "Errno 111" in out and "tcp=1" in out and "dns=2" in out      # nothing listens there, no DNS server
    assert "Network is unreachable" in out
    assert out.strip().splitlines()[-1] == "200"   # the mock still answers
    assert "tried to reach the network outside the mocks (any host)" in result.escapes


def test_nothing_outlives_the_command():
    seconds = 60 + os.getpid() % 1000   # a sleep no other test runs
    result = run(f"setsid sleep {seconds} & nohup sleep {seconds} >/dev/null 2>&1 & disown; sleep 0.5; echo started")
    assert "started" in result.stdout
    assert result.leftover == ["sleep"]
    assert "left a process running after it ended: sleep (killed with the sandbox)" in result.escapes
    time.sleep(0.2)
    assert subprocess.run(["pgrep", "-f", f"sleep {seconds}"], capture_output=True, text=True).stdout == ""


def test_the_checker_cannot_be_signalled():
    result = run("kill -9 $PPID; kill -STOP $PPID; kill -9 1; kill -STOP 1; echo still-here")
    assert "still-here" in result.stdout
    assert any(escape.startswith("tried to signal process") for escape in result.escapes)
    assert run("echo after").stdout == "after\n"   # the checker goes on


def test_output_is_capped_and_the_command_stopped():
    result = run("head -c 104857600 /dev/zero | tr '\\0' x; echo never-finished")
    assert len(result.stdout) == sandbox.OUTPUT_LIMIT
    assert "never-finished" not in result.stdout
    assert result.output_cut == ["stdout"]
    assert "printed more than 4 MiB on stdout: the command was stopped and the rest dropped" in result.escapes


def test_memory_is_limited():
    result = run("python3 -c 'x = bytearray(2 * 1024 ** 3); print(len(x))'")
    assert result.exit_status != 0 and "2147483648" not in result.stdout
    assert "ran out of its memory limit (1024 MiB of data per process)" in result.escapes


def test_an_error_message_about_memory_is_not_taken_for_the_sandbox_limit():
    """Ollama pages print the server's own memory errors: that is the command working, not hitting the limit."""
    result = run("echo 'Error: llama runner process has terminated: CUDA error: out of memory'; "
                 "echo 'Error: model requires more system memory (5.5 GiB) than is available (3.1 GiB)' >&2")
    assert result.exit_status == 0 and "CUDA error: out of memory" in result.stdout
    assert result.escapes == []


def test_processes_are_limited():
    result = run("python3 -c '\nimport os, time\nn = 0\ntry:\n    while n < 1000:\n        if os.fork() == 0:\n"
                 "            time.sleep(3)\n            os._exit(0)\n        n += 1\nexcept OSError as error:\n"
                 "    print(\"stopped after\", n, error.strerror)\n'")
    assert result.stdout.startswith("stopped after ") and "Resource temporarily unavailable" in result.stdout
    assert int(result.stdout.split()[2]) < sandbox.PROCESS_LIMIT
    assert "python3" in result.leftover


def test_time_is_limited():
    started = time.monotonic()
    result = run("while :; do :; done", timeout=1.0)
    assert result.timed_out and result.exit_status == -1
    assert time.monotonic() - started < 5


def test_without_namespaces_it_refuses_unless_told(monkeypatch):
    monkeypatch.setattr(sandbox, "isolation_problem", lambda: "the sandbox needs root (test)")
    with pytest.raises(SandboxUnavailable, match="needs root"):
        run("echo hi")
    assert run("echo hi", isolate=False).stdout == "hi\n"
