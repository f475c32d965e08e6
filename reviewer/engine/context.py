"""Rules that read a finding's sentence: former names, quoted fraud, and political pairs.

A lexicon term is a word; whether it is a problem often depends on the sentence around it. An
outdated agency name marked as former (原国土资源部, 国土资源局（现自然资源局）, or in a sentence about
2015) is history, not a mistake; an ad phrase inside an anti-fraud warning is quoted, not offered.
Such findings are lowered to ``info`` with the reason, never silently dropped, and only by their
own sentence, so an ad appended under a warning still fires. The rules are data
(``lexicons/context.toml``).

Political pairs (台湾 among 国家, 中港两地, 中国和台湾) are findings of their own, read from the same file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from reviewer.engine.findings import Finding
from reviewer.engine.lexicon import Category
from reviewer.engine.normalize import View

#: Sentence ends: a finding is judged by the text between two of these.
SENTENCE_END = re.compile(r"[。！？!?；;\n]")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
LOOK_BEFORE = 6
#: An administrative level between the marker and the name: 原县国土资源局, 原市卫计委.
ADMIN_LEVEL = re.compile(r"(?:省|市|县|区|乡|镇|州|盟|旗|自治区|自治州|自治县)$")


@dataclass(frozen=True)
class Relaxation:
    """Markers that show a finding of some categories is not a problem in its sentence."""

    categories: frozenset[str]
    note: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    sentence: tuple[str, ...] = ()
    reform_year: int | None = None


@dataclass(frozen=True)
class PoliticalRule:
    rule: str
    pattern: re.Pattern
    suggestion: str
    note: str


@lru_cache(maxsize=1)
def rules() -> tuple[tuple[Relaxation, ...], tuple[PoliticalRule, ...]]:
    """The rules of ``lexicons/context.toml``, loaded once."""
    data = tomllib.loads(resources.files("reviewer.lexicons").joinpath("context.toml").read_text("utf-8"))
    relaxations = tuple(
        Relaxation(frozenset(spec["categories"]), spec["note"], tuple(spec.get("before", ())),
                   tuple(spec.get("after", ())), tuple(spec.get("sentence", ())), spec.get("reform_year"))
        for name, spec in data.items() if name != "political")
    political = tuple(PoliticalRule(spec["rule"], re.compile(spec["pattern"]), spec["suggestion"], spec["note"])
                      for spec in data.get("political", ()))
    return relaxations, political


def sentence_bounds(plain: str, start: int, end: int) -> tuple[int, int]:
    """The bounds, in ``plain``, of the sentence holding [start, end)."""
    left = max((m.end() for m in SENTENCE_END.finditer(plain, 0, start)), default=0)
    right = SENTENCE_END.search(plain, end)
    return left, right.start() if right else len(plain)


def _named_year(note: str | None, default: int | None) -> int | None:
    found = YEAR.search(note or "")
    return max(int(found.group(1)), default or 0) if found else default


def _why(rule: Relaxation, finding: Finding, plain: str, start: int, end: int) -> str | None:
    """The marker that relaxes ``finding`` (its span is [start, end) in ``plain``), else None."""
    left, right = sentence_bounds(plain, start, end)
    before = ADMIN_LEVEL.sub("", plain[max(left, start - LOOK_BEFORE):start])
    for marker in rule.before:
        if before.endswith(marker):
            return f"前有“{marker}”"
    after = plain[end:right]
    for marker in rule.after:
        if after.startswith(marker):
            return f"后有“{marker}”"
    sentence = plain[left:right]
    for marker in rule.sentence:
        if marker in sentence:
            return f"同句有“{marker}”"
    limit = _named_year(finding.note, rule.reform_year) if rule.reform_year else None
    if limit:
        for year in YEAR.findall(sentence):
            if int(year) <= limit:
                return f"同句所述为{year}年的情况"
    return None


#: A dated document names its date near the top: 发布时间: 2020-11-11, 成文日期：2020年11月11日.
DOCUMENT_DATE = re.compile(r"(?:发布时间|发布日期|成文日期|印发日期|日期)\s*[:：]\s*((?:19|20)\d{2})")
DATE_WINDOW = 300


def document_year(plain: str) -> int | None:
    """The year a dated document states near its top, else None."""
    found = DOCUMENT_DATE.search(plain[:DATE_WINDOW])
    return int(found.group(1)) if found else None


def relax(findings: Iterable[Finding], plain: View, as_of_year: int | None = None) -> list[Finding]:
    """``findings`` with those that their own sentence shows to be harmless lowered to ``info``.

    ``as_of_year`` is when the text was written (an inspected post's date, or the date a document
    states): a name renamed after it was still current then.
    """
    relaxations, _ = rules()
    as_of_year = as_of_year or document_year(plain.text)
    by_category = {category: r for r in reversed(relaxations) for category in r.categories}
    out = []
    for finding in findings:
        rule = by_category.get(finding.category)
        if rule is None or finding.severity == "info":
            out.append(finding)
            continue
        # the plain-view span of the finding: the view keeps original positions in ascending order
        start = int(plain.positions.searchsorted(finding.start))
        end = int(plain.positions.searchsorted(finding.end))
        why = _why(rule, finding, plain.text, start, end)
        limit = _named_year(finding.note, rule.reform_year) if rule.reform_year else None
        if why is None and as_of_year and limit and as_of_year <= limit:
            why = f"文本写于{as_of_year}年，当时该名称仍在使用"
        out.append(replace(finding, severity="info", note=rule.note.format(why=why)) if why else finding)
    return out


def political(original: str, plain: View, category: Category | None) -> list[Finding]:
    """Findings for 台湾、香港、澳门 listed among countries or set beside 中国 as equals."""
    if category is None or not any(ch in plain.text for ch in "台港澳"):
        return []
    _, patterns = rules()
    found = []
    for rule in patterns:
        for match in rule.pattern.finditer(plain.text):
            start, end = plain.span(match.start(), match.end())
            found.append(Finding(start, end, original[start:end], category.name, category.gate, category.severity,
                                 rule.rule, rule.suggestion, "pattern", rule.note))
    return found
