"""Sphinx extension: make the built site work with no network.

- MathJax 2 is served from the installed ``jupyter-server-mathjax`` package
  (copied into ``_static/mathjax`` at the end of the build) instead of a CDN.
- Every page gets ``<meta name="color-scheme">`` so the theme's dark mode
  keeps our white-background figures readable.
"""

from __future__ import annotations

import shutil
from pathlib import Path

MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"


def _mathjax_source() -> Path:
    import jupyter_server_mathjax

    src = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (src / "MathJax.js").exists():  # pragma: no cover - broken install
        raise RuntimeError(f"MathJax not found in {src}; reinstall jupyter-server-mathjax")
    return src


def _config_inited(app, config):
    # pydata-sphinx-theme logs a console error when no default mode is set.
    config.html_context = {**(config.html_context or {}), "default_mode": "auto"}
    config.mathjax_path = MATHJAX_URL
    config.mathjax3_config = None
    config.myst_update_mathjax = False  # myst would add a MathJax 3 configuration
    config.mathjax2_config = {
        "tex2jax": {
            "inlineMath": [["\\(", "\\)"]],
            "displayMath": [["\\[", "\\]"]],
            "processRefs": False,
            "processEnvironments": True,
        },
        "TeX": {"extensions": ["AMSmath.js", "AMSsymbols.js"]},
        # jupyter-server-mathjax ships only the STIX-Web web fonts.
        "HTML-CSS": {
            "availableFonts": [],
            "preferredFont": None,
            "font": "STIX-Web",
            "webFont": "STIX-Web",
            "imageFont": None,
        },
        "SVG": {"font": "STIX-Web"},
        "showMathMenu": False,
    }


def _copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    if (target / "MathJax.js").exists():
        return
    ignore = shutil.ignore_patterns("*.map", "LICENSE")
    shutil.copytree(_mathjax_source(), target, ignore=ignore, dirs_exist_ok=True)


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    """Jupyter Book 1 adds sphinx-thebe's inline script twice, a console error; keep one."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        filename = getattr(script, "filename", script) or ""  # None and "" both mean inline
        key = (str(filename), repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # in place: later handlers (MathJax) append to this same list


def setup(app):
    app.connect("config-inited", _config_inited, priority=900)
    app.connect("html-page-context", _dedupe_scripts, priority=100)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
