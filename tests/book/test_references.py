"""The references page groups every bibliography entry under exactly one topic."""

from __future__ import annotations

import re

from .conftest import ROOT


def test_every_entry_in_exactly_one_topic():
    keys = re.findall(r"^@\w+\{([\w-]+),", (ROOT / "references.bib").read_text(), re.M)
    filters = re.findall(r':filter: key % "\^\(([^)]*)\)\$"', (ROOT / "references.md").read_text())
    grouped = [k for f in filters for k in f.split("|")]
    assert len(filters) >= 6
    assert sorted(grouped) == sorted(set(grouped)), "an entry is listed under two topics"
    assert set(grouped) == {k.lower() for k in keys}, (
        f"not grouped: {set(k.lower() for k in keys) - set(grouped)}; "
        f"unknown: {set(grouped) - set(k.lower() for k in keys)}"
    )
