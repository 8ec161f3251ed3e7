"""jieba, and the one way texts are cut (HMM off: new-word guessing costs 15-20 % speed and does not
help matching). Many texts are cut by rjieba (PyPI, the Python binding of jieba-rs, jieba's algorithm
and dictionary in Rust: the same words, 16 times as fast as jieba and a tenth of a second to load,
tests/test_dup_tokens.py compares them); where rjieba cannot be imported (installed without the
dependencies), by ``Fast``, jieba's own no-HMM algorithm in one pass (1.9 times as fast as jieba, the same
words); a few texts, over a memory-mapped table of jieba's dictionary.

Loading jieba's prefix dictionary (about 350 000 words and their prefixes, unmarshalled into a dict)
takes half a second, longer than a pull request's check spends on everything else. A check that cuts
only a few texts therefore reads the same dictionary from a memory-mapped hash table in the cache
(``.jianyan-cache/lexicon-v<FORMAT>/``): jieba's own algorithm runs unchanged over it, looking up only
the words of those texts, so the cut is the same (tests/test_dup_tokens.py compares them). The table is
written from the real dictionary by a cold check (``keep_table``: one of its workers loads jieba for it
once its share is cut), and is keyed by jieba's version and dictionary file; without it, jieba is loaded
as usual.

Table file: a 64-byte header (magic, words, slots, total, signature), then ``slots`` uint32 (word
number + 1, 0 for empty; open addressing on crc32 of the UTF-8 word, linear probing, at most half
full), the word offsets (int64, words + 1), the frequencies (int64) and the UTF-8 words. The signature
is a keyed BLAKE2b of the rest with this machine's key (where.cache_key), checked when the table is
opened (15 ms): an edited table would change the cut, and so what counts as copied. A table that is
not a regular file, is damaged or not signed here is discarded with a note and jieba loaded instead.
"""
from __future__ import annotations

import hashlib
import importlib.util
import hmac
import logging
import mmap
import os
import struct
import sys
import zlib
from math import log
from pathlib import Path

import numpy as np

from jianyan.core.fsutil import NotRegular, atomic_file, open_regular
from jianyan.campaign.where import CACHE_DIR, cache_enabled, cache_folder, cache_key, discard, drop_old_versions

FORMAT = 2
MAGIC = b"jianyan-lexicon\0"
HEADER = struct.Struct("<16sQQQ")  # magic, words, slots, total; then the signature (padded to 64 bytes)
SIGNED = slice(HEADER.size, HEADER.size + 16)
MAX_TABLE = 1 << 28  # jieba 0.42's dictionary makes a table of 25 MB
HEADER_SIZE = 64
FEW = 50  # texts to cut at most for the mapped table to be worth it over loading jieba
MEMO_BLOCKS = 100_000  # Han blocks whose words the fast tokenizer remembers (about 20 MB)

_jieba = None
_cutter = None  # the tokenizer in use: jieba's over the mapped table, or the fast one
_fast = None    # the tokenizer for many texts: rjieba's, or ``Fast`` (its score table is built once)
_laid_out: tuple[str, bytes, list[bytes]] | None = None  # the last table laid out: (file name, head, parts)


def jieba_module():
    """The jieba module, imported once (its dictionary not loaded)."""
    global _jieba
    if _jieba is None:
        # jieba imports pkg_resources (setuptools: 70 ms, deprecated) only to open its bundled
        # dictionary, and opens the file directly when that import fails: let it fail, for jieba only.
        hidden = "pkg_resources" not in sys.modules
        if hidden:
            sys.modules["pkg_resources"] = None  # type: ignore[assignment]
        try:
            import jieba  # lazy: half a second to import; only tokenising needs it (and pkg_resources hidden)
        finally:
            if hidden:
                del sys.modules["pkg_resources"]
        jieba.setLogLevel(logging.WARNING)
        _jieba = jieba
    return _jieba


