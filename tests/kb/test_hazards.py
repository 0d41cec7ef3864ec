"""Hostile files and trees: the loader never hangs, never reads outside the errors folder, never prints a
traceback, and no text from a file can drive the terminal it is printed to."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli

DEMO = FIXTURES / "valid" / "demo"
PAYLOAD = "\x1b]0;PWNED\x07\x1b[2J\nfake/path.yaml:1:1: injected"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    shutil.copytree(DEMO, tmp_path / "errors" / "demo")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "errors" / "demo"


def _validate(capsys) -> list[str]:
    def hang(signum, frame):
        raise AssertionError("validate hung")

    signal.signal(signal.SIGALRM, hang)
    signal.alarm(20)
    try:
        status, out, err = run_cli(capsys, "validate")
    finally:
        signal.alarm(0)
    assert status == 1 and out == "" and "Traceback" not in err
    assert "\x1b" not in err and "\x07" not in err
    return [line for line in err.splitlines() if not line.startswith("errorkb: ")]


def test_a_named_pipe_is_refused_without_reading(tree, capsys):
    os.mkfifo(tree / "x.yaml")
    assert _validate(capsys) == ["errors/demo/x.yaml:1:1: EKB113 cannot read the file: it is a named pipe, not a "
                                 "regular file"]


def test_a_link_out_of_the_tree_is_not_followed(tree, capsys):
    (tree / "zero.yaml").symlink_to("/dev/zero")
    (tree.parent / "etc").symlink_to("/etc")
    assert _validate(capsys) == [
        "errors/demo/zero.yaml:1:1: EKB116 this is a link to /dev/zero, outside the errors folder: copy the file or "
        "folder in instead",
        "errors/etc:1:1: EKB116 this is a link to /etc, outside the errors folder: copy the file or folder in instead"]


def test_a_link_inside_the_tree_is_read(tree, capsys, monkeypatch):
    (tree / "bad-token.yaml").rename(tree.parent / "kept.txt")
    (tree / "bad-token.yaml").symlink_to(tree.parent / "kept.txt")
    status, out, err = run_cli(capsys, "validate")
    assert status == 0, err


def test_a_symlink_loop_is_reported(tree, capsys):
    (tree / "a.yaml").symlink_to("b.yaml")
    (tree / "b.yaml").symlink_to("a.yaml")
    assert _validate(capsys) == [
        "errors/demo/a.yaml:1:1: EKB113 cannot read the file: it is a link that leads nowhere, or in a loop",
        "errors/demo/b.yaml:1:1: EKB113 cannot read the file: it is a link that leads nowhere, or in a loop"]


def test_a_huge_integer_is_refused(tree, capsys):
    text = (tree / "bad-token.yaml").read_text().replace("http_status: 401", "http_status: " + "9" * 5000)
    (tree / "bad-token.yaml").write_text(text)
    assert _validate(capsys) == ["errors/demo/bad-token.yaml:7:16: EKB115 a number of 5000 digits is too long: "
                                 "quote it to make it text"]


def test_upper_case_extensions_are_not_silently_ignored(tree, capsys):
    shutil.copy(tree / "bad-token.yaml", tree / "RATE.YAML")
    shutil.copy(tree / "bad-token.yaml", tree / "other.YML")
    assert _validate(capsys) == [
        "errors/demo/RATE.YAML:1:1: EKB126 file names are lower-case letters and digits joined by '-', ending in .yaml",
        "errors/demo/other.YML:1:1: EKB125 rename the file to end in .yaml"]


def test_control_characters_in_text_and_keys_are_refused_and_printed_escaped(tree, capsys):
    text = (tree / "bad-token.yaml").read_text()
    text = text.replace("title: Demo API bad token", 'title: "Demo \\e]0;PWNED\\a\\e[2J\\nfake/path.yaml:1:1: injected"')
    text = text.replace("tags: [authentication, api-key]",
                        'tags: [authentication, api-key]\n"\\e]0;PWNED\\a\\nfake/path.yaml:1:1: injected": 1')
    text = text.replace("summary: The Demo API did not accept the token sent with the request.",
                        "summary: \"The \\u202eIPA omeD\\u202c did not accept the token.\"")
    (tree / "bad-token.yaml").write_text(text)
    lines = _validate(capsys)
    assert all(line.startswith("errors/demo/bad-token.yaml:") for line in lines), lines
    assert "errors/demo/bad-token.yaml:2:8: EKB310 title contains the character U+001B, which can hide or reorder " \
           "what terminals and pages show: remove it" in lines
    assert any(" EKB310 the key of " in line and "U+001B" in line for line in lines)
    assert any(" EKB201 unknown field '\\x1b]0;PWNED\\x07\\x0afake/path.yaml:1:1: injected'" in line for line in lines)
    assert any(" EKB310 summary contains the character U+202E" in line for line in lines)


def test_explain_and_match_show_control_characters_escaped():
    from io import StringIO

    from rich.console import Console

    from errorkb.kb import load_knowledge_base
    from errorkb.publish.explain import explain

    kb = load_knowledge_base(FIXTURES / "valid")
    entry = kb.by_id()["demo/bad-token"]
    entry.data["title"] = "Demo " + PAYLOAD
    entry.data["commands"][0]["run"] = "echo \x1b[31mred\necho two"
    console = Console(file=StringIO(), force_terminal=False, width=200)
    explain(entry, kb, console)
    shown = console.file.getvalue()
    assert "\x1b" not in shown and "\x07" not in shown
    assert "Demo \\x1b]0;PWNED\\x07\\x1b[2J" in shown and "echo two" in shown


def test_check_with_zero_jobs_is_a_usage_error(tree, capsys):
    status, _, err = run_cli(capsys, "check", "-j", "0")
    assert status == 2 and "must be a whole number of 1 or more" in err and "Traceback" not in err


def test_hidden_characters_in_comments_are_refused(tree, capsys):
    text = (tree / "bad-token.yaml").read_text()
    text = text.replace("frequency: very-common", "frequency: very-common  # \u202eevil\u202c comment")
    (tree / "bad-token.yaml").write_text(text)
    assert _validate(capsys) == ["errors/demo/bad-token.yaml:4:27: EKB117 the file contains the character U+202E, "
                                 "which can hide or reorder what editors, reviews and terminals show: remove it"]
