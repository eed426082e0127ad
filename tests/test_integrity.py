from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from ..tools.reference import rf_for_partner
from .common import CollectionCommon
from .test_letters import IBAN, _text

ROGUE_IBAN = "DE89370400440532013000"  # valid check digits: only trust tells it apart


@tagged("post_install", "-at_install")
class TestIntegrity(CollectionCommon):
    """Issue 10: payment details, the reminder history and the collections data on customers
    cannot be bent by those who may only edit contacts or work the cockpit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"street": "Keizersgracht 1", "zip": "1015 CJ", "city": "Amsterdam"})
        cls.bank = cls.env["res.partner.bank"].create(
            {"acc_number": IBAN, "partner_id": cls.company.partner_id.id, "allow_out_payment": True}
        )
        cls.eur = cls.setup_other_currency("EUR")
        cls.policy = cls.env["collection.policy"].create(
            {
                "name": "Letters and emails",
                "level_ids": [
                    Command.create(
                        {
                            "name": "Friendly",
                            "offset_days": 5,
                            "tone": "friendly",
                            "send_letter": True,
                            "send_email": True,
                        }
                    ),
                ],
            }
        )
        cls.company.collection_policy_id = cls.policy
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Brown Ltd",
                "lang": "en_US",
                "is_company": True,
                "email": "pay@brown.example",
                "street": "Dorpsstraat 12",
                "zip": "3500 AA",
                "city": "Utrecht",
            }
        )
        cls.contact_editor = new_test_user(
            cls.env,
            login="contact_editor",
            groups="base.group_user,base.group_partner_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.letter_report = cls.env.ref("account_collection.action_report_collection_letter")
        cls.statement_report = cls.env.ref("account_collection.action_report_collection_statement")

    def _reminder(self, partner=None, day="2026-02-01"):
        with freeze_time(day):
            comm = (
                self.env["collection.autopilot"]
                .sudo()
                ._run(self.company, partners=partner or self.customer, manual=True)
            )
        self.assertEqual(len(comm), 1)
        return comm

    # ------------------------------------------------------------------------------------------
    # 1. Payment details
    # ------------------------------------------------------------------------------------------

    def test_untrusted_bank_account_is_never_printed(self):
        invoice = self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-10", currency=self.eur)
        # Anyone who may create contacts adds an account to the company's own contact, first in order.
        rogue = (
            self.env["res.partner.bank"]
            .with_user(self.contact_editor)
            .create(
                {
                    "acc_number": ROGUE_IBAN,
                    "partner_id": self.company.partner_id.id,
                    "sequence": 0,
                    "allow_out_payment": True,
                }
            )
        )
        self.assertFalse(rogue.allow_out_payment, "a contact editor cannot trust an account")
        self.assertEqual(invoice.partner_bank_id, self.bank, "Odoo's invoice shows the trusted account")

        letter = self._reminder()
        html = self.env["ir.actions.report"]._render_qweb_html(self.letter_report, letter.ids)[0]
        text = _text(html)
        self.assertIn("NL91 ABNA 0417 1643 00", text)
        self.assertNotIn("DE89", text.replace(" ", ""))
        # The QR code, where Odoo builds one, is built from this same account.
        self.assertEqual(letter._letter_values()["pay"]["bank"], self.bank)
        email = self.env["mail.mail"].search([("mail_message_id", "=", letter.mail_message_id.id)])
        self.assertIn("NL91 ABNA 0417 1643 00", _text(email.body_html))
        self.assertNotIn("DE89", _text(email.body_html).replace(" ", ""))
        with freeze_time("2026-02-01"):
            statement = self.customer._collection_statement_values()
        self.assertEqual(statement["pay"]["bank"], self.bank)

        # The settings accept only the company's trusted accounts.
        with self.assertRaisesRegex(ValidationError, "marked Trusted"):
            self.company.collection_bank_account_id = rogue
        foreign = self.env["res.partner.bank"].create(
            {
                "acc_number": "GB29NWBK60161331926819",
                "partner_id": self.customer.id,
                "allow_out_payment": True,
            }
        )
        with self.assertRaisesRegex(ValidationError, "own bank accounts"):
            self.company.collection_bank_account_id = foreign

    def test_invoice_bank_account_is_used(self):
        """The account Odoo prints on the invoice comes before the company's other trusted ones."""
        second = self.env["res.partner.bank"].create(
            {
                "acc_number": "GB29NWBK60161331926819",
                "partner_id": self.company.partner_id.id,
                "allow_out_payment": True,
                "sequence": 50,
            }
        )
        invoice = self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-10", post=False)
        invoice.partner_bank_id = second
        invoice.action_post()
        letter = self._reminder()
        self.assertEqual(letter._letter_values()["pay"]["bank"], second)

    def test_no_trusted_account_refuses_letters_and_statements(self):
        self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-10")
        letter = self._reminder()
        self.env["res.partner.bank"].with_user(self.contact_editor).create(
            {"acc_number": ROGUE_IBAN, "partner_id": self.company.partner_id.id, "sequence": 0}
        )
        self.bank.allow_out_payment = False
        self.assertFalse(letter._letter_values()["pay"]["bank"], "an untrusted account is never printed")
        with self.assertRaisesRegex(UserError, "Brown Ltd.*no bank account trusted for payments"):
            letter.action_print_letters()
        self.assertEqual(letter.letter_state, "to_print")
        with self.assertRaisesRegex(UserError, "Brown Ltd.*no bank account trusted for payments"):
            self.customer.action_collection_send_statement()
        with self.assertRaisesRegex(UserError, "no bank account trusted for payments"):
            self.env["ir.actions.report"]._render_qweb_html(self.statement_report, self.customer.ids)

    # ------------------------------------------------------------------------------------------
    # 2. The reminder history is evidence
    # ------------------------------------------------------------------------------------------

    def test_history_cannot_be_rewritten_through_the_api(self):
        self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-10")
        letter = self._reminder()
        other = self.env["res.partner"].create({"name": "Someone Else"})
        secret = self.env["ir.attachment"].create({"name": "other company payroll.pdf", "raw": b"%PDF"})
        for user in (self.clerk, self.manager):
            comm = letter.with_user(user)
            for vals in (
                {"email_state": "failed"},
                {"cancelled": True},
                {"amount_overdue": 1.0},
                {"partner_id": other.id},
                {"date": "2025-01-01"},
                {"letter_attachment_id": secret.id},
                {"error": "never sent"},
            ):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    comm.write(vals)
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                comm.create(
                    {
                        "company_id": self.company.id,
                        "partner_id": self.customer.id,
                        "date": "2025-12-01",
                        "level_id": letter.level_id.id,
                        "channel_letter": True,
                        "registered_letter": True,
                        "letter_state": "sent",
                    }
                )
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                comm.unlink()
            line = comm.line_ids[:1]
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                line.amount_residual = 1.0
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                line.create({"communication_id": letter.id, "move_id": line.move_id.id})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                line.unlink()
        self.assertEqual(letter.partner_id, self.customer)
        self.assertFalse(letter.letter_attachment_id)
        self.assertEqual(letter.amount_overdue, 500.0)

        # What the post office adds is still the clerk's to record, through the form too.
        with Form(letter.with_user(self.clerk)) as form:
            form.registered_letter = True
            form.tracking_number = "RR123456789NL"
        self.assertTrue(letter.registered_letter)
        self.assertEqual(letter.tracking_number, "RR123456789NL")

        # The addon's own buttons still work for the clerk, through their own checks.
        letter.with_user(self.clerk).with_context(force_report_rendering=True).action_print_letters()
        self.assertEqual(letter.letter_state, "sent")
        self.assertEqual(letter.letter_attachment_id.res_id, letter.id)
        with self.assertRaisesRegex(AccessError, "already posted"):
            letter.with_user(self.clerk).registered_letter = False
        letter.with_user(self.clerk).tracking_number = "RR987654321NL"

    def test_clerk_sends_previews_and_cancels_through_the_addon(self):
        self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-10")
        with freeze_time("2026-02-01"):
            context = {"active_model": "res.partner", "active_ids": self.customer.ids}
            preview = Form(
                self.env["collection.preview"].with_user(self.clerk).with_context(**context)
            ).save()
            self.assertEqual(preview.line_ids.partner_id, self.customer)
            action = self.customer.with_user(self.clerk).action_collection_send_now()
        sent = self.env["collection.communication"].search(action["domain"])
        self.assertEqual(sent.partner_id, self.customer)
        sent.with_user(self.clerk).action_cancel()
        self.assertEqual(sent.state, "cancelled")
        with self.assertRaises(AccessError):
            self.customer.with_user(self.contact_editor).action_collection_send_now()

    # ------------------------------------------------------------------------------------------
    # 6. Whether a customer is reminded is the collections team's call
    # ------------------------------------------------------------------------------------------

    def test_contact_editor_cannot_switch_reminders_off(self):
        level = self.policy.level_ids[:1]
        partner = self.customer.with_user(self.contact_editor)
        for vals in (
            {"collection_no_auto": True},
            {"collection_pause_until": "2099-12-31"},
            {"collection_policy_id": self.policy_extended.id},
            {"collection_level_id": level.id},
            {"collection_next_date": False},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                partner.write(vals)
        with self.assertRaises(AccessError):
            partner.create({"name": "Never reminded", "collection_no_auto": True})
        partner.write({"phone": "+31 30 123 45 67"})  # the rest of the contact stays theirs to edit

        # Collections users switch reminders off; only managers choose the policy.
        clerk = new_test_user(
            self.env,
            login="clerk_with_contacts",
            groups="base.group_partner_manager,account_collection.group_collection_user",
        )
        manager = new_test_user(
            self.env,
            login="manager_with_contacts",
            groups="base.group_partner_manager,account_collection.group_collection_manager",
        )
        self.customer.with_user(clerk).collection_no_auto = True
        self.assertTrue(self.customer.collection_no_auto)
        with self.assertRaises(AccessError):
            self.customer.with_user(clerk).collection_policy_id = self.policy_extended
        self.customer.with_user(manager).collection_policy_id = self.policy_extended
        self.assertEqual(self.customer.collection_policy_id, self.policy_extended)

        # A duplicate by the contact editor starts from the defaults instead of failing.
        copy = self.customer.with_user(self.contact_editor).copy()
        self.assertFalse(copy.collection_no_auto)
        self.assertFalse(copy.collection_policy_id)

        # The addon's own tools still work for a clerk who may not edit contacts.
        with freeze_time("2026-02-01"):
            context = {"active_model": "res.partner", "active_ids": self.customer.ids}
            form = Form(self.env["collection.pause"].with_user(self.clerk).with_context(**context))
            form.note = "Holiday"
            form.save().action_confirm()
        self.assertTrue(self.customer.collection_pause_until)
        self.customer.with_user(self.clerk).action_collection_resume()
        self.assertFalse(self.customer.collection_pause_until)

    # ------------------------------------------------------------------------------------------
    # 7. A payment label suggests a customer, it never breaks an import
    # ------------------------------------------------------------------------------------------

    def test_statement_reference_of_another_company_is_ignored(self):
        other = self.setup_other_company(name="Collections Company B")["company"]
        b_customer = self.env["res.partner"].create({"name": "Only in B", "company_id": other.id})
        journal = self.company_data["default_journal_bank"]
        both = self.env["account.bank.statement.line"].with_context(
            allowed_company_ids=[self.company.id, other.id]
        )
        own = rf_for_partner(self.company.id, self.customer.id)
        of_b = rf_for_partner(other.id, b_customer.id)
        forged = rf_for_partner(self.company.id, b_customer.id)  # company A's prefix, B's customer
        huge = rf_for_partner(self.company.id, 10**12)  # beyond any database id
        lines = both.create(
            [
                {"journal_id": journal.id, "date": "2026-02-05", "amount": 10.0, "payment_ref": f"Pay {ref}"}
                for ref in (own, of_b, forged, huge)
            ]
        )
        self.assertEqual(lines[0].partner_id, self.customer, "the company's own customer is proposed")
        self.assertFalse(lines[1].partner_id, "another company's reference proposes nobody")
        self.assertFalse(lines[2].partner_id, "a customer of another company is never proposed")
        self.assertFalse(lines[3].partner_id)
        self.assertEqual(lines.company_id, self.company)

    # ------------------------------------------------------------------------------------------
    # 8. Calls, promises and disputes stay with their own customer
    # ------------------------------------------------------------------------------------------

    def test_call_promise_and_dispute_stay_with_their_customer(self):
        other = self.setup_other_company(name="Collections Company B")["company"]
        b_customer = self.env["res.partner"].create({"name": "Only in B", "company_id": other.id})
        neighbour = self.env["res.partner"].create({"name": "Neighbour"})
        own = self._invoice(self.customer, 100.0, "2026-01-01", "2026-01-10")
        theirs = self._invoice(neighbour, 200.0, "2026-01-01", "2026-01-10")

        Call = self.env["collection.call"].with_user(self.clerk)
        context = {"active_model": "res.partner", "active_ids": b_customer.ids}
        with self.assertRaises(AccessError):
            Form(Call.with_context(**context))
        # Straight through the API, with a customer of the clerk's own as the active record.
        wizard = Call.with_context(active_model="res.partner", active_ids=self.customer.ids).create(
            {"partner_id": b_customer.id, "outcome": "talked", "note": "Called B"}
        )
        with self.assertRaises(AccessError):
            wizard.action_confirm()
        self.assertFalse(b_customer.sudo().message_ids.filtered(lambda m: "Called B" in (m.body or "")))

        wizard = Call.with_context(active_model="res.partner", active_ids=self.customer.ids).create(
            {"outcome": "dispute", "move_ids": [Command.set((own | theirs).ids)]}
        )
        with self.assertRaisesRegex(ValidationError, theirs.name), self.env.cr.savepoint():
            wizard.action_confirm()

        for model, vals in (
            ("collection.promise", {"date": "2026-03-01", "amount": 300.0}),
            ("collection.dispute", {"reason": "price"}),
        ):
            with (
                self.subTest(model=model),
                self.assertRaisesRegex(ValidationError, theirs.name),
                self.env.cr.savepoint(),
            ):
                self.env[model].with_user(self.clerk).create(
                    {"partner_id": self.customer.id, "move_ids": [Command.set((own | theirs).ids)], **vals}
                )
            record = (
                self.env[model]
                .with_user(self.clerk)
                .create({"partner_id": self.customer.id, "move_ids": [Command.set(own.ids)], **vals})
            )
            with (
                self.subTest(model=model),
                self.assertRaisesRegex(ValidationError, own.name),
                self.env.cr.savepoint(),
            ):
                record.partner_id = neighbour
        self.assertFalse(theirs.collection_pause_reason, "the neighbour's invoice is not paused")

    # ------------------------------------------------------------------------------------------
    # 9, 10. Bounces and failures: the reminder's own email, the reason as text
    # ------------------------------------------------------------------------------------------

    def _bounce(self, message):
        self.env["mail.thread"]._routing_handle_bounce(
            None,
            {
                "bounced_email": self.customer.email,
                "bounced_partner": self.customer,
                "bounced_msg_ids": [message.message_id],
                "bounced_message": message,
                "email_from": "MAILER-DAEMON@example.com",
                "to": "bounce@company.example",
                "message_id": "<bounce-1@example.com>",
                "body": "<p>550 mailbox unavailable</p>",
            },
        )

    def _failure_tasks(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                ("summary", "=", "Reminder email failed"),
            ]
        )

    def test_only_the_reminders_own_bounce_marks_it_failed(self):
        self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-10")
        comm = self._reminder()
        mail = self.env["mail.mail"].search([("mail_message_id", "=", comm.mail_message_id.id)])
        mail._postprocess_sent_message(success_pids=self.customer, success_emails=[self.customer.email])
        self.assertEqual(comm.email_state, "sent")

        unrelated = self.customer.message_post(
            body="Your order has shipped", partner_ids=self.customer.ids, message_type="comment"
        )
        self._bounce(unrelated)
        self.assertEqual(comm.email_state, "sent", "another email's bounce says nothing about the reminder")
        self.assertFalse(self._failure_tasks())

        self._bounce(comm.mail_message_id)
        self.assertEqual(comm.state, "failed")
        self.assertIn("bounced", comm.error)
        self.assertEqual(len(self._failure_tasks()), 1)

    def test_failure_reason_is_text_in_the_task(self):
        self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-10")
        comm = self._reminder()
        mail = self.env["mail.mail"].search([("mail_message_id", "=", comm.mail_message_id.id)])
        mail._postprocess_sent_message(
            success_pids=self.env["res.partner"],
            success_emails=[],
            failure_reason='550 see <a href="https://pay.evil.example">your new account</a>',
            failure_type="mail_smtp",
        )
        task = self._failure_tasks()
        self.assertEqual(len(task), 1)
        self.assertNotIn("<a", str(task.note))
        self.assertIn("pay.evil.example", str(task.note), "the reason is kept, as text")
        self.assertIn("&lt;a href", str(task.note))

    # ------------------------------------------------------------------------------------------
    # 11. The statement email speaks for the statement's company
    # ------------------------------------------------------------------------------------------

    def test_statement_email_subject_names_the_statement_company(self):
        other = self.setup_other_company(name="Collections Company B")["company"]
        self.env.user.company_ids |= other
        self.assertEqual(self.env.user.company_id, self.company)
        customer = self.customer.with_context(allowed_company_ids=[other.id, self.company.id])
        action = customer.action_collection_send_statement()
        composer = Form(
            self.env["mail.compose.message"].with_context(**customer.env.context, **action["context"])
        )
        self.assertEqual(composer.subject, "Collections Company B: statement of account")
        self.assertIn("Collections Company B", composer.body)
