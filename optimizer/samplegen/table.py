"""The history as a table: column names, dtypes, and the conversion from replayed tickets."""

from __future__ import annotations

import pandas as pd

from optimizer.samplegen.history import HistoryTicket

HISTORY_COLUMNS: tuple[str, ...] = (
    "id",
    "external_id",
    "site_id",
    "site_city",
    "created_at",
    "priority",
    "kind",
    "mode",
    "category",
    "required_skills",
    "duration_min",
    "deadline",
    "started_at",
    "finished_at",
    "engineer_id",
    "price_rub",
    "on_time",
)
DATETIME_COLUMNS: tuple[str, ...] = ("created_at", "deadline", "started_at", "finished_at")
INT_COLUMNS: tuple[str, ...] = ("duration_min", "price_rub")
BOOL_COLUMNS: tuple[str, ...] = ("on_time",)
TZ_NAME = "Europe/Saratov"
HISTORY_DTYPE = pd.DatetimeTZDtype(unit="ns", tz=TZ_NAME)
"""Datetime columns: nanoseconds, aware in Europe/Saratov (whatever pandas infers on read)."""
SKILL_SEPARATOR = ";"
FIRST_EXTERNAL_ID = 100001
"""Helpdesk numbers of the history start here (``HD-100001``); open tickets continue them."""


def history_frame(tickets: list[HistoryTicket]) -> pd.DataFrame:
    """One row per replayed ticket, in order of creation, with typed columns."""
    rows = []
    for k, t in enumerate(tickets):
        rows.append(
            {
                "id": f"h{k + 1:05d}",
                "external_id": f"HD-{FIRST_EXTERNAL_ID + k}",
                "site_id": t.site.id,
                "site_city": t.site.city,
                "created_at": t.created_at,
                "priority": t.priority.value,
                "kind": t.kind.value,
                "mode": t.mode.value,
                "category": t.category.name,
                "required_skills": SKILL_SEPARATOR.join(t.category.skills),
                "duration_min": t.duration_min,
                "deadline": t.deadline,
                "started_at": t.started_at,
                "finished_at": t.finished_at,
                "engineer_id": t.engineer_id,
                "price_rub": t.price_rub,
                "on_time": t.started_at is not None and t.started_at <= t.deadline,
            }
        )
    return typed_history(pd.DataFrame(rows, columns=list(HISTORY_COLUMNS)))


def typed_history(df: pd.DataFrame) -> pd.DataFrame:
    """The canonical dtypes: aware datetimes in Europe/Saratov, ints, bools, strings."""
    out = df.loc[:, list(HISTORY_COLUMNS)].copy()
    for col in DATETIME_COLUMNS:
        out[col] = pd.to_datetime(out[col], utc=True).dt.tz_convert(TZ_NAME).astype(HISTORY_DTYPE)
    for col in INT_COLUMNS:
        out[col] = out[col].astype("int64")
    for col in BOOL_COLUMNS:
        out[col] = out[col].astype(bool)
    for col in HISTORY_COLUMNS:
        if col not in DATETIME_COLUMNS + INT_COLUMNS + BOOL_COLUMNS:
            out[col] = out[col].fillna("").astype(str)
    return out.reset_index(drop=True)
