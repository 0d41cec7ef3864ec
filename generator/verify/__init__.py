"""Verification of copy-paste commands.

- sandbox: runs a shell command verbatim with `bash -c` against local mocks of the providers' APIs.
- shellcheck: static analysis of commands with shellcheck, batched.
- secrets: static checks that a command never prints a secret and that no text holds a real-looking API key.
"""
