from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..tools.schedule import days_late


class CollectionProvisionMatrix(models.TransientModel):
    """Bring the provisions of all open invoices to what an aging matrix expects, in one entry."""

    _name = "collection.provision.matrix"
    _description = "Doubtful-debt provision matrix"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    bucket_ids = fields.One2many(
        "collection.provision.matrix.bucket",
        "matrix_id",
        string="Aging buckets",
        default=lambda self: self._default_bucket_ids(),
    )
    line_ids = fields.One2many(
        "collection.provision.matrix.line", "matrix_id", string="Preview", readonly=True
    )
    excluded_move_ids = fields.Many2many(
        "account.move",
        string="Left out",
        check_company=True,
        domain="[('company_id', '=', company_id), ('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
        help="Invoices the matrix leaves as they are this time (their provision does not change).",
    )
    manual_move_ids = fields.Many2many(
        "account.move",
        "collection_provision_matrix_manual_rel",
        string="Provisions booked by hand",
        readonly=True,
        help="Invoices marked as doubtful: their specific provision is the accountant's judgement on "
        "the invoice, which the matrix never lowers nor raises. Undo Doubtful hands them back to the matrix.",
    )
    total_difference = fields.Monetary(
        string="To post", compute="_compute_totals", currency_field="company_currency_id"
    )
    total_target = fields.Monetary(
        string="Target provision", compute="_compute_totals", currency_field="company_currency_id"
    )

    def _default_bucket_ids(self):
        # IFRS 9 simplified approach: lifetime expected losses by age. Sensible starting rates,
        # to be replaced by the company's own loss history.
        buckets = [
            (self.env._("Not yet due"), 0, 1.0),
            (self.env._("1-30 days late"), 1, 3.0),
            (self.env._("31-60 days late"), 31, 10.0),
            (self.env._("61-90 days late"), 61, 25.0),
            (self.env._("91-180 days late"), 91, 50.0),
            (self.env._("More than 180 days late"), 181, 100.0),
        ]
        return [
            Command.create({"name": name, "days_from": days, "percentage": rate})
            for name, days, rate in buckets
        ]

    @api.depends("line_ids.difference_company", "line_ids.target_company")
    def _compute_totals(self):
        for matrix in self:
            matrix.total_difference = sum(matrix.line_ids.mapped("difference_company"))
            matrix.total_target = sum(matrix.line_ids.mapped("target_company"))

    def _bucket_for(self, late):
        buckets = self.bucket_ids.sorted("days_from")
        reached = buckets.filtered(lambda bucket: bucket.days_from <= late)
        # Below the first bucket (e.g. far from due) the first bucket still applies.
        return reached[-1:] or buckets[:1]

    def _compute_preview(self):
        """One preview line per open invoice (or invoice still provisioned) whose provision changes."""
        self.ensure_one()
        self.env["account.move"]._collection_check_accountant()
        if not self.bucket_ids:
            raise UserError(self.env._("Add at least one aging bucket."))
        if any(not 0 <= bucket.percentage <= 100 for bucket in self.bucket_ids):
            raise UserError(self.env._("Bucket percentages must be between 0 and 100."))
        invoices = self.env["account.move"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("invoice_date", "<=", self.date),
                ("collection_status", "not in", ["written_off", "recovered"]),
                "|",
                ("payment_state", "in", ["not_paid", "partial"]),
                ("collection_status", "in", ["provisioned", "doubtful"]),
            ]
        )
        # Specific provisions (Mark as Doubtful) are the accountant's judgement on one invoice:
        # the portfolio matrix neither lowers nor raises them, and says so.
        manual = invoices.filtered(lambda move: move.collection_provision_kind == "specific")
        invoices -= manual | self.excluded_move_ids
        provisions = invoices._collection_provision_balances()
        lines = []
        for invoice in invoices:
            currency = invoice.currency_id
            late = days_late(invoice.invoice_date_due, self.date) if invoice.invoice_date_due else 0
            bucket = self._bucket_for(late)
            residual = invoice.amount_residual
            target = currency.round(
                residual * invoice._collection_untaxed_share() * bucket.percentage / 100.0
            )
            lines.append(
                Command.create(
                    {
                        "move_id": invoice.id,
                        "bucket_id": bucket.id,
                        "days_late": late,
                        "residual": residual,
                        "current": provisions[invoice][0],
                        "target": target,
                        "percentage": bucket.percentage,
                    }
                )
            )
        self.write({"line_ids": [Command.clear(), *lines], "manual_move_ids": [Command.set(manual.ids)]})

    def _lines_to_post(self):
        return self.line_ids.filtered(
            lambda line: line.currency_id.compare_amounts(line.target, line.current)
        )

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Provision matrix"),
            "context": {"dialog_size": "extra-large"},
        }

    def action_preview(self):
        self.ensure_one()
        self._compute_preview()
        return self._reopen()

    def action_post(self):
        """Post the top-ups and releases of the preview as one balanced entry."""
        self.ensure_one()
        self._compute_preview()
        to_post = self._lines_to_post()
        if not to_post:
            raise UserError(self.env._("The provisions already match the matrix: there is nothing to post."))
        company = self.company_id
        move_model = self.env["account.move"]
        move_model._collection_check_settings(
            company,
            [
                "collection_journal_id",
                "collection_doubtful_expense_account_id",
                "collection_allowance_account_id",
            ],
        )
        move_model._collection_check_lock_date(company, self.date)
        invoices = to_post.move_id
        provisions = invoices._collection_provision_balances()
        name = self.env._("Provision matrix %(date)s", date=fields.Date.to_string(self.date))
        line_vals = []
        for line in to_post:
            invoice = line.move_id
            difference = line.target - line.current
            current, current_balance = provisions[invoice]
            if difference > 0:
                balance = invoice._collection_to_company(difference, self.date)
            elif invoice.currency_id.compare_amounts(line.target, 0) == 0 or not current:
                balance = -current_balance
            else:
                # A release gives back the same share of what was provisioned, in both currencies.
                balance = invoice.company_currency_id.round(current_balance * difference / current)
            line_vals += invoice._collection_provision_lines(difference, balance, f"{name}: {invoice.name}")
        entry = move_model._collection_writer().create(
            {
                "move_type": "entry",
                "journal_id": company.collection_journal_id.id,
                "company_id": company.id,
                "date": self.date,
                "ref": name,
                "collection_entry_type": "provision",
                "line_ids": line_vals,
            }
        )
        entry.action_post()
        rates = {line.move_id: line.percentage / 100.0 for line in to_post}
        for rate, rated in invoices.grouped(lambda invoice: rates[invoice]).items():
            rated._collection_writer().write(
                {"collection_provision_rate": rate, "collection_provision_kind": "general" if rate else False}
            )
        for invoice in invoices:
            invoice._message_log(
                body=self.env._("Provision set by the provision matrix: %(entry)s", entry=entry.name)
            )
        return entry._collection_action_open()


