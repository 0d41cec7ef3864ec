"""The rule table: every rule has a code, a message and a reason, and a failing fixture whose test names its
code.  The fixtures here are the rules that a whole invalid file (tests/kb/test_validation.py) cannot show:
folder layout, and small edits of the valid demo error."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, run_cli
from errorkb.diagnostics import RETIRED, RULES, Diagnostic, diagnostic, terminal_safe
from errorkb.kb.schema import FINDING_FIELDS, load_schema, schema_diagnostics
from errorkb.kb.yamlsafe import YamlDocument

TESTS = Path(__file__).resolve().parent.parent
DEMO = FIXTURES / "valid" / "demo"


def test_every_rule_is_complete_and_named_by_a_test():
    sources = "\n".join(path.read_text(encoding="utf-8") for path in TESTS.rglob("*.py"))
    for code, rule in RULES.items():
        assert re.fullmatch(r"EKB[1-9][0-9]{2}", code) and code not in RETIRED
        assert rule.name and rule.message and rule.why.endswith("."), code
        assert sources.count(f'"{code}') + sources.count(f" {code} ") >= 1, f"no test names {code}"
    assert len({rule.name for rule in RULES.values()}) == len(RULES)


def test_every_schema_keyword_has_its_own_rule():
    """A schema keyword without an entry in FINDING_FIELDS would fall back to EKB299."""
    used = set()

    def walk(node):
        if isinstance(node, dict):
            used.update(key for key in node if key in jsonschema.Draft7Validator.VALIDATORS)
            for key, value in node.items():
                if key in ("properties", "definitions"):
                    for schema in value.values():
                        walk(schema)
                elif key != "enum":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name in ("error.schema.json", "provider.schema.json"):
        walk(load_schema(name))
    structural = {"$ref", "properties", "items", "additionalProperties", "propertyNames"}
    assert used - structural <= set(FINDING_FIELDS) | {"maxProperties"}


def test_an_unmapped_schema_keyword_still_gets_a_code():
    schema = {"type": "object", "properties": {"kind": {"const": "error"}}}
    document = YamlDocument({"kind": "warning"}, value_positions={(): (1, 1), ("kind",): (2, 7)})
    from errorkb.kb import schema as kb_schema

    kb_schema._validator.cache_clear()
    original = kb_schema.load_schema
    kb_schema.load_schema = lambda name: schema
    try:
        found = schema_diagnostics(document, "x.yaml", "custom.json")
    finally:
        kb_schema.load_schema = original
        kb_schema._validator.cache_clear()
    assert [str(d) for d in found] == ["x.yaml:2:7: EKB299 kind: 'error' was expected"]


def test_diagnostic_prints_path_line_column_code_message_and_details():
    found = diagnostic("EKB306", "errors/a/b.yaml", 3, 5, details=["first", "second"], name="fixed")
    assert str(found) == "errors/a/b.yaml:3:5: EKB306 two scenarios are named 'fixed': rename one\n    first\n    second"
    assert found == Diagnostic("errors/a/b.yaml", 3, 5, "EKB306", "two scenarios are named 'fixed': rename one")


def test_terminal_safe_escapes_controls_and_bidi():
    assert terminal_safe("a\x1b]0;PWNED\x07b\nc\u202ed\tok") == "a\\x1b]0;PWNED\\x07b\\x0ac\\u202ed\tok"


# ----------------------------------------------------------------------------- fixtures by edit


def _tree(tmp_path: Path) -> Path:
    demo = tmp_path / "errors" / "demo"
    shutil.copytree(DEMO, demo)
    return tmp_path


def _edit(tmp_path: Path, old: str, new: str, name: str = "bad-token.yaml") -> Path:
    tree = _tree(tmp_path)
    path = tree / "errors" / "demo" / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tree


def _validate(capsys, monkeypatch, tree: Path) -> list[str]:
    monkeypatch.chdir(tree)
    status, out, err = run_cli(capsys, "validate")
    assert status == 1 and out == "" and "Traceback" not in err
    return [line for line in err.splitlines() if not line.startswith("errorkb: ")]


EDITS = {
    "EKB111": ("tags: [authentication, api-key]", "tags: [authentication, api-key]\n? [a, b]\n: c",
               "errors/demo/bad-token.yaml:4:3: EKB111 a mapping key must be plain text"),
    "EKB205": ("tags: [authentication, api-key]", "tags: [authentication, " + "a" * 41 + "]",
               "errors/demo/bad-token.yaml:3:24: EKB205 tags[1] is too long (41 characters; at most 40)"),
    "EKB207": ("quick_fixes:\n  - Create a new token.", "quick_fixes: []",
               "errors/demo/bad-token.yaml:21:14: EKB207 quick_fixes needs at least 1 item(s)"),
    "EKB208": ("tags: [authentication, api-key]", "tags: [authentication, authentication]",
               "errors/demo/bad-token.yaml:3:7: EKB208 tags has the same item twice: remove the duplicate"),
    "EKB210": ("http_status: 401", "http_status: 99",
               "errors/demo/bad-token.yaml:7:16: EKB210 signature.http_status must be between 100 and 599"),
    "EKB211": ("  - literal: Demo token rejected", "  - literal: Demo token rejected\n    regex: demo",
               "errors/demo/bad-token.yaml:51:5: EKB211 patterns[0] must have exactly one of 'literal' or 'regex'"),
    "EKB305": ('  - regex: "demo token (rejected|refused)"', '  - regex: "x*"',
               "errors/demo/bad-token.yaml:52:12: EKB305 regex matches empty text, so it would match every log: "
               "make it require some text"),
    "EKB311": ('  - regex: "demo token (rejected|refused)"', '  - regex: "demo (to+ken)+ rejected"',
               "errors/demo/bad-token.yaml:52:12: EKB311 regex has the repeated group (to+ken)+, which can take the "
               "browser's matcher seconds on a crafted paste: repeat a plain run instead, with no repetition or "
               "alternatives inside the group"),
    "EKB312": ('  - regex: "demo token (rejected|refused)"', '  - regex: "demo token (?=rejected)"',
               "errors/demo/bad-token.yaml:52:12: EKB312 regex uses syntax the linear-time engine lacks (invalid perl "
               "operator: (?=): rewrite it without lookaround or back-references"),
    "EKB313": ('  - regex: "demo token (rejected|refused)"', '  - regex: "demo token (rejeté|refused)"',
               "errors/demo/bad-token.yaml:52:12: EKB313 regex holds the non-ASCII character U+00E9: match it with a "
               "literal pattern instead"),
    "EKB306": ("      - name: token-set", "      - name: token-set\n        stdout: {contains: [\"set\"]}\n"
                                          "      - name: token-set",
               "errors/demo/bad-token.yaml:30:7: EKB306 two scenarios are named 'token-set': rename one"),
    "EKB307": ("  - demo/slow-down", "  - demo/bad-token",
               "errors/demo/bad-token.yaml:46:5: EKB307 an error cannot be related to itself"),
}


@pytest.mark.parametrize("code", sorted(EDITS))
def test_rule_fires_on_its_fixture(code, tmp_path, monkeypatch, capsys):
    old, new, expected = EDITS[code]
    lines = _validate(capsys, monkeypatch, _edit(tmp_path, old, new))
    assert expected in lines, lines
    assert all(f" {code} " in line for line in lines if line.startswith("errors/demo/bad-token.yaml")), lines


# ----------------------------------------------------------------------------- folder layout


def test_EKB314_a_related_error_must_link_back(tmp_path, monkeypatch, capsys):
    tree = _edit(tmp_path, "related:\n  - demo/bad-token\n", "", name="slow-down.yaml")
    assert _validate(capsys, monkeypatch, tree) == [
        "errors/demo/bad-token.yaml:46:5: EKB314 related error 'demo/slow-down' does not list this error among its "
        "related: add 'demo/bad-token' to its related"]


def test_EKB315_a_tool_calls_only_known_providers(tmp_path, monkeypatch, capsys):
    tree = _edit(tmp_path, "name: Demo\n", "name: Demo\nkind: tool\ncalls: [demo, opneai]\n", name="_provider.yaml")
    assert _validate(capsys, monkeypatch, tree) == ["errors/demo/_provider.yaml:4:15: EKB315 'opneai' is not a provider "
                                                    "folder"]


def test_EKB120_no_errors_folder(tmp_path, monkeypatch, capsys):
    assert _validate(capsys, monkeypatch, tmp_path) == ["errors:1:1: EKB120 errors folder not found"]


def test_EKB121_file_outside_a_provider_folder(tmp_path, monkeypatch, capsys):
    tree = _tree(tmp_path)
    shutil.copy(DEMO / "bad-token.yaml", tree / "errors" / "loose.yaml")
    assert _validate(capsys, monkeypatch, tree) == [
        "errors/loose.yaml:1:1: EKB121 error files belong in errors/<provider>/<slug>.yaml: move it into a provider "
        "folder"]


def test_EKB122_bad_provider_folder_name(tmp_path, monkeypatch, capsys):
    tree = _tree(tmp_path)
    (tree / "errors" / "Open_AI").mkdir()
    assert _validate(capsys, monkeypatch, tree) == [
        "errors/Open_AI:1:1: EKB122 provider folder names are lower-case letters and digits joined by '-'"]


def test_EKB123_provider_folder_without_provider_file(tmp_path, monkeypatch, capsys):
    tree = _tree(tmp_path)
    (tree / "errors" / "other").mkdir()
    assert _validate(capsys, monkeypatch, tree) == [
        "errors/other:1:1: EKB123 provider folder has no _provider.yaml: add one with name, homepage, api_hosts, "
        "status_page and description"]


def test_EKB124_nested_folder(tmp_path, monkeypatch, capsys):
    tree = _tree(tmp_path)
    (tree / "errors" / "demo" / "more").mkdir()
    assert _validate(capsys, monkeypatch, tree) == [
        "errors/demo/more:1:1: EKB124 folders inside a provider folder are not read: move its files up"]


def test_EKB125_yml_extension(tmp_path, monkeypatch, capsys):
    tree = _tree(tmp_path)
    (tree / "errors" / "demo" / "bad-token.yaml").rename(tree / "errors" / "demo" / "bad-token.yml")
    lines = _validate(capsys, monkeypatch, tree)
    assert "errors/demo/bad-token.yml:1:1: EKB125 rename the file to end in .yaml" in lines


def test_EKB113_a_folder_named_like_a_file_cannot_be_read(tmp_path):
    from errorkb.kb.yamlsafe import read_yaml_file

    document, found = read_yaml_file(tmp_path, "errors/demo/x.yaml")
    assert document is None
    assert [d.code for d in found] == ["EKB113"] and str(found[0]).startswith("errors/demo/x.yaml:1:1: EKB113 ")


def test_EKB311_a_wildcard_bounded_too_high(tmp_path, monkeypatch, capsys):
    """RE2's automaton for a wide bounded wildcard outgrows its memory: matching then slows about tenfold."""
    lines = _validate(capsys, monkeypatch, _edit(tmp_path, '  - regex: "demo token (rejected|refused)"',
                                                 '  - regex: "demo.{0,1000}token rejected"'))
    assert lines == ["errors/demo/bad-token.yaml:52:12: EKB311 regex has the wildcard .{0,1000}, repeated more than 600 "
                     "times, which can take the browser's matcher seconds on a crafted paste: bound it at 600 or less, "
                     "as in .{0,200}"]
