"""Generator (see xai4ess.data)."""

from __future__ import annotations
