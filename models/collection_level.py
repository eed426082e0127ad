from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import html2plaintext, is_html_empty

# The editable texts of a level, printed in letters and emails (see _render_text).
TEXT_FIELDS = ("text_intro", "text_deadline", "text_closing")


def _plain(html):
    """The words of an HTML text, to compare texts whatever their markup and entities."""
    return " ".join(html2plaintext(html or "").split())


TONES = [
    ("courtesy", "Courtesy (before due)"),
    ("friendly", "Friendly"),
    ("firm", "Firm"),
    ("urgent", "Immediate attention"),
    ("formal", "Formal notice"),
]


class CollectionLevel(models.Model):
    """One step of a policy: reached `offset_days` after the due date, it drives the channels."""

    _name = "collection.level"
    _description = "Collection Level"
    _order = "policy_id, offset_days, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    policy_id = fields.Many2one("collection.policy", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    offset_days = fields.Integer(
        string="Days after due date",
        required=True,
        help="Days after the due date when this level is reached; negative for a courtesy "
        "reminder before the due date.",
    )
    tone = fields.Selection(TONES, required=True, default="friendly")
    is_final_notice = fields.Boolean(
        string="Final notice",
        help="A formal demand: the letter states a deadline and the legal consequences.",
    )
    # Channels: a level may use several at once.
    send_email = fields.Boolean(string="Email", default=False)
    send_sms = fields.Boolean(string="SMS", default=False)
    send_letter = fields.Boolean(string="Printed letter", default=False)
    payment_deadline_days = fields.Integer(
        string="Payment deadline",
        default=14,
        help="Days the firm reminders and the final notice give the customer to pay, counted from the "
        "date of the letter; the letter states the resulting date.",
    )
    registered_letter = fields.Boolean(
        help="The letter must go by registered post; its tracking number is recorded when sent."
    )
    create_call = fields.Boolean(string="Phone call", default=False)
    send_alert = fields.Boolean(
        string="Internal alert",
        default=False,
        help="Schedule an activity for the collections responsible and the salesperson.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email template",
        domain=[("model", "=", "collection.communication")],
        default=lambda self: self.env.ref(
            "account_collection.mail_template_collection_reminder", raise_if_not_found=False
        ),
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS template",
        domain=[("model", "=", "collection.communication")],
        default=lambda self: self.env.ref(
            "account_collection.sms_template_collection_reminder", raise_if_not_found=False
        ),
    )
    # What the letter and the email of the level say, around the list of invoices. Shipped
    # per tone (see _shipped_texts) in every language, then the administrator's own.
    text_intro = fields.Html(
        string="Introduction",
        translate=True,
        help="The paragraphs before the list of invoices. {document} is replaced by “this letter” or "
        "“this email”.",
    )
    text_deadline = fields.Html(
        string="Deadline sentence",
        translate=True,
        help="Printed after the total when the level gives a payment deadline. {days} is replaced by "
        "the number of days, {deadline} by the date.",
    )
    text_closing = fields.Html(
        string="Closing",
        translate=True,
        help="The paragraphs after the payment instructions, ending with the greeting; the "
        "responsible's name and the company follow.",
    )
    attach_invoices = fields.Boolean(
        string="Attach invoice PDFs",
        help="Attach the overdue invoices' PDFs to the email (reusing the ones already stored).",
    )
    call_script = fields.Html(translate=True, help="What the caller says, shown in the call task.")
    alert_note = fields.Text(translate=True, help="Shown in the internal alert.")
    suggest_handover = fields.Boolean(
        string="Suggest hand-over",
        help="Flag the customer as ready to be handed over to a collection agency or lawyer.",
    )
    suggest_doubtful = fields.Boolean(
        help="Flag the invoices for the accountant as candidates for a doubtful-debt provision."
    )

    _offset_unique = models.Constraint(
        "UNIQUE(policy_id, offset_days)",
        "Two levels of one policy cannot share the same number of days.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        levels = super().create(vals_list)
        # A new level starts with the shipped texts of its tone, in every installed language (the
        # form proposes them in the user's language only).
        lang = self.env.lang or "en_US"
        levels.filtered(
            lambda level: (
                all(is_html_empty(level[fname]) for fname in TEXT_FIELDS) or not level._texts_edited(lang)
            )
        )._set_shipped_texts()
        return levels

    def write(self, vals):
        retoned = {"tone", "is_final_notice"} & set(vals) and not self.env.context.get(
            "collection_shipped_texts"
        )
        untouched = retoned and not set(TEXT_FIELDS) & set(vals)
        shipped = self.filtered(lambda level: not level._texts_edited()) if untouched else self.browse()
        res = super().write(vals)
        if retoned:
            # Another tone: the texts follow it in every language unless the administrator wrote his
            # own (the form already put the new tone's texts in the user's language).
            lang = self.env.lang or "en_US"
            (shipped | self.filtered(lambda level: not level._texts_edited(lang)))._set_shipped_texts()
        return res

    @api.onchange("tone", "is_final_notice")
    def _onchange_tone_texts(self):
        # In the form: the texts follow the tone as long as they are the shipped ones.
        for level in self:
            previous = level._origin or level
            if not level._origin or not previous._texts_edited():
                level.update(level._shipped_texts(level.tone, level.is_final_notice))

    def _text_tone(self, tone=None, final=None):
        tone = tone or self.tone or "friendly"
        return "final" if (final if final is not None else self.is_final_notice) or tone == "formal" else tone

    @api.model
    def _shipped_texts(self, tone, final=False):
        """The texts the addon ships for a tone, in the language of the context.

        The sentences are those the letters always had, their placeholders kept for the
        administrator to move ({days}, {deadline}, {document}).
        """
        tone = self._text_tone(tone, final)

        def paragraphs(*texts):
            return Markup("").join(Markup("<p>%s</p>") % text for text in texts if text)

        question = self.env._(
            "If you have a question about these invoices, or cannot pay in full, please contact us: "
            "together we will find a solution."
        )
        texts = {
            "courtesy": (
                paragraphs(
                    self.env._(
                        "This is a friendly note that the invoices below will soon be due. If you have already "
                        "arranged payment, thank you."
                    )
                ),
                "",
                paragraphs(question, self.env._("Kind regards,")),
            ),
            "friendly": (
                paragraphs(
                    self.env._(
                        "Perhaps this slipped through: according to our records, the invoices below are still "
                        "open. We would be grateful if you could arrange payment in the coming days."
                    ),
                    self.env._(
                        "If you have already paid in the meantime, thank you, and please disregard %(document)s.",
                        document="{document}",
                    ),
                ),
                paragraphs(
                    self.env._(
                        "Please pay the total within %(days)s days, that is by %(deadline)s.",
                        days="{days}",
                        deadline="{deadline}",
                    )
                ),
                paragraphs(question, self.env._("Kind regards,")),
            ),
            "firm": (
                paragraphs(
                    self.env._("Despite our earlier reminder, the invoices below are still unpaid."),
                    self.env._(
                        "If something is wrong with these invoices, please contact us straight away so that we "
                        "can resolve it together."
                    ),
                ),
                paragraphs(
                    self.env._(
                        "We ask you to pay the total within %(days)s days, that is by %(deadline)s.",
                        days="{days}",
                        deadline="{deadline}",
                    )
                ),
                paragraphs(question, self.env._("Kind regards,")),
            ),
            "urgent": (
                paragraphs(
                    self.env._(
                        "Immediate attention required: the invoices below are long overdue and our earlier "
                        "reminders have remained unanswered."
                    )
                ),
                paragraphs(
                    self.env._(
                        "Please pay the total within %(days)s days, that is by %(deadline)s, or call us today "
                        "to agree on a solution.",
                        days="{days}",
                        deadline="{deadline}",
                    )
                ),
                paragraphs(question, self.env._("Kind regards,")),
            ),
            "final": (
                paragraphs(
                    self.env._("Despite our reminders, we have not received payment of the invoices below.")
                ),
                paragraphs(
                    self.env._(
                        "We hereby formally demand payment of the total within %(days)s days, that is by "
                        "%(deadline)s at the latest.",
                        days="{days}",
                        deadline="{deadline}",
                    )
                ),
                paragraphs(
                    self.env._(
                        "If we have not received the full amount by then, we will hand the claim over to a "
                        "collection agency or start legal proceedings without further notice. We will then "
                        "also claim the statutory interest for late payment from the due date of each invoice, "
                        "the compensation for recovery costs allowed by law and the costs of the proceedings, "
                        "all of which will be charged to you."
                    ),
                    self.env._("Any dispute about these invoices must reach us in writing before that date."),
                    self.env._("Yours faithfully,"),
                ),
            ),
        }[tone]
        return dict(zip(TEXT_FIELDS, texts, strict=True))

    def _texts_edited(self, lang="en_US"):
        """Whether the texts of this level in `lang` differ from the shipped ones of its tone."""
        self.ensure_one()
        level = self.with_context(lang=lang)
        shipped = level._shipped_texts(level.tone, level.is_final_notice)
        return any(_plain(level[fname]) != _plain(shipped[fname]) for fname in TEXT_FIELDS)

    def _set_shipped_texts(self, langs=None):
        """Write the shipped texts of each level's tone in English and translate them into `langs`
        (default: every installed language), term by term as Odoo translates HTML fields."""
        langs = langs or [code for code, _name in self.env["res.lang"].get_installed()]
        for level in self.with_context(lang="en_US"):
            if level._texts_edited():
                level.with_context(collection_shipped_texts=True).write(
                    level._shipped_texts(level.tone, level.is_final_notice)
                )
            for fname in TEXT_FIELDS:
                field = self._fields[fname]
                source = field.get_trans_terms(level[fname])
                translations = {}
                for lang in langs:
                    if lang == "en_US":
                        continue
                    shipped = level.with_context(lang=lang)._shipped_texts(level.tone, level.is_final_notice)
                    terms = field.get_trans_terms(str(shipped[fname] or ""))
                    if len(terms) == len(source):
                        translations[lang] = dict(zip(source, terms, strict=True))
                if translations:
                    level.update_field_translations(fname, translations)

    def action_restore_texts(self):
        """Put back the shipped texts of the level's tone, in every language."""
        self._set_shipped_texts()
        return True

    def _render_text(self, fname, document, days=0, deadline=""):
        """A text of the level for one letter or email, its placeholders filled (values escaped)."""
        self.ensure_one()
        html = self[fname]
        if is_html_empty(html):
            return Markup("")
        html = str(html)
        for placeholder, value in (("{document}", document), ("{days}", days), ("{deadline}", deadline)):
            html = html.replace(placeholder, str(escape(str(value))))
        return Markup(html)

    @api.constrains("offset_days", "policy_id")
    def _check_one_courtesy_level(self):
        for policy in self.policy_id:
            before = policy.level_ids.filtered(lambda level: level.offset_days <= 0)
            if len(before) > 1:
                raise ValidationError(
                    self.env._(
                        "The policy “%(policy)s” has %(count)s levels on or before the due date: keep one "
                        "courtesy reminder (the others would never be sent).",
                        policy=policy.name,
                        count=len(before),
                    )
                )

    @api.constrains("send_email", "mail_template_id", "send_sms", "sms_template_id")
    def _check_templates(self):
        # No empty template silently meaning "the default": each level names what it sends.
        for level in self:
            if level.send_email and not level.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "The level “%(level)s” sends an email: choose its email template.", level=level.name
                    )
                )
            if level.send_sms and not level.sms_template_id:
                raise ValidationError(
                    self.env._(
                        "The level “%(level)s” sends an SMS: choose its SMS template.", level=level.name
                    )
                )

    @api.constrains("send_email", "send_sms", "send_letter", "create_call", "send_alert")
    def _check_channels(self):
        for level in self:
            if not (
                level.send_email
                or level.send_sms
                or level.send_letter
                or level.create_call
                or level.send_alert
            ):
                raise ValidationError(
                    self.env._(
                        "The level “%(level)s” has no channel: tick at least one of email, SMS, "
                        "printed letter, phone call or internal alert.",
                        level=level.name,
                    )
                )
