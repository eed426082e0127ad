import ast
import contextlib
import datetime

from lxml import etree
from markupsafe import Markup

from odoo import api, models
from odoo.tools.float_utils import float_is_zero, float_round
from odoo.tools.lru import LRU
from odoo.tools.misc import format_date, get_lang

from odoo.addons.base.models.res_lang import intersperse

# Inline templates (a mail template's body) compiled once for all the emails of a run:
# {(database, source, compile keys): compiled functions}. Bounded: a few templates per language.
_COMPILED = LRU(128)
# The dates and money formats of the batch of emails being rendered, in the cursor's cache (see
# formats_once): a batch formats the same few hundred due dates thousands of times, and every
# amount with the settings of a handful of currencies and languages.
FORMATS = "account_collection.formats"
# The options QWeb gives the monetary widget of a plain ``t-out`` with a display currency.
PLAIN_MONETARY_OPTIONS = {"widget", "type", "tagName", "expression", "inherit_branding", "display_currency"}


@contextlib.contextmanager
def formats_once(env):
    """Within this block, dates are formatted once per value, language and format, and each
    currency's and language's amount format is read once (the output is Odoo's)."""
    cache = env.cr.cache
    if FORMATS in cache:
        yield
        return
    cache[FORMATS] = {}
    try:
        yield
    finally:
        cache.pop(FORMATS, None)


def format_date_once(env, value, lang_code=None, date_format=False):
    """Odoo's ``format_date``, computed once per date, language and format within formats_once."""
    formatted = env.cr.cache.get(FORMATS)
    if formatted is None or type(value) is not datetime.date:  # datetimes depend on the time zone
        return format_date(env, value, lang_code=lang_code, date_format=date_format)
    lang = get_lang(env, lang_code)
    key = ("date", lang.code, lang.date_format, value, date_format)
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
        """Within formats_once, each date is formatted once (the same output)."""
        if FORMATS not in self.env.cr.cache:
            return super().value_to_html(value, options)
        return format_date_once(self.env, value, date_format=options.get("format"))


class IrQwebFieldMonetary(models.AbstractModel):
    _inherit = "ir.qweb.field.monetary"

    @api.model
    def value_to_html(self, value, options):
        """Within formats_once, an amount in a display currency is formatted by Odoo's own steps
        (zero, rounding, grouping, symbol) with the currency's and the language's settings read
        once, not again for every amount of every email. Other options go to Odoo."""
        formats = self.env.cr.cache.get(FORMATS)
        if formats is None or type(value) not in (int, float) or not options.keys() <= PLAIN_MONETARY_OPTIONS:
            return super().value_to_html(value, options)
        currency = options["display_currency"]
        lang = get_lang(self.env)
        key = ("money", currency.id, lang.code)
        if key not in formats:
            symbol = currency.symbol or ""
            formats[key] = (
                currency.decimal_places,
                currency.rounding,
                f"{symbol}\N{NO-BREAK SPACE}" if currency.position == "before" else "",
                f"\N{NO-BREAK SPACE}{symbol}" if currency.position != "before" else "",
                lang.decimal_point,
                lang.thousands_sep or "",
                ast.literal_eval(lang.grouping),
            )
        digits, rounding, pre, post, decimal_point, separator, grouping = formats[key]
        if float_is_zero(value, precision_digits=digits):
            value = 0.0
        parts = (f"%.{digits}f" % float_round(value, precision_rounding=rounding)).split(".")
        parts[0] = intersperse(parts[0], grouping, separator)[0]
        amount = (
            decimal_point.join(parts)
            .replace(" ", "\N{NO-BREAK SPACE}")
            .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
        )
        return Markup('%s<span class="oe_currency_value">%s</span>%s') % (pre, amount, post)
