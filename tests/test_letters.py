import io
from datetime import date

from freezegun import freeze_time
from lxml import html as lxml_html
from stdnum import iso11649

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools.pdf import PdfFileReader

from .common import CollectionCommon

IBAN = "NL91ABNA0417164300"  # the example IBAN of the Dutch banks: valid check digits


def _text(html_bytes):
    """The visible text of a rendered report or email, whitespace collapsed."""
    if isinstance(html_bytes, bytes):
        html_bytes = html_bytes.decode()
    tree = lxml_html.fromstring(html_bytes)
    for node in tree.xpath("//style|//script|//head"):
        node.drop_tree()
    return " ".join(tree.text_content().split())


@tagged("post_install", "-at_install")
class TestLetters(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "name": "Collections Test Company",
                "street": "Keizersgracht 1",
                "zip": "1015 CJ",
                "city": "Amsterdam",
                "email": "accounts@company.example",
            }
        )
        cls.bank = cls.env["res.partner.bank"].create(
            {
                "acc_number": IBAN,
                "partner_id": cls.company.partner_id.id,
                "bank_bic": "ABNANL2A",
                "allow_out_payment": True,
            }
        )
        cls.eur = cls.setup_other_currency("EUR")
        # The shipped translations, as a database with these languages installed has them.
        langs = ["nl_NL", "de_DE", "fr_FR"]
        for lang in langs:
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(["account_collection"], langs, overwrite=True)

        cls.policy = cls.env["collection.policy"].create(
            {
                "name": "Letters",
                "level_ids": [
                    Command.create(
                        {"name": "Friendly letter", "offset_days": 5, "tone": "friendly", "send_letter": True}
                    ),
                    Command.create(
                        {"name": "Firm letter", "offset_days": 20, "tone": "firm", "send_letter": True}
                    ),
                    Command.create(
                        {
                            "name": "Formal demand",
                            "offset_days": 40,
                            "tone": "formal",
                            "is_final_notice": True,
                            "send_letter": True,
                            "registered_letter": True,
                            "payment_deadline_days": 10,
                        }
                    ),
                ],
            }
        )
        cls.company.collection_policy_id = cls.policy
        # Each letter here is the customer's first: with the go-live "catch up", it is written at
        # the level his oldest invoice reached.
        cls.company.collection_go_live = "catch_up"
        address = {"street": "Dorpsstraat 12", "zip": "3500 AA", "city": "Utrecht"}
        cls.customer_en = cls.env["res.partner"].create(
            {"name": "Brown Ltd", "lang": "en_US", "is_company": True, **address}
        )
        cls.customer_nl = cls.env["res.partner"].create(
            {"name": "Bakkerij de Vries", "lang": "nl_NL", "is_company": True, **address}
        )
        cls.report = cls.env.ref("account_collection.action_report_collection_letter")

    def _letter(self, partner, day):
        """The letter the autopilot writes to `partner` on `day` (the level its invoices reached)."""
        with freeze_time(day):
            comm = self.env["collection.autopilot"].sudo()._run(self.company, partners=partner, manual=True)
        self.assertEqual(len(comm), 1)
        self.assertEqual(comm.letter_state, "to_print")
        return comm

    def _html(self, comms):
        return self.env["ir.actions.report"]._render_qweb_html(self.report, comms.ids)[0]

    # ------------------------------------------------------------------------------------------
    # Letters
    # ------------------------------------------------------------------------------------------

    def test_letters_in_two_languages(self):
        inv_en = self._invoice(self.customer_en, 1234.50, "2026-01-05", "2026-02-01", currency=self.eur)
        inv_nl = self._invoice(self.customer_nl, 1234.50, "2026-01-05", "2026-01-01", currency=self.eur)
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer_nl.id,
                "invoice_date": "2026-01-10",
                "currency_id": self.eur.id,
                "invoice_line_ids": [Command.create({"name": "Credit", "price_unit": 234.50, "tax_ids": []})],
            }
        )
        refund.action_post()
        friendly = self._letter(self.customer_en, "2026-02-07")
        final = self._letter(self.customer_nl, "2026-02-15")
        self.assertEqual(friendly.level_id.tone, "friendly")
        self.assertTrue(final.is_final_notice and final.registered_letter)

        text_en = _text(self._html(friendly))
        self.assertIn(inv_en.name, text_en)
        self.assertIn("1,234.50", text_en)
        self.assertIn("one thousand, two hundred and thirty-four euros and fifty cents", text_en)
        self.assertIn("Perhaps this slipped through", text_en)
        self.assertNotIn("debt", text_en.lower(), "a friendly letter never speaks of debt or debtors")
        self.assertIn(iso11649.format(friendly.payment_reference), text_en)
        self.assertIn("NL91 ABNA 0417 1643 00", text_en)
        self.assertEqual(text_en.count("Brown Ltd"), 2, "in the window and in the salutation, nothing more")
        self.assertIn("6", text_en)  # days late

        text_nl = _text(self._html(final))
        self.assertIn(inv_nl.name, text_nl)
        self.assertIn(refund.name, text_nl, "credit notes are listed and deducted")
        self.assertIn("1.234,50", text_nl)
        self.assertIn("1.000,00", text_nl, "total due: 1,234.50 invoice - 234.50 credit note")
        self.assertIn("duizend euro", text_nl)
        self.assertIn("Aangetekende brief", text_nl)
        self.assertIn("binnen 10 dagen", text_nl)
        self.assertIn("25 februari 2026", text_nl, "the deadline: 10 days after the letter of 15 February")
        self.assertIn("wettelijke rente", text_nl)
        self.assertIn(iso11649.format(final.payment_reference), text_nl)

    def test_batch_print_one_pdf_stored_per_letter_and_reprint(self):
        self._invoice(self.customer_en, 500.0, "2026-01-01", "2026-01-10", currency=self.eur)
        self._invoice(self.customer_nl, 700.0, "2026-01-01", "2026-01-10", currency=self.eur)
        letters = self._letter(self.customer_en, "2026-02-01") | self._letter(self.customer_nl, "2026-02-01")
        action = letters.with_context(force_report_rendering=True).action_print_letters()

        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["context"]["active_ids"], letters.ids)
        self.assertEqual(letters.mapped("letter_state"), ["sent", "sent"])
        self.assertEqual(len(letters.letter_attachment_id), 2, "one stored PDF per letter")
        for letter in letters:
            attachment = letter.letter_attachment_id
            self.assertEqual((attachment.res_model, attachment.res_id), (letter._name, letter.id))
            self.assertTrue(attachment.raw.startswith(b"%PDF"))
            pages = PdfFileReader(io.BytesIO(attachment.raw)).pages
            pdf_text = " ".join(" ".join(page.extract_text() for page in pages).split())
            self.assertIn(letter.partner_id.name, pdf_text, "each stored PDF is the customer's own letter")
        nl_pages = PdfFileReader(io.BytesIO(letters[1].letter_attachment_id.raw)).pages
        nl_pdf = " ".join(" ".join(page.extract_text() for page in nl_pages).split())
        self.assertIn("Tweede herinnering", nl_pdf)  # the subject line of a firm letter

        # The recipient's address sits in the window of a DIN 5008 window envelope: 20 mm from the
        # left edge, 45 mm (to 90 mm) from the top of the A4 page (PDF points: 1/72 inch, y upwards).
        positions = []

        def visitor(text, cm, tm, _font, _size):
            if "Dorpsstraat" in text:
                x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
                y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
                positions.append((round(x * 25.4 / 72, 1), round((842 - y) * 25.4 / 72, 1)))

        nl_pages[0].extract_text(visitor_text=visitor)
        self.assertTrue(positions, "the street of the address is printed")
        left, top = positions[0]
        # Inside the window (DL / C5/6: 20-110 mm from the left, 45-90 mm from the top). Measured
        # with Debian's wkhtmltopdf (no patched Qt): the street at 38.5 mm / 64.2 mm.
        self.assertTrue(
            20 <= left <= 80 and 45 <= top <= 90, f"address at {left} mm from the left, {top} mm from the top"
        )

        # A reprint is the stored document, byte for byte, without rendering again.
        self.assertIn(str(letters[0].letter_attachment_id.id), letters[0].action_reprint_letter()["url"])
        reprint, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(self.report, letters[0].ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertEqual(reprint, letters[0].letter_attachment_id.raw)
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", letters._name), ("res_id", "in", letters.ids)]
            ),
            2,
        )

    def test_bad_bank_account_or_address_blocks_printing(self):
        self._invoice(self.customer_en, 500.0, "2026-01-01", "2026-01-10")
        letter = self._letter(self.customer_en, "2026-02-01")

        # The account chosen for reminders has a typing error.
        self.company.collection_bank_account_id = self.env["res.partner.bank"].create(
            {
                "acc_number": "NL91ABNA0417164301",
                "partner_id": self.company.partner_id.id,
                "allow_out_payment": True,
            }
        )
        with self.assertRaisesRegex(UserError, "Brown Ltd.*NL91ABNA0417164301.*not a valid IBAN"):
            letter.action_print_letters()
        self.assertEqual(letter.letter_state, "to_print")

        self.company.collection_bank_account_id.active = False
        self.bank.active = False
        with self.assertRaisesRegex(UserError, "Brown Ltd.*has no bank account"):
            letter.action_print_letters()

        self.bank.active = True
        self.customer_en.street = False
        with self.assertRaisesRegex(UserError, r"Brown Ltd.*incomplete \(missing: street\)"):
            letter.action_print_letters()
        with self.assertRaisesRegex(UserError, "missing: street"):
            self._html(letter)  # the print menu refuses it too
        self.assertEqual(letter.letter_state, "to_print")
        self.assertFalse(letter.letter_attachment_id)

        # The message is translated into the user's language.
        with self.assertRaisesRegex(UserError, "postadres|straat"):
            letter.with_context(lang="nl_NL").action_print_letters()

    # ------------------------------------------------------------------------------------------
    # Creditor reference
    # ------------------------------------------------------------------------------------------

    def test_rf_reference_round_trip_and_payment_matching(self):
        self._invoice(self.customer_en, 500.0, "2026-01-01", "2026-01-10")
        letter = self._letter(self.customer_en, "2026-02-01")
        reference = letter.payment_reference
        self.assertTrue(iso11649.is_valid(reference))
        self.assertEqual(reference, self.customer_en._collection_payment_reference(), "stable per customer")
        self.assertEqual(letter.payment_reference_display, iso11649.format(reference))

        Communication = self.env["collection.communication"]
        partner, comms = Communication._find_payment_reference(
            f"invoice payment {iso11649.format(reference)} thx"
        )
        self.assertEqual(partner, self.customer_en)
        self.assertEqual(comms, letter)
        broken = reference[:-1] + str((int(reference[-1]) + 1) % 10)
        self.assertFalse(
            Communication._find_payment_reference(broken)[0], "a mistyped reference matches nothing"
        )
        self.assertEqual(Communication.search([("payment_reference", "=", reference)]), letter)

        # An incoming bank payment quoting the reference finds its customer.
        journal = self.company_data["default_journal_bank"]
        lines = self.env["account.bank.statement.line"].create(
            [
                {
                    "journal_id": journal.id,
                    "date": "2026-02-05",
                    "amount": 500.0,
                    "payment_ref": f"Pay {reference}",
                },
                {
                    "journal_id": journal.id,
                    "date": "2026-02-05",
                    "amount": 10.0,
                    "payment_ref": "no reference",
                },
            ]
        )
        self.assertEqual(lines[0].partner_id, self.customer_en)
        self.assertFalse(lines[1].partner_id)

    # ------------------------------------------------------------------------------------------
    # Emails and SMS
    # ------------------------------------------------------------------------------------------

    def test_email_has_the_letter_text_and_sms_fit_160(self):
        self._invoice(self.customer_nl, 1234.50, "2026-01-01", "2026-01-10", currency=self.eur)
        letter = self._letter(self.customer_nl, "2026-02-01")
        template = self.env.ref("account_collection.mail_template_collection_firm")
        body = _text(template._render_field("body_html", letter.ids, compute_lang=True)[letter.id])
        self.assertIn("1.234,50", body)
        self.assertNotIn(
            "duizendtweehonderdvierendertig euro", body, "the amount in words is for letters only"
        )
        self.assertIn(iso11649.format(letter.payment_reference), body)
        self.assertIn(letter.line_ids.move_id.name, body)
        subject = template._render_field("subject", letter.ids, compute_lang=True)[letter.id]
        self.assertNotEqual(subject, template.subject, "the subject is translated")

        # Every SMS text in every shipped language fits one SMS, with a long company name and amount.
        self.company.name = "Collections Company Name Ltd.X"  # 30 characters
        letter.amount_overdue = 123456.78
        sms_templates = self.env["sms.template"].search([("model", "=", "collection.communication")])
        self.assertEqual(len(sms_templates), 3)
        for lang in ("en_US", "nl_NL", "de_DE", "fr_FR"):
            self.customer_nl.lang = lang
            for sms_template in sms_templates:
                body = sms_template._render_field("body", letter.ids, compute_lang=True)[letter.id]
                self.assertIn(letter.payment_reference_display, body)
                self.assertLessEqual(len(body), 160, f"{sms_template.name} in {lang}: {body}")
                if lang != "en_US":
                    self.assertNotEqual(
                        body,
                        sms_template.with_context(lang="en_US")._render_field("body", letter.ids)[letter.id],
                        f"{sms_template.name} is translated into {lang}",
                    )

    # ------------------------------------------------------------------------------------------
    # Statement
    # ------------------------------------------------------------------------------------------

    def test_statement_aging_hand_computed(self):
        customer = self.customer_en
        # Statement date 2026-06-30. Due dates chosen on the bucket edges.
        self._invoice(customer, 100.0, "2026-06-01", "2026-07-15")  # not due
        self._invoice(customer, 200.0, "2026-05-01", "2026-06-30")  # due today: not due
        self._invoice(customer, 300.0, "2026-04-01", "2026-05-31")  # 30 days late
        self._invoice(customer, 400.0, "2026-03-01", "2026-05-30")  # 31 days late
        partial = self._invoice(customer, 500.0, "2026-02-01", "2026-04-01")  # 90 days late
        self._pay(partial, 120.0, "2026-04-10")  # 380.00 left
        self._invoice(customer, 600.0, "2026-01-01", "2026-03-31")  # 91 days late
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": customer.id,
                "invoice_date": "2026-06-20",
                "invoice_date_due": "2026-06-20",
                "invoice_line_ids": [Command.create({"name": "Credit", "price_unit": 50.0, "tax_ids": []})],
            }
        )
        refund.action_post()
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": customer.id,
                "amount": 75.0,
                "date": "2026-06-25",
            }
        )
        payment.action_post()

        values = customer._collection_statement_values(date(2026, 6, 30))
        self.assertEqual(len(values["currencies"]), 1)
        block = values["currencies"][0]
        self.assertEqual(block["currency"], self.company.currency_id)
        self.assertEqual(len(block["rows"]), 8, "six invoices, a credit note and an unallocated payment")
        self.assertEqual(
            block["totals"],
            {
                # Credits are aged by their own date, as in Odoo's aged receivable: the credit note
                # due 20 June (10 days) and the payment of 25 June (5 days) fall in 1-30.
                "not_due": 300.0,  # 100 + 200 (due today is not late)
                "1_30": 175.0,  # 300 - 50 - 75
                "31_60": 400.0,
                "61_90": 380.0,
                "over_90": 600.0,
                "total": 1855.0,
            },
        )
        days = {row["line"].move_id.amount_total: row["days_late"] for row in block["rows"]}
        self.assertEqual(days[300.0], 30)
        self.assertEqual(days[500.0], 90)
        self.assertEqual(days[600.0], 91)

        # The report, in two languages, and its PDF.
        report = self.env.ref("account_collection.action_report_collection_statement")
        self.customer_nl.lang = "nl_NL"
        self._invoice(self.customer_nl, 1234.5, "2026-01-01", "2026-03-31")
        with freeze_time("2026-06-30"):
            html = self.env["ir.actions.report"]._render_qweb_html(report, (customer | self.customer_nl).ids)[
                0
            ]
            # One PDF (wkhtmltopdf without patched Qt renders one document per run).
            pdf, kind = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(report, self.customer_nl.ids)
            )
        text = _text(html)
        self.assertIn("Statement of account", text)
        self.assertIn("Rekeningoverzicht", text)
        self.assertIn("1,855.00", text)
        self.assertIn("1.234,50", text)
        self.assertIn("Over 90 days", text)
        self.assertIn("Meer dan 90 dagen", text)
        self.assertIn(refund.name, text)
        self.assertIn(iso11649.format(customer._collection_payment_reference()), text)
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_send_statement_by_email(self):
        self._invoice(self.customer_nl, 300.0, "2026-01-01", "2026-01-31")
        self.customer_nl.email = "boekhouding@devries.example"
        action = self.customer_nl.action_collection_send_statement()
        self.assertEqual(action["res_model"], "mail.compose.message")
        composer = Form(self.env["mail.compose.message"].with_context(**action["context"]))
        self.assertIn("Rekeningoverzicht", composer.subject)
        self.assertEqual(len(composer.attachment_ids), 1, "the statement is attached")
        composer.save().action_send_mail()
        message = self.customer_nl.message_ids[0]
        self.assertEqual(message.partner_ids, self.customer_nl)
        self.assertEqual(len(message.attachment_ids), 1)
        self.assertIn("Rekeningoverzicht - Bakkerij de Vries", message.attachment_ids.name)
