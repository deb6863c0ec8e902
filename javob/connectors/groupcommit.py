"""Group commit for the webhook door: the payload inserts of concurrent webhooks, one COMMIT.

On PostgreSQL with the database task queue (where the payload row is the queue entry), the
door (`javob.connectors.asgi`) stores a webhook whose inbox it has cached without leaving the
event loop: it hands the insert to this process's `PayloadWriter`, which sends every insert
waiting at that moment in one pipeline and one transaction on its own async connection, and
answers each only after COMMIT has returned. An acknowledgement therefore never precedes
durability. While one batch commits, the next gathers; a lone webhook is one autocommitted
statement, so nothing waits for company.

Each insert is the conditional statement of `actions.store_payload(version=...)`: stored only
while the inbox is active and still the version its connector was built from, and not when the
provider id is already stored. Anything but a stored row (a stale version, a repeated delivery,
a failed batch) answers None, and the door then takes the thread path, which reads the inbox
afresh and stores through Django as before.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections
from django.utils import timezone
from psycopg.types.json import Jsonb

from javob.connectors.models import InboundPayload
from javob.connectors.queries import InboxVersion
from javob.conversations.models import Inbox

logger = logging.getLogger(__name__)
MAX_BATCH = 64
# Django's own connection parameters that psycopg.connect() does not take, or that only
# matter to Django's cursors.
_DJANGO_ONLY = ("cursor_factory", "context", "prepare_threshold")


def enabled() -> bool:
    """True where the door may store through the writer: PostgreSQL, and workers that claim
    stored payloads themselves (no task to queue after commit); `JAVOB_WEBHOOK_GROUP_COMMIT=0`
    turns it off."""
    from javob.connectors.tasks import claims_pending_payloads

    if not settings.WEBHOOK_GROUP_COMMIT:
        return False
    alias = InboundPayload.objects.db
    return connections[alias].vendor == "postgresql" and claims_pending_payloads()


@dataclass(slots=True)
class _Insert:
    version: InboxVersion
    provider_id: str | None
    body: bytes
    headers: dict[str, str]
    done: asyncio.Future[int | None] = field(repr=False)

    @property
    def lock_order(self) -> tuple[int, str]:
        return self.version.inbox_id, self.provider_id or ""


class PayloadWriter:
    """One per event loop: a connection of its own and a queue of inserts waiting for it."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.queue: asyncio.Queue[_Insert] = asyncio.Queue()
        self.connection: psycopg.AsyncConnection[Any] | None = None
        self.sql = _insert_sql()
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def store(
        self, version: InboxVersion, provider_id: str | None, body: bytes, headers: dict[str, str]
    ) -> int | None:
        """The new payload's id once committed; None when not stored (see the module)."""
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait(_Insert(version, provider_id, body, headers, done))
        return await done

    async def _run(self) -> None:
        try:
            while True:
                batch = [await self.queue.get()]
                while len(batch) < MAX_BATCH and not self.queue.empty():
                    batch.append(self.queue.get_nowait())
                await self._flush(batch)
        finally:
            if self.connection is not None:
                await self.connection.close()

    async def _flush(self, batch: list[_Insert]) -> None:
        try:
            ids = await self._commit(batch)
        except Exception:
            # The door stores each of them again through Django (its thread path).
            logger.warning("A batch of %s webhook payloads failed", len(batch), exc_info=True)
            ids = [None] * len(batch)
            await self._reset()
        for insert, payload_id in zip(batch, ids, strict=True):
            if not insert.done.done():
                insert.done.set_result(payload_id)

    async def _commit(self, batch: list[_Insert]) -> list[int | None]:
        """Insert `batch` in one transaction; each row's id, or None where nothing was stored."""
        connection = await self._connection()
        received_at = timezone.now()
        if len(batch) == 1:
            # Alone: one autocommitted statement, no pipeline or BEGIN/COMMIT round.
            cursor = await connection.execute(
                self.sql, _params(batch[0], received_at), prepare=True
            )
            row = await cursor.fetchone()
            return [int(row[0]) if row else None]
        # The same order in every batch: two batches that insert the same provider ids wait
        # for each other, never deadlock.
        ordered = sorted(range(len(batch)), key=lambda i: batch[i].lock_order)
        cursors = []
        async with connection.pipeline(), connection.transaction():
            for index in ordered:
                insert = batch[index]
                cursor = connection.cursor()
                await cursor.execute(self.sql, _params(insert, received_at), prepare=True)
                cursors.append((index, cursor))
        ids: list[int | None] = [None] * len(batch)
        for index, cursor in cursors:
            row = await cursor.fetchone()
            ids[index] = int(row[0]) if row else None
        return ids

    async def _reset(self) -> None:
        """Drop the connection after a failure (the next batch connects afresh)."""
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:
                logger.debug("Closing the writer's connection failed", exc_info=True)

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self.connection is None or self.connection.closed:
            params = connections[self.alias].get_connection_params()
            for name in _DJANGO_ONLY:
                params.pop(name, None)
            # Autocommit: a lone insert commits by itself; a batch has its own transaction.
            self.connection = await psycopg.AsyncConnection.connect(**params, autocommit=True)
        return self.connection


def _params(insert: _Insert, received_at: Any) -> list[Any]:
    version = insert.version
    return [
        insert.provider_id,
        insert.body,
        Jsonb(insert.headers),
        received_at,
        version.inbox_id,
        version.kind,
        version.secrets,
        version.settings,
    ]


def _insert_sql() -> str:
    """`actions._insert_if_current`'s statement, for psycopg with server-side parameters."""
    table = InboundPayload._meta.db_table
    columns = "workspace_id, inbox_id, provider_id, body, headers, received_at, attempts, error"
    # Only identifiers from the models are formatted in; every value is a parameter.
    return (
        f'INSERT INTO "{table}" ({columns}, ignored) '  # noqa: S608
        "SELECT workspace_id, id, %s, %s, %s, %s, 0, '', '' "
        f'FROM "{Inbox._meta.db_table}" '
        "WHERE id = %s AND kind = %s AND is_active AND secrets = %s "
        "AND CAST(settings AS TEXT) = %s "
        "ON CONFLICT DO NOTHING RETURNING id"
    )


_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PayloadWriter] = (
    weakref.WeakKeyDictionary()
)


def writer() -> PayloadWriter:
    """This event loop's writer (made on first use)."""
    loop = asyncio.get_running_loop()
    found = _writers.get(loop)
    if found is None or found.task.done():
        found = _writers[loop] = PayloadWriter(InboundPayload.objects.db)
    return found
