"""The review engine: text in, findings and a verdict out. Pure Python, no web framework.

    text ─► views (normalize.py) ─┬► lexicon automaton (lexicon.py) ─┐
                                  ├► pattern rules (patterns.py) ────┼► findings ─► verdict
                                  └► classifier (classifier.py) ─────┘

The classifier's grams and words and the offer rule's anchors ride on the lexicon's automaton
(``riders.py``), so the one walk over the compact view serves all three.

Gates and severities come from the rule families in ``lexicons/categories.tsv`` unless a lexicon
entry overrides them; the verdict is the worst severity found.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any

from reviewer.config import Settings, load_settings
from reviewer.engine import aside, context, leaders, offers, patterns
from reviewer.engine.findings import Finding, Report, verdict
from reviewer.engine.lexicon import Category, Lexicon, load_categories
from reviewer.engine.normalize import views as all_views
from reviewer.engine.riders import Riders, Walk
from reviewer.errors import InputError
from reviewer.vocabulary import KINDS


@dataclass
class Engine:
    """A loaded lexicon and pattern set (and, when available, the classifier) ready to review."""

    settings: Settings
    lexicon: Lexicon
    categories: dict[str, Category]
    classifier: Any = None
    known_leaders: tuple[leaders.Leader, ...] = ()  # a unit's leaders and their titles (leaders.tsv)
    overlay: Any = None  # the database's lexicon (overlay.Overlay), laid over the files' one
    riders: Riders | None = None  # what rides on the lexicon's automaton (from_settings builds it so)
    _context: patterns.Context = field(init=False)
    _riding: Riders | None = field(init=False)
    _shared_walk: bool = field(init=False)

    def __post_init__(self) -> None:
        self._context = patterns.Context(tuple(self.settings.allowed_domains))
        # the lexicon's walk finds these riders' keys only if it was built with them; else each reader walks alone
        riders = self.riders
        self._riding = riders if riders is not None and self.lexicon.features is riders.keys else None
        keys = getattr(self.classifier, "scan_keys", None)
        self._shared_walk = bool(keys) and self._riding is not None and self._riding.classifier is keys

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, classifier: bool | None = None,
                      aside_build: bool = False) -> Engine:
        """Load the shipped lexicons plus the configured folders, and the classifier if enabled.
        ``aside_build``: the automaton is built in a child process (``engine.aside``), for a rebuild
        while the service runs."""
        settings = settings or load_settings()
        model = None
        if settings.classifier_enabled if classifier is None else classifier:
            model = _load_classifier(settings)
        # the classifier's grams and words and the offer anchors ride on the lexicon's automaton: one walk finds all
        riders = Riders.build(model.scan_keys if model is not None else ())
        lexicon = Lexicon.load(settings.lexicon_dirs, units=settings.unit_lexicon_dir,
                               build=aside.build_aside if aside_build else aside.build_here, features=riders.keys)
        return cls(settings, lexicon, load_categories(settings.lexicon_dirs), model, leaders.load(settings.lexicon_dirs),
                   riders=riders)

    @property
    def lexicon_version(self) -> int:
        """The database lexicon version this engine judges with (0: the files alone)."""
        return self.overlay.version if self.overlay is not None else 0

    def fingerprints(self) -> dict[str, str | None]:
        """What this engine judges with: the lexicon's sha256 and the model file's (None if no model).

        The service compares these with the last audit entries at start-up, so every lexicon or
        model change is on record.
        """
        model = getattr(self.classifier, "metadata", None) or {}
        return {"lexicon": self.lexicon.fingerprint(), "model": model.get("model_sha256")}

    def _with_family_defaults(self, findings: list[Finding]) -> list[Finding]:
        """Classifier findings take their gate and severity from ``categories.tsv``, like every family."""
        out = []
        for f in findings:
            family = self.categories.get(f.category)
            out.append(replace(f, gate=family.gate, severity=family.severity) if family else f)
        return out

    def review(self, text: str, kind: str = "post", *, duty: str | None = None,
               classify: bool = True, as_of_year: int | None = None, units: Iterable[str] = ()) -> Report:
        """Review one text: every finding points at ``text[start:end]`` of the text given.

        ``as_of_year`` says when the text was written (an inspected post's date): names renamed
        later were correct then. ``units`` are the account's unit and those above it (ids as
        text): their own lexicon entries apply, other units' do not.
        """
        if not isinstance(text, str):
            raise InputError("待审核内容必须是文本", "invalid_text")
        if kind not in KINDS:
            raise InputError(f"内容类型“{kind}”无效，应为 post（发布内容）或 reply（留言回复）", "invalid_kind")
        if len(text) > self.settings.max_chars:
            raise InputError(
                f"文本过长：{len(text)} 字，超过上限 {self.settings.max_chars} 字，请分段审核", "text_too_long"
            )
        if not text.strip():
            return Report("pass", [], {})
        views = all_views(text)
        flat = self.lexicon.scan(views["compact"].text)
        findings = self.lexicon.match(text, views["compact"], views["plain"], units, flat)
        if self.overlay is not None:
            findings = self.overlay.apply(findings, text, views, units, self.categories)
        found = self.lexicon.features_found(flat) if self._riding is not None else None
        gates = {offers.RULE: self._riding.offer_gate(found)} if found is not None else {}
        findings.extend(patterns.match(text, views, self.categories, self._context, gates))
        findings.extend(context.political(text, views["plain"], self.categories.get("political_expression")))
        findings.extend(leaders.find(text, views["plain"], self.known_leaders, self.categories.get("leader_title")))
        findings = context.relax(findings, views["plain"], as_of_year)
        labels: dict[str, float] = {}
        if classify and self.classifier is not None:
            judged = tuple(self.settings.classifier_labels.get(kind, ()))
            walk = Walk(self._riding.classifier_keys(found), views["compact"].codes) if self._shared_walk else None
            labels, more = self.classifier.assess(text, kind=kind, duty=duty, judged=judged, walk=walk)
            findings.extend(self._with_family_defaults(more))
        findings = _dedupe(findings)
        return Report(verdict(findings), findings, labels)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Text order; one finding per span and category (a lexicon term and a pattern may agree,
    and then the pattern's finding is kept). Pattern findings go first into a stable sort, so
    they lead among findings of the same span."""
    ordered = [f for f in findings if f.source == "pattern"]
    ordered.extend(f for f in findings if f.source != "pattern")
    ordered.sort(key=_SPAN)
    seen: set[tuple[int, int, str]] = set()
    out = []
    for f in ordered:
        key = (f.start, f.end, f.category)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


_SPAN = attrgetter("start", "end")


def _load_classifier(settings: Settings) -> Any:
    """The trained classifier, or None when the package ships no model yet."""
    try:
        from reviewer.engine import classifier
    except ImportError:
        return None
    if settings.model_path is not None:
        return classifier.Classifier.load(settings.model_path)
    return classifier.load_default()


#: the settings an engine depends on; apps that differ only in other settings share one engine
_ENGINE_FIELDS = ("lexicon_dirs", "unit_lexicon_dir", "allowed_domains", "max_chars", "classifier_enabled", "classifier_labels",
                  "model_path")
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def load_engine(settings: Settings) -> Engine:
    """The engine for ``settings``, loaded once per distinct engine settings for the process.

    Loading takes about a second (lexicon automaton, view tables, model); apps and commands that
    differ only in other settings share one engine.
    """
    key = repr([getattr(settings, name) for name in _ENGINE_FIELDS])
    engine = _engines.get(key)
    if engine is None:
        with _lock:
            engine = _engines.get(key)
            if engine is None:
                engine = _engines[key] = Engine.from_settings(settings)
    return engine
