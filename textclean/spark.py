"""Apache Spark helpers: clean a text column of a DataFrame with ``mapInPandas``.

pyspark and pandas are imported inside the functions, so ``import textclean``
never needs them (install with ``pip install "textclean[spark]"``).

Executors run :func:`clean_partitions` in their Python workers. The models
(the shipped ones, or rule files and models given as paths) load on a worker's
first batch and stay in module-level caches for every later batch and task;
Spark reuses Python workers between tasks by default
(``spark.python.worker.reuse``), so a model loads once per worker process, not
once per partition.

The cleaner never drops a row and keeps every other column. A row whose field
is null or not a string, or whose text makes the cleaner raise, keeps its value
and gets a message in the error column (``textclean_error``) instead of
failing the job.
"""
from __future__ import annotations

import functools
import logging
import threading
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .config import DEFAULT, Config

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

__all__ = ["ERROR_FIELD", "clean_dataframe", "clean_partitions", "output_schema", "worker_config"]

log = logging.getLogger(__name__)

#: column that holds a row's error message (null when the row was cleaned)
ERROR_FIELD = "textclean_error"

# (kind, path) -> loaded rule set or model; filled once per worker process
_loaded: dict[tuple[str, str], Any] = {}
_loaded_lock = threading.Lock()


def _load_once(kind: str, path: str) -> Any:
    key = (kind, path)
    if key not in _loaded:
        with _loaded_lock:
            if key not in _loaded:
                from .model import load_model
                from .rules import load_rules

                _loaded[key] = load_rules(path) if kind == "rules" else load_model(path)
                log.debug("textclean worker loaded %s from %s", kind, path)
    return _loaded[key]


def worker_config(config: Config | None = None, rules: str | None = None, model: str | None = None) -> Config:
    """The config to clean with in this process.

    *rules* and *model* are paths (a rule file, a model directory) that every
    executor can read. They are loaded here, on the executor, the first time a
    process asks, and reused after; a loaded rule set or model put in *config*
    itself would instead be pickled and shipped with every task. The shipped
    default rules and models need no path: they load once per process anyway.
    """
    base = config or DEFAULT
    overrides: dict[str, Any] = {}
    if rules is not None:
        overrides["rules"] = _load_once("rules", rules)
    if model is not None:
        overrides["model"] = _load_once("model", model)
    return base.replace(**overrides) if overrides else base


def _problem(value: Any) -> str | None:
    import pandas as pd

    if isinstance(value, str):
        return None
    # pandas shows a null as None, NaN or NA depending on the column's dtype
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "null"
    return f"a {type(value).__name__}, not a string"


def clean_partitions(
    batches: Iterable["pd.DataFrame"],
    field: str = "text",
    *,
    output_field: str | None = None,
    config: Config | None = None,
    rules: str | None = None,
    model: str | None = None,
    summary_field: str | None = None,
    error_field: str = ERROR_FIELD,
) -> Iterator["pd.DataFrame"]:
    """Clean column *field* of each pandas batch (the function ``mapInPandas`` wants).

    Bind the options with :func:`functools.partial` and pass the output schema
    from :func:`output_schema`, or use :func:`clean_dataframe`, which does both.
    The cleaned text goes to *output_field* (default: *field*, replaced in
    place); *summary_field*, if given, gets counts of removed spans by label.
    """
    from .pipeline import clean_and_explain

    ready = worker_config(config, rules, model)
    target = output_field or field
    for batch in batches:
        values = batch[field].tolist() if field in batch.columns else [None] * len(batch)
        cleaned: list[Any] = []
        errors: list[str | None] = []
        summaries: list[dict[str, int] | None] = []
        for value in values:
            problem = "missing" if field not in batch.columns else _problem(value)
            if problem is not None:
                # no text: keep the value where the field is cleaned in place
                cleaned.append(value if target == field else None)
                errors.append(f"field {field!r} is {problem}")
                summaries.append(None)
                continue
            try:
                report = clean_and_explain(value, config=ready, scores=False)
            except Exception as exc:  # one bad row must not fail the job
                cleaned.append(value if target == field else None)
                errors.append(f"{type(exc).__name__}: {exc}")
                summaries.append(None)
                continue
            cleaned.append(report.cleaned)
            errors.append(None)
            summaries.append(report.counts() if summary_field else None)
        out = batch.copy(deep=False)
        out[target] = _column(cleaned, batch, target)
        if summary_field:
            out[summary_field] = _column(summaries, batch, summary_field)
        out[error_field] = _column(errors, batch, error_field)
        yield out


def _column(values: list[Any], batch: "pd.DataFrame", name: str) -> Any:
    # object dtype: keeps None as null and str as str whatever pandas' string default
    import pandas as pd

    return pd.Series(values, index=batch.index, dtype=object, name=name)


def output_schema(
    schema: "StructType",
    field: str = "text",
    *,
    output_field: str | None = None,
    summary_field: str | None = None,
    error_field: str = ERROR_FIELD,
) -> "StructType":
    """The schema :func:`clean_partitions` returns for input *schema*.

    Every input column stays, in order; new columns (the output field, the
    summary, the error) are appended, and a column that already exists is
    reused in place.
    """
    from pyspark.sql.types import IntegerType, MapType, StringType, StructField, StructType

    columns = list(schema.fields)
    names = [f.name for f in columns]

    def put(new: StructField) -> None:
        if new.name in names:
            columns[names.index(new.name)] = new
        else:
            columns.append(new)
            names.append(new.name)

    target = output_field or field
    if target != field or target not in names:
        put(StructField(target, StringType(), True))
    if summary_field:
        put(StructField(summary_field, MapType(StringType(), IntegerType(), False), True))
    put(StructField(error_field, StringType(), True))
    return StructType(columns)


def clean_dataframe(
    df: "DataFrame",
    field: str = "text",
    *,
    output_field: str | None = None,
    config: Config | None = None,
    rules: str | None = None,
    model: str | None = None,
    summary_field: str | None = None,
    error_field: str = ERROR_FIELD,
) -> "DataFrame":
    """*df* with column *field* cleaned (lazily, like any Spark transformation).

    Same rows, same columns plus the error column (and *output_field* /
    *summary_field* when given). *rules* and *model* are paths that every
    executor can read; each executor's Python worker loads them once.
    """
    if field not in df.columns:
        raise ValueError(f"no column {field!r} to clean; the DataFrame has {df.columns}")
    if config is not None and not isinstance(config, Config):
        raise TypeError(f"config must be a textclean.Config, not {type(config).__name__}")
    options: dict[str, Any] = dict(
        output_field=output_field, summary_field=summary_field, error_field=error_field
    )
    schema = output_schema(df.schema, field, **options)
    # a partial of a module-level function pickles by reference: executors
    # import textclean themselves instead of receiving its code
    func = functools.partial(clean_partitions, field=field, config=config, rules=rules, model=model, **options)
    return df.mapInPandas(func, schema=schema)
