from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import html2plaintext
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

from .common import CollectionCommon

IBAN = "NL91ABNA0417164300"


def _text(html):
    return " ".join(html2plaintext(html or "").split())


@tagged("post_install", "-at_install")
class TestReminderEmails(CollectionCommon):
    """What the customer reads in a reminder email, and what the clerk sees when it fails."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "name": "Emails Test Company",
                "street": "Keizersgracht 1",
                "zip": "1015 CJ",
                "city": "Amsterdam",
                "email": "accounts@company.example",
                "collection_reply_to": "collections@company.example",
                "collection_go_live": "catch_up",
            }
        )
        cls.env["res.partner.bank"].create(
            {"acc_number": IBAN, "partner_id": cls.company.partner_id.id, "allow_out_payment": True}
        )
        cls.eur = cls.setup_other_currency("EUR")
        langs = ["nl_NL", "fr_FR"]
        for lang in langs:
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(["account_collection"], langs, overwrite=True)
        cls.reminder_template = cls.env.ref("account_collection.mail_template_collection_reminder")
        cls.policy = cls.env["collection.policy"].create(
            {
                "name": "Emails",
                "level_ids": [
                    Command.create(
                        {
                            "name": "Friendly email",
                            "offset_days": 5,
                            "tone": "friendly",
                            "send_email": True,
                            "attach_invoices": True,
                        }
                    )
                ],
            }
        )
        cls.level = cls.policy.level_ids
        cls.company.collection_policy_id = cls.policy
        cls.collector = cls.env["res.users"].create(
            {
                "name": "Carla Collector",
                "login": "carla_collector",
                "email": "carla@company.example",
                "group_ids": [Command.link(cls.env.ref("account_collection.group_collection_user").id)],
            }
        )
        address = {"street": "1 North Street", "zip": "BN1 1AA", "city": "Brighton"}
        cls.brighton = cls.env["res.partner"].create(
            {
                "name": "Brighton Design Ltd",
                "is_company": True,
                "email": "office@brighton.example",
                "lang": "en_US",
                "collection_responsible_id": cls.collector.id,
                **address,
            }
        )
        cls.jones = cls.env["res.partner"].create(
            {
                "name": "Sarah Jones",
                "type": "invoice",
                "parent_id": cls.brighton.id,
                "email": "sarah.jones@brighton.example",
            }
        )
        cls.bakkerij = cls.env["res.partner"].create(
            {
                "name": "Bakkerij de Vries",
                "is_company": True,
                "email": "info@bakkerij.example",
                "lang": "nl_NL",
                **address,
            }
        )

    def _remind(self, partner, day="2026-02-10"):
        with freeze_time(day):
            comm = self.env["collection.autopilot"].sudo()._run(self.company, partners=partner, manual=True)
        self.assertEqual(len(comm), 1)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", comm.mail_message_id.id)])
        self.assertEqual(len(mail), 1)
        return comm, mail

    def test_email_in_two_languages(self):
        # Sarah Jones can sign in to the portal: the reminders link her list of overdue invoices.
        self.env["res.users"].create(
            {
                "login": "sarah.jones",
                "partner_id": self.jones.id,
                "group_ids": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        invoice_en = self._invoice(self.brighton, 1234.50, "2026-01-01", "2026-02-01", currency=self.eur)
        self._invoice(self.bakkerij, 1234.50, "2026-01-01", "2026-02-01", currency=self.eur)
        comm_en, mail_en = self._remind(self.brighton)
        _comm_nl, mail_nl = self._remind(self.bakkerij)

        # Odoo's email layout, with the company's footer, around the letter's text.
        for mail in (mail_en, mail_nl):
            self.assertIn('width="590"', mail.body_html, "Odoo's light email layout")
            self.assertIn("mailto:accounts@company.example", mail.body_html, "the layout's company footer")
            self.assertIn("Powered by", mail.body_html)
            self.assertEqual(mail.reply_to, "collections@company.example")
            self.assertNotIn("font-size: 13px", mail.body_html, "one font size: the layout's")

        text_en = _text(mail_en.body_html)
        self.assertIn("Dear Sarah Jones,", text_en, "the invoicing contact is greeted by name")
        self.assertNotIn("Dear Brighton Design Ltd", text_en)
        self.assertIn("please disregard this email", text_en)
        self.assertNotIn("this letter", text_en)
        self.assertNotIn("In words", text_en, "the amount in words belongs on letters only")
        self.assertNotIn("cents", text_en)
        self.assertIn(invoice_en.name, text_en)
        self.assertIn("1,234.50", text_en)
        # Sent to the contact, by the responsible collector.
        self.assertEqual(mail_en.recipient_ids, self.jones)
        self.assertEqual(mail_en.author_id, self.collector.partner_id)
        self.assertIn("carla@company.example", mail_en.email_from)

        text_nl = _text(mail_nl.body_html)
        self.assertIn("Beste Bakkerij de Vries,", text_nl)
        self.assertIn("deze e-mail", text_nl)
        self.assertNotIn("deze brief", text_nl)
        self.assertNotIn("In woorden", text_nl)
        self.assertNotIn("nul cent", text_nl)
        self.assertIn("1.234,50", text_nl)
        self.assertIn("Met vriendelijke groet", text_nl)
        self.assertEqual(mail_nl.recipient_ids, self.bakkerij, "without an invoicing contact: the customer")

        # The letter of the same reminder keeps "this letter" and the amount in words.
        letter = _text(
            self.env["ir.actions.report"]._render_qweb_html(
                "account_collection.action_report_collection_letter", comm_en.ids
            )[0]
        )
        self.assertIn("please disregard this letter", letter)
        self.assertIn("In words", letter)
        self.assertNotIn("access_token", letter, "a letter prints a short link, never an access token")
        self.assertIn("/my/invoices?filterby=overdue_invoices", letter)
        self.assertNotIn("Pay online", letter, "no payment provider is enabled")
        self.assertIn("/my/invoices?filterby=overdue_invoices", text_en)
        self.assertNotIn(
            "filterby=overdue_invoices", text_nl, "without a portal user, no page he could not open"
        )

    def test_copy_to_the_responsible(self):
        self.company.collection_bcc_responsible = True
        self._invoice(self.brighton, 100.0, "2026-01-01", "2026-02-01")
        _comm, mail = self._remind(self.brighton)
        self.assertEqual(mail.recipient_ids, self.jones | self.collector.partner_id)

    def test_statement_attached_above_the_threshold(self):
        self.company.collection_statement_threshold = 2
        few = self.bakkerij
        many = self.brighton
        for day in ("2026-01-01", "2026-01-02"):
            self._invoice(few, 100.0, day, "2026-02-01")
        invoices = self.env["account.move"]
        for day in ("2026-01-01", "2026-01-02", "2026-01-03"):
            invoices |= self._invoice(many, 100.0, day, "2026-02-01")

        _comm, mail_few = self._remind(few)
        self.assertEqual(len(mail_few.attachment_ids), 2, "one PDF per invoice up to the threshold")
        self.assertEqual(set(mail_few.attachment_ids.mapped("res_model")), {"account.move"})

        comm, mail_many = self._remind(many)
        statement = mail_many.attachment_ids
        self.assertEqual(len(statement), 1, "above the threshold: one statement instead of three invoices")
        self.assertEqual((statement.res_model, statement.res_id), ("collection.communication", comm.id))
        self.assertIn("Statement", statement.name)
        # Nothing is copied into the customer's chatter: no attachment belongs to the customer.
        self.assertFalse(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "res.partner"), ("res_id", "in", (few | many).ids)]
            )
        )

    def test_failed_email_says_why_and_is_sent_again(self):
        self._invoice(self.brighton, 100.0, "2026-01-01", "2026-02-01")
        comm, mail = self._remind(self.brighton)
        mail._postprocess_sent_message(
            success_pids=[],
            success_emails=[],
            failure_reason="550 5.1.1 <sarah.jones@brighton.example>: Recipient address rejected",
            failure_type="mail_smtp",
        )
        self.assertEqual((comm.state, comm.email_state), ("failed", "failed"))
        self.assertIn("the mail server refused to send the email to sarah.jones@brighton.example", comm.error)
        self.assertIn("Recipient address rejected", comm.error)
        self.assertNotIn("mail_smtp", comm.error)
        task = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.brighton.id)]
        )
        self.assertEqual(task.user_id, self.collector)
        self.assertIn("Resend email", task.note)

        # The clerk corrects the address and sends it again, to the new address.
        self.jones.email = "s.jones@brighton.example"
        comm.with_user(self.clerk).action_resend_email()
        self.assertEqual((comm.email_state, comm.error, comm.state), ("queued", False, "queued"))
        self.assertNotEqual(comm.mail_message_id, mail.mail_message_id)
        new_mail = self.env["mail.mail"].search([("mail_message_id", "=", comm.mail_message_id.id)])
        self.assertEqual(new_mail.recipient_ids, self.jones)
        self.assertFalse(task.exists() and task.active, "the task is done")
        with self.assertRaises(UserError):
            comm.with_user(self.clerk).action_resend_email()
        new_mail._postprocess_sent_message(success_pids=self.jones.ids, success_emails=[])
        self.assertEqual((comm.email_state, comm.state), ("sent", "sent"))

    def test_level_texts_are_translatable_and_follow_the_tone(self):
        level = self.level
        self.assertIn("Perhaps this slipped through", level.with_context(lang="en_US").text_intro)
        self.assertIn("Misschien", _text(level.with_context(lang="nl_NL").text_intro))
        self.assertIn("{document}", level.text_intro)
        # The shipped levels have their texts in a language loaded after them.
        shipped = self.env.ref("account_collection.collection_level_standard_1")
        self.assertNotEqual(
            _text(shipped.with_context(lang="nl_NL").text_intro),
            _text(shipped.with_context(lang="en_US").text_intro),
        )
        self.assertEqual(
            shipped.mail_template_id, self.reminder_template, "no empty template meaning 'default'"
        )

        # An administrator's own translation is used by the email, in the customer's language only
        # (as the translation dialog of the field writes it).
        first_term = level._fields["text_intro"].get_trans_terms(level.with_context(lang="en_US").text_intro)[
            0
        ]
        level.update_field_translations(
            "text_intro", {"nl_NL": {first_term: "Onze eigen tekst voor {document}."}}
        )
        self._invoice(self.bakkerij, 100.0, "2026-01-01", "2026-02-01")
        self._invoice(self.brighton, 100.0, "2026-01-01", "2026-02-01")
        _comm, mail_nl = self._remind(self.bakkerij)
        self.assertIn("Onze eigen tekst voor deze e-mail.", _text(mail_nl.body_html))
        comm_en, mail_en = self._remind(self.brighton)
        self.assertIn("Perhaps this slipped through", _text(mail_en.body_html))

        # A deadline set on the level is stated; the tone's texts follow a change of tone.
        level.payment_deadline_days = 10
        values = comm_en._letter_values(is_email=True)
        self.assertIn("within 10 days", _text(values["deadline_text"]))
        self.assertIn("February 20, 2026", _text(values["deadline_text"]))
        other = self.env["collection.level"].create(
            {"name": "Later", "policy_id": self.policy.id, "offset_days": 30, "send_email": True}
        )
        other.tone = "firm"
        self.assertIn("Despite our earlier reminder", other.with_context(lang="en_US").text_intro)
        self.assertIn("Ondanks onze eerdere herinnering", other.with_context(lang="nl_NL").text_intro)
        other.with_context(lang="en_US").text_intro = "<p>Ours.</p>"
        other.tone = "urgent"
        self.assertEqual(_text(other.with_context(lang="en_US").text_intro), "Ours.", "an edited text stays")
        other.action_restore_texts()
        self.assertIn("Immediate attention required", other.with_context(lang="en_US").text_intro)

        # A Dutch administrator creates a level in the form: Dutch texts for him, English ones as
        # the source, and the other languages' shipped texts.
        with Form(
            self.env["collection.level"].with_context(lang="nl_NL", default_policy_id=self.policy.id)
        ) as form:
            form.name = "Nieuw niveau"
            form.offset_days = 60
            form.tone = "firm"
            form.send_email = True
            self.assertIn("Ondanks onze eerdere herinnering", form.text_intro)
        created = form.record
        self.assertIn("Despite our earlier reminder", created.with_context(lang="en_US").text_intro)
        self.assertIn("Ondanks onze eerdere herinnering", created.with_context(lang="nl_NL").text_intro)
        self.assertIn("Malgré notre précédent rappel", created.with_context(lang="fr_FR").text_intro)

    def test_action_due_today_shows_todays_reminders(self):
        """After the nightly run the filter "Action due today" lists the customers reminded today
        (their next reminder is days away), not an empty list."""
        self._invoice(self.brighton, 100.0, "2026-01-01", "2026-02-01")
        self._remind(self.brighton)
        arch = etree.fromstring(self.env.ref("account_collection.res_partner_view_search_collection").arch)
        domain_text = arch.xpath("//filter[@name='action_due']")[0].get("domain")
        with freeze_time("2026-02-10"):
            domain = safe_eval(domain_text, {"context_today": safe_datetime.date.today})
            partner = self.brighton.with_company(self.company)
            self.assertEqual(str(partner.collection_last_date), "2026-02-10")
            next_date = partner.collection_next_date
            self.assertFalse(next_date and str(next_date) <= "2026-02-10", "nothing more is due today")
            found = (
                self.env["res.partner"].with_user(self.clerk).search([*domain, ("id", "=", self.brighton.id)])
            )
        self.assertEqual(found, self.brighton)

    def test_cockpit_responsible_filled_by_default(self):
        salesperson = self.env["res.users"].create({"name": "Sam Sales", "login": "sam_sales"})
        self.company.collection_responsible_id = self.collector
        with_sales = self.env["res.partner"].create({"name": "With Salesperson", "user_id": salesperson.id})
        cockpit = (
            self.env["res.partner"]
            .with_user(self.clerk)
            .browse((self.brighton | with_sales | self.bakkerij).ids)
        )
        self.assertEqual(
            [partner.collection_collector_id for partner in cockpit],
            [self.collector, salesperson, self.collector],
            "his own responsible, else the salesperson, else the company's default",
        )
