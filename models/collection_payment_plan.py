import base64
import logging
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

from ..tools import payment_plan
from ..tools.reference import format_rf, rf_for_partner

FREQUENCIES = [
    ("weekly", "Weekly"),
    ("biweekly", "Every two weeks"),
    ("monthly", "Monthly"),
    ("manual", "Dates set by hand"),
]
PLAN_STATES = [
    ("draft", "Draft"),
    ("proposed", "Proposed"),
    ("active", "Active"),
    ("completed", "Completed"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]
INSTALMENT_STATES = [("due", "Due"), ("partial", "Partly paid"), ("paid", "Paid"), ("overdue", "Overdue")]
# Set in the context by the plan's own methods to change what is protected below. An object, not
# a string: a client cannot send it through the API.
PLAN_WRITE = object()
PLAN_WRITE_KEY = "collection_payment_plan_write"
PLAN_PROTECTED_FIELDS = frozenset(
    {
        "state",
        "partner_id",
        "company_id",
        "move_ids",
        "currency_id",
        "line_ids",
        "amount_total",
        "down_payment",
        "grace_days",
        "frequency",
        "accepted_name",
        "accepted_date",
        "accepted_ip",
        "signature",
        "accepted_by_phone",
        "closed_date",
    }
)
# Plans that hold their invoices: another plan cannot take them.
OPEN_PLAN_STATES = ("draft", "proposed", "active")

_logger = logging.getLogger(__name__)


class CollectionPaymentPlan(models.Model):
    """Instalments agreed with a customer for some of his open invoices of one currency.

    While active, the invoices are left out of the ordinary reminders (a pause reason of their
    own); the daily run reminds the instalments instead, breaks the plan once one is unpaid past
    the grace days and completes it once everything is paid.
    """

    _name = "collection.payment.plan"
    _description = "Payment Plan"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin", "collection.pause.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _pause_fields = ("state", "move_ids", "partner_id")

    name = fields.Char(readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, readonly=True)
    move_ids = fields.Many2many(
        "account.move",
        "collection_payment_plan_account_move_rel",
        "collection_payment_plan_id",
        "account_move_id",
        string="Invoices",
        required=True,
        readonly=True,
        check_company=True,
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    line_ids = fields.One2many(
        "collection.payment.plan.line", "plan_id", string="Instalments", readonly=True, copy=False
    )
    amount_total = fields.Monetary(
        string="Total", readonly=True, help="What the invoices owed when the plan was made."
    )
    down_payment = fields.Monetary(readonly=True)
    frequency = fields.Selection(FREQUENCIES, required=True, default="monthly", readonly=True)
    grace_days = fields.Integer(
        readonly=True, help="Days an instalment may stay unpaid after its date before the plan breaks."
    )
    state = fields.Selection(
        PLAN_STATES, default="draft", required=True, tracking=True, index=True, copy=False
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user, tracking=True
    )
    note = fields.Text()
    amount_paid = fields.Monetary(compute="_compute_allocation", store=True, string="Paid")
    amount_overdue = fields.Monetary(compute="_compute_allocation", store=True, string="Overdue instalments")
    next_date = fields.Date(compute="_compute_allocation", store=True, string="Next instalment")
    next_amount = fields.Monetary(compute="_compute_allocation", store=True, string="Next amount")
    at_risk = fields.Boolean(
        compute="_compute_allocation",
        store=True,
        index=True,
        help="An instalment is past its date and not paid in full.",
    )
    payment_reference = fields.Char(compute="_compute_payment_reference")
    accepted_name = fields.Char(readonly=True, copy=False, tracking=True)
    accepted_date = fields.Datetime(readonly=True, copy=False)
    accepted_ip = fields.Char(string="Accepted from IP", readonly=True, copy=False)
    signature = fields.Image(readonly=True, copy=False, attachment=True, max_width=1024, max_height=1024)
    accepted_by_phone = fields.Boolean(
        readonly=True, copy=False, help="Activated by the collector on the customer's word over the phone."
    )
    closed_date = fields.Date(readonly=True, copy=False)

    def write(self, vals):
        # The plan's state, terms and the customer's acceptance are evidence: they change only
        # through the plan's buttons and the portal, never by editing the record (API included).
        if self.env.context.get(PLAN_WRITE_KEY) is not PLAN_WRITE:
            protected = set(vals) & PLAN_PROTECTED_FIELDS
            if protected:
                raise AccessError(
                    self.env._(
                        "%(fields)s of a payment plan change only through its buttons (Propose, Activate, "
                        "Cancel) and the customer's acceptance: use them instead of editing the plan.",
                        fields=", ".join(sorted(self._fields[name].string for name in protected)),
                    )
                )
        return super().write(vals)

    def _plan_writer(self):
        return self.with_context(**{PLAN_WRITE_KEY: PLAN_WRITE})

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("collection.payment.plan") or "/"
        return super().create(vals_list)

    def _instalment_states(self):
        """[(instalment, tools.payment_plan.Instalment)] oldest first: what the payments on the
        invoices since the plan was made cover of each instalment, and its state today."""
        self.ensure_one()
        today = self.env.context.get("collection_today") or fields.Date.context_today(self)
        lines = self.line_ids.sorted(lambda line: (line.date, line.id))
        if not lines:
            return []
        paid = self.currency_id.round(
            max(
                self.amount_total
                - self._amount_not_invoiced()
                - sum(self.move_ids.mapped("amount_residual")),
                0.0,
            )
        )
        states = payment_plan.instalment_states(lines.mapped("amount"), lines.mapped("date"), paid, today)
        return list(zip(lines, states, strict=True))

    def _amount_not_invoiced(self):
        """What the total counts that no invoice of the plan carries yet (a fee charged later)."""
        return 0.0

    @api.depends("move_ids.amount_residual", "line_ids.amount", "line_ids.date", "amount_total", "state")
    def _compute_allocation(self):
        for plan in self:
            states = [state for _line, state in plan._instalment_states()]
            currency = plan.currency_id
            plan.amount_paid = currency.round(sum(float(state.paid) for state in states))
            plan.amount_overdue = currency.round(
                sum(float(state.amount - state.paid) for state in states if state.state == "overdue")
            )
            upcoming = [state for state in states if state.state != "paid"]
            plan.next_date = upcoming[0].due_date if upcoming else False
            plan.next_amount = float(upcoming[0].amount - upcoming[0].paid) if upcoming else 0.0
            plan.at_risk = plan.state == "active" and any(state.state == "overdue" for state in states)

    @api.model
    def _today(self):
        return fields.Date.context_today(self)

    @api.depends("company_id", "partner_id")
    def _compute_payment_reference(self):
        for plan in self:
            plan.payment_reference = (
                plan.company_id
                and plan.partner_id
                and rf_for_partner(plan.company_id.id, plan.partner_id.commercial_partner_id.id)
            )

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for plan in self:
            plan.access_url = f"/my/payment_plans/{plan.id}"
        return result

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Payment plan %(name)s", name=self.name)

    # ------------------------------------------------------------------------------------------
    # Creation (the wizard validates first: nothing is created from a refused plan)
    # ------------------------------------------------------------------------------------------

    @api.model
    def _check_invoices(self, moves, exclude_plan=None):
        """Refuse invoices a plan cannot cover, with what to do instead."""
        if not moves:
            raise UserError(self.env._("Select the open invoices of one customer for the payment plan."))
        not_invoices = moves.filtered(lambda move: move.move_type != "out_invoice")
        if not_invoices:
            raise UserError(
                self.env._(
                    "A payment plan covers customer invoices only: remove %(moves)s.",
                    moves=", ".join(not_invoices.mapped("display_name")),
                )
            )
        drafts = moves.filtered(lambda move: move.state != "posted")
        if drafts:
            raise UserError(
                self.env._(
                    "%(moves)s are not posted: post them first or leave them out of the plan.",
                    moves=", ".join(drafts.mapped("display_name")),
                )
            )
        paid = moves.filtered(lambda move: move.currency_id.is_zero(move.amount_residual))
        if paid:
            raise UserError(
                self.env._(
                    "%(moves)s are already paid: leave them out of the plan.",
                    moves=", ".join(paid.mapped("display_name")),
                )
            )
        if len(moves.commercial_partner_id) > 1:
            raise UserError(
                self.env._(
                    "A payment plan is for one customer: the invoices belong to %(customers)s. Make one plan "
                    "per customer.",
                    customers=", ".join(moves.commercial_partner_id.mapped("display_name")),
                )
            )
        if len(moves.company_id) > 1:
            raise UserError(
                self.env._(
                    "A payment plan is for one company: the invoices belong to %(companies)s. Make one plan "
                    "per company.",
                    companies=", ".join(moves.company_id.mapped("name")),
                )
            )
        if len(moves.currency_id) > 1:
            raise UserError(
                self.env._(
                    "A payment plan is in one currency: the invoices are in %(currencies)s. Make one plan per "
                    "currency.",
                    currencies=", ".join(moves.currency_id.mapped("name")),
                )
            )
        written_off = moves.filtered(lambda move: move.collection_status in ("written_off", "recovered"))
        if written_off:
            raise UserError(
                self.env._(
                    "%(moves)s are written off: reverse the write-off first or leave them out of the plan.",
                    moves=", ".join(written_off.mapped("display_name")),
                )
            )
        others = (
            self.sudo()
            .search([("move_ids", "in", moves.ids), ("state", "in", OPEN_PLAN_STATES)])
            .filtered(lambda plan: plan != exclude_plan)
        )
        if others:
            taken = moves.filtered(lambda move: move in others.move_ids)
            raise UserError(
                self.env._(
                    "%(moves)s are already in the payment plan %(plan)s: cancel that plan first or leave them "
                    "out.",
                    moves=", ".join(taken.mapped("display_name")),
                    plan=others[0].name,
                )
            )

    # ------------------------------------------------------------------------------------------
    # Agreement
    # ------------------------------------------------------------------------------------------

    def _check_state(self, states, action):
        wrong = self.filtered(lambda plan: plan.state not in states)
        if wrong:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "The payment plan %(plan)s is %(state)s: it cannot be %(action)s.",
                    plan=wrong[0].name,
                    state=labels[wrong[0].state],
                    action=action,
                )
            )

    def _check_first_date(self):
        today = fields.Date.context_today(self)
        late = self.filtered(lambda plan: plan.line_ids and min(plan.line_ids.mapped("date")) < today)
        if late:
            raise UserError(
                self.env._(
                    "The first instalment of %(plan)s is in the past: cancel the plan and make a new one that "
                    "starts today or later.",
                    plan=late[0].name,
                )
            )

    def action_propose(self):
        """Send the agreement (email with its PDF, in the customer's language) for acceptance."""
        self._check_state(("draft", "proposed"), self.env._("proposed"))
        self._check_first_date()
        for plan in self:
            if not plan.partner_id.email:
                raise UserError(
                    self.env._(
                        "%(customer)s has no email address: add one, or activate the plan yourself once "
                        "agreed by phone.",
                        customer=plan.partner_id.display_name,
                    )
                )
        self._portal_ensure_token()
        template = self.env.ref("account_collection.mail_template_collection_payment_plan")
        subjects = template._render_field("subject", self.ids, compute_lang=True)
        bodies = template._render_field("body_html", self.ids, compute_lang=True)
        Report = self.env["ir.actions.report"].sudo()
        for plan in self:
            # The report renders in the customer's language itself.
            pdf = Report._render_qweb_pdf(
                "account_collection.action_report_collection_payment_plan", plan.ids
            )[0]
            plan.message_post(
                subject=subjects[plan.id],
                body=bodies[plan.id],
                partner_ids=plan.partner_id.ids,
                attachments=[(f"{plan._get_report_base_filename()}.pdf", pdf)],
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )
        self._plan_writer().state = "proposed"
        return True

    def action_activate(self):
        """The collector activates a plan the customer agreed to by phone."""
        self.check_access("write")
        self._check_state(("draft", "proposed"), self.env._("activated"))
        self._check_first_date()
        for plan in self:
            plan._check_invoices(plan.move_ids, exclude_plan=plan)
        self._plan_writer().write({"state": "active", "accepted_by_phone": True})
        for plan in self:
            plan.message_post(
                body=self.env._(
                    "Activated by %(user)s: the customer agreed to the plan by phone.",
                    user=self.env.user.name,
                )
            )
        return True

    def _accept(self, name, signature, ip):
        """The customer accepts the plan in the portal (his name, signature and address kept)."""
        self.ensure_one()
        if self.state != "proposed":
            raise UserError(self.env._("This payment plan is no longer waiting for your acceptance."))
        if not (name or "").strip():
            raise UserError(self.env._("Enter your name to accept the payment plan."))
        if not signature:
            raise UserError(self.env._("Sign to accept the payment plan."))
        self._check_first_date()
        self._check_invoices(self.move_ids, exclude_plan=self)
        now = fields.Datetime.now()
        self.sudo()._plan_writer().write(
            {
                "state": "active",
                "accepted_name": name.strip(),
                "accepted_date": now,
                "accepted_ip": ip,
                "signature": signature,
            }
        )
        self.sudo().message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "Accepted online by %(name)s on %(date)s from %(ip)s.",
                name=name.strip(),
                date=fields.Datetime.to_string(now),
                ip=ip or "-",
            ),
            attachments=[("signature.png", base64.b64decode(signature))],
        )
        return True

    def action_preview(self):
        self.ensure_one()
        self._portal_ensure_token()
        return {"type": "ir.actions.act_url", "target": "new", "url": self.get_portal_url()}

    def action_cancel(self):
        self._check_state(("draft", "proposed", "active"), self.env._("cancelled"))
        self._plan_writer().write({"state": "cancelled", "closed_date": fields.Date.context_today(self)})
        return True

    def action_reset_draft(self):
        self._check_state(("proposed",), self.env._("set back to draft"))
        self._plan_writer().state = "draft"
        return True

    # ------------------------------------------------------------------------------------------
    # The daily run: complete, break, remind
    # ------------------------------------------------------------------------------------------

    @api.model
    def _plans_to_run(self, company):
        return (
            self.sudo()
            .with_context(tracking_disable=False)
            .search([("company_id", "=", company.id), ("state", "=", "active")])
        )

    @api.model
    def _run_daily(self, company, today):
        """Complete the plans paid in full, break those unpaid past the grace days, and send the
        instalment reminders due today. Called by the autopilot's run for `company`.

        Each plan in a savepoint of its own, as the autopilot does per customer: a failure on one
        plan is logged on that plan and the run goes on with the others (the next run retries it).
        """
        communications = self.env["collection.communication"]
        plans = self._plans_to_run(company)
        if not plans:
            return communications
        # The states change with the day, not only with payments.
        dated = plans.with_context(collection_today=today)
        dated.line_ids._compute_allocation()
        dated._compute_allocation()
        for plan in plans:
            try:
                with self.env.cr.savepoint():
                    communications |= plan._run_plan(today)
            except Exception as error:
                self.env.invalidate_all()
                _logger.warning("payment plan %s failed in the daily run: %s", plan.id, error, exc_info=True)
                plan._message_log(
                    body=self.env._(
                        "The daily run failed on this plan on %(date)s and left it as it was (the next run "
                        "retries it): %(error)s",
                        date=fields.Date.to_string(today),
                        error=str(error),
                    )
                )
        return communications

    def _run_plan(self, today):
        """One plan's step of the daily run: completed, broken, or its reminders due today."""
        self.ensure_one()
        if all(line.state == "paid" for line in self.line_ids):
            self._plan_writer().write({"state": "completed", "closed_date": today})
            self.message_post(body=self.env._("Every instalment is paid: the payment plan is completed."))
            return self.env["collection.communication"]
        if self._broken_line(today):
            return self._break(today)
        return self._send_instalment_reminders(today)

    def _broken_line(self, today):
        self.ensure_one()
        lines = self.line_ids.sorted(lambda line: (line.date, line.id))
        states = [
            payment_plan.Instalment(line.date, line.amount, line.amount_paid, line.state) for line in lines
        ]
        index = payment_plan.first_broken(states, today, self.grace_days)
        return lines[index] if index is not None else lines.browse()

    def _break(self, today):
        """An instalment unpaid past the grace days: the plan is cancelled, the responsible gets a
        task, the customer a notice, and the reminders resume at the policy's level."""
        notices = self.env["collection.communication"]
        if not self:
            return notices
        self._plan_writer().write({"state": "broken", "closed_date": today})
        autopilot = self.env["collection.autopilot"]
        for plan in self:
            company = plan.company_id
            partner = plan.partner_id.commercial_partner_id.with_company(company).sudo()
            policy = autopilot._policy_of(partner, company)
            resume = policy.payment_plan_resume_level_id
            dunning = policy.level_ids.filtered(lambda level: level.offset_days > 0).sorted("offset_days")
            before = dunning.filtered(lambda level, resume=resume: level.offset_days < resume.offset_days)
            # The customer stands just below the resume level, with "go to the next level now":
            # the next run sends the resume level (the first level when none is set).
            partner.with_context(tracking_disable=True).write(
                {
                    "collection_level_id": before[-1:].id if resume else False,
                    "collection_force_next": True,
                }
            )
            line = plan._broken_line(today)
            plan.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=today,
                summary=self.env._("Payment plan broken"),
                note=escape(
                    self.env._(
                        "%(customer)s did not pay the instalment of %(amount)s due on %(date)s within %(days)s "
                        "days. The plan is cancelled and the reminders resume on its invoices.",
                        customer=partner.name,
                        amount=plan.currency_id.format(line.amount - line.amount_paid),
                        date=format_date(self.env, line.date),
                        days=plan.grace_days,
                    )
                ),
                user_id=autopilot._responsible(partner, company).id,
            )
            notices |= plan._send_plan_email("broken", line, today)
        return notices

    def _send_instalment_reminders(self, today):
        """A courtesy email some days before each instalment and a reminder some days after an
        unpaid one, recorded in the reminder history once each (never twice)."""
        Communication = self.env["collection.communication"]
        communications = Communication
        if not self:
            return communications
        sent = {
            (comm.payment_plan_line_id.id, comm.payment_plan_kind)
            for comm in Communication.sudo().search(
                [("payment_plan_id", "in", self.ids), ("state", "in", ("queued", "sent"))]
            )
        }
        autopilot = self.env["collection.autopilot"]
        for plan in self:
            partner = plan.partner_id.commercial_partner_id.with_company(plan.company_id)
            policy = autopilot._policy_of(partner, plan.company_id)
            days_before = policy.payment_plan_courtesy_days
            days_after = policy.payment_plan_reminder_days
            for line in plan.line_ids.filtered(lambda line: line.state != "paid"):
                kind = False
                if line.date - timedelta(days=days_before) <= today <= line.date:
                    kind = "courtesy"
                elif line.date + timedelta(days=days_after) <= today:
                    kind = "reminder"
                if kind and (line.id, kind) not in sent:
                    communications |= plan._send_plan_email(kind, line, today)
        return communications

    def _send_plan_email(self, kind, line, today):
        """Email the customer about an instalment (courtesy, reminder) or the broken plan, and
        record it in the reminder history with the plan's invoices."""
        self.ensure_one()
        autopilot = self.env["collection.autopilot"]
        partner = self.partner_id.commercial_partner_id
        policy = autopilot._policy_of(partner.with_company(self.company_id), self.company_id)
        levels = policy.level_ids.sorted("offset_days")
        level = (
            levels.filtered(lambda lv: lv.offset_days <= 0)
            if kind == "courtesy"
            else levels.filtered(lambda lv: lv.offset_days > 0)
        )[:1] or levels[:1]
        if not level:
            return self.env["collection.communication"]
        amount = line.amount - line.amount_paid if line else self.amount_total - self.amount_paid
        moves = self.move_ids.filtered(lambda move: not move.currency_id.is_zero(move.amount_residual))
        letter = kind == "broken" and not partner.email
        comm = (
            self.env["collection.communication"]
            .sudo()
            .create(
                {
                    "company_id": self.company_id.id,
                    "partner_id": partner.id,
                    "date": today,
                    "level_id": level.id,
                    "user_id": autopilot._responsible(partner, self.company_id).id,
                    "currency_id": self.currency_id.id,
                    "amount_overdue": amount if kind != "courtesy" else 0.0,
                    "amount_claimed": amount,
                    "amount_coming": amount if kind == "courtesy" else 0.0,
                    "channel_email": bool(partner.email),
                    # Without an email address, the notice that the plan is cancelled goes by letter
                    # (in the letter queue, as the autopilot's letters); an instalment's is recorded as
                    # not sent.
                    "channel_letter": letter,
                    "letter_state": "to_print" if letter else False,
                    "error": False
                    if partner.email or letter
                    else self.env._("The customer has no email address."),
                    "payment_plan_id": self.id,
                    "payment_plan_line_id": line.id if line else False,
                    "payment_plan_kind": kind,
                    "line_ids": [
                        Command.create(
                            {
                                "move_id": move.id,
                                "section": "coming" if kind == "courtesy" else "overdue",
                                "date_due": move.invoice_date_due,
                                "currency_id": move.currency_id.id,
                                "amount_residual": move.amount_residual_signed,
                                "amount_residual_currency": move.amount_residual,
                            }
                        )
                        for move in moves
                    ],
                }
            )
        )
        if partner.email:
            template = self.env.ref(f"account_collection.mail_template_collection_payment_plan_{kind}")
            mail_id = template.with_context(plan_line_id=line.id if line else False).send_mail(
                self.id, email_values={"recipient_ids": [Command.link(partner.id)]}
            )
            mail = self.env["mail.mail"].sudo().browse(mail_id)
            comm.write({"mail_message_id": mail.mail_message_id.id, "email_state": "queued"})
        return comm

    # ------------------------------------------------------------------------------------------
    # What the customer reads (agreement, emails, portal)
    # ------------------------------------------------------------------------------------------

    def _plan_lang(self):
        self.ensure_one()
        return self.partner_id.lang or self.env.lang or "en_US"

    def _agreement_values(self):
        self.ensure_one()
        lang = self._plan_lang()
        self = self.with_context(lang=lang)
        Communication = self.env["collection.communication"]
        reference = self.payment_reference
        link = self.get_base_url() + self.get_portal_url() if self.access_token else ""
        pay = Communication._payment_instructions(
            self.company_id,
            self.partner_id,
            self.currency_id,
            self.next_amount or 0.0,
            reference,
            link,
            moves=self.move_ids,
        )
        return {
            "lang": lang,
            "date": format_date(
                self.env, fields.Date.context_today(self), lang_code=lang, date_format="long"
            ),
            "address_lines": Communication._address_lines(self.partner_id),
            "salutation": self.env._("Dear %(name)s,", name=self.partner_id.name),
            "closing": self.env._("Kind regards,"),
            "words": Communication._amount_in_words(self.amount_total, self.currency_id, lang),
            "reference": format_rf(reference) if reference else "",
            "pay": pay,
            "lines": self.line_ids.sorted(lambda line: (line.date, line.id)),
            "invoices": self.move_ids.sorted(lambda move: (move.invoice_date_due or move.date, move.id)),
        }

    def _mail_paragraphs(self, kind):
        """The text of a plan's email in the customer's language: whole sentences, so that each
        translates as one."""
        self.ensure_one()
        lang = self._plan_lang()
        plan = self.with_context(lang=lang)
        env = plan.env
        values = plan._agreement_values()
        line = plan._line_for_mail()
        currency = plan.currency_id
        due = currency.format(line.amount - line.amount_paid) if line else ""
        day = format_date(env, line.date, lang_code=lang, date_format="long") if line else ""
        reference = values["reference"]
        link = values["pay"]["link"]
        if kind == "agreement":
            return [
                env._(
                    "As agreed, you will find attached our proposal to pay %(amount)s (%(words)s) in instalments.",
                    amount=currency.format(plan.amount_total),
                    words=values["words"],
                ),
                env._("Please read it and accept it online: %(link)s", link=link),
            ]
        if kind == "courtesy":
            return [
                env._(
                    "This is a friendly note that the instalment of %(amount)s of your payment plan %(plan)s is "
                    "due on %(date)s.",
                    amount=due,
                    plan=plan.name,
                    date=day,
                ),
                env._(
                    "Please transfer it quoting the payment reference %(reference)s, or pay online: %(link)s",
                    reference=reference,
                    link=link,
                ),
            ]
        if kind == "reminder":
            return [
                env._(
                    "We have not yet received the instalment of %(amount)s of your payment plan %(plan)s, due "
                    "on %(date)s.",
                    amount=due,
                    plan=plan.name,
                    date=day,
                ),
                env._(
                    "Please pay it within %(days)s days of that date, quoting the payment reference "
                    "%(reference)s: otherwise the plan is cancelled and the whole balance becomes due again.",
                    days=plan.grace_days,
                    reference=reference,
                ),
            ]
        return [
            env._(
                "The instalment of your payment plan %(plan)s due on %(date)s remained unpaid past the agreed "
                "grace period. The payment plan is therefore cancelled.",
                plan=plan.name,
                date=day,
            ),
            env._(
                "The remaining balance of %(amount)s is due now, quoting the payment reference %(reference)s. "
                "Our usual reminders resume.",
                amount=currency.format(plan.amount_total - plan.amount_paid),
                reference=reference,
            ),
        ]

    def _line_for_mail(self):
        """The instalment an email is about (set in the context by the run)."""
        line_id = self.env.context.get("plan_line_id")
        return self.env["collection.payment.plan.line"].browse(line_id) if line_id else self.line_ids[:0]

    def _payment_link(self):
        """Odoo's payment link for the next instalment, on the oldest open invoice of the plan
        (a transaction on it reconciles with it; the plan counts what is paid on its invoices)."""
        self.ensure_one()
        move = self.move_ids.filtered(lambda move: not move.currency_id.is_zero(move.amount_residual)).sorted(
            lambda move: (move.invoice_date_due or move.date, move.id)
        )[:1]
        if not move or self.state != "active" or not self.next_amount:
            return ""
        wizard = (
            self.env["payment.link.wizard"]
            .sudo()
            .with_context(active_model="account.move", active_id=move.id, active_ids=move.ids)
            .create({"amount": min(self.next_amount, move.amount_residual)})
        )
        return wizard.link

    def _get_portal_return_action(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "account_collection.collection_payment_plan_action"
        )


