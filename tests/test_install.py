"""The package installs and starts in a fresh virtualenv without the dev extras (STYLE 14):
a runtime dependency that only the dev extras happen to bring would fail here."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_fresh_install_without_dev_extras_runs_the_cli(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    dqcheck = env_dir / "bin" / "dqcheck"
    for args in (["--version"], ["--help"], ["validate", str(ROOT / "checks")]):
        done = subprocess.run([str(dqcheck), *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    # the library imports everything a run needs: reports, monitoring, the PostgreSQL driver
    probe = (
        "import dqcheck.api, dqcheck.report.text, dqcheck.report.junit, dqcheck.monitor.alerts,"
        " dqcheck.monitor.statsd_metrics, dqcheck.monitor.prometheus_metrics, psycopg2, apprise"
    )
    done = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
