"""The README is tested like code: every command and check type is documented (STYLE 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dqcheck.checks import REGISTRY
from dqcheck.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_readme_opens_with_the_two_setup_commands() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make demo" in first_block
    assert "make test" in first_block


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert (cli.commands[command].help or "").strip()
    assert f"dqcheck {command}" in README


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
def test_every_check_type_is_in_the_readme_table(type_name: str) -> None:
    assert f"| `{type_name}` |" in README
    assert REGISTRY[type_name].summary(), "the class docstring's first line describes the type"
