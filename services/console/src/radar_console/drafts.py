"""Catalog uploads waiting to be mapped, previewed and imported (``console_import_drafts``).

A draft keeps the files as uploaded, for the person who uploaded them only, for a day. Nothing
in a draft reaches the catalog until its import, which goes through ``import_texts``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


@dataclass(frozen=True)
class Draft:
    id: uuid.UUID
    created_by: str
    created_at: datetime
    files: tuple[Upload, ...]


async def save(pool: asyncpg.Pool, owner: str, files: list[Upload]) -> uuid.UUID:
    """Store a new draft (and drop drafts older than a day)."""
    draft_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "DELETE FROM console_import_drafts WHERE created_at < now() - $1::interval", KEEP
        )
        await conn.execute(
            "INSERT INTO console_import_drafts (id, created_by, file_names, file_contents)"
            " VALUES ($1, $2, $3, $4)",
            draft_id,
            owner,
            [f.name for f in files],
            [f.data for f in files],
        )
    return draft_id


async def load(pool: asyncpg.Pool, draft_id: uuid.UUID, owner: str) -> Draft | None:
    """The draft, if it exists, is recent, and belongs to ``owner``."""
    row = await pool.fetchrow(
        "SELECT id, created_by, created_at, file_names, file_contents"
        " FROM console_import_drafts"
        " WHERE id = $1 AND created_by = $2 AND created_at >= now() - $3::interval",
        draft_id,
        owner,
        KEEP,
    )
    if row is None:
        return None
    files = tuple(
        Upload(name, bytes(data))
        for name, data in zip(row["file_names"], row["file_contents"], strict=True)
    )
    return Draft(row["id"], row["created_by"], row["created_at"], files)


async def delete(pool: asyncpg.Pool, draft_id: uuid.UUID) -> None:
    await pool.execute("DELETE FROM console_import_drafts WHERE id = $1", draft_id)
