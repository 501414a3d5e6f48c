from __future__ import annotations

import os
from pathlib import Path

import pytest

from walt.core.errors import BackendUnavailableError, BrowserNotFoundError
from walt.engine import browser


def _exe(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def nothing_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("WALT_BROWSER_PATH", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "ms-playwright"))
    monkeypatch.setattr(
        browser, "SYSTEM_BROWSERS", (str(tmp_path / "sys" / "chromium-headless-shell"),)
    )
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    return tmp_path


def test_explicit_setting_wins(nothing_installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = _exe(nothing_installed / "mine" / "chrome")
    env = _exe(nothing_installed / "env" / "chrome")
    monkeypatch.setenv("WALT_BROWSER_PATH", env)
    assert browser.find_browser(explicit) == browser.BrowserChoice(explicit, "setting")
    assert browser.find_browser() == browser.BrowserChoice(env, "WALT_BROWSER_PATH")


def test_configured_but_missing_is_an_error(
    nothing_installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALT_BROWSER_PATH", "/nope/chrome")
    with pytest.raises(BrowserNotFoundError, match="/nope/chrome"):
        browser.find_browser()


def test_playwright_managed_before_system(nothing_installed: Path) -> None:
    system = _exe(Path(browser.SYSTEM_BROWSERS[0]))
    assert browser.find_browser() == browser.BrowserChoice(system, "system")
    managed = _exe(
        nothing_installed
        / "ms-playwright"
        / "chromium_headless_shell-1200"
        / "chrome-linux"
        / "headless_shell"
    )
    assert browser.find_browser() == browser.BrowserChoice(managed, "playwright")


def test_path_lookup_last(nothing_installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chrome = _exe(nothing_installed / "bin" / "google-chrome")
    monkeypatch.setattr(
        browser.shutil, "which", lambda name: chrome if name == "google-chrome" else None
    )
    assert browser.find_browser() == browser.BrowserChoice(chrome, "system")


def test_none_found_says_what_to_install(nothing_installed: Path) -> None:
    with pytest.raises(BrowserNotFoundError) as info:
        browser.find_browser()
    text = str(info.value)
    assert "apt-get install chromium-headless-shell" in text
    assert "playwright install chromium" in text
    assert "WALT_BROWSER_PATH" in text
    assert isinstance(info.value, BackendUnavailableError)
    assert info.value.retryable is False


def test_unusable_file_is_skipped(nothing_installed: Path) -> None:
    path = Path(browser.SYSTEM_BROWSERS[0])
    path.parent.mkdir(parents=True)
    path.write_text("not executable")
    os.chmod(path, 0o644)
    with pytest.raises(BrowserNotFoundError):
        browser.find_browser()
