"""Job queue: attempts and worker of a job, parts of a fanned-out job, and on PostgreSQL
the tables of the task queue (procrastinate).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

The procrastinate schema is the one shipped with the pinned procrastinate version
(``pyproject.toml``); a later procrastinate upgrade comes with its own migration here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("worker", sa.String(200), nullable=True))
        batch.add_column(sa.Column("parts_total", sa.Integer(), nullable=True))
    op.create_index("ix_jobs_created_by_status", "jobs", ["created_by", "status"])
    op.create_table(
        "job_parts",
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("result", _json(), nullable=True),
        sa.Column("created", _ts(), nullable=False),
        sa.Column("started", _ts(), nullable=True),
        sa.Column("finished", _ts(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "part"),
    )
    op.create_index("ix_job_parts_status", "job_parts", ["status"])
    if op.get_bind().dialect.name == "postgresql":
        # Several statements and plpgsql bodies: sent as one simple query by the driver.
        driver = op.get_bind().connection.driver_connection
        assert driver is not None  # a live PostgreSQL connection during the migration
        driver.execute(SchemaManager.get_schema())


_DROP_PROCRASTINATE = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tablename FROM pg_tables
           WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate%' LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%' LOOP
    EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig);
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%'
             AND t.typtype IN ('e', 'c') LOOP
    EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
  END LOOP;
END $$;
"""


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_DROP_PROCRASTINATE)
    op.drop_index("ix_job_parts_status", table_name="job_parts")
    op.drop_table("job_parts")
    op.drop_index("ix_jobs_created_by_status", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("parts_total")
        batch.drop_column("worker")
        batch.drop_column("attempts")
