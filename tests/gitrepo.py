"""Helpers for tests that need real git repositories: a campaign under git, commits by named people,
SSH keys for signed commits. Used by test_workflow, test_workflow_e2e and test_history."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Isolate from the user's git configuration (signing, hooks, templates).
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0",
           "LC_ALL": "C.UTF-8"}
PEOPLE = {
    "孙某某": "sunmm@sdzx.example", "李某某": "limm@sdzx.example", "王某某": "wangmm@sdzx.example",
    "周某": "zhoum@sdzx.example", "赵某": "zhaom@sdzx.example", "民革山东省委会": "minge@sdzx.example",
}

BODY = ("黄河在山东境内流经9市25个县（市、区），河道长628公里。目前沿黄各市之间尚未建立横向生态保护补偿机制，"
        "上游“保护者吃亏”、下游“受益者无偿”的问题比较突出。\n\n"
        "## 一、存在的问题\n\n一是保护责任与发展收益不对等。二是断面考核与资金奖惩脱节。三是补偿资金来源单一。\n\n"
        "## 二、对策建议\n\n一是建立沿黄9市横向补偿机制。二是把断面水质与资金挂钩。三是引导受益企业参与补偿。\n")


def env() -> dict[str, str]:
    return {**os.environ, **GIT_ENV}


def git(cwd: Path, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=cwd, env=env(), capture_output=True,
                          text=True, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def keygen(folder: Path, name: str) -> tuple[Path, str]:
    """An ed25519 key pair without passphrase: (private key path, public key line)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key, (folder / f"{name}.pub").read_text().strip()


def signers_line(principal: str, pubkey: str) -> str:
    return f'{principal} namespaces="git" {pubkey}\n'


class Repo:
    """A working repository holding a campaign."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str, check: bool = True) -> str:
        return git(self.path, *args, check=check).stdout

    def write(self, rel: str, text: str) -> Path:
        file = self.path / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
        return file

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text(encoding="utf-8")

    def edit(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new, 1))

    def line_of(self, rel: str, prefix: str) -> int:
        """1-based line of the first line starting with ``prefix``."""
        for n, line in enumerate(self.read(rel).split("\n"), 1):
            if line.startswith(prefix):
                return n
        raise AssertionError(f"{prefix!r} not in {rel}")

    def commit(self, message: str, who: str = "孙某某", key: Path | None = None) -> str:
        self.git("add", "-A")
        args = ["-c", f"user.name={who}", "-c", f"user.email={PEOPLE.get(who, 'someone@sdzx.example')}"]
        if key is not None:
            args += ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "commit", "-q", "-S"]
        else:
            args += ["commit", "-q"]
        self.git(*args, "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def merge(self, branch: str, *options: str, who: str = "孙某某") -> None:
        """``git merge --no-ff`` of ``branch`` as ``who`` (``--no-commit`` among options: commit it yourself)."""
        self.git("-c", f"user.name={who}", "-c", f"user.email={PEOPLE.get(who, 'someone@sdzx.example')}",
                 "merge", "-q", "--no-ff", "--no-edit", *options, branch)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()


def submission(ident: str, status: str, *, unit: str = "minge", submitter: str = "民革山东省委会",
               date: str = "2021-03-01", extra: str = "", body: str = BODY) -> str:
    return (f"---\nid: {ident}\ntitle: 关于建立黄河流域横向生态保护补偿机制的建议\nsubmitter: {submitter}\n"
            f"unit: {unit}\ntopic: 1\nkind: suggestion\nstatus: {status}\ndate: {date}\n{extra}---\n{body}")


REVIEW = "review:\n  by: 孙某某\n  date: 2021-03-02\n"


def issue(status: str, *, extra: str = "", body: str | None = None) -> str:
    text = body if body is not None else (
        "## 关于建立黄河流域横向生态保护补偿机制的建议\n\n民革山东省委会建议，建立沿黄9市横向生态保护补偿机制，"
        "把交界断面水质与补偿资金挂钩，引导引黄用水企业等受益主体参与补偿。\n\n（民革山东省委会）\n")
    return (f"---\nid: 2021-001\nnumber: 1\ntotal: 1\ndate: 2021-03-05\nstatus: {status}\n"
            f"items: [2021-minge-001]\neditor: 孙某某\n{extra}---\n{text}")


ISSUE_REVIEW = "review:\n  by: 李某某\n  date: 2021-03-04\n"
ISSUE_SIGNOFF = "signoff:\n  by: 王某某\n  date: 2021-03-05\n"
ISSUE_DISPATCH = "dispatch:\n  by: 周某\n  date: 2021-03-05\n"

# Other rule families are switched off in these campaigns: the tests look at workflow.* only.
QUIET = '\nseverity:\n  length: "off"\n  dup: "off"\n  quality: "off"\n  pii: "off"\n  issue: "off"\n'


def make_campaign(dest: Path, *, require_signature: bool = False, signers: str | None = None,
                  quiet: bool = True) -> Repo:
    """A git repository with the sample registries, one submitted item and a draft issue, committed on main."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "schema", dest / "schema")
    repo = Repo(dest)
    settings = repo.read("schema/settings.yaml")
    if require_signature:
        assert "require_signature: false" in settings
        settings = settings.replace("require_signature: false", "require_signature: true")
    repo.write("schema/settings.yaml", settings + (QUIET if quiet else ""))
    if signers is not None:
        repo.write(".jianyan/allowed_signers", signers)
    repo.write("submissions/2021/minge/2021-minge-001.md", submission("2021-minge-001", "submitted"))
    repo.write("issues/2021/001.md", issue("draft"))
    git(dest, "init", "-q", "-b", "main")
    repo.commit("初始化活动仓库")
    return repo


def make_signed_campaign(tmp: Path) -> tuple[Repo, dict]:
    """A campaign with ``require_signature: true``, the secretary-general's (wangmm) and the director's (limm)
    keys in the allowed_signers file, and issue 2021-001 reviewed on main. Keys (private key paths): wang, li,
    rogue (not listed; its public line is rogue_pub)."""
    keys = tmp / "keys"
    found = {name: keygen(keys, name) for name in ("wangmm", "limm", "rogue")}
    signers = (signers_line("wangmm@sdzx.example", found["wangmm"][1])
               + signers_line("limm@sdzx.example", found["limm"][1]))
    repo = make_campaign(tmp / "c", require_signature=True, signers=signers)
    repo.write("issues/2021/001.md", issue("reviewed", extra=ISSUE_REVIEW))
    repo.commit("主任审改", who="李某某")
    return repo, {"wang": found["wangmm"][0], "li": found["limm"][0], "rogue": found["rogue"][0],
                  "rogue_pub": found["rogue"][1], "keys": keys}
