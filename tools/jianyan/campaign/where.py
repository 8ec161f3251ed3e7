"""Where things are: the campaign root, the cache folder and the key that signs the caches (no heavy
imports: modules that are loaded for one quick question, such as dup/index/cache.py and dup/tokens.py, use it).

The cache folder is in the work tree, where a pull request or a CI cache restored from another run can
put files of its making. So what the caches say is signed (a keyed BLAKE2b, hashlib's MAC) with a key
that lives outside the repository, one per machine and user: ``$JIANYAN_CACHE_KEY`` (a file path, for
CI runners that share one), else ``$XDG_CACHE_HOME/jianyan/key``, else ``~/.cache/jianyan/key``; 32
random bytes made on first use (mode 0600, linked into place atomically: two runs at once agree on one
key). A cache signed with another key, or not signed, is treated as missing. No key to be had (a
read-only home, a key file that is not one): the caches are off, which only costs time.

No symlink below .jianyan-cache is ever followed: a pull request can commit one (``git add -f``), and a
cache writing, listing or removing through ``load-v3 -> ../../elsewhere`` would do so outside the
repository. Every folder the caches create, enter, list or remove is checked part by part with lstat
(``cache_folder``); a symlink or a file where a folder should be is removed (the link itself, never
what it points to) with a note and treated as missing. Files are opened with O_NOFOLLOW (fsutil).
"""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

# The settings file marks a campaign root; campaign.paths imports nothing from jianyan, so this stays light.
from jianyan.campaign.paths import SETTINGS_FILE
from jianyan.core.errors import JianyanError
from jianyan.core.fsutil import NotRegular, read_regular, write_atomic

CACHE_DIR = ".jianyan-cache"
SNAPSHOT_FORMAT = 7
SNAPSHOT_DIR = f"snapshot-v{SNAPSHOT_FORMAT}"  # under CACHE_DIR (snapshot.py)
KEY_ENV = "JIANYAN_CACHE_KEY"
KEY_SIZE = 32
_keys: dict[str, bytes | None] = {}   # key file → its key (None: none to be had), read once a process
_noted: set[str] = set()              # caches already reported as discarded in this process


def key_file() -> Path | None:
    """Where the caches' key is (see the module docstring); None when there is no home folder."""
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    try:
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    except RuntimeError:  # no HOME and no password entry
        return None
    return base / "jianyan" / "key"


def cache_key() -> bytes | None:
    """This machine's key for signing caches, made on first use; None when it cannot be had."""
    path = key_file()
    if path is None:
        return None
    if str(path) not in _keys:
        _keys[str(path)] = _load_key(path)
    return _keys[str(path)]


def _load_key(path: Path) -> bytes | None:
    for _ in range(2):
        try:
            key = read_regular(path, KEY_SIZE, follow=True)  # a symlink to a shared key is fine
            return key if len(key) == KEY_SIZE else None
        except FileNotFoundError:
            pass
        except (OSError, NotRegular):
            return None
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomic(path, os.urandom(KEY_SIZE), exclusive=True, mode=0o600)
        except FileExistsError:
            pass  # another run made it first: read that one
        except OSError:
            return None
    return None


def remove_entry(path: Path) -> None:
    """Remove ``path`` without following it: a real folder with its contents (shutil.rmtree never
    follows a symlink inside), anything else (a symlink, a file) by unlinking it."""
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            import shutil  # lazy: shutil (with bz2, lzma, zlib) is for this rare case, not every start-up
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def _cache_name(path: Path) -> str:
    """``path`` from .jianyan-cache on, its first two parts (the cache it belongs to)."""
    parts = Path(path).parts
    if CACHE_DIR not in parts:
        return str(path)
    at = len(parts) - 1 - parts[::-1].index(CACHE_DIR)
    return "/".join(parts[at:at + 2])


