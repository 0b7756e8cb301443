"""Receivers of the site shell (connected in ``CmsConfig.ready``)."""

from django.core.management import call_command


def create_cache_tables(sender, using: str = "default", **kwargs) -> None:
    """Every ``migrate`` also creates the database cache table (if the settings use one),
    so no deployment can forget ``createcachetable``; it is a no-op when the table exists
    (and for caches that are not in the database), so running once per migrated app is cheap."""
    call_command("createcachetable", database=using, verbosity=0)
