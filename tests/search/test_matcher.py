"""Tests for the search-by-error-signature matcher (errorkb.search: rules, index, engine, and matcher.js).

Covers normalisation (ANSI, box borders, wrapped lines, JSON escapes, Python repr), masking, scoring and
provider disambiguation, the empty result, the index format, that the shortcuts which save work (features
per block, the regex pre-filter, hint groups) change no result, every vector in tests/search/vectors/
against the real errors/ files (read with yaml.safe_load), and parity: matcher.js under node gives the same
ids, order, scores and matched text as Python for every vector.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO, load_vectors, require_tool
from errorkb.search import MATCHER_JS, build_index, engine, mask, match, normalise, rules
from errorkb.search import index as search_index

ERRORS_DIR = REPO / "errors"


# ----------------------------------------------------------------------------- fixtures


def load_errors(errors_dir: Path) -> tuple[list[dict], dict[str, dict]]:
    """The knowledge base as build_index wants it: error dicts with id, provider and url added."""
    errors, providers = [], {}
    for pdir in sorted(p for p in errors_dir.iterdir() if p.is_dir()):
        pfile = pdir / "_provider.yaml"
        if pfile.exists():
            providers[pdir.name] = yaml.safe_load(pfile.read_text(encoding="utf-8")) or {}
        for path in sorted(pdir.glob("*.yaml")):
            if path.name.startswith("_"):
                continue
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            data.update(id=f"{pdir.name}/{path.stem}", provider=pdir.name, url=f"{pdir.name}/{path.stem}/")
            errors.append(data)
    return errors, providers


@pytest.fixture(scope="module")
def real():
    errors, providers = load_errors(ERRORS_DIR)
    return {"index": build_index(errors, providers), "ids": {e["id"] for e in errors}}


def err(eid: str, provider: str, text: str, literals=(), regexes=(), status=None, etype=None, code=None) -> dict:
    signature = {"text": text}
    if status:
        signature["http_status"] = status
    if etype:
        signature["error_type"] = etype
    if code:
        signature["error_code"] = code
    patterns = [{"literal": x} for x in literals] + [{"regex": x} for x in regexes]
    return {"id": eid, "provider": provider, "title": eid, "url": f"{eid}/", "signature": signature,
            "patterns": patterns or [{"literal": text}], "tags": ["test"]}


PROVIDERS = {
    "openai": {"name": "OpenAI", "homepage": "https://openai.com", "api_hosts": ["api.openai.com"]},
    "anthropic": {"name": "Anthropic", "homepage": "https://www.anthropic.com", "api_hosts": ["api.anthropic.com"]},
    "gemini": {"name": "Google Gemini", "homepage": "https://ai.google.dev",
               "api_hosts": ["generativelanguage.googleapis.com"]},
    "ollama": {"name": "Ollama", "homepage": "https://ollama.com", "api_hosts": ["localhost:11434"]},
}


@pytest.fixture(scope="module")
def small():
    """A tiny knowledge base whose errors look alike across providers."""
    errors = [
        err("openai/quota", "openai", "429 You exceeded your current quota, please check your plan and billing details.",
            literals=["You exceeded your current quota, please check your plan and billing details"],
            status=429, etype="insufficient_quota", code="insufficient_quota"),
        err("openai/bad-key", "openai", "401 Incorrect API key provided", status=401,
            literals=["Incorrect API key provided"], etype="invalid_request_error", code="invalid_api_key"),
        err("anthropic/bad-key", "anthropic", "401 authentication_error: invalid x-api-key", status=401,
            literals=["invalid x-api-key"], etype="authentication_error"),
        err("ollama/no-model", "ollama", "404 model 'llama3' not found", status=404,
            literals=["not found, try pulling it first"]),
        err("anthropic/overloaded", "anthropic", "529 overloaded_error: Overloaded", status=529,
            literals=["overloaded_error"], etype="overloaded_error"),
    ]
    return build_index(errors, PROVIDERS)


# ----------------------------------------------------------------------------- normalisation


def test_normalise_strips_ansi_codes():
    text = "\x1b[1;31mERROR\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07 \x1b[2K done [31mred[0m"
    assert normalise(text) == "ERROR link done red"


def test_normalise_strips_box_borders_and_border_lines():
    text = ("╭──────── Traceback ────────╮\n"
            "│ Error: 429 Rate limit     │\n"
            "┃ reached for gpt-4o        ┃\n"
            "╰───────────────────────────╯\n"
            "| table | cell |\n"
            "──────────")
    assert normalise(text) == "Traceback\nError: 429 Rate limit\nreached for gpt-4o\ntable | cell"


def test_normalise_undoes_json_escaping_even_nested():
    text = r'{"body":"{\"error\":{\"message\":\"caf\u00e9 \\\"quoted\\\"\\nnext\"}}"}'
    assert normalise(text) == "{'body':'{'error':{'message':'café 'quoted' next'}}'}"


def test_normalise_undoes_python_repr_and_unifies_quotes():
    text = "{'message': \"This model's maximum\", 'x': 'it\\'s', \u201ccurly\u201d `tick`}"
    assert normalise(text) == "{'message': 'This model's maximum', 'x': 'it's', 'curly' 'tick'}"


def test_normalise_collapses_whitespace_and_drops_empty_lines():
    assert normalise("  a \t\u00a0 b  \r\n\r\n\n   c\u200b d  ") == "a b\nc d"


def test_normalise_keeps_windows_paths_readable():
    assert "C:\\build\\foo" in normalise("File C:\\build\\foo.py")


def test_wrapped_lines_still_match_literals(small):
    # An 80-column terminal cut "provided" in two; literals are compared without spaces.
    text = ("openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key pro\n"
            "vided: sk-abc1***wxyz.', 'code': 'invalid_api_key'}}")
    assert [r["id"] for r in match(small, text)] == ["openai/bad-key"]


def test_wrapped_anchor_word_is_rejoined():
    comp = engine.engine_for(search_index.RULES_INDEX)
    lines, extras = comp.normalise_lines("x" * 70 + " insuffi\ncient_quota here\nshort")
    assert lines == ["x" * 70 + " insuffi", "cient_quota here", "short"]
    assert extras == [["insufficient"], [], []]


# ----------------------------------------------------------------------------- masking


@pytest.mark.parametrize("text, expected", [
    ("Incorrect API key provided: sk-abc1***wxyz.", "Incorrect API key provided: <key>"),
    ("key sk-proj-****...****abcd and ${OPENAI*****KEY} and your-ope*******-key",
     "key <key> and <key> and <key>"),
    ("sk-ant-api03-abcdefghijklmnopqrstuv AIzaSyA1234567890abcdefghijklmnopqrs Bearer abc.def.ghijkl",
     "<key> <key> Bearer <key>"),
    ("request-id: req_011CSHoEeqs5C35K2UUqR7Fy id 3c0f7a1e-5b2d-4e8f-9a6c-1d2e3f4a5b6c",
     "request-id: <id> id <uuid>"),
    ("(Please include the request ID 4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e in your email.)",
     "(Please include the request ID <id> in your email.)"),
    ("Rate limit reached for gpt-4o-mini in organization org-Lm2nP4qR6sT8uV0wX2yZ4aB6 on tokens per min: "
     "Limit 30,000, Used 29937. Please try again in 644ms.",
     "Rate limit reached for <model> in organization <org> on tokens per min: "
     "Limit <num>, Used <num>. Please try again in <num>."),
    ("model 'llama3' not found; model \"ollama\" not found; models/gemini-pro is not found",
     "model '<model>' not found; model '<model>' not found; models/<model> is not found"),
    ("see https://platform.openai.com/account/api-keys. mail bob@example.com",
     "see <url>. mail <email>"),
    ('File "/home/dev/app/.venv/lib/openai/_base_client.py", line 1037', "File '<path>', line <num>"),
])
def test_mask(text, expected):
    assert mask(text) == expected


def test_masks_never_span_a_line_break():
    assert mask("see https://example.com/a\nnext line") == "see <url>\nnext line"
    assert mask("model 'foo-bar'\nmodel\n'foo-bar'") == "model '<model>'\nmodel\n'foo-bar'"


def test_literal_with_concrete_values_matches_other_values(small):
    # The literal was written with a concrete model name; masking generalises it.
    index = build_index([err("ollama/x", "ollama", "model 'llama3' not found, try pulling it first")], PROVIDERS)
    text = "ollama._types.ResponseError: model 'qwen2.5-coder:7b' not found, try pulling it first"
    result = match(index, text)
    assert [r["id"] for r in result] == ["ollama/x"]
    assert result[0]["matched"] == "model '<model>' not found, try pulling it first"


def test_fuzzy_literal_tolerates_an_inserted_word():
    index = build_index([err("ollama/x", "ollama", "404 model 'llama3' not found", status=404)], PROVIDERS)
    text = "HTTP 404 Not Found from http://127.0.0.1:11434/api/chat The model \"foo\" was not found."
    assert [r["id"] for r in match(index, text)] == ["ollama/x"]


def test_short_paste_is_found_inside_a_literal(small):
    result = match(small, "You exceeded your current quota")
    assert [r["id"] for r in result] == ["openai/quota"]
    assert result[0]["matched"] == "You exceeded your current quota"
    assert match(small, "Error") == []          # too short to mean anything
    assert match(small, "please check your") == []


def test_short_paste_tests_every_literal_whatever_its_anchor(small):
    # "overloaded" is only the start of the word "overloaded_error" here, so its anchor word is absent.
    assert [r["id"] for r in match(small, "anthropic.OverloadedError: overloaded_errorx")] == ["anthropic/overloaded"]


def test_literal_gaps_split_fragments():
    index = build_index([err("demo/x", "openai", "Request too large for ... on tokens per min")], PROVIDERS)
    assert match(index, "Request too large for gpt-5 in organization org-abcd on tokens per min (TPM)")
    assert not match(index, "Request too large for the upload")


# ----------------------------------------------------------------------------- scoring and providers


def test_no_match_returns_empty(small):
    assert match(small, "") == []
    assert match(small, "Traceback (most recent call last):\nKeyError: 'user_id'") == []
    assert match(small, "Error: listen tcp 127.0.0.1:11434: bind: address already in use") == []


def test_result_shape(small):
    result = match(small, "AuthenticationError: 401 Incorrect API key provided: sk-abc1***wxyz.")
    assert result == [{"id": "openai/bad-key", "title": "openai/bad-key", "score": result[0]["score"],
                       "url": "openai/bad-key/", "matched": "Incorrect API key provided", "masks": []}]
    assert result[0]["score"] == round(result[0]["score"], 3) >= rules.WEIGHTS["threshold"]


def test_a_masked_hit_names_the_mask_rules_that_fired(small):
    result = match(small, "Error: 404 model 'my-finetune' not found")
    assert result and result[0]["masks"] == ["quoted-model"], result
    assert "'<model>'" in result[0]["matched"]


def test_mask_rules_are_named_data():
    names = [rule.name for rule in rules.MASK_RULES]
    assert len(names) == len(set(names)) and "api-key" in names and "number" in names
    assert all(rule.placeholder.strip("'").startswith("<") for rule in rules.MASK_RULES)


def test_gemini_quota_is_not_openai_quota(small):
    openai_text = "RateLimitError: 429 You exceeded your current quota, please check your plan and billing details."
    assert [r["id"] for r in match(small, openai_text)] == ["openai/quota"]
    gemini_text = ("google.genai.errors.ClientError: 429 RESOURCE_EXHAUSTED. {'error': {'code': 429, 'message': "
                   "'You exceeded your current quota, please check your plan and billing details. For more "
                   "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.', "
                   "'status': 'RESOURCE_EXHAUSTED'}}")
    assert match(small, gemini_text) == []


def test_anthropic_401_is_not_openai_page(small):
    text = ("anthropic.AuthenticationError: Error code: 401 - {'type': 'error', 'error': "
            "{'type': 'authentication_error', 'message': 'invalid x-api-key'}}")
    assert [r["id"] for r in match(small, text)] == ["anthropic/bad-key"]


def test_same_literal_two_providers_hint_decides():
    errors = [err("openai/over", "openai", "Server overloaded, please retry later", status=503),
              err("anthropic/over", "anthropic", "Server overloaded, please retry later", status=503)]
    index = build_index(errors, PROVIDERS)
    assert match(index, "POST https://api.anthropic.com/v1/messages: Server overloaded, please retry later")[0]["id"] \
        == "anthropic/over"
    assert match(index, "POST https://api.openai.com/v1/chat: Server overloaded, please retry later")[0]["id"] \
        == "openai/over"
    # Without a hint both fit equally; ties are broken by id.
    assert [r["id"] for r in match(index, "Server overloaded, please retry later")] == ["anthropic/over", "openai/over"]


def _tool_index(calls: list[str]) -> dict:
    providers = {**PROVIDERS, "cline": {"name": "Cline", "kind": "tool", "calls": calls, "homepage": "https://cline.bot"}}
    errors = [err("cline/bad-response", "cline", "Invalid API Response: The provider returned an empty or unparsable "
                  "response", literals=["The provider returned an empty or unparsable response"]),
              err("anthropic/over", "anthropic", "529 Overloaded", literals=["Server overloaded, please retry later"],
                  status=529)]
    return build_index(errors, providers)


TOOL_LOGS = ["Cline: Invalid API Response: The provider returned an empty or unparsable response (POST "
             "https://api.anthropic.com/v1/messages)",
             "[cline] POST https://cline.bot/api: Server overloaded, please retry later"]


def test_a_tool_and_the_providers_it_calls_do_not_count_against_each_other():
    """Cline printing an Anthropic URL is still Cline's own error, and Anthropic's error seen in Cline's log is still
    Anthropic's: only a provider the tool does not call is another provider's evidence."""
    allied, unrelated = _tool_index(["anthropic", "openai"]), _tool_index(["openai"])
    tool_error, provider_error = TOOL_LOGS
    assert [r["id"] for r in match(allied, tool_error)] == ["cline/bad-response"]
    assert [r["id"] for r in match(unrelated, tool_error)] == []   # Anthropic's server is not Cline's
    assert match(allied, provider_error)[0]["id"] == "anthropic/over"
    assert match(allied, provider_error)[0]["score"] > (match(unrelated, provider_error) or [{"score": 0}])[0]["score"]


def test_matcher_js_treats_a_tool_and_its_providers_alike():
    require_tool("node")
    script = """
