"""What a leaked solution looks like: shared by the student-edition and assignment leak tests."""

from __future__ import annotations


def distinctive_lines(block: str) -> list[str]:
    """Lines of a solution block that would only appear if the solution leaked."""
    lines = []
    for line in block.splitlines():
        s = line.strip()
        if len(s) < 30 or s.startswith(("```", ":::", "#", ":class", ":label")):
            continue
        if "exercises.check" in s or s.startswith(("import ", "from ")):
            continue
        lines.append(s)
    return lines
