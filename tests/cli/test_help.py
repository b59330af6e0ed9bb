"""``frontdesk --help`` lists every command with what it does, and every ``--help`` shows
the defaults a newcomer would otherwise have to read the code for."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from frontdesk.cli import build_parser
from tests.cli.test_cli import _run


def _commands(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each sub-command's name and its one-line help."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {choice.dest: str(choice.help or "") for choice in action._choices_actions}
    return {}


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def test_top_level_help_lists_every_command_with_a_description(tmp_path: Path) -> None:
    done = _run(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    commands = _commands(build_parser())
    assert {"serve", "migrate", "tenant", "api-key", "eval", "call", "sms", "calendar"} <= set(
        commands
    )
    for name, summary in commands.items():
        assert summary.strip(), f"`frontdesk {name}` has no description"
        assert name in done.stdout
        assert summary.split()[0] in done.stdout


def test_every_help_shows_the_defaults() -> None:
    checked = 0
    for path, parser in _parsers(build_parser()):
        formatter = parser.formatter_class(prog="frontdesk")
        for action in parser._actions:
            default = action.default
            if (
                not action.option_strings
                or not action.help
                or action.help == argparse.SUPPRESS
                or default in (None, False, argparse.SUPPRESS)
                or (isinstance(default, list) and not default)
            ):
                continue
            # In argparse's words ("(default: US)") or the command's own ("default: the
            # first").
            shown = formatter._get_help_string(action) or ""  # type: ignore[attr-defined]
            assert "default" in shown.lower(), (
                f"`frontdesk {' '.join(path)} --help` hides the default of "
                f"{action.option_strings[-1]} ({default!r})"
            )
            checked += 1
    assert checked >= 10  # the check really looked at options with defaults


def test_sub_command_help_shows_argparse_defaults(tmp_path: Path) -> None:
    done = _run(tmp_path, "tenant", "create", "--help")
    assert done.returncode == 0, done.stderr
    assert "(default: US)" in done.stdout and "(default: en)" in done.stdout
    sms = _run(tmp_path, "sms", "--help").stdout
    assert "(default: http://127.0.0.1:8000)" in sms
