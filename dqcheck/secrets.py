"""Secrets and masking (SPEC sections 3 and 7): nothing dqcheck prints shows a password.

Masking works on *tokens*, never by replacing a string wherever it occurs:

1. **Structure.** URL-shaped substrings (``scheme://user:pw@host/db?k=v``) lose the password of
   their user-info and the values of query parameters whose key names a secret
   (:func:`is_secret_key`); ``password=…``, ``"password": "…"``-style pairs lose their value.
   This needs no knowledge of the secret, so it also hides passwords of one or two characters.
2. **Known secrets.** Every secret dqcheck has seen (:func:`register_secret`,
   :func:`register_secrets`) is replaced where it stands as a whole token: not inside a longer
   run of word characters, and only when it is at least :data:`MIN_TOKEN` characters long (a
   password ``x`` must not turn "timeout expired" into "e***pired").

A text that is JSON (a report, a log line) is masked string literal by string literal, so the
result is always the same valid JSON: numbers, keys and punctuation are never touched.

Which values are secrets, and URLs masked, live in :mod:`dqcheck.secret_urls`; this module
keeps the registry of secrets seen and masks text. A leaf module: it imports nothing from
dqcheck but that one (itself a leaf), and nothing heavy, so every part of dqcheck (the monitor,
reports, the CLI) may use it without pulling in SQLAlchemy.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable

from dqcheck.secret_urls import (
    MASK,
    STRONG_SECRET,
    describe_url,
    extra_secrets,
    forms,
    is_secret_key,
    mask_url,
    secrets_of,
    url_secrets,
)

__all__ = [
    "MASK",
    "MIN_TOKEN",
    "describe_url",
    "extra_secrets",
    "forms",
    "is_secret_key",
    "mask",
    "mask_text",
    "mask_url",
    "register_secret",
    "register_secrets",
    "register_webhook",
    "registered",
    "secrets_of",
    "url_secrets",
]

#: Known secrets shorter than this are masked only where structure says "this is a secret".
MIN_TOKEN = 4

#: A key in free text whose value is a secret (``password=…``, ``PGPASSWORD=…``,
#: ``"access_token": "…"``): the key must *end* with the secret word, so ``token_count = 5``
#: and ``password_hash IS NULL`` are left alone.
_TEXT_KEY = r"[A-Za-z0-9_.\-]*(?:password|passwd|pwd|passphrase|secret|token|credentials?|api_?key)"
_KV = re.compile(
    rf"""(?ix)
    (?<![A-Za-z0-9_.\-])
    (?P<key>["']?{_TEXT_KEY}["']?)
    (?P<sep>\s*=\s*|\s*:\s*(?=["'])|(?<=["'])\s*:\s*)
    (?:
        (?P<q>["'])(?P<quoted>(?:\\.|(?!(?P=q)).)*)(?P=q)
      | (?P<bare>[^\s"',;&)}}\]]+)
    )
    """
)

#: A URL inside free text: up to white space, a quote or an angle bracket.
_URL_IN_TEXT = re.compile(r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"'<>`]+")


# -- the registry ---------------------------------------------------------------------------------

_LOCK = threading.Lock()
_SECRETS: set[str] = set()
_PATTERN: re.Pattern[str] | None = None


def register_secret(value: str) -> None:
    """Remember ``value`` (in every printed form) so that :func:`mask` hides it as a token."""
    global _PATTERN
    new = {s for s in forms(value) if len(s) >= MIN_TOKEN} - _SECRETS
    if new:
        with _LOCK:
            _SECRETS.update(new)
            _PATTERN = None


def register_secrets(url: str) -> None:
    """Remember the secrets of a database URL (password, secret query values)."""
    for secret in url_secrets(url):
        register_secret(secret)


def register_webhook(url: str) -> None:
    """Remember the secrets of an Apprise notify URL: password, secret query values, headers,
    the path and token-like parts (see :func:`url_secrets`)."""
    for secret in url_secrets(url, webhook=True):
        register_secret(secret)


def registered() -> frozenset[str]:
    return frozenset(_SECRETS)


def _token(secret: str) -> str:
    """``secret`` as a regex matching only a whole token: no word character may touch an end
    of it that is itself a word character (``/hook/x`` may follow ``:8080``)."""
    before = r"(?<!\w)" if re.match(r"\w", secret) else ""
    after = r"(?!\w)" if re.search(r"\w$", secret) else ""
    return before + re.escape(secret) + after


def _pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({s for s in secrets if len(s) >= MIN_TOKEN}, key=lambda s: (-len(s), s))
    return re.compile("|".join(_token(s) for s in ordered)) if ordered else None


def _registered_pattern() -> re.Pattern[str] | None:
    global _PATTERN
    with _LOCK:
        if _PATTERN is None and _SECRETS:
            _PATTERN = _pattern(_SECRETS)
        return _PATTERN


# -- masking --------------------------------------------------------------------------------------


def _mask_kv(m: re.Match[str]) -> str:
    if m.group("q") is not None:
        q = m.group("q")
        return f"{m.group('key')}{m.group('sep')}{q}{MASK}{q}"
    return f"{m.group('key')}{m.group('sep')}{MASK}"


def _mask_plain(text: str, pattern: re.Pattern[str] | None) -> str:
    text = _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), text)
    text = _KV.sub(_mask_kv, text)
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return text


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_COLON = re.compile(r"\s*:\s*")
_KEY_END = re.compile(r"\s*:")


def _mask_json(text: str, pattern: re.Pattern[str] | None) -> str:
    """Mask a JSON document string literal by string literal (and the string value of a key
    naming a secret, ``"password": "…"``); everything else is kept byte for byte."""
    out: list[str] = []
    pos = 0
    secret_key = False
    for m in _JSON_STRING.finditer(text):
        literal = m.group(0)
        between = text[pos : m.start()]
        is_value = secret_key and _COLON.fullmatch(between) is not None
        is_key = _KEY_END.match(text, m.end()) is not None
        value: str = json.loads(literal) if "\\" in literal else literal[1:-1]
        masked = MASK if is_value else _mask_plain(value, pattern)
        out.append(between)
        if masked == value:
            out.append(literal)
        else:
            out.append(json.dumps(masked, ensure_ascii=literal.isascii()))
        secret_key = is_key and STRONG_SECRET.search(value.lower()) is not None
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _is_json(text: str) -> bool:
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[" or stripped[-1] not in "}]":
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


def _mask(text: str, pattern: re.Pattern[str] | None) -> str:
    if _is_json(text):
        return _mask_json(text, pattern)
    if "\n" in text and text.lstrip().startswith(("{", "[")):
        lines = text.split("\n")
        if all(not ln.strip() or _is_json(ln) for ln in lines):  # JSON lines
            return "\n".join(_mask_json(ln, pattern) if ln.strip() else ln for ln in lines)
    return _mask_plain(text, pattern)


def mask(text: str) -> str:
    """``text`` without secrets: URLs and ``password=`` pairs masked by structure, every secret
    registered in this process masked as a whole token. JSON stays the same valid JSON."""
    return _mask(text, _registered_pattern())


def mask_text(text: str, secrets: Iterable[str]) -> str:
    """:func:`mask` with ``secrets`` (in every printed form) as the known secrets, instead of
    the registered ones."""
    every: set[str] = set()
    for secret in secrets:
        if secret:
            every |= forms(secret)
    return _mask(text, _pattern(every))
