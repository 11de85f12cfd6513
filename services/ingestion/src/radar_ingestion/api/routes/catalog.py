"""POST /v1/catalog/import — the HTTP twin of ``radar import DIR``.

Multipart form with any of the files ``products``, ``bom``, ``parts``, ``alternates`` (CSV, the
same columns as the files of ``radar import``). One transaction: a bad file changes nothing and
the 422 problem names the file, line and column. After an import the open notices whose catalog
inputs changed are re-assessed (radar_common.notices.reassessment).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile

from radar_common.catalog import CatalogError, import_texts
from radar_common.notices.reassessment import catalog_changed
from radar_ingestion.api.deps import CredentialsFirst, PoolDep, require_scope
from radar_ingestion.problems import Problem

router = APIRouter(
    route_class=CredentialsFirst,
    prefix="/v1",
    tags=["catalog"],
    dependencies=[require_scope("admin")],
)
MAX_FILE_BYTES = 50 * 1024 * 1024
Csv = Annotated[UploadFile | None, File(description="CSV file")]


async def _text(name: str, upload: UploadFile) -> str:
    data = await upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise Problem(413, "too-large", "File too large", f"{name} is over {MAX_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _invalid(CatalogError(name, 0, "", f"not UTF-8 text: {exc}")) from exc


def _invalid(exc: CatalogError) -> Problem:
    return Problem(
        422,
        "catalog-invalid",
        "The catalog was not imported",
        str(exc),
        file=exc.file,
        line=exc.line,
        column=exc.column,
    )


@router.post("/catalog/import", summary="Import catalog CSV files (all or nothing)")
async def import_catalog(
    pool: PoolDep,
    products: Csv = None,
    bom: Csv = None,
    parts: Csv = None,
    alternates: Csv = None,
) -> dict[str, Any]:
    given = {"products": products, "bom": bom, "parts": parts, "alternates": alternates}
    texts = {
        f"{name}.csv": await _text(f"{name}.csv", upload)
        for name, upload in given.items()
        if upload is not None
    }
    try:
        report = await import_texts(pool, texts)
    except CatalogError as exc:
        raise _invalid(exc) from exc
    await catalog_changed(pool, "api")
    return report.as_dict()
