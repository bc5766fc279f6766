from odoo import models


class MailMessage(models.Model):
    _inherit = "mail.message"

    def _to_store(self, store, /, **kwargs):
        """Show digirules notes in the language of the reader.

        The body stored with the note is in the salesperson's language, so the
        sentence is rebuilt from the run log for each reader of the chatter.
        """
        super()._to_store(store, **kwargs)
        notes = self.filtered(
            lambda m: m.model == "crm.lead" and m.message_type == "notification"
        )
        if not notes:
            return
        # sudo: the reader can already read these messages; the run only
        # provides their wording
        runs = (
            self.env["digirules.run"].sudo().search([("message_id", "in", notes.ids)])
        )
        runs = runs.with_context(lang=self.env.lang).sorted("id")
        runs_by_message = {}
        for run in runs:
            runs_by_message[run.message_id.id] = (
                runs_by_message.get(run.message_id.id, runs.browse()) | run
            )
        for message_id, message_runs in runs_by_message.items():
            store.add(
                "mail.message",
                {"id": message_id, "body": message_runs._render_notes_html()},
            )
