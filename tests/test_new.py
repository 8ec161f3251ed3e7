"""`jianyan new` writes the next free id at the right path, prompts for what is missing, never overwrites."""
from __future__ import annotations

from pathlib import Path

from jianyan.campaign.frontmatter import read_markdown


def test_new_with_flags_writes_next_id_and_passes_check(campaign, cli):
    existing = sorted((campaign / "submissions/2021/minge").glob("*.md"))
    last = max(int(p.stem.rsplit("-", 1)[1]) for p in existing)
    r = cli(campaign, "new", "--unit", "minge", "--submitter", "民革山东省委会", "--topic", "3",
            "--kind", "suggestion", "--title", "关于破解中小企业融资难题的建议", "--date", "2021-04-01",
            "--contact", "李某 0531-86090001")
    assert r.code == 0, r
    rel = r.out.strip()
    assert rel == f"submissions/2021/minge/2021-minge-{last + 1:03d}.md"
    parsed = read_markdown(rel, (campaign / rel).read_bytes())
    assert parsed.findings == []
    assert parsed.data["status"] == "draft" and parsed.data["topic"] == "3"
    assert parsed.data["contact"] == "李某 0531-86090001"
    assert "三、对策建议" in parsed.body and "一是" in parsed.body
    check = cli(campaign, "check", "--format", "json")
    assert check.code == 0, check  # a fresh draft has warnings at most
    assert all(f["severity"] != "error" for f in check.json() if f["path"] == rel)


def test_new_prompts_for_missing_answers(campaign, cli):
    r = cli(campaign, "new", "--date", "2021-04-02",
            input="jingji\n刘某某、张某\n2\nproblem\n关于科技成果转化渠道不畅问题的反映\n")
    assert r.code == 0, r
    rel = r.out.strip().splitlines()[-1]
    assert rel.startswith("submissions/2021/jingji/2021-jingji-")
    data = read_markdown(rel, (campaign / rel).read_bytes()).data
    assert data["submitter"] == ["刘某某", "张某"] and data["kind"] == "problem" and data["topic"] == "2"


def test_new_never_reuses_a_number_or_overwrites(campaign, cli):
    folder = campaign / "submissions/2021/taimeng"
    folder.mkdir(parents=True, exist_ok=True)
    keep = folder / "2021-taimeng-007.md"
    keep.write_text("用户自己的文件", encoding="utf-8")
    r = cli(campaign, "new", "--unit", "taimeng", "--submitter", "台盟山东省委会", "--topic", "4",
            "--kind", "suggestion", "--title", "关于深化对台交流合作的建议", "--date", "2021-04-03")
    assert r.code == 0, r
    assert r.out.strip().endswith("2021-taimeng-008.md")
    assert keep.read_text(encoding="utf-8") == "用户自己的文件"


def test_new_rejects_unknown_unit_clearly(campaign, cli):
    r = cli(campaign, "new", "--unit", "nosuch", "--submitter", "x", "--topic", "1", "--kind", "problem",
            "--title", "关于某事的建议", "--date", "2021-04-01")
    assert r.code == 2 and "nosuch" in r.err and "schema/units.yaml" in r.err


def test_title_with_yaml_specials_is_quoted(campaign, cli):
    r = cli(campaign, "new", "--unit", "minge", "--submitter", "民革山东省委会", "--topic", "3",
            "--kind", "suggestion", "--title", "关于“十强”产业: 建链补链的建议 #1", "--date", "2021-04-01")
    rel = r.out.strip()
    data = read_markdown(rel, Path(campaign, rel).read_bytes()).data
    assert data["title"] == "关于“十强”产业: 建链补链的建议 #1"
