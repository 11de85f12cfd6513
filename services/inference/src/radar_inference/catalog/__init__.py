"""Loading the catalog the engine reads (the parsing and loading live in radar_common.catalog)."""
