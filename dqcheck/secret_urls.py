"""Which values are secrets (SPEC sections 3 and 7): keys that name a secret, the parts of a
URL that are secrets (user-info password, secret query values, Apprise headers, webhook paths),
an Airflow connection's secret extras, and a URL with them masked.

A leaf module, like :mod:`dqcheck.secrets` which builds on it: it imports nothing from dqcheck.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

MASK = "***"

# -- which keys name a secret ---------------------------------------------------------------------

#: Words that make any key a secret: ``sslpassword``, ``client_secret``, ``access_token``,
#: ``private_key_file_pwd``, ``credentials``, ``X-Amz-Signature``, ``Authorization``.
STRONG_SECRET = re.compile(
    r"pass(?:word|wd|phrase)|pwd|secret|token|credential|signature|authorization|^sig$|^auth$"
)
#: Keys holding the *path* of a key or certificate file, not key material: libpq's ``sslkey``,
#: ``sslcert``…, MySQL's ``ssl_key``, ``passfile``. The key on disk is protected by the file's
#: permissions (and ``sslpassword``, which is masked); the path is what a user needs to see to
#: debug a TLS set-up, and registering paths as secrets would blank them out of every message.
_PATH_KEYS = frozenset(
    {
        "sslkey",
        "sslcert",
        "sslrootcert",
        "sslcrl",
        "sslcrldir",
        "ssl_key",
        "ssl_cert",
        "ssl_ca",
        "ssl_capath",
        "passfile",
        "keyfile",
        "certfile",
        "key_file",
        "cert_file",
    }
)
_PATH_SUFFIX = ("_file", "_path", "_dir", "file", "path")


def is_secret_key(name: str) -> bool:
    """Whether a query parameter, Airflow ``extra`` key or header named ``name`` carries a
    secret: it contains password/passwd/pwd/passphrase/secret/token/credential (whatever else
    it says), or it contains ``key`` and is not the path of a key file (``sslkey``,
    ``private_key_file``). Case-insensitive; ``api_key``, ``apikey``, ``private_key``,
    ``key``, ``sslpassword`` are secrets, ``sslkey``, ``sslcert``, ``keepalives`` are not."""
    n = name.strip().lower()
    if STRONG_SECRET.search(n):
        return True
    if n in _PATH_KEYS or n.endswith(_PATH_SUFFIX):
        return False
    return "key" in n


# -- URLs -----------------------------------------------------------------------------------------

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
#: Where a query string starts: the first ``?`` followed by ``key=`` (a ``?`` inside an
#: un-encoded password is not followed by one, usually).
_QUERY_START = re.compile(r"\?(?=[^=&/#\s]*=)")


def _split(url: str) -> tuple[str, str, str, str, str] | None:
    """``(scheme://, user-info, host-and-path, query, #fragment)`` of a URL, or None when it
    does not start with a scheme. The user-info runs to the *last* ``@`` before the query, so a
    password pasted without URL-encoding (``p@ss:w/rd``) is all of it, never cut in two."""
    m = _SCHEME.match(url)
    if not m:
        return None
    scheme, rest = m.group(0), url[m.end() :]
    fragment = ""
    q = _QUERY_START.search(rest)
    if q:
        head, query = rest[: q.start()], rest[q.start() + 1 :]
        if "#" in query:
            query, frag = query.split("#", 1)
            fragment = "#" + frag
    else:
        head, query = rest, ""
    at = head.rfind("@")
    userinfo, hostpath = (head[:at], head[at + 1 :]) if at >= 0 else ("", head)
    return scheme, userinfo, hostpath, query, fragment


def _query_items(query: str) -> Iterator[tuple[str, str, str]]:
    """``(key, "=" or "", value)`` of each ``&``-separated part, as written."""
    for part in query.split("&"):
        yield part.partition("=")


def _query_key(raw: str) -> str:
    return unquote(raw).lstrip("+-:")


def _is_header(raw_key: str) -> bool:
    """Apprise's ``+Header=value`` query arguments (HTTP headers of json://, xml://, form://)."""
    return unquote(raw_key).startswith("+")  # a literal ``+``, or ``%2B``


def mask_url(url: str, *, hide_path: bool = False) -> str:
    """``postgresql://user:***@host/db``: the URL without the password of its user-info and
    without the values of query parameters that name a secret (``?sslpassword=***``) or are
    Apprise headers (``+Authorization=***``). With ``hide_path``, every path segment is hidden
    too (webhook URLs carry their token in the path). A string that is not a URL comes back
    unchanged: see :func:`describe_url` for showing a string that may not be one."""
    parts = _split(url)
    if parts is None:
        return url
    scheme, userinfo, hostpath, query, fragment = parts
    out = scheme
    if userinfo:
        user, colon, _ = userinfo.partition(":")
        out += f"{user}:{MASK}@" if colon else f"{userinfo}@"
    if hide_path and "/" in hostpath:
        host, _, path = hostpath.partition("/")
        segments = [s if not s or _is_abbreviated(s) else MASK for s in path.split("/")]
        hostpath = host + "/" + "/".join(segments)
    out += hostpath
    if query:
        items = []
        for key, eq, value in _query_items(query):
            secret = value and (is_secret_key(_query_key(key)) or _is_header(key))
            items.append(f"{key}={MASK}" if secret else key + eq + value)
        out += "?" + "&".join(items)
    return out + fragment


def _is_abbreviated(segment: str) -> bool:
    """A path segment Apprise's privacy mode already shortened (``T...2``), or our mask."""
    return segment == MASK or bool(re.fullmatch(r".\.\.\..|\*+", segment))


def describe_url(url: str) -> str:
    """A possibly broken URL for an error message: masked when its parts can be told apart,
    else only its scheme (``postgresql://…``), else ``<unparseable URL>``: never a part that
    might be a password."""
    url = url.strip()
    m = _SCHEME.match(url)
    if not m:
        return "<unparseable URL>"
    parts = _split(url)
    assert parts is not None
    hostpath = parts[2]
    authority = hostpath.split("/", 1)[0]
    # ``postgresql://u:pw`` (no host) reads as host ``u``, port ``pw``: a port must be a number
    host, colon, port = authority.rpartition(":") if not authority.endswith("]") else ("", "", "")
    if any(c.isspace() for c in url) or (colon and host and port and not port.isdigit()):
        return m.group(0) + "…"
    return mask_url(url)


def url_secrets(url: str, *, webhook: bool = False) -> list[str]:
    """The secret values of ``url``, decoded: the user-info password, the values of query
    parameters that name a secret (and Apprise ``+Header`` values). With ``webhook`` (an
    Apprise notify URL), also the path (``/hook/SECRETPATH``, which exception messages of
    HTTP clients print), its token-like segments, and a host that looks like a token
    (``slack://T1JJ3T3L2/...``) rather than a host name."""
    parts = _split(url.strip())
    if parts is None:
        return []
    _, userinfo, hostpath, query, _ = parts
    found: list[str] = []
    if ":" in userinfo:
        password = userinfo.split(":", 1)[1]
        found += [password, unquote(password)]
    for key, _, value in _query_items(query):
        if value and (is_secret_key(_query_key(key)) or _is_header(key)):
            decoded = unquote_plus(value)
            found += [value, decoded]
            if _is_header(key) and " " in decoded.strip():  # "Bearer TOKEN": the TOKEN too
                found.append(decoded.strip().rsplit(" ", 1)[1])
    if webhook:
        host, _, path = hostpath.partition("/")
        segments = [unquote(s) for s in path.split("/") if s]
        if len(segments) > 1 or any(_token_like(s) for s in segments):
            found += [path, unquote(path)]  # "hook/SECRETPATH", as HTTP clients print it
        found += [s for s in segments if _token_like(s)]
        if _token_like(host) and "." not in host:
            found.append(host)
    return [s for s in found if s]


def _token_like(s: str) -> bool:
    """A path segment or host that looks like a credential (``A1BRTD4JD``, ``SECRETPATH``, a
    long random string) rather than a word such as ``hook`` or ``webhooks``."""
    if len(s) >= 16:
        return True
    return len(s) >= 8 and not s.islower()


def forms(secret: str) -> set[str]:
    """``secret`` as it may be printed: raw, URL-encoded (path and form style), escaped in a
    JSON string (ASCII or not) and in XML/HTML."""
    out = {secret, quote(secret, safe=""), quote_plus(secret)}
    out |= {_html_escape(secret), _html_escape(secret, quote=False)}
    out.add(json.dumps(secret)[1:-1])
    out.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    return {s for s in out if s}


def secrets_of(url: str) -> list[str]:
    """Every form of every secret of a database URL (password and secret query values), raw
    and URL-encoded, longest first."""
    every: set[str] = set()
    for secret in url_secrets(url):
        every |= forms(secret)
    return sorted(every, key=len, reverse=True)


def extra_secrets(extra: Mapping[str, Any]) -> list[str]:
    """The values of an Airflow connection's ``extra`` whose key names a secret
    (``sslpassword``, ``private_key``, ``aws_secret_access_key``…), nested dicts included; a
    PEM key also line by line."""
    found: list[str] = []
    for key, value in extra.items():
        if isinstance(value, Mapping):
            found += extra_secrets(value)
        elif value is not None and is_secret_key(str(key)):
            text = str(value)
            found.append(text)
            if "\n" in text or "\\n" in text:
                lines = re.split(r"\\n|\n", text)
                found += [ln.strip() for ln in lines if ln.strip() and not ln.startswith("-----")]
    return found


def _html_escape(text: str, quote: bool = True) -> str:
    """``html.escape`` (the same five replacements) without importing ``html.entities``."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;").replace("'", "&#x27;") if quote else text
