"""Batches: clean_many and clean --jsonl --workers keep order, match serial results, read lazily."""
from __future__ import annotations

import itertools
import json
import os

import pytest

import textclean
from textclean.cli import main
from textclean.parallel import PENDING_PER_WORKER, WorkerCrashed, clean_many, map_ordered

ARTICLE = (
    "据报道,本地一家电池企业本周宣布,将投资20亿元在城东新区建设第二座工厂。\n"
    "公司负责人表示,新工厂将主要生产储能电池,同时带动当地约两千人就业。\n"
)
PAGES = [
    "- 金沙彩乐园网址 城市夜跑活动吸引上万市民参加\n" + ARTICLE,
    "发布日期:2025-03-02 10:15 点击次数:88\n" + ARTICLE + "排版:小王\n",
    ARTICLE.replace("同时", "迪士尼彩乐园同时"),
    "",
    "\r\n".join(ARTICLE.splitlines()) + "\r\n相关文章\r\n",
    "市民对新工厂表示欢迎。",
]


def _texts(n: int) -> list[str]:
    return [PAGES[i % len(PAGES)] + f"第{i}条。\n" for i in range(n)]


@pytest.mark.parametrize("workers", [1, 2])
def test_clean_many_equals_clean_in_order(workers):
    texts = _texts(40)
    assert list(clean_many(texts, workers=workers, chunksize=3)) == [textclean.clean(t) for t in texts]


def test_clean_many_is_exported_and_takes_overrides():
    texts = _texts(12)
    config = textclean.Config(drop={"spam"})
    expected = [textclean.clean(t, config=config) for t in texts]
    assert list(textclean.clean_many(texts, workers=2, chunksize=2, drop={"spam"})) == expected
    assert list(textclean.clean_many(texts, workers=2, config=config)) == expected
    assert any("点击次数" in t for t in expected)  # boilerplate kept, as asked


def test_clean_many_checks_options_at_the_call():
    with pytest.raises(TypeError, match="unknown Config option"):
        clean_many(["x"], workers=2, no_such_option=True)
    with pytest.raises(ValueError, match="workers"):
        clean_many(["x"], workers=-1)
    with pytest.raises(ValueError, match="chunksize"):
        clean_many(["x"], chunksize=0)


def _counting(n: int, seen: list[int]):
    for i, text in enumerate(_texts(n)):
        seen.append(i)
        yield text


@pytest.mark.parametrize("workers", [1, 2])
def test_clean_many_reads_input_lazily(workers):
    """The first result needs only a bounded prefix of a (here very long) input."""
    seen: list[int] = []
    results = clean_many(_counting(10_000, seen), workers=workers, chunksize=4)
    first = next(results)
    assert first == textclean.clean(_texts(1)[0])
    bound = 1 if workers == 1 else PENDING_PER_WORKER * workers * 4
    assert len(seen) <= bound
    results.close()


def test_clean_many_raises_a_bad_item_in_its_place():
    texts = _texts(5)
    texts[3] = b"bytes, not text"  # type: ignore[call-overload]
    got = []
    with pytest.raises(TypeError, match="decode first"):
        for out in clean_many(texts, workers=2, chunksize=2):
            got.append(out)
    assert got == [textclean.clean(t) for t in texts[:3]]


def _die_on_seven(state, item):
    if item == 7:
        os._exit(3)  # a crash, not an exception
    return item * state


def test_map_ordered_survives_a_dying_worker():
    results = list(map_ordered(_die_on_seven, range(20), workers=2, state=10, chunksize=3,
                               on_crash=lambda item: -item))
    assert results == [(True, -7 if i == 7 else i * 10) for i in range(20)]
    plain = list(map_ordered(_die_on_seven, range(10), workers=2, state=1, chunksize=4))
    assert [v for ok, v in plain if ok] == [i for i in range(10) if i != 7]
    assert isinstance(plain[7][1], WorkerCrashed)


def _fail_on_two(state, item):
    if item == 2:
        raise ValueError("two")
    return item


@pytest.mark.parametrize("workers", [1, 2])
def test_map_ordered_returns_exceptions_per_item(workers):
    results = list(map_ordered(_fail_on_two, range(5), workers=workers, chunksize=5))
    assert [ok for ok, _ in results] == [True, True, False, True, True]
    assert str(results[2][1]) == "two"


def _jsonl_input(tmp_path):
    records = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(_texts(30))]
    records[4] = "{not json"
    records[9] = json.dumps({"id": 9, "body": "no text field"})
    records[12] = json.dumps({"id": 12, "text": 12})
    records.insert(15, "")  # blank lines are skipped
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    return path


