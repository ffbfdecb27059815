"""The one typed settings object: environment variables (and .env) in, validated values out."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError

__all__ = ["Settings", "SAMPLE_DIR", "DEFAULT_SCORING", "load_scoring_config"]

# The bundled sample is a folder of recorded responses beside this package (a path, not an import).
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "scholarflow" / "sample"
DEFAULT_SCORING = Path(__file__).parent / "scoring.toml"
OPENALEX_URL = "https://api.openalex.org"
ARXIV_API_URL = "https://export.arxiv.org/api/query"
ARXIV_OAI_URL = "https://oaipmh.arxiv.org/oai"
_EMBEDDERS = ("hashing-rp", "tfidf-svd", "minilm")  # transforms.embed.EMBEDDERS (core imports nothing of the project)


def load_scoring_config(path: str | Path | None = None) -> dict:
    """Return the scoring configuration of a TOML file (default: the packaged scoring.toml), checked.

    Every key of the packaged file must be present with a non-negative number (the embedder
    name excepted); unknown keys are refused, so a typo can't silently leave a weight out.
    """
    path = Path(path) if path else DEFAULT_SCORING
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no scoring configuration at {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"can't read the scoring configuration {path}: {exc}") from None
    reference = tomllib.loads(DEFAULT_SCORING.read_text(encoding="utf-8"))
    for section, keys in reference.items():
        got = config.get(section)
        if not isinstance(got, dict):
            raise ConfigError(f"{path}: section [{section}] is missing")
        unknown = sorted(set(got) - set(keys))
        missing = sorted(set(keys) - set(got))
        if unknown or missing:
            raise ConfigError(f"{path}: [{section}] " + "; ".join(
                filter(None, [f"unknown key(s) {', '.join(unknown)}" if unknown else "",
                              f"missing key(s) {', '.join(missing)}" if missing else ""])))
        for key, value in got.items():
            if key == "embedder":
                if value not in _EMBEDDERS:
                    raise ConfigError(f"{path}: [novelty] embedder must be one of {', '.join(_EMBEDDERS)}, not {value!r}")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{path}: [{section}] {key} must be a non-negative number, not {value!r}")
    if not sum(config["profile"][k] for k in ("impact", "h_index", "novelty", "activity")):
        raise ConfigError(f"{path}: [profile] weights are all zero")
    if not 0 <= config["novelty"]["distance_percentile"] <= 100:
        raise ConfigError(f"{path}: [novelty] distance_percentile must be between 0 and 100")
    extra = sorted(set(config) - set(reference))
    if extra:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(extra)}")
    return config


class Settings(BaseSettings):
    """Where data lives and how politely we talk to the sources."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    openalex_api_key: SecretStr | None = Field(default=None, alias="OPENALEX_API_KEY")
    openalex_email: str | None = Field(default=None, alias="OPENALEX_EMAIL")
    home: Path = Field(default=Path("data"), alias="SCHOLARFLOW_HOME")
    warehouse_path: Path | None = Field(default=None, alias="SCHOLARFLOW_WAREHOUSE")
    # arXiv terms of use: one request every 3 s, one connection at a time.
    arxiv_delay_seconds: float = Field(default=3.0, ge=0, alias="SCHOLARFLOW_ARXIV_DELAY_SECONDS")
    # OpenAlex allows 100 requests/s; we stay far below it.
    openalex_delay_seconds: float = Field(default=0.1, ge=0, alias="SCHOLARFLOW_OPENALEX_DELAY_SECONDS")
    # Live requests take slots of Prefect global rate limits, so the rates above hold across every process of a server.
    shared_rate_limits: bool = Field(default=True, alias="SCHOLARFLOW_SHARED_RATE_LIMITS")
    # A nightly lists this many authors' works per OpenAlex call (author.id:A1|…|An; OpenAlex ORs at most 100).
    openalex_authors_per_call: int = Field(default=100, ge=1, le=100, alias="SCHOLARFLOW_OPENALEX_AUTHORS_PER_CALL")
    max_attempts: int = Field(default=5, ge=1, le=20, alias="SCHOLARFLOW_MAX_ATTEMPTS")
    backoff_seconds: float = Field(default=2.0, ge=0, alias="SCHOLARFLOW_BACKOFF_SECONDS")
    # A Retry-After longer than this (a spent daily budget says hours) fails now instead of sleeping.
    max_retry_after_seconds: float = Field(default=300.0, ge=0, alias="SCHOLARFLOW_MAX_RETRY_AFTER_SECONDS")
    timeout_seconds: float = Field(default=30.0, gt=0, alias="SCHOLARFLOW_TIMEOUT_SECONDS")
    arxiv_page_size: int = Field(default=200, ge=1, le=2000, alias="SCHOLARFLOW_ARXIV_PAGE_SIZE")
    arxiv_max_results: int = Field(default=2000, ge=1, le=30000, alias="SCHOLARFLOW_ARXIV_MAX_RESULTS")
    # `scholarflow sql`: a query running longer is stopped; a terminal table shows at most this many rows.
    sql_timeout_seconds: float = Field(default=60.0, gt=0, alias="SCHOLARFLOW_SQL_TIMEOUT_SECONDS")
    sql_max_rows: int = Field(default=1000, ge=1, alias="SCHOLARFLOW_SQL_MAX_ROWS")
    # Where the sources answer: the real services by default; a local mirror, a caching proxy or a test server otherwise.
    openalex_base_url: str = Field(default=OPENALEX_URL, alias="OPENALEX_BASE_URL")
    arxiv_api_url: str = Field(default=ARXIV_API_URL, alias="ARXIV_API_URL")
    arxiv_oai_url: str = Field(default=ARXIV_OAI_URL, alias="ARXIV_OAI_URL")
    # The nightly's arXiv side: one OAI-PMH harvest of what changed, matched by name ("harvest"), or a name search per author.
    arxiv_nightly: Literal["harvest", "search"] = Field(default="harvest", alias="SCHOLARFLOW_ARXIV_NIGHTLY")
    # An author whose arXiv records were last fetched longer ago than this is searched by name instead of harvested for.
    arxiv_harvest_max_days: int = Field(default=30, ge=1, le=3650, alias="SCHOLARFLOW_ARXIV_HARVEST_MAX_DAYS")

    @field_validator("openalex_base_url", "arxiv_api_url", "arxiv_oai_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"must be an http(s) URL without a query, such as {OPENALEX_URL}")
        return value.strip().rstrip("/")

    def __init__(self, **values):
        # A bad environment variable is bad input: one line naming it, not a validation traceback.
        try:
            super().__init__(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            name = ".".join(str(p) for p in first["loc"]) or "a setting"
            shown = "***" if "KEY" in name.upper() else repr(first.get("input"))
            raise ConfigError(f"{name} is invalid ({first['msg'].removeprefix('Value error, ')}; got {shown})") from None

    def with_warehouse(self, path: str | Path | None) -> "Settings":
        """Return these settings pointed at another published warehouse path (None keeps them)."""
        if path is None:
            return self
        return self.model_copy(update={"warehouse_path": Path(path)})

    @property
    def warehouse(self) -> Path:
        """The published, read-only copy that analysts and pages open."""
        return self.warehouse_path or self.home / "warehouse.duckdb"

    @property
    def working_warehouse(self) -> Path:
        """The pipeline's private database; only `publish` copies it over the published one."""
        w = self.warehouse
        return w.with_name(f".{w.stem}.work.duckdb")

    @property
    def raw_dir(self) -> Path:
        return self.warehouse.parent / "raw"

    def require_openalex_key(self) -> str:
        """Return the OpenAlex key, or stop at once with a clear message (live runs only)."""
        key = self.openalex_api_key.get_secret_value().strip() if self.openalex_api_key else ""
        if not key:
            raise ConfigError(
                "OPENALEX_API_KEY is not set: a live run needs a free OpenAlex key "
                "(openalex.org/settings/api); use --offline-sample to run on the bundled sample"
            )
        return key

    def __repr_args__(self):
        # Never show the key, even in a debug repr.
        for name, value in super().__repr_args__():
            yield name, ("***" if name == "openalex_api_key" and value else value)
