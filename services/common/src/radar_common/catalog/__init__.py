"""The product catalog: products, indentured BOMs, parts with stock, alternates — and its import."""

from radar_common.catalog.files import CATALOG_FILES, CatalogError
from radar_common.catalog.load import ImportReport, import_catalog, import_texts, read_directory

__all__ = [
    "CATALOG_FILES",
    "CatalogError",
    "ImportReport",
    "import_catalog",
    "import_texts",
    "read_directory",
]
