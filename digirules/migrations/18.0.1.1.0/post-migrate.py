"""Move the source document of past runs to source_model and source_id."""

from odoo.tools.sql import column_exists


def migrate(cr, version):
    if not version or not column_exists(cr, "digirules_run", "source_ref"):
        return
    cr.execute(
        """
        UPDATE digirules_run
           SET source_model = split_part(source_ref, ',', 1),
               source_id = split_part(source_ref, ',', 2)::integer
         WHERE source_ref IS NOT NULL
           AND source_model IS NULL
        """
    )
    cr.execute("ALTER TABLE digirules_run DROP COLUMN source_ref")
