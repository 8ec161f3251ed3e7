"""Open data of the public site: api/items.json, api/issues.json, CSV, the published JSON Schemas and
the field dictionary page; only public records, with their adoption outcome, and no personal data."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from jianyan.campaign.load import load_campaign
from jianyan.render import opendata
from jianyan.render.site import SiteRefused, build
from jianyan.text.personal_data import find_personal_data
from tests.conftest import ROOT, copy_campaign


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Path:
    root = copy_campaign(tmp_path_factory.mktemp("opendata"))
    build(load_campaign(root), root / "build" / "site")
    return root / "build" / "site" / "api"


def load(api: Path, name: str):
    return json.loads((api / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", ["items", "issues"])
def test_files_validate_against_the_published_schema(api: Path, kind: str):
    schema = load(api, f"{kind}.schema.json")
    assert schema == json.loads((ROOT / "schema/json" / opendata.SCHEMA_FILES[kind]).read_text(encoding="utf-8"))
    data = load(api, f"{kind}.json")
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert not list(validator.iter_errors(data))
    assert data["count"] == len(data[kind]) > 0
    broken = {**data, kind: [{**data[kind][0], "contact": "x"}]}   # a field not in the schema
    assert list(validator.iter_errors(broken))


def test_only_public_reviewed_items_with_their_adoption(api: Path):
    expected = {}
    for path in sorted((ROOT / "submissions").rglob("*.md")):
        fm = front_matter(path)
        if fm.get("public") is True and fm["status"] in ("accepted", "adopted"):
            expected[fm["id"]] = fm.get("adopted_in") if fm["status"] == "adopted" else None
    items = load(api, "items.json")["items"]
    assert {i["id"]: i["adopted_in"] for i in items} == expected
    public_issues = {i["id"] for i in load(api, "issues.json")["issues"]}
    for i in items:
        assert i["adopted"] == (i["adopted_in"] is not None)
        assert i["url"] == f"items/{i['id']}.html" and (api.parent / i["url"]).is_file()
        assert i["adopted_in_url"] == (f"issues/{i['adopted_in']}.html" if i["adopted_in"] in public_issues else None)


def test_csv_has_the_same_rows_as_the_json(api: Path):
    for kind, fields in (("items", opendata.ITEM_FIELDS), ("issues", opendata.ISSUE_FIELDS)):
        text = (api / f"{kind}.csv").read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        data = load(api, f"{kind}.json")[kind]
        assert list(rows[0]) == list(fields)
        assert [r["id"] for r in rows] == [d["id"] for d in data]


def test_field_dictionary_names_every_field(api: Path):
    page = (api / "index.html").read_text(encoding="utf-8")
    for name in [*opendata.ITEM_FIELDS, *opendata.ISSUE_FIELDS]:
        assert f"<code>{name}</code>" in page
    assert "items.json" in page and "字段" in page


def private_strings() -> list[str]:
    """Contacts, reviewers, review notes, committee opinions and leaders' instructions in the records."""
    out = []
    for path in sorted((ROOT / "submissions").rglob("*.md")):
        fm = front_matter(path)
        out.append(str(fm.get("contact") or ""))
        for key in ("review", "committee_review"):
            for field in ("by", "note"):
                out.append(str((fm.get(key) or {}).get(field) or ""))
    for path in sorted((ROOT / "feedback").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for i in data.get("instructions") or []:
            out += [str(i.get("text") or ""), str(i.get("summary") or "")]
        for h in data.get("handling") or []:
            out.append(str(h.get("contact") or ""))
    return sorted({s for s in out if len(s) >= 2})


def test_no_personal_contact_review_or_instruction_data(api: Path):
    secrets = private_strings()
    assert any("0531" in s for s in secrets) and any(s.startswith("请") for s in secrets)  # the search has data
    for path in sorted(api.iterdir()):
        text = path.read_text(encoding="utf-8")
        assert not find_personal_data(text), path.name
        assert not [s for s in secrets if s in text], path.name


def test_the_last_gate_reads_the_data_files(tmp_path: Path):
    root = copy_campaign(tmp_path / "c")
    units = root / "schema" / "units.yaml"
    units.write_text(units.read_text(encoding="utf-8").replace("民革山东省委会", "民革山东省委会13800138000", 1),
                     encoding="utf-8")
    with pytest.raises(SiteRefused) as refused:
        build(load_campaign(root), root / "build" / "site")
    paths = {f.path for f in refused.value.findings}
    assert {"build/site/api/items.json", "build/site/api/items.csv"} <= paths
    assert not (root / "build" / "site").exists()
