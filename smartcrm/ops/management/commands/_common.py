"""Helpers shared by the command-line edge."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import CommandError

from smartcrm.core.errors import DomainError


def domain_error_line(error: DomainError) -> CommandError:
    """A domain error as one line naming the field, like the API's problem details."""
    return CommandError(" ".join(str(error).split()))


def ask(
    options: dict[str, Any],
    name: str,
    prompt: str,
    *,
    flag: str,
    secret: bool = False,
    required: bool = True,
) -> str:
    """Take a value from its flag, else prompt when a person is at the terminal."""
    value = options.get(name)
    if value:
        return str(value)
    if options.get("no_input") or not sys.stdin.isatty():
        if required:
            raise CommandError(f"{flag} is required (or run interactively to be asked).")
        return ""
    if secret:
        first = getpass.getpass(f"{prompt}: ")
        if first != getpass.getpass(f"{prompt} (again): "):
            raise CommandError("the two passwords differ.")
        return first
    answer = input(f"{prompt}: ").strip()
    if required and not answer:
        raise CommandError(f"{flag} is required.")
    return answer
