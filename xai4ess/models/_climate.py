"""Model (see xai4ess.models)."""

from __future__ import annotations
