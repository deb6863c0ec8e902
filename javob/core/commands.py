"""Shared pieces of the administration commands: JSON output and action errors."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from javob.core.errors import ActionError


class JsonCommand(BaseCommand):
    """A command that prints one JSON object and turns action errors into clear failures."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except ActionError as exc:
            where = f" ({exc.field})" if exc.field else ""
            raise CommandError(f"{exc.message}{where}") from exc

    def emit(self, data: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))
