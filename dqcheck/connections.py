"""Connections: which URL a run uses (SPEC section 3): ``--url``/``--conn-id``, env
``DQCHECK_URL``, the suite's ``connection:`` id looked up as an Airflow connection or in the
project config. Engines are made in ``dqcheck.engines``; masking lives in ``dqcheck.secrets``."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from dqcheck.config import ProjectConfig
from dqcheck.errors import ConfigError, Problem
from dqcheck.secrets import (
    describe_url,
    extra_secrets,
    mask_text,
    mask_url,
    register_secret,
    register_secrets,
)

POSTGRES_FAMILY = ("postgresql", "redshift")


AIRFLOW_PREFIX = "AIRFLOW_CONN_"
#: libpq parameters an Airflow connection's ``extra`` may carry to psycopg2; others are ignored.
LIBPQ_PARAMS = frozenset(
    {
        "sslmode",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "sslcrl",
        "sslpassword",
        "sslcompression",
        "connect_timeout",
        "application_name",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "target_session_attrs",
        "gssencmode",
        "krbsrvname",
        "service",
        "passfile",
        "channel_binding",
        "requiressl",
    }
)


@dataclass(frozen=True)
class Resolved:
    """A connection: the SQLAlchemy URL (holding the secret) and where it came from."""

    url: str
    source: str

    @property
    def masked(self) -> str:
        return mask_url(self.url)


class Resolver:
    """Resolves connections in SPEC section 3 order: ``--url``/``--conn-id``, then env
    ``DQCHECK_URL``, then the suite's ``connection:`` id. An id is looked up as env
    ``AIRFLOW_CONN_<ID>`` (URI or JSON form), then in the project config."""

    def __init__(
        self,
        url: str | None = None,
        conn_id: str | None = None,
        config: ProjectConfig | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if url and conn_id:
            raise ConfigError([Problem("give --url or --conn-id, not both")])
        self.url = url
        self.conn_id = conn_id
        self.config = config or ProjectConfig()
        self.env = os.environ if env is None else env
        self._cache: dict[str | None, Resolved] = {}

    def resolve(self, suite_connection: str | None = None) -> Resolved:
        """The connection a check of a suite with ``connection: suite_connection`` uses."""
        key = (
            None
            if (self.url or self.conn_id or self.env.get("DQCHECK_URL"))
            else (suite_connection)
        )
        if key not in self._cache:
            self._cache[key] = self._resolve(key)
        return self._cache[key]

    def _resolve(self, suite_connection: str | None) -> Resolved:
        if self.url:
            return _checked(Resolved(normalize_url(self.url), "--url"))
        if self.conn_id:
            return self.lookup(self.conn_id, "--conn-id")
        if self.env.get("DQCHECK_URL"):
            return _checked(Resolved(normalize_url(self.env["DQCHECK_URL"]), "DQCHECK_URL"))
        if suite_connection:
            return self.lookup(suite_connection, "connection:")
        raise ConfigError(
            [
                Problem(
                    "no connection configured: tried --url, --conn-id, env DQCHECK_URL and the "
                    "suites' connection: (e.g. --url postgresql://user@host/db or "
                    "sqlite:///path.db)"
                )
            ]
        )

    def lookup(self, conn_id: str, via: str) -> Resolved:
        """An id from ``--conn-id`` or a suite's ``connection:``."""
        env_name = AIRFLOW_PREFIX + conn_id.upper()
        raw = self.env.get(env_name)
        if raw:
            try:
                url = from_airflow(raw)
            except ValueError as exc:
                raise ConfigError([Problem(f"{env_name}: {mask_text(str(exc), [raw])}")]) from None
            return _checked(Resolved(url, env_name))
        if conn_id in self.config.connections:
            where = f"{self.config.file} connections.{conn_id}"
            return _checked(Resolved(normalize_url(self.config.connections[conn_id]), where))
        tried = [f"env {env_name}"]
        tried.append(
            f"connections.{conn_id} in {self.config.file}"
            if self.config.file
            else "a project config (dqcheck.yml, none found)"
        )
        raise ConfigError(
            [Problem(f"connection {conn_id!r} (from {via}) not found: tried {' and '.join(tried)}")]
        )


def _checked(resolved: Resolved) -> Resolved:
    register_secrets(resolved.url)
    validate_url(resolved.url, resolved.source)
    return resolved


def from_airflow(value: str) -> str:
    """A SQLAlchemy URL from an Airflow connection in URI or JSON form."""
    value = value.strip()
    if value.startswith("{"):
        try:
            doc = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc.msg}") from None
        if not isinstance(doc, dict) or not doc.get("conn_type"):
            raise ValueError("the JSON form needs at least conn_type")
        extra = doc.get("extra") or {}
        if isinstance(extra, str):
            try:
                extra = json.loads(extra) if extra.strip() else {}
            except json.JSONDecodeError:
                raise ValueError("extra is not valid JSON") from None
        return _airflow_url(
            str(doc["conn_type"]),
            doc.get("host"),
            doc.get("login"),
            doc.get("password"),
            doc.get("port"),
            doc.get("schema"),
            extra if isinstance(extra, dict) else {},
        )
    parts = urlsplit(value)
    if not parts.scheme:
        raise ValueError("expected a URI such as postgres://user:pass@host:5432/db or JSON")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    options: dict[str, Any] = query
    if "__extra__" in query:
        try:
            loaded = json.loads(query["__extra__"])
        except json.JSONDecodeError:
            raise ValueError("__extra__ is not valid JSON") from None
        options = loaded if isinstance(loaded, dict) else {}
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the port is not a number") from None
    return _airflow_url(
        parts.scheme,
        unquote(parts.hostname or "") or None,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
        port,
        unquote(parts.path[1:]) if parts.path else None,
        options,
    )


