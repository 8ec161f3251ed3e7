"""Which words of a list occur in a text: ``occurring(words, text) == {w for w in words if w in text}``.

The quality check tests every body for a hundred-odd words (the phrase list, the topics' keywords).
One substring search each reads the body once per word; here one regular expression of all of them,
longest first, is searched from each place a word starts: it finds at that place the longest word
that starts there, and the words inside a found word are in the text too. So each place where some
word starts costs one search, however many words the list holds.
"""
from __future__ import annotations

import re
from functools import lru_cache


class _Finder:
    def __init__(self, words: tuple[str, ...]) -> None:
        longest = sorted(set(words), key=len, reverse=True)
        self.any = re.compile("|".join(map(re.escape, longest))) if longest else None
        self.within = {w: frozenset(v for v in longest if v in w) for w in longest}

    def occurring(self, text: str) -> set[str]:
        found: set[str] = set()
        pos = 0
        while self.any is not None and (m := self.any.search(text, pos)) is not None:
            found |= self.within[m.group()]
            pos = m.start() + 1
        return found


@lru_cache(maxsize=16)
def _finder(words: tuple[str, ...]) -> _Finder:
    return _Finder(words)


def occurring(words: tuple[str, ...], text: str) -> set[str]:
    """The words among ``words`` that occur in ``text``."""
    return _finder(words).occurring(text)
