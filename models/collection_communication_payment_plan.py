from odoo import fields, models
from odoo.tools import SQL


class CollectionCommunication(models.Model):
    _inherit = "collection.communication"

    payment_plan_id = fields.Many2one(
        "collection.payment.plan", readonly=True, index="btree_not_null", check_company=True
    )
    payment_plan_line_id = fields.Many2one("collection.payment.plan.line", string="Instalment", readonly=True)
    payment_plan_kind = fields.Selection(
        [
            ("courtesy", "Instalment due soon"),
            ("reminder", "Instalment overdue"),
            ("broken", "Payment plan cancelled"),
        ],
        readonly=True,
    )

    def init(self):
        result = super().init()
        # A plan's emails are not levels of the sequence: the one-level-a-day index leaves them
        # out, and one of their own says "once per instalment and kind".
        self.env.cr.execute(
            SQL("SELECT indexdef FROM pg_indexes WHERE indexname = 'collection_communication_unique_auto'")
        )
        row = self.env.cr.fetchone()
        if row and "payment_plan_id" not in row[0]:
            self.env.cr.execute(
                SQL(
                    """DROP INDEX collection_communication_unique_auto;
                       CREATE UNIQUE INDEX collection_communication_unique_auto
                       ON collection_communication (company_id, partner_id, level_id, date)
                       WHERE state IN ('queued', 'sent') AND manual IS NOT TRUE AND payment_plan_id IS NULL"""
                )
            )
        self.env.cr.execute(
            SQL(
                """CREATE UNIQUE INDEX IF NOT EXISTS collection_communication_unique_plan
                   ON collection_communication (payment_plan_id, payment_plan_line_id, payment_plan_kind)
                   WHERE state IN ('queued', 'sent') AND payment_plan_id IS NOT NULL"""
            )
        )
        return result

    def _letter_values(self, is_email=False):
        values = super()._letter_values(is_email=is_email)
        if self.payment_plan_kind == "broken" and self.payment_plan_id:
            # The letter says what the email would have said: the plan is cancelled, the balance due.
            lang = values["lang"]
            plan = self.payment_plan_id.with_context(lang=lang, plan_line_id=self.payment_plan_line_id.id)
            values.update(
                subject=plan.env._("Your payment plan %(plan)s is cancelled", plan=plan.name),
                intro=plan._mail_paragraphs("broken"),
            )
        return values