const m = require(%s);
const input = JSON.parse(require("fs").readFileSync(0, "utf-8"));
process.stdout.write(JSON.stringify(input.indexes.map(index => input.logs.map(log => m.match(index, log, 5)))));
""" % json.dumps(str(MATCHER_JS))
    indexes = [_tool_index(["anthropic", "openai"]), _tool_index(["openai"])]
    proc = subprocess.run(["node", "-e", script], input=json.dumps({"indexes": indexes, "logs": TOOL_LOGS}),
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [[match(index, log, 5) for log in TOOL_LOGS] for index in indexes]


def test_a_module_path_is_not_a_homepage():
    """"openai.com" (OpenAI's homepage) is a strong hint in a URL, not inside litellm.llms.openai.common_utils."""
    errors = [err("ollama/over", "ollama", "Server overloaded, please retry later", status=503)]
    index = build_index(errors, PROVIDERS)
    module = "litellm.llms.openai.common_utils.OpenAIError: Server overloaded, please retry later"
    url = "GET https://openai.com/ failed: Server overloaded, please retry later"
    assert [r["id"] for r in match(index, module)] == ["ollama/over"]
    assert match(index, url) == [] or match(index, url)[0]["score"] < match(index, module)[0]["score"]


def test_ollama_behind_openai_sdk_is_ollama(small):
    text = ("openai.NotFoundError: Error code: 404 - {'error': {'message': 'model \"llama3\" not found, try pulling "
            "it first', 'type': 'api_error', 'param': None, 'code': None}}")
    assert [r["id"] for r in match(small, text)] == ["ollama/no-model"]


def test_other_status_lowers_score(small):
    ok = match(small, "Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error'}}")
    other = match(small, "Error code: 500 - {'type': 'error', 'error': {'type': 'overloaded_error'}}")
    assert ok and (not other or other[0]["score"] < ok[0]["score"])


def test_more_specific_error_wins():
    errors = [err("openai/generic", "openai", "RateLimitError", literals=["RateLimitError"]),
              err("openai/quota", "openai", "You exceeded your current quota",
                  literals=["You exceeded your current quota", "RateLimitError"])]
    index = build_index(errors, PROVIDERS)
    ids = [r["id"] for r in match(index, "openai.RateLimitError: You exceeded your current quota, please check")]
    assert ids[0] == "openai/quota"


def test_top_limits_results(small):
    text = ("Incorrect API key provided\nYou exceeded your current quota, please check your plan and billing details\n"
            "not found, try pulling it first")
    assert len(match(small, text, top=2)) == 2
    assert len(match(small, text, top=5)) == 3


def test_error_far_down_a_big_log_is_found(small):
    noise = [f"2025-01-01 10:00:{i % 60:02d} INFO worker processed job {i} in {i % 97}ms" for i in range(20000)]
    noise[12345] = "openai.RateLimitError: Error code: 429 - You exceeded your current quota, please check your plan " \
                   "and billing details. 'code': 'insufficient_quota'"
    result = match(small, "\n".join(noise))
    assert [r["id"] for r in result] == ["openai/quota"]


# ----------------------------------------------------------------------------- index


def test_index_is_compact_json_without_prose(real):
    index = real["index"]
    text = json.dumps(index)
    assert json.loads(text) == index
    assert "quick_fix" not in text and "what_it_means" not in text
    columns = index["errors"]
    assert sorted(columns) == sorted(search_index._COLUMNS + ("types", "urls"))
    assert {len(columns[name]) for name in search_index._COLUMNS} == {len(real["ids"])}
    assert columns["urls"] == []   # urls follow the template, so none is stored


def test_title_with_the_slug_words_is_stored_without_them():
    errors = [err("openai/quota-exceeded", "openai", "Quota exceeded for this month"),
              err("openai/other", "openai", "Something else went wrong here")]
    errors[0]["title"] = "OpenAI quota exceeded (429)"
    errors[1]["title"] = "A title without the words"
    index = build_index(errors, PROVIDERS)
    assert index["errors"]["title"] == ["A title without the words", ["OpenAI ", " (429)"]]
    assert match(index, "Quota exceeded for this month")[0]["title"] == "OpenAI quota exceeded (429)"
    assert "quota exceeded (" not in json.dumps(index)


def test_index_is_deterministic():
    errors, providers = load_errors(ERRORS_DIR)
    assert build_index(errors, providers) == build_index(list(reversed(errors)), providers)


@pytest.mark.parametrize("regex", [r"(?<=a)b", r"(?P<x>a)", r"(?i)abc", "a("])
def test_build_rejects_regex_javascript_cannot_run(regex):
    with pytest.raises(ValueError):
        build_index([err("demo/x", "openai", "x", regexes=[regex])], PROVIDERS)


def test_rules_regexes_compile_in_both_languages():
    # Python compiled them on import; node compiles them in the parity test through the same index.
    for src, _flags in rules.RULES.values():
        assert "(?<" not in src and "(?P" not in src


# ----------------------------------------------------------------------------- work saved, results unchanged


@pytest.mark.parametrize("src, expected", [
    (r"account budget \S+ ?could not", [["accountbudget", "couldnot"]]),
    (r"Rate limit reached for \S+ in organization|Request too large", [["ratelimitreachedfor", "inorganization"],
                                                                       ["requesttoolarge"]]),
    (r"['\"]?code['\"]?\s*:\s*['\"]invalid_api_key", [["code", "invalid_api_key"]]),
    (r"quotas?\.? exceeded\b", [["quota", "exceeded"]]),
    (r"(?:foo|bar) baz", None),           # an alternative without a piece of four characters
    (r"abc|defgh", None),
    (r"model \012 name", None),          # an escape the parser does not read
])
def test_required_pieces(src, expected):
    assert search_index._required_pieces(src) == expected


def _windows(comp, text):
    lines, _ = comp.normalise_lines(text)
    blocks = [engine._Block(comp, lines[b:b + comp.block]) for b in range(0, len(lines), comp.block)]
    return [engine._Window(comp, blocks[b:b + 2]) for b in range(len(blocks) - 1 or len(blocks))]


def _long_logs():
    logs = [v["log"] for v in VECTOR_LIST]
    noise = [f"2025-01-01 10:00:{i % 60:02d} INFO worker processed job {i} in {i % 97}ms" for i in range(19)]
    seam = noise + ["AuthenticationError: Error code: 401 - POST https://api.anthro",
                    "pic.com/v1/messages failed"]
    return ["\n".join(logs), "\n".join(reversed(logs)), "\n".join(logs[1::3] + logs[::2]), "\n".join(seam)]


def test_window_features_are_those_of_the_whole_window(real):
    comp = engine.engine_for(real["index"])
    for text in _long_logs():
        for win in _windows(comp, text):
            statuses, token_sets, evidence, other_code, other_type = win.features()
            nl = engine.ascii_lower("\n".join(line for block in win.blocks for line in block.lines))
            assert statuses == {int(m.group(1)) for rx in comp.status for m in rx.finditer(nl)}
            tokens = set(comp.re["feature"].findall(nl))
            assert set().union(*token_sets) == tokens
            assert (other_code, other_type) == (bool(comp.codes & tokens), bool(comp.types & tokens))
            expected = [0] * comp.nprov
            for needle, pidx, weight in comp.hints:
                if needle in win.cmp:
                    expected[pidx] = max(expected[pidx], weight)
            assert evidence == expected
            msp, mcmp, toks, spans, _ = win.masked()
            assert msp == " ".join(comp.mask(line) for block in win.blocks for line in block.lines)
            mlow = engine.ascii_lower(msp)
            assert mcmp == mlow.replace(" ", "")
            assert spans == [(m.group(0), m.start(), m.end()) for m in comp.re["fuzzy"].finditer(mlow)]
    seam = _windows(comp, _long_logs()[-1])[0]
    assert seam.features()[2][real["index"]["providers"].index("anthropic")] == 1   # api.anthropic.com


def test_regex_prefilter_never_skips_a_match(real):
    comp = engine.engine_for(real["index"])
    regexes = [pat for pat in comp.patterns if pat[0] == "r" and pat[2] is not None]
    assert sum(pat[4] is not None for pat in regexes) > len(regexes) // 2
    found = 0
    for text in _long_logs() + [v["log"] for v in VECTOR_LIST]:
        for win in _windows(comp, text):
            for pat in regexes:
                if pat[2].search(win.sp):
                    found += 1
                    assert pat[4] is None or any(all(p in win.cmp for p in alt) for alt in pat[4]), pat[2].pattern
    assert found > 50


def test_hint_groups_keys_are_inside_their_needles(real):
    comp = engine.engine_for(real["index"])
    assert sorted(map(tuple, comp.hints)) == sorted(tuple(h) for _, hints in comp.hint_groups for h in hints)
    for key, hints in comp.hint_groups:
        assert all(key is None or key in needle for needle, _, _ in hints)
    assert len(comp.hint_groups) < len(comp.hints) // 2


# ----------------------------------------------------------------------------- vectors

VECTOR_LIST = load_vectors()


def test_vectors_are_filed_by_the_page_they_expect_and_name_their_source():
    names = [vector["name"] for vector in VECTOR_LIST]
    assert len(names) == len(set(names)), "vector names must be unique"
    for vector in VECTOR_LIST:
        expected_file = "no-match.yaml" if vector["expect"] is None else vector["expect"] + ".yaml"
        assert vector["file"] == expected_file, vector["name"]
        source = vector.get("source", "")
        assert source.startswith("https://") or source.startswith("constructed"), vector["name"]
        assert isinstance(vector["log"], str) and vector["log"].strip(), vector["name"]


@pytest.mark.parametrize("vector", VECTOR_LIST, ids=[v["name"] for v in VECTOR_LIST])
def test_vector(real, vector):
    expect = vector["expect"]
    if expect is not None and expect not in real["ids"]:
        pytest.skip(f"{expect} has no error file yet")
    result = match(real["index"], vector["log"])
    got = result[0]["id"] if result else None
    assert got == expect, json.dumps(result, indent=1)


# ----------------------------------------------------------------------------- parity with matcher.js

EXTRA_PARITY = [
    "",
    "emoji 😀 in a line: Incorrect API key provided: sk-abc1***wxyz 😀",
    "\ud83d lone surrogate escaped \\ud83d\\ude00 and \\u00e9 and \\x1b[31mred",
    "ÀÉÎ İstanbul ǅ Straße Incorrect API key provided K (Kelvin sign)",
    "a\rb\r\nc\u2028d\u2029e\x0bf\x0cg\x85h",
    "│ box │ with │ pipes │\n" * 3,
    "x" * 500 + " insuffi\ncient_quota",
    "model 'llama3' not found, try pulling it first\n" * 50,
    "You exceeded your current quota",
    "Overloaded",
    "anthropic.OverloadedError",
    "Please pass a valid API key.",
    "\n".join(f"INFO job {i} done" for i in range(19)) + "\nError code: 401 - POST https://api.anthro\n"
    "pic.com/v1/messages {'type': 'error', 'error': {'type': 'authentication_error', 'message': 'invalid x-api-key'}}",
    "\n".join(f"line {i}: Error: 429 You exceeded your current quota" if i % 17 == 0 else f"DEBUG step {i}"
              for i in range(120)),
]


def test_matcher_js_parity(real):
    require_tool("node")
    logs = [v["log"] for v in VECTOR_LIST] + EXTRA_PARITY + _long_logs()   # long ones: JS 4-gram bitmaps
    script = """
const m = require(%s);
let data = "";
process.stdin.on("data", chunk => { data += chunk; });
process.stdin.on("end", () => {
  const input = JSON.parse(data);
  const out = input.logs.map(log => ({results: m.match(input.index, log, 5), normalised: m.normalise(input.index, log),
                                      masked: m.mask(input.index, log)}));
  process.stdout.write(JSON.stringify(out));
});
""" % json.dumps(str(MATCHER_JS))
    index = real["index"]
    proc = subprocess.run(["node", "-e", script], input=json.dumps({"index": index, "logs": logs}),
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stderr
    js = json.loads(proc.stdout)
    assert len(js) == len(logs)
    for log, out in zip(logs, js):
        assert out["results"] == match(index, log, 5), log[:200]
        assert out["normalised"] == normalise(log, index), log[:200]
        assert out["masked"] == mask(log, index), log[:200]


# ----------------------------------------------------------------------------- shards


def _shard_logs(index: dict) -> list[str]:
    """Pastes for the shard tests: every vector and parity log, and, per error, short pastes cut from its
    signature and literals (the reverse test), with its spaces removed (compact matching), and a masked-only one."""
    logs = [v["log"] for v in VECTOR_LIST[::2]] + EXTRA_PARITY + ["12345678 90", "sk-proj-abcdefghijklmnop 42"]
    for number, literals in enumerate(index["errors"]["literals"]):
        for literal in literals:
            text = literal[0]
            logs += [text[len(text) // 4: 3 * len(text) // 4], text.replace(" ", "").upper() if number % 2 else text]
    return logs


def _check_shards(index: dict, logs: list[str]) -> list[int]:
    from errorkb.search.shards import merge_shards, needed_shards, shard_index

    expected = {log: match(index, log, 5) for log in logs}
    core, shards = shard_index(index)
    by_names: dict[tuple, list[str]] = {}
    for log in logs:
        by_names.setdefault(tuple(needed_shards(core, log)), []).append(log)
    loaded = []
    for names, group in by_names.items():   # one merged index (and engine) per set of shards
        merged = merge_shards(core, [shards[name] for name in names])
        for log in group:
            assert match(merged, log, 5) == expected[log], (log[:200], names)
            loaded.append(len(merged["errors"]["slug"]))
    return loaded


def test_a_paste_finds_with_its_shards_what_it_finds_with_the_whole_index(real):
    """The site publishes the index as a core and shards; a paste loads only the shards it needs and finds exactly
    what the whole index finds."""
    _check_shards(real["index"], _shard_logs(real["index"])[::2])


def test_shards_of_a_large_knowledge_base_load_a_small_part_of_it(tmp_path):
    """On 300 synthetic errors (few distinct words: a hard case), a paste loads a small part of the errors, and
    finds what the whole index finds."""
    import subprocess
    import sys

    subprocess.run([sys.executable, str(REPO / "bench" / "synth.py"), "--count", "300", "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=120)
    errors, providers = load_errors(tmp_path / "errors")
    index = build_index(errors, providers)
    logs = _shard_logs(index)[::7] + [f"Traceback (most recent call last):\n  File \"app.py\", line 3\n{e['signature']['text']}"
                                       for e in errors[::10]]
    loaded = _check_shards(index, logs)
    total = len(index["errors"]["slug"])
    median = sorted(loaded)[len(loaded) // 2]
    assert median < total / 3, f"a paste loads {median} of {total} errors"   # at 10,000: see bench/bench_build.py


def test_matcher_js_picks_and_merges_the_same_shards(real):
    require_tool("node")
    from errorkb.search.shards import needed_shards, shard_index

    core, shards = shard_index(real["index"])
    logs = _shard_logs(real["index"])[::3] + _long_logs()[:2]
    script = """
const m = require(%s);
let data = "";
process.stdin.on("data", chunk => { data += chunk; });
process.stdin.on("end", () => {
  const input = JSON.parse(data);
  const out = input.logs.map(log => {
    const names = m.neededShards(input.core, log);
    const merged = m.mergeShards(input.core, names.map(name => input.shards[name]));
    return {names: names, results: m.match(merged, log, 5)};
  });
  process.stdout.write(JSON.stringify(out));
});
""" % json.dumps(str(MATCHER_JS))
    proc = subprocess.run(["node", "-e", script], input=json.dumps({"core": core, "shards": shards, "logs": logs}),
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stderr
    js = json.loads(proc.stdout)
    for log, out in zip(logs, js):
        assert out["names"] == needed_shards(core, log), log[:200]
        assert out["results"] == match(real["index"], log, 5), log[:200]
