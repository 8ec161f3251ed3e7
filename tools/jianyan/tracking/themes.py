"""Theme analysis (综合分析): which items are about the same matter, and what each group is about.

The algorithm, offline and deterministic (no model, no randomness):

1. **Terms.** Each item's title and plain body are cut by jieba, the same way the duplication check
   cuts them (dup/tokens.py). A term is a word of two or more characters holding a Han character (or
   a Latin/digit word of two or more, e.g. RCEP), not in STOP_WORDS (the words every suggestion uses:
   建议、加强、我省……). Title words count TITLE_WEIGHT times: the title names the matter.
2. **Weights.** TF-IDF: (1 + ln tf) × idf, where idf is jieba's general-language idf (its bundled
   ``analyse/idf.txt``: a word common in all Chinese text weighs little even in a small campaign),
   damped for a word common in this campaign: × min(1, ln(1 + N/df) / ln(1 + N/COMMON_DF)). A word in
   only a few items keeps its full weight: in a small campaign those are the words that link items.
   Each item keeps its MAX_TERMS heaviest terms, scaled to unit length.
3. **Neighbours.** Cosine similarity through an inverted index (term → items), so that only items
   sharing a term are ever compared; each item keeps its NEIGHBOURS most similar items above LINK_MIN.
4. **Groups.** Average-linkage agglomerative clustering over that neighbour graph: the two groups with
   the highest mean similarity between their members are merged while it is at least THRESHOLD (pairs
   not in the graph count as 0). Ties go to the lower item positions, so the result never varies.
   A group of two or more items is a theme (方面); an item left alone is "其他". Stopping the same
   merging earlier, at MATTER, splits each theme into the matters (事项) it holds: items on one matter.
5. **Labels.** A theme's label is the heaviest terms of the sum of its members' vectors that at least
   two members share; its representative items are the members closest to that sum.

``related`` gives, for one item, the items most similar to it that are not duplicates of it (MinHash
Jaccard estimate of the duplication features, dup/features.py, below the duplication warning
threshold). ``suggest_topic`` names a topic whose registry keywords the item fits clearly better than
the topic it was filed under.
"""
from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from jianyan.campaign.load import Campaign
from jianyan.campaign.model import Topic
from jianyan.dup import features as dupfeatures
from jianyan.dup.normalise import normalise
from jianyan.dup.tokens import cut, jieba_module, keep_table, prepare
from jianyan.text.markdown import plain_text
from jianyan.tracking.ledger import ItemState, Period, instruction_counts, item_states

TITLE_WEIGHT = 3
MAX_TERMS = 100
NEIGHBOURS = 30
LINK_MIN = 0.02
THRESHOLD = 0.06   # a theme (方面): benchmarks/themes_accuracy.py measures other values
MATTER = 0.10      # one matter (事项) within a theme
COMMON_DF = 3
RELATED_MIN = 0.08
RELATED_MAX = 5
LABEL_TERMS = 5
REPRESENTATIVES = 3

# Words (nearly) every suggestion uses, whatever it is about: they say nothing about the matter.
STOP_WORDS = frozenset("""
关于 建议 意见 问题 反映 做法 启示 我省 全省 山东 山东省 各地 有关 相关 部门 工作 推进 推动 加强 加快 进一步 完善
建立 健全 实施 开展 提升 提高 强化 落实 发展 支持 鼓励 促进 积极 切实 不断 持续 重点 主要 目前 当前 近年来 今年
存在 一是 二是 三是 四是 五是 六是 同时 方面 情况 措施 政策 机制 体系 能力 水平 作用 工作 实际 需要 能够 可以 没有
进行 通过 对于 以及 其中 一些 部分 较为 比较 明显 已经 仍然 还是 这些 我们 他们 一个 一批 一定 不足 难以 导致 造成
形成 具有 做好 抓好 统筹 研究 制定 出台 明确 各级 政府 省级 市级 县级 有效 全面 深入 充分 及时 共同 之间 以上 以下
""".split())


