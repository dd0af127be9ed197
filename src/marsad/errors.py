"""Marsad's error types: each maps to one clear line for users, never a traceback."""

from __future__ import annotations


class MarsadError(Exception):
    """Base class for errors Marsad reports to users as one line."""

    #: Process exit code the CLI uses for this error.
    exit_code = 1


class InputError(MarsadError):
    """The input given (a path, a query, a file) cannot be used."""

    exit_code = 2


class RejectedInput(MarsadError):
    """A document was understood to be unusable; carries a machine-readable reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class StoreError(MarsadError):
    """The store cannot be opened or written (wrong path, newer schema, corruption)."""

    exit_code = 3


class SettingsError(MarsadError):
    """A setting has an unknown name or a value of the wrong type."""

    exit_code = 2
