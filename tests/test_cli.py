from __future__ import annotations

import io
import json
import sys

import pytest

from textclean.cli import main

PAGE = "- 金沙彩乐园网址 城市夜跑活动\n本地企业宣布投资建设新工厂。\n"


def _run(argv, stdin: bytes = b"", monkeypatch=None):
    return main(argv)


def test_clean_file_to_stdout(tmp_path, capsys):
    path = tmp_path / "page.txt"
    path.write_text(PAGE, encoding="utf-8")
    assert main(["clean", str(path)]) == 0
    assert capsys.readouterr().out == "本地企业宣布投资建设新工厂。\n"


def test_clean_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(PAGE.encode())))
    assert main(["clean", "-"]) == 0
    assert capsys.readouterr().out == "本地企业宣布投资建设新工厂。\n"


def test_output_file_and_in_place(tmp_path):
    src = tmp_path / "page.txt"
    src.write_text(PAGE, encoding="utf-8")
    out = tmp_path / "out.txt"
    assert main(["clean", str(src), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == "本地企业宣布投资建设新工厂。\n"
    assert main(["clean", str(src), "--in-place"]) == 0
    assert src.read_text(encoding="utf-8") == "本地企业宣布投资建设新工厂。\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_keep_boilerplate_option(tmp_path, capsys):
    path = tmp_path / "page.txt"
    path.write_text(PAGE + "相关文章\n", encoding="utf-8")
    assert main(["clean", str(path), "--keep", "boilerplate"]) == 0
    assert "相关文章" in capsys.readouterr().out


def test_explain_table_and_json(tmp_path, capsys):
    path = tmp_path / "page.txt"
    path.write_text(PAGE, encoding="utf-8")
    assert main(["explain", str(path)]) == 0
    out = capsys.readouterr().out
    assert "spam" in out and "gambling-link-line" in out
    assert main(["explain", "--json", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["removed"][0]["label"] == "spam" and data["removed"][0]["start"] == 0


def test_jsonl_round_trip_with_malformed_line(tmp_path, capsys):
    lines = [
        json.dumps({"id": 1, "text": PAGE, "url": "http://a"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": 3, "body": "x"}),
        json.dumps({"id": 4, "text": "干净的新闻。"}, ensure_ascii=False),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["clean", "--jsonl", "--field", "text", "--summary-field", "removed", str(src)])
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert code == 1  # failures are reported, not hidden
    assert len(out) == 4
    first = json.loads(out[0])
    assert first == {"id": 1, "text": "本地企业宣布投资建设新工厂。\n", "url": "http://a", "removed": {"spam": 1}}
    assert out[1] == "{not json"
    assert "textclean_error" in json.loads(out[2])
    assert json.loads(out[3])["text"] == "干净的新闻。"
    assert ":2: invalid JSON" in captured.err and ":3: field 'text' is missing" in captured.err
    assert "4 records read, 4 written, 1 changed, 2 failed" in captured.err


def test_non_utf8_input_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "gbk.txt"
    path.write_bytes("中文新闻".encode("gb18030"))
    assert main(["clean", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_missing_file_and_bad_rule_file(tmp_path, capsys):
    assert main(["clean", str(tmp_path / "absent.txt")]) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]]\nid='x'\n", encoding="utf-8")
    page = tmp_path / "p.txt"
    page.write_text("x", encoding="utf-8")
    assert main(["clean", "--rules", str(bad), str(page)]) == 2
    assert "bad.toml" in capsys.readouterr().err


def test_unknown_label_is_rejected(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["clean", "--keep", "ads", "-"])
    assert exc.value.code == 2


def test_evaluate_command_prints_metrics(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    case = {"id": "a", "text": PAGE, "remove": [{"span": "- 金沙彩乐园网址 城市夜跑活动", "why": "gambling"}]}
    gold.write_text(json.dumps(case, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["evaluate", "--data", str(gold), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["recall_spam"] == 1.0 and metrics["collateral"] == 0.0 and metrics["exact_docs"] == 1


def test_convert_command(tmp_path, capsys):
    path = tmp_path / "s.txt"
    path.write_text("软件和网络\n", encoding="utf-8")
    assert main(["convert", "-c", "s2twp", str(path)]) == 0
    assert capsys.readouterr().out == "軟體和網路\n"
    assert main(["convert", "-c", "nope", str(path)]) == 2
