"""Warehouse: DuckDB. Owns every SQL statement; a private working database plus a published copy."""

from warehouse.store import LoadResult, Warehouse, open_published

__all__ = ["Warehouse", "LoadResult", "open_published"]
