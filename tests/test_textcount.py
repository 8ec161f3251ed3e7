"""字数 by the documented rule, on examples one can recount by hand in Word."""
import pytest

from jianyan.text.textcount import count_chars


@pytest.mark.parametrize("text,zi", [
    ("2024年，GB/T 9704-2012规定“每面22行”。", 14),  # NOTES.md example
    ("山东省政协", 5),
    ("《工作通报》", 6),
    ("增长3.5%，达到120亿元。", 10),  # 增 长 3.5% ， 达 到 120 亿 元 。
    ("ＡＢＣ１２３", 1),  # full-width Latin is one run after NFKC
    ("一是……二是——", 8),  # each … and — is one mark
    ("  \n\t", 0),
    ("GDP 增长", 3),
])
def test_count_chars(text, zi):
    assert count_chars(text) == zi
