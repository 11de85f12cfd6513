"""The catalog: what it holds (everyone), and its import (admins).

Import in three steps, nothing written before the last:
1. ``POST /catalog/import``: the files (CSV or XLSX; products, BOM, parts, alternates, or BOM
   exports from KiCad and Altium) are read and kept as a draft.
2. ``GET /catalog/import/{draft}``: each file's kind and column mapping, proposed from its
   header names and changed by the user (query parameters, so the preview is a plain GET), and
   the preview: every error with file, line and column, or what the import will replace.
3. ``POST /catalog/import/{draft}``: converted and checked again, then loaded by
   ``radar_common.catalog.import_texts`` — the same operation as ``POST /v1/catalog/import``
   and ``radar import``: one transaction, each file replaces its table, a bad file changes
   nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from radar_common.catalog import CatalogError, import_texts
from radar_common.catalog.sources import (
    KINDS,
    Conversion,
    FileMapping,
    SourceFileError,
    SourceTable,
    convert,
    guess_kind,
    header_score,
    propose_mapping,
    read_table,
)
from radar_common.notices.reassessment import catalog_changed
from radar_console import drafts
from radar_console.auth.session import Admin, Viewer
from radar_console.state import StateDep
from radar_console.web.frame import render

router = APIRouter(include_in_schema=False)
TABLES = {"products": "products", "bom": "bom_lines", "parts": "parts", "alternates": "alternates"}
LISTED = 100
COUNTS_SQL = (
    "SELECT (SELECT count(*) FROM products) AS products, (SELECT count(*) FROM bom_lines) AS bom,"
    " (SELECT count(*) FROM parts) AS parts, (SELECT count(*) FROM alternates) AS alternates"
)


async def catalog_counts(pool: asyncpg.Pool) -> dict[str, int]:
    """Rows per catalog table, by kind."""
    row = await pool.fetchrow(COUNTS_SQL)
    assert row is not None
    return {k: int(row[k]) for k in TABLES}


@router.get("/catalog")
async def catalog(request: Request, state: StateDep, user: Viewer) -> Response:
    products = await state.pool.fetch(
        "SELECT sku, name, unit_price, monthly_demand, end_of_support FROM products"
        " ORDER BY sku LIMIT $1",
        LISTED,
    )
    parts = await state.pool.fetch(
        "SELECT mpn, manufacturer, unit_price, on_hand, on_order, lifecycle_status FROM parts"
        " ORDER BY mpn LIMIT $1",
        LISTED,
    )
    return render(
        request,
        "catalog.html",
        {
            "counts": await catalog_counts(state.pool),
            "products": products,
            "parts": parts,
            "listed": LISTED,
        },
        active="catalog",
    )


@router.get("/catalog/import")
async def upload_page(request: Request, user: Admin) -> Response:
    return render(request, "catalog_upload.html", {"kinds": KINDS}, active="catalog")


@router.post("/catalog/import")
async def upload(
    request: Request,
    state: StateDep,
    user: Admin,
    files: Annotated[list[UploadFile], File()],
) -> Response:
    limit = state.settings.console_max_upload_bytes
    uploads: list[drafts.Upload] = []
    problems: list[str] = []
    for upload in files:
        if not upload.filename:
            continue
        data = await upload.read(limit + 1)
        if len(data) > limit:
            problems.append(f"{upload.filename}: larger than {limit:,} bytes")
            continue
        try:
            read_table(upload.filename, data, header_score)
        except SourceFileError as exc:
            problems.append(str(exc))
            continue
        uploads.append(drafts.Upload(upload.filename, data))
    if not uploads and not problems:
        problems.append("Choose at least one file.")
    if problems:
        return render(
            request,
            "catalog_upload.html",
            {"kinds": KINDS, "problems": problems},
            status=422,
            active="catalog",
        )
    draft_id = await drafts.save(state.pool, user.subject, uploads)
    return RedirectResponse(f"/catalog/import/{draft_id}", status_code=303)


@dataclass(frozen=True)
class MappedFile:
    """One uploaded file on the mapping page."""

    index: int
    table: SourceTable
    mapping: FileMapping


def mapped_files(tables: list[SourceTable], params: Mapping[str, str]) -> list[MappedFile]:
    """Each file's kind and mapping: as the form sent them, else proposed from the header.

    The form carries ``kind-was-N``, the kind its column choices were made for: when the user
    switches a file's kind, the columns are proposed afresh for the new kind.
    """
    out = []
    for i, table in enumerate(tables):
        kind = KINDS.get(params.get(f"kind-{i}", "")) or guess_kind(table.file, table.header)
        if params.get("mapped") == "1" and params.get(f"kind-was-{i}") == kind.name:
            columns = {
                f.name: _column(params.get(f"col-{i}-{f.name}", ""), table) for f in kind.fields
            }
        else:
            columns = propose_mapping(kind, table.header)
        assembly = params.get(f"assembly-{i}", "").strip()
        out.append(MappedFile(i, table, FileMapping(kind.name, columns, assembly)))
    return out


def _column(raw: str, table: SourceTable) -> int | None:
    return int(raw) if raw.isdigit() and int(raw) < len(table.header) else None


async def _draft_tables(
    state: StateDep, draft_id: uuid.UUID, owner: str
) -> list[SourceTable] | None:
    draft = await drafts.load(state.pool, draft_id, owner)
    if draft is None:
        return None
    return [read_table(f.name, f.data, header_score) for f in draft.files]


def _gone(request: Request) -> Response:
    return render(
        request,
        "error.html",
        {
            "title": "Upload not found",
            "message": "This upload does not exist any more (uploads are kept for a day). "
            "Upload the files again.",
            "back": "/catalog/import",
        },
        status=404,
        active="catalog",
    )


async def _preview(
    state: StateDep, files: list[MappedFile], draft_id: uuid.UUID
) -> tuple[Conversion, dict[str, object]]:
    """Convert and check the files as mapped: the conversion, and the mapping page's context."""
    conversion = await run_in_threadpool(
        convert, [f.table for f in files], [f.mapping for f in files]
    )
    context: dict[str, object] = {
        "draft_id": draft_id,
        "files": files,
        "kinds": KINDS,
        "conversion": conversion,
        "counts": await catalog_counts(state.pool),
        "tables": TABLES,
    }
    return conversion, context


