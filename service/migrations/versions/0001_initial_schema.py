"""Initial schema: master data, tickets, API keys, jobs, accepted assignments.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Self-contained on purpose (no import of ``service.models``): a migration must keep
describing the schema of its day when the models move on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created", _ts(), nullable=False),
        sa.Column("updated", _ts(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created", _ts(), nullable=False),
        sa.Column("revoked", _ts(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prefix"),
    )
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("clock", sa.String(20), nullable=False),
        sa.Column("response_min", _json(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "engineers",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("skills", _json(), nullable=False),
        sa.Column("licence_b", sa.Boolean(), nullable=False),
        sa.Column("has_car", sa.Boolean(), nullable=False),
        sa.Column("base", _json(), nullable=False),
        sa.Column("weekly_hours", sa.Float(), nullable=False),
        sa.Column("cost_per_hour_rub", sa.Float(), nullable=False),
        sa.Column("car_cost_per_km_rub", sa.Float(), nullable=False),
        sa.Column("holiday_work_consent", sa.Boolean(), nullable=False),
        sa.Column("preferences", _json(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "shift_templates",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time(), nullable=False),
        sa.Column("break_min", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("weekdays", _json(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("result", _json(), nullable=True),
        sa.Column("error", _json(), nullable=True),
        sa.Column("created", _ts(), nullable=False),
        sa.Column("started", _ts(), nullable=True),
        sa.Column("finished", _ts(), nullable=True),
        sa.Column("accepted", _ts(), nullable=True),
        sa.Column("rerun_of", sa.String(32), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_jobs_kind", "jobs", ["kind"])
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_table(
        "sites",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("customer", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("city", sa.String(200), nullable=False),
        sa.Column("location", _json(), nullable=False),
        sa.Column("sla_policy", sa.String(100), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["sla_policy"], ["sla_policies.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sites_city", "sites", ["city"])
    op.create_index("ix_sites_sla_policy", "sites", ["sla_policy"])
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("engineer_id", sa.String(100), nullable=False),
        sa.Column("start", _ts(), nullable=False),
        sa.Column("end", _ts(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["engineer_id"], ["engineers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_absences_engineer_id", "absences", ["engineer_id"])
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("site_id", sa.String(100), nullable=True),
        sa.Column("location", _json(), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("priority", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("category", sa.String(200), nullable=True),
        sa.Column("required_skills", _json(), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("earliest_start", _ts(), nullable=True),
        sa.Column("deadline", _ts(), nullable=True),
        sa.Column("window", _json(), nullable=True),
        sa.Column("pinned", _json(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("sla_deadline", _ts(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("engineer_id", sa.String(100), nullable=True),
        sa.Column("planned_start", _ts(), nullable=True),
        sa.Column("planned_end", _ts(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["engineer_id"], ["engineers.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    op.create_index("ix_tickets_created_at", "tickets", ["created_at"])
    op.create_index("ix_tickets_priority", "tickets", ["priority"])
    op.create_index("ix_tickets_site_id", "tickets", ["site_id"])
    op.create_index("ix_tickets_status_deadline", "tickets", ["status", "sla_deadline"])
    op.create_table(
        "accepted_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("engineer_id", sa.String(100), nullable=False),
        sa.Column("ticket_id", sa.String(100), nullable=True),
        sa.Column("template_id", sa.String(100), nullable=True),
        sa.Column("start", _ts(), nullable=False),
        sa.Column("end", _ts(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_accepted_assignments_engineer_id", "accepted_assignments", ["engineer_id"])
    op.create_index("ix_accepted_assignments_job_id", "accepted_assignments", ["job_id"])
    op.create_index("ix_accepted_assignments_ticket_id", "accepted_assignments", ["ticket_id"])


def downgrade() -> None:
    for table in (
        "accepted_assignments",
        "tickets",
        "absences",
        "sites",
        "jobs",
        "shift_templates",
        "engineers",
        "sla_policies",
        "api_keys",
    ):
        op.drop_table(table)
