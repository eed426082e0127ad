from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..tools.aging import AGING_BUCKETS, age_items
from ..tools.reference import rf_for_partner
from .account_move import PAUSE_REASONS

PARTNER_PAUSE_REASONS = [*PAUSE_REASONS, ("manual", "Paused by hand")]

# Collections data on the customer that decides whether and how he is reminded: not for everyone
# who may edit contacts. The addon's own code (pause, resume, cockpit refresh) writes it as
# superuser. Field name -> group that may set it.
COLLECTION_FIELD_GROUPS = {
    "collection_no_auto": "account_collection.group_collection_user",
    "collection_pause_until": "account_collection.group_collection_user",
    "collection_pause_note": "account_collection.group_collection_user",
    "collection_level_id": "account_collection.group_collection_user",
    "collection_next_level_id": "account_collection.group_collection_user",
    "collection_next_date": "account_collection.group_collection_user",
    "collection_pause_reason": "account_collection.group_collection_user",
    "collection_policy_id": "account_collection.group_collection_manager",
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    collection_policy_id = fields.Many2one(
        "collection.policy",
        string="Collection policy",
        company_dependent=True,
        help="Overrides the company's default collection policy for this customer.",
    )
    collection_no_auto = fields.Boolean(
        string="No automatic reminders",
        company_dependent=True,
        help="The autopilot never reminds this customer; reminders can still be sent by hand.",
    )
    collection_responsible_id = fields.Many2one(
        "res.users",
        string="Collections responsible",
        company_dependent=True,
        help="Receives the call tasks and alerts; by default the salesperson.",
    )
    collection_pause_until = fields.Date(
        string="Reminders paused until",
        company_dependent=True,
        copy=False,
        help="Paused by hand: the autopilot leaves this customer alone until this date included.",
    )
    collection_pause_note = fields.Char(string="Pause reason", company_dependent=True, copy=False)
    # A snapshot the autopilot refreshes on every run (and after each call, promise or dispute),
    # so that the cockpit can filter, sort and group on it without recomputing every customer.
    collection_level_id = fields.Many2one(
        "collection.level", string="Level reached", company_dependent=True, readonly=True, copy=False
    )
    collection_next_level_id = fields.Many2one(
        "collection.level", string="Next level", company_dependent=True, readonly=True, copy=False
    )
    collection_next_date = fields.Date(
        string="Next action",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="When the autopilot sends the next reminder (empty: nothing planned).",
    )
    collection_pause_reason = fields.Selection(
        PARTNER_PAUSE_REASONS,
        string="Paused",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="Why the reminders of some overdue invoices of this customer wait.",
    )
    collection_communication_ids = fields.One2many(
        "collection.communication", "partner_id", string="Reminders sent", readonly=True
    )
    collection_overdue_amount = fields.Monetary(
        string="Overdue",
        compute="_compute_collection_amounts",
        search="_search_collection_overdue_amount",
        currency_field="collection_currency_id",
    )
    collection_due_amount = fields.Monetary(
        string="Total due",
        compute="_compute_collection_amounts",
        currency_field="collection_currency_id",
    )
    collection_oldest_due_date = fields.Date(string="Oldest due date", compute="_compute_collection_amounts")
    collection_days_late = fields.Integer(string="Days late", compute="_compute_collection_amounts")
    collection_currency_id = fields.Many2one("res.currency", compute="_compute_collection_currency")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_collection_fields_access({name: value for name, value in vals.items() if value})
        return super().create(vals_list)

    def write(self, vals):
        self._check_collection_fields_access(vals)
        return super().write(vals)

    def copy_data(self, default=None):
        # A duplicate made by someone who may not set the collections data starts from the defaults.
        vals_list = super().copy_data(default=default)
        if not self.env.su:
            denied = self._collection_fields_denied(COLLECTION_FIELD_GROUPS) - set(default or ())
            for vals in vals_list:
                for name in denied:
                    vals.pop(name, None)
        return vals_list

    @api.model
    def _collection_fields_denied(self, names):
        return {
            name
            for name in names
            if name in COLLECTION_FIELD_GROUPS and not self.env.user.has_group(COLLECTION_FIELD_GROUPS[name])
        }

    @api.model
    def _check_collection_fields_access(self, vals):
        if self.env.su:
            return
        denied = self._collection_fields_denied(vals)
        if denied:
            raise AccessError(
                self.env._(
                    "Only collections users can change whether and how a customer is reminded, and only "
                    "collections managers can choose a customer's policy (%(fields)s). Ask them, or use "
                    "Pause and Resume in the customer's Collections tab.",
                    fields=", ".join(sorted(self._fields[name].string for name in denied)),
                )
            )

    def _compute_collection_currency(self):
        self.collection_currency_id = self.env.company.currency_id

    def _collection_open_lines_domain(self):
        """Unpaid receivable lines of posted customer documents in the current company."""
        return [
            ("company_id", "=", self.env.company.id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", "!=", 0),
        ]

    @api.depends_context("company")
    def _compute_collection_amounts(self):
        today = fields.Date.context_today(self)
        domain = [("partner_id", "in", self.commercial_partner_id.ids), *self._collection_open_lines_domain()]
        lines = self.env["account.move.line"]
        due = dict(lines._read_group(domain, ["partner_id"], ["amount_residual:sum"]))
        overdue = {
            partner: (amount, oldest)
            for partner, amount, oldest in lines._read_group(
                [*domain, ("date_maturity", "<", today)],
                ["partner_id"],
                ["amount_residual:sum", "date_maturity:min"],
            )
        }
        for partner in self:
            commercial = partner.commercial_partner_id
            amount, oldest = overdue.get(commercial, (0.0, False))
            partner.collection_due_amount = due.get(commercial, 0.0)
            partner.collection_overdue_amount = amount
            partner.collection_oldest_due_date = oldest
            partner.collection_days_late = (today - oldest).days if oldest else 0

    def _search_collection_overdue_amount(self, operator, value):
        if operator not in (">", ">=", "<", "<=", "=", "!="):
            return NotImplemented
        today = fields.Date.context_today(self)
        query = self.env["account.move.line"]._search(
            [*self._collection_open_lines_domain(), ("date_maturity", "<", today)]
        )
        overdue = dict(
            self.env["account.move.line"]._read_group(
                [("id", "in", query), ("partner_id", "!=", False)],
                ["partner_id"],
                ["amount_residual:sum"],
            )
        )
        ops = {
            ">": lambda a: a > value,
            ">=": lambda a: a >= value,
            "<": lambda a: a < value,
            "<=": lambda a: a <= value,
            "=": lambda a: a == value,
            "!=": lambda a: a != value,
        }
        matching = [partner.id for partner, amount in overdue.items() if ops[operator](amount)]
        if ops[operator](0.0):
            # Customers without any overdue line have 0 overdue and match too.
            return ["|", ("id", "in", matching), ("id", "not in", [p.id for p in overdue])]
        return [("id", "in", matching)]

    def action_open_collection_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("payment_state", "in", ("not_paid", "partial")),
            ("state", "=", "posted"),
        ]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        return action

    def _collection_refresh_status(self):
        """Bring the cockpit columns of these customers up to date in the current company."""
        self.env["collection.autopilot"]._refresh_status(
            self.env.company, partners=self.commercial_partner_id
        )

    def action_collection_resume(self):
        if not self.env.user.has_group("account_collection.group_collection_user"):
            raise AccessError(self.env._("Only collection users can resume reminders."))
        # Collections data on the customer: clerks set it without the right to edit the customer.
        partners = self.commercial_partner_id.with_company(self.env.company).sudo()
        partners.write({"collection_pause_until": False, "collection_pause_note": False})
        partners._message_log_batch(
            bodies={partner.id: self.env._("Collection reminders resumed.") for partner in partners},
            author_id=self.env.user.partner_id.id,
        )
        self._collection_refresh_status()
        return True

    def action_collection_pause(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("account_collection.collection_pause_action")
        action["context"] = {"active_model": "res.partner", "active_ids": self.ids}
        return action

    def action_collection_log_call(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_collection.collection_call_action")
        action["context"] = {"active_model": "res.partner", "active_ids": self.ids, "active_id": self.id}
        return action

    def action_collection_preview(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("account_collection.collection_preview_action")
        action["context"] = {"active_model": "res.partner", "active_ids": self.ids}
        return action

    def action_collection_send_now(self):
        """Remind the selected customers now of the highest level their invoices reached."""
        if not self.env.user.has_group("account_collection.group_collection_user"):
            raise AccessError(self.env._("Only collection users can send reminders."))
        self.check_access("read")
        # The reminder history is written by the autopilot only, as superuser (clerks cannot
        # create or rewrite it); the company is the user's current one.
        communications = (
            self.env["collection.autopilot"]
            .sudo()
            ._run(self.env.company, partners=self.commercial_partner_id, manual=True)
        )
        if not communications:
            raise UserError(
                self.env._(
                    "Nothing to send: none of the selected customers has an unpaid invoice that reached a "
                    "level of its collection policy (paused and excluded invoices are left out)."
                )
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_collection.collection_communication_action"
        )
        action["domain"] = [("id", "in", communications.ids)]
        return action

    # Customer statement ---------------------------------------------------------------------------

    def _collection_payment_reference(self):
        """The customer's RF creditor reference in the current company (as on its reminders)."""
        self.ensure_one()
        return rf_for_partner(self.env.company.id, self.commercial_partner_id.id)

    def _collection_statement_values(self, today=None):
        """Every open receivable item of the customer in the current company, aged on `today`,
        in the customer's language: one aging row and balance per currency."""
        self.ensure_one()
        partner = self.commercial_partner_id
        lang = partner.lang or self.env.lang or "en_US"
        self = self.with_context(lang=lang)
        today = fields.Date.to_date(today) or fields.Date.context_today(self)
        Communication = self.env["collection.communication"]
        lines = self.env["account.move.line"].search(
            [("partner_id", "=", partner.id), *self._collection_open_lines_domain()],
            order="date_maturity, date, id",
        )
        currencies = []
        for currency, currency_lines in lines.grouped("currency_id").items():
            aged, totals = age_items(
                [(line, line.date_maturity, line.amount_residual_currency) for line in currency_lines],
                today,
                currency.decimal_places,
            )
            currencies.append(
                {
                    "currency": currency,
                    "rows": [
                        {
                            "line": item.key,
                            "label": Communication._document_label(item.key.move_id),
                            "days_late": item.days_late if item.amount > 0 and item.days_late > 0 else 0,
                            "bucket": item.bucket,
                            "amount": float(item.amount),
                            "original": item.key.move_id.amount_total_in_currency_signed
                            if item.key.move_id.is_invoice()
                            else item.key.amount_currency,
                        }
                        for item in aged
                    ],
                    "totals": {key: float(value) for key, value in totals.items()},
                }
            )
        payable = [entry for entry in currencies if entry["totals"]["total"] > 0]
        reference = partner._collection_payment_reference()
        pay = Communication._payment_instructions(
            self.env.company,
            partner,
            payable[0]["currency"] if len(payable) == 1 else False,
            payable[0]["totals"]["total"] if len(payable) == 1 else 0.0,
            reference,
            moves=lines.filtered(lambda line: line.amount_residual > 0).move_id,
        )
        return {
            "lang": lang,
            "partner": partner,
            "address_lines": Communication._address_lines(partner),
            "company": self.env.company,
            "date": format_date(self.env, today, lang_code=lang, date_format="long"),
            "intro": self.env._(
                "Below are all the items open on your account on %(date)s. Please check them and tell us if "
                "anything does not match your records.",
                date=format_date(self.env, today, lang_code=lang, date_format="long"),
            ),
            "currencies": currencies,
            "buckets": [
                (bucket, label)
                for bucket, label in zip(
                    AGING_BUCKETS,
                    (
                        self.env._("Not due"),
                        self.env._("1-30 days"),
                        self.env._("31-60 days"),
                        self.env._("61-90 days"),
                        self.env._("Over 90 days"),
                    ),
                    strict=True,
                )
            ],
            "pay": pay,
            "payable": bool(payable),
        }

    def _collection_check_statement_payable(self):
        """Refuse a statement that asks for money without a trusted bank account to pay it to."""
        Communication = self.env["collection.communication"]
        partners = self.commercial_partner_id
        lines = self.env["account.move.line"].search(
            [("partner_id", "in", partners.ids), *self._collection_open_lines_domain()],
            order="date_maturity, date, id",
        )
        by_partner = lines.grouped("partner_id")
        problems = []
        for partner in partners:
            partner_lines = by_partner.get(partner, lines.browse())
            if sum(partner_lines.mapped("amount_residual")) <= 0:
                continue  # nothing to pay: the statement needs no bank account
            problem = Communication._bank_account_problem(
                self.env.company, partner_lines.filtered(lambda line: line.amount_residual > 0).move_id
            )
            if problem:
                problems.append(f"- {partner.display_name}: {problem}")
        if problems:
            raise UserError(
                self.env._(
                    "These statements cannot be printed or sent:\n%(problems)s", problems="\n".join(problems)
                )
            )

    def action_collection_print_statement(self):
        self._collection_check_statement_payable()
        return self.env.ref("account_collection.action_report_collection_statement").report_action(
            self.commercial_partner_id
        )

    def action_collection_send_statement(self):
        """Open the email composer with the statement template; its PDF is attached."""
        self.ensure_one()
        self._collection_check_statement_payable()
        template = self.env.ref("account_collection.mail_template_collection_statement")
        partner = self.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send statement"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "res.partner",
                "default_res_ids": partner.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "force_email": True,
            },
        }
