"""Turn pydantic validation errors into Chinese findings at the right file line."""
from __future__ import annotations

import difflib
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .findings import Finding, error
from .frontmatter import Parsed
from .model import CHINESE_KEYS, FIELD_LABELS, KINDS, ROLES, SUBMISSION_STATUSES, UNIT_KINDS

M = TypeVar("M", bound=BaseModel)
VALUE_LABELS = {**UNIT_KINDS, **ROLES, **KINDS, **SUBMISSION_STATUSES}


def _label(key: object) -> str:
    return f"{key}（{FIELD_LABELS[key]}）" if key in FIELD_LABELS else str(key)


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the (sub)model that ``loc`` points into."""
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if current is None or isinstance(part, int):
            continue
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        ann = field.annotation
        current = next((a for a in getattr(ann, "__args__", (ann,))
                        if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return list(current.model_fields) if current else []


def _message(model: type[BaseModel], err: dict) -> str:
    loc = err["loc"]
    key = loc[-1] if loc else ""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "missing":
        return f"缺少必填字段 {_label(key)}。请在文件头元数据中补上“{key}: …”"
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
        return f"{_label(key)} 的取值“{value}”无效。{hint}只能是：{shown}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{_label(key)} 应为整数，现在是“{value}”"
    if kind in ("float_parsing", "float_type"):
        return f"{_label(key)} 应为数字，现在是“{value}”"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{_label(key)} 应不小于 {ctx.get('ge', ctx.get('gt'))}，现在是“{value}”"
    if kind == "too_short":
        return f"{_label(key)} 不能为空，至少要有 {ctx.get('min_length', 1)} 项"
    if kind in ("list_type",):
        return f"{_label(key)} 应是列表，如 [a, b] 或每行一个“- a”"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{_label(key)} 应是下一级的“键: 值”（缩进两个空格），现在是“{value}”"
    if kind in ("string_type",):
        return f"{_label(key)} 应是文字，现在是“{value}”"
    if kind.startswith("jianyan_"):
        return f"{_label(key)}：{err['msg']}"
    return f"{_label(key)}：{err['msg']}"


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
                line = parsed.line_of(loc[:-1]) if len(loc) > 1 else (parsed.body_line - 1 if parsed.body_line > 2 else 1)
                col = None
            else:
                on_value = kind != "extra_forbidden"
                line = parsed.line_of(loc, value=on_value)
                col = parsed.column_of(loc, value=on_value)
            rule = {"missing": "missing", "extra_forbidden": "unknown_key"}.get(kind, "invalid")
            findings.append(error(parsed.path, line, f"{code_prefix}.{rule}", _message(model, err), column=col))
        return None, findings
