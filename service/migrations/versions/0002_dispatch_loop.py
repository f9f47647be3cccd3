"""The dispatcher's loop: commitments with a status, ticket history, plan bases.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Accepted assignments get a status (current / superseded / released / done), where they
came from, the drive before them and the actual start and finish; a manual assignment has
no job. Earlier databases could hold two rows for one ticket (every accept added rows): the
older ones are marked superseded before the "one current assignment per ticket" index is
built. Self-contained on purpose (no import of ``service.models``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CURRENT = "status = 'current' AND kind = 'dispatch'"


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("accepted_assignments") as batch:
        batch.alter_column("job_id", existing_type=sa.String(32), nullable=True)
        batch.add_column(
            sa.Column("status", sa.String(20), nullable=False, server_default="current")
        )
        batch.add_column(sa.Column("source", sa.String(20), nullable=False, server_default="plan"))
        batch.add_column(sa.Column("travel_min", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("travel_km", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("started_at", _ts(), nullable=True))
        batch.add_column(sa.Column("finished_at", _ts(), nullable=True))
        batch.add_column(sa.Column("closed_at", _ts(), nullable=True))
        batch.add_column(sa.Column("closed_by_job", sa.String(32), nullable=True))
        batch.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
    # Rows of the same ticket accepted twice: only the newest stays current.
    op.execute(
        "UPDATE accepted_assignments SET status = 'superseded' WHERE kind = 'dispatch' "
        "AND ticket_id IS NOT NULL AND id < (SELECT MAX(b.id) FROM accepted_assignments b "
        "WHERE b.ticket_id = accepted_assignments.ticket_id AND b.kind = 'dispatch')"
    )
    op.create_index(
        "ux_accepted_assignments_current_ticket",
        "accepted_assignments",
        ["ticket_id"],
        unique=True,
        sqlite_where=sa.text(CURRENT),
        postgresql_where=sa.text(CURRENT),
    )
    op.create_table(
        "ticket_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.String(100), nullable=False),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("recorded", _ts(), nullable=False),
        sa.Column("event", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=True),
        sa.Column("engineer_id", sa.String(100), nullable=True),
        sa.Column("job_id", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by_key_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ticket_history_ticket_id", "ticket_history", ["ticket_id"])
    op.create_table(
        "plan_bases",
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("as_of", _ts(), nullable=False),
        sa.Column("state", _json(), nullable=False),
        sa.Column("event", _json(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created", _ts(), nullable=False),
        sa.Column("decided", _ts(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id"),
    )
    op.create_index("ix_plan_bases_status", "plan_bases", ["status"])
    op.create_index("ix_plan_bases_created", "plan_bases", ["created"])


def downgrade() -> None:
    op.drop_table("plan_bases")
    op.drop_table("ticket_history")
    op.drop_index("ux_accepted_assignments_current_ticket", table_name="accepted_assignments")
    with op.batch_alter_table("accepted_assignments") as batch:
        for name in (
            "created_by",
            "closed_by_job",
            "closed_at",
            "finished_at",
            "started_at",
            "travel_km",
            "travel_min",
            "source",
            "status",
        ):
            batch.drop_column(name)
        batch.alter_column("job_id", existing_type=sa.String(32), nullable=False)
