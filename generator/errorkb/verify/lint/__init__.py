"""Lint of copy-paste commands before they run: a small bash reader (shell), shellcheck (batched),
commands that would print a secret (secrets), and real-looking API keys in any text (keys)."""
