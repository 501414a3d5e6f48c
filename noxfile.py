"""Developer sessions: ``nox -s tests lint typecheck docs bench demo chaos realapps``.

Each session installs walt with the extras it needs into its own virtualenv.
The one-command equivalents for a fresh machine are in ``scripts/dev.sh``.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

DEV = ".[dev,docs,notebook]"


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (needs Chromium and redis-server: ./scripts/dev.sh setup installs them)."""
    session.install("-e", DEV)
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "bench", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "bench", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/."""
    session.install("-e", DEV)
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the docs site with warnings as errors."""
    session.install("-e", DEV)
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: ratios against baselines measured in the same run (bench/README.md)."""
    session.install("-e", DEV)
    session.run("python", "-m", "bench", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """walt's main job on the bundled demo site (in-process backend)."""
    session.install("-e", DEV)
    session.run("walt", "demo", *session.posargs)


@nox.session
def chaos(session: nox.Session) -> None:
    """The queue's chaos test at full size (500 jobs, workers killed, Redis restarted)."""
    session.install("-e", DEV)
    session.run("pytest", "tests/integration/test_chaos.py", "-m", "chaos", "--chaos-full", "-s")


@nox.session
def realapps(session: nox.Session) -> None:
    """Discovery on five real web apps (../shared/realapps): set up, start, discover, score,
    stop; prints the table and writes bench/results/realapps.{json,md}. Not part of CI."""
    session.install("-e", DEV)
    session.run("python", "-m", "bench.realapps", *session.posargs)