@router.get("/catalog/import/{draft_id}")
async def mapping_page(
    request: Request, state: StateDep, user: Admin, draft_id: uuid.UUID
) -> Response:
    tables = await _draft_tables(state, draft_id, user.subject)
    if tables is None:
        return _gone(request)
    files = mapped_files(tables, request.query_params)
    conversion, context = await _preview(state, files, draft_id)
    return render(
        request,
        "catalog_import.html",
        context,
        status=200 if conversion.ok else 422,
        active="catalog",
    )


@router.post("/catalog/import/{draft_id}")
async def commit(request: Request, state: StateDep, user: Admin, draft_id: uuid.UUID) -> Response:
    tables = await _draft_tables(state, draft_id, user.subject)
    if tables is None:
        return _gone(request)
    form = await request.form()
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    files = mapped_files(tables, params)
    conversion, context = await _preview(state, files, draft_id)
    if not conversion.ok:
        return render(request, "catalog_import.html", context, status=422, active="catalog")
    try:
        report = await import_texts(state.pool, conversion.texts)
    except CatalogError as exc:
        # The same parsers accepted these texts a moment ago; say so plainly if they do not.
        context["import_error"] = str(exc)
        return render(request, "catalog_import.html", context, status=422, active="catalog")
    await catalog_changed(state.pool, "console")  # the scheduler re-assesses what it touches
    await drafts.delete(state.pool, draft_id)
    return render(
        request,
        "catalog_imported.html",
        {"report": report, "files": files, "counts": await catalog_counts(state.pool)},
        active="catalog",
    )
