"""Defect 12 of issue 16: a suggestion replaces exactly the words its highlight covers.

For every shipped entry of the corrective families, applying each of its suggestions over the
finding's span in a sentence containing the term yields the sentence with the standard form, with
no word doubled (国家国家……) or left over (……局局).
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

import pytest

from reviewer.config import load_settings
from reviewer.engine.core import Engine
from reviewer.engine.corrections import apply, replacements, rules


@cache
def engine() -> Engine:
    return Engine.from_settings(load_settings(), classifier=False)


def entries(family: str) -> list[tuple[str, str]]:
    text = files("reviewer.lexicons").joinpath(f"{family}.tsv").read_text("utf-8")
    rows = [r for r in csv.reader((line for line in text.splitlines() if line and not line.startswith("#")),
                                  delimiter="\t", quoting=csv.QUOTE_NONE)]
    return [(row[0], row[4]) for row in rows[1:]]


def corrected(sentence: str, term: str) -> list[str] | None:
    """Each text an editor gets by applying one replacement of the lexicon finding covering ``term``.

    None when no lexicon entry reports it there (a context rule reports it instead, or a longer
    entry of another family covers it): then no lexicon suggestion is offered for it.
    """
    at = sentence.index(term)
    found = [f for f in engine().review(sentence).findings
             if f.source == "lexicon" and f.start <= at and f.end >= at + len(term) and replacements(f)]
    if not found:
        return None
    finding = max(found, key=lambda f: f.end - f.start)
    return [apply(sentence, finding.start, finding.end, r) for r in replacements(finding)]


SENTENCE = "关于“{}”的说明。"


@pytest.mark.parametrize("family", sorted(rules().families))
def test_every_entry_of_a_corrective_family_applies_to_its_standard_form(family):
    wrong, offered = [], 0
    for term, suggestion in entries(family):
        sentence = SENTENCE.format(term)
        want = [SENTENCE.format(s) for s in suggestion.split(rules().separator)]
        got = corrected(sentence, term)
        offered += got is not None
        if got is not None and got != want:
            wrong.append((term, got))
    assert wrong == []
    assert offered >= 0.9 * len(entries(family))


def test_a_national_agencys_old_name_written_with_guojia_is_replaced_whole():
    wrong = []
    for term, suggestion in entries("outdated_name"):
        if suggestion.startswith("国家") and not term.startswith(("国家", "中国")):
            sentence = SENTENCE.format("国家" + term)
            got = corrected(sentence, term)
            if got is None or any("国家国家" in text for text in got):
                wrong.append(term)
    assert wrong == []


@pytest.mark.parametrize("place, written, standard", [
    ("", "国家工商总局", "国家市场监督管理总局"), ("", "中国银监会", "国家金融监督管理总局"),
    ("", "中国保监会", "国家金融监督管理总局"), ("", "中国银保监会", "国家金融监督管理总局"),
    ("示例市", "银保监分局", "金融监管分局"), ("县", "食药监局", "市场监督管理局"), ("示例市", "工商局", "市场监督管理局"),
])
def test_common_longer_forms_are_replaced_by_the_standard_name(place, written, standard):
    sentence = SENTENCE.format(place + written)
    assert corrected(sentence, written) == [SENTENCE.format(place + standard)]


def test_an_instruction_is_never_offered_as_a_replacement():
    found = [f for f in engine().review("限时抢购，欢迎选购。").findings if f.category == "commercial"]
    assert found and all(replacements(f) == [] for f in found)
