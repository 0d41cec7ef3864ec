"""No paste can make the matcher slow: crafted pastes that repeat what each pattern and rule looks for take time
that grows linearly with their size, in Python (RE2 for patterns) and in the browser's engine (node), measured
against the same paste four times smaller in the same run (linear: about 4 times longer; quadratic: 16)."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from conftest import REPO, require_tool
from errorkb.kb import load_knowledge_base
from errorkb.search import MATCHER_JS, build_index, index_for, match
from errorkb.search.index import _required_pieces
from errorkb.search.rules import MASK_RULES

SMALL = 40_000
RATIO = 8   # the most a paste four times longer may take, in multiples of the small one's time
SLACK = 0.05   # seconds of CPU time allowed on top, for timer resolution and noise


@pytest.fixture(scope="module")
def index():
    return index_for(load_knowledge_base(REPO / "errors"))


def _units(index: dict) -> list[str]:
    """Strings to repeat: the literal runs of every pattern regex, and the pastes once measured slow."""
    units = ["openai.AuthenticationError: Error code: 401 - ", "model '", "http://", "a" * 30 + "!", "sk-proj-",
             "Bearer ", "' '", "\\u00", "\x1b[", "│ │"]
    for regexes in index["errors"]["regexes"]:
        for source, *_ in regexes:
            pieces = _required_pieces(source) or []
            units.extend(" ".join(alternative) + " " for alternative in pieces)
    units.extend(rule.pattern.strip("\\b")[:12] for rule in MASK_RULES)
    return sorted(set(units))


def _seconds(function) -> float:
    """The least CPU time of three runs (CPU time: other processes on the machine do not count)."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        function()
        best = min(best, time.process_time() - started)
    return best


def _paste(unit: str, size: int, lines: bool) -> str:
    text = unit * (size // len(unit) + 1)
    if lines:
        text = "\n".join(text[i:i + 400] for i in range(0, len(text), 400))
    return text[:size]


@pytest.mark.parametrize("lines", [False, True], ids=["one line", "lines"])
def test_python_matcher_is_linear_on_crafted_pastes(index, lines):
    match(index, "warm up")
    slow = []
    for unit in _units(index):
        small = _seconds(lambda: match(index, _paste(unit, SMALL, lines)))
        large = _seconds(lambda: match(index, _paste(unit, 4 * SMALL, lines)))
        if large > RATIO * small + SLACK:
            slow.append((unit, round(small, 4), round(large, 4)))
    assert slow == []


def test_an_unvalidated_catastrophic_pattern_is_still_linear_in_python():
    errors = [{"id": "demo/x", "title": "x", "url": "demo/x/", "provider": "demo",
               "signature": {"text": "boom"}, "patterns": [{"regex": "(a+)+$"}], "tags": []}]
    bad = build_index(errors, {"demo": {"name": "Demo"}})
    small = _seconds(lambda: match(bad, "a" * 28 + "!" + " a" * 2000))
    large = _seconds(lambda: match(bad, ("a" * 28 + "!") * 4 + " a" * 8000))
    assert large < RATIO * small + SLACK


def test_browser_matcher_is_linear_on_crafted_pastes(index):
    node = require_tool("node")
    script = """
const m = require(%s);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
m.match(input.index, "warm up");
function seconds(text) {
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const t = process.cpuUsage(); m.match(input.index, text); const used = process.cpuUsage(t);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  return best;
}
function paste(unit, size, lines) {
  let text = unit.repeat(Math.floor(size / unit.length) + 1);
  if (lines) { const parts = []; for (let i = 0; i < text.length; i += 400) { parts.push(text.slice(i, i + 400)); } text = parts.join("\\n"); }
  return text.slice(0, size);
}
const out = [];
for (const unit of input.units) for (const lines of [false, true]) {
  out.push([unit, lines, seconds(paste(unit, input.small, lines)), seconds(paste(unit, 4 * input.small, lines))]);
}
process.stdout.write(JSON.stringify(out));
""" % json.dumps(str(MATCHER_JS))
    proc = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=600,
                          input=json.dumps({"index": index, "units": _units(index), "small": SMALL}))
    assert proc.returncode == 0, proc.stderr
    slow = [row for row in json.loads(proc.stdout) if row[3] > RATIO * row[2] + SLACK]
    assert slow == []