def jieba_ready():
    """jieba with its dictionary loaded (the usual way)."""
    jieba = jieba_module()
    jieba.initialize()
    return jieba


def prepare(root: Path | None, texts: int) -> None:
    """Choose how the coming ``texts`` are cut: over the mapped table when they are few and the table
    is in the cache; otherwise with ``fast()`` (``keep_table`` then writes the table for next time)."""
    global _cutter
    folder = _folder(root)
    if folder is not None and texts <= FEW and cache_folder(folder):  # a symlink there: removed, not followed
        table = _open(folder / _name())
        if table is not None:
            tk = jieba_module().Tokenizer()
            tk.FREQ, tk.total, tk.initialized = table, table.total, True
            _cutter = tk
            return
    fast()


def keep_table(root: Path | None, load: bool = False) -> None:
    """Write the table into the cache if it is not there yet and jieba's dictionary is loaded in this
    process, or ``load``: loaded for it (done after cutting, so that it overlaps other work)."""
    folder = _folder(root)
    loaded = _jieba is not None and _jieba.dt.initialized
    if folder is not None and (loaded or load and cache_key() is not None) and cache_folder(folder, create=True) \
            and not (folder / _name()).is_file():
        jieba_ready()
        write_table(folder / _name())
        drop_old_versions(folder, "lexicon-v")


def fast():
    """Use (and return) the tokenizer for many texts: rjieba's, else ``Fast`` over jieba's loaded
    dictionary; call before forking workers (they share it)."""
    global _cutter, _fast
    if _fast is None:
        _fast = _rust() or _fast_class()(jieba_ready().dt)
    _cutter = _fast
    return _fast


class _Rust:
    """rjieba's cut (jieba-rs): ``lcut(text, HMM=False)`` as jieba's."""

    def __init__(self, module) -> None:
        self.cut = module.cut

    def lcut(self, sentence: str, cut_all: bool = False, HMM: bool = True) -> list[str]:  # noqa: N803 - jieba's
        if cut_all or HMM:
            return jieba_ready().lcut(sentence, cut_all, HMM)
        return self.cut(sentence, hmm=False)


def rust_available() -> bool:
    """rjieba is installed (found without importing it)."""
    return importlib.util.find_spec("rjieba") is not None


def _rust() -> _Rust | None:
    """rjieba's tokenizer, or None where it cannot be imported."""
    try:
        import rjieba  # lazy: 0.15 s to load its dictionary, which a check of a few texts does without
    except ImportError:
        return None
    return _Rust(rjieba)


def cut(text: str) -> list[str]:
    """jieba's words of ``text``, in order, covering it exactly."""
    return (_cutter or fast()).lcut(text, HMM=False)


_NO_WORD = float("-inf")


