"""Command line: ``python -m xai4ess setup``, ``python -m xai4ess data verify|list`` and
``python -m xai4ess data regenerate [NAME ...]``.

The recipe names come from the registry, which derives them from the story table
(:mod:`xai4ess.stories`); :mod:`xai4ess.recipes` runs them."""

from __future__ import annotations

import argparse
import sys

from . import recipes, registry, stories


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xai4ess", description=__doc__)
    sub = parser.add_subparsers(dest="group", required=True)
    data = sub.add_parser("data", help="check or regenerate the shipped files in data/")
    dsub = data.add_subparsers(dest="action", required=True)
    dsub.add_parser("verify", help="check every registered file against its SHA-256")
    dsub.add_parser("list", help="list the recipes")
    regen = dsub.add_parser("regenerate", help="rewrite files from their recipes")
    regen.add_argument(
        "names", nargs="*", help=f"recipes (default: all): {', '.join(registry.RECIPES)}"
    )
    setup = sub.add_parser(
        "setup",
        help="install iNNvestigate/tf-explain beside this Python's TensorFlow, then check LRP",
    )
    setup.add_argument("--dry-run", action="store_true", help="print the pip commands only")
    setup.add_argument("--check", action="store_true", help="only run the LRP check")
    args = parser.parse_args(argv)

    if args.group == "setup":
        from . import _setup

        return _setup.main(dry_run=args.dry_run, check_only=args.check)
    if args.action == "list":
        for r in registry.RECIPES.values():
            print(f"{r.name:18s} {r.kind:8s} {r.description}")
        print(f"stories (xai4ess.stories): {', '.join(stories.names())}")
        return 0
    if args.action == "verify":
        report = registry.verify()
        bad = {k: v for k, v in report.items() if v != "ok"}
        for name, status in report.items():
            print(f"{'ok ' if status == 'ok' else 'BAD'} {name}")
        for status in bad.values():
            print(status, file=sys.stderr)
        print(f"{len(report) - len(bad)} ok, {len(bad)} bad")
        return 1 if bad else 0
    try:
        recipes.regenerate(args.names)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
