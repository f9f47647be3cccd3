"""One ``Settings`` object for the service (pydantic-settings, environment variables).

``DATABASE_URL`` picks the database (SQLite file under ``var/`` by default, PostgreSQL by
URL); every other knob is ``WFM_<NAME>``. Placeholder secrets are refused at start-up, the
way the full-stack FastAPI template refuses ``changethis``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRETS: frozenset[str] = frozenset(
    {"changethis", "changeme", "change-me", "secret", "password", "admin", "postgres", "test"}
)
"""Values that must never be used as a password or an API key."""


class Settings(BaseSettings):
    """Configuration of the service; read from the environment, overridable in tests."""

    model_config = SettingsConfigDict(env_prefix="WFM_", extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite:///var/wfm.db",
        validation_alias=AliasChoices("DATABASE_URL", "WFM_DATABASE_URL"),
        description="SQLAlchemy URL; a relative SQLite path is relative to the working directory.",
    )
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    """Largest request body accepted (413 beyond)."""
    max_tickets: int = Field(default=2000, ge=1)
    """Most tickets in one problem (dispatch, import) (422 beyond)."""
    max_engineers: int = Field(default=300, ge=1)
    """Most engineers in one problem (422 beyond)."""
    max_roster_days: int = Field(default=92, ge=1)
    """Longest roster horizon in days (422 beyond)."""
    max_replications: int = Field(default=200, ge=1)
    """Most what-if replications in one job (422 beyond)."""
    max_time_limit_s: float = Field(default=300.0, gt=0)
    """Longest solver time limit a job may ask for (422 beyond)."""
    max_wait_s: float = Field(default=30.0, ge=0)
    """Longest synchronous wait (``?wait=S``) for a job."""
    job_workers: int = Field(default=2, ge=0)
    """Worker processes for solve jobs; 0 queues jobs without running them (maintenance)."""
    prestart_workers: bool = True
    """Start the worker processes with the service (else at the first job)."""
    job_max_attempts: int = Field(default=3, ge=1, le=20)
    """Times a job is started before a job whose workers keep dying is failed."""
    max_queued_jobs: int = Field(default=200, ge=1)
    """Most jobs waiting for a worker in all (429 beyond)."""
    max_queued_jobs_per_key: int = Field(default=20, ge=1)
    """Most jobs waiting for a worker per API key (429 beyond)."""
    worker_heartbeat_s: float = Field(default=5.0, gt=0, le=300)
    """How often a queue worker (PostgreSQL) says it is alive."""
    worker_stalled_after_s: float = Field(default=30.0, gt=0, le=3600)
    """A queue worker silent this long is dead: its jobs are queued again."""
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Origins allowed by CORS; empty (the default) means CORS is closed."""
    log_level: str = "INFO"
    demo_key: str | None = None
    """A fixed demo API key for ``wfm serve --init`` (random when unset)."""
    max_json_depth: int = Field(default=32, ge=4, le=500)
    """Deepest nesting of arrays and objects in a JSON body (422 beyond)."""
    body_chunk_timeout_s: float = Field(default=15.0, gt=0)
    """Longest pause between two chunks of a request body (408 and the connection closed)."""
    body_timeout_s: float = Field(default=60.0, gt=0)
    """Longest time to receive a whole request body (408 and the connection closed)."""
    auth_failure_limit: int = Field(default=20, ge=1)
    """Failed authentications a client address or a key prefix may have in the window."""
    auth_failure_window_s: float = Field(default=60.0, gt=0)
    """The window of ``auth_failure_limit``; beyond it, keyed requests get 429."""
    docs_access: Literal["public", "key", "off"] = "public"
    """The API documentation (``/docs``, ``/openapi.json``): open to all, only
    with an API key (the pages send the key the web pages keep), or not served."""
    map_tile_url: str | None = Field(default=None, pattern=r"^https?://[^\s\"'<>]+$")
    """Map tiles for the dispatcher board, e.g. ``https://tiles.example/{z}/{x}/{y}.png``;
    unset (the default): the map draws the bundled outline of Saratov and Engels."""
    geocode_cache: Path = Path("var/geocode_cache.json")
    """The geocoding cache file (``wfm travel geocode`` fills it); relative to the working
    directory."""
    geocode_online: bool = False
    """Ask Nominatim for an address neither a stored site nor the cache knows (needs the
    network; off by default, so the service never calls out unless told to)."""

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, v: object) -> object:
        if isinstance(v, str):
            return [o.strip() for o in v.split(",") if o.strip()]
        return v

    @field_validator("database_url")
    @classmethod
    def _psycopg_driver(cls, v: str) -> str:
        """A bare ``postgresql://`` URL uses psycopg 3, the driver we ship."""
        for prefix in ("postgresql://", "postgres://"):
            if v.startswith(prefix):
                return "postgresql+psycopg://" + v[len(prefix) :]
        return v

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> Self:
        check_not_placeholder("WFM_DEMO_KEY", self.demo_key)
        check_not_placeholder("DATABASE_URL password", database_password(self.database_url))
        if self.demo_key is not None and len(self.demo_key) < 24:
            raise ValueError("WFM_DEMO_KEY must be at least 24 characters long")
        return self


def database_password(url: str) -> str | None:
    """The password embedded in a database URL, if any."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).password
    except Exception:  # an unparsable URL fails later with a clear SQLAlchemy error
        return None


def check_not_placeholder(name: str, value: str | None) -> None:
    """A secret must not be one of the well-known placeholders."""
    if value is not None and value.strip().lower() in PLACEHOLDER_SECRETS:
        raise ValueError(f"{name} is the placeholder {value!r}; set a real secret")
