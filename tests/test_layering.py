"""The package below the web layer never imports the web framework (the CLI and web are thin shells)."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["reviewer.engine.core", "reviewer.workflow", "reviewer.audit.chain", "reviewer.admin.security",
                                    "reviewer.audit.exports", "reviewer.cli.check"])
def test_domain_module_does_not_import_flask(module):
    code = f"import sys, {module}; print('flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_check_command_does_not_load_the_database_layer():
    code = "import sys, reviewer.cli.check; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr
