"""Where things are: the campaign root and the cache folder (no heavy imports: modules that are loaded
for one quick question, such as dup/cache.py and dup/tokens.py, use it)."""
from __future__ import annotations

import os
from pathlib import Path

SCHEMA_DIR = "schema"
CACHE_DIR = ".jianyan-cache"
SNAPSHOT_FORMAT = 3
SNAPSHOT_DIR = f"snapshot-v{SNAPSHOT_FORMAT}"  # under CACHE_DIR (snapshot.py)


def drop_old_versions(current: Path, prefix: str) -> None:
    """Remove the folders beside ``current`` named ``prefix``… that an earlier version of the tool wrote
    (a feature cache or snapshots of another layout: hundreds of MB in a large campaign)."""
    import shutil
    try:
        for old in current.parent.glob(f"{prefix}*"):
            if old.is_dir() and old.name != current.name:
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass


class NotACampaign(Exception):
    """The folder is not inside a campaign repository."""


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding schema/settings.yaml."""
    env = os.environ.get("JIANYAN_ROOT")
    if env:
        start = Path(env)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SCHEMA_DIR / "settings.yaml").is_file():
            return folder
    raise NotACampaign(f"找不到建言活动仓库：{here} 及其上级目录中都没有 schema/settings.yaml。"
                       "请先 cd 到仓库目录，或用 jianyan init 新建一个活动仓库")


def cache_enabled(root: Path) -> bool:
    """The caches are used where .jianyan-cache/ is git-ignored (every campaign made by jianyan init),
    so they never show up as a change; JIANYAN_CACHE=0 switches them off."""
    if os.environ.get("JIANYAN_CACHE", "1").strip().lower() in ("0", "off", "no", "false"):
        return False
    try:
        ignore = (Path(root) / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.strip().strip("/") == CACHE_DIR for line in ignore.splitlines())

