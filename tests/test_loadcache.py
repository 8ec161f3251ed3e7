"""The fast load (accel/loadcache.py): a warm check gives exactly what a cold one gives, a campaign loaded
through the cache is the one a plain load gives, and a packed parse answers as the parse it stands for."""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from jianyan.accel import findingscache, loadcache
from jianyan.accel.loadcache import load_fast
from jianyan.campaign import scaffold
from jianyan.campaign.frontmatter import read_markdown
from jianyan.campaign.model import Submission
from jianyan.campaign.load import load_campaign

ITEM = "submissions/2021/minge/2021-minge-001.md"


def ignore_cache(root: Path) -> Path:
    (root / ".gitignore").write_text("build/\n.jianyan-cache/\n", encoding="utf-8")
    return root


def shards(root: Path) -> list[Path]:
    return sorted((root / loadcache.CACHE_DIR).glob(f"load-v{loadcache.FORMAT}/*/content/*.bin"))


def written(root: Path) -> loadcache.LoadCache:
    """A reader of the shards the runs wrote. Their folder is named by a fingerprint of the package's
    code, computed once a process: a process started later (a worker, ``jianyan`` itself) computes its
    own, which differs from this process's if the working tree changed meanwhile. So the folder is the
    one found, never this process's guess: the assertions below hold whoever wrote it."""
    folders = {f.parent for f in shards(root)}
    assert len(folders) == 1, f"one code version writes the shards: {folders}"
    store = loadcache.LoadCache(root)
    store.folder = folders.pop()
    return store


def check_json(cli, root: Path, cache: bool = True) -> str:
    res = cli(root, "check", "--format", "json", env=None if cache else {"JIANYAN_CACHE": "0"})
    assert res.code in (0, 1), res
    return res.out


def test_warm_check_gives_the_same_findings_as_a_cold_one(campaign, cli):
    root = ignore_cache(campaign)
    cold = check_json(cli, root)
    assert shards(root), "the first run fills the cache"
    assert check_json(cli, root) == cold
    assert check_json(cli, root, cache=False) == cold


def test_after_editing_one_file_only_its_findings_change(campaign, cli):
    root = ignore_cache(campaign)
    before = {(f["path"], f["code"], f["line"], f["message"]) for f in json.loads(check_json(cli, root))}
    path = root / ITEM
    text = path.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    path.write_text(text.replace(title, f"{title}\n{title}", 1), encoding="utf-8")  # a duplicate key
    warm = check_json(cli, root)
    assert warm == check_json(cli, root, cache=False)  # identical to reading everything afresh
    after = {(f["path"], f["code"], f["line"], f["message"]) for f in json.loads(warm)}
    changed = {f[0] for f in before ^ after}
    assert changed == {ITEM}
    assert {f[1] for f in after - before} == {"yaml.duplicate_key"}


def test_cached_load_reads_only_changed_files(campaign):
    root = ignore_cache(campaign)
    load_fast(root)
    store = loadcache.LoadCache(root)
    warm = load_fast(root)
    for doc in warm.submissions:
        store.read_markdown(doc.path, (root / doc.path).read_bytes())
    assert store.misses == 0 and store.hits == len(warm.submissions)
    (root / ITEM).write_text((root / ITEM).read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    store = loadcache.LoadCache(root)
    for doc in warm.submissions:
        store.read_markdown(doc.path, (root / doc.path).read_bytes())
    assert store.misses == 1
    fresh = load_campaign(root).submission("2021-minge-001")
    cached = load_fast(root).submission("2021-minge-001")
    assert type(cached.parsed) is loadcache.Packed
    assert cached.parsed == fresh.parsed and cached.model == fresh.model
    assert cached.body.endswith("补充一句。\n")


def test_corrupt_or_foreign_cache_is_ignored_and_rebuilt(campaign, cli):
    root = ignore_cache(campaign)
    cold = check_json(cli, root)
    files = shards(root)
    files[0].write_bytes(b"not a cache")
    files[1].write_bytes(files[1].read_bytes()[:-7])  # truncated
    files[2].write_bytes(files[2].read_bytes()[:16] + b"\x00" + files[2].read_bytes()[17:])  # bit rot
    assert check_json(cli, root) == cold
    store = written(root)
    for f in files[:3]:
        assert store._read(int(f.stem, 16)), f"{f.name} rewritten"


def test_deleted_files_leave_the_cache(campaign):
    root = ignore_cache(campaign)
    load_fast(root)
    assert ITEM in written(root)._shard(loadcache._shard_of(ITEM))
    (root / ITEM).unlink()
    load_fast(root)
    assert ITEM not in written(root)._shard(loadcache._shard_of(ITEM))


def test_no_cache_written_where_it_is_not_git_ignored(campaign):
    load_fast(campaign)
    assert not (campaign / loadcache.CACHE_DIR).exists()


def _load(root: str) -> int:
    return len(load_fast(Path(root)).submissions)


def test_concurrent_runs_leave_a_valid_cache(campaign):
    root = ignore_cache(campaign)
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        counts = pool.map(_load, [str(root)] * 6)
    assert len(set(counts)) == 1
    assert not list((root / loadcache.CACHE_DIR).rglob("*.tmp")), "no half-written files left"
    store = written(root)
    for doc in load_campaign(root).submissions:  # the plain load: it writes no cache of its own
        store.read_markdown(doc.path, (root / doc.path).read_bytes())
    assert store.misses == 0 and store.hits == counts[0] > 0


def test_registry_change_recomputes_cached_findings(campaign, cli):
    root = ignore_cache(campaign)
    before = check_json(cli, root)
    assert any((root / loadcache.CACHE_DIR).glob("findings-v*/quality.bin"))
    settings = root / "schema" / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("body_min: 300", "body_min: 1400"),
                        encoding="utf-8")
    warm = check_json(cli, root)
    assert warm != before and '"length.body_min"' in warm
    assert warm == check_json(cli, root, cache=False)


