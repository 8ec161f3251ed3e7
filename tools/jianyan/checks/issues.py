"""Bulletin issue rules (issue.*): file path, length, items, roles and dates, numbering, cadence,
and adoption of the items of signed issues.

Codes (items):
  issue.no_items / issue.unknown_item / issue.item_status / issue.item_not_adopted / issue.item_date
  issue.duplicate_item   an item listed twice in one issue (at the second; it is checked once)
  issue.item_reused      an item already used by an earlier issue

Codes (combined articles, 综合稿: ``articles`` with their ``sources``):
  issue.source_not_listed  a source missing from the issue's items (every source is an item of the issue)
  issue.unknown_source     a source that does not exist (or whose file is broken)
  issue.source_status      a source not accepted (not adopted, once the issue is signed)
  issue.source_reused      a source used twice: in two articles, twice in one, or by another issue
  issue.source_role        a role that is not one of settings combined.roles
  issue.credit             shares that do not add up to one adoption (share written for some sources, a sum
                           other than 1, a role without a weight under credit: weights)
  issue.article_title      a combined article's title is not a ## title of the body (warning)
  issue.source_line        the article's source line does not name every source's unit (warning; the built
                           bulletin shows all of them)
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Iterator

from jianyan.core.findings import Finding, error, warning
from jianyan.text.markdown import plain_text
from jianyan.campaign.load import Campaign
from jianyan.campaign.paths import issue_path
from jianyan.campaign.steps import ISSUE_FROZEN, ISSUE_STATUSES, ISSUE_STEPS, ROLES, SUBMISSION_STATUSES, steps_required
from jianyan.text.textcount import count_chars
from jianyan.campaign.bulletin import body_sources, missing_sources, source_names, sources_line
from jianyan.tracking.quotas import shares


def check(campaign: Campaign, ctx) -> Iterator[Finding]:
    docs = [d for d in campaign.issues if d.model is not None]
    yield from _each(campaign, docs)
    if len(docs) == len(campaign.issues):
        # With a broken issue file (already reported), gaps, totals and cadence would be guesses:
        # they are checked once it is fixed.
        yield from _numbering(docs)
        yield from _cadence(campaign, docs)
    yield from _items_used_twice(docs)
    yield from _sources_used_twice(docs)
    yield from _adoption(campaign, docs)


def _each(campaign: Campaign, docs) -> Iterator[Finding]:
    regs = campaign.registries
    for doc in docs:
        m, p = doc.model, doc.path
        year, seq = m.id[:4], m.id[5:]
        expected = issue_path(m.id)
        if p != expected:
            yield error(p, doc.line("id"), "issue.path",
                        f"期号 {m.id} 的文件应为 {expected}。请改文件名或期号，使两者一致")
        if int(seq) != m.number:
            yield error(p, doc.line("number"), "issue.number_mismatch",
                        f"number: {m.number} 与期号 {m.id} 不一致。请改为 number: {int(seq)}")
        if str(m.date.year) != year:
            yield error(p, doc.line("date"), "issue.year",
                        f"出刊日期 {m.date} 不在期号的年份 {year} 内。请核对日期或期号")
        if regs is not None:
            yield from _length(doc, regs.settings.bulletin)
            yield from _roles(campaign, doc)
        yield from _items(campaign, doc)
        yield from _articles(campaign, doc)


def _length(doc, bulletin) -> Iterator[Finding]:
    n = count_chars(plain_text(doc.body))
    low = round(bulletin.target_chars * (1 - bulletin.tolerance))
    high = round(bulletin.target_chars * (1 + bulletin.tolerance))
    if not low <= n <= high:
        how = "请压缩" if n > high else "请充实"
        yield warning(doc.path, doc.body_line, "issue.length",
                      f"本期正文 {n} 字，不在每期约 {bulletin.target_chars} 字（{low}–{high} 字）的范围内。{how}正文"
                      "（汉字、中文标点各计 1 字，连续的字母数字计 1 字；规则见 docs/file-format.md 的“字数怎么算”）")


def _roles(campaign: Campaign, doc) -> Iterator[Finding]:
    m, p = doc.model, doc.path
    regs = campaign.registries
    editor = regs.person(m.editor)
    if editor is None or "research_office" not in editor.roles:
        yield error(p, doc.line("editor"), "issue.role",
                    f"责任编辑“{m.editor}”不是 schema/roles.yaml 中的研究室人员。请填写登记的姓名")
    need = len(steps_required(m.status))
    dates: list[tuple[str, dt.date, str]] = []
    for i, done in enumerate(ISSUE_STEPS):
        key, role, label, command = done.key, done.role, done.label, f"jianyan issue {done.command}"
        step = getattr(m, key)
        if step is None:
            if i < need:
                yield error(p, doc.line("status"), "issue.missing_step",
                            f"状态为 {m.status}（{ISSUE_STATUSES[m.status]}）时须有{label}记录 {key}（by、date）。"
                            f"请用 {command} 办理，或补写 {key}:")
            continue
        if i >= need:
            yield warning(p, doc.line(key), "issue.premature_step",
                          f"已填写{label}记录 {key}，但状态仍是 {m.status}（{ISSUE_STATUSES[m.status]}）。"
                          f"请核对状态，或用 {command} 办理")
        person = regs.person(step.by)
        if person is None:
            yield error(p, doc.line(key, "by"), "issue.role",
                        f"{label}人“{step.by}”不在 schema/roles.yaml 中。请填写登记的姓名或代码")
        elif role not in person.roles:
            holders = "、".join(h.name for h in regs.holders(role)) or "（未登记）"
            yield error(p, doc.line(key, "by"), "issue.role",
                        f"{person.name}不是{ROLES[role]}，不能{label}。应由{holders}办理")
        dates.append((key, step.date, label))
    for (k1, d1, l1), (k2, d2, l2) in zip(dates, dates[1:]):
        if d2 < d1:
            yield error(p, doc.line(k2, "date"), "issue.date_order",
                        f"{l2}日期 {d2} 早于{l1}日期 {d1}。请核对日期")
    if m.signoff is not None and m.date < m.signoff.date:
        yield warning(p, doc.line("date"), "issue.date_order",
                      f"出刊日期 {m.date} 早于签发日期 {m.signoff.date}。请核对日期")


def _items(campaign: Campaign, doc) -> Iterator[Finding]:
    m, p = doc.model, doc.path
    if not m.items:
        yield error(p, doc.line("items"), "issue.no_items",
                    "items 为空：每期专刊须列出所用的建言信息编号。请填写，如 items: [2021-minge-001]")
    seen: dict[str, int] = {}
    sources = {s.item for a in m.articles for s in a.sources}  # their status is checked as sources (_articles)
    for i, ident in enumerate(m.items):
        line = doc.line("items", i)
        if ident in seen:
            first = seen[ident]
            here, there = (doc.parsed.line_of(("items", k), value=True) for k in (i, first))
            where = f"第 {there} 行已有" if there != here else f"第 {first + 1} 项已有"
            yield error(p, here, "issue.duplicate_item",
                        f"所用信息 {ident} 在 items 中列了两次（第 {i + 1} 项，{where}）。请删去重复的一项")
            continue
        seen[ident] = i
        sub_doc = campaign.submission(ident)
        if sub_doc is None:
            yield error(p, line, "issue.unknown_item",
                        f"所用信息 {ident} 不存在（或其文件有错误）。请核对编号")
            continue
        sub = sub_doc.model
        problem = None if ident in sources else _status_problem(sub, m, f"所用信息 {ident} ")
        if problem and problem[0] == "not_adopted":
            yield error(p, line, "issue.item_not_adopted",
                        f"{problem[1]}请运行 jianyan issue sign 的同步，或手工修改 {sub_doc.path}")
        elif problem:
            yield error(p, line, "issue.item_status", problem[1])
        if sub.review is not None and sub.review.date > m.date:
            yield warning(p, line, "issue.item_date",
                          f"所用信息 {ident} 的审核日期 {sub.review.date} 晚于出刊日期 {m.date}。请核对日期")


def _status_problem(sub, issue, what: str) -> tuple[str, str] | None:
    """What is wrong with the status of an item ``issue`` uses (``what`` names it in the message), as (kind,
    message without its fix): kind ``not_adopted`` (the issue is signed, the item still accepted) or
    ``status`` (a status the issue cannot use); None when the status is right."""
    label = SUBMISSION_STATUSES[sub.status]
    if issue.status in ISSUE_FROZEN:
        if sub.status == "accepted":
            return "not_adopted", (f"本期已签发，但{what}仍是 accepted（审核通过），应为 adopted（已采用）并写 "
                                   f"adopted_in: {issue.id}。")
        if sub.status != "adopted":
            return "status", f"{what}的状态是 {sub.status}（{label}），已签发的专刊只能采用审核通过的信息"
    elif sub.status != "accepted":
        return "status", f"{what}的状态是 {sub.status}（{label}），只有 accepted（审核通过）的信息才能编入专刊"
    return None


def _articles(campaign: Campaign, doc) -> Iterator[Finding]:
    """Combined articles: each source listed in items, existing, accepted (adopted once signed), with a
    registered role; the shares add up; the article's title and source line are in the body."""
    m, p = doc.model, doc.path
    if not m.articles:
        return
    settings = campaign.registries.settings if campaign.registries else None
    units = campaign.registries.units if campaign.registries else {}
    bodies = body_sources(doc.body)
    for n, art in enumerate(m.articles):
        subs = []
        for k, src in enumerate(art.sources):
            at = doc.line("articles", n, "sources", k, "item")
            sub_doc = campaign.submission(src.item)
            if src.item not in m.items and sub_doc is not None:  # an unknown one is told to check its id
                yield error(p, at, "issue.source_not_listed",
                            f"综合稿《{art.title}》的来源 {src.item} 没有列在本期 items 中。请把它加进 items")
            if sub_doc is None:
                yield error(p, at, "issue.unknown_source",
                            f"综合稿《{art.title}》的来源 {src.item} 不存在（或其文件有错误）。请核对编号")
                continue
            subs.append(sub_doc.model)
            problem = _status_problem(sub_doc.model, m, f"综合稿《{art.title}》的来源 {src.item} ")
            if problem:
                fix = f"请手工修改 {sub_doc.path}" if problem[0] == "not_adopted" else "。请换一条来源，或先完成审核"
                yield error(p, at, "issue.source_status", problem[1] + fix)
            if settings is not None and src.role not in settings.combined.roles:
                yield error(p, doc.line("articles", n, "sources", k, "role"), "issue.source_role",
                            f"来源 {src.item} 的角色“{src.role}”不是登记的角色（{'、'.join(settings.combined.roles)}）。"
                            "请改用其中之一，或在 schema/settings.yaml 的 combined.roles 中登记")
        if settings is not None:
            problem = shares(art, settings.combined)[1]
            if problem:
                yield error(p, doc.line("articles", n, "sources"), "issue.credit",
                            f"综合稿《{art.title}》的采用计分不能相加为一条：{problem}")
        line = bodies.get(art.title)
        if line is None:
            yield warning(p, doc.line("articles", n, "title"), "issue.article_title",
                          f"正文中没有标题为“{art.title}”的稿件（## 标题）。请使两处标题一致，"
                          "否则专刊的来源行无法对应到这篇综合稿")
        elif units and subs:
            missing = missing_sources(line, source_names(campaign, subs))
            if missing:
                yield warning(p, doc.line("articles", n, "title"), "issue.source_line",
                              f"综合稿《{art.title}》正文的来源行{f'“{line}”' if line else ''}没有写出"
                              f"{'、'.join(missing)}。生成专刊时来源行会列出全部来源单位；"
                              f"请在正文中写成 {sources_line(campaign, subs)}")


