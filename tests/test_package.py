"""The package as users install it: a wheel holds the `errorkb` package with its data files and nothing named
`generator`, and the installed command line runs from it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

from conftest import REPO


def test_wheel_installs_errorkb_and_no_generator(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source)
    shutil.copytree(REPO / "generator", source / "generator",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(tmp_path / "wheel")], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "wheel").glob("errorkb-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "site")
    assert {name.split("/", 1)[0] for name in names} == {"errorkb", wheel.name.split("-py3")[0] + ".dist-info"}
    for data in ("errorkb/kb/schema/error.schema.json", "errorkb/search/matcher.js",
                 "errorkb/publish/templates/error.md.j2", "errorkb/publish/assets/paste.js"):
        assert data in names, data

    def run(code: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); "
                               + code], capture_output=True, text=True, cwd=tmp_path, timeout=60)

    imported = run("import errorkb, errorkb.cli; print(errorkb.__file__)")
    assert imported.returncode == 0 and imported.stdout.startswith(str(tmp_path / "site")), imported.stderr
    assert "ModuleNotFoundError: No module named 'generator'" in run("import generator").stderr
    usage = run("from errorkb.cli import main; sys.exit(main(['--errors', " + repr(str(REPO / "errors")) + ", 'validate']))")
    assert usage.returncode == 0 and "errors from" in usage.stdout, usage.stderr