# --- terms and vectors ---------------------------------------------------------------------

@lru_cache(maxsize=1)
def general_idf() -> tuple[dict[str, float], float]:
    """jieba's bundled idf table (word → idf) and its median (for words not in it)."""
    path = Path(jieba_module().__file__).parent / "analyse" / "idf.txt"
    parts = path.read_text(encoding="utf-8").split()  # "word idf" a line
    table = dict(zip(parts[0::2], map(float, parts[1::2])))
    values = sorted(table.values())
    return table, values[len(values) // 2] if values else 10.0


@lru_cache(maxsize=200_000)
def _is_term(word: str) -> bool:
    if len(word) < 2 or word in STOP_WORDS:
        return False
    if any("\u4e00" <= ch <= "\u9fff" for ch in word):
        return True
    return word.isascii() and word.isalnum() and not word.isdigit()


def terms(title: str, body: str) -> Counter:
    """Term → weighted count in one item (title words TITLE_WEIGHT times)."""
    out: Counter = Counter()
    for text, weight in ((title, TITLE_WEIGHT), (body, 1)):
        for word in cut(normalise(text, markdown=False).text):
            if _is_term(word):
                out[word] += weight
    return out


@dataclass
class Vectors:
    """The items' unit TF-IDF vectors over ``vocab``: item i has terms ``idx[i]`` weighing ``w[i]``."""

    vocab: list[str]
    idx: list[np.ndarray]
    w: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.idx)


def vectorise(counts: list[Counter]) -> Vectors:
    n = len(counts)
    df: Counter = Counter()
    for c in counts:
        df.update(c.keys())
    table, median = general_idf()
    damp = math.log(1 + n / COMMON_DF)
    vocab = sorted(df)
    number = {t: i for i, t in enumerate(vocab)}
    idx, ws = [], []
    for c in counts:
        scored = [((1 + math.log(tf)) * table.get(t, median) * min(1.0, math.log(1 + n / df[t]) / damp), t)
                  for t, tf in c.items()]
        top = sorted(scored, key=lambda x: (-x[0], x[1]))[:MAX_TERMS]
        top.sort(key=lambda x: number[x[1]])
        i = np.array([number[t] for _, t in top], dtype=np.int32)
        w = np.array([s for s, _ in top], dtype=np.float64)
        norm = float(np.sqrt((w * w).sum()))
        idx.append(i)
        ws.append(w / norm if norm else w)
    return Vectors(vocab, idx, ws)


# --- neighbours and groups ---------------------------------------------------------------

def similarities(vec: Vectors, i: int, postings) -> np.ndarray:
    """Cosine of item ``i`` with every item (0 where no term is shared, and for ``i`` itself)."""
    docs_of, w_of = postings
    parts_d, parts_w = [], []
    for t, w in zip(vec.idx[i].tolist(), vec.w[i].tolist()):
        d = docs_of[t]
        if d is not None:
            parts_d.append(d)
            parts_w.append(w_of[t] * w)
    if not parts_d:
        return np.zeros(len(vec))
    s = np.bincount(np.concatenate(parts_d), weights=np.concatenate(parts_w), minlength=len(vec))
    s[i] = 0.0
    return s


def build_postings(vec: Vectors, df_cap: int | None = None):
    """term → (items, weights); a term in more than ``df_cap`` items is left out (it links too much
    to tell matters apart, and would make the comparison quadratic)."""
    n_terms = len(vec.vocab)
    if not len(vec):
        return [None] * n_terms, [None] * n_terms
    all_t = np.concatenate(vec.idx)
    all_d = np.concatenate([np.full(len(x), i, dtype=np.int64) for i, x in enumerate(vec.idx)])
    all_w = np.concatenate(vec.w)
    order = np.argsort(all_t, kind="stable")
    all_t, all_d, all_w = all_t[order], all_d[order], all_w[order]
    bounds = np.searchsorted(all_t, np.arange(n_terms + 1))
    docs_of: list = [None] * n_terms
    w_of: list = [None] * n_terms
    for t in range(n_terms):
        a, b = bounds[t], bounds[t + 1]
        if b - a >= 2 and (df_cap is None or b - a <= df_cap):
            docs_of[t], w_of[t] = all_d[a:b], all_w[a:b]
    return docs_of, w_of