def discard(path: Path) -> None:
    """Remove the damaged or untrusted cache entry ``path`` (a file, a symlink or a folder; nothing it
    points to) and say so once per cache folder: the check goes on without it and writes it anew."""
    try:
        link = stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        link = False
    remove_entry(path)
    name = _cache_name(path)
    if name not in _noted:
        _noted.add(name)
        why = (f"其中的 {Path(path).name} 是符号链接：只删除了链接本身，"
               "未动它指向的内容；若缓存目录被提交进了仓库，请运行 git rm -r --cached .jianyan-cache 并提交"
               if link else "可能来自别的机器或被改动过")
        print(f"注意：缓存 {name} 已损坏或不可信（{why}），已弃用并重新建立；检查结果不受影响", file=sys.stderr)


def cache_folder(path: Path, create: bool = False) -> bool:
    """Whether ``path`` is a real folder and so is every part of it from .jianyan-cache down (lstat:
    no symlink followed). A symlink or a file where a folder should be is removed (``discard``: the
    link itself, with a note) and taken as missing; ``create`` makes the missing folders. Never raises.
    A path outside any .jianyan-cache: only its last part is checked."""
    path = Path(path)
    parts = path.parts
    start = len(parts) - 1 - parts[::-1].index(CACHE_DIR) if CACHE_DIR in parts else len(parts) - 1
    folder = Path(*parts[:start]) if start else Path()
    for part in parts[start:]:
        folder = folder / part
        try:
            mode = os.lstat(folder).st_mode
        except FileNotFoundError:
            mode = None
        except OSError:
            return False
        if mode is not None and stat.S_ISDIR(mode):
            continue
        if mode is not None:
            discard(folder)
        if not create:
            return False
        try:
            os.mkdir(folder)
        except FileExistsError:  # made meanwhile by a concurrent run: checked again
            try:
                if not stat.S_ISDIR(os.lstat(folder).st_mode):
                    return False
            except OSError:
                return False
        except OSError:
            return False
    return True


def holds_links(folder: Path) -> bool:
    """Whether anything below the real folder ``folder`` is a symlink (a stored snapshot never holds
    one: one that does was not written by this tool)."""
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_symlink() or entry.is_dir(follow_symlinks=False) and holds_links(Path(entry.path)):
                    return True
    except OSError:
        return True
    return False


def drop_old_versions(current: Path, prefix: str) -> None:
    """Remove the folders beside ``current`` named ``prefix``… that an earlier version of the tool wrote
    (a feature cache or snapshots of another layout: hundreds of MB in a large campaign); a symlink of
    such a name is unlinked, never followed."""
    if not cache_folder(current.parent):
        return
    try:
        for old in current.parent.glob(f"{prefix}*"):
            if (old.name != current.name and stat.S_ISDIR(os.lstat(old).st_mode)) or old.is_symlink():  # a link: even the current name
                remove_entry(old)
    except OSError:
        pass


class NotACampaign(JianyanError):
    """The folder is not inside a campaign repository."""


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding schema/settings.yaml."""
    env = os.environ.get("JIANYAN_ROOT")
    if env:
        start = Path(env)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    raise NotACampaign(f"找不到建言活动仓库：{here} 及其上级目录中都没有 schema/settings.yaml。"
                       "请先 cd 到仓库目录，或用 jianyan init 新建一个活动仓库")


def cache_enabled(root: Path) -> bool:
    """The caches are used where .jianyan-cache/ is git-ignored (every campaign made by jianyan init),
    so they never show up as a change, is a folder (not a symlink taking the writes elsewhere) and a
    key signs them; JIANYAN_CACHE=0 switches them off."""
    if os.environ.get("JIANYAN_CACHE", "1").strip().lower() in ("0", "off", "no", "false"):
        return False
    try:  # (a regular file of sane size: a link to /dev/zero must not take the run's memory)
        ignore = read_regular(Path(root) / ".gitignore", 1 << 20).decode("utf-8", "replace")
    except (OSError, ValueError):
        return False
    if not any(line.strip().strip("/") == CACHE_DIR for line in ignore.splitlines()):
        return False
    folder = Path(root) / CACHE_DIR
    if os.path.lexists(folder) and (folder.is_symlink() or not folder.is_dir()):
        discard(folder)
        if os.path.lexists(folder):
            return False
    return cache_key() is not None

