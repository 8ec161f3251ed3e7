"""`jianyan init DIR`: a new campaign repository that passes `jianyan check` at once, offline."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE_INIT = ROOT / "tools/jianyan/templates/init"
# Any attempt to reach the network through a proxy-aware client fails at once.
OFFLINE = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "no_proxy": "",
           "PIP_NO_INDEX": "1"}
CI_FILE = """name: 检查
on: [pull_request]
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - run: |
          python3 -m venv .venv
          if [ -d wheelhouse ]; then .venv/bin/pip install --no-index --find-links wheelhouse -e .; else .venv/bin/pip install -e .; fi
      - run: .venv/bin/jianyan check --base origin/main
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def with_forge_files(campaign: Path, cli) -> Path:
    """The sample campaign with the kinds of forge files a real one has."""
    (campaign / ".github/workflows").mkdir(parents=True)
    (campaign / ".github/workflows/check.yml").write_text(CI_FILE, encoding="utf-8")
    (campaign / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    (campaign / ".vscode").mkdir()
    (campaign / ".vscode/tasks.json").write_text('{"version": "2.0.0", "tasks": []}\n', encoding="utf-8")
    assert cli(campaign, "owners").code == 0  # writes the CODEOWNERS files from the registries
    return campaign


def test_init_from_the_current_campaign(with_forge_files: Path, tmp_path: Path, cli):
    new = tmp_path / "建言2025"
    res = cli(with_forge_files, "init", str(new), env=OFFLINE)
    assert res.code == 0, res
    assert res.out.strip() == new.as_posix()
    for name in ("topics.yaml", "units.yaml", "roles.yaml", "settings.yaml", "reasons.yaml"):
        assert (new / "schema" / name).read_bytes() == (with_forge_files / "schema" / name).read_bytes()
    assert (new / "schema/json/submission.schema.json").is_file()
    # forge files come along; CI installs the jianyan package (a campaign has no pyproject.toml)
    ci = (new / ".github/workflows/check.yml").read_text(encoding="utf-8")
    assert "-e ." not in ci and "--find-links wheelhouse jianyan" in ci and ".venv/bin/pip install jianyan" in ci
    assert (new / ".pre-commit-config.yaml").is_file() and (new / ".vscode/tasks.json").is_file()
    assert (new / ".github/CODEOWNERS").read_text() == (with_forge_files / ".github/CODEOWNERS").read_text()
    # README, Makefile, templates README, one example item
    readme = (new / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# 为七个求突破建言") and "make install WHEELHOUSE=" in readme
    assert (new / "templates/README.md").is_file()  # the campaign's own, or ours listing the defaults
    items = sorted((new / "submissions").rglob("*.md"))
    assert [p.relative_to(new).as_posix() for p in items] == ["submissions/2021/minge/2021-minge-001.md"]
    assert "status: draft" in items[0].read_text(encoding="utf-8")
    # a git repository with one commit holding everything
    assert git(new, "log", "--format=%s").strip() == "新建建言活动仓库（jianyan init）"
    assert git(new, "status", "--porcelain") == ""
    # and it passes the check at once, offline
    check = cli(new, "check", "--format", "json", env=OFFLINE)
    assert check.code == 0, check
    assert [f for f in check.json() if f["severity"] == "error"] == []


def test_init_empty_skeleton_passes_check(with_forge_files: Path, tmp_path: Path, cli):
    new = tmp_path / "new"
    res = cli(with_forge_files, "init", str(new), "--empty", env=OFFLINE)
    assert res.code == 0, res
    for name in ("topics.yaml", "units.yaml", "roles.yaml", "settings.yaml"):
        assert "请修改" in (new / "schema" / name).read_text(encoding="utf-8"), name
    assert "孙某某" not in (new / "schema/roles.yaml").read_text(encoding="utf-8")
    # CODEOWNERS regenerated for the skeleton's people, not copied with the old names
    assert "@sunmm" not in (new / ".github/CODEOWNERS").read_text(encoding="utf-8")
    assert "空白样例" in res.err
    check = cli(new, "check", env=OFFLINE)
    assert check.code == 0, check
    assert "error" not in check.out


def test_init_outside_any_campaign_uses_the_skeleton(tmp_path: Path, cli):
    res = cli(tmp_path, "init", "camp", env=OFFLINE)
    assert res.code == 0, res
    new = tmp_path / "camp"
    assert not (new / ".github").exists()
    templates_readme = (new / "templates/README.md").read_text(encoding="utf-8")
    assert "default/site/base.html.j2" in templates_readme and "- `site/home.html.j2`" in templates_readme
    assert [p.parent.name for p in (new / "submissions").rglob("*.md")] == ["example"]
    assert cli(new, "check", env=OFFLINE).code == 0


def test_init_refuses_a_folder_with_files(tmp_path: Path, cli):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "我的文件.txt").write_text("不要覆盖", encoding="utf-8")
    res = cli(tmp_path, "init", str(target))
    assert res.code == 2 and "不是空目录" in res.err and "Traceback" not in res.err
    assert (target / "我的文件.txt").read_text(encoding="utf-8") == "不要覆盖"
    assert sorted(p.name for p in target.iterdir()) == ["我的文件.txt"]


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("make") is None, reason="make is installed by .ci/run")
def test_campaign_makefile_uses_the_installed_jianyan(tmp_path: Path, cli):
    assert cli(tmp_path, "init", "camp", "--no-git").code == 0
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    res = subprocess.run(["make", "check"], cwd=tmp_path / "camp", env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "jianyan check" in res.stdout
    assert not (tmp_path / "camp/.git").exists()
    # without an install source or an installed jianyan, `make install` says what to pass
    bare = {**env, "PATH": "/usr/bin:/bin"}
    res = subprocess.run(["make", "install"], cwd=tmp_path / "camp", env=bare, capture_output=True, text=True)
    if shutil.which("jianyan", path=bare["PATH"]) is None:
        assert res.returncode != 0 and "WHEELHOUSE=" in res.stderr


@pytest.mark.parametrize("name", ["reasons.yaml", "phrases.yaml"])
def test_skeleton_copies_of_standard_registries_are_current(name: str):
    """The skeleton ships the standard reason codes and phrase list; keep them equal to schema/."""
    assert (PACKAGE_INIT / "schema" / name).read_bytes() == (ROOT / "schema" / name).read_bytes(), (
        f"schema/{name} changed: run  cp schema/{name} tools/jianyan/templates/init/schema/{name}")