def test_a_scoped_run_does_not_leave_findings_out_of_a_later_full_run(campaign, cli):
    root = ignore_cache(campaign)
    cold = check_json(cli, root, cache=False)
    res = cli(root, "check", "--format", "json", "submissions/2021/minge")
    assert res.code in (0, 1), res
    assert check_json(cli, root) == cold


def test_per_file_families_over_all_cores_find_the_same(campaign, monkeypatch):
    """length, quality and pii split over forked processes (as for a large campaign) give the same
    findings as one process. The sample campaign is small, so the split is forced."""
    from jianyan import checks
    root = ignore_cache(campaign)
    (root / ITEM).write_text((root / ITEM).read_text(encoding="utf-8") + "\n联系电话13800138000,谢谢.\n", encoding="utf-8")
    camp = load_fast(root, cache=False)
    monkeypatch.setenv("JIANYAN_CACHE", "0")
    families = ("length", "quality", "pii")
    one = checks.run(camp, checks.Context(), families=families)
    monkeypatch.setattr(findingscache, "PARALLEL_MIN", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)  # as on this 2-core machine, whatever runs the test
    calls = []
    real = multiprocessing.get_context

    def spy(method=None):
        calls.append(method)
        return real(method)

    monkeypatch.setattr(multiprocessing, "get_context", spy)
    split = checks.run(camp, checks.Context(), families=families, runner=findingscache.cached_family)
    assert calls.count("fork") == len(families)
    assert split == one and any(f.code.startswith("pii.") for f in one)


def test_the_fast_load_gives_the_plain_loads_campaign(campaign):
    root = ignore_cache(campaign)
    (root / ITEM).write_bytes(b"\xef\xbb\xbf" + (root / ITEM).read_bytes())  # a finding of the reader
    plain = load_campaign(root)
    for fast in (load_fast(root, cache=False, parallel=False), load_fast(root), load_fast(root)):  # cold, warm
        assert fast.findings == plain.findings and fast.unknown_files == plain.unknown_files
        assert [(d.path, d.parsed, d.model) for d in fast.submissions + fast.issues] == \
               [(d.path, d.parsed, d.model) for d in plain.submissions + plain.issues]
        assert fast.registries == plain.registries
        assert all(type(d.parsed) is loadcache.Packed for d in fast.submissions)


def test_packed_file_answers_as_before():
    """A packed parse keeps the values and positions as one record: same answers."""
    import marshal
    raw = ("---\nid: 2021-minge-001\ntitle: 关于加快发展的建议\nsubmitter:\n  - 王某某\n  - 李某\n"
           "review:\n  reason: no\n---\n\n正文第一段。\n").encode()
    before = read_markdown("s.md", raw)
    after = loadcache.pack(read_markdown("s.md", raw))
    loadcache._DECODED[:] = [None, None]  # answered from the record alone
    assert type(after) is loadcache.Packed and after.record and not hasattr(after, "__dict__")
    assert after.ok and after.body == before.body == "\n正文第一段。\n"
    assert after.line_of(("submitter", 1), value=True) == before.line_of(("submitter", 1), value=True) == 6
    assert after.column_of(("review", "reason"), value=True) == before.column_of(("review", "reason"), value=True)
    assert after.data == before.data and after.data["review"]["reason"] == "no"
    assert after == before
    record = len(marshal.dumps((before.data, before.key_pos, before.value_pos)))
    assert record < 1000 and len(after.record) < record / 2  # deflated


