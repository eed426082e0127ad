from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..tools.aging import AGING_BUCKETS, age_items
from ..tools.reference import rf_for_partner
from .account_move import PAUSE_REASONS

PARTNER_PAUSE_REASONS = [*PAUSE_REASONS, ("manual", "Paused by hand")]

# Why the next reminder is what and when it is (tools.escalation's reasons, as the cockpit says them).
NEXT_REASONS = [
    ("due", "Due today"),
    ("waiting_days", "Waiting for the level's days"),
    ("waiting_interval", "Waiting for the minimum interval"),
    ("courtesy", "Courtesy reminder planned"),
    ("paused_by_hand", "Paused by hand"),
    ("items_paused", "Everything overdue is paused"),
    ("no_auto", "No automatic reminders"),
    ("covered", "Covered by credits"),
    ("below_minimum", "Below the policy's minimum"),
    ("end_of_policy", "Past the last level"),
    ("nothing", "Nothing due"),
]

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
    "collection_last_date": "account_collection.group_collection_user",
    "collection_force_next": "account_collection.group_collection_user",
    "collection_next_reason": "account_collection.group_collection_user",
    "collection_end_of_policy": "account_collection.group_collection_user",
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
    # The customer's escalation state, written by the autopilot only: the level of his current
    # sequence, the day of his last reminder, and "go on to the next level at once" (a broken
    # promise). The sequence ends, and the level is cleared, when nothing overdue is left.
    collection_level_id = fields.Many2one(
        "collection.level", string="Level reached", company_dependent=True, readonly=True, copy=False
    )
    collection_last_date = fields.Date(
        string="Last reminder", company_dependent=True, readonly=True, copy=False
    )
    collection_force_next = fields.Boolean(
        string="Next level at once",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="A promise to pay was broken: the next run sends the next level.",
    )
    collection_next_level_id = fields.Many2one(
        "collection.level", string="Next level", company_dependent=True, readonly=True, copy=False
    )
    collection_next_date = fields.Date(
        string="Next reminder on",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="When the autopilot sends the next reminder (empty: nothing planned).",
    )
    collection_next_reason = fields.Selection(
        NEXT_REASONS, string="Why", company_dependent=True, readonly=True, copy=False
    )
    collection_end_of_policy = fields.Boolean(
        string="Past the last level",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="Every level of the policy was sent and something is still overdue: the policy's "
        "suggestion (call, hand-over, doubtful-debt provision) is the next action.",
    )
    collection_next_action = fields.Char(
        string="Next action", compute="_compute_collection_next_action", compute_sudo=True
    )
    collection_effective_policy_id = fields.Many2one(
        "collection.policy", string="Policy", compute="_compute_collection_next_action", compute_sudo=True
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
    # The same figures in company currency: the one column a list of customers in several
    # currencies can add up.
    collection_company_currency_id = fields.Many2one(
        "res.currency", string="Company currency", compute="_compute_collection_amounts"
    )
    collection_overdue_amount_company = fields.Monetary(
        string="Overdue (company currency)",
        compute="_compute_collection_amounts",
        currency_field="collection_company_currency_id",
    )
    collection_due_amount_company = fields.Monetary(
        string="Total due (company currency)",
        compute="_compute_collection_amounts",
        currency_field="collection_company_currency_id",
    )

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

    @api.depends_context("company")
    def _compute_collection_next_action(self):
        company = self.env.company
        autopilot = self.env["collection.autopilot"]
        reasons = dict(self._fields["collection_next_reason"]._description_selection(self.env))
        for partner in self:
            policy = autopilot._policy_of(partner.commercial_partner_id, company)
            partner.collection_effective_policy_id = policy
            if partner.collection_end_of_policy:
                text = policy._end_action_text()
            elif partner.collection_next_level_id and partner.collection_next_date:
                text = self.env._(
                    "%(level)s on %(date)s",
                    level=partner.collection_next_level_id.name,
                    date=format_date(self.env, partner.collection_next_date),
                )
            else:
                text = reasons.get(partner.collection_next_reason, "")
            partner.collection_next_action = text

    @api.depends_context("company")
    def _compute_collection_currency(self):
        # The customer's own currency where all his open items share one, else the company's.
        rows = self.env["account.move.line"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids), *self._collection_open_lines_domain()],
            ["partner_id", "currency_id"],
        )
        currencies = defaultdict(set)
        for partner, currency in rows:
            currencies[partner].add(currency)
        for partner in self:
            found = currencies.get(partner.commercial_partner_id, set())
            partner.collection_currency_id = (
                next(iter(found)) if len(found) == 1 else self.env.company.currency_id
            )

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
        """The figures of the customer's next reminder, from the autopilot's own decision: the
        cockpit, the reminder and its email cannot disagree. In the customer's currency where all
        his open items share one, else in company currency."""
        company = self.env.company
        today = fields.Date.context_today(self)
        commercial = self.commercial_partner_id
        decisions = {
            values["partner"].id: values
            for values in self.env["collection.autopilot"]._decisions(company, today, partners=commercial)
        }
        for partner in self:
            values = decisions.get(partner.commercial_partner_id.id)
            overdue = due = overdue_company = due_company = 0.0
            oldest = False
            if values:
                items = [item for item in values["items"] if not item.paused]
                single = len({item.currency for item in values["items"]}) == 1
                amount = (lambda item: item.amount) if single else (lambda item: item.amount_company)
                late = [
                    item
                    for item in items
                    if item.debt and item.amount > 0 and item.date_due and item.date_due < today
                ]
                totals = values["decision"].totals
                if single and totals:
                    overdue = totals[0].claimed
                else:
                    overdue = sum(amount(item) for item in late) - sum(
                        -amount(item) for item in items if item.amount < 0
                    )
                    overdue = max(overdue, 0.0)
                due = sum(amount(item) for item in values["items"])
                oldest = min((item.date_due for item in late), default=False)
                if single and totals:
                    overdue_company = values["decision"].claimed_company
                else:
                    overdue_company = max(
                        sum(item.amount_company for item in late)
                        - sum(-item.amount_company for item in items if item.amount < 0),
                        0.0,
                    )
                due_company = sum(item.amount_company for item in values["items"])
            partner.collection_company_currency_id = company.currency_id
            partner.collection_due_amount_company = due_company
            partner.collection_overdue_amount_company = overdue_company
            partner.collection_due_amount = due
            partner.collection_overdue_amount = overdue
            partner.collection_oldest_due_date = oldest
            partner.collection_days_late = (today - oldest).days if oldest else 0

    def _search_collection_overdue_amount(self, operator, value):
        if operator not in (">", ">=", "<", "<=", "=", "!="):
            return NotImplemented
        today = fields.Date.context_today(self)
        # Overdue items less every credit, in company currency: what the cockpit shows (paused
        # items and currencies aside).
        query = self.env["account.move.line"]._search(
            [
                *self._collection_open_lines_domain(),
                "|",
                ("date_maturity", "<", today),
                ("amount_residual", "<", 0),
            ]
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
        messages = partners._message_log_batch(
            bodies={partner.id: self.env._("Collection reminders resumed.") for partner in partners},
            author_id=self.env.user.partner_id.id,
        )
        # The timeline finds pauses by their subtype.
        messages.subtype_id = self.env.ref("account_collection.mt_collection_pause")
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
        """Send the selected customers their next reminder now. If one of them already received a
        reminder today, ask first and say what was sent."""
        today = fields.Date.context_today(self)
        autopilot = self.env["collection.autopilot"]
        sent_today = autopilot._sent_today(self.env.company, self, today)
        if sent_today and not self.env.context.get("collection_confirm_send"):
            lines = [
                self.env._(
                    "%(customer)s: %(level)s by %(channels)s",
                    customer=partner.display_name,
                    level=comm.level_id.name,
                    channels=", ".join(autopilot._channel_labels(comm)) or "-",
                )
                for partner, comms in sent_today.items()
                for comm in comms
            ]
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Already reminded today"),
                "res_model": "collection.send.confirm",
                "view_mode": "form",
                "views": [(False, "form")],
                "target": "new",
                "context": {
                    "default_partner_ids": self.commercial_partner_id.ids,
                    "default_message": "\n".join(lines),
                },
            }
        return self._collection_send_now()

    def _collection_send_now(self):
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
                    "Nothing to send: none of the selected customers has an overdue or coming-due invoice "
                    "that can be reminded (paused, disputed, promised and excluded invoices are left out, "
                    "and so is what credit notes cover)."
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
