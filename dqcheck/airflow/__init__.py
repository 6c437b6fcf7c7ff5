"""dqcheck in Airflow 3 (extra ``dqcheck[airflow]``; Airflow 3.1 or newer, the first 3.x
release that allows SQLAlchemy 2): ``DQCheckOperator`` and ``HasRowsOperator``, thin shells over
:mod:`dqcheck.api` like the CLI.

This module is the provider's entry point (``apache_airflow_provider``): Airflow imports it to
read :func:`get_provider_info`, so it stays light; the operators are imported on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dqcheck.airflow.operators import DQCheckOperator, HasRowsOperator

__all__ = ["DQCheckOperator", "HasRowsOperator", "get_provider_info"]


def get_provider_info() -> dict[str, Any]:
    """What Airflow's providers manager reads (``airflow providers list``)."""
    from dqcheck import __version__

    return {
        "package-name": "dqcheck",
        "name": "dqcheck",
        "description": "Data-quality checks as Airflow tasks: DQCheckOperator and HasRowsOperator.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "dqcheck",
                "external-doc-url": "https://pypi.org/project/dqcheck/",
                "tags": ["software"],
            }
        ],
        "operators": [
            {"integration-name": "dqcheck", "python-modules": ["dqcheck.airflow.operators"]}
        ],
        "hooks": [],
    }


def __getattr__(name: str) -> Any:
    if name in ("DQCheckOperator", "HasRowsOperator"):
        from dqcheck.airflow import operators

        return getattr(operators, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
