"""Automata built in a child process find what automata built here find, and a child that cannot
start leaves the automata built here instead of failing the lexicon."""

from __future__ import annotations

import logging

from reviewer.engine import aside

WORDS = [[("加微信", 0), ("微信号", 1), ("代购", 2)], [("原国土资源局", 3), ("国土资源", 4)]]
TEXT = "请加微信号wx123咨询代购事宜，原国土资源局已更名。"


def _hits(automata) -> list[list[tuple[int, int]]]:
    return [sorted(automaton.iter(TEXT)) for automaton in automata]


def test_automata_built_in_a_child_find_what_automata_built_here_find():
    assert _hits(aside.build_aside(WORDS)) == _hits(aside.build_here(WORDS))
    assert _hits(aside.build_here(WORDS))[0] == [(3, 0), (4, 1), (13, 2)]


def test_when_the_child_cannot_start_the_automata_are_built_here_and_the_reason_logged(monkeypatch, caplog):
    monkeypatch.setattr(aside.sys, "executable", "/nonexistent/python")
    with caplog.at_level(logging.WARNING, logger="reviewer.engine.aside"):
        built = aside.build_aside(WORDS)
    assert _hits(built) == _hits(aside.build_here(WORDS))
    assert "改在本进程构建" in caplog.text
