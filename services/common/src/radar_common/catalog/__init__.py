"""The product catalog: products, indentured BOMs, parts with stock, alternates — and its import."""

from radar_common.catalog.files import CATALOG_FILES, CatalogError
from radar_common.catalog.load import ImportReport, import_catalog, import_texts, read_directory
from radar_common.catalog.partnumbers import base_mpn, normalize_mpn

__all__ = [
    "CATALOG_FILES",
    "CatalogError",
    "ImportReport",
    "base_mpn",
    "import_catalog",
    "import_texts",
    "normalize_mpn",
    "read_directory",
]