def test_a_file_laid_out_as_jianyan_new_writes_it_is_kept_in_a_small_record():
    text = scaffold.render("2021-minge-017", "关于加快发展县域经济的建议", ["王某某"], "minge", 3, "problem",
                           dt.date(2021, 4, 2), "13800000000", "draft")
    parsed = loadcache.pack(read_markdown("submissions/2021/minge/2021-minge-017.md", text.encode()))
    loadcache._DECODED[:] = [None, None]
    assert len(parsed.record) < 160 and parsed.data["title"] == "关于加快发展县域经济的建议"
    assert parsed.line_of(("contact",)) == 11 and parsed.findings == ()


def test_the_records_preset_is_the_same_bytes_in_another_process():
    """Records deflated by the parsing workers are inflated here, and the load cache's by the next run: the
    preset is the same bytes in a process with another hash seed that interned its strings first (a process
    is the point)."""
    code = ("import sys; held = [sys.intern(s) for s in ('id', 'title', 'unit', 'submitted', '2021-03-01')]; "
            "from jianyan.accel import loadcache; sys.stdout.write(loadcache._preset().hex())")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout
    assert got == loadcache._preset().hex()


def test_a_stored_record_deflated_with_another_preset_is_parsed_again(campaign):
    """A load cache whose records another preset deflated (another build of the tool under the same key) is
    not trusted: the files are parsed again, with the same campaign as a plain load."""
    root = ignore_cache(campaign)
    load_fast(root)
    cache = loadcache.LoadCache(root)
    for k in range(loadcache.SHARDS):
        shard = cache._shard(k)
        for path, (digest, (record, *rest)) in list(shard.items()):
            other = zlib.compressobj(zdict=b"another preset")
            raw = zlib.decompressobj(zdict=loadcache._preset()).decompress(record)
            shard[path] = (digest, (other.compress(raw) + other.flush(), *rest))
        cache.dirty.add(k)
    cache.save()
    loadcache._DECODED[:] = [None, None]
    plain = load_campaign(root)
    store = loadcache.LoadCache(root)
    for doc in plain.submissions:
        store.read_markdown(doc.path, (root / doc.path).read_bytes())
    assert store.hits == 0 and store.misses == len(plain.submissions) > 0
    again = load_fast(root)
    assert [(d.path, d.parsed, d.model) for d in again.submissions] ==            [(d.path, d.parsed, d.model) for d in plain.submissions]


def test_a_shared_model_equals_the_model_and_cannot_be_changed():
    """``share`` gives an equal model holding its values compactly (a key-sharing dictionary: smaller than
    pydantic's); setting a field fails instead of changing the set of fields every model shares."""
    model = Submission.model_validate({"id": "2021-minge-001", "title": "关于加快发展的建议", "submitter": ["王某某"],
                                       "unit": "minge", "topic": "1", "status": "submitted", "date": "2021-03-01",
                                       "kind": "suggestion", "review": {"by": "张某", "date": "2021-03-05"}})
    shared = loadcache.share(model)
    again = loadcache.share(model.model_copy())
    assert shared == model and shared is not model and shared.model_dump() == model.model_dump()
    assert shared.review == model.review and shared.review is not model.review
    assert shared.__pydantic_fields_set__ is again.__pydantic_fields_set__
    assert shared.unit is again.unit and shared.date is again.date
    assert sys.getsizeof(shared.__dict__) < sys.getsizeof(model.__dict__)
    with pytest.raises(AttributeError):
        shared.title = "关于另一件事的建议"


def test_a_file_that_did_not_parse_stays_not_ok_when_packed():
    parsed = loadcache.pack(read_markdown("s.md", b"---\ntitle: [\n---\n\nbody\n"))
    loadcache._DECODED[:] = [None, None]
    assert type(parsed) is loadcache.Packed and not parsed.ok and parsed.body == "\nbody\n"


def test_a_text_let_go_is_read_once_for_the_checks_asking_in_a_row(campaign, monkeypatch):
    """Lean (the texts let go), the checks ask for one file's body several times in a row: the file is read
    and decoded once, and again only when another file was read in between."""
    monkeypatch.setattr(loadcache, "LEAN_FILES", 0)
    lean = load_fast(campaign, cache=False, lean=True)
    first, second = [d for d in lean.submissions if d.model][:2]
    reads = []
    decode = loadcache.decode
    monkeypatch.setattr(loadcache, "decode", lambda path, raw: reads.append(path) or decode(path, raw))
    assert first.body == first.body == first.parsed.text[first.parsed.body_start:]
    assert reads == [first.path]
    assert second.body and first.body
    assert reads == [first.path, second.path, first.path]
