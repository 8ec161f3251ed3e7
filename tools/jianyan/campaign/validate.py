"""Turn pydantic validation errors into Chinese findings at the right file line."""
from __future__ import annotations

import difflib
import re
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from jianyan.core.findings import Finding, error
from jianyan.campaign.frontmatter import Parsed
from jianyan.campaign.model import KINDS, UNIT_KINDS
from jianyan.campaign.steps import CHINESE_KEYS, ROLES, SUBMISSION_STATUSES

M = TypeVar("M", bound=BaseModel)
VALUE_LABELS = {**UNIT_KINDS, **ROLES, **KINDS, **SUBMISSION_STATUSES}


def _submodel(annotation) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``Review | None`` or ``list[Topic]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _submodel(arg)
        if found is not None:
            return found
    return None


def _walk(model: type[BaseModel], loc: tuple):
    """(model holding the last named field, that field's name, its FieldInfo or None, trailing list index)."""
    current: type[BaseModel] | None = model
    holder, name, info, index = model, "", None, None
    for part in loc:
        if isinstance(part, int):
            index = part
            continue
        index = None
        field = current.model_fields.get(str(part)) if current is not None else None
        holder, name, info = current, str(part), field
        current = _submodel(field.annotation) if field is not None else None
    return holder, name, info, index


def _label(model: type[BaseModel], loc: tuple) -> str:
    """“review.date（审核日期）”, “submitter（作者）第 2 项”: the field as the user sees it, in this file's words."""
    _, name, info, index = _walk(model, loc)
    text = ".".join(str(p) for p in loc if not isinstance(p, int)) or name
    short = re.split(r"[：:（(，,；; ]", info.description, maxsplit=1)[0] if info and info.description else ""
    label = f"{text}（{short}）" if short else text
    return label + (f" 第 {index + 1} 项" if index is not None else "")


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the (sub)model that ``loc`` points into."""
    _, _, info, _ = _walk(model, loc[:-1]) if len(loc) > 1 else (model, "", None, None)
    target = model if len(loc) <= 1 else (_submodel(info.annotation) if info else None)
    return list(target.model_fields) if target else []


def _message(model: type[BaseModel], err: dict, is_content: bool = True) -> str:
    loc = err["loc"]
    key = loc[-1] if loc else ""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "missing":
        where = "在这一项下" if len(loc) > 1 else ("在文件头元数据中" if is_content else "")
        return f"缺少必填字段 {_label(model, loc)}。请{where}补上“{key}: …”"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc)
        if key in CHINESE_KEYS and CHINESE_KEYS[key] in allowed:
            return f"字段名“{key}”请写成英文“{CHINESE_KEYS[key]}”"
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"是不是“{close[0]}”？" if close else ""
        return f"未知字段“{key}”。{hint}可用字段：{'、'.join(allowed)}"
    if kind == "literal_error":
        options = [x.strip().strip("'") for x in str(ctx.get("expected", "")).replace(" or ", ", ").split(",")]
        shown = "、".join(f"{o}（{VALUE_LABELS[o]}）" if o in VALUE_LABELS else o for o in options)
        close = difflib.get_close_matches(str(value), options, n=1)
        hint = f"是不是“{close[0]}”？" if close else ""
        return f"{_label(model, loc)} 的取值“{value}”无效。{hint}只能是：{shown}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{_label(model, loc)} 应为整数，现在是“{value}”"
    if kind in ("float_parsing", "float_type"):
        return f"{_label(model, loc)} 应为数字，现在是“{value}”"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{_label(model, loc)} 应不小于 {ctx.get('ge', ctx.get('gt'))}，现在是“{value}”"
    if kind in ("less_than_equal", "less_than"):
        return f"{_label(model, loc)} 应不大于 {ctx.get('le', ctx.get('lt'))}，现在是“{value}”"
    if kind == "too_short":
        return f"{_label(model, loc)} 不能为空，至少要有 {ctx.get('min_length', 1)} 项"
    if kind in ("list_type",):
        return f"{_label(model, loc)} 应是列表，如 [a, b] 或每行一个“- a”"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{_label(model, loc)} 应是下一级的“键: 值”（缩进两个空格），现在是“{value}”"
    if kind in ("string_type",):
        return f"{_label(model, loc)} 应是文字，现在是“{value}”"
    if kind.startswith("jianyan_"):
        return f"{_label(model, loc)}：{err['msg']}"
    return f"{_label(model, loc)}：{err['msg']}"


def validate(model: type[M], parsed: Parsed, code_prefix: str = "schema",
             extra: dict | None = None) -> tuple[M | None, list[Finding]]:
    """Validate ``parsed.data`` against ``model``; on failure return findings at key lines."""
    data = dict(parsed.data or {})
    if extra:
        data.update(extra)
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        findings = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            kind = err["type"]
            if kind == "missing":
                parent = loc[:-1]
                if parent:  # the entry that lacks the key: a list item's own line, or the parent key
                    line = parsed.line_of(parent, value=isinstance(parent[-1], int))
                else:  # the closing --- of the front matter, or line 1 of a YAML file
                    line = parsed.body_line - 1 if parsed.body_line > 2 else 1
                col = None
            else:
                on_value = kind != "extra_forbidden"
                line = parsed.line_of(loc, value=on_value)
                col = parsed.column_of(loc, value=on_value)
            rule = {"missing": "missing", "extra_forbidden": "unknown_key"}.get(kind, "invalid")
            message = _message(model, err, is_content=not parsed.path.startswith("schema/"))
            findings.append(error(parsed.path, line, f"{code_prefix}.{rule}", message, column=col))
        return None, findings
