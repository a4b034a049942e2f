"""Exercise checks (see xai4ess.exercises)."""

from __future__ import annotations

__all__: list[str] = []
