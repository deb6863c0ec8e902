"""Errors raised by actions; the API layer maps them to HTTP statuses."""

from __future__ import annotations


class ActionError(Exception):
    """An action refused its input. `field` names the offending input when there is one."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ActionError):
    status = 404


class PermissionDenied(ActionError):
    status = 403


class Conflict(ActionError):
    status = 409