class CollectionPaymentPlanLine(models.Model):
    _name = "collection.payment.plan.line"
    _description = "Payment Plan Instalment"
    _order = "date, id"

    plan_id = fields.Many2one("collection.payment.plan", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    sequence = fields.Integer()
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    is_down_payment = fields.Boolean(string="Down payment")
    amount_paid = fields.Monetary(string="Paid", compute="_compute_allocation", store=True)
    state = fields.Selection(INSTALMENT_STATES, compute="_compute_allocation", store=True)

    _amount_positive = models.Constraint("CHECK(amount > 0)", "An instalment is a positive amount.")

    @api.depends(
        "amount",
        "date",
        "plan_id.move_ids.amount_residual",
        "plan_id.line_ids.amount",
        "plan_id.line_ids.date",
        "plan_id.amount_total",
    )
    def _compute_allocation(self):
        for plan in self.plan_id:
            for line, state in plan._instalment_states():
                if line in self:
                    line.amount_paid = float(state.paid)
                    line.state = state.state
        for line in self.filtered(lambda line: not line.plan_id):
            line.amount_paid, line.state = 0.0, "due"

    def write(self, vals):
        if {"date", "amount", "plan_id", "is_down_payment"} & set(vals) and any(
            line.plan_id.state != "draft" for line in self
        ):
            raise ValidationError(
                self.env._(
                    "Instalments change only while the plan is a draft: cancel the plan and make a new one."
                )
            )
        return super().write(vals)