def _sources_used_twice(docs) -> Iterator[Finding]:
    """A source of a combined article used again: by another article, twice in one, or by another issue
    (an item listed in the items of two issues is issue.item_reused)."""
    ordered = sorted(docs, key=lambda d: (int(d.model.id[:4]), d.model.number))
    first_issue: dict[str, str] = {}
    for d in ordered:
        for ident in d.model.items:
            first_issue.setdefault(ident, d.model.id)
        for art in d.model.articles:
            for src in art.sources:
                first_issue.setdefault(src.item, d.model.id)
    for d in ordered:
        m = d.model
        seen: dict[str, str] = {}
        for n, art in enumerate(m.articles):
            for k, src in enumerate(art.sources):
                at = d.line("articles", n, "sources", k, "item")
                where = first_issue.get(src.item, m.id)
                if src.item in seen:
                    other = "本篇" if seen[src.item] == art.title else f"《{seen[src.item]}》"
                    yield error(d.path, at, "issue.source_reused",
                                f"信息 {src.item} 已是{other}的来源，一条信息只能用在一篇稿件里。请删去重复的一处")
                elif where != m.id and src.item not in m.items:
                    yield error(d.path, at, "issue.source_reused",
                                f"信息 {src.item} 已编入第 {where} 期，不能再作为本期综合稿《{art.title}》的来源。请删去")
                seen.setdefault(src.item, art.title)


