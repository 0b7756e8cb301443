"""Deployment checks (``manage.py check --deploy``) for what the settings alone cannot show.

A database cache without its table makes every login and every verification a 500 while
the site otherwise looks healthy, so ``check --deploy`` fails on it. ``migrate`` creates the
table (``cms.signal_handlers.create_cache_tables``), so a deployment that migrates has it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.core.checks import Error, Tags, register
from django.db import DatabaseError, connections, router

CACHE_TABLE_MISSING = "cms.E001"


def database_cache_tables() -> list[tuple[str, str]]:
    """(cache alias, table name) of every cache that the database backend serves."""
    return [
        (alias, config["LOCATION"])
        for alias, config in settings.CACHES.items()
        if config.get("BACKEND", "").endswith("db.DatabaseCache")
    ]


@register(Tags.caches, deploy=True)
def check_cache_tables(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for alias, table in database_cache_tables():
        using = router.db_for_read(caches[alias].cache_model_class) or "default"
        try:
            with connections[using].cursor() as cursor:
                present = table in connections[using].introspection.table_names(cursor)
        except DatabaseError as exc:
            errors.append(
                Error(
                    f"The database for cache '{alias}' cannot be reached: {exc}",
                    id=CACHE_TABLE_MISSING,
                )
            )
            continue
        if not present:
            errors.append(
                Error(
                    f"The cache '{alias}' uses the database table '{table}', which does not "
                    "exist: logins and verification would fail.",
                    hint="Run 'manage.py migrate' (it creates the table) or "
                    "'manage.py createcachetable'.",
                    id=CACHE_TABLE_MISSING,
                )
            )
    return errors
