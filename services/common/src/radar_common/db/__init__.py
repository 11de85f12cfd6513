"""PostgreSQL access: an asyncpg pool and versioned migrations that run at start."""

from radar_common.db.migrate import MIGRATIONS_DIR, migrate
from radar_common.db.pool import connect_pool

__all__ = ["MIGRATIONS_DIR", "connect_pool", "migrate"]
