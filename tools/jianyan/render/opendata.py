"""Open data of the public site (`jianyan site`): ``api/items.json``, ``api/issues.json``, the same as
CSV, their JSON Schemas, and a field dictionary page (``api/index.html``).

Only what the site already publishes goes in (site.py chooses it: public, reviewed items and public,
dispatched issues), as plain data: every field is in FIELDS with its Chinese meaning, and the JSON
Schemas are made from that table, so the dictionary page, the schemas and the files cannot disagree.
The adoption outcome of an item is whether it was adopted and in which issue (with the issue's page
when that issue is public too); leaders' instructions are never published: the feedback records
hold no mark that an instruction may be made public. The site's last gate (site.published_findings)
scans these files for personal data with the pages.

URLs are stable: ``items/<id>.html``, ``issues/<id>.html``, ``api/items.json``… relative to the site's
root; ids never change once given.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jianyan.campaign.load import Campaign
from jianyan.campaign.paths import JSON_SCHEMA_DIR
from jianyan.core.fsutil import write_atomic
from jianyan.render.office import csv_text

API_DIR = "api"
FORMAT_VERSION = 1

# name → (JSON type, Chinese meaning); the order is the order of the CSV columns.
ITEM_FIELDS: dict[str, tuple[Any, str]] = {
    "id": ("string", "信息编号：年份-单位代码-序号，如 2021-minge-001，长期不变"),
    "url": ("string", "该信息网页的地址（相对网站根目录），如 items/2021-minge-001.html"),
    "title": ("string", "标题"),
    "unit": ("string", "报送单位代码"),
    "unit_name": ("string", "报送单位名称"),
    "submitters": ({"type": "array", "items": {"type": "string"}}, "署名：报送单位，或委员个人建言的委员姓名（CSV 中以“、”分隔）"),
    "topic": ({"type": "integer", "minimum": 1}, "重点选题编号"),
    "topic_title": ("string", "重点选题名称"),
    "kind": ({"enum": ["problem", "suggestion", "practice"]}, "类别代码：problem 反映问题，suggestion 意见建议，practice 经验做法"),
    "kind_label": ("string", "类别名称"),
    "date": ({"type": "string", "format": "date"}, "报送日期（YYYY-MM-DD）"),
    "status": ({"enum": ["accepted", "adopted"]}, "状态代码：accepted 审核通过，adopted 已被专刊采用"),
    "status_label": ("string", "状态名称"),
    "adopted": ("boolean", "是否已被专刊采用（CSV 中为“是”或“否”）"),
    "adopted_in": (["string", "null"], "采用该信息的专刊期号，如 2021-003；未采用时为空"),
    "adopted_in_url": (["string", "null"], "采用该信息的专刊网页地址；该期专刊未公开或未采用时为空"),
    "text": ("string", "正文（纯文本）"),
}
ISSUE_FIELDS: dict[str, tuple[Any, str]] = {
    "id": ("string", "期号：年份-序号，如 2021-003，长期不变"),
    "url": ("string", "该期专刊网页的地址（相对网站根目录）"),
    "number": ({"type": "integer", "minimum": 1}, "本年期号（第N期）"),
    "total": ({"type": "integer", "minimum": 1}, "总期号（总第N期）"),
    "date": ({"type": "string", "format": "date"}, "出刊日期（YYYY-MM-DD）"),
    "title": (["string", "null"], "本期要目；未填时为空"),
    "items": ({"type": "array", "items": {"type": "string"}}, "本期所用的公开信息编号（CSV 中以“、”分隔）"),
    "text": ("string", "本期正文（纯文本）"),
}
FILES = (
    ("items.json", "公开的建言信息（JSON）", "items"),
    ("items.csv", "公开的建言信息（CSV，UTF-8，可用 Excel 打开）", "items"),
    ("issues.json", "公开的专刊（JSON）", "issues"),
    ("issues.csv", "公开的专刊（CSV）", "issues"),
    ("items.schema.json", "items.json 的 JSON Schema", "items"),
    ("issues.schema.json", "issues.json 的 JSON Schema", "issues"),
)
# The schema files as the repository keeps them too (schema/json/), for anyone validating the data.
SCHEMA_FILES = {"items": "open-items.schema.json", "issues": "open-issues.schema.json"}


def _prop(spec: Any, description: str) -> dict[str, Any]:
    if isinstance(spec, dict):
        return {**spec, "description": description}
    return {"type": spec, "description": description}


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of api/<kind>.json."""
    fields = ITEM_FIELDS if kind == "items" else ISSUE_FIELDS
    record = {"type": "object", "additionalProperties": False, "required": list(fields),
              "properties": {name: _prop(*spec) for name, spec in fields.items()}}
    what = "公开的建言信息" if kind == "items" else "公开的专刊"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"jianyan/{SCHEMA_FILES[kind]}",
        "title": f"{what}（开放数据 api/{kind}.json）",
        "type": "object", "additionalProperties": False,
        "required": ["version", "updated", "count", kind],
        "properties": {
            "version": {"const": FORMAT_VERSION, "description": "数据格式版本"},
            "updated": {"type": "string", "description": "数据更新日期（最新一条公开内容的日期，YYYY-MM-DD；没有内容时为空）"},
            "count": {"type": "integer", "minimum": 0, "description": "条数"},
            kind: {"type": "array", "items": record, "description": what},
        },
    }


