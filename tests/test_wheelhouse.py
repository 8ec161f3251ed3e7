"""Offline install: `make wheelhouse` (tools/wheelhouse.py) collects every wheel, and a fresh venv
installs jianyan from that folder alone (`pip install --no-index`) and checks a campaign.

Filling the wheelhouse needs the package index once per test session (CI machines reach it);
everything after that runs with pip's configuration ignored and the network pointed nowhere."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, copy_campaign

# pip with no configuration (no extra index, no find-links) and no way out to the network.
OFFLINE_PIP = {"PIP_CONFIG_FILE": os.devnull, "http_proxy": "http://127.0.0.1:9",
               "https_proxy": "http://127.0.0.1:9", "no_proxy": "", "PYTHONIOENCODING": "utf-8"}

pytestmark = pytest.mark.e2e


def offline_env() -> dict[str, str]:
    """This environment without pip's settings, the venv, a path to other Python code and jianyan's
    settings, but for the key that signs caches (conftest: a temporary one, not the home folder's)."""
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(("PIP_", "VIRTUAL_ENV", "PYTHONPATH", "JIANYAN_")) or k == "JIANYAN_CACHE_KEY"}
    return {**env, **OFFLINE_PIP}


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("offline") / "wheelhouse"
    res = run([sys.executable, str(ROOT / "tools/wheelhouse.py"), str(out)])
    assert res.returncode == 0, res.stdout + res.stderr
    return out


@pytest.fixture(scope="session")
def installed(wheelhouse: Path, tmp_path_factory) -> Path:
    """A fresh venv made by the wheelhouse's own install.sh."""
    venv = tmp_path_factory.mktemp("venv") / "jianyan-env"
    env = {**offline_env(), "PYTHON": sys.executable, "PIP_NO_COMPILE": "1"}  # no .pyc: faster, same files
    res = run(["sh", str(wheelhouse / "install.sh"), str(venv)], env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "安装完成" in res.stdout
    return venv


def test_wheelhouse_holds_every_wheel_and_the_install_script(wheelhouse: Path):
    names = sorted(p.name for p in wheelhouse.iterdir())
    assert any(n.startswith("jianyan-") and n.endswith(".whl") for n in names)
    assert any(n.startswith("jieba-") and n.endswith(".whl") for n in names)  # built from its sdist
    assert not [n for n in names if n.endswith((".tar.gz", ".zip"))]  # nothing left to build offline
    assert {"install.sh", "README.txt"} <= set(names)
    assert "--no-index" in (wheelhouse / "install.sh").read_text(encoding="utf-8")


def test_installed_offline_jianyan_checks_a_campaign(installed: Path, tmp_path: Path):
    jianyan = installed / "bin" / "jianyan"
    # it is the wheel's copy, not the editable source tree
    where = run([str(installed / "bin/python"), "-c", "import jianyan; print(jianyan.__file__)"], env=offline_env())
    assert str(installed) in where.stdout, where
    campaign = copy_campaign(tmp_path / "campaign")
    res = run([str(jianyan), "check", "--format", "json"], cwd=campaign, env=offline_env())
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert res.stdout.lstrip().startswith("[")
    # package data (templates) came along: the site builds from the installed copy
    site = run([str(jianyan), "site"], cwd=campaign, env=offline_env())
    assert site.returncode == 0, site.stdout + site.stderr
    assert (campaign / "build/site/assets/search.js").is_file()


def test_installed_offline_jianyan_starts_a_new_campaign(installed: Path, tmp_path: Path):
    env = offline_env()
    res = run([str(installed / "bin/jianyan"), "init", "新活动", "--no-git"], cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    check = run([str(installed / "bin/jianyan"), "check"], cwd=tmp_path / "新活动", env=env)
    assert check.returncode == 0, check.stdout + check.stderr
