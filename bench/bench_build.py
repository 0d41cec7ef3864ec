"""Benchmark the site build against plain Material on the same content (run by hand):

    .venv/bin/python bench/bench_build.py --sizes 1000 10000

For each size N it writes a synthetic project (bench/synth.py), then in the same run measures, each in a fresh
process: `errorkb validate`, `errorkb render --out` (the Markdown export), `errorkb build`, and plain MkDocs with
Material and its lunr search building that same export (the baseline errorkb must beat by half; with --zensical,
Zensical building it too, found on PATH).  It prints wall time, CPU time, peak memory (the whole process tree's
resident set, and its proportional share, PSS, which counts pages shared by forked workers once; sampled every
100 ms), the site's size, the ratio to the baseline, the per-page time, the match index size, and the bytes a
browser downloads to answer one search and one paste.  With --check it also times `errorkb check` at each size.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

PYTHON = sys.executable
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _tree_memory(root: int) -> tuple[int, int]:
    """Resident and proportional (PSS) bytes of a process and all its descendants.  RSS counts the pages that
    forked workers share with their parent once per process; PSS splits them, so its sum is the memory the tree
    really holds."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    rss = pss = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as statm:
                rss += int(statm.read().split()[1]) * PAGE_SIZE
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError):
            pass
        stack.extend(children.get(pid, []))
    return rss, pss


def measure(command: list[str], cwd: Path) -> dict:
    """Run a command; its wall time, CPU time (its process tree), peak memory and whether it succeeded."""
    before = os.times()
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = peak_pss = 0
    stop = threading.Event()

    def sample():
        nonlocal peak, peak_pss
        while not stop.is_set():
            rss, pss = _tree_memory(proc.pid)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            stop.wait(0.1)   # reading /proc costs CPU that the measured build, on two cores, would miss

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    stop.set()
    sampler.join()
    wall = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output[-3000:]}")
    return {"wall": wall, "cpu": cpu, "peak": peak, "peak_pss": peak_pss}


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 6)) if path.is_file() else 0


def search_bytes(site: Path) -> int:
    """Bytes (gzipped) a browser downloads to answer one search: lunr's whole index, or Pagefind's entry, wasm,
    one index chunk, the filter and one result fragment."""
    lunr = site / "search" / "search_index.json"
    if lunr.is_file():
        return gzipped(lunr)
    pagefind = site / "pagefind"
    if not pagefind.is_dir():
        return 0
    total = sum(gzipped(pagefind / name) for name in ("pagefind-entry.json", "pagefind.js"))
    total += min((path.stat().st_size for path in pagefind.glob("wasm.*")), default=0)
    index = sorted(pagefind.glob("index/*.pf_index"))
    fragments = sorted(pagefind.glob("fragment/*.pf_fragment"))
    total += index[0].stat().st_size if index else 0
    total += fragments[0].stat().st_size if fragments else 0
    return total


TRACEBACK = """Traceback (most recent call last):
  File "/srv/app/main.py", line 42, in <module>
    response = client.chat.completions.create(model="gpt-4o", messages=messages)
  File "/usr/lib/python3.11/site-packages/openai/_base_client.py", line 1047, in request
    raise self._make_status_error_from_response(err.response) from None
openai.APIStatusError: Error code: {signature}"""