def schema_text(kind: str) -> str:
    return json.dumps(schema(kind), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(root: Path) -> list[Path]:
    """Write the open-data schemas into the repository's schema/json/ (only those that changed)."""
    written = []
    for kind, name in SCHEMA_FILES.items():
        path = root / JSON_SCHEMA_DIR / name
        text = schema_text(kind)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            write_atomic(path, text)
            written.append(path)
    return written


def records(campaign: Campaign, sel) -> tuple[list[dict], list[dict]]:
    """(items, issues) as published, oldest first then by id (a stable order for diffs)."""
    public_issues = {i.id: i for i in sel.issues}
    items = []
    for it in sorted(sel.items, key=lambda i: (i.date, i.id)):
        doc = campaign.submission(it.id)
        model = doc.model if doc is not None else None
        adopted = it.status == "adopted"
        issue_id = model.adopted_in if adopted and model is not None else None
        items.append({
            "id": it.id, "url": it.href, "title": it.title, "unit": it.unit_code, "unit_name": it.unit_name,
            "submitters": list(it.submitters), "topic": it.topic, "topic_title": it.topic_title,
            "kind": model.kind if model is not None else "suggestion", "kind_label": it.kind,
            "date": it.date, "status": it.status, "status_label": it.status_label, "adopted": adopted,
            "adopted_in": issue_id,
            "adopted_in_url": public_issues[issue_id].href if issue_id in public_issues else None,
            "text": it.text,
        })
    issues = [{"id": i.id, "url": i.href, "number": i.number, "total": i.total, "date": i.date, "title": i.title,
               "items": [x.id for x in i.items], "text": i.text}
              for i in sorted(sel.issues, key=lambda i: (i.date, i.id))]
    return items, issues


def _document(kind: str, rows: list[dict]) -> str:
    updated = max((r["date"] for r in rows), default="")
    return json.dumps({"version": FORMAT_VERSION, "updated": updated, "count": len(rows), kind: rows},
                      ensure_ascii=False, indent=1) + "\n"


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(value)
    return "" if value is None else value


def _csv(fields: dict, rows: list[dict]) -> str:
    return csv_text(list(fields), ([_cell(r[name]) for name in fields] for r in rows))


def files(campaign: Campaign, sel) -> dict[str, bytes]:
    """Site-relative path → content of the data files and their schemas."""
    items, issues = records(campaign, sel)
    out = {
        "items.json": _document("items", items), "issues.json": _document("issues", issues),
        "items.csv": _csv(ITEM_FIELDS, items), "issues.csv": _csv(ISSUE_FIELDS, issues),
        "items.schema.json": schema_text("items"), "issues.schema.json": schema_text("issues"),
    }
    return {f"{API_DIR}/{name}": text.encode("utf-8") for name, text in out.items()}


def dictionary() -> dict[str, Any]:
    """What the field dictionary page (templates/site/opendata.html.j2) shows."""
    def rows(fields):
        return [{"name": n, "type": _type_label(spec), "meaning": meaning} for n, (spec, meaning) in fields.items()]
    return {"files": [{"name": n, "href": f"{API_DIR}/{n}", "what": w} for n, w, _ in FILES],
            "item_fields": rows(ITEM_FIELDS), "issue_fields": rows(ISSUE_FIELDS), "version": FORMAT_VERSION}


def _type_label(spec: Any) -> str:
    if isinstance(spec, list):
        return _type_label(spec[0]) + "（可为空）"
    if isinstance(spec, dict):
        if "enum" in spec:
            return "代码"
        if spec.get("format") == "date":
            return "日期"
        return {"array": "列表", "integer": "整数"}.get(spec.get("type"), "文字")
    return {"string": "文字", "boolean": "是/否", "integer": "整数"}.get(spec, spec)
