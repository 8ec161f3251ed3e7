"""The JSON Schemas in schema/json/ are generated from the models and kept in sync."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from jianyan.campaign import jsonschema as js

ROOT = Path(__file__).resolve().parents[1]


def test_schema_files_are_up_to_date():
    stale = js.stale(ROOT)
    assert not stale, f"JSON Schema 已过期，请运行 jianyan schema 重新生成：{stale}"


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    block = text.split("---\n", 2)[1]
    # Editors read YAML 1.2 (dates stay strings); make PyYAML do the same for dates.
    data = yaml.load(block, Loader=yaml.BaseLoader)
    return data


def _typed(data, schema_props):
    """BaseLoader gives strings; convert the few numeric/boolean fields as a YAML 1.2 editor would."""
    out = {}
    for key, value in data.items():
        kind = schema_props.get(key, {}).get("type")
        if kind == "integer":
            value = int(value)
        elif kind == "boolean":
            value = value == "true"
        out[key] = value
    return out


def test_sample_files_validate_against_the_generated_schemas():
    for name, folder in (("submission", "submissions"), ("issue", "issues")):
        schema = json.loads((ROOT / "schema/json" / f"{name}.schema.json").read_text(encoding="utf-8"))
        validator = jsonschema.Draft202012Validator(schema)
        files = sorted((ROOT / folder).rglob("*.md"))
        assert files
        for path in files:
            data = _typed(_front_matter(path), schema["properties"])
            errors = list(validator.iter_errors(data))
            assert not errors, f"{path}: {errors[0].message}"


def test_a_bad_file_fails_the_schema_too():
    schema = json.loads((ROOT / "schema/json/submission.schema.json").read_text(encoding="utf-8"))
    bad = {"id": "2021-minge-001", "title": "x", "submitter": "x", "unit": "minge", "topic": 1,
           "status": "approved", "date": "2021-03-01", "titel": "typo"}
    messages = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(bad)]
    assert any("approved" in m for m in messages) and any("titel" in m for m in messages)
