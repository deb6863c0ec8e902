"""The REST API under /api/v1/ (Django Ninja); OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="Javob API", version="1", urls_namespace="api-v1")