class CollectionProvisionMatrixBucket(models.TransientModel):
    _name = "collection.provision.matrix.bucket"
    _description = "Provision matrix: aging bucket"
    _order = "days_from"

    matrix_id = fields.Many2one("collection.provision.matrix", required=True, ondelete="cascade")
    name = fields.Char(required=True)
    days_from = fields.Integer(
        string="From days late",
        required=True,
        help="Invoices at least this many days late fall in this bucket (until the next one). "
        "The first bucket also takes the invoices not yet due.",
    )
    percentage = fields.Float(string="Provision %", digits=(5, 2))
    # The summary of the preview, per bucket, in the company's currency.
    line_ids = fields.One2many("collection.provision.matrix.line", "bucket_id", readonly=True)
    company_currency_id = fields.Many2one(related="matrix_id.company_currency_id")
    invoice_count = fields.Integer(string="Invoices", compute="_compute_summary")
    residual_company = fields.Monetary(
        string="Amount due", compute="_compute_summary", currency_field="company_currency_id"
    )
    current_company = fields.Monetary(
        string="Current provision", compute="_compute_summary", currency_field="company_currency_id"
    )
    target_company = fields.Monetary(
        string="Target provision", compute="_compute_summary", currency_field="company_currency_id"
    )
    difference_company = fields.Monetary(
        string="To post", compute="_compute_summary", currency_field="company_currency_id"
    )

    @api.depends("line_ids.residual_company", "line_ids.target_company", "line_ids.difference_company")
    def _compute_summary(self):
        for bucket in self:
            lines = bucket.line_ids
            bucket.invoice_count = len(lines)
            bucket.residual_company = sum(lines.mapped("residual_company"))
            bucket.target_company = sum(lines.mapped("target_company"))
            bucket.difference_company = sum(lines.mapped("difference_company"))
            bucket.current_company = bucket.target_company - bucket.difference_company


class CollectionProvisionMatrixLine(models.TransientModel):
    _name = "collection.provision.matrix.line"
    _description = "Provision matrix: invoice preview"
    _order = "days_late desc, id"

    matrix_id = fields.Many2one("collection.provision.matrix", required=True, ondelete="cascade")
    move_id = fields.Many2one("account.move", string="Invoice", required=True)
    bucket_id = fields.Many2one("collection.provision.matrix.bucket", ondelete="set null")
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", string="Customer")
    currency_id = fields.Many2one(related="move_id.currency_id")
    company_currency_id = fields.Many2one(related="matrix_id.company_currency_id", string="Company Currency")
    days_late = fields.Integer()
    percentage = fields.Float(string="Provision %", digits=(5, 2))
    residual = fields.Monetary(string="Amount due")
    current = fields.Monetary(string="Current provision")
    target = fields.Monetary(string="Target provision")
    difference = fields.Monetary(compute="_compute_company_amounts")
    residual_company = fields.Monetary(
        compute="_compute_company_amounts", currency_field="company_currency_id"
    )
    target_company = fields.Monetary(compute="_compute_company_amounts", currency_field="company_currency_id")
    difference_company = fields.Monetary(
        string="Difference in company currency",
        compute="_compute_company_amounts",
        currency_field="company_currency_id",
    )

    @api.depends("residual", "target", "current", "matrix_id.date")
    def _compute_company_amounts(self):
        for line in self:
            line.difference = line.target - line.current
            convert = line.currency_id._convert
            company = line.matrix_id.company_id
            line.residual_company = convert(
                line.residual, line.company_currency_id, company, line.matrix_id.date
            )
            line.target_company = convert(line.target, line.company_currency_id, company, line.matrix_id.date)
            line.difference_company = convert(
                line.difference, line.company_currency_id, company, line.matrix_id.date
            )

    def action_leave_out(self):
        """Leave this invoice out of the matrix this time, and show the preview again."""
        self.ensure_one()
        matrix = self.matrix_id
        matrix.excluded_move_ids = [Command.link(self.move_id.id)]
        matrix._compute_preview()
        return matrix._reopen()
