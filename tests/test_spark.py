"""textclean.spark: the mapInPandas cleaner in pandas alone, then in Spark local mode.

The local-mode tests start one small JVM (local[2], 512 MB driver) and skip
only where Java is absent.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import textclean
import textclean.spark as tspark
from conftest import ROOT

EXAMPLES = ROOT / "examples"
PAGES = {name: (EXAMPLES / f"{name}.txt").read_text(encoding="utf-8")
         for name in ("spam_farm_page", "casino_news", "traditional_wechat")}
SPAM_LINE = "- 金沙彩乐园网址 城市夜跑活动吸引上万市民参加"
ARTICLE_SENTENCE = "据报道,本地一家电池企业本周宣布,将投资20亿元在城东新区建设第二座工厂"


def _batch(texts: list) -> pd.DataFrame:
    return pd.DataFrame({"id": list(range(len(texts))), "url": [f"u{i}" for i in range(len(texts))],
                         "text": pd.Series(texts, dtype=object)})


# a user rule file (on top of the shipped rules) that drops the lottery results line
EXTRA_RULES = """version = 1
[[rule]]
id = "test-lottery-results"
label = "lottery"
scope = "line"
pattern = '大乐透第\\d+期开奖结果'
match = ["体彩大乐透第25031期开奖结果公布"]
no_match = ["澳门上月博彩收入按年增长12%"]
"""
CASINO_WITHOUT_RESULTS = "".join(
    line for line in PAGES["casino_news"].splitlines(keepends=True) if "开奖结果" not in line)


# --- pandas only: what each executor runs ------------------------------------------


def test_import_textclean_spark_loads_no_heavy_package():
    code = ("import sys, textclean, textclean.spark;"
            "print([m for m in ('pyspark', 'pandas', 'pyarrow') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_partitions_clean_keep_every_row_and_column_and_report_bad_rows():
    texts = [PAGES["spam_farm_page"], None, 42, float("nan"), PAGES["casino_news"]]
    out = list(tspark.clean_partitions(iter([_batch(texts[:3]), _batch(texts[3:])]), "text",
                                       summary_field="removed"))
    assert [len(b) for b in out] == [3, 2]
    first, second = out
    assert list(first.columns) == ["id", "url", "text", "removed", "textclean_error"]
    assert first["url"].tolist() == ["u0", "u1", "u2"]
    assert first["text"][0] == textclean.clean(PAGES["spam_farm_page"])
    assert SPAM_LINE not in first["text"][0] and ARTICLE_SENTENCE in first["text"][0]
    assert first["removed"][0]["spam"] >= 3
    assert first["textclean_error"].tolist() == [None, "field 'text' is null", "field 'text' is a int, not a string"]
    assert first["text"][2] == 42  # a bad value cleaned in place is kept as it was
    assert second["textclean_error"].tolist() == ["field 'text' is null", None]
    assert second["text"][1] == PAGES["casino_news"]  # news about gambling is content


def test_partitions_write_output_field_and_keep_the_input():
    (out,) = tspark.clean_partitions(iter([_batch([PAGES["spam_farm_page"], None])]), "text", output_field="clean")
    assert out["text"][0] == PAGES["spam_farm_page"]
    assert out["clean"].tolist() == [textclean.clean(PAGES["spam_farm_page"]), None]


def test_a_row_that_makes_the_cleaner_raise_gets_an_error(monkeypatch):
    import textclean.pipeline as pipeline

    real = pipeline.clean_and_explain

    def flaky(text, **kw):
        if "boom" in text:
            raise RuntimeError("boom")
        return real(text, **kw)

    monkeypatch.setattr(pipeline, "clean_and_explain", flaky)
    (out,) = tspark.clean_partitions(iter([_batch(["boom", PAGES["spam_farm_page"]])]))
    assert out["text"].tolist() == ["boom", textclean.clean(PAGES["spam_farm_page"])]
    assert out["textclean_error"].tolist() == ["RuntimeError: boom", None]


def test_rules_and_model_paths_load_once_per_process(monkeypatch, tmp_path):
    import textclean.model
    import textclean.rules
    from textclean.paths import models_dir

    rule_file = tmp_path / "extra.toml"
    rule_file.write_text(EXTRA_RULES, encoding="utf-8")
    calls: list[tuple[str, str]] = []
    real_rules, real_model = textclean.rules.load_rules, textclean.model.load_model
    monkeypatch.setattr(textclean.rules, "load_rules", lambda *p: calls.append(("rules", *p)) or real_rules(*p))
    monkeypatch.setattr(textclean.model, "load_model", lambda p=None: calls.append(("model", p)) or real_model(p))
    monkeypatch.setattr(tspark, "_loaded", {})
    options = dict(rules=str(rule_file), model=str(models_dir() / "spam"))
    for _ in range(3):  # three tasks in one worker, two batches each
        batches = iter([_batch([PAGES["spam_farm_page"]]), _batch([PAGES["casino_news"]])])
        cleaned = [b["text"][0] for b in tspark.clean_partitions(batches, **options)]
        assert cleaned == [textclean.clean(PAGES["spam_farm_page"]), CASINO_WITHOUT_RESULTS]
    # (the shipped model, loaded for the reference clean() here, has no path)
    assert sorted(c for c in calls if c[1] is not None) == [("model", options["model"]), ("rules", options["rules"])]


# --- Spark local mode ------------------------------------------------------------


def _java() -> bool:
    home = os.environ.get("JAVA_HOME")
    return shutil.which("java") is not None or bool(home and Path(home, "bin", "java").exists())


@pytest.fixture(scope="module")
def spark():
    if not _java():
        pytest.skip("Java is not installed (no java on PATH, no JAVA_HOME): Spark local mode needs a JVM")
    from pyspark.sql import SparkSession

    saved = {k: os.environ.get(k) for k in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON", "SPARK_LOCAL_IP")}
    # executors' Python workers must be this interpreter (the one with textclean)
    os.environ.update(PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable,
                      SPARK_LOCAL_IP="127.0.0.1")
    session = (
        SparkSession.builder.master("local[2]").appName("textclean-test")
        .config("spark.driver.memory", "512m")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _records() -> list[dict]:
    rows = [{"id": i, "url": f"http://news.example/{name}", "text": text}
            for i, (name, text) in enumerate(PAGES.items())]
    rows.append({"id": 3, "url": "http://news.example/empty", "text": None})
    return rows


def test_clean_dataframe_in_local_mode(spark):
    from textclean.spark import clean_dataframe

    df = spark.createDataFrame(_records(), "id long, url string, text string").repartition(2)
    out = clean_dataframe(df, "text", output_field="clean", summary_field="removed")
    assert out.columns == ["id", "url", "text", "clean", "removed", "textclean_error"]
    rows = {r["id"]: r.asDict() for r in out.collect()}
    assert sorted(rows) == [0, 1, 2, 3]
    for i, text in enumerate(PAGES.values()):
        # executors clean exactly as the library does in this process
        assert rows[i]["clean"] == textclean.clean(text)
        assert rows[i]["text"] == text and rows[i]["textclean_error"] is None
    assert SPAM_LINE not in rows[0]["clean"] and ARTICLE_SENTENCE in rows[0]["clean"]
    assert rows[0]["removed"]["spam"] >= 3
    assert rows[3]["clean"] is None and rows[3]["textclean_error"] == "field 'text' is null"
    with pytest.raises(ValueError, match="no column 'body'"):
        clean_dataframe(df, "body")


def _example():
    spec = importlib.util.spec_from_file_location("spark_clean", EXAMPLES / "spark_clean.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_cleans_jsonl_and_parquet(spark, tmp_path, capsys):
    example = _example()
    src = tmp_path / "crawl.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for rec in _records():
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    # JSONL in, JSONL out, text cleaned in place; the null row makes the exit code 1
    assert example.main([str(src), str(tmp_path / "out_json"), "--field", "text"], spark=spark) == 1
    assert "4 rows written" in capsys.readouterr().err
    got = [json.loads(line) for part in sorted((tmp_path / "out_json").glob("part-*"))
           for line in part.read_text(encoding="utf-8").splitlines()]
    by_id = {r["id"]: r for r in got}
    assert sorted(by_id) == [0, 1, 2, 3]
    assert by_id[0]["text"] == textclean.clean(PAGES["spam_farm_page"])
    assert by_id[1]["url"] == "http://news.example/casino_news"
    assert by_id[3]["textclean_error"] == "field 'text' is null"

    # Parquet in, Parquet out, into a new column
    pq = tmp_path / "crawl.parquet"
    pd.DataFrame(_records()[:3]).to_parquet(pq)
    out = tmp_path / "out_parquet"
    assert example.main([str(pq), str(out), "--field", "text", "--output-field", "clean"], spark=spark) == 0
    table = pd.read_parquet(out).sort_values("id")
    assert table["clean"].tolist() == [textclean.clean(t) for t in PAGES.values()]
    assert table["text"].tolist() == list(PAGES.values())
    assert table["textclean_error"].isna().all()
