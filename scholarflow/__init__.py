"""scholarflow: researcher metadata pipeline (arXiv + OpenAlex -> DuckDB)."""

__version__ = "0.1.0"
