"""Catalog files as people have them: CSV or XLSX, any column names, EDA BOM exports.

``read_table`` finds the header of an upload; ``propose_mapping`` suggests which column is
which catalog field; ``convert`` maps, combines and validates the uploads and gives the
canonical CSV texts that ``radar_common.catalog.import_texts`` (the one import operation of the
API, the CLI and the console) loads, or every error with the user's file, line and column.
"""

from radar_common.catalog.sources.canonical import Conversion, FileMapping, SourceError, convert
from radar_common.catalog.sources.designators import DesignatorError, count_designators
from radar_common.catalog.sources.fields import (
    KINDS,
    Field,
    Kind,
    guess_kind,
    header_score,
    normalize_header,
    propose_mapping,
)
from radar_common.catalog.sources.tables import SourceFileError, SourceTable, read_table

__all__ = [
    "KINDS",
    "Conversion",
    "DesignatorError",
    "Field",
    "FileMapping",
    "Kind",
    "SourceError",
    "SourceFileError",
    "SourceTable",
    "convert",
    "count_designators",
    "guess_kind",
    "header_score",
    "normalize_header",
    "propose_mapping",
    "read_table",
]
