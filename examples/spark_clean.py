"""Clean a JSONL or Parquet dataset with Apache Spark.

    pip install "textclean[spark]"
    python examples/spark_clean.py crawl.jsonl clean_out --field text
    spark-submit examples/spark_clean.py s3a://bucket/crawl/ s3a://bucket/clean/ --format parquet

Every row is kept with all its columns; the text column is cleaned in place
(or into --output-field) and a `textclean_error` column says why a row could
not be cleaned (null text, for example). Output is a directory of part files,
in the input's format unless --output-format says otherwise.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence


def _format(path: str, given: str | None) -> str:
    if given:
        return given
    name = path.rstrip("/").lower()
    if name.endswith((".jsonl", ".json", ".jsonl.gz", ".json.gz")):
        return "json"
    return "parquet"  # a directory of part files, as Spark writes them


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("input", help="JSONL file/directory or Parquet file/directory")
    p.add_argument("output", help="output directory")
    p.add_argument("--field", default="text", help="column to clean (default: text)")
    p.add_argument("--output-field", help="write the cleaned text to this column instead")
    p.add_argument("--summary-field", help="add a column with counts of removed spans by label")
    p.add_argument("--format", choices=["json", "parquet"], help="input format (default: from the name)")
    p.add_argument("--output-format", choices=["json", "parquet"], help="default: the input format")
    p.add_argument("--mode", default="errorifexists", choices=["errorifexists", "overwrite"],
                   help="what to do when the output exists")
    p.add_argument("--rules", help="extra rule file (a path every executor can read)")
    p.add_argument("--master", help="Spark master (default: spark-submit's, or local[*] under plain python)")
    return p


def run(spark, args: argparse.Namespace) -> tuple[int, int]:
    """Clean args.input into args.output; returns (rows written, rows with an error)."""
    from pyspark.sql import functions as F

    from textclean.spark import ERROR_FIELD, clean_dataframe

    fmt = _format(args.input, args.format)
    df = spark.read.format(fmt).load(args.input)
    out = clean_dataframe(df, args.field, output_field=args.output_field,
                          summary_field=args.summary_field, rules=args.rules)
    out.write.format(args.output_format or fmt).mode(args.mode).save(args.output)
    # count what was written (for Parquet only the error column is read)
    written = spark.read.format(args.output_format or fmt).load(args.output)
    failed = written.where(F.col(ERROR_FIELD).isNotNull()).count()
    return written.count(), failed


def main(argv: Sequence[str] | None = None, spark=None) -> int:
    args = _parser().parse_args(argv)
    own = spark is None
    if own:
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.appName("textclean")
        if args.master:  # otherwise spark-submit's --master, or local[*] under plain python
            builder = builder.master(args.master)
        spark = builder.getOrCreate()
    try:
        rows, failed = run(spark, args)
    finally:
        if own:
            spark.stop()
    print(f"{rows} rows written to {args.output}, {failed} with {args.field!r} not cleaned "
          f"(see textclean_error)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
