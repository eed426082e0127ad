import random
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree

from odoo.tests import tagged

from odoo.addons.base.models.ir_qweb import IrQweb

from ..models import ir_qweb
from ..models.ir_qweb import formats_once
from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestAutopilotRender(CollectionCommon):
    """The autopilot compiles each email template once per language for a whole run; what it
    sends must stay byte for byte what Odoo's own rendering of the same template gives, whatever
    the template says (the comparison is with Odoo's rendering, not with a stored text)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.collection_policy_id = cls.policy_standard
        cls.company.collection_go_live = "catch_up"
        langs = ["nl_NL", "de_DE", "fr_FR"]
        for lang in langs:
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(["account_collection"], langs, overwrite=True)
        cls.usd = cls.setup_other_currency("USD", rounding=0.01)
        # A trusted account: the emails give the bank details and payment reference to pay to.
        cls.env["res.partner.bank"].create(
            {
                "acc_number": "NL91ABNA0417164300",
                "partner_id": cls.company.partner_id.id,
                "allow_out_payment": True,
            }
        )
        address = {"street": "Dorpsstraat 12", "zip": "3500 AA", "city": "Utrecht"}
        cls.customers = cls.env["res.partner"].create(
            [
                {"name": f"Render {lang} {i}", "lang": lang, "email": f"r{i}{lang}@example.com", **address}
                for lang in ["en_US", *langs]
                for i in range(2)
            ]
        )
        for number, customer in enumerate(cls.customers):
            # Several invoices, a currency of their own for some, days late over the levels.
            cls._invoice(customer, 100.0 + number, "2026-01-01", "2026-01-31")
            cls._invoice(customer, 40.5, "2026-01-10", "2026-02-01", currency=cls.usd if number % 2 else None)
            cls._invoice(customer, 75.25, "2026-01-20", "2026-03-01")

    def _sent(self, day):
        with freeze_time(day):
            comms = self.env["collection.autopilot"].sudo()._run(self.company)
        self.assertEqual(comms.partner_id, self.customers)
        return comms

    def _odoo_rendering(self, template, comms):
        """Odoo's own rendering: no flag, every email compiled and wrapped in its layout on its
        own, as mail.template.send_mail does."""
        bodies = template._render_field("body_html", comms.ids, compute_lang=True)
        subjects = template._render_field("subject", comms.ids, compute_lang=True)
        langs = template._render_lang(comms.ids)
        for comm in comms:
            lang = langs[comm.id] or self.env.lang
            bodies[comm.id] = template.with_context(lang=lang)._render_encapsulate(
                template.email_layout_xmlid,
                bodies[comm.id],
                add_context={
                    "company": comm.company_id,
                    "model_description": self.env._("account"),
                    "record_name": comm.letter_subject,
                },
                context_record=comm.with_context(lang=lang),
            )
        return bodies, subjects

    def _assert_as_odoo_renders(self, comms):
        mails = self.env["mail.mail"].search([("mail_message_id", "in", comms.mail_message_id.ids)])
        self.assertEqual(len(mails), len(comms))
        mail_of = {mail.mail_message_id: mail for mail in mails}
        for level, group in comms.grouped("level_id").items():
            template = level.mail_template_id or self.env.ref(
                "account_collection.mail_template_collection_reminder"
            )
            bodies, subjects = self._odoo_rendering(template.sudo(), group)
            for comm in group:
                mail = mail_of[comm.mail_message_id]
                self.assertEqual(mail.body_html, bodies[comm.id], f"{comm.partner_id.lang}, {level.name}")
                self.assertEqual(mail.subject, subjects[comm.id])
        self.assertEqual(len({mail.body_html for mail in mails}), len(mails), "each email its own values")

    def test_emails_as_odoo_renders_them(self):
        comms = self._sent("2026-02-03")
        self._assert_as_odoo_renders(comms)
        mails = self.env["mail.mail"].search([("mail_message_id", "in", comms.mail_message_id.ids)])
        self.assertTrue(all("NL91 ABNA 0417 1643 00" in mail.body_html for mail in mails), "how to pay")
        # Another level (another template), the customers' other invoices late too.
        self._assert_as_odoo_renders(self._sent("2026-03-10"))

    def test_edited_template_still_as_odoo_renders(self):
        """A template changed in the database (another text, another structure) is compiled again
        and still rendered as Odoo renders it."""
        template = self.env.ref("account_collection.mail_template_collection_reminder")
        # The preview renders (and compiles) the shipped text, then rolls back what it created.
        previews, _skipped = self.env["collection.autopilot"].sudo()._preview(self.company, self.customers)
        self.assertTrue(previews)
        template.body_html = (
            '<div><p>Hello <t t-out="object.partner_id.name"/>,</p><ul><t t-foreach="object.line_ids" t-as="line">'
            '<li t-out="line.move_id.name"/></t></ul><p t-out="object.amount_claimed"/></div>'
        )
        comms = self._sent("2026-02-03")
        mails = self.env["mail.mail"].search([("mail_message_id", "in", comms.mail_message_id.ids)])
        english = mails.filtered(lambda mail: mail.recipient_ids.lang == "en_US")
        self.assertEqual(len(english), 2)
        # The other languages keep their own translation of the old text, as Odoo does.
        self.assertTrue(all("<ul><li>" in mail.body_html for mail in english), "the edited text is sent")
        self.assertFalse(any("<ul><li>" in mail.body_html for mail in mails - english))
        self._assert_as_odoo_renders(comms)

    def test_compiled_once_per_language(self):
        ir_qweb._COMPILED.clear()
        compiled = []
        original = IrQweb._generate_code_uncached

        def counting(qweb, template):
            if isinstance(template, etree._Element):
                compiled.append(qweb.env.context.get("lang"))
            return original(qweb, template)

        with patch.object(IrQweb, "_generate_code_uncached", counting):
            comms = self._sent("2026-02-03")
        self.assertEqual(len(comms), 8)
        # One template for this level, four languages: four compilations for eight emails
        # (Odoo alone compiles once per email).
        self.assertEqual(sorted(compiled), sorted(["en_US", "nl_NL", "de_DE", "fr_FR"]))

    def test_layout_filled_as_odoo_renders_it(self):
        """The layout is rendered once per language, company and subject and each body filled in:
        with a logo, a footer with contact details and names that need escaping in the text
        preview, every email is still what Odoo's layout gives."""
        self.company.write(
            {
                "logo": "R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==",
                "phone": "+32 9 123 45 67",
                "email": "accounts@example.com",
                "website": "https://example.com",
            }
        )
        self.customers[:2].write({"name": 'Smith & <Sons> "Ltd"'})
        comms = self._sent("2026-02-03")
        self._assert_as_odoo_renders(comms)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", comms[0].mail_message_id.id)])
        self.assertIn(f"/logo.png?company={self.company.id}", mail.body_html)
        self.assertIn("Smith &amp; &lt;Sons&gt;", mail.body_html)

    def test_layout_that_does_not_fit_is_rendered_by_odoo(self):
        """A layout changed to use the body in another way than Odoo's (here its length) cannot be
        filled: each email is rendered in it by Odoo, and is what Odoo gives."""
        layout = self.env.ref("mail.mail_notification_light")
        layout.arch = layout.arch.replace(
            '<t t-out="message.body"/>',
            '<t t-out="message.body"/><p>Size: <t t-out="len(message.body)"/></p>',
        )
        autopilot = self.env["collection.autopilot"]
        with patch.object(
            type(autopilot), "_fill_layout", autospec=True, side_effect=type(autopilot)._fill_layout
        ) as fill:
            comms = self._sent("2026-02-03")
        self._assert_as_odoo_renders(comms)
        mails = self.env["mail.mail"].search([("mail_message_id", "in", comms.mail_message_id.ids)])
        self.assertTrue(all("Size: " in mail.body_html for mail in mails))
        # Each (language, company, subject) tried the cut once, and each cut was refused.
        self.assertEqual(fill.call_count, 4)

    def test_amounts_and_dates_formatted_as_odoo_formats_them(self):
        """Within a batch of emails, amounts and dates are formatted with settings read once: for
        every language, currencies before and after the amount, 0, 2 and 3 decimals and a
        rounding of 0.05, and amounts around every rounding edge, the output is Odoo's."""
        currencies = self.env.ref("base.EUR") | self.env.ref("base.USD") | self.env.ref("base.JPY")
        currencies |= self.env.ref("base.KWD")
        currencies.active = True
        rounded = self.env["res.currency"].create(
            {"name": "XR5", "symbol": "R&5", "rounding": 0.05, "position": "before"}
        )
        rng = random.Random(14)
        values = [0, 0.0, -0.0, 0.004, 0.005, -0.005, 0.025, 2.675, 1.005, 999.995, -1234567.895, 1e12, 7]
        values += [round(rng.uniform(-1e7, 1e7), rng.choice([0, 2, 3, 4])) for _i in range(150)]
        Monetary = self.env["ir.qweb.field.monetary"]
        DateField = self.env["ir.qweb.field.date"]
        days = [date(2026, 1, 1) + timedelta(days=rng.randrange(800)) for _i in range(40)]
        for lang in ["en_US", "nl_NL", "de_DE", "fr_FR"]:
            for currency in (*currencies, rounded):
                options = {
                    "widget": "monetary",
                    "type": "monetary",
                    "tagName": "t",
                    "expression": "amount",
                    "inherit_branding": None,
                    "display_currency": currency,
                }
                odoo = [
                    Monetary.with_context(lang=lang).value_to_html(value, dict(options)) for value in values
                ]
                with formats_once(self.env):
                    ours = [
                        Monetary.with_context(lang=lang).value_to_html(value, dict(options))
                        for value in values
                    ]
                self.assertEqual(ours, odoo, f"{lang} {currency.name}")
            date_options = {"widget": "date", "type": "date", "tagName": "t", "expression": "day"}
            odoo = [DateField.with_context(lang=lang).value_to_html(day, dict(date_options)) for day in days]
            with formats_once(self.env):
                ours = [
                    DateField.with_context(lang=lang).value_to_html(day, dict(date_options))
                    for day in days * 2
                ]
            self.assertEqual(ours, odoo * 2, lang)
        # Other options (a conversion, here) are Odoo's to handle.
        with formats_once(self.env):
            converted = Monetary.value_to_html(
                10.0,
                {"display_currency": currencies[0], "from_currency": currencies[1], "date": date(2026, 1, 1)},
            )
        self.assertEqual(
            converted,
            Monetary.value_to_html(
                10.0,
                {"display_currency": currencies[0], "from_currency": currencies[1], "date": date(2026, 1, 1)},
            ),
        )
