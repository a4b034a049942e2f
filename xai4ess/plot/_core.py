"""Plotting helpers (see xai4ess.plot)."""

from __future__ import annotations

__all__: list[str] = []
