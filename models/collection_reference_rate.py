from datetime import date
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools.claims import MissingRate, half_year_rates

SERIES = [
    ("ecb", "ECB main refinancing rate (EU, Netherlands commercial, France)"),
    ("boe", "Bank of England base rate (United Kingdom)"),
    ("de_base", "Basiszinssatz (Germany)"),
    ("nl_consumer", "Dutch statutory interest, consumers (wettelijke rente)"),
]


class CollectionReferenceRate(models.Model):
    """One half-year's reference rate of one series, with where it comes from.

    The law fixes the rate for a half-year: the rate in force on 1 January applies to January
    to June, the one of 1 July to July to December (for the UK the rate of 31 December and
    30 June, recorded here on the half-year it governs). Rates are public figures shared by
    all companies; the administrator adds each new half-year when it is published.
    """

    _name = "collection.reference.rate"
    _description = "Late-payment Reference Rate"
    _order = "series, date_from desc"
    _rec_name = "date_from"

    series = fields.Selection(SERIES, required=True, index=True)
    date_from = fields.Date(
        string="Half-year from",
        required=True,
        help="1 January or 1 July: the rate applies to the whole half-year that starts that day.",
    )
    rate = fields.Float(
        string="Reference rate (%)",
        digits=(6, 3),
        required=True,
        help="The published reference rate, before the margin of the rule (for the Dutch consumer "
        "rate: the statutory rate itself).",
    )
    source = fields.Char(required=True, help="Where the figure was published (decision, URL).")
    note = fields.Text()

    _series_date_unique = models.Constraint(
        "UNIQUE(series, date_from)", "A series has one rate per half-year."
    )

    @api.constrains("date_from")
    def _check_half_year(self):
        for rate in self:
            if (rate.date_from.month, rate.date_from.day) not in ((1, 1), (7, 1)):
                raise ValidationError(
                    self.env._(
                        "Reference rates are fixed per half-year: enter %(date)s as 1 January or 1 July.",
                        date=format_date(self.env, rate.date_from),
                    )
                )

    @api.model
    def _rate_functions(self, needed):
        """{(series, margin): rate_on(day)} for the pairs in `needed`, from one query."""
        series = {name for name, _margin in needed}
        rows = self.sudo().search_fetch([("series", "in", list(series))], ["series", "date_from", "rate"])
        tables = {}
        for row in rows:
            tables.setdefault(row.series, {})[row.date_from] = Decimal(str(row.rate))
        labels = dict(self._fields["series"]._description_selection(self.env))
        return {
            (name, margin): half_year_rates(tables.get(name, {}), margin, labels.get(name, name))
            for name, margin in needed
        }

    @api.model
    def _missing_rate_error(self, error):
        """The user error of a pure MissingRate: which half-year to add, and where."""
        assert isinstance(error, MissingRate)
        start = error.period_start
        end = date(start.year, 6, 30) if start.month == 1 else date(start.year, 12, 31)
        return UserError(
            self.env._(
                "No %(series)s is recorded for the half-year %(start)s to %(end)s, so the interest of "
                "that period cannot be computed. Add it in Accounting > Configuration > Collections > Late-payment "
                "Reference Rates (with its source) and try again.",
                series=error.series or self.env._("reference rate"),
                start=format_date(self.env, start),
                end=format_date(self.env, end),
            )
        )
