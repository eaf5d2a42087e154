"""A GIN index for the catalog's full-text search, on PostgreSQL only.

The indexed expression is exactly the SearchVector that `shops.catalog` builds (title
weighted A, description weighted B, the "english" configuration), so the planner can use
it for `... @@ websearch_to_tsquery(...)`. SQLite has no such index and searches with
`icontains`, so the operation does nothing there; the model state is unchanged.
If `shops.catalog.SEARCH_CONFIG` or the vector changes, replace this index too.
"""

from django.db import migrations

INDEX = "product_search_vector_gin"
VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, COALESCE(\"title\", '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(\"description\", '')), 'B'))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("shops", "Product")._meta.db_table)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING GIN ({VECTOR})")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("shops", "0002_tag_product_productimage_and_more")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
