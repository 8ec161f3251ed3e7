"""JSON Schemas for editors, generated from the pydantic models (pydantic stays the validator)."""
from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from jianyan.core.fsutil import write_atomic
from jianyan.campaign.model import Issue, MembersFile, QuotasFile, ReasonsFile, RolesFile, Settings, Submission, TopicsFile, UnitsFile
from jianyan.campaign.paths import JSON_SCHEMA_DIR
MODELS: dict[str, type[BaseModel]] = {
    "submission": Submission,
    "issue": Issue,
    "settings": Settings,
    "topics": TopicsFile,
    "units": UnitsFile,
    "roles": RolesFile,
    "reasons": ReasonsFile,
    "members": MembersFile,
    "quotas": QuotasFile,
}


def generate() -> dict[str, str]:
    """File name → JSON text, deterministic."""
    out = {}
    for name, model in MODELS.items():
        schema = model.model_json_schema(by_alias=True)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"jianyan/{name}.schema.json"
        out[f"{name}.schema.json"] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return out


def write(root: Path) -> list[Path]:
    written = []
    for name, text in generate().items():
        path = root / JSON_SCHEMA_DIR / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            write_atomic(path, text)
            written.append(path)
    return written


def stale(root: Path) -> list[str]:
    """Schema files missing or out of date."""
    return [f"{JSON_SCHEMA_DIR}/{name}" for name, text in generate().items()
            if not (root / JSON_SCHEMA_DIR / name).is_file()
            or (root / JSON_SCHEMA_DIR / name).read_text(encoding="utf-8") != text]
