"""Build the offline installation folder: every wheel jianyan needs, plus install.sh.

    python tools/wheelhouse.py [OUT]        (default: wheelhouse/; `make wheelhouse` runs this)

Needs the network once (PyPI, or the index pip is configured for). jieba is published only as a
source archive: `pip wheel` builds its wheel here, so the target machine needs no compiler and no
index. The wheels match this machine's Python version and platform (e.g. CPython 3.11 on x86-64
Linux): build the folder on a machine like the ones it is for. The folder is checked at the end by a
dry-run install with --no-index. Copy it (e.g. to a USB stick) and run `sh install.sh` there.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "tools/jianyan")  # what the project's wheel is built from

INSTALL_SH = """\
#!/bin/sh
# 离线安装 jianyan（不联网，不访问任何软件源）。
# 用法：sh install.sh [安装目录，默认 ./.venv]      指定 Python：PYTHON=python3.11 sh install.sh
# 本目录的安装包适用于 {python}（{platform}），请在同样的系统上安装。
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv=${{1:-.venv}}
python=${{PYTHON:-python3}}
"$python" -m venv "$venv"
"$venv/bin/pip" install --no-index --find-links "$here" jianyan
"$venv/bin/jianyan" --version
echo "安装完成。运行 $venv/bin/jianyan --help 查看命令；进入活动仓库后运行 $venv/bin/jianyan check。"
"""

README = """\
jianyan 离线安装包
==================

本目录含 jianyan 及其全部依赖的 wheel 文件，安装时不联网、不访问任何软件源。

  sh install.sh                 安装到当前目录下的 .venv
  sh install.sh /opt/jianyan    安装到指定目录

也可以手动安装：python3 -m venv .venv && .venv/bin/pip install --no-index --find-links 本目录 jianyan
在活动仓库中：make install WHEELHOUSE=本目录

适用于 {python}（{platform}）。其他 Python 版本或系统请在相应机器上重新运行 make wheelhouse。
"""


def pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True)


def build(out: Path) -> list[str]:
    """Fill ``out`` (replaced whole) and return the wheel file names."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        # the project's own wheel, built from a clean copy of the sources (setuptools leaves build/
        # and *.egg-info behind, and a stale build/lib could slip removed modules into the wheel)
        with tempfile.TemporaryDirectory() as src:
            for name in SOURCES:
                if (ROOT / name).is_dir():
                    shutil.copytree(ROOT / name, Path(src) / name,
                                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
                else:
                    shutil.copy2(ROOT / name, Path(src) / name)
            pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp), src)
        own = next(tmp.glob("jianyan-*.whl"))
        # every dependency: binary wheels are downloaded, source-only ones (jieba) built into wheels
        pip("wheel", "--quiet", "--wheel-dir", str(tmp), str(own))
        info = {"python": f"Python {platform.python_version()}", "platform": f"{sys.platform} {platform.machine()}"}
        (tmp / "install.sh").write_text(INSTALL_SH.format(**info), encoding="utf-8")
        os.chmod(tmp / "install.sh", 0o755)
        (tmp / "README.txt").write_text(README.format(**info), encoding="utf-8")
        # prove the folder is complete: resolve jianyan from it alone
        pip("install", "--quiet", "--dry-run", "--ignore-installed", "--no-index", "--find-links", str(tmp), "jianyan")
        if out.exists():
            shutil.rmtree(out)
        os.rename(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return sorted(p.name for p in out.glob("*.whl"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成离线安装包目录（全部 wheel + install.sh）")
    parser.add_argument("out", nargs="?", default=str(ROOT / "wheelhouse"), help="输出目录（默认 wheelhouse/）")
    args = parser.parse_args(argv)
    try:
        wheels = build(Path(args.out))
    except subprocess.CalledProcessError as exc:
        print(f"错误：pip 运行失败（退出码 {exc.returncode}）。第一次生成安装包需要能访问软件源。", file=sys.stderr)
        return 2
    print(f"已生成 {args.out}：{len(wheels)} 个 wheel 和 install.sh。", file=sys.stderr)
    for name in wheels:
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
