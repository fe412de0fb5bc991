"""click's own words in Vietnamese: its messages through the standard gettext machinery (the
catalog locale/vi/LC_MESSAGES/tthc.po, compiled to tthc.mo), and the command and group classes
that name the usage line's placeholders and metavars in Vietnamese."""

from __future__ import annotations

import gettext
import os
import sys
from pathlib import Path

import click

__all__ = ["DOMAIN", "LOCALE_DIR", "VietnameseCommand", "VietnameseGroup", "use_vietnamese"]

DOMAIN = "tthc"
LOCALE_DIR = Path(__file__).parent / "locale"

# Metavars by click type name (what the help shows after an option).
METAVARS = {"text": "GIÁ_TRỊ", "integer": "SỐ", "float": "SỐ", "file": "TỆP",
            "directory": "THƯ_MỤC", "path": "ĐƯỜNG_DẪN", "boolean": "ĐÚNG/SAI"}
# The commands' arguments as the usage line shows them.
ARGUMENTS = {"folder": "[THƯ_MỤC]", "files": "TỆP..."}


def use_vietnamese() -> None:
    """Route click's gettext calls to the Vietnamese catalog: click calls the stdlib's
    gettext in the current domain, which picks the language from $LANGUAGE."""
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = "vi"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "?", "!", "?)")) else text + "."


def _metavar(param: click.Parameter) -> str | None:
    kind = "integer" if isinstance(param.type, click.IntRange) else param.type.name
    if isinstance(param.type, click.Path):
        kind = "file" if not param.type.dir_okay else (
            "directory" if not param.type.file_okay else "path")
    return METAVARS.get(kind)


class VietnameseCommand(click.Command):
    """A command whose usage line reads "[TÙY CHỌN]" and whose metavars are Vietnamese."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[TÙY CHỌN]")
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, click.Option) and param.metavar is None \
                    and not param.is_flag and not isinstance(param.type, click.Choice):
                param.metavar = _metavar(param)
            elif isinstance(param, click.Argument) and param.metavar is None:
                param.metavar = ARGUMENTS.get(param.name or "")


class VietnameseGroup(click.Group, VietnameseCommand):
    """The `tthc` group: its commands are VietnameseCommand, "LỆNH [THAM SỐ]..." in usage."""

    command_class = VietnameseCommand

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("subcommand_metavar", "LỆNH [THAM SỐ]...")
        super().__init__(*args, **kwargs)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        """As click's, but a usage error is one line naming the command and its help."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else (prog_name or "tthc")
            click.echo(f"{command}: {_sentence(exc.format_message())} Xem: {command} --help",
                       err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"tthc: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("tthc: đã dừng.", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)
