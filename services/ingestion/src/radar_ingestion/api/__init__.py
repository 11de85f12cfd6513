"""HTTP transport of the ingestion service."""