def _fast_class():
    jieba = jieba_module()

    class Fast(jieba.Tokenizer):
        """jieba's tokenizer with its no-HMM path (the words of the most probable route through the
        dictionary, jieba's ``get_DAG`` + ``calc`` + ``__cut_DAG_NO_HMM``) done in one backward pass over
        precomputed log probabilities, repeated blocks remembered: 1.9 times as fast, the same words
        (ties go to the longer word, as jieba's ``max`` over (score, end) does). Block splitting and
        everything else is jieba's."""

        def __init__(self, base):
            super().__init__()
            self.FREQ, self.total, self.initialized = base.FREQ, base.total, True
            logtotal = log(base.total)
            # word or prefix → its score, -inf for a prefix that is not a word
            self.score = {w: (log(f) - logtotal if f else _NO_WORD) for w, f in base.FREQ.items()}
            self.unknown = log(1) - logtotal  # a character that is not a word on its own
            self.memo: dict[str, list[str]] = {}

        def lcut(self, sentence, cut_all=False, HMM=True, use_paddle=False):
            if cut_all or HMM or use_paddle:
                return super().lcut(sentence, cut_all, HMM, use_paddle)
            return self.words(sentence)

        def words(self, text: str) -> list[str]:
            """``lcut(text, HMM=False)``, without the generators; a Han block (a run of characters
            between punctuation) seen before is not routed again."""
            out: list[str] = []
            memo, han, skip = self.memo, jieba.re_han_default, jieba.re_skip_default
            for i, blk in enumerate(han.split(text)):
                if not blk:
                    continue
                if i & 1:  # split's captured pieces: the blocks jieba's cut matches with re_han
                    ws = memo.get(blk)
                    if ws is None:
                        ws = list(self._Tokenizer__cut_DAG_NO_HMM(blk))
                        if len(memo) < MEMO_BLOCKS:
                            memo[blk] = ws
                    out.extend(ws)
                else:
                    for x in skip.split(blk):
                        if skip.match(x):
                            out.append(x)
                        else:
                            out.extend(x)  # one character at a time
            return out

        def _Tokenizer__cut_DAG_NO_HMM(self, sentence):  # overrides jieba's private method
            score, n = self.score, len(sentence)
            best = [0.0] * (n + 1)
            end = [0] * (n + 1)
            get = score.get
            for k in range(n - 1, -1, -1):
                top, at, i = _NO_WORD, k, k + 1
                sc = get(sentence[k])
                while sc is not None:  # a word (its score) or a prefix only (-inf)
                    v = sc + best[i]
                    if v >= top:
                        top, at = v, i - 1
                    if i >= n:
                        break
                    i += 1
                    sc = get(sentence[k:i])
                if top == _NO_WORD:
                    top, at = self.unknown + best[k + 1], k
                best[k], end[k] = top, at
            x, buf = 0, ""
            while x < n:  # as jieba: single Latin letters and digits run together
                y = end[x] + 1
                word = sentence[x:y]
                if len(word) == 1 and jieba.re_eng.match(word):
                    buf += word
                else:
                    if buf:
                        yield buf
                        buf = ""
                    yield word
                x = y
            if buf:
                yield buf

    return Fast



def _folder(root: Path | None) -> Path | None:
    if root is None or not cache_enabled(Path(root)):
        return None
    return Path(root) / CACHE_DIR / f"lexicon-v{FORMAT}"


def _name() -> str:
    """The table's file name: jieba's version and its dictionary file's size and time."""
    jieba = jieba_module()
    path = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME
    try:
        st = path.stat()
        stamp = f"{st.st_size}-{st.st_mtime_ns}"
    except OSError:
        stamp = "nodict"
    return f"jieba-{jieba.__version__}-{stamp}.bin"


# --- the table ---------------------------------------------------------------------------------

def write_table(path: Path) -> None:
    """Write jieba's loaded dictionary as a table (atomically). Never raises."""
    key = cache_key()
    if key is None:
        return
    head, parts = _lay_out(path.name)
    parts = [(head + _sign(key, head, parts)).ljust(HEADER_SIZE, b"\0"), *parts]
    try:
        with atomic_file(path, mode=0o600, durable=False) as fh:
            for part in parts:
                fh.write(part)
    except OSError:
        pass  # a table that cannot be written only costs time


