"""Verification of copy-paste commands, the last stage before a page is trusted.

- lint/: static checks: shellcheck, secret printing, real-looking keys (a small bash reader under them).
- mocks/: behavioural simulators of the providers' APIs.
- sandbox: runs a command verbatim against the mocks.
- checks: ties them together for `errorkb check` and the test suite, reporting Diagnostics.
"""
