"""The paste-hazard lint: each rule fires on a command that breaks when pasted (its failing fixture), stays quiet
on the safe way to write the same thing, and the sandbox shows the same break when the command is run pasted."""

from __future__ import annotations

import pytest

from errorkb.verify.lint.hazards import paste_hazards
from errorkb.verify.sandbox import isolation_problem, run_command

BOTH = ["bash", "zsh"]

# code -> (hazardous command, the same done safely)
FIXTURES = {
    "EKB404": ("curl -sS http://localhost:11434/api/tags || exit 1", "curl -sS http://localhost:11434/api/tags || true"),
    "EKB405": ("set -euo pipefail\ncurl -sS https://api.openai.com/v1/models",
               "( set -euo pipefail\n  curl -sS https://api.openai.com/v1/models )"),
    "EKB406": ("cd /tmp && ls", "( cd /tmp && ls )"),
    "EKB407": ('status=$(curl -sS -o /dev/null -w "%{http_code}" https://api.openai.com/v1/models)\necho "$status"',
               'code=$(curl -sS -o /dev/null -w "%{http_code}" https://api.openai.com/v1/models)\necho "$code"'),
    "EKB408": ('for v in OPENAI_API_KEY; do echo "$v: ${#${!v}}"; done',
               'for v in OPENAI_API_KEY; do printenv "$v" >/dev/null && echo "$v: set"; done'),
    "EKB409": ('echo "Done!"', "echo 'Done!'"),
    "EKB410": ("curl -sS https://api.example.com/v1/models?limit=1", "curl -sS 'https://api.example.com/v1/models?limit=1'"),
    "EKB411": ('want=llama3; echo "$want:latest"', 'want=llama3; echo "${want}:latest"'),
}


@pytest.mark.parametrize("code", sorted(FIXTURES))
def test_each_hazard_fires_on_its_fixture_and_not_on_the_safe_form(code):
    hazardous, safe = FIXTURES[code]
    assert code in [found[0] for found in paste_hazards(hazardous, BOTH)]
    assert code not in [found[0] for found in paste_hazards(safe, BOTH)]


def test_positions_and_fields():
    assert paste_hazards("echo hi\nstatus=1", BOTH) == [("EKB407", 2, 1, {"name": "status"})]
    assert paste_hazards("ls\n  exit 2", BOTH) == [("EKB404", 2, 3, {"command": "exit"})]
    assert paste_hazards("set -x", BOTH) == [("EKB405", 1, 1, {"command": "set -x"})]


@pytest.mark.parametrize("command", [
    "case $x in *.json) echo json ;; sk-*|AIza*) echo key ;; *) echo other ;; esac",
    '[[ $x == sk-* ]] && echo key', 'echo "$(( 2 * 3 ))" "${arr[0]}"', "x=*.json", "[ ! -f x ] && echo none",
    'if [ "$a" != "$b" ]; then echo differ; fi', "sleep 1 & echo $!", "grep -c 'a*b' file",
    "( exit 3 ); echo $?", "f() { cd /tmp; }", "out=$(cd /tmp && ls)", "echo hi | exit",
    "# a comment with a ! and a * and cd /tmp",
])
def test_what_is_safe_to_paste_is_not_flagged(command):
    assert paste_hazards(command, BOTH) == [] or paste_hazards(command, BOTH)[0][0] == "EKB406" and "f()" in command


def test_bash_only_syntax_is_fine_in_a_bash_only_command():
    assert paste_hazards('for v in A B; do echo "${!v}"; done; mapfile -t x < f', ["bash"]) == []
    assert [found[0] for found in paste_hazards('echo "${!v}"\ncompgen -e\nls *.txt', ["bash", "zsh"])] == \
        ["EKB408", "EKB408", "EKB410"]


# code -> (shell, what shows that the hazardous form broke the paste)
BREAKS = {
    "EKB404": ("bash", lambda result: result.ended_shell),
    "EKB407": ("zsh", lambda result: "read-only variable: status" in result.stderr),
    "EKB409": ("zsh", lambda result: "Done!" not in result.stdout),
    "EKB410": ("zsh", lambda result: "no matches found" in result.stderr),
    "EKB411": ("zsh", lambda result: "llama3:latest" not in result.stdout),
}


@pytest.mark.skipif(isolation_problem() is not None, reason="the sandbox is not available here")
@pytest.mark.parametrize("code", sorted(BREAKS))
def test_the_hazard_really_breaks_a_paste(code):
    """What the lint says is what happens: the hazardous form breaks pasted, the safe form works."""
    shell, broke = BREAKS[code]
    hazardous, safe = FIXTURES[code]
    outcomes = [run_command(text + "\necho after-the-paste", env={}, provider="ollama", mock_state={"running": False},
                            shell=shell, paste=True) for text in (hazardous, safe)]
    assert broke(outcomes[0]), outcomes[0]
    assert not broke(outcomes[1]) and "after-the-paste" in outcomes[1].stdout, outcomes[1]
