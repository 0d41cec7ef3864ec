"""Static checks of commands: shellcheck findings mapped back to command lines, the
secret-printing rules (each with a failing and a passing example), and real-key detection."""

from __future__ import annotations

import random
import string

import pytest

from errorkb.verify.lint import shellcheck
from errorkb.verify.lint.keys import real_keys
from errorkb.verify.lint.secrets import is_secret_name, secret_printing_problems
from errorkb.verify.lint.shellcheck import Finding, shellcheck_commands

# ---------------------------------------------------------------------------------------------
# shellcheck


def test_shellcheck_finds_sc2086_at_the_line_and_column_of_the_command():
    command = ('echo "checking $URL"\n'  # URL comes from the scenario env: shellcheck cannot know it
               'curl -sS "$URL" \\\n'
               '  -H "Authorization: Bearer $OPENAI_API_KEY"\n'
               'curl $URL\n')
    findings = shellcheck_commands([("openai/x#1", command)])
    assert findings == [Finding("openai/x#1", 4, 6, "info", "SC2086",
                                "Double quote to prevent globbing and word splitting.")]


def test_shellcheck_batches_many_commands_in_one_process(monkeypatch):
    calls = []
    real_run = shellcheck.subprocess.run

    def counting_run(args, **kwargs):
        calls.append(args)
        return real_run(args, **kwargs)

    monkeypatch.setattr(shellcheck.subprocess, "run", counting_run)
    commands = [(f"cmd{i}", f"echo ok\ncurl $URL{i}" if i % 2 else 'echo "fine"') for i in range(30)]
    findings = shellcheck_commands(commands)
    assert len(calls) == 1
    assert [(f.command_id, f.line, f.column, f.code) for f in findings] == [
        (f"cmd{i}", 2, 6, "SC2086") for i in range(1, 30, 2)]


def test_shellcheck_clean_command_and_empty_input():
    assert shellcheck_commands([]) == []
    clean = 'curl -sS https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY" | jq -r ".data[].id"'
    assert shellcheck_commands([("a", clean)]) == []


def test_shellcheck_reports_errors_with_levels_and_own_shebang_keeps_lines():
    findings = shellcheck_commands([("own", "#!/bin/bash\necho `date`\n"), ("syntax", 'echo "$(')])
    own = [f for f in findings if f.command_id == "own"]
    assert {f.code for f in own} >= {"SC2006"} and all(f.line == 2 for f in own)
    assert any(f.command_id == "syntax" and f.level == "error" for f in findings)


# ---------------------------------------------------------------------------------------------
# secret names


@pytest.mark.parametrize("name", ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HF_TOKEN", "apiKey",
                                  "DB_PASSWORD", "AUTH_HEADER", "GOOGLE_APPLICATION_CREDENTIALS"])
def test_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["MAX_TOKENS", "MODEL", "PWD", "OPENAI_BASE_URL", "AUTHOR", "HOME"])
def test_not_secret_names(name):
    assert not is_secret_name(name)


# ---------------------------------------------------------------------------------------------
# secret printing: (failing command, expected line, column, words in the message), passing commands

