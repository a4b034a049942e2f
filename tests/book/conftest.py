"""Build the book once per test session (the same command as `make book`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JB = Path(sys.executable).with_name("jupyter-book")


def build_book(path: Path, *extra: str, timeout: int = 3000) -> subprocess.CompletedProcess:
    """Run `jupyter-book build PATH -W --keep-going`: any warning or failing cell fails it."""
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.pop("MPLBACKEND", None)  # the kernels must use the inline backend, or figures vanish
    return subprocess.run(
        [str(JB), "build", str(path), "-W", "--keep-going", *extra],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.fixture(scope="session")
def built_book() -> Path:
    """The repository's book, built into _build/html (execution cache reused)."""
    result = build_book(ROOT)
    log = ROOT / "tests" / "artifacts" / "book-build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(result.stdout + "\n" + result.stderr)
    if result.returncode != 0:
        pytest.fail(
            f"jupyter-book build failed (exit {result.returncode}); see {log}:\n"
            + "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        )
    return ROOT / "_build" / "html"