def _lay_out(name: str) -> tuple[bytes, list[bytes]]:
    """The table of jieba's loaded dictionary: its header (unsigned) and parts. Kept for the process:
    the same dictionary gives the same table, so a process that checks several campaigns (the test
    suite, a server) lays it out once (~0.3 s of CPU each time otherwise)."""
    global _laid_out
    if _laid_out is not None and _laid_out[0] == name:
        return _laid_out[1], _laid_out[2]
    tk = jieba_ready().dt
    enc = [w.encode("utf-8") for w in tk.FREQ]
    n = len(enc)
    size = 1 << max(1, (2 * n).bit_length())
    mask = size - 1
    # Linear probing, laid out at once: by home slot, each word at its home or just after the word
    # before it (pos_i = max(home_i, pos_{i-1} + 1)); the few pushed past the end wrap round one by one.
    home = np.fromiter((zlib.crc32(b) for b in enc), dtype=np.int64, count=n) & mask
    order = np.argsort(home, kind="stable")
    pos = np.maximum.accumulate(home[order] - np.arange(n)) + np.arange(n)
    slots = np.zeros(size, dtype=np.uint32)
    inside = pos < size
    slots[pos[inside]] = order[inside] + 1
    for k in order[~inside].tolist():
        i = int(home[k])
        while slots[i]:
            i = (i + 1) & mask
        slots[i] = k + 1
    lengths = np.fromiter(map(len, enc), dtype=np.int64, count=n)
    head = HEADER.pack(MAGIC, n, size, int(tk.total))
    parts = [slots.astype("<u4").tobytes(), np.concatenate(([0], np.cumsum(lengths))).astype("<i8").tobytes(),
             np.fromiter(tk.FREQ.values(), dtype=np.int64, count=n).astype("<i8").tobytes(), b"".join(enc)]
    _laid_out = (name, head, parts)
    return head, parts


def _sign(key: bytes, head: bytes, parts) -> bytes:
    h = hashlib.blake2b(key=key, digest_size=16, person=b"jianyan-lexicon")
    h.update(head)
    for part in parts:
        h.update(part)
    return h.digest()


class MappedFreq:
    """jieba's ``FREQ`` dict (word or prefix → frequency, 0 for a prefix only), read from the table."""

    def __init__(self, mm: mmap.mmap):
        magic, n, size, total = HEADER.unpack_from(mm, 0)
        if magic != MAGIC or size & (size - 1):
            raise ValueError("not a lexicon table")
        view = memoryview(mm)
        a = HEADER_SIZE
        b = a + 4 * size
        c = b + 8 * (n + 1)
        d = c + 8 * n
        self.slots = view[a:b].cast("I")
        self.offsets = view[b:c].cast("q")
        self.freqs = view[c:d].cast("q")
        self.words = mm
        self.base = d
        self.mask = size - 1
        self.total = total
        if len(mm) != d + self.offsets[n]:
            raise ValueError("truncated lexicon table")
        self.memo: dict[str, int | None] = {}
        self._mm = mm

    def _find(self, word: str) -> int | None:
        hit = self.memo.get(word, -1)
        if hit != -1:
            return hit
        b = word.encode("utf-8", "surrogatepass")
        i = zlib.crc32(b) & self.mask
        found = None
        while True:
            k = self.slots[i]
            if not k:
                break
            start = self.base + self.offsets[k - 1]
            if self.words[start:self.base + self.offsets[k]] == b:
                found = self.freqs[k - 1]
                break
            i = (i + 1) & self.mask
        self.memo[word] = found
        return found

    def get(self, word: str, default=None):
        found = self._find(word)
        return default if found is None else found

    def __contains__(self, word: str) -> bool:
        return self._find(word) is not None

    def __getitem__(self, word: str) -> int:
        found = self._find(word)
        if found is None:
            raise KeyError(word)
        return found


def _open(path: Path) -> MappedFreq | None:
    """The table at ``path`` when it is a regular file signed with this machine's key (else None:
    discarded with a note when it is there)."""
    key = cache_key()
    try:
        fd = open_regular(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, NotRegular):
        discard(path)
        return None
    try:
        if not HEADER_SIZE <= os.fstat(fd).st_size <= MAX_TABLE:
            raise ValueError("not a lexicon table")
        mm = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        view = memoryview(mm)
        try:
            ok = key is not None and len(mm) >= HEADER_SIZE and hmac.compare_digest(
                bytes(view[SIGNED]), _sign(key, view[:HEADER.size], (view[HEADER_SIZE:],)))
        finally:
            view.release()
        if ok:
            return MappedFreq(mm)
    except (OSError, ValueError, struct.error, TypeError, IndexError):
        pass
    finally:
        os.close(fd)
    discard(path)
    return None
