"""Commands find the project's instance folder from a sub-folder, and say where they looked when there is none."""

from __future__ import annotations

from click.testing import CliRunner

from reviewer.cli import main
from reviewer.config import default_instance


def test_a_sub_folder_finds_the_projects_instance_with_a_database(tmp_path):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "reviewer.sqlite3").write_bytes(b"")
    (tmp_path / "docs" / "notes").mkdir(parents=True)
    assert default_instance(tmp_path / "docs" / "notes") == tmp_path / "instance"


def test_without_a_project_the_working_folder_is_used(tmp_path):
    assert default_instance(tmp_path) == tmp_path.resolve() / "instance"


def test_a_command_without_a_database_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "REVIEWER_INSTANCE", "REVIEWER_AUDIT_KEY", "REVIEWER_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["user", "list"])
    assert result.exit_code == 2
    assert "当前目录及其上级目录的 instance/" in result.output and "REVIEWER_INSTANCE" in result.output
    assert "审计密钥" not in result.output  # the missing database is the cause, not the key
