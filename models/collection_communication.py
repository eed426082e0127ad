from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date
from odoo.tools import format_amount as tools_format_amount

from ..tools.reference import InvalidIBAN, check_iban, decode_rf, format_rf, parse_rf, rf_for_partner
from ..tools.words import amount_in_words
from .ir_qweb import format_date_once

# The tones of a level, as the letters group them: an urgent reminder is a firm one that says
# so, a formal level or a final notice is a formal demand.
LETTER_TONES = {"courtesy": "courtesy", "friendly": "friendly", "firm": "firm", "urgent": "urgent"}

# The reminder history is evidence (of a formal notice, say): only the addon's own methods write
# it, as superuser. Users may only record what the post office adds to a printed letter.
USER_WRITABLE_FIELDS = frozenset({"registered_letter", "tracking_number"})


class CollectionCommunication(models.Model):
    """One reminder sent to one customer: the history of what was said, when and how."""

    _name = "collection.communication"
    _description = "Collection Communication"
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, readonly=True)
    date = fields.Date(required=True, index=True, readonly=True)
    level_id = fields.Many2one(
        "collection.level", required=True, readonly=True, index=True, check_company=True
    )
    tone = fields.Selection(related="level_id.tone")
    is_final_notice = fields.Boolean(related="level_id.is_final_notice")
    manual = fields.Boolean(readonly=True, help="Sent by hand rather than by the autopilot.")
    user_id = fields.Many2one("res.users", string="Responsible", readonly=True)
    line_ids = fields.One2many(
        "collection.communication.line", "communication_id", string="Invoices", readonly=True
    )
    # The figures the customer read, in the currency of his invoices (in company currency when
    # the reminder lists several currencies: the letter then shows one total per currency).
    currency_id = fields.Many2one("res.currency", readonly=True, required=True)
    amount_overdue = fields.Monetary(
        string="Overdue", readonly=True, help="The overdue items listed, before credits."
    )
    amount_credits = fields.Monetary(
        string="Credits deducted", readonly=True, help="Credit notes and unallocated payments deducted."
    )
    amount_claimed = fields.Monetary(
        string="Claimed", readonly=True, help="What the reminder asks to pay: overdue less credits."
    )
    amount_coming = fields.Monetary(
        string="Coming due", readonly=True, help="Invoices not yet due, listed in a section of their own."
    )

    # Channels, each with its own progress.
    channel_email = fields.Boolean(string="Email", readonly=True)
    channel_sms = fields.Boolean(string="SMS", readonly=True)
    channel_letter = fields.Boolean(string="Letter", readonly=True)
    channel_call = fields.Boolean(string="Call", readonly=True)
    channel_alert = fields.Boolean(string="Alert", readonly=True)
    email_state = fields.Selection(
        [("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed")], readonly=True, copy=False
    )
    sms_state = fields.Selection(
        [("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed")], readonly=True, copy=False
    )
    letter_state = fields.Selection(
        [("to_print", "To print"), ("sent", "Sent"), ("cancelled", "Cancelled")], readonly=True, copy=False
    )
    mail_message_id = fields.Many2one(
        "mail.message", string="Email message", readonly=True, index="btree_not_null"
    )
    sms_id = fields.Many2one("sms.sms", string="SMS record", readonly=True, index="btree_not_null")
    registered_letter = fields.Boolean()
    tracking_number = fields.Char(help="Tracking number of the registered letter.")
    letter_attachment_id = fields.Many2one("ir.attachment", string="Letter PDF", readonly=True)
    letter_subject = fields.Char(compute="_compute_letter_subject", help="Subject of the letter and email.")
    payment_deadline = fields.Date(
        compute="_compute_payment_deadline", help="Date by which the letter asks to be paid."
    )
    payment_reference_display = fields.Char(
        string="Payment reference (printed)", compute="_compute_payment_deadline"
    )
    payment_reference = fields.Char(
        compute="_compute_payment_reference",
        store=True,
        index="btree_not_null",
        help="ISO 11649 creditor reference printed on the letter; stable per customer, so that a "
        "payment quoting it finds the customer whichever reminder it answers.",
    )
    fallback_note = fields.Text(readonly=True, help="Channels replaced because contact data was missing.")
    error = fields.Text(readonly=True)
    cancelled = fields.Boolean(readonly=True)
    state = fields.Selection(
        [("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed"), ("cancelled", "Cancelled")],
        compute="_compute_state",
        store=True,
        index=True,
    )

    def write(self, vals):
        if not self.env.su:
            self._check_user_write(vals)
        return super().write(vals)

    def _check_user_write(self, vals):
        forbidden = set(vals) - USER_WRITABLE_FIELDS
        if forbidden:
            raise AccessError(
                self.env._(
                    "The reminder history records what was sent to the customer and cannot be changed "
                    "(%(fields)s). Only the registered-letter flag and tracking number of a letter can be "
                    "edited; print, mark as sent or cancel a reminder with its buttons.",
                    fields=", ".join(
                        sorted(self._fields[name].string for name in forbidden if name in self._fields)
                    ),
                )
            )
        if "registered_letter" in vals:
            posted = self.filtered(
                lambda comm: (
                    comm.letter_state == "sent" and comm.registered_letter != bool(vals["registered_letter"])
                )
            )
            if posted:
                raise AccessError(
                    self.env._(
                        "The letter to %(customer)s is already posted: whether it went registered cannot be "
                        "changed any more.",
                        customer=posted[0].partner_id.display_name,
                    )
                )

    def init(self):
        # The last line of defence against double sending: two workers, or two runs on one day,
        # can never both record the same automatic level for the same customer.
        self.env.cr.execute(
            SQL(
                """CREATE UNIQUE INDEX IF NOT EXISTS collection_communication_unique_auto
                   ON collection_communication (company_id, partner_id, level_id, date)
                   WHERE state IN ('queued', 'sent') AND manual IS NOT TRUE"""
            )
        )

    @api.depends("cancelled", "error", "email_state", "sms_state", "letter_state")
    def _compute_state(self):
        for comm in self:
            states = {comm.email_state, comm.sms_state, comm.letter_state} - {False}
            if comm.cancelled:
                comm.state = "cancelled"
            elif comm.error or "failed" in states:
                comm.state = "failed"
            elif states & {"queued", "to_print"}:
                comm.state = "queued"
            else:
                comm.state = "sent"

    @api.depends("company_id", "partner_id")
    def _compute_payment_reference(self):
        for comm in self:
            comm.payment_reference = (
                comm.company_id
                and comm.partner_id
                and rf_for_partner(comm.company_id.id, comm.partner_id.commercial_partner_id.id)
            )

    @api.depends("date", "level_id.payment_deadline_days", "payment_reference")
    def _compute_payment_deadline(self):
        for comm in self:
            comm.payment_deadline = comm.date and comm._letter_deadline()
            comm.payment_reference_display = comm.payment_reference and format_rf(comm.payment_reference)

    @api.depends("level_id.tone", "level_id.is_final_notice", "partner_id.lang")
    def _compute_letter_subject(self):
        for comm in self:
            comm.letter_subject = comm.with_context(lang=comm._letter_lang())._letter_subjects()[
                comm._letter_tone()
            ]

    def _letter_subjects(self):
        return {
            "courtesy": self.env._("Invoices due soon"),
            "friendly": self.env._("Payment reminder"),
            "firm": self.env._("Second reminder: overdue invoices"),
            "urgent": self.env._("Immediate attention required: overdue invoices"),
            "final": self.env._("Final notice and formal demand for payment"),
        }

    @api.depends("partner_id", "level_id", "date")
    def _compute_display_name(self):
        for comm in self:
            comm.display_name = f"{comm.level_id.name} - {comm.partner_id.name} - {comm.date}"

    def _totals(self):
        """One total per currency, from the lines: what the customer read.

        :return: a list of dicts with currency, overdue, credits, claimed and coming
        """
        self.ensure_one()
        totals = []
        for currency, lines in self.line_ids.grouped("currency_id").items():
            sums = {
                section: sum(
                    lines.filtered(lambda line, s=section: line.section == s).mapped(
                        "amount_residual_currency"
                    )
                )
                for section in ("overdue", "credit", "coming")
            }
            if not (sums["overdue"] or sums["coming"]):
                continue
            applied = min(-sums["credit"], sums["overdue"])
            totals.append(
                {
                    "currency": currency,
                    "overdue": currency.round(sums["overdue"]),
                    "credits": currency.round(applied),
                    "claimed": currency.round(sums["overdue"] - applied),
                    "coming": currency.round(sums["coming"]),
                }
            )
        return totals

    def _claimed_text(self):
        """The amounts to pay, one per currency (for an SMS): "€ 400.00" or "€ 400.00 + $ 50.00".
        A courtesy reminder, which claims nothing yet, gives what is coming due."""
        self.ensure_one()
        totals = self._totals()
        key = "claimed" if any(total["claimed"] for total in totals) else "coming"
        return " + ".join(
            tools_format_amount(self.env, total[key], total["currency"]) for total in totals if total[key]
        )

    def _portal_link(self):
        """Where the customer pays: the portal page of the oldest overdue invoice."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.section != "credit" and line.move_id.access_token)
        move = lines[:1].move_id
        return move.get_base_url() + move.get_portal_url() if move else ""

    def _pay_link(self):
        """Where the customer sees, and pays, all his open invoices: the portal's list of his
        overdue invoices (with a payment provider, its page to pay them all at once).

        Only for a customer with a portal user: the page asks him to sign in. It is a short
        address, never an access token; an email also links each invoice with its own token.
        """
        self.ensure_one()
        partner = self.partner_id
        if not (partner.user_ids or partner.child_ids.user_ids):
            return ""
        base = self.get_base_url()
        if self._pay_online_enabled(self.company_id):
            return base + "/my/invoices/overdue"
        return base + "/my/invoices?filterby=overdue_invoices"

    @api.model
    def _pay_online_enabled(self, company):
        """Whether customers of `company` can pay online (a payment provider is enabled)."""
        # account_payment gives the page paying every overdue invoice at once, and the providers.
        if "transaction_ids" not in self.env["account.move"]._fields:
            return False
        # Asked once per company and transaction, not once per reminder rendered.
        cache = self.env.cr.cache.setdefault("collection_pay_online", {})
        if company.id not in cache:
            cache[company.id] = bool(
                self.env["payment.provider"]
                .sudo()
                .search_count(
                    [("state", "in", ("enabled", "test")), ("company_id", "=", company.id)], limit=1
                )
            )
        return cache[company.id]

    def _email_failure_text(self, failure_type, failure_reason=False):
        """What went wrong with the reminder email, in words a clerk can act on, instead of
        Odoo's code for it ("mail_smtp")."""
        self.ensure_one()
        email = self.env["collection.autopilot"]._email_contact(self.partner_id).email or "-"
        reason = (failure_reason or "").strip()
        texts = {
            "mail_email_invalid": self.env._("%(email)s is not a valid email address", email=email),
            "mail_email_missing": self.env._("the customer has no email address"),
            "mail_from_invalid": self.env._(
                "the sender address is not valid: give the responsible collector (or the company) a "
                "correct email address"
            ),
            "mail_from_missing": self.env._(
                "there is no sender address: give the responsible collector (or the company) an email address"
            ),
            "mail_smtp": self.env._(
                "the mail server refused to send the email to %(email)s (%(reason)s)",
                email=email,
                reason=reason or self.env._("no reason given"),
            ),
            "mail_bl": self.env._(
                "%(email)s is on the blacklist: the customer asked not to receive emails", email=email
            ),
            "mail_bounce": self.env._("the email to %(email)s bounced", email=email),
            "mail_spam": self.env._("the email to %(email)s was rejected as spam", email=email),
        }
        return texts.get(failure_type) or reason or self.env._("the email to %(email)s failed", email=email)

    def _mark_email_failed(self, reason):
        """The reminder email failed or bounced: record it and tell the responsible what to do."""
        self.sudo().write({"email_state": "failed", "error": reason})
        todo = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("res.partner")
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": comm.partner_id.id,
                    "activity_type_id": todo.id,
                    "summary": self.env._("Reminder email failed"),
                    # The reason comes from the mail server or the bounce: text, never markup.
                    "note": Markup("<p>%s</p><p>%s</p>")
                    % (
                        self.env._(
                            "The reminder “%(level)s” of %(date)s did not reach the customer: %(reason)s.",
                            level=comm.level_id.name,
                            date=format_date(self.env, comm.date),
                            reason=reason,
                        ),
                        self.env._(
                            "Correct the email address of the customer's invoicing contact, then open the "
                            "reminder (Collections > Reminders, filter Failed) and click Resend email; or call "
                            "the customer."
                        ),
                    ),
                    "user_id": comm.user_id.id or self.env.user.id,
                    "date_deadline": fields.Date.context_today(self),
                }
                for comm in self
            ]
        )

    def action_resend_email(self):
        """Send the failed reminder emails again, to the contact's address as it is now."""
        self.check_access("write")
        failed = self.filtered(lambda comm: comm.channel_email and comm.email_state == "failed")
        if failed != self:
            raise UserError(
                self.env._(
                    "Only a reminder whose email failed can be sent again; the others went out or were cancelled."
                )
            )
        no_address = failed.filtered(
            lambda comm: not self.env["collection.autopilot"]._email_contact(comm.partner_id).email
        )
        if no_address:
            raise UserError(
                self.env._(
                    "%(customer)s has no email address: add one to the customer or its invoicing contact first.",
                    customer=no_address[0].partner_id.display_name,
                )
            )
        failed.sudo().write({"error": False})
        self.env["collection.autopilot"].sudo()._send_emails(failed.sudo())
        # The failure tasks are done: the email is on its way again.
        self.env["mail.activity"].sudo().search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", failed.partner_id.ids),
                ("activity_type_id", "=", self.env.ref("mail.mail_activity_data_todo").id),
                ("summary", "=", self.env._("Reminder email failed")),
            ]
        ).action_feedback(feedback=self.env._("Reminder email sent again."))
        return True

    def action_mark_letter_sent(self):
        """The printed letters went into the post."""
        self.check_access("write")
        if any(comm.cancelled for comm in self):
            raise UserError(
                self.env._("A cancelled reminder's letter cannot be sent: it left the print queue.")
            )
        letters = self.filtered(lambda comm: comm.letter_state == "to_print")
        letters.sudo().letter_state = "sent"
        return True

    def action_cancel(self):
        """Take back reminders that have not gone out yet: their email and SMS are not sent, their
        letter leaves the print queue, and each customer whose latest reminder it was goes back one
        level (the autopilot sends that level again when it is due)."""
        self.check_access("write")
        gone = self.filtered(
            lambda comm: (
                comm.state != "queued"
                or comm.email_state not in (False, "queued")
                or comm.sms_state not in (False, "queued")
                or comm.letter_state not in (False, "to_print")
            )
        )
        if gone:
            raise UserError(
                self.env._(
                    "These reminders already went out (or failed) and cannot be cancelled: %(reminders)s. "
                    "Only reminders whose email, SMS and letter are all still waiting can be.",
                    reminders=", ".join(gone.mapped("display_name")),
                )
            )
        comms = self.sudo()
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [
                    ("mail_message_id", "in", comms.mail_message_id.ids),
                    ("state", "in", ("outgoing", "exception")),
                ]
            )
        )
        mails.write({"state": "cancel", "failure_reason": self.env._("Reminder cancelled")})
        comms.sms_id.filtered(lambda sms: sms.state == "outgoing").write({"state": "canceled"})
        for comm in comms:
            comm.write(
                {
                    "cancelled": True,
                    "letter_state": "cancelled" if comm.letter_state else False,
                }
            )
        comms._restore_escalation()
        return True

    def _restore_escalation(self):
        """After cancelling: the customers and the documents as they were before these reminders."""
        Line = self.env["collection.communication.line"].sudo()
        valid = [("communication_id.state", "not in", ("cancelled", "failed"))]
        for company, comms in self.grouped("company_id").items():
            for partner, partner_comms in comms.grouped("partner_id").items():
                partner = partner.with_company(company).sudo()
                remaining = self.search(
                    [
                        ("company_id", "=", company.id),
                        ("partner_id", "=", partner.id),
                        ("state", "not in", ("cancelled", "failed")),
                    ],
                    order="date desc, id desc",
                    limit=1,
                )
                if remaining and remaining.date > max(partner_comms.mapped("date")):
                    body = self.env._(
                        "Reminder cancelled (%(reminders)s): it was not sent; a later reminder keeps the "
                        "customer at %(level)s.",
                        reminders=", ".join(partner_comms.mapped("display_name")),
                        level=partner.collection_level_id.name or "-",
                    )
                else:
                    dunning = (
                        self.env["collection.autopilot"]
                        ._policy_of(partner, company)
                        .level_ids.filtered(lambda level: level.offset_days > 0)
                        .sorted("offset_days")
                    )
                    lowest = min(partner_comms.level_id, key=lambda level: level.offset_days)
                    below = dunning.filtered(
                        lambda level, lowest=lowest: level.offset_days < lowest.offset_days
                    )
                    level = below[-1:] if lowest in dunning else partner.collection_level_id
                    partner.write(
                        {
                            "collection_level_id": level.id,
                            "collection_last_date": remaining.date or False,
                        }
                    )
                    body = self.env._(
                        "Reminder cancelled (%(reminders)s): its email and SMS were not sent and its letter left "
                        "the print queue. The customer is back at %(level)s; the autopilot sends the next level "
                        "again when it is due.",
                        reminders=", ".join(partner_comms.mapped("display_name")),
                        level=level.name or self.env._("no level (no reminder sent in this sequence)"),
                    )
                partner._message_log(body=body, author_id=self.env.user.partner_id.id)
            # The documents: the level and date of their latest reminder still standing.
            moves = comms.line_ids.move_id
            last = {}
            lines = Line.search([("move_id", "in", moves.ids), *valid])
            for line in lines.sorted(lambda line: (line.communication_id.date, line.id), reverse=True):
                last.setdefault(line.move_id, line)
            fnames = ["collection_level_id", "collection_last_date"]
            moves.flush_recordset(fnames)
            self.env.cr.execute(
                SQL(
                    "UPDATE account_move AS move SET collection_level_id = new.level_id::int, "
                    "collection_last_date = new.day::date "
                    "FROM (VALUES %s) AS new(id, level_id, day) WHERE move.id = new.id",
                    SQL(", ").join(
                        SQL(
                            "(%s, %s, %s)",
                            move.id,
                            last[move].communication_id.level_id.id if move in last else None,
                            last[move].communication_id.date if move in last else None,
                        )
                        for move in moves
                    ),
                )
            )
            moves.invalidate_recordset(fnames)
            comms.partner_id.with_company(company)._collection_refresh_status()

    # ------------------------------------------------------------------------------------------
    # Letters: what the customer reads
    # ------------------------------------------------------------------------------------------

    def _letter_lang(self):
        self.ensure_one()
        return self.partner_id.lang or self.env.lang or "en_US"

    def _letter_reader(self):
        """Who reads the reminder: the customer's invoicing contact (else the customer)."""
        self.ensure_one()
        partner = self.partner_id
        # browse() alone would read each customer's contact in a query of its own.
        return partner.browse(partner.address_get(["invoice"])["invoice"]).with_prefetch(
            partner._prefetch_ids
        )

    def _letter_address(self):
        """The address the letter goes to: the invoicing contact's, else the customer's."""
        self.ensure_one()
        reader = self._letter_reader()
        return reader if reader.street and reader.city else self.partner_id

    def _letter_tone(self):
        """courtesy, friendly, firm, urgent or final (a formal level is a formal demand)."""
        self.ensure_one()
        if self.is_final_notice or self.tone == "formal":
            return "final"
        return LETTER_TONES.get(self.tone, "friendly")

    def _letter_deadline(self):
        """The date by which a firm or final letter asks to be paid."""
        self.ensure_one()
        return self.date + timedelta(days=self.level_id.payment_deadline_days or 0)

    def _letter_problems(self):
        """What stops each letter of `self` from being printed: {communication: [problem, ...]}.

        Checked before anything is marked as sent: a letter without a usable address or without
        a bank account to pay to would be useless, and a wrong IBAN sends the money elsewhere.
        """
        problems = {}
        bank_problems = {}
        for comm in self:
            found = []
            address = comm._letter_address()
            missing = [
                label
                for field, label in (("street", self.env._("street")), ("city", self.env._("city")))
                if not address[field]
            ]
            if missing:
                found.append(
                    self.env._(
                        "the postal address of %(contact)s is incomplete (missing: %(missing)s): complete it "
                        "on the customer form",
                        contact=address.display_name,
                        missing=", ".join(missing),
                    )
                )
            # Letters of one company mostly share their invoices' bank account: check each once.
            moves = comm._payment_moves()
            key = (comm.company_id, tuple(moves.partner_bank_id.ids))
            if key not in bank_problems:
                bank_problems[key] = self._bank_account_problem(comm.company_id, moves)
            if bank_problems[key]:
                found.append(bank_problems[key])
            if found:
                problems[comm] = found
        return problems

    def _check_letter_printable(self):
        problems = self._letter_problems()
        if problems:
            raise UserError(
                self.env._(
                    "These letters cannot be printed, and none was marked as sent:\n%(problems)s",
                    problems="\n".join(
                        f"- {comm.partner_id.display_name}: {problem}"
                        for comm, comm_problems in problems.items()
                        for problem in comm_problems
                    ),
                )
            )

    @api.model
    def _collection_bank_account(self, company, moves=None):
        """The account customers of `company` are asked to pay to, for the invoices `moves`.

        Only accounts of the company's own contact trusted for payments (``allow_out_payment``,
        which only those allowed to verify bank accounts can set): anyone who may create contacts
        can add an account to the company's contact, and it must never reach a reminder. In
        order: the one chosen in the settings, the one Odoo prints on the invoices themselves (its
        bank journal's or the company's), the company's first trusted account.
        """
        candidates = (
            company.collection_bank_account_id,
            (moves or self.env["account.move"]).sudo().partner_bank_id,
            company.partner_id.sudo().bank_ids.sorted(lambda bank: (bank.sequence, bank.id)),
        )
        for candidate in candidates:
            trusted = candidate.filtered(
                lambda bank: bank.active and bank.allow_out_payment and bank.partner_id == company.partner_id
            )
            if trusted:
                return trusted[:1].with_env(self.env)
        return self.env["res.partner.bank"]

    def _payment_moves(self):
        """The invoices of this reminder in the order the letter lists them, oldest due first."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.amount_residual_currency > 0)
        return lines.sorted(lambda line: (line.date_due or self.date, line.id)).move_id

    @api.model
    def _bank_account_problem(self, company, moves=None):
        bank = self._collection_bank_account(company, moves)
        if not bank:
            return self.env._(
                "the company %(company)s has no bank account trusted for payments to print: choose one in "
                "Accounting settings (block Collections), or have an accounting administrator verify one of "
                "the company's bank accounts and mark it Trusted",
                company=company.name,
            )
        if _looks_like_iban(bank.acc_number):
            try:
                check_iban(bank.acc_number)
            except InvalidIBAN:
                return self.env._(
                    "the bank account %(number)s of %(company)s is not a valid IBAN (its check digits or length "
                    "are wrong): correct the number on the company's bank accounts",
                    number=bank.acc_number,
                    company=company.name,
                )
        return False

    @api.model
    def _payment_instructions(
        self, company, partner, currency, amount, reference, link="", moves=None, qr=True
    ):
        """How to pay, for letters, emails and statements: bank account, reference, link, and the
        QR code of paper (`qr`: an email shows none, mail clients block inline images)."""
        bank = self._collection_bank_account(company, moves)
        number = bank.acc_number or ""
        if _looks_like_iban(number):
            try:
                compact = check_iban(number)
                number = " ".join(compact[index : index + 4] for index in range(0, len(compact), 4))
            except InvalidIBAN:
                bank = bank.browse()  # never print an account that would lose the payment
        if qr and bank and currency and amount > 0:
            # Odoo builds a QR code only where a method fits the account and currency (for
            # example the SEPA credit transfer QR for an IBAN in EUR); otherwise there is none.
            qr = bank.build_qr_code_base64(
                amount, reference, reference, currency, partner, silent_errors=True
            )
        else:
            qr = False
        return {
            "bank": bank,
            "number": number if bank else "",
            "bic": bank.bank_bic or "",
            "holder": bank.acc_holder_name or company.name,
            "reference": format_rf(reference) if reference else "",
            "link": link,
            "pay_online": bool(link) and self._pay_online_enabled(company),
            "qr": qr or False,
        }

    @api.model
    def _amount_in_words(self, amount, currency, lang):
        """`amount` of `currency` in words in `lang`.

        Odoo's own ``amount_to_text`` speaks English well ("one thousand two hundred thirty-four
        euros and fifty cents") but title-cases every word and keeps the English currency labels
        in other languages; there num2words' own currency wording is right.
        """
        if (
            (lang or "en").startswith("en")
            and currency.currency_unit_label
            and currency.currency_subunit_label
        ):
            return currency.with_context(lang=lang).amount_to_text(amount).lower()
        return amount_in_words(amount, currency.name, lang, currency.decimal_places)

    def _letter_values(self, is_email=False):
        """Everything a letter or an email of this communication shows, in the letter's language.

        The email differs from the letter in a few words: it speaks of "this email", and it gives
        no amount in words (a safeguard of paper, where figures could be altered).
        """
        self.ensure_one()
        lang = self._letter_lang()
        self = self.with_context(lang=lang)
        tone = self._letter_tone()
        # sorted() loses the prefetch: keep it, so that the invoices of all the reminders rendered
        # together are read at once (their portal links, for example).
        lines = self.line_ids.sorted(lambda line: (line.date_due or self.date, line.id)).with_prefetch(
            self.line_ids._prefetch_ids
        )
        courtesy = tone == "courtesy"
        invoices = lines.filtered(lambda line: line.section == ("coming" if courtesy else "overdue"))
        credits = lines.filtered(lambda line: line.section == "credit")
        coming = lines.filtered(lambda line: line.section == "coming") if not courtesy else lines.browse()
        totals = []
        for total in self._totals():
            amount = total["coming"] if courtesy else total["claimed"]
            totals.append(
                {
                    "currency": total["currency"],
                    "amount": amount,
                    "coming": 0.0 if courtesy else total["coming"],
                    "words": (
                        self._amount_in_words(amount, total["currency"], lang)
                        if amount > 0 and not is_email
                        else ""
                    ),
                }
            )
        payable = [total for total in totals if total["amount"] > 0]
        link = self._pay_link()
        pay = self._payment_instructions(
            self.company_id,
            self.partner_id,
            payable[0]["currency"] if len(payable) == 1 else False,
            payable[0]["amount"] if len(payable) == 1 else 0.0,
            self.payment_reference,
            link,
            moves=self._payment_moves(),
            qr=not is_email,
        )
        days = self.level_id.payment_deadline_days
        deadline = format_date_once(self.env, self._letter_deadline(), lang_code=lang, date_format="long")
        address = self._letter_address()
        level = self.level_id.with_context(lang=lang)
        document = self.env._("this email") if is_email else self.env._("this letter")
        texts = {
            fname: level._render_text(fname, document, days=days, deadline=deadline)
            for fname in ("text_intro", "text_deadline", "text_closing")
        }
        if not days or tone == "courtesy":
            texts["text_deadline"] = Markup("")
        return {
            "lang": lang,
            "tone": tone,
            "subject": self._letter_subjects()[tone],
            "salutation": self._salutation(self._letter_reader()),
            "address_lines": self._address_lines(address),
            "intro": texts["text_intro"],
            "deadline_text": texts["text_deadline"],
            "registered": self.registered_letter,
            "invoices": invoices,
            "credits": credits,
            "coming": coming,
            "totals": totals,
            "pay": pay,
            "deadline": deadline if texts["text_deadline"] else "",
            "date": format_date_once(self.env, self.date, lang_code=lang, date_format="long"),
            "pay_sentence": self.env._(
                "Please transfer the amount due to the account below, quoting the payment reference "
                "%(reference)s, so that we can allocate your payment straight away.",
                reference=pay["reference"],
            ),
            "closing": texts["text_closing"],
            "signature": self.user_id.name if tone != "final" and self.user_id else "",
        }

    def _salutation(self, address):
        """Greet the person who reads it by name ("Dear Sarah Jones,"); a company is greeted the
        way the language greets an organisation."""
        if address.is_company or not address.name:
            return self.env._("Dear %(name)s,", name=address.name or self.partner_id.name)
        return self.env._("Dear %(contact)s,", contact=address.name)

    @api.model
    def _address_lines(self, partner):
        """The lines of the postal address in the envelope window, name first, once."""
        lines = [partner.name or ""]
        for line in partner._display_address().splitlines():
            if line.strip() and line.strip() not in lines:
                lines.append(line.strip())
        return lines

    @api.model
    def _document_label(self, move):
        """What an open item is, in words the customer understands."""
        if move.move_type == "out_invoice":
            return self.env._("Invoice")
        if move.move_type == "out_refund":
            return self.env._("Credit note")
        if move.origin_payment_id or move.statement_line_id:
            return self.env._("Payment")
        return self.env._("Other")

    # Payment matching -------------------------------------------------------------------------

    @api.model
    def _decode_payment_reference(self, text):
        """(reference, company id, customer id) of the RF reference issued here found in `text`
        (a payment label), or None. Pure: no query."""
        reference = parse_rf(text)
        decoded = decode_rf(reference) if reference else None
        if not decoded or decoded[0] != "partner":
            return None
        return reference, decoded[1], decoded[2]

    @api.model
    def _find_payment_reference(self, text):
        """The customer and the reminders a payment label refers to, from the RF reference in it.

        :return: (partner, communications); both empty when the text holds no reference issued
            here for one of the current companies
        """
        decoded = self._decode_payment_reference(text)
        if not decoded or decoded[1] not in self.env.companies.ids:
            return self.env["res.partner"], self.browse()
        reference, company_id, partner_id = decoded
        partner = self.env["res.partner"].browse(partner_id).exists()
        communications = self.search([("payment_reference", "=", reference), ("company_id", "=", company_id)])
        return partner, communications

    # Printing -----------------------------------------------------------------------------------

    def action_print_letters(self):
        """Print the selected letters as one PDF and mark those waiting in the queue as sent.

        One report call renders every letter not printed before; the report stores each letter's
        PDF on its communication, so a reprint gives exactly the document that was sent. Any
        problem (address, bank account) stops the whole batch before anything is marked.
        """
        if any(comm.cancelled for comm in self):
            raise UserError(
                self.env._(
                    "Cancelled reminders are not printed: %(reminders)s. Remove them from the selection.",
                    reminders=", ".join(self.filtered("cancelled").mapped("display_name")),
                )
            )
        letters = self.filtered("channel_letter")
        if not letters:
            raise UserError(self.env._("None of the selected reminders goes by letter."))
        to_print = letters.filtered(lambda comm: comm.letter_state == "to_print")
        to_print._check_letter_printable()
        report = self.env.ref("account_collection.action_report_collection_letter")
        # One call renders every letter not stored yet. wkhtmltopdf built without Odoo's patched
        # Qt cannot render several documents in one run (Odoo refuses it): there, each letter is
        # rendered on its own. Either way the PDF handed out is the merge of the stored letters.
        batches = (
            [letters.ids] if _wkhtmltopdf_renders_batches() else [[letter_id] for letter_id in letters.ids]
        )
        for batch in batches:
            self.env["ir.actions.report"]._render_qweb_pdf(report, batch)
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", letters.ids),
                    ("name", "=like", "Letter %.pdf"),
                ],
                order="id",
            )
        )
        by_comm = {attachment.res_id: attachment for attachment in attachments}
        for comm in letters.filtered(lambda comm: not comm.letter_attachment_id and comm.id in by_comm):
            comm.sudo().letter_attachment_id = by_comm[comm.id]
        to_print.action_mark_letter_sent()
        return report.report_action(letters, config=False)

    def action_reprint_letter(self):
        """The letter exactly as it was printed."""
        self.ensure_one()
        if not self.letter_attachment_id:
            raise UserError(self.env._("This letter was never printed: print it from the letters to print."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.letter_attachment_id.id}?download=true",
            "target": "self",
        }


def _wkhtmltopdf_renders_batches():
    try:
        from odoo.addons.base.models.ir_actions_report import _wkhtml  # noqa: PLC0415
    except ImportError:  # another Odoo version: assume the patched build Odoo recommends
        return True
    return _wkhtml().is_patched_qt


def _looks_like_iban(number):
    """Two letters then two digits: meant as an IBAN, so it must be a valid one. Other account
    numbers (a US routing and account number, say) are printed as they are."""
    compact = (number or "").replace(" ", "").upper()
    return len(compact) > 4 and compact[:2].isalpha() and compact[2:4].isdigit()


class CollectionCommunicationLine(models.Model):
    _name = "collection.communication.line"
    _description = "Collection Communication Line"
    _order = "date_due, id"

    communication_id = fields.Many2one(
        "collection.communication", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="communication_id.company_id", store=True)
    move_id = fields.Many2one("account.move", string="Document", required=True, index=True)
    section = fields.Selection(
        [("overdue", "Overdue"), ("credit", "Credit"), ("coming", "Coming due")],
        required=True,
        default="overdue",
        help="Where the reminder lists the item: overdue (claimed), credits deducted, or coming due.",
    )
    level_id = fields.Many2one("collection.level", help="The level this document reached.")
    date_due = fields.Date(string="Due date")
    days_late = fields.Integer()
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company currency")
    currency_id = fields.Many2one("res.currency")
    amount_residual = fields.Monetary(string="Due", currency_field="company_currency_id")
    amount_residual_currency = fields.Monetary(string="Due in currency", currency_field="currency_id")