def paste_bytes(site: Path) -> dict:
    """Bytes (gzipped) a browser downloads to answer one paste: the matcher's scripts, match-index.json and, when
    that is the core of a sharded index, the shards the paste needs (search.shards).  For 12 errors spread over the
    site, three pastes each: its signature in an SDK traceback, the signature alone, and the middle half of it (a
    short paste, found inside a literal).  Returns the median and the largest per kind."""
    from errorkb.search.shards import needed_shards

    assets = site / "assets" / "errorkb"
    scripts = gzipped(assets / "matcher.js") + gzipped(assets / "paste.js")
    core_path = site / "match-index.json"
    core = json.loads(core_path.read_text(encoding="utf-8"))
    signatures = [error["signature"]["text"]
                  for error in json.loads((site / "errors.json").read_text(encoding="utf-8"))["errors"]]
    sizes: dict[str, int] = {}

    def shard_bytes(name: str) -> int:
        if name not in sizes:
            sizes[name] = gzipped(site / core["shards"]["path"] / f"{name}.json")
        return sizes[name]

    out = {}
    kinds = {"traceback": lambda text: TRACEBACK.format(signature=text), "signature": lambda text: text,
             "part": lambda text: text[len(text) // 4: 3 * len(text) // 4]}
    for kind, paste in kinds.items():
        totals = []
        for signature in signatures[::max(1, len(signatures) // 12)][:12]:
            names = needed_shards(core, paste(signature)) if "shards" in core else []
            totals.append(scripts + gzipped(core_path) + sum(shard_bytes(name) for name in names))
        totals.sort()
        out[kind] = {"median": totals[len(totals) // 2], "max": totals[-1]}
    return out


def run_size(count: int, work: Path, zensical: bool, check: bool) -> dict:
    project = work / f"kb{count}"
    synth.write_project(count, project)
    errorkb = [PYTHON, "-m", "errorkb"]
    result = {"count": count}
    result["validate"] = measure(errorkb + ["validate"], project)
    export = project / "export"
    result["render"] = measure(errorkb + ["render", "--out", str(export)], project)
    result["errorkb"] = measure(errorkb + ["build", "-d", str(project / "site")], project)
    config = export / "mkdocs.yml"   # the export's own configuration: the same theme, extensions and navigation
    result["material"] = measure([PYTHON, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d",
                                  str(project / "site-plain")], project)
    if zensical:
        result["zensical"] = measure(["zensical", "build", "-f", str(config)], project)
    if check:
        result["check"] = measure(errorkb + ["check", "-j", "8"], project)
    result["site_bytes"] = folder_bytes(project / "site")
    result["plain_site_bytes"] = folder_bytes(project / "site-plain")
    result["search_bytes"] = search_bytes(project / "site")
    result["plain_search_bytes"] = search_bytes(project / "site-plain")
    result["paste_bytes"] = paste_bytes(project / "site")
    result["match_index_gz"] = gzipped(project / "site" / "match-index.json")
    result["sharded"] = (project / "site" / "match").is_dir()
    return result


def report(result: dict) -> None:
    count = result["count"]
    mib = 1 << 20
    print(f"\n== {count} errors ==")
    rows = [("errorkb validate", result["validate"]), ("errorkb render --out", result["render"]),
            ("errorkb build", result["errorkb"]), ("plain Material (same Markdown)", result["material"])]
    if "zensical" in result:
        rows.append(("Zensical (same Markdown)", result["zensical"]))
    if "check" in result:
        rows.append(("errorkb check", result["check"]))
    for name, figures in rows:
        print(f"{name:34} wall {figures['wall']:8.1f} s  cpu {figures['cpu']:8.1f} s  "
              f"peak RSS {figures['peak'] / mib:6.0f} MiB  PSS {figures['peak_pss'] / mib:6.0f} MiB  "
              f"per page {1000 * figures['wall'] / count:6.1f} ms")
    ratio = result["errorkb"]["wall"] / result["material"]["wall"]
    print(f"ratio errorkb / plain Material (wall): {ratio:.2f} (goal: at most 0.50)")
    print(f"site: errorkb {result['site_bytes'] / mib:.0f} MiB, plain Material {result['plain_site_bytes'] / mib:.0f} MiB")
    print(f"one search downloads: errorkb {result['search_bytes'] / 1024:.0f} KiB, plain Material "
          f"{result['plain_search_bytes'] / 1024:.0f} KiB (gzipped; goal: under 300 KB)")
    pastes = ", ".join(f"{kind} {figures['median'] / 1024:.0f} KiB (largest {figures['max'] / 1024:.0f})"
                       for kind, figures in result["paste_bytes"].items())
    print(f"one paste downloads (median of 12, gzipped; goal: under 300 KB): {pastes}; match-index.json "
          f"{result['match_index_gz'] / 1024:.0f} KiB gzipped{' (the core of a sharded index)' if result['sharded'] else ''}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--work", type=Path, default=None, help="folder for the projects (default: a temporary one)")
    parser.add_argument("--zensical", action="store_true", help="also build the export with Zensical")
    parser.add_argument("--check", action="store_true", help="also time `errorkb check` (every scenario)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="errorkb-bench-"))
    results = []
    try:
        for count in args.sizes:
            results.append(run_size(count, work, args.zensical, args.check))
            report(results[-1])
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
