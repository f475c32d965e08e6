"""Lexicon and model changes reach the audit trail when the service starts and after training."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from conftest import TEST_AUDIT_KEY, TEST_SECRET_KEY
from sqlalchemy import select

from reviewer.audit import changes
from reviewer.audit.chain import AuditEntry
from reviewer.cli import main
from reviewer.config import Settings
from reviewer.engine.core import Engine
from reviewer.storage import make_engine, make_session_factory

EXTRA_TERM = "本单位自定禁用语"


@pytest.fixture(scope="module")
def review_engine() -> Engine:
    """The shipped lexicon with the committed model, loaded once for this module."""
    return Engine.from_settings(Settings(instance_path=Path("/nonexistent")))


@pytest.fixture
def extra_lexicon(tmp_path: Path) -> Path:
    """A lexicon folder that adds one term to the shipped lexicon."""
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "commercial.txt").write_text(f"{EXTRA_TERM}\n", encoding="utf-8")
    return folder


def change_entries(db_url: str) -> list[AuditEntry]:
    database = make_engine(db_url)
    try:
        with make_session_factory(database)() as session:
            return list(session.scalars(select(AuditEntry).where(AuditEntry.event.in_(changes.EVENTS.values()))
                                        .order_by(AuditEntry.seq)))
    finally:
        database.dispose()


def test_first_start_records_the_lexicon_and_the_model(settings, review_engine):
    assert changes.record_in_database(settings, "服务启动", review_engine) == ["lexicon.change", "model.change"]
    lexicon, model = change_entries(settings.database_url)
    fingerprints = review_engine.fingerprints()
    assert lexicon.details_dict["sha256"] == fingerprints["lexicon"]
    assert lexicon.details_dict["entries"] == len(review_engine.lexicon)
    assert lexicon.details_dict["previous_sha256"] is None
    assert model.details_dict["sha256"] == fingerprints["model"]
    assert model.details_dict["trained_at"] == review_engine.classifier.metadata["trained_at"]


def test_an_unchanged_restart_records_nothing(settings, review_engine):
    changes.record_in_database(settings, "服务启动", review_engine)
    assert changes.record_in_database(settings, "服务启动", review_engine) == []
    assert len(change_entries(settings.database_url)) == 2


def test_a_lexicon_folder_with_one_more_term_records_one_lexicon_change(settings, review_engine, extra_lexicon):
    changes.record_in_database(settings, "服务启动", review_engine)
    extended = Engine.from_settings(replace(settings, lexicon_dirs=(extra_lexicon,)), classifier=False)
    extended = replace(extended, classifier=review_engine.classifier)
    assert changes.record_in_database(settings, "服务启动", extended) == ["lexicon.change"]
    entry = change_entries(settings.database_url)[-1]
    assert entry.details_dict["entries"] == len(review_engine.lexicon) + 1
    assert entry.details_dict["previous_sha256"] == review_engine.fingerprints()["lexicon"]
    assert entry.details_dict["extra_dirs"] == [str(extra_lexicon)]


def test_no_model_on_a_trail_that_never_had_one_records_nothing_for_the_model(settings, review_engine):
    without_model = replace(review_engine, classifier=None)
    assert changes.record_in_database(settings, "服务启动", without_model) == ["lexicon.change"]


def test_a_removed_model_is_recorded_once_the_trail_named_one(settings, review_engine):
    changes.record_in_database(settings, "服务启动", review_engine)
    without_model = replace(review_engine, classifier=None)
    assert changes.record_in_database(settings, "服务启动", without_model) == ["model.change"]
    assert change_entries(settings.database_url)[-1].details_dict["sha256"] is None


def test_a_retrained_model_records_its_new_hash_and_metadata(settings, review_engine):
    changes.record_in_database(settings, "服务启动", review_engine)
    metadata = {**review_engine.classifier.metadata, "model_sha256": "ab" * 32, "corpus_size": 12}
    retrained = replace(review_engine, classifier=SimpleNamespace(metadata=metadata))
    assert changes.record_in_database(settings, "reviewer train", retrained) == ["model.change"]
    entry = change_entries(settings.database_url)[-1]
    assert entry.details_dict["sha256"] == "ab" * 32 and entry.details_dict["corpus_size"] == 12
    assert entry.details_dict["previous_sha256"] == review_engine.fingerprints()["model"]


# --------------------------------------------------------------------------------------------- reviewer serve


@pytest.fixture
def serve_env(db_url: str, monkeypatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """The environment of a configured deployment on the test database; returns monkeypatch to change it."""
    monkeypatch.delenv("REVIEWER_CONFIG", raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REVIEWER_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("REVIEWER_AUDIT_KEY", TEST_AUDIT_KEY)
    monkeypatch.setenv("REVIEWER_INSTANCE", str(tmp_path / "instance"))
    return monkeypatch


def serve_on_busy_port() -> object:
    """Run ``reviewer serve`` on a port already taken: it records changes, then stops with exit 2."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        return CliRunner().invoke(main, ["serve", "--port", str(busy.getsockname()[1])])


def test_serve_records_a_changed_lexicon_folder_and_a_restart_records_nothing(serve_env, db_url, extra_lexicon):
    first = serve_on_busy_port()
    assert first.exit_code == 2 and "词库变更" in first.output, first.output
    serve_env.setenv("REVIEWER_LEXICON_DIRS", str(extra_lexicon))
    second = serve_on_busy_port()
    assert "词库变更" in second.output and "模型变更" not in second.output, second.output
    third = serve_on_busy_port()
    assert "已记入审计日志" not in third.output, third.output
    events = [e.event for e in change_entries(db_url)]
    assert events == ["lexicon.change", "model.change", "lexicon.change"]


# --------------------------------------------------------------------------------------------- reviewer train


@pytest.mark.slow
def test_train_records_the_model_it_wrote_when_the_database_is_migrated(serve_env, db_url, tmp_path):
    from test_classifier_training import small_rows, write_jsonl

    corpus = write_jsonl(tmp_path / "corpus" / "corpus.jsonl", small_rows()).parent
    out = tmp_path / "model"
    serve_env.setenv("REVIEWER_MODEL_PATH", str(out))
    result = CliRunner().invoke(main, ["train", "--corpus", str(corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    model = [e for e in change_entries(db_url) if e.event == "model.change"]
    trained = json.loads((out / "classifier.json").read_text(encoding="utf-8"))
    assert [e.details_dict["sha256"] for e in model] == [trained["model_sha256"]]
    assert model[0].actor_name == "reviewer train"


def test_train_without_a_database_notes_it_in_one_line_and_creates_none(monkeypatch, tmp_path, capsys):
    from reviewer.cli.model import _record_model_change

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REVIEWER_CONFIG", raising=False)
    monkeypatch.setenv("REVIEWER_INSTANCE", str(tmp_path / "instance"))
    _record_model_change()
    note = capsys.readouterr().err
    assert note.count("\n") == 1 and "未记入审计日志" in note
    assert not (tmp_path / "instance").exists()
