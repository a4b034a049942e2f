"""Find, or install, the Chromium that the browser and live tests drive (``make browser``).

    python tools/browser.py ensure   # find a usable Chromium, install one if needed
    python tools/browser.py path     # print the executable the tests will use

Order: ``$XAI4ESS_CHROMIUM``, then ``chromium`` / ``chromium-browser`` /
``google-chrome`` on PATH, then Playwright's own download. If none works,
``ensure`` installs Debian's ``chromium`` with apt when it runs as root or with
password-less sudo, and otherwise Playwright's browser
(``python -m playwright install chromium``); it says what it did. It fails with
one line naming what to install only when neither is possible.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

NAMES = ("chromium", "chromium-browser", "google-chrome")
#: Flags for headless runs on a machine without a display or network.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = (
    "error: no usable Chromium for the browser tests: install Debian's chromium "
    "(apt-get install chromium, as root) or run: {python} -m playwright install chromium"
)


def _works(executable: str) -> bool:
    try:
        result = subprocess.run(
            [executable, "--headless", "--no-sandbox", "--version"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _playwright_executable() -> str | None:
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:
        return None
    return path if path and os.path.exists(path) else None


def find() -> str | None:
    """Path of a Chromium that starts headless, or None.

    Examples
    --------
    >>> path = find()
    >>> path is None or os.path.exists(path)
    True
    """
    candidates = [os.environ.get("XAI4ESS_CHROMIUM")]
    candidates += [shutil.which(name) for name in NAMES]
    for path in candidates:
        if path and _works(path):
            return path
    path = _playwright_executable()
    return path if path and _works(path) else None


def _can_apt() -> list[str] | None:
    if not shutil.which("apt-get"):
        return None
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"]).returncode == 0:
        return ["sudo", "-n"]
    return None


def _apt_install(prefix: list[str]) -> bool:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        print("browser: running", " ".join(prefix + cmd), flush=True)
        if subprocess.run(prefix + cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            return False
    return True


def ensure() -> str:
    """Return a usable Chromium, installing one if needed; exit 1 with one line if impossible."""
    path = find()
    if path:
        print(f"browser: using {path}")
        return path
    print("browser: no usable Chromium found", flush=True)
    prefix = _can_apt()
    if prefix is not None and _apt_install(prefix) and (path := find()):
        print(f"browser: installed Debian chromium with apt: {path}")
        return path
    print("browser: trying Playwright's own Chromium download", flush=True)
    cmd = [sys.executable, "-m", "playwright", "install", "chromium"]
    if subprocess.run(cmd).returncode == 0 and (path := find()):
        print(f"browser: installed Playwright's Chromium: {path}")
        return path
    raise SystemExit(MISSING.format(python=sys.executable))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "ensure"
    if command == "ensure":
        ensure()
    elif command == "path":
        path = find()
        if not path:
            raise SystemExit(MISSING.format(python=sys.executable))
        print(path)
    else:
        raise SystemExit(f"usage: {sys.argv[0]} ensure|path")


if __name__ == "__main__":
    main()
