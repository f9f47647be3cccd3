"""API keys and roles.

A key looks like ``wfm_<prefix>_<secret>``; only its SHA-256 is stored, next to the
prefix that finds the row. The secret is 32 random bytes, so a fast hash is enough (a
slow password hash protects guessable passwords, not random keys). Roles are ordered:
viewer < dispatcher < head < admin; a route names the weakest role it admits.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import ApiKeyRow, utcnow

KEY_PREFIX = "wfm"


class Role(IntEnum):
    """What a key may do; a stronger role can do everything a weaker one can."""

    viewer = 1
    dispatcher = 2
    head = 3
    admin = 4

    @classmethod
    def parse(cls, name: str) -> Role:
        """The role called ``name``; ``ValueError`` naming it and the known roles otherwise."""
        try:
            return cls[name.strip().lower()]
        except KeyError:
            known = ", ".join(r.name for r in cls)
            raise ValueError(f"unknown role {name!r}; use one of {known}") from None


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, name and role (never the key itself)."""

    key_id: int
    role: Role
    name: str


@dataclass(frozen=True)
class NewKey:
    """A freshly made key: the secret is shown once and never stored."""

    key_id: int
    key: str
    role: Role


def hash_key(key: str) -> str:
    """The stored form of a key: hex SHA-256."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def split_key(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


def create_key(session: Session, role: Role, name: str = "", key: str | None = None) -> NewKey:
    """Store a new key for ``role`` (random unless ``key`` is given) and return it once."""
    if key is None:
        key = f"{KEY_PREFIX}_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"
    prefix = split_key(key)
    if prefix is None:
        raise ValueError("an API key must look like wfm_<prefix>_<secret>")
    row = ApiKeyRow(prefix=prefix, key_hash=hash_key(key), role=role.name, name=name)
    session.add(row)
    session.flush()
    return NewKey(key_id=row.id, key=key, role=role)


def authenticate(session: Session, key: str) -> Principal | None:
    """The principal of a valid, unrevoked key; None for anything else."""
    prefix = split_key(key)
    if prefix is None:
        return None
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))
    if row is None or row.revoked is not None:
        return None
    if not hmac.compare_digest(row.key_hash, hash_key(key)):
        return None
    return Principal(key_id=row.id, role=Role[row.role], name=row.name)


def revoke_key(session: Session, key_id: int) -> bool:
    """Revoke a key; False when there is no such key."""
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        return False
    if row.revoked is None:
        row.revoked = utcnow()
    return True


def count_keys(session: Session) -> int:
    """How many unrevoked keys exist."""
    rows = session.scalars(select(ApiKeyRow.id).where(ApiKeyRow.revoked.is_(None))).all()
    return len(rows)


class FailedAuthThrottle:
    """Counts failed authentications per client address and per key prefix over a sliding
    window; a subject with ``limit`` failures inside the window is blocked until the oldest
    of them leaves it.

    Guessing a key's secret is hopeless (256 random bits), but an unthrottled endpoint lets
    anyone hammer the database with lookups and fill the logs; the prefix counter also
    catches a guess spread over many addresses. The tables are bounded (the least recently
    failing subjects are forgotten first), so a flood of addresses cannot exhaust memory.
    The counts live in this process: each service instance throttles on its own.
    """

    def __init__(
        self,
        limit: int,
        window_s: float,
        max_subjects: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_subjects = max_subjects
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    @staticmethod
    def _subjects(client: str, prefix: str | None) -> list[str]:
        return [f"client:{client}"] + ([f"prefix:{prefix}"] if prefix else [])

    def retry_after(self, client: str, prefix: str | None) -> int | None:
        """Seconds until the client or the prefix may try again; None when not blocked."""
        now = self.clock()
        waits = [self._wait(subject, now) for subject in self._subjects(client, prefix)]
        blocked = [w for w in waits if w is not None]
        return max(blocked) if blocked else None

    def _wait(self, subject: str, now: float) -> int | None:
        times = self._failures.get(subject)
        if times is None:
            return None
        while times and now - times[0] >= self.window_s:
            times.popleft()
        if len(times) < self.limit:
            return None
        return max(1, math.ceil(times[0] + self.window_s - now))

    def failed(self, client: str, prefix: str | None) -> None:
        """Record one failed authentication of ``client`` (with a key of ``prefix``)."""
        now = self.clock()
        for subject in self._subjects(client, prefix):
            times = self._failures.get(subject)
            if times is None:
                times = self._failures[subject] = deque(maxlen=self.limit)
            times.append(now)
            self._failures.move_to_end(subject)
        while len(self._failures) > self.max_subjects:
            self._failures.popitem(last=False)
