"""The shop's product search index, kept in sync by triggers (so bulk loads, the CSV import and the
console all feed it without a service having to remember): catalog/search.py reads it.

- SQLite: an FTS5 table (unicode61, remove_diacritics 2: "nino" finds "niño") and its fts5vocab
  table (the words a typo is corrected against). The trigram tokenizer of this SQLite (3.40) cannot
  remove diacritics (that came in 3.45), so accents would have to be folded by a Python function the
  triggers could not call from other connections.
- PostgreSQL: pg_trgm and unaccent, a `catalog_product_search` table (folded names for trigram
  word similarity, a weighted tsvector for full text) with GIN indexes. Without the unaccent
  extension the folding function falls back to translate() over the Latin accents.
"""

from django.db import migrations, transaction

FTS_DOC = (
    "SELECT {id}, {p}.name_es, {p}.name_en, COALESCE((SELECT b.name FROM catalog_brand b WHERE b.id = {p}.brand_id), ''), "
    "(SELECT c.name_es || ' ' || c.name_en || COALESCE(' ' || pc.name_es || ' ' || pc.name_en, '') "
    " FROM catalog_category c LEFT JOIN catalog_category pc ON pc.id = c.parent_id WHERE c.id = {p}.category_id), "
    "{p}.description_es, {p}.description_en"
)
FTS_COLUMNS = "rowid, name_es, name_en, brand, category, description_es, description_en"

SQLITE = [
    "CREATE VIRTUAL TABLE catalog_product_fts USING fts5(name_es, name_en, brand, category, description_es, "
    "description_en, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE catalog_product_fts_vocab USING fts5vocab(catalog_product_fts, 'row')",
    f"INSERT INTO catalog_product_fts({FTS_COLUMNS}) {FTS_DOC.format(id='p.id', p='p')} FROM catalog_product p",
    "CREATE TRIGGER catalog_product_fts_ai AFTER INSERT ON catalog_product BEGIN "
    f"INSERT INTO catalog_product_fts({FTS_COLUMNS}) {FTS_DOC.format(id='NEW.id', p='NEW')}; END",
    "CREATE TRIGGER catalog_product_fts_au AFTER UPDATE ON catalog_product BEGIN "
    "DELETE FROM catalog_product_fts WHERE rowid = OLD.id; "
    f"INSERT INTO catalog_product_fts({FTS_COLUMNS}) {FTS_DOC.format(id='NEW.id', p='NEW')}; END",
    "CREATE TRIGGER catalog_product_fts_ad AFTER DELETE ON catalog_product BEGIN "
    "DELETE FROM catalog_product_fts WHERE rowid = OLD.id; END",
    # A renamed brand or category re-indexes its products (a no-op update fires the trigger above).
    "CREATE TRIGGER catalog_brand_fts_au AFTER UPDATE OF name ON catalog_brand BEGIN "
    "UPDATE catalog_product SET name_es = name_es WHERE brand_id = NEW.id; END",
    "CREATE TRIGGER catalog_category_fts_au AFTER UPDATE OF name_es, name_en ON catalog_category BEGIN "
    "UPDATE catalog_product SET name_es = name_es WHERE category_id = NEW.id "
    "OR category_id IN (SELECT id FROM catalog_category WHERE parent_id = NEW.id); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_category_fts_au", "DROP TRIGGER IF EXISTS catalog_brand_fts_au",
    "DROP TRIGGER IF EXISTS catalog_product_fts_ad", "DROP TRIGGER IF EXISTS catalog_product_fts_au",
    "DROP TRIGGER IF EXISTS catalog_product_fts_ai", "DROP TABLE IF EXISTS catalog_product_fts_vocab",
    "DROP TABLE IF EXISTS catalog_product_fts",
]

