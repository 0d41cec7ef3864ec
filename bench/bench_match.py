"""Benchmark the error-signature matcher against a naive baseline (run by hand).

    .venv/bin/python bench/bench_match.py [--errors 1000] [--mb 10] [--seed 7] [--no-node]

Generates a synthetic knowledge base of realistic-looking errors (providers with api_hosts, messages
with variable parts, literal and regex patterns, status, error_type / error_code) and a log of the
given size: mostly noise lines (access logs, app logs, unrelated tracebacks, JSON log lines, some of
them sharing words with the errors) with an error message planted every few hundred lines, rendered
the way SDKs print them (Python repr bodies, node-style "429 <message>", JSON).

Prints: the index size (raw and gzipped) for the real errors in errors/, for the synthetic ones and
for 10,000 synthetic ones (--size-errors; the gzipped size is what a search downloads, target: under 300 KB);
lines per second of `errorkb.search.match` over the whole log; lines per second of a baseline in
the same run that normalises each line and then tries every pattern of every error on it in turn
(timed on a prefix of the log, because it is slow); their ratio; how many planted errors were found;
and, when node is installed, the lines per second of matcher.js on the same log and whether
its results equal Python's.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from errorkb import search as matcher  # noqa: E402
from errorkb.search import engine, index as search_index  # noqa: E402

# ----------------------------------------------------------------------------- vocabulary

NOUNS = """
account adapter agent alias allocation archive artifact assistant attachment audience backend bucket budget
buffer bundle cache catalog certificate channel checkpoint chunk citation claim cluster collection column
completion component conduit connector consumer container context contract credential cursor dataset
deployment descriptor digest dimension document domain embedding endpoint engine entity environment
evaluation event export extension feature filter fingerprint folder function gateway generation grant graph
guardrail handler header histogram identity image index ingestion input instance integration invocation
issuer job kernel label ledger lease license listener manifest mapping membership message metric migration
module namespace node notebook object operation organization output owner package pipeline placement plan
plugin policy pool preset principal profile project prompt provider quota range ranking realm region
registry replica repository request reservation resource revision role route rule runtime schedule schema
scope secret segment selector sequence server service session shard signature slot snapshot source span
stage stream subnet subscription suite summary table tag task template tenant thread threshold token tool
topic trace transcript trigger tunnel upload usage user variant vault version voice volume webhook workflow
workspace zone
""".split()
ADJECTIVES = """
active archived authorized available blocked cached canonical concurrent configured corrupted current
default deprecated detached disabled duplicate empty encrypted expired external frozen global hidden
immutable inactive incompatible internal invalid legacy locked malformed managed missing orphaned paused
pending primary private protected provisioned public readonly regional remote reserved restricted retired
revoked scheduled secondary shared signed stale suspended temporary throttled unknown unsigned unsupported
unverified upstream verified
""".split()
VERBS = """
could not be resolved|is not available in this region|has exceeded the allowed limit|was rejected by the policy
|is already in use|does not exist or you do not have access to it|must be set before the first request
|is not supported for this operation|has been revoked|is still being provisioned|failed validation
|is larger than the maximum allowed size|was not found in the current project|is temporarily unavailable
|requires a paid plan|could not be decoded|exceeds the configured quota|is missing a required field
|conflicts with an existing resource|timed out while waiting for a response|is not allowed for this key
|has an invalid format|was modified concurrently|is disabled for this organization|cannot be empty
""".replace("\n", "").split("|")
PROVIDER_NAMES = """
acme nimbus stratus cirrus helix quasar vertex lumen orbit pulse zenith aurora cobalt ember falcon
granite harbor ion juniper krypton lattice meridian nova onyx prism quill raven sable tundra umbra
vortex willow xenon yonder zephyr atlas beacon cascade delta echo
""".split()
STATUSES = [400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503, 529]
NOISE_WORDS = """
started finished processed received sending connected closed loaded saved updated created deleted
scheduled retrying skipped flushed compacted rotated cleaned warmed indexed parsed rendered served
queue worker batch cron job item order invoice customer cart payment email report page asset image
thumbnail upload download cache hit miss key value row record chunk file bytes ms seconds elapsed
total count ok done success healthy ready listening port host pid thread memory cpu disk gc heap
""".split()
MODELS = ["gpt-4o", "claude-3-5-sonnet", "gemini-2.0-flash", "llama3.1:8b", "mistral-large", "qwen2.5:14b"]


def _words(rng: random.Random, pool: list[str], n: int) -> list[str]:
    return rng.sample(pool, n)


# ----------------------------------------------------------------------------- synthetic knowledge base


def make_providers(rng: random.Random) -> dict[str, dict]:
    providers = {}
    for name in PROVIDER_NAMES:
        slug = f"{name}-ai"
        providers[slug] = {
            "name": f"{name.title()} AI",
            "homepage": f"https://{name}.example.com",
            "api_hosts": [f"api.{name}.example.com"],
        }
    return providers


def make_errors(rng: random.Random, count: int, providers: dict[str, dict]) -> list[dict]:
    """`count` errors, each with a message template whose {var} parts vary in the log."""
    slugs = sorted(providers)
    errors, seen = [], set()
    while len(errors) < count:
        slug = rng.choice(slugs)
        adj, noun1, noun2 = rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(NOUNS)
        verb = rng.choice(VERBS)
        key = (slug, adj, noun1, noun2)
        if key in seen or noun1 == noun2:
            continue
        seen.add(key)
        status = rng.choice(STATUSES)
        code = f"{adj}_{noun1}_{noun2}"
        etype = rng.choice(["invalid_request_error", "authentication_error", "rate_limit_error", "api_error",
                            "not_found_error", "permission_error", "server_error", "quota_exceeded",
                            "INVALID_ARGUMENT", "RESOURCE_EXHAUSTED", "NOT_FOUND", "UNAVAILABLE"])
        style = rng.randrange(4)
        if style == 0:
            message = f"The {adj} {noun1} {noun2} '{{name}}' {verb}."
        elif style == 1:
            message = f"{adj.title()} {noun1} {noun2} {verb}: limit {{n}}, requested {{m}}."
        elif style == 2:
            message = f"{noun1.title()} {noun2} for {{model}} {verb} (request id {{rid}})."
        else:
            message = f"Cannot use {adj} {noun1} {noun2}: it {verb}. See https://docs.{slug}.example.com/errors."
        literal_text = message.split("{")[0].strip() or message
        patterns = [{"literal": literal_text}, {"literal": code}]
        if rng.random() < 0.6:
            patterns.append({"regex": rf"{noun1} {noun2} \S+ ?{verb.split()[0]} {verb.split()[1]}"
                             if len(verb.split()) > 1 else rf"{noun1} {noun2}\b"})
        if rng.random() < 0.3:
            patterns.append({"regex": rf"{slug.split('-')[0].title()}Error: {status}\b.{{0,80}}{noun2}"})
        slug_name = f"{adj}-{noun1}-{noun2}"
        eid = f"{slug}/{slug_name}"
        errors.append({
            "id": eid, "provider": slug, "url": f"/{eid}/",
            "title": f"{providers[slug]['name']} {adj} {noun1} {noun2} ({status})",
            "tags": [noun1, noun2],
            "signature": {"text": f"{status} " + message.format(name="default", n=1000, m=1200, model="gpt-4o",
                                                                rid="req_7f3a9c2e1b4d5a6f"),
                          "http_status": status, "error_type": etype, "error_code": code},
            "patterns": patterns,
            "_message": message,
        })
    return errors


def render_error(rng: random.Random, err: dict) -> str:
    """One log line showing the error, the way an SDK or a logger prints it."""
    message = err["_message"].format(
        name=rng.choice(["prod-east", "alpha", "default", "team-42"]), n=rng.randrange(10, 90000),
        m=rng.randrange(10, 90000), model=rng.choice(MODELS), rid=f"req_{rng.getrandbits(64):016x}")
    sig = err["signature"]
    status = sig["http_status"]
    host = f"api.{err['provider'].split('-')[0]}.example.com"
    form = rng.randrange(4)
    if form == 0:
        body = {"error": {"message": message, "type": sig["error_type"], "code": sig["error_code"]}}
        return f"sdk.APIStatusError: Error code: {status} - {body!r}"
    if form == 1:
        return f"Error: {status} {message}\n    at makeRequest (/app/node_modules/sdk/core.js:337:30)"
    if form == 2:
        body = json.dumps({"error": {"message": message, "code": sig["error_code"]}})
        return f"2025-01-0{rng.randrange(1, 9)} 12:00:00 ERROR upstream={host} status={status} body={body}"
    return f"[worker-{rng.randrange(9)}] request failed: {message}"


NOISE_TEMPLATES = [
    lambda r: f"2025-01-02T10:{r.randrange(60):02d}:{r.randrange(60):02d}.{r.randrange(1000):03d}Z INFO "
              f"{r.choice(NOISE_WORDS)} {r.choice(NOISE_WORDS)} {r.randrange(100000)} in {r.randrange(900)}ms",
    lambda r: f'10.0.{r.randrange(255)}.{r.randrange(255)} - - [02/Jan/2025:10:00:00 +0000] "GET /api/v1/'
              f'{r.choice(NOISE_WORDS)}s/{r.randrange(9999)} HTTP/1.1" 200 {r.randrange(99999)} "-" "curl/8.5.0"',
    lambda r: f"DEBUG {r.choice(NOUNS)}.{r.choice(NOISE_WORDS)}: {r.choice(NOISE_WORDS)} {r.choice(NOUNS)} "
              f"{r.choice(ADJECTIVES)} id={r.getrandbits(32):08x} took {r.random():.3f}s",
    lambda r: json.dumps({"ts": r.randrange(10**9), "level": "info", "msg": f"{r.choice(NOISE_WORDS)} "
                          f"{r.choice(NOUNS)}", "count": r.randrange(1000), "user": f"u{r.randrange(10**6)}"}),
    lambda r: f'  File "/srv/app/{r.choice(NOUNS)}/{r.choice(NOISE_WORDS)}.py", line {r.randrange(900)}, '
              f"in {r.choice(NOISE_WORDS)}_{r.choice(NOUNS)}",
    lambda r: f"WARNING {r.choice(NOISE_WORDS)} queue depth {r.randrange(500)} above {r.randrange(100)} "
              f"for {r.choice(NOUNS)} {r.choice(NOUNS)}",
    lambda r: f"KeyError: '{r.choice(NOUNS)}_{r.choice(NOISE_WORDS)}'",
]


def make_log(rng: random.Random, errors: list[dict], size: int, every: int) -> tuple[str, set[str]]:
    lines, planted, total = [], set(), 0
    while total < size:
        if len(lines) % every == every - 1:
            err = rng.choice(errors)
            planted.add(err["id"])
            line = render_error(rng, err)
        else:
            line = rng.choice(NOISE_TEMPLATES)(rng)
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n", planted


# ----------------------------------------------------------------------------- real knowledge base


def load_real(errors_dir: Path) -> tuple[list[dict], dict[str, dict]]:
    import yaml
    errors, providers = [], {}
    if not errors_dir.is_dir():
        return errors, providers
    for pdir in sorted(p for p in errors_dir.iterdir() if p.is_dir()):
        pfile = pdir / "_provider.yaml"
        if pfile.exists():
            providers[pdir.name] = yaml.safe_load(pfile.read_text()) or {}
        for f in sorted(pdir.glob("*.yaml")):
            if f.name.startswith("_"):
                continue
            data = yaml.safe_load(f.read_text()) or {}
            data.update(id=f"{pdir.name}/{f.stem}", provider=pdir.name, url=f"/{pdir.name}/{f.stem}/")
            errors.append(data)
    return errors, providers


def index_size(index: dict) -> tuple[int, int]:
    raw = json.dumps(index, separators=(",", ":"), ensure_ascii=False).encode()
    return len(raw), len(gzip.compress(raw, 9))


# ----------------------------------------------------------------------------- baseline


class Baseline:
    """Normalise each line, then try every pattern of every error on it in turn."""

    def __init__(self, errors: list[dict]):
        self.comp = engine.engine_for(search_index.RULES_INDEX)
        self.errors = []
        for err in errors:
            lits, rxs = [], []
            for p in err["patterns"] + [{"literal": err["signature"]["text"]}]:
                if "literal" in p:
                    text = " ".join(self.comp.normalise_lines(p["literal"])[0]).lower()
                    lits.append((text, self.comp.mask(text).lower()))
                else:
                    rxs.append(re.compile(p["regex"].replace('"', "'"), re.I | re.A))
            self.errors.append((err["id"], lits, rxs))

    def match_line(self, line: str) -> list[str]:
        lines, _ = self.comp.normalise_lines(line)
        if not lines:
            return []
        text = " ".join(lines)
        low = text.lower()
        masked = self.comp.mask(text).lower()
        found = []
        for eid, lits, rxs in self.errors:
            if any(u in low or m in masked for u, m in lits) or any(rx.search(text) for rx in rxs):
                found.append(eid)
        return found


# ----------------------------------------------------------------------------- node

NODE_SCRIPT = r"""
const fs = require("fs");
const m = require(process.argv[1]);
const index = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const log = fs.readFileSync(process.argv[3], "utf8");
m.match(index, "warm up", 5);
const t0 = process.hrtime.bigint();
const r = m.match(index, log, 100000);
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(JSON.stringify({secs: secs, results: r}));
"""


def run_node(index: dict, log: str) -> dict | None:
    node = shutil.which("node")
    if not node:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        ipath, lpath = Path(tmp) / "index.json", Path(tmp) / "log.txt"
        ipath.write_text(json.dumps(index))
        lpath.write_text(log)
        out = subprocess.run([node, "-e", NODE_SCRIPT, str(matcher.MATCHER_JS),
                              str(ipath), str(lpath)], capture_output=True, text=True, timeout=600)
        if out.returncode:
            print(out.stderr, file=sys.stderr)
            return None
        return json.loads(out.stdout)


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--errors", type=int, default=1000)
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--every", type=int, default=400, help="plant an error every N lines")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline-seconds", type=float, default=8.0)
    parser.add_argument("--size-errors", type=int, default=10000,
                        help="also report the index size for this many synthetic errors (0: skip)")
    parser.add_argument("--no-node", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    real_errors, real_providers = load_real(REPO / "errors")
    if real_errors:
        raw, gz = index_size(matcher.build_index(real_errors, real_providers))
        print(f"index, {len(real_errors)} real errors:       {raw / 1024:8.1f} KB raw, {gz / 1024:7.1f} KB gzipped")

    providers = make_providers(rng)
    errors = make_errors(rng, args.errors, providers)
    t0 = time.perf_counter()
    index = matcher.build_index(errors, providers)
    build_secs = time.perf_counter() - t0
    raw, gz = index_size(index)
    print(f"index, {len(errors)} synthetic errors: {raw / 1024:8.1f} KB raw, {gz / 1024:7.1f} KB gzipped "
          f"(built in {build_secs:.2f} s)")
    if args.size_errors:
        big_errors = make_errors(random.Random(args.seed), args.size_errors, providers)
        raw, gz = index_size(matcher.build_index(big_errors, providers))
        print(f"index, {len(big_errors)} synthetic errors: {raw / 1024:8.1f} KB raw, {gz / 1024:7.1f} KB gzipped "
              f"(size only)")
        print(f"download per search, {len(big_errors)} errors: {gz / 1024:.1f} KB gzipped "
              f"({'under' if gz < 300 * 1024 else 'OVER'} the 300 KB target)")

    log, planted = make_log(rng, errors, int(args.mb * 1024 * 1024), args.every)
    nlines = log.count("\n")
    print(f"log: {len(log) / 1024 / 1024:.1f} MB, {nlines} lines, {len(planted)} distinct errors planted")

    matcher.match(index, "warm up")
    t0 = time.perf_counter()
    results = matcher.match(index, log, top=100000)
    secs = time.perf_counter() - t0
    found = {r["id"] for r in results}
    fast = nlines / secs
    print(f"matcher:  {fast:12,.0f} lines/s  ({secs:.2f} s for the whole log; "
          f"{len(found & planted)}/{len(planted)} planted errors found, {len(found - planted)} others)")

    base = Baseline(errors)
    lines = log.split("\n")
    t0 = time.perf_counter()
    done = 0
    for line in lines:
        base.match_line(line)
        done += 1
        if done % 200 == 0 and time.perf_counter() - t0 > args.baseline_seconds:
            break
    bsecs = time.perf_counter() - t0
    slow = done / bsecs
    print(f"baseline: {slow:12,.0f} lines/s  (timed on the first {done} lines, {bsecs:.2f} s)")
    print(f"ratio:    {fast / slow:12.1f}x")

    if not args.no_node:
        node = run_node(index, log)
        if node is not None:
            same = node["results"] == results
            print(f"node:     {nlines / node['secs']:12,.0f} lines/s  (matcher.js, {node['secs']:.2f} s; "
                  f"results {'identical to' if same else 'DIFFERENT from'} Python's)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