def test_cli_workers_match_serial(tmp_path, capsys):
    path = _jsonl_input(tmp_path)
    outputs, errors = {}, {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}.jsonl"
        code = main(["clean", "--jsonl", "--workers", str(workers), "--summary-field", "removed",
                     str(path), "-o", str(out)])
        assert code == 1  # three bad records
        outputs[workers] = out.read_bytes()
        errors[workers] = capsys.readouterr().err
    assert outputs[1] == outputs[2]
    assert errors[1] == errors[2]
    assert f"{path}:5: invalid JSON" in errors[2]
    assert "30 records read, 30 written" in errors[2] and "3 failed" in errors[2]
    lines = outputs[2].decode("utf-8").splitlines()
    assert lines[4] == "{not json"
    assert json.loads(lines[9])["textclean_error"] == "field 'text' is missing"
    assert json.loads(lines[0])["text"] == textclean.clean(_texts(1)[0])
    assert [json.loads(x)["id"] for i, x in enumerate(lines) if i != 4] == [i for i in range(30) if i != 4]


def test_cli_workers_with_user_rules(tmp_path, capsys):
    rules = tmp_path / "mine.toml"
    rules.write_text(
        '[[rule]]\nid = "mine"\nlabel = "boilerplate"\nscope = "line"\npattern = \'^市民对\'\n'
        'match = ["市民对新工厂表示欢迎。"]\n', encoding="utf-8")
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in PAGES), encoding="utf-8")
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"o{workers}.jsonl"
        assert main(["clean", "--jsonl", "--workers", workers, "--rules", str(rules), str(path), "-o", str(out)]) == 0
        outs.append(out.read_text(encoding="utf-8"))
    assert outs[0] == outs[1]
    assert json.loads(outs[0].splitlines()[-1])["text"] == ""


def test_cli_bad_workers_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "x"}\n', encoding="utf-8")
    assert main(["clean", "--jsonl", "--workers", "-2", str(path)]) == 2
    assert "workers" in capsys.readouterr().err


def test_chunks_close_on_size():
    from textclean.parallel import CHUNK_CHARS, _chunks

    big = "x" * (CHUNK_CHARS // 2 + 1)
    chunks = list(_chunks(itertools.repeat(big, 5), 100, len))
    assert [len(c) for c in chunks] == [2, 2, 1]


class _CountingLines:
    """A byte stream of many JSONL lines that counts how many were read."""

    def __init__(self, n: int) -> None:
        self.read = 0
        self._lines = (json.dumps({"id": i, "text": PAGES[i % len(PAGES)]}, ensure_ascii=False).encode() + b"\n"
                       for i in range(n))

    def __iter__(self):
        for line in self._lines:
            self.read += 1
            yield line


class _FirstWrite:
    """stdout that remembers how many input lines had been read at its first write."""

    def __init__(self, source: _CountingLines) -> None:
        self.source, self.seen, self.lines = source, None, 0

    def write(self, text: str) -> int:
        if self.seen is None:
            self.seen = self.source.read
        self.lines += text.count("\n")
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("workers", ["1", "2"])
def test_cli_jsonl_streams_with_bounded_reading(monkeypatch, capsys, workers):
    """The first record is written long before the input is read to its end."""
    source = _CountingLines(400)
    out = _FirstWrite(source)
    monkeypatch.setattr("sys.stdin", type("In", (), {"buffer": source, "close": lambda self: None})())
    monkeypatch.setattr("sys.stdout", out)
    assert main(["clean", "--jsonl", "--workers", workers, "-"]) == 0
    assert out.lines == 400 and source.read == 400
    # serial: one line ahead; parallel: the chunks in flight (8 records each)
    assert out.seen <= (1 if workers == "1" else PENDING_PER_WORKER * 2 * 8 + 1)


def _always_die(state, item):
    os._exit(4)


def test_map_ordered_gives_up_when_workers_cannot_run():
    with pytest.raises(WorkerCrashed, match="workers=1"):
        list(map_ordered(_always_die, range(50), workers=2, chunksize=5))


def _frozen_objects(state, item):
    import gc

    return gc.get_freeze_count()


def test_workers_freeze_what_they_inherit():
    # the cyclic GC must not walk (and so copy) the parent's models and tables in each worker
    counts = [v for ok, v in map_ordered(_frozen_objects, range(4), workers=2)]
    assert len(counts) == 4 and all(c > 1000 for c in counts)