FOLD_UNACCENT = (
    "CREATE OR REPLACE FUNCTION omnicanal_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, coalesce($1, ''))) $$"
)
FOLD_TRANSLATE = (
    "CREATE OR REPLACE FUNCTION omnicanal_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$$ SELECT translate(lower(coalesce($1, '')), 'áàâäãéèêëíìîïóòôöõúùûüñç', 'aaaaaeeeeiiiiooooouuuunc') $$"
)
POSTGRES = [
    "CREATE TABLE catalog_product_search (product_id integer PRIMARY KEY, names text NOT NULL, tsv tsvector NOT NULL)",
    "CREATE INDEX catalog_product_search_tsv ON catalog_product_search USING gin (tsv)",
    """
CREATE OR REPLACE FUNCTION catalog_product_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE brand text; cat text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM catalog_product_search WHERE product_id = OLD.id;
    RETURN NULL;
  END IF;
  SELECT b.name INTO brand FROM catalog_brand b WHERE b.id = NEW.brand_id;
  SELECT c.name_es || ' ' || c.name_en || coalesce(' ' || pc.name_es || ' ' || pc.name_en, '') INTO cat
    FROM catalog_category c LEFT JOIN catalog_category pc ON pc.id = c.parent_id WHERE c.id = NEW.category_id;
  INSERT INTO catalog_product_search (product_id, names, tsv) VALUES (
    NEW.id,
    omnicanal_fold(NEW.name_es || ' ' || NEW.name_en || ' ' || coalesce(brand, '') || ' ' || coalesce(cat, '')),
    setweight(to_tsvector('simple', omnicanal_fold(NEW.name_es || ' ' || NEW.name_en)), 'A')
    || setweight(to_tsvector('simple', omnicanal_fold(coalesce(brand, '') || ' ' || coalesce(cat, ''))), 'B')
    || setweight(to_tsvector('simple', omnicanal_fold(NEW.description_es || ' ' || NEW.description_en)), 'D'))
  ON CONFLICT (product_id) DO UPDATE SET names = EXCLUDED.names, tsv = EXCLUDED.tsv;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER catalog_product_search_sync AFTER INSERT OR UPDATE OR DELETE ON catalog_product "
    "FOR EACH ROW EXECUTE FUNCTION catalog_product_search_refresh()",
    # Test flushes TRUNCATE the catalog: the index goes with it.
    "CREATE OR REPLACE FUNCTION catalog_product_search_truncate() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN TRUNCATE catalog_product_search; RETURN NULL; END $$",
    "CREATE TRIGGER catalog_product_search_truncated AFTER TRUNCATE ON catalog_product "
    "FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_search_truncate()",
    "CREATE OR REPLACE FUNCTION catalog_product_search_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_TABLE_NAME = 'catalog_brand' THEN UPDATE catalog_product SET name_es = name_es WHERE brand_id = NEW.id; "
    "ELSE UPDATE catalog_product SET name_es = name_es WHERE category_id = NEW.id "
    "OR category_id IN (SELECT id FROM catalog_category WHERE parent_id = NEW.id); END IF; RETURN NULL; END $$",
    "CREATE TRIGGER catalog_brand_search_touch AFTER UPDATE OF name ON catalog_brand "
    "FOR EACH ROW EXECUTE FUNCTION catalog_product_search_touch()",
    "CREATE TRIGGER catalog_category_search_touch AFTER UPDATE OF name_es, name_en ON catalog_category "
    "FOR EACH ROW EXECUTE FUNCTION catalog_product_search_touch()",
    "UPDATE catalog_product SET name_es = name_es",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_category_search_touch ON catalog_category",
    "DROP TRIGGER IF EXISTS catalog_brand_search_touch ON catalog_brand",
    "DROP TRIGGER IF EXISTS catalog_product_search_truncated ON catalog_product",
    "DROP TRIGGER IF EXISTS catalog_product_search_sync ON catalog_product",
    "DROP FUNCTION IF EXISTS catalog_product_search_touch()",
    "DROP FUNCTION IF EXISTS catalog_product_search_truncate()",
    "DROP FUNCTION IF EXISTS catalog_product_search_refresh()",
    "DROP TABLE IF EXISTS catalog_product_search",
    "DROP FUNCTION IF EXISTS omnicanal_fold(text)",
]


def _try(cursor, sql: str) -> bool:
    try:
        with transaction.atomic():  # a savepoint: a refused extension leaves the migration usable
            cursor.execute(sql)
        return True
    except Exception:  # noqa: BLE001 - any refusal (not installed, no privilege) means "go without it"
        return False


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            has_unaccent = _try(cursor, "CREATE EXTENSION IF NOT EXISTS unaccent")
            statements = list(POSTGRES)
            if _try(cursor, "CREATE EXTENSION IF NOT EXISTS pg_trgm"):
                statements.insert(2, "CREATE INDEX catalog_product_search_names ON catalog_product_search "
                                   "USING gin (names gin_trgm_ops)")
            cursor.execute(FOLD_UNACCENT if has_unaccent else FOLD_TRANSLATE)
        else:
            statements = SQLITE
        for sql in statements:
            cursor.execute(sql)


def backward(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0002_category_return_window_days'),
    ]

    operations = [migrations.RunPython(forward, backward)]
