"""The name search's index for terms too short for trigrams (issue 18; docs/performance.md "Short terms").

A ``LIKE '%华信%'`` pattern yields no complete trigram, so the trigram index cannot serve 1- and 2-character terms
and PostgreSQL read the whole register for them (212 ms at 1M listings). Each listing now carries ``name_grams``:
every single character and every pair of consecutive characters of ``UPPER(name)``, as the lexemes of a tsvector in
a GIN index. A short term's character (one) or pairs (two or more) must all be among them (``register_name_query``),
and for a term longer than two characters ``UPPER(name) LIKE`` stays as the exact condition
(``register.selectors._ShortTermName``).

PostgreSQL only, and database only: the column is *generated* (``STORED``) from the name, so PostgreSQL computes it
on every insert and update of the name — no writer can leave it stale, and none has to know it — and the model does
not declare it (SQLite keeps the plain ``LIKE``). Adding it rewrites ``register_listing`` once, computing the column
for every existing listing (the backfill, under an exclusive lock); the index is built afterwards, without GIN's
pending list (as the trigram index, 0004), and the table analysed so the planner knows how common each pair is.
"""

from django.db import migrations

# Every character and every pair of consecutive characters, as the lexemes of a tsvector (no positions, no weights):
# PostgreSQL finds a lexeme in a row's tsvector by binary search, ten times faster than ``@>`` on a text array
# (measured at L) — what counts when the planner walks the ordering index and checks each row it meets.
GRAMS = """
CREATE OR REPLACE FUNCTION register_name_grams(name text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_to_tsvector(ARRAY(
    SELECT substr(name, i, n)
    FROM generate_series(1, char_length(name)) AS i, (VALUES (1), (2)) AS v(n)
    WHERE i + n - 1 <= char_length(name)
  ))
$$
"""
# A term's keys, all required: its character, or its pairs. Each is quoted as a tsquery lexeme (a quote doubled, a
# backslash escaped), so ``&``, ``:``, ``*``, ``!`` or a space in a term are characters like any other.
QUERY = r"""
CREATE OR REPLACE FUNCTION register_name_query(term text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_to_string(ARRAY(
    SELECT '''' || replace(replace(k, '\', '\\'), '''', '''''') || ''''
    FROM unnest(CASE WHEN char_length(term) < 2 THEN ARRAY[term]
      ELSE ARRAY(SELECT substr(term, i, 2) FROM generate_series(1, char_length(term) - 1) AS i) END) AS k
  ), ' & ')::tsquery
$$
"""
COLUMN = (
    "ALTER TABLE register_listing ADD COLUMN name_grams tsvector "
    "GENERATED ALWAYS AS (register_name_grams(UPPER(name))) STORED"
)
# Only the listings on the register apart from their dates (``register.models.SHOWN``, as the sync's date index): what
# the search can return. Besides leaving out what can never be found (ended, a minor's), the shared predicate keeps
# the planner from pairing this index with that date index (``BitmapAnd``): a combination cheaper for reading every
# match, much dearer for the first 200 the page counts, which made it count by a sequential scan instead.
INDEX = (
    "CREATE INDEX register_listing_name_grams ON register_listing USING gin (name_grams) WITH (fastupdate = off) "
    "WHERE listed AND NOT minor AND ended_on IS NULL"
)


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in (GRAMS, QUERY, COLUMN, INDEX, "ANALYZE register_listing"):
        schema_editor.execute(statement)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE register_listing DROP COLUMN IF EXISTS name_grams")  # and its index
    schema_editor.execute("DROP FUNCTION IF EXISTS register_name_query(text)")
    schema_editor.execute("DROP FUNCTION IF EXISTS register_name_grams(text)")


class Migration(migrations.Migration):
    dependencies = [("register", "0007_listing_screening_key")]

    operations = [migrations.RunPython(add, remove)]
