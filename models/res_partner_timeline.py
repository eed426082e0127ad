from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_date, html2plaintext


class ResPartner(models.Model):
    """The customer's collections timeline: every reminder, call, promise, dispute, pause,
    payment plan, hand-over and insolvency in one list, newest first. Read-only, computed for
    a batch of customers with one query per kind of event."""

    _inherit = "res.partner"

    collection_timeline = fields.Html(
        string="Collections timeline",
        compute="_compute_collection_timeline",
        sanitize=False,
        groups="account_collection.group_collection_user",
    )

    @api.depends_context("company", "lang")
    def _compute_collection_timeline(self):
        events = self._collection_timeline_events()
        for partner in self:
            partner.collection_timeline = partner._collection_timeline_html(
                events.get(partner.commercial_partner_id, [])
            )

    def _collection_timeline_events(self):
        """{commercial partner: [event]}, an event a dict with ``date``, ``kind``, ``text``,
        ``state`` and ``url``. The addon's records are read as superuser: the field is reserved
        to collection users."""
        company = self.env.company
        commercial = self.commercial_partner_id
        env = self.env(su=True)
        events = defaultdict(list)

        def label(model, field, value):
            return dict(env[model]._fields[field]._description_selection(self.env)).get(value, value or "")

        def add(partner, date, kind, text, state="", url=""):
            events[partner].append({"date": date, "kind": kind, "text": text, "state": state, "url": url})

        of_customer = [("company_id", "=", company.id), ("partner_id", "in", commercial.ids)]
        autopilot = env["collection.autopilot"]
        for comm in env["collection.communication"].search(of_customer):
            text = self.env._(
                "%(level)s by %(channels)s: %(amount)s",
                level=comm.level_id.name or "",
                channels=", ".join(autopilot._channel_labels(comm)) or "-",
                amount=comm.currency_id.format(comm.amount_claimed),
            )
            add(
                comm.partner_id,
                comm.date,
                self.env._("Reminder"),
                text,
                label("collection.communication", "state", comm.state),
                f"/odoo/collection.communication/{comm.id}",
            )
        subtypes = {
            self.env.ref("account_collection.mt_collection_call").id: self.env._("Call"),
            self.env.ref("account_collection.mt_collection_pause").id: self.env._("Pause"),
        }
        messages = env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "in", commercial.ids),
                ("subtype_id", "in", list(subtypes)),
            ]
        )
        partners = commercial.browse(messages.mapped("res_id"))
        for message in messages:
            add(
                partners.browse(message.res_id),
                fields.Date.context_today(self, message.date),
                subtypes[message.subtype_id.id],
                html2plaintext(message.body or "").strip(),
                message.author_id.name or "",
            )
        for promise in env["collection.promise"].search(of_customer):
            add(
                promise.partner_id,
                fields.Date.context_today(self, promise.create_date),
                self.env._("Promise"),
                self.env._(
                    "%(amount)s by %(date)s (%(invoices)s)",
                    amount=promise.currency_id.format(promise.amount or promise.amount_open),
                    date=format_date(self.env, promise.date),
                    invoices=", ".join(promise.move_ids.mapped("name")),
                ),
                label("collection.promise", "state", promise.state),
                f"/odoo/collection.promise/{promise.id}",
            )
        for dispute in env["collection.dispute"].search(of_customer):
            add(
                dispute.partner_id,
                dispute.date,
                self.env._("Dispute"),
                "{} ({})".format(
                    label("collection.dispute", "reason", dispute.reason),
                    ", ".join(dispute.move_ids.mapped("name")),
                ),
                label("collection.dispute", "state", dispute.state),
                f"/odoo/collection.dispute/{dispute.id}",
            )
        for plan in env["collection.payment.plan"].search(of_customer):
            add(
                plan.partner_id,
                fields.Date.context_today(self, plan.create_date),
                self.env._("Payment plan"),
                self.env._(
                    "%(name)s: %(amount)s, %(count)s instalments",
                    name=plan.name,
                    amount=plan.currency_id.format(plan.amount_total),
                    count=len(plan.line_ids),
                ),
                label("collection.payment.plan", "state", plan.state),
                f"/odoo/collection.payment.plan/{plan.id}",
            )
        for handover in env["collection.handover"].search(of_customer):
            add(
                handover.partner_id,
                handover.date,
                self.env._("Hand-over"),
                self.env._(
                    "%(name)s to %(receiver)s (%(kind)s)",
                    name=handover.name,
                    receiver=handover.receiver_id.display_name or "",
                    kind=label("collection.handover", "kind", handover.kind),
                ),
                label("collection.handover", "state", handover.state),
                f"/odoo/collection.handover/{handover.id}",
            )
        for insolvency in env["collection.insolvency"].search(of_customer):
            add(
                insolvency.partner_id,
                insolvency.date,
                self.env._("Insolvency"),
                " ".join(filter(None, (insolvency.case_number, insolvency.court))),
                label("collection.insolvency", "state", insolvency.state),
                f"/odoo/collection.insolvency/{insolvency.id}",
            )
        for partner_events in events.values():
            partner_events.sort(key=lambda event: event["date"] or fields.Date.today(), reverse=True)
        return events

    def _collection_timeline_html(self, events):
        if not events:
            return Markup('<p class="text-muted">%s</p>') % self.env._("Nothing happened in collections yet.")
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>")
            % (
                format_date(self.env, event["date"]),
                Markup('<a href="%s">%s</a>') % (event["url"], event["kind"])
                if event["url"]
                else event["kind"],
                event["text"],
                event["state"],
            )
            for event in events
        )
        return Markup(
            '<table class="table table-sm o_collection_timeline"><thead><tr>'
            "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>%s</tbody></table>"
        ) % (self.env._("Date"), self.env._("Event"), self.env._("Details"), self.env._("Status"), rows)