PRINTING_CASES = {
    # grep over files prints whole lines: a sed hiding what follows the name leaves any other secret on the line
    "grep-files": (
        "for f in .env .env.local; do\n  grep -n 'OPENAI_API_KEY' \"$f\" | sed 's|OPENAI_API_KEY.*|OPENAI_API_KEY (hidden)|'\ndone",
        (2, 3, ["grep -n 'OPENAI_API_KEY' \"$f\"", "any other secret on the same line", "cut -d: -f1,2"]),
        ["grep -n OPENAI_API_KEY .env | cut -d: -f1,2", "grep -l OPENAI_API_KEY .env .env.local",
         "grep -q OPENAI_API_KEY .env && echo defined", "grep -c OPENAI_API_KEY .env", "grep -rn gpt-4o src"],
    ),
    "echo": (
        'curl -sS https://api.openai.com/v1/models\necho "key is $OPENAI_API_KEY"',
        (2, 14, ["echo", "$OPENAI_API_KEY", "${#OPENAI_API_KEY}"]),
        ['echo "key length: ${#OPENAI_API_KEY}"',
         '[ -n "$OPENAI_API_KEY" ] && echo "key is set" || echo "key is missing"',
         'echo "${OPENAI_API_KEY:+set}"',
         'echo "prefix: ${OPENAI_API_KEY:0:8}"',
         'echo -n "$OPENAI_API_KEY" | wc -c',
         'echo "OPENAI_API_KEY=$OPENAI_API_KEY" >> .env',
         'echo "$MAX_TOKENS"'],
    ),
    "printf": (
        "printf 'key=%s\\n' \"$ANTHROPIC_API_KEY\"",
        (1, 20, ["printf", "$ANTHROPIC_API_KEY"]),
        ["printf '%d\\n' \"${#ANTHROPIC_API_KEY}\"",
         "printf -v header 'x-api-key: %s' \"$ANTHROPIC_API_KEY\"",
         "printf 'x-api-key: %s' \"$ANTHROPIC_API_KEY\" | curl -sS -H @- https://api.anthropic.com/v1/models"],
    ),
    "heredoc": (
        "cat <<EOF\nkey=$OPENAI_API_KEY\nEOF",
        (2, 5, ["cat", "$OPENAI_API_KEY"]),
        ["cat > .env <<EOF\nkey=$OPENAI_API_KEY\nEOF", "cat <<'EOF'\nkey=$OPENAI_API_KEY\nEOF"],
    ),
    "printenv": (
        "printenv GEMINI_API_KEY",
        (1, 10, ["printenv GEMINI_API_KEY", "wc -c"]),
        ["printenv GEMINI_API_KEY | wc -c", "printenv OLLAMA_HOST",
         'key=$(printenv GEMINI_API_KEY); echo "${#key}"'],
    ),
    "declare-p": (
        "declare -p MISTRAL_API_KEY",
        (1, 12, ["declare -p MISTRAL_API_KEY"]),
        ["declare -p MODEL"],
    ),
    "env-grep": (
        "env | grep OPENAI",
        (1, 1, ["env | grep OPENAI", "redact"]),
        ["env | grep OPENAI | sed 's/=.*/=<redacted>/'",
         "env | grep OPENAI | cut -d= -f1",
         "env | grep -c OPENAI_API_KEY",
         "env | grep OPENAI_BASE_URL"],
    ),
    "printenv-grep": (
        "printenv | grep -i 'api_key'",
        (1, 1, ["printenv | grep -i 'api_key'"]),
        ["printenv | grep -i 'api_key' | awk -F= '{print $1}'"],
    ),
    "set-grep": (
        "set | grep -i token",
        (1, 1, ["set | grep -i token"]),
        ["set -e", "set | grep -q HF_TOKEN && echo set"],
    ),
    "export-p-grep": (
        "export -p | grep ANTHROPIC",
        (1, 1, ["export -p | grep ANTHROPIC"]),
        ["export -p | grep ANTHROPIC | sed -E 's/=.*/=<hidden>/'", "export OPENAI_API_KEY"],
    ),
    "declare-p-grep": (
        "declare -p | grep -E 'KEY|TOKEN'",
        (1, 1, ["declare -p | grep -E 'KEY|TOKEN'"]),
        ["declare -p | grep -E 'KEY|TOKEN' | cut -d= -f1"],
    ),
    "env-dump": (
        "echo start\nenv | sort",
        (2, 1, ["`env`", "every variable"]),
        ["env | cut -d= -f1 | sort", "env OLLAMA_HOST=127.0.0.1:11434 curl -sS http://localhost:11434/api/tags"],
    ),
    "set-x": (
        'set -euxo pipefail\ncurl -sS https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"',
        (1, 1, ["set -x", "$OPENAI_API_KEY", "set +x"]),
        ['set -euo pipefail\ncurl -sS https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"',
         'set -x\ncurl -sS http://localhost:11434/api/tags',
         'set -x\necho "${#OPENAI_API_KEY}"',
         'set -x\ncurl -sS http://localhost:11434/api/tags\nset +x\n'
         'curl -sS https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"'],
    ),
    "set-o-xtrace": (
        'set -o xtrace\ncurl -sS "https://generativelanguage.googleapis.com/v1beta/models?key=$GEMINI_API_KEY"',
        (1, 1, ["set -x", "$GEMINI_API_KEY"]),
        ['set -o errexit\ncurl -sS "https://generativelanguage.googleapis.com/v1beta/models?key=$GEMINI_API_KEY"'],
    ),
    "bash-x": (
        "bash -x -c 'curl -sS https://api.mistral.ai/v1/models -H \"Authorization: Bearer $MISTRAL_API_KEY\"'",
        (1, 1, ["bash -x", "$MISTRAL_API_KEY"]),
        ["bash -c 'curl -sS https://api.mistral.ai/v1/models -H \"Authorization: Bearer $MISTRAL_API_KEY\"'",
         "bash -x -c 'curl -sS http://localhost:11434/api/tags'"],
    ),
    "curl-v": (
        'curl -sSv https://api.openai.com/v1/models \\\n  -H "Authorization: Bearer $OPENAI_API_KEY"',
        (1, 6, ["curl -sSv", "request headers", "-i"]),
        ['curl -sSi https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"',
         "curl -v http://localhost:11434/api/tags",
         'curl -sS -w "%{http_code}\\n" -o /dev/null https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"'],
    ),
    "curl-verbose": (
        'curl --verbose https://api.anthropic.com/v1/models -H "x-api-key: $ANTHROPIC_API_KEY"',
        (1, 6, ["curl --verbose"]),
        ['curl --verbose https://api.anthropic.com/v1/models -H "anthropic-version: 2023-06-01"'],
    ),
    "curl-trace": (
        'curl -sS --trace-ascii - -u "user:$OPENROUTER_API_KEY" https://openrouter.ai/api/v1/models',
        (1, 10, ["curl --trace-ascii"]),
        ["curl -sS --trace-ascii trace.txt https://openrouter.ai/api/v1/models"],
    ),
    "curl-trace-key-in-url": (
        'curl --trace - "https://generativelanguage.googleapis.com/v1beta/models?key=$GEMINI_API_KEY"',
        (1, 6, ["curl --trace"]),
        ['curl -s "https://generativelanguage.googleapis.com/v1beta/models?key=$GEMINI_API_KEY"'],
    ),
    "python-print": (
        "python3 -c 'import os; print(os.environ[\"OPENAI_API_KEY\"])'",
        (1, 24, ["Python", "OPENAI_API_KEY", "len("]),
        ["python3 -c 'import os; print(len(os.environ[\"OPENAI_API_KEY\"]))'",
         "python3 -c 'import os; print(\"OPENAI_API_KEY\" in os.environ)'"],
    ),
}