def _airflow_url(
    conn_type: str,
    host: Any,
    login: Any,
    password: Any,
    port: Any,
    schema: Any,
    extra: Mapping[str, Any],
) -> str:
    from sqlalchemy.engine import URL

    # the secrets of ``extra`` (sslpassword, private keys…) are masked even where the URL
    # does not carry them
    for secret in extra_secrets(extra):
        register_secret(secret)
    if password:
        register_secret(str(password))
    kind = conn_type.lower().replace("-", "_")
    if kind in ("postgres", "postgresql"):
        driver = "postgresql+psycopg2"
    elif kind == "redshift":
        driver = redshift_driver()
        port = port or 5439
    elif kind in ("sqlite", "duckdb"):
        return f"{kind}:///{host or schema or ''}"
    else:
        driver = AIRFLOW_TYPES.get(kind, kind)
    query = {}
    if driver.startswith(("postgresql", "redshift")):
        query = {k: str(v) for k, v in extra.items() if k in LIBPQ_PARAMS}
    else:
        query = {k: str(v) for k, v in _extra_params(kind, extra).items() if v not in (None, "")}
    if kind in ("google_cloud_platform", "gcpbigquery", "bigquery"):
        # bigquery://project/dataset: the project from the extra, the dataset from schema
        host = _extra_value(extra, kind, "project") or host
        login = password = port = None
        query = {}
    elif kind == "snowflake":
        host = _extra_value(extra, kind, "account") or host
        schema = _extra_value(extra, kind, "database") or schema
    elif kind == "databricks" and password and not login:
        login = "token"  # a personal access token in the password field
    url = URL.create(
        driver,
        username=login or None,
        password=password or None,
        host=host or None,
        port=int(port) if port else None,
        database=schema or None,
        query=query,
    )
    return url.render_as_string(hide_password=False)


#: SQLAlchemy drivers of Airflow connection types (``conn_type``, ``-`` read as ``_``) whose
#: name is not already the dialect's; each needs its extra (``EXTRAS``).
AIRFLOW_TYPES = {
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
    "mssql": "mssql+pyodbc",
    "google_cloud_platform": "bigquery",
    "gcpbigquery": "bigquery",
    "snowflake": "snowflake",
    "trino": "trino",
    "databricks": "databricks",
}
#: Keys of an Airflow connection's ``extra`` passed on as URL query parameters, by type.
AIRFLOW_EXTRA_PARAMS = {
    "snowflake": ("warehouse", "role", "region"),
    "databricks": ("http_path", "catalog", "schema"),
    "trino": ("catalog", "schema", "protocol"),
    "mssql": ("driver",),
}


def _extra_value(extra: Mapping[str, Any], kind: str, key: str) -> Any:
    """``extra[key]``, or its old prefixed spelling ``extra__<type>__<key>``."""
    return extra.get(key) or extra.get(f"extra__{kind}__{key}")


def _extra_params(kind: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _extra_value(extra, kind, k) for k in AIRFLOW_EXTRA_PARAMS.get(kind, ())}


def redshift_driver() -> str:
    """``redshift+psycopg2`` with sqlalchemy-redshift installed, else the PostgreSQL dialect."""
    import importlib.util

    return (
        "redshift+psycopg2"
        if importlib.util.find_spec("sqlalchemy_redshift")
        else ("postgresql+psycopg2")
    )


def normalize_url(url: str) -> str:
    """The URL with the driver dqcheck ships: ``postgres://`` (Airflow, Heroku) and a bare
    ``postgresql://`` become ``postgresql+psycopg2://`` (SQLAlchemy 2.1 would pick psycopg 3);
    ``redshift://`` uses sqlalchemy-redshift when installed, else the PostgreSQL dialect on
    port 5439."""
    from sqlalchemy.engine import make_url

    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    try:
        u = make_url(url)
    except Exception:
        return url  # validate_url names the problem
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg2")
    elif u.drivername in ("redshift", "redshift+psycopg2"):
        driver = redshift_driver()
        u = u.set(drivername=driver, port=u.port or 5439)
    else:
        return url
    return u.render_as_string(hide_password=False)


#: The extra to install for a URL scheme whose dialect or driver is missing (pyproject.toml).
EXTRAS = {
    "redshift": "redshift",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "trino": "trino",
    "databricks": "databricks",
    "duckdb": "duckdb",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mssql": "mssql",
}
INSTALL = {scheme: f"pip install 'dqcheck[{extra}]'" for scheme, extra in EXTRAS.items()}
INSTALL["oracle"] = "pip install oracledb"


def validate_url(url: str, source: str = "--url") -> None:
    """A ConfigError (exit 2, before any query) unless ``url`` is a database URL whose
    SQLAlchemy dialect and driver are installed; the message names what to install."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        u = make_url(url)
        dialect = u.get_dialect()
    except (NoSuchModuleError, ImportError):  # NoSuchModuleError is an ArgumentError; an
        # ImportError: the dialect's entry point is there but its module cannot be imported
        raise ConfigError([Problem(f"{source}: {_missing(url, 'dialect')}")]) from None
    except (ArgumentError, ValueError):
        raise ConfigError([Problem(f"{source}: not a database URL: {describe_url(url)}")]) from None
    try:
        dialect.import_dbapi()
    except ImportError:
        raise ConfigError([Problem(f"{source}: {_missing(url, 'driver')}")]) from None


def _missing(url: str, what: str) -> str:
    scheme = url.split(":", 1)[0]
    backend = scheme.split("+", 1)[0].lower()
    hint = INSTALL.get(backend, "install the SQLAlchemy dialect and driver for it")
    return f"no SQLAlchemy {what} for {scheme}:// is installed: {hint}"