def _numbering(docs) -> Iterator[Finding]:
    by_id = defaultdict(list)
    for d in docs:
        by_id[d.model.id].append(d)
    for ident, same in by_id.items():
        for d in same[1:]:
            yield error(d.path, d.line("id"), "issue.duplicate",
                        f"期号 {ident} 与 {same[0].path} 重复。请改用下一个未用的期号（jianyan issue new 会自动取号）")
    by_year = defaultdict(list)
    for d in docs:
        by_year[d.model.id[:4]].append(d)
    for year, group in by_year.items():
        group.sort(key=lambda d: d.model.number)
        expected = 1
        for d in group:
            n = d.model.number
            if n > expected:
                missing = f"第 {expected} 期" if n == expected + 1 else f"第 {expected}–{n - 1} 期"
                yield error(d.path, d.line("number"), "issue.gap",
                            f"{year} 年缺少{missing}（期号应连续）。请补上缺的期，或核对本期期号")
            expected = max(expected, n + 1)
    ordered = sorted(docs, key=lambda d: (int(d.model.id[:4]), d.model.number))
    totals: dict[int, str] = {}
    for prev, d in zip([None] + ordered[:-1], ordered):
        t = d.model.total
        if t in totals:
            yield error(d.path, d.line("total"), "issue.total_duplicate",
                        f"总期号 {t} 与 {totals[t]} 重复。总期号应逐期加 1")
        totals.setdefault(t, d.path)
        if prev is not None and t not in (prev.model.total, prev.model.total + 1):
            yield error(d.path, d.line("total"), "issue.total_gap",
                        f"总期号应为 {prev.model.total + 1}（上一期 {prev.model.id} 是总第 {prev.model.total} 期），"
                        f"现在是 {t}。请改正")
        if prev is not None and d.model.date < prev.model.date:
            yield warning(d.path, d.line("date"), "issue.date_order",
                          f"出刊日期 {d.model.date} 早于上一期 {prev.model.id} 的 {prev.model.date}。请核对日期")


