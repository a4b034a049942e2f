"""Configure a JupyterLab environment the way Binder runs the course (called by ``postBuild``).

    python tools/binder_setup.py [--prefix PREFIX] [--kernel-python PYTHON]

Writes into ``PREFIX`` (the environment that runs JupyterLab; on Binder
``$NB_PYTHON_PREFIX``, by default this interpreter's ``sys.prefix``):

- ``share/jupyter/lab/settings/overrides.json``: a chapter *source* (``.md``)
  opens in JupyterLab's rendered, read-only **Markdown Preview**, never in the
  text editor (whose autosave would rewrite it) and never as a Jupytext
  notebook (which would show the solutions and rewrite the file's header).
  Students work in the generated ``notebooks/*.ipynb`` instead. No news or
  update checks (no network needed).
- ``etc/jupyter/jupyter_server_config.json`` (merged into an existing one; the
  server reads ``jupyter_server_config.d/`` only to enable extensions): kernels that no tab is
  connected to are shut down after ``CULL_IDLE`` seconds of idleness, so a
  chapter left behind does not keep its ~0.7 GB while the next one runs.
- ``share/jupyter/kernels/python3/kernel.json``: the course kernel (``PYTHON``,
  default this interpreter) with ``MALLOC_ARENA_MAX=2`` (glibc keeps fewer
  per-thread heaps: TensorFlow's thread pools otherwise hold on to freed memory),
  large blocks (>= 128 kB) mapped and returned to the system when freed
  (``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_``; chapter 2's live peak
  1.25 -> 1.21 GB). TensorFlow's log level is left to ``xai4ess`` (it sets 3).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

CULL_IDLE = 300

OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {
        "defaultViewers": {"markdown": "Markdown Preview"},
    },
    "@jupyterlab/apputils-extension:notification": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
}

SERVER_CONFIG = {
    "MappingKernelManager": {
        "cull_idle_timeout": CULL_IDLE,
        "cull_interval": 60,
        "cull_connected": False,
    },
}

KERNEL_ENV = {
    "MALLOC_ARENA_MAX": "2",
    "MALLOC_MMAP_THRESHOLD_": "131072",
    "MALLOC_TRIM_THRESHOLD_": "131072",
}


def kernel_spec(python: str) -> dict:
    """The kernel.json of the course kernel run by ``python``."""
    return {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "env": dict(KERNEL_ENV),
        "metadata": {"debugger": True},
    }


def _merge(path: Path, content: dict) -> dict:
    """``content`` merged (one level per section) into the JSON already at ``path``."""
    old = json.loads(path.read_text()) if path.exists() else {}
    for section, values in content.items():
        old[section] = {**old.get(section, {}), **values}
    return old


def configure(prefix: Path, kernel_python: str) -> list[Path]:
    """Write the three files into ``prefix``; return their paths.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> paths = configure(d, "/usr/bin/python3")
    >>> json.loads(paths[1].read_text())["MappingKernelManager"]["cull_idle_timeout"]
    300
    """
    server = prefix / "etc/jupyter/jupyter_server_config.json"
    files = {
        prefix / "share/jupyter/lab/settings/overrides.json": _merge(
            prefix / "share/jupyter/lab/settings/overrides.json", OVERRIDES
        ),
        server: _merge(server, SERVER_CONFIG),
        prefix / "share/jupyter/kernels/python3/kernel.json": kernel_spec(kernel_python),
    }
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2) + "\n")
    return list(files)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prefix", type=Path, default=Path(sys.prefix))
    parser.add_argument("--kernel-python", default=sys.executable)
    args = parser.parse_args(argv)
    for path in configure(args.prefix, args.kernel_python):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