@pytest.mark.parametrize("rule", sorted(PRINTING_CASES))
def test_secret_printing_rule_fails(rule):
    command, (line, column, words), _ = PRINTING_CASES[rule]
    problems = secret_printing_problems(command)
    assert len(problems) == 1, problems
    got_line, got_column, message = problems[0]
    assert (got_line, got_column) == (line, column)
    for word in words:
        assert word in message


@pytest.mark.parametrize("rule,command", [(rule, command) for rule, (_, _, passing) in sorted(PRINTING_CASES.items())
                                          for command in passing])
def test_secret_printing_rule_passes(rule, command):
    assert secret_printing_problems(command) == []


def test_secret_printing_ignores_single_quotes_and_command_substitution():
    assert secret_printing_problems("echo 'set OPENAI_API_KEY=$OPENAI_API_KEY in your shell'") == []
    assert secret_printing_problems('auth=$(echo "Bearer $OPENAI_API_KEY")') == []


def test_secret_printing_several_problems_sorted():
    command = 'echo "$OPENAI_API_KEY"\nprintenv HF_TOKEN\nenv | grep KEY'
    assert [(line, column) for line, column, _ in secret_printing_problems(command)] == [(1, 7), (2, 10), (3, 1)]


# ---------------------------------------------------------------------------------------------
# real keys


def _random_key(length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    rng = random.Random(length)
    return "".join(rng.choice(alphabet) for _ in range(length))


REAL_KEYS = {
    "OpenAI API key": f"sk-proj-{_random_key(48)}",
    "OpenAI API key ": f"sk-{_random_key(48)}",
    "OpenAI API key  ": f"sk-svcacct-{_random_key(40)}",
    "Anthropic API key": f"sk-ant-api03-{_random_key(90)}",
    "Google API key": f"AIza{_random_key(35)}",
    "OpenRouter API key": f"sk-or-v1-{_random_key(64, '0123456789abcdef')}",
}


@pytest.mark.parametrize("kind", sorted(REAL_KEYS))
def test_real_keys_are_found_with_position_and_kind(kind):
    key = REAL_KEYS[kind]
    text = f"title: example\nenv:\n  API_KEY: {key}\n"
    found = real_keys(text)
    assert len(found) == 1, found
    assert (found[0].line, found[0].column) == (3, 12)
    assert found[0].shape.kind == kind.strip()
    assert found[0].start == key[:10]  # only the start is shown, never the key


@pytest.mark.parametrize("text", [
    "sk-proj-...", "sk-...", "sk-proj-YOUR_KEY_HERE_1234567890abcd", "sk-ant-xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "sk-proj-abcd****************************wxyz", "sk-<your-openai-key>", "<sk-ant-api03-key>",
    "sk-proj-placeholder-key-for-documentation", "sk-proj-example0example0example0example",
    "sk-proj-invalid-key-for-errorkb-tests", "AIzaSyEXAMPLE-EXAMPLE-EXAMPLE-EXAMPLE-1234",
    "sk-or-v1-0000000000000000000000000000000000000000000000000000000000000000",
    "$OPENAI_API_KEY", "Bearer ${OPENAI_API_KEY}", "errorkb-test-key",
    "desk-organiser-and-many-more-words-here", "task-runner-configuration-file",
])
def test_placeholders_and_ordinary_words_are_not_keys(text):
    assert real_keys(f"key: {text}") == []
