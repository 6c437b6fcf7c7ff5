"""Safe YAML loading that keeps line numbers, so every problem can name its line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from dqcheck.errors import short


class LineDict(dict[Any, Any]):
    """A mapping from YAML that remembers its own line and each key's line (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class YamlError(Exception):
    """A YAML document that cannot be read; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        message = " ".join(message.split())
        super().__init__(message)
        self.message = message
        self.line = line


MAX_ALIASES = 100


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (``on``/``yes``/``no`` stay strings) and a cap on
    aliases (a "billion laughs" document is refused, not expanded)."""

    _aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                line = self.peek_event().start_mark.line + 1  # type: ignore[no-untyped-call]
                raise YamlError(f"more than {MAX_ALIASES} aliases (*name): refused", line)
        return super().compose_node(parent, index)


# YAML 1.1 reads `on: [fail]` as `True: [fail]`; keep only true/false as booleans.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise YamlError("a mapping key must be a plain value", line) from None
        if key in result:
            raise YamlError(f"duplicate key {short(key)}", line)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str) -> Any:
    """Load one YAML document safely; raises YamlError with the line on any problem."""
    try:
        docs = list(yaml.load_all(text, Loader=_Loader))
    except YamlError:
        raise
    except yaml.reader.ReaderError as exc:
        at = text.count("\n", 0, exc.position or 0) + 1
        raise YamlError(
            f"invalid YAML: character {short(exc.character)} is not allowed", at
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlError("invalid YAML: nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise YamlError(f"invalid YAML value: {exc}") from None
    if len(docs) > 1:
        raise YamlError("expected one YAML document, found several")
    return docs[0] if docs else None


def read_limited(path: Path, limit: int, what: str = "a suite file") -> bytes:
    """The bytes of ``path``; ValueError when it is larger than ``limit``. The size is checked
    before reading, and no more than ``limit + 1`` bytes are ever read (a file that grows
    meanwhile, or a pipe), so a huge file costs no memory."""
    too_big = f"file is larger than {limit // 1024 // 1024} MiB, the limit of {what}"
    size = path.stat().st_size
    if size > limit:
        raise ValueError(f"{too_big} ({size} bytes)")
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(too_big)
    return data
