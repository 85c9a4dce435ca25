"""Data-driven cases: spam, boilerplate, negatives that must survive, known failures."""
from __future__ import annotations

import pytest

import textclean
from conftest import ROOT, read_jsonl

CASES = ROOT / "tests" / "cases"


def _params(name: str):
    return [pytest.param(c, id=c["id"]) for c in read_jsonl(CASES / name)]


@pytest.mark.parametrize("case", _params("spam.jsonl") + _params("boilerplate.jsonl"))
def test_removes_what_it_should(case):
    assert textclean.clean(case["text"]) == case["expect"]


@pytest.mark.parametrize("case", _params("negatives.jsonl"))
def test_negatives_come_back_byte_identical(case):
    assert textclean.clean(case["text"]) == case["text"]


@pytest.mark.parametrize("case", _params("known_failures.jsonl"))
def test_known_failures(case):
    if textclean.clean(case["text"]) != case["expect"]:
        pytest.xfail(case["why"])
    pytest.fail(f"known failure {case['id']} now passes: move it to the passing cases")
