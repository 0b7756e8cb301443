"""A trigram index for the article search's substring match, on PostgreSQL only.

``articles_search`` filters with ``text__icontains``, which PostgreSQL runs as
``UPPER("text"::text) LIKE UPPER('%…%')``: without an index that reads every article of the
library. A GIN index of pg_trgm trigrams over the same expression serves it for any term of
three or more characters, Chinese included (under a UTF-8 locale; under the C locale pg_trgm
extracts no trigrams from Chinese and PostgreSQL keeps scanning, with the same results).
SQLite has no such index; its ``LIKE`` scan of the library (1,510 articles) stays fast
enough: about 15 ms a search, see ``tests/bench/test_bench_search.py``.
"""

from django.db import migrations

INDEX_NAME = "laws_article_text_trgm"


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON laws_article USING gin (UPPER("text") gin_trgm_ops)'
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [("laws", "0003_stored_alignment")]

    operations = [migrations.RunPython(create_trigram_index, drop_trigram_index)]
