"""How soon `errorkb serve` shows an edit: the seconds from saving one error file to the browser's page showing it.

    python bench/bench_serve.py --count 1000 [--edits 3] [--work DIR]

Writes (or reuses) a synthetic project of N errors (bench/synth.py), starts `errorkb serve` on a free port of
127.0.0.1, waits for the first build, then, a few times, changes one error's title in its YAML file and polls
its page (as the live-reload page does after its reload) until the new title is served.  Prints the time of
the first build and, per edit, the seconds until the change was visible (and what the server logged about the
rebuild), then the median.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return None


def wait_for(url: str, text: str, timeout: float) -> float | None:
    """Seconds until the page at url holds text (polled every 50 ms), or None after timeout."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        page = fetch(url)
        if page is not None and text in page:
            return time.perf_counter() - started
        time.sleep(0.05)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None, help="folder for the project (default: a temporary one)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="errorkb-bench-serve-"))
    project = work / f"kb{args.count}"
    if not (project / "errors").is_dir():
        subprocess.run([sys.executable, str(REPO / "bench" / "synth.py"), "--count", str(args.count),
                        "--out", str(project)], check=True, stdout=subprocess.DEVNULL)
    files = sorted((project / "errors").glob("*/*.yaml"))
    files = [path for path in files if path.name != "_provider.yaml"]
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    log = open(work / "serve.log", "w+", encoding="utf-8")
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "errorkb", "serve", "-a", f"127.0.0.1:{port}"], cwd=project,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    originals: dict[Path, bytes] = {}
    try:
        if wait_for(base, "</html>", 900) is None:
            print("the first build did not finish", file=sys.stderr)
            return 1
        print(f"errorkb serve, {args.count} errors: first build served after {time.perf_counter() - started:.1f} s")
        times = []
        for number in range(args.edits):
            path = files[(number * 7919) % len(files)]
            originals.setdefault(path, path.read_bytes())
            text = path.read_text(encoding="utf-8")
            marker = f"Edited title {number} {os.getpid()}"
            text, replaced = re.subn(r"(?m)^title: .*$", f"title: {marker}", text, count=1)
            assert replaced == 1, path
            url = f"{base}{path.parent.name}/{path.stem}/"
            time.sleep(1.0)   # let the server settle after the previous rebuild
            log.seek(0, os.SEEK_END)
            before = log.tell()
            path.write_text(text, encoding="utf-8")
            seconds = wait_for(url, marker, 300)
            log.seek(before)
            said = [line.strip() for line in log.read().splitlines() if "uilt" in line or "ebuil" in line]
            if seconds is None:
                print(f"  edit {number + 1}: {path.parent.name}/{path.stem}: not visible after 300 s")
                continue
            times.append(seconds)
            print(f"  edit {number + 1}: {path.parent.name}/{path.stem}: visible after {seconds:.2f} s"
                  + (f"  ({said[-1]})" if said else ""))
        if times:
            print(f"median: {statistics.median(times):.2f} s from saving the file to the new title being served")
    finally:
        for path, content in originals.items():
            path.write_bytes(content)
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
