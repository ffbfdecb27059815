"""Connectors: fetch bytes, land them raw, yield plain records. No pandas, no DuckDB here."""
