"""Cutting over the memory-mapped table of jieba's dictionary gives exactly jieba's cut."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import yaml

from jianyan.dup import tokens

ROOT = Path(__file__).resolve().parents[1]
EDGE = ["", "a", "。", "GB/T 9704-2012", "１２３ＡＢＣ", "2021年3月，全省GDP增长8.5%。", "黃河流域生態保護和高質量發展",
        "😀表情与汉字混排", "王某某（民革山东省委会）13800138000", "\n\n## 一、存在的问题\n\n一是……二是……",
        "乡村振兴" * 50]


def _texts() -> list[str]:
    out = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "submissions").rglob("*.md"))]
    out += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "issues").rglob("*.md"))]
    for case in yaml.safe_load((ROOT / "tests/data/lint/blind.yaml").read_text(encoding="utf-8")):
        out.append(case["body"])
    return out + EDGE


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> tokens.MappedFreq:
    path = tmp_path_factory.mktemp("lexicon") / "table.bin"
    tokens.write_table(path)
    found = tokens._open(path)
    assert found is not None
    return found


def test_mapped_table_cuts_like_jieba(table):
    jieba = tokens.jieba_ready()
    mapped = jieba.Tokenizer()
    mapped.FREQ, mapped.total, mapped.initialized = table, table.total, True
    texts = _texts()
    assert len(texts) > 60
    for text in texts:
        assert mapped.lcut(text, HMM=False) == jieba.lcut(text, HMM=False)


def test_table_holds_every_word_and_prefix(table):
    freq = tokens.jieba_ready().dt.FREQ
    words = list(freq)[::97]
    assert all(table.get(w) == freq[w] for w in words)
    assert "不在词典里的一串字" not in table and table.get("不在词典里的一串字", 7) == 7


def test_damaged_table_is_ignored(tmp_path, table):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"jianyan-lexicon\0" + b"\0" * 10)
    assert tokens._open(bad) is None
    assert tokens._open(tmp_path / "missing.bin") is None


def test_prepare_uses_the_table_for_a_few_texts_and_writes_it_otherwise(tmp_path, monkeypatch):
    (tmp_path / ".gitignore").write_text(".jianyan-cache/\n", encoding="utf-8")
    folder = tmp_path / ".jianyan-cache" / f"lexicon-v{tokens.FORMAT}"
    tokens.prepare(tmp_path, 1)  # no table yet: the tokenizer for many texts …
    assert tokens._cutter is tokens._fast and not folder.exists()
    tokens.keep_table(tmp_path, load=True)  # … and the table written once the texts are cut
    assert list(folder.glob("jieba-*.bin"))
    tokens.prepare(tmp_path, 1)
    assert tokens._cutter is not None and isinstance(tokens._cutter.FREQ, tokens.MappedFreq)
    assert tokens.cut("建议加快黄河流域生态保护") == tokens.jieba_ready().lcut("建议加快黄河流域生态保护", HMM=False)
    tokens.prepare(tmp_path, tokens.FEW + 1)  # many texts: jieba's dictionary, loaded
    assert tokens._cutter is tokens._fast
    monkeypatch.setenv("JIANYAN_CACHE", "0")
    tokens.prepare(tmp_path, 1)  # caches off: the same
    assert tokens._cutter is tokens._fast


@pytest.mark.parametrize("which", ["rjieba", "Fast"])
def test_fast_tokenizers_cut_like_jieba(which):
    """Every sample text, the edge cases, and 600 random slices of the sample texts (odd starts and
    ends: half words, lone Latin letters, digits and punctuation): rjieba's cut and ``Fast`` (used where
    rjieba cannot be imported)."""
    import random
    jieba = tokens.jieba_ready()
    fast = tokens._rust() if which == "rjieba" else tokens._fast_class()(jieba.dt)
    assert fast is not None
    texts = _texts()
    joined = "".join(texts)
    rng = random.Random(2021)
    for _ in range(600):
        a = rng.randrange(len(joined))
        texts.append(joined[a:a + rng.randint(1, 300)])
    for text in texts:
        assert fast.lcut(text, HMM=False) == jieba.lcut(text, HMM=False), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
                                             "黄河流域生态保护高质量发展乡村振兴建议加快龍門臺灣aZ09.%-_+#&，。！？：；、（）《》“” \n\t…—·ａ１😀")),
               max_size=80))
def test_rjieba_cuts_any_text_like_jieba(text):
    """rjieba's words are jieba's on any mix of Han characters, Latin letters, digits, punctuation and spaces."""
    rust = tokens._rust()
    assert rust is not None
    assert rust.lcut(text, HMM=False) == tokens.jieba_ready().lcut(text, HMM=False)
