"""The ``walt`` command line.

Every command that does work routes through :class:`walt.UnifiedClient`, so a
shell user reaches the same backends as a program (``--backend``,
``--redis``, ``--remote``). Exit codes: 0 success, 1 the work failed (a tool
failed, a backend was unavailable), 2 invalid input (a bad URL, tool file or
option), 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from walt._version import __version__
from walt.cli import files, ops, work
from walt.core.errors import ValidationError, WaltError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="walt",
        description="Turn a website's built-in functionality into validated, reusable tools.",
    )
    parser.add_argument("--version", action="version", version=f"walt {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (-v info, -vv debug)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    files.register(sub)
    work.register(sub)
    ops.register(sub)
    return parser


def _one_line(error: WaltError) -> str:
    """``error (code): message`` on one line: scripts match the stable code."""
    message = " ".join(str(error).split())
    return f"error ({error.code}): {message}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        code: int = args.handler(args)
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`walt list | head`): exit quietly, like other Unix tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except ValidationError as exc:
        print(_one_line(exc), file=sys.stderr)
        return 2
    except WaltError as exc:
        print(_one_line(exc), file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
