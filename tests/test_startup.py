"""Start-up stays light: ``--version`` and ``--help`` import neither SQLAlchemy, rich, the
PostgreSQL driver nor PyYAML (they load inside the commands that use them)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from clitools import describe, run_dqcheck

from dqcheck import __version__

HEAVY = ("sqlalchemy", "rich", "psycopg2", "yaml")
ENTRY = "from dqcheck.cli import main; main()"


def imported_modules(
    args: list[str], code: str = ENTRY
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``code`` (by default the CLI) with ``args`` under ``-X importtime``; return the
    process and every module it imported."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("DQCHECK_URL", "PYTHONPROFILEIMPORTTIME")
    }
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    modules = set()
    for line in proc.stderr.splitlines():
        # "import time:       123 |        456 |   package.module"
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name and name != "imported package":
                modules.add(name)
    return proc, modules


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def _commands() -> list[str]:
    from dqcheck.cli import cli

    return sorted(cli.commands)


@pytest.mark.parametrize(
    "args",
    [["--version"], ["--help"], *[[name, "--help"] for name in _commands()]],
    ids=lambda a: " ".join(a),
)
def test_no_heavy_imports_at_startup(args: list[str]) -> None:
    proc, modules = imported_modules(args)
    assert proc.returncode == 0, describe(proc)
    # the measurement works: the CLI itself shows up
    assert {"click", "dqcheck.cli"} <= modules, sorted(modules)[:50]
    assert heavy_in(modules) == [], describe(proc)


def test_the_measurement_sees_heavy_imports() -> None:
    """Control: the same measurement does see these modules when they are imported."""
    proc, modules = imported_modules([], code="import sqlalchemy, rich.console, psycopg2, yaml")
    assert proc.returncode == 0, describe(proc)
    assert {m.split(".")[0] for m in heavy_in(modules)} == set(HEAVY)


def test_version_via_module() -> None:
    proc, _ = imported_modules(["--version"])
    assert proc.stdout.strip() == f"dqcheck {__version__}"


def test_version_of_the_installed_entry_point() -> None:
    proc = run_dqcheck(["--version"])
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.strip() == f"dqcheck {__version__}"
    assert proc.stderr == ""
