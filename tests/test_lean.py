"""A campaign of many files is loaded without holding the texts (loadcache.LEAN_FILES): the checks read a
file again when they want its text, and give the same findings; a file changed meanwhile stops the
run with a clear message instead of mixing two versions."""
from __future__ import annotations

import pytest

from jianyan import checks
from jianyan.accel import loadcache
from jianyan.campaign import load
from jianyan.campaign.frontmatter import ChangedWhileChecking

from helpers.items import item_text, near_copy, write_item


def broken_campaign(campaign):
    (campaign / "submissions/2021/minge/2021-minge-902.md").write_text("标题：没有文件头\n", encoding="utf-8")
    (campaign / "submissions/2021/minge/2021-minge-904.md").write_bytes(item_text().encode("gbk"))
    (campaign / "submissions/2021/minge/2021-minge-905.md").write_text(
        item_text(topic="9", body="联系电话13912345678。" + "很好的建议。" * 30).replace("\n", "\r\n"),
        encoding="utf-8-sig")
    write_item(campaign, "2021-jinan-009", near_copy(campaign))
    return campaign


def test_a_campaign_loaded_lean_is_checked_the_same(campaign, monkeypatch):
    broken_campaign(campaign)
    held = load.load_campaign(campaign)
    assert all(d.parsed.text for d in held.submissions if d.model)
    expected = checks.run(held)
    monkeypatch.setattr(loadcache, "LEAN_FILES", 0)
    # other commands, which may write files and look again, keep the texts whatever the size
    assert all(d.parsed.text for d in loadcache.load_fast(campaign, cache=False).submissions if d.model)
    lean = loadcache.load_fast(campaign, cache=False, lean=True)  # as `check` loads it
    assert all(d.parsed._text == "" for d in lean.submissions if d.model)  # not held …
    assert [d.body for d in lean.submissions] == [d.body for d in held.submissions]  # … but there when asked
    got = checks.run(lean)
    assert got == expected
    codes = {f.code.split(".")[0] for f in got}
    assert {"yaml", "encoding", "ref", "pii", "dup", "length"} <= codes  # the families that read texts ran


def test_a_file_changed_during_the_check_stops_it(campaign, monkeypatch, cli):
    monkeypatch.setattr(loadcache, "LEAN_FILES", 0)
    lean = loadcache.load_fast(campaign, cache=False, lean=True)
    doc = lean.submissions[0]
    path = campaign / doc.path
    path.write_text(path.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    with pytest.raises(ChangedWhileChecking) as exc:
        doc.body
    assert doc.path in str(exc.value) and "重新运行" in str(exc.value)
    path.unlink()
    with pytest.raises(ChangedWhileChecking):
        doc.body

    def changed(*args, **kwargs):
        raise ChangedWhileChecking(doc.path)

    monkeypatch.setattr(checks, "collect", changed)
    result = cli(campaign, "check")
    output = result.out + result.err
    assert result.code == 2 and doc.path in output and "重新运行" in output
    assert "Traceback" not in output


def test_loaded_models_share_their_repeated_values(campaign):
    loaded = loadcache.load_fast(campaign, cache=False)
    models = [d.model for d in loaded.submissions if d.model]
    pairs = [(x, y) for x in models for y in models if x is not y]
    a, b = next((x, y) for x, y in pairs if x.status == y.status and x.model_fields_set == y.model_fields_set)
    assert a.status is b.status and a.__pydantic_fields_set__ is b.__pydantic_fields_set__
    c, d = next((x, y) for x, y in pairs if x.unit == y.unit)
    assert c.unit is d.unit and c.id is not d.id  # ids are not kept once: they all differ
    e, f = next((x, y) for x, y in pairs if x.date == y.date)
    assert e.date is f.date
    assert "title" in a.model_fields_set
    with pytest.raises(AttributeError):  # read-only once loaded: a change fails loudly, not for every model
        a.title = "改过的标题"