def _items_used_twice(docs) -> Iterator[Finding]:
    first: dict[str, str] = {}
    for d in sorted(docs, key=lambda d: (int(d.model.id[:4]), d.model.number)):
        for i, ident in enumerate(d.model.items):
            if ident in first and first[ident] != d.model.id:
                yield error(d.path, d.line("items", i), "issue.item_reused",
                            f"信息 {ident} 已编入第 {first[ident]} 期，不能重复编刊。请从 items 中删去")
            first.setdefault(ident, d.model.id)


def _week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _cadence(campaign: Campaign, docs) -> Iterator[Finding]:
    """Signed issues per calendar week (Monday–Sunday) from the first issue to the latest."""
    regs = campaign.registries
    if regs is None:
        return
    b = regs.settings.bulletin
    published = sorted((d for d in docs if d.model.status in ISSUE_FROZEN), key=lambda d: (d.model.date, d.model.number))
    if not published:
        return
    start = _week(b.start or published[0].model.date)
    end = _week(published[-1].model.date)
    if regs.settings.end:
        end = min(end, _week(regs.settings.end))
    weeks: dict[dt.date, list] = defaultdict(list)
    for d in published:
        weeks[_week(d.model.date)].append(d)
    week = start
    thin: list[dt.date] = []  # weeks with fewer than per_week_min signed issues, not yet reported
    while week <= end:
        here = weeks.get(week, [])
        if len(here) < b.per_week_min:
            thin.append(week)
        if here and thin:
            span = "、".join(f"{w.month}月{w.day}日" for w in thin)
            yield warning(here[0].path, here[0].line("date"), "issue.cadence",
                          f"本期之前有 {len(thin)} 周签发的专刊少于 {b.per_week_min} 期（{span}起的一周）。"
                          f"活动要求每周 {b.per_week_min}–{b.per_week_max} 期，请注意出刊节奏")
            thin = []
        for d in here[b.per_week_max:]:
            yield warning(d.path, d.line("date"), "issue.cadence",
                          f"{week.month}月{week.day}日起的一周已签发 {len(here)} 期，多于每周 {b.per_week_max} 期。"
                          "如属必要可忽略，或调整出刊日期")
        week += dt.timedelta(days=7)


def _adoption(campaign: Campaign, docs) -> Iterator[Finding]:
    """An item of a signed issue must be adopted and point at that issue (reported on the item)."""
    for d in docs:
        if d.model.status not in ISSUE_FROZEN:
            continue
        for ident in d.model.items:
            sub_doc = campaign.submission(ident)
            if sub_doc is None:
                continue
            sub = sub_doc.model
            if sub.status == "adopted" and sub.adopted_in != d.model.id:
                yield error(sub_doc.path, sub_doc.line("adopted_in"), "issue.adopted_in",
                            f"本信息编入了已签发的第 {d.model.id} 期，adopted_in 应为 {d.model.id}，"
                            f"现在是 {sub.adopted_in}。请改正")
            elif sub.status == "accepted":
                yield error(sub_doc.path, sub_doc.line("status"), "issue.not_adopted",
                            f"本信息已编入已签发的第 {d.model.id} 期，状态应为 adopted（已采用）并写 adopted_in: "
                            f"{d.model.id}。秘书长签发时请用 jianyan issue sign，它会自动修改")