def neighbour_graph(vec: Vectors, k: int = NEIGHBOURS, link_min: float = LINK_MIN) -> dict[tuple[int, int], float]:
    """(i, j) with i < j → cosine, for each item's ``k`` most similar items at ``link_min`` or more."""
    n = len(vec)
    postings = build_postings(vec, max(50, n // 20))
    edges: dict[tuple[int, int], float] = {}
    for i in range(n):
        sims = similarities(vec, i, postings)
        d = np.flatnonzero(sims >= link_min)
        s = sims[d]
        if len(d) > k:
            top = np.lexsort((d, -s))[:k]
            d, s = d[top], s[top]
        for j, v in zip(d.tolist(), s.tolist()):
            edges[(min(i, j), max(i, j))] = v
    return edges


def average_linkage(n: int, edges: dict[tuple[int, int], float], threshold: float = THRESHOLD) -> list[int]:
    """Group label of each item (the lowest item position in its group)."""
    size = [1] * n
    link: list[dict[int, float]] = [dict() for _ in range(n)]  # group → neighbour group → summed similarity
    for (i, j), s in edges.items():
        link[i][j] = s
        link[j][i] = s
    alive = [True] * n
    heap = [(-s, i, j) for (i, j), s in edges.items() if s >= threshold]
    heapq.heapify(heap)
    parent = list(range(n))
    while heap:
        neg, a, b = heapq.heappop(heap)
        if not (alive[a] and alive[b]):
            continue
        current = link[a].get(b, 0.0) / (size[a] * size[b])
        if abs(current + neg) > 1e-12:
            continue  # a stale entry: the pair was pushed again with its new mean
        # b joins a (a < b always: entries are pushed with the lower position first)
        alive[b] = False
        parent[b] = a
        size[a] += size[b]
        del link[a][b]
        del link[b][a]
        for c, s in link[b].items():
            del link[c][b]
            link[a][c] = link[a].get(c, 0.0) + s
            link[c][a] = link[a][c]
        link[b] = {}
        for c, s in link[a].items():
            mean = s / (size[a] * size[c])
            if mean >= threshold:
                heapq.heappush(heap, (-mean, min(a, c), max(a, c)))
    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i
    return [root(i) for i in range(n)]


def label_terms(vec: Vectors, members: list[int], limit: int = LABEL_TERMS) -> list[str]:
    """The heaviest terms of the members' summed vectors, shared by two members or more (all terms
    when the group shares none)."""
    total: Counter = Counter()
    seen: Counter = Counter()
    for i in members:
        for t, w in zip(vec.idx[i].tolist(), vec.w[i].tolist()):
            total[t] += w
            seen[t] += 1
    shared = [t for t in total if seen[t] >= 2] or list(total)
    shared.sort(key=lambda t: (-total[t], vec.vocab[t]))
    return [vec.vocab[t] for t in shared[:limit]]


def central(vec: Vectors, members: list[int]) -> list[int]:
    """Members, closest to the group's summed vector first (ties by position)."""
    total: Counter = Counter()
    for i in members:
        for t, w in zip(vec.idx[i].tolist(), vec.w[i].tolist()):
            total[t] += w
    def score(i: int) -> float:
        return sum(total[t] * w for t, w in zip(vec.idx[i].tolist(), vec.w[i].tolist()))
    return sorted(members, key=lambda i: (-score(i), i))


# --- topics -----------------------------------------------------------------------------------

def topic_fit(text: str, topics: dict[int, Topic]) -> dict[int, list[str]]:
    """Topic → its registry keywords found in ``text``."""
    return {n: [k for k in t.keywords if k in text] for n, t in sorted(topics.items())}


def suggest_topic(text: str, current: int, topics: dict[int, Topic], min_keywords: int = 2) -> tuple[int, list[str]] | None:
    """(topic, keywords found) when the text names at least ``min_keywords`` keywords of another topic
    and more than it names of its own; None when the filed topic fits as well as any."""
    fit = topic_fit(text, topics)
    best = max(fit, key=lambda n: (len(fit[n]), -n), default=None)
    if best is None or best == current:
        return None
    if len(fit[best]) >= min_keywords and len(fit[best]) > len(fit.get(current, [])) + 1:
        return best, fit[best]
    return None


# --- the analysis of a campaign ----------------------------------------------------------------

@dataclass
class Item:
    state: ItemState
    text: str                  # title and plain body
    in_period: bool            # in the period analysed (else in the previous one)
    instructions: int = 0      # 批示 (directive or affirmative)
    circled: int = 0           # 圈阅
    theme: int | None = None   # number of its theme (Analysis.themes)
    matter: int | None = None  # number of its matter: items on the same matter share it (None: alone)
    related: list[tuple[str, float]] = field(default_factory=list)
    suggested: tuple[int, list[str]] | None = None

    @property
    def id(self) -> str:
        return self.state.sub.id


@dataclass
class Theme:
    number: int
    keywords: list[str]
    items: list[Item]        # in the period, most central first
    previous: int            # items of the previous period in this theme
    units: list[str]         # unit names, by items then name
    members: list[str]       # members (persons) among the submitters
    topics: dict[int, int]   # filed topic → items
    matters: list[list[Item]] = field(default_factory=list)  # groups of 2+ items on one matter, in the period

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def growth(self) -> float | None:
        """Change against the previous period (None when the theme is new)."""
        return (self.count - self.previous) / self.previous if self.previous else None

    @property
    def adopted(self) -> int:
        return sum(i.state.adopted for i in self.items)

    @property
    def instructed(self) -> int:
        """Items that got at least one 批示 (圈阅 is never counted as one: ledger.instruction_counts)."""
        return instruction_counts(i.state.instructions for i in self.items)["instructed"]

    @property
    def circled(self) -> int:
        """Items circled (圈阅) by a leader."""
        return instruction_counts(i.state.instructions for i in self.items)["circled_items"]

    def representatives(self, limit: int = REPRESENTATIVES) -> list[Item]:
        return self.items[:limit]


@dataclass
class Analysis:
    period: Period
    previous: Period
    items: list[Item]      # in the period, by id
    themes: list[Theme]    # most items first
    others: list[Item]     # in the period, in no theme
    previous_count: int = 0  # items of the previous period (all, in a theme or not)

    def item(self, ident: str) -> Item | None:
        return next((i for i in self.items if i.id == ident), None)


def previous_period(period: Period) -> Period:
    """The period of equal length just before ``period``."""
    assert period.since is not None
    days = (period.until - period.since).days + 1
    return Period(period.since - dt.timedelta(days=days), period.since - dt.timedelta(days=1))


def counted(state: ItemState) -> bool:
    """Items the analysis reads: received and not withdrawn."""
    return state.sub.status not in ("draft", "withdrawn")


def analyse(campaign: Campaign, period: Period, threshold: float = THRESHOLD) -> Analysis:
    """The themes of the items dated in ``period`` (``since`` must be set), with the previous period
    of equal length clustered alongside, so that each theme's growth compares like with like."""
    regs = campaign.registries
    prev = previous_period(period)
    bodies = {d.model.id: d.body for d in campaign.submissions if d.model is not None}
    items: list[Item] = []
    for state in item_states(campaign, period.until):
        sub = state.sub
        if not counted(state) or not (sub.date in period or sub.date in prev):
            continue
        body = plain_text(bodies.get(sub.id, ""))
        item = Item(state, sub.title + "\n" + body, sub.date in period)
        counts = instruction_counts([state.instructions])
        item.instructions, item.circled = counts["instructions"], counts["circled"]
        items.append(item)
    items.sort(key=lambda i: i.id)
    prepare(campaign.root, len(items))  # a few items: jieba's dictionary read from the cache's table
    counts = [terms(i.state.sub.title, i.text[len(i.state.sub.title) + 1:]) for i in items]
    vec = vectorise(counts)
    edges = neighbour_graph(vec)
    labels = average_linkage(len(items), edges, threshold)
    fine = average_linkage(len(items), edges, max(MATTER, threshold))
    groups: dict[int, list[int]] = {}
    for pos, lab in enumerate(labels):
        groups.setdefault(lab, []).append(pos)
    themes: list[Theme] = []
    for members in groups.values():
        current = [p for p in members if items[p].in_period]
        if len(members) < 2 or not current:
            continue
        ordered = [p for p in central(vec, members) if items[p].in_period]
        units = Counter(items[p].state.unit.name if items[p].state.unit else items[p].state.sub.unit for p in current)
        people = Counter(name for p in current for name in items[p].state.members)
        themes.append(Theme(0, label_terms(vec, members), [items[p] for p in ordered],
                            len(members) - len(current),
                            sorted(units, key=lambda u: (-units[u], u)),
                            sorted(people, key=lambda m: (-people[m], m)),
                            dict(sorted(Counter(items[p].state.sub.topic for p in current).items()))))
    themes.sort(key=lambda t: (-t.count, -t.previous, t.items[0].id))
    position = {id(item): p for p, item in enumerate(items)}
    matter = 0
    for n, theme in enumerate(themes, 1):
        theme.number = n
        for item in theme.items:
            item.theme = n
        by_fine: dict[int, list[Item]] = {}
        for item in theme.items:
            by_fine.setdefault(fine[position[id(item)]], []).append(item)
        for group in by_fine.values():
            if len(group) >= 2:
                matter += 1
                theme.matters.append(group)
                for item in group:
                    item.matter = matter
    _relate(items, vec, edges, regs.settings.dup.similarity_warning)
    keep_table(campaign.root)
    min_keywords = regs.settings.quality.topic_min_keywords
    for item in items:
        item.suggested = suggest_topic(item.text, item.state.sub.topic, regs.topics, min_keywords)
    shown = [i for i in items if i.in_period]
    return Analysis(period, prev, shown, themes, [i for i in shown if i.theme is None],
                    sum(not i.in_period for i in items))


def _relate(items: list[Item], vec: Vectors, edges: dict[tuple[int, int], float], dup_similarity: float) -> None:
    """Each item's related items: similar (RELATED_MIN or more) but not a duplicate (estimated Jaccard
    of the duplication features below ``dup_similarity``), nor the same matter followed up (related)."""
    sigs: dict[int, np.ndarray] = {}

    def sig(p: int) -> np.ndarray:
        if p not in sigs:
            text = items[p].text
            sigs[p] = dupfeatures.compute(normalise(text, markdown=False).text).sig
        return sigs[p]

    near: dict[int, list[tuple[float, int]]] = {}
    for (i, j), s in edges.items():
        if s >= RELATED_MIN:
            near.setdefault(i, []).append((s, j))
            near.setdefault(j, []).append((s, i))
    for p, found in near.items():
        sub = items[p].state.sub
        out = []
        for s, q in sorted(found, key=lambda x: (-x[0], items[x[1]].id)):
            other = items[q].state.sub
            if other.id in sub.related or sub.id in other.related:
                continue
            if float((sig(p) == sig(q)).mean()) >= dup_similarity:
                continue
            out.append((other.id, round(s, 3)))
            if len(out) >= RELATED_MAX:
                break
        items[p].related = out
