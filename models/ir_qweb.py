import datetime

from lxml import etree

from odoo import api, models
from odoo.tools.lru import LRU
from odoo.tools.misc import format_date, get_lang

# Inline templates (a mail template's body) compiled once for all the emails of a run:
# {(database, source, compile keys): compiled functions}. Bounded: a few templates per language.
_COMPILED = LRU(128)
# The key of the formatted dates of a transaction in the cursor's cache (see format_date_once).
FORMATTED_DATES = "account_collection.formatted_dates"


def format_date_once(env, value, lang_code=None, date_format=False):
    """Odoo's ``format_date``, computed once per date, language and format in a transaction: a
    run of reminders formats the same few hundred due dates thousands of times."""
    if type(value) is not datetime.date:  # datetimes depend on the time zone, strings are parsed
        return format_date(env, value, lang_code=lang_code, date_format=date_format)
    lang = get_lang(env, lang_code)
    key = (lang.code, lang.date_format, value, date_format)
    formatted = env.cr.cache.setdefault(FORMATTED_DATES, {})
    if key not in formatted:
        formatted[key] = format_date(env, value, lang_code=lang_code, date_format=date_format)
    return formatted[key]


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _generate_code_uncached(self, template):
        """With ``collection_compile_once`` in the context (the autopilot's emails), an inline
        template compiles once per source and compile options, as Odoo caches the compiled code of
        a view by its id and the same options; Odoo itself compiles an inline template again for
        every email. The rendering itself is Odoo's: the output is the same."""
        if not isinstance(template, etree._Element) or not self.env.context.get("collection_compile_once"):
            return super()._generate_code_uncached(template)
        key = (
            self.env.cr.dbname,
            etree.tostring(template),
            tuple(self.env.context.get(name) or False for name in self._get_template_cache_keys()),
            self.env.context.get("raise_on_forbidden_code_for_model") or False,
        )
        compiled = _COMPILED.get(key)
        if compiled is None:
            compiled = _COMPILED[key] = super()._generate_code_uncached(template)
        return compiled


class IrQwebFieldDate(models.AbstractModel):
    _inherit = "ir.qweb.field.date"

    @api.model
    def value_to_html(self, value, options):
        """The autopilot's emails format their dates once per run (the same output)."""
        if not self.env.context.get("collection_compile_once"):
            return super().value_to_html(value, options)
        return format_date_once(self.env, value, date_format=options.get("format"))
