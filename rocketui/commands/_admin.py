"""Shared by the day-2 subcommands (topics, topic, groups, lag, reset-offset, msg, drain, stats)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rocketui.text import inert
from rocketui.usecases.gate import Outcome


def add_change_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print the equivalent mqadmin commands, change nothing")
    parser.add_argument("--read-only", action="store_true", help="refuse to change anything")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")


def print_json(data: object) -> None:
    print(json.dumps(data, indent=2, default=str))


def finish(command: str, outcome: Outcome[Any], args: argparse.Namespace, value: object = None) -> int:
    """--dry-run: the mqadmin lines on stdout; --json: the outcome; else summary (and lines) on stderr."""
    if args.json:
        print_json(
            {
                "ok": outcome.ok,
                "refused": outcome.refused,
                "summary": outcome.summary,
                "mqadmin": list(outcome.details),
                "dry_run": bool(getattr(args, "dry_run", False)),
                "value": value,
            }
        )
        return outcome.exit_code
    if getattr(args, "dry_run", False) and outcome.ok:
        for line in outcome.details:
            print(inert(line))
        return 0
    if outcome.ok:
        print(inert(outcome.summary))
    else:
        print(f"rocketui {command}: {inert(outcome.summary)}", file=sys.stderr)
    return outcome.exit_code


def show(text: str) -> None:
    print(inert(text, newlines=True))
