"""text/words.py: ``occurring`` finds the same words as one substring test each."""
from hypothesis import given, strategies as st

from jianyan.text.words import occurring

# a few characters, so that words overlap, nest and repeat
WORD = st.text(alphabet="进一步加强", min_size=1, max_size=4)


@given(st.lists(WORD, max_size=12), st.text(alphabet="进一步加强，\n", max_size=40))
def test_same_as_substring_tests(words, text):
    assert occurring(tuple(words), text) == {w for w in words if w in text}


def test_nested_and_overlapping_words():
    words = ("进一步加强", "进一步", "一步", "加强监管", "监管")
    assert occurring(words, "要进一步加强监管。") == set(words)
    assert occurring(words, "进一步") == {"进一步", "一步"}
    assert occurring((), "进一步") == set()
