"""Every validation rule: a failing fixture and its exact `path:line:column: message` lines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, run_cli
from errorkb.kb import LoadCache, ValidationFailed, load_knowledge_base

INVALID = FIXTURES / "invalid"

EXPECTED = {
    "yaml-syntax.yaml": ["errors/demo/yaml-syntax.yaml:3:5: EKB105 YAML syntax error: did not find expected ',' or ']'"],
    "tab-indent.yaml": ["errors/demo/tab-indent.yaml:6:1: EKB104 tab character in indentation: YAML indents with spaces, "
                        "replace the tab with spaces"],
    "duplicate-key.yaml": ["errors/demo/duplicate-key.yaml:11:1: EKB112 duplicate key 'title' (first at line 2, column 1): "
                           "keep only one"],
    "unknown-field.yaml": ["errors/demo/unknown-field.yaml:2:1: EKB202 missing required field 'summary' "
                           "(One sentence: what went wrong.)",
                           "errors/demo/unknown-field.yaml:11:1: EKB201 unknown field 'sumary': did you mean 'summary'?"],
    "wrong-type.yaml": ["errors/demo/wrong-type.yaml:7:16: EKB203 signature.http_status must be a whole number, not text"],
    "missing-required.yaml": ["errors/demo/missing-required.yaml:2:1: EKB202 missing required field 'why_it_happens' "
                              "(Why this happens: the mechanism behind the error.)"],
    "empty-string.yaml": ["errors/demo/empty-string.yaml:10:12: EKB204 quick_fix must not be empty"],
    "bad-regex.yaml": ["errors/demo/bad-regex.yaml:50:12: EKB303 regex does not compile: missing ), unterminated subpattern "
                       "at position 11"],
    "js-regex.yaml": ["errors/demo/js-regex.yaml:50:12: EKB304 regex uses lookbehind '(?<=' or '(?<!', which JavaScript does "
                      "not support in the browser: rewrite it without"],
    "unknown-related.yaml": ["errors/demo/unknown-related.yaml:46:5: EKB308 related error 'demo/slow-dwn' does not exist: "
                             "did you mean 'demo/slow-down'?"],
    "duplicate-signature.yaml": [
        "errors/demo/duplicate-signature.yaml:6:9: EKB309 signature is the same as in errors/demo/slow-down.yaml:5:9: "
        "each error needs its own signature; merge the two or make this one exact",
        "errors/demo/slow-down.yaml:5:9: EKB309 signature is the same as in errors/demo/duplicate-signature.yaml:6:9: "
        "each error needs its own signature; merge the two or make this one exact"],
    "updated-not-date.yaml": ["errors/demo/updated-not-date.yaml:12:10: EKB301 updated '2026-02-30' is not a real date: "
                              "write YYYY-MM-DD"],
    "updated-future.yaml": ["errors/demo/updated-future.yaml:12:10: EKB302 updated 2999-01-01 lies in the future "
                            "(today is {today})"],
    "updated-wrong-format.yaml": ["errors/demo/updated-wrong-format.yaml:12:10: EKB206 updated must be a date written "
                                  "YYYY-MM-DD"],
    "anchor-alias.yaml": ["errors/demo/anchor-alias.yaml:18:16: EKB108 anchor '&causes' is not allowed: write each value "
                          "out in full",
                          "errors/demo/anchor-alias.yaml:21:14: EKB107 alias '*causes' is not allowed: write the value out "
                          "in full"],
    "yaml-tag.yaml": ["errors/demo/yaml-tag.yaml:11:10: EKB109 YAML tag '!!str' is not allowed: write the value without a tag"],
    "not-utf8.yaml": ["errors/demo/not-utf8.yaml:17:45: EKB102 file is not valid UTF-8 (byte 0xff): save it as UTF-8"],
    "empty.yaml": ["errors/demo/empty.yaml:1:1: EKB103 file is empty: write the fields of the error, see docs/contributing.md"],
    "deep-nesting.yaml": ["errors/demo/deep-nesting.yaml:51:23: EKB110 nested more than 16 levels deep: flatten the "
                          "structure"],
    "no-schema-line.yaml": ["errors/demo/no-schema-line.yaml:1:1: EKB127 the first line must be '# yaml-language-server: "
                            "$schema=../../generator/errorkb/kb/schema/error.schema.json' so that editors complete and check "
                            "the fields"],
    "not-a-mapping.yaml": ["errors/demo/not-a-mapping.yaml:1:1: EKB114 the file must be a mapping of field names to values"],
    "two-documents.yaml": ["errors/demo/two-documents.yaml:51:1: EKB106 more than one YAML document ('---'): keep one "
                           "error per file"],
    "bad-enum.yaml": ["errors/demo/bad-enum.yaml:4:12: EKB209 frequency must be one of: very-common, common, occasional, "
                      "rare (did you mean 'very-common'?)"],
    "signature-not-matched.yaml": ["errors/demo/signature-not-matched.yaml:6:9: EKB330 the signature '401 Demo token "
                                   "rejected' is not found by this error's own patterns: add a literal pattern with its "
                                   "wording"],
    "over-length-budget.yaml": ["errors/demo/over-length-budget.yaml:11:10: EKB332 summary is 446 characters, over its "
                                "budget of 320: say it in one shorter sentence"],
    "faq-not-a-question.yaml": ["errors/demo/faq-not-a-question.yaml:46:15: EKB333 the FAQ question 'Tokens expire' does "
                                "not end with '?': write it as the question a reader asks"],
    "source-not-https.yaml": ["errors/demo/source-not-https.yaml:53:10: EKB316 source URL "
                              "'http://demo.example.com/docs/errors' is not https: link the https address of the page"],
    "placeholder.yaml": ["errors/demo/placeholder.yaml:10:12: EKB317 quick_fix still holds the scaffold's placeholder: one "
                         "sentence, the fix that works most often"],
    "bad-disable-comment.yaml": [
        "errors/demo/bad-disable-comment.yaml:11:1: EKB336 say why EKB330 is silenced: # errorkb: disable=EKB330 -- the "
        "reason",
        "errors/demo/bad-disable-comment.yaml:12:1: EKB336 'EKB401' is not a rule a file can silence; these can: EKB330, "
        "EKB331, EKB332, EKB333, EKB334, EKB335"],
    "no-reproduce-and-fixed.yaml": ["errors/demo/no-reproduce-and-fixed.yaml:33:5: EKB334 'Send a request with the token' "
                                    "calls the API, but no command of this API error has both a 'reproduce' and a "
                                    "'fixed' scenario: add them to the command"],
    "Bad_Name.yaml": ["errors/demo/Bad_Name.yaml:1:1: EKB126 file names are lower-case letters and digits joined by '-', "
                      "ending in .yaml"],
}


def _tree_with(tmp_path: Path, name: str, content: bytes) -> Path:
    demo = tmp_path / "errors" / "demo"
    demo.mkdir(parents=True)
    shutil.copy(FIXTURES / "valid" / "demo" / "_provider.yaml", demo)
    slow_down = (FIXTURES / "valid" / "demo" / "slow-down.yaml").read_text()
    (demo / "slow-down.yaml").write_text(slow_down.replace("related:\n  - demo/bad-token\n", ""))
    (demo / name).write_bytes(content)
    return tmp_path


def test_every_invalid_fixture_has_an_expectation():
    assert sorted(path.name for path in INVALID.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_fixture_reports_exact_problems(name, tmp_path, monkeypatch, capsys):
    import datetime as dt

    monkeypatch.chdir(_tree_with(tmp_path, name, (INVALID / name).read_bytes()))
    status, out, err = run_cli(capsys, "validate")
    expected = [line.format(today=dt.date.today().isoformat()) for line in EXPECTED[name]]
    problem_lines = [line for line in err.splitlines() if not line.startswith("errorkb: ")]
    assert status == 1
    assert problem_lines == expected
    assert "Traceback" not in err and out == ""


def test_file_over_256_kib_is_refused(tmp_path, monkeypatch, capsys):
    base = (FIXTURES / "valid" / "demo" / "bad-token.yaml").read_text()
    huge = base + "# " + "x" * (300 * 1024) + "\n"
    monkeypatch.chdir(_tree_with(tmp_path, "huge.yaml", huge.encode()))
    status, _, err = run_cli(capsys, "validate")
    assert status == 1
    assert "errors/demo/huge.yaml:1:1: EKB101 file is 301 KiB; the limit is 256 KiB: shorten the text or split it into " \
           "several errors" in err


def test_every_problem_in_every_file_in_one_run(tmp_path, monkeypatch, capsys):
    tree = _tree_with(tmp_path, "unknown-field.yaml", (INVALID / "unknown-field.yaml").read_bytes())
    for name in ("wrong-type.yaml", "tab-indent.yaml", "anchor-alias.yaml"):
        (tree / "errors" / "demo" / name).write_bytes((INVALID / name).read_bytes())
    monkeypatch.chdir(tree)
    status, _, err = run_cli(capsys, "validate")
    assert status == 1
    files = {line.split(":", 1)[0] for line in err.splitlines() if line.startswith("errors/")}
    assert files == {f"errors/demo/{name}" for name in
                     ("unknown-field.yaml", "wrong-type.yaml", "tab-indent.yaml", "anchor-alias.yaml")}
    assert err.splitlines()[-1] == "errorkb: 6 problems in 4 files"


def test_billion_laughs_is_refused_quickly(tmp_path, monkeypatch, capsys):
    bomb = ["# yaml-language-server: $schema=../../generator/errorkb/kb/schema/error.schema.json", 'a: &a ["lol","lol"]']
    for level in range(1, 12):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        bomb.append(f"{name}: &{name} [*{previous},*{previous},*{previous},*{previous}]")
    monkeypatch.chdir(_tree_with(tmp_path, "bomb.yaml", "\n".join(bomb).encode()))
    status, _, err = run_cli(capsys, "validate")
    assert status == 1
    assert "errors/demo/bomb.yaml:2:4: EKB108 anchor '&a' is not allowed: write each value out in full" in err


def test_hostile_nesting_never_raises(tmp_path, monkeypatch, capsys):
    deep = "# yaml-language-server: $schema=../../generator/errorkb/kb/schema/error.schema.json\nx: " + "[" * 100000
    monkeypatch.chdir(_tree_with(tmp_path, "deep.yaml", deep.encode()))
    status, _, err = run_cli(capsys, "validate")
    assert status == 1
    problem_lines = [line for line in err.splitlines() if line.startswith("errors/")]
    assert len(problem_lines) == 1 and problem_lines[0].startswith("errors/demo/deep.yaml:2:")
    assert "nest" in problem_lines[0] and "Traceback" not in err


def test_valid_demo_tree_passes(demo_tree, capsys):
    status, out, err = run_cli(capsys, "validate")
    assert (status, err) == (0, "")
    assert out.strip() == "errorkb: 2 errors from 1 provider are valid"


def test_shipped_errors_are_valid(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    status, out, err = run_cli(capsys, "validate")
    assert err == ""
    assert status == 0


def test_shipped_errors_pass_the_lint_with_their_test_vectors(monkeypatch, capsys):
    """The overlap rule (EKB331) runs where the vectors are: no shipped error's patterns take another's paste."""
    monkeypatch.chdir(REPO)
    status, out, err = run_cli(capsys, "validate", "--vectors", "tests/search/vectors", "--verbose")
    assert (status, err) == (0, "")
    assert "EKB331 skipped" not in out and out.rstrip().endswith(" are valid")


def test_usage_error_exits_2(capsys):
    status, _, err = run_cli(capsys, "no-such-command")
    assert status == 2
    assert "invalid choice" in err


def test_mutated_files_never_crash_the_loader(tmp_path):
    """Random byte-level damage to a valid file gives problems with positions, never an exception."""
    import random

    from errorkb.kb import ValidationFailed, load_knowledge_base

    base = (FIXTURES / "valid" / "demo" / "bad-token.yaml").read_bytes()
    rng = random.Random(20261128)
    alphabet = b"\t\n :-[]{}&*!|>'\"#%@`,?\\\x00\xff\xc3abc0123"
    demo = tmp_path / "errors" / "demo"
    demo.mkdir(parents=True)
    shutil.copy(FIXTURES / "valid" / "demo" / "_provider.yaml", demo)
    slow_down = (FIXTURES / "valid" / "demo" / "slow-down.yaml").read_text()
    (demo / "slow-down.yaml").write_text(slow_down.replace("related:\n  - demo/bad-token\n", ""))
    target = demo / "bad-token.yaml"
    for _ in range(500):
        data = bytearray(base)
        for _ in range(rng.randint(1, 6)):
            position = rng.randrange(len(data))
            action = rng.random()
            if action < 0.4:
                data[position] = rng.choice(alphabet)
            elif action < 0.7:
                data.insert(position, rng.choice(alphabet))
            else:
                del data[position]
        target.write_bytes(bytes(data))
        try:
            load_knowledge_base(tmp_path / "errors")
        except ValidationFailed as failure:
            for problem in failure.problems:
                assert problem.line >= 1 and problem.column >= 1 and problem.message


def test_drop_sources_keeps_the_data_and_forgets_texts_and_positions():
    """What `errorkb build` does once the knowledge base is valid, to hold half the memory."""
    kb = load_knowledge_base(FIXTURES / "valid")
    before = [entry.data for entry in kb.errors]
    assert all(entry.document.text and entry.document.value_positions for entry in kb.errors)
    kb.drop_sources()
    assert [entry.data for entry in kb.errors] == before
    assert all(not entry.document.text and not entry.document.value_positions for entry in kb.errors)
    assert all(not provider.document.text for provider in kb.providers.values())


def test_a_load_cache_reads_again_only_the_files_that_changed(demo_tree):
    """What `errorkb serve` relies on: with a LoadCache, an unchanged file is not read again, a changed one is,
    and the checks across files still see every file."""
    cache = LoadCache()
    first = {entry.id: entry for entry in load_knowledge_base(demo_tree / "errors", cache=cache).errors}
    source = demo_tree / "errors" / "demo" / "bad-token.yaml"
    source.write_text(source.read_text().replace("title: Demo API bad token", "title: Demo API token refused"))
    second = {entry.id: entry for entry in load_knowledge_base(demo_tree / "errors", cache=cache).errors}
    assert second["demo/slow-down"] is first["demo/slow-down"]
    assert second["demo/bad-token"].data["title"] == "Demo API token refused"

    other = demo_tree / "errors" / "demo" / "slow-down.yaml"
    other.write_text(other.read_text().replace("related:\n  - demo/bad-token\n", ""))
    with pytest.raises(ValidationFailed) as failure:   # a check across files: bad-token's link is now one-way
        load_knowledge_base(demo_tree / "errors", cache=cache)
    assert [problem.code for problem in failure.value.problems] == ["EKB314"]
