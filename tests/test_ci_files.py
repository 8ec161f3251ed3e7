"""CI workflows, pre-commit and the VS Code task: valid against their schemas offline, and they run
the commands the issue asks for."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github/workflows/check.yml"
GITLAB = ROOT / ".gitlab-ci.yml"


def check_jsonschema(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")
    assert exe, "check-jsonschema is in the test extra: pip install -e '.[test]'"
    return subprocess.run([exe, "--no-cache", *args], capture_output=True, text=True, timeout=120)


def test_github_workflow_is_valid():
    res = check_jsonschema("--builtin-schema", "vendor.github-workflows", str(WORKFLOW))
    assert res.returncode == 0, res.stdout + res.stderr


def test_gitlab_ci_is_valid():
    res = check_jsonschema("--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci", str(GITLAB))
    assert res.returncode == 0, res.stdout + res.stderr


def test_schema_check_catches_a_broken_workflow(tmp_path):
    """The validation above can fail: a job without runs-on is refused."""
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    del data["jobs"]["check"]["runs-on"]
    bad = tmp_path / "bad.yml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert check_jsonschema("--builtin-schema", "vendor.github-workflows", str(bad)).returncode != 0


def test_github_workflow_runs_on_gitea_and_forgejo_too():
    text = WORKFLOW.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    job = data["jobs"]["check"]
    assert isinstance(job["runs-on"], str)  # one label: Gitea takes only one
    steps = job["steps"]
    assert not [s for s in steps if "setup-python" in s.get("uses", "")]  # Python comes from the runner
    assert "python3 -m venv .venv" in text
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == ".jianyan-cache" and "hashFiles(" in cache["with"]["key"]
    runs = {s.get("name"): (s.get("if", ""), s.get("run", "")) for s in steps}
    pr = [r for cond, r in runs.values() if cond == "github.event_name == 'pull_request'"]
    assert pr == ['.venv/bin/jianyan check --base "origin/${{ github.base_ref }}" --format github']
    main = [r for cond, r in runs.values() if "!= 'pull_request'" in cond and r]
    assert ".venv/bin/jianyan check --format github" in main and ".venv/bin/jianyan issue build" in main
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads and all(s["with"]["path"] == "build/" for s in uploads)
    assert {True, False} == {"server_url == 'https://github.com'" in s["if"] for s in uploads}


def test_gitlab_ci_uses_code_quality_report():
    data = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    assert data["variables"]["GIT_DEPTH"] == "0"
    mr = data["检查本次改动"]
    assert mr["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "merge_request_event"'
    assert any("--base" in line and "--format gitlab > gl-code-quality-report.json" in line for line in mr["script"])
    assert mr["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert mr["artifacts"]["when"] == "always"
    build = data["生成专刊"]
    assert build["script"] == [".venv/bin/jianyan issue build"] and build["artifacts"]["paths"] == ["build/"]
    assert ".jianyan-cache/" in data["default"]["cache"]["paths"]


def test_gitlab_report_format_matches_what_gitlab_reads(cli, campaign):
    (campaign / "submissions/2021/minge/2021-minge-001.md").write_text("没有文件头\n", encoding="utf-8")
    res = cli(campaign, "check", "--format", "gitlab")
    rows = json.loads(res.out)
    assert res.code == 1 and rows
    for row in rows:
        assert set(row) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert set(row["location"]) == {"path", "lines"} and row["location"]["lines"]["begin"] >= 1


def test_pre_commit_hook_is_local_and_offline():
    data = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (repo,) = data["repos"]
    assert repo["repo"] == "local"
    (hook,) = repo["hooks"]
    assert hook["language"] == "system" and hook["entry"] == "jianyan check"
    assert re.search(hook["files"], "submissions/2021/minge/2021-minge-001.md")
    assert not re.search(hook["files"], "tools/jianyan/cli.py")


@pytest.fixture
def matcher() -> re.Pattern:
    tasks = json.loads((ROOT / ".vscode/tasks.json").read_text(encoding="utf-8"))["tasks"]
    patterns = {t["problemMatcher"]["pattern"]["regexp"] for t in tasks}
    assert len(patterns) == 1 and all("jianyan" in t["command"] for t in tasks)
    assert any("--base" in t["args"] for t in tasks)
    return re.compile(patterns.pop())


def test_vscode_problem_matcher_reads_check_output(cli, campaign, matcher):
    path = "submissions/2021/minge/2021-minge-001.md"
    text = (campaign / path).read_text(encoding="utf-8")
    (campaign / path).write_text(text.replace("topic: 1", "topic: 9", 1), encoding="utf-8")
    res = cli(campaign, "check")
    assert res.code == 1
    hits = [matcher.match(line) for line in res.out.splitlines()]
    assert all(hits), res.out  # every finding line is picked up
    topic = next(m for m in hits if m.group(6) == "ref.unknown_topic")
    assert topic.group(1) == path and topic.group(4) == "error"
    assert text.split("\n")[int(topic.group(2)) - 1].startswith("topic:")
