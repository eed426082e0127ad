import secrets
from collections import defaultdict

from markupsafe import Markup, escape

from odoo import api, models

from .ir_qweb import formats_once


class CollectionAutopilot(models.AbstractModel):
    """Rendering the reminder emails of a batch: each email's language computed once, its body
    rendered by Odoo's mail renderer, and Odoo's email layout (logo, company colours, footer)
    rendered once per language, company and subject, each body filled into it.

    The layout around a body differs from one email to the next only by the body and the text
    preview Odoo derives from it: rendering the whole layout again for each customer was a tenth
    of the run. Within a batch, dates and amounts are formatted with settings read once (see
    ``formats_once``). What the layout gives is checked against Odoo's own rendering of it on the first
    email of each (language, company, subject); a layout changed in a way that does not fit (it
    uses the body elsewhere, say) is rendered by Odoo for every email, as before.
    """

    _inherit = "collection.autopilot"

    @api.model
    def _render_langs(self, template, comms):
        """{communication id: language} as the template's language field says, computed once
        for the subject and the body (Odoo's renderer would compute it for each field)."""
        return template._render_lang(comms.ids)

    @api.model
    def _render_per_lang(self, template, field, langs):
        """`template[field]` rendered for each record in its language: what
        ``_render_field(field, ids, compute_lang=True)`` gives, with the languages given."""
        by_lang = defaultdict(list)
        for res_id, lang in langs.items():
            by_lang[lang].append(res_id)
        rendered = {}
        for lang, res_ids in by_lang.items():
            rendered.update(
                (template.with_context(lang=lang) if lang else template)._render_field(field, res_ids)
            )
        return rendered

    @api.model
    def _email_bodies(self, template, comms, langs=None):
        """The bodies of `template` for `comms`, in the template's layout (logo, company colours,
        footer) in each customer's language, the way mail.template.send_mail wraps them."""
        # The bodies link each invoice with its token: read them all at once and compute their
        # portal paths together, not per email.
        moves = comms.line_ids.move_id
        moves.fetch(["name", "access_token"])
        moves.mapped("access_url")
        if langs is None:
            langs = self._render_langs(template, comms)
        with formats_once(self.env):
            bodies = self._render_per_lang(template, "body_html", langs)
        layout = template.email_layout_xmlid
        if not layout:
            return bodies
        parts = {}
        for comm in comms:
            lang = langs.get(comm.id) or self.env.lang
            key = (lang, comm.company_id.id, comm.letter_subject)
            if key not in parts:
                # Without a subject the layout would name each email after its own record.
                parts[key] = comm.letter_subject and self._layout_parts(
                    template, layout, comm, lang, bodies[comm.id]
                )
            if parts[key]:
                bodies[comm.id] = self._fill_layout(parts[key], bodies[comm.id])
            else:
                bodies[comm.id] = self._encapsulate(template, layout, comm, lang, bodies[comm.id])
        return bodies

    @api.model
    def _encapsulate(self, template, layout, comm, lang, body):
        """Odoo's own rendering of `body` in `layout` for `comm`."""
        return template.with_context(lang=lang)._render_encapsulate(
            layout,
            body,
            add_context={
                "company": comm.company_id,
                "model_description": self.env._("account"),
                "record_name": comm.letter_subject,
            },
            context_record=comm.with_context(lang=lang),
        )

    @api.model
    def _layout_parts(self, template, layout, comm, lang, body):
        """The layout of `comm`'s email cut around its two variable parts (the text preview and
        the body), or None where the layout does not fit that cut: the cut is rendered with a
        marker for a body, and checked against Odoo's rendering of `comm`'s real `body`."""
        marker = f"collectionbody{secrets.token_hex(8)}"
        html = self._encapsulate(template, layout, comm, lang, Markup("<p>%s</p>") % marker)
        body_marker = f"<p>{marker}</p>"
        if html.count(body_marker) != 1:
            return None
        head, tail = html.split(body_marker)
        if head.count(marker) != 1 or marker in tail:
            return None
        before, between = head.split(marker)
        parts = (Markup(before), Markup(between), Markup(tail))
        if self._fill_layout(parts, body) != self._encapsulate(template, layout, comm, lang, body):
            return None
        return parts

    @api.model
    def _fill_layout(self, parts, body):
        """The email of `body` in a layout cut by _layout_parts: the body as the layout's message
        holds it (sanitized) and its text preview, local links made absolute as Odoo does."""
        message = self.env["mail.message"].sudo().new({"body": body})
        before, between, tail = parts
        content = self.env["mail.render.mixin"]._replace_local_links(message.body)
        return Markup("").join((before, escape(message.preview), between, content, tail))
