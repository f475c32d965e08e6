"""The review engine: text in, findings and a verdict out.

Owns normalisation (views with offset maps), the lexicon automaton, the pattern rules, the
classifier and the finding/verdict shape. Pure: no database, no web framework, no workflow.

May import: reviewer.engine, reviewer.errors, reviewer.config, reviewer.vocabulary
"""

from __future__ import annotations

from reviewer.engine.core import Engine, load_engine
from reviewer.engine.findings import Finding, Report, verdict

__all__ = ["Engine", "Finding", "Report", "load_engine", "verdict"]
