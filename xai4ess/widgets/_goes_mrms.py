"""Interactive demo (see xai4ess.widgets)."""

from __future__ import annotations

__all__: list[str] = []
