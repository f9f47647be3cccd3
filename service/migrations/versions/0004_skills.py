"""The skills catalogue: a table of skills with their Russian and English names.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

Skills used to be a closed list in the code; every stored engineer and ticket names one of
those eight. The table starts with them, so what is stored stays valid, and the department
adds its own (FreePBX, MikroTik) through ``/api/v1/skills``. ``position`` keeps the
catalogue's order (the eight first, in the built-in order; an added skill after them).
Self-contained on purpose (the eight entries are written out here, not read from the
package).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_SKILLS: tuple[tuple[str, str, str], ...] = (
    ("asterisk_dialplan", "диалплан Asterisk", "Asterisk dialplan"),
    ("sip_trunks", "SIP-транки", "SIP trunks"),
    ("gateways", "шлюзы", "gateways"),
    ("ip_phones", "IP-телефоны", "IP phones"),
    ("network_vpn", "сеть и VPN", "network and VPN"),
    ("linux_server", "Linux-сервер", "Linux server"),
    ("crm_integration", "интеграция с CRM", "CRM integration"),
    ("call_center", "колл-центр и очереди", "call centre and queues"),
)
"""The built-in catalogue at the time of this migration (``optimizer/domain/skills.json``)."""


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    skills = op.create_table(
        "skills",
        sa.Column("id", sa.String(50), primary_key=True),
        sa.Column("name_ru", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("created", _ts(), nullable=False),
        sa.Column("updated", _ts(), nullable=False),
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # the service stores naive UTC on SQLite
    op.bulk_insert(
        skills,
        [
            {"id": i, "name_ru": ru, "name_en": en, "position": k, "created": now, "updated": now}
            for k, (i, ru, en) in enumerate(DEFAULT_SKILLS, start=1)
        ],
    )


def downgrade() -> None:
    op.drop_table("skills")
