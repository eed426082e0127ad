from odoo import api, models


class CollectionAutopilot(models.AbstractModel):
    _inherit = "collection.autopilot"

    @api.model
    def _run(self, company, today=None, partners=None, manual=False, commit=False, **kwargs):
        """The daily run also looks after the payment plans, first: a plan that breaks today gives
        its invoices back to the ordinary reminders of the same run. A cron pass that resumes
        today's run (its cursor is set today) finds the plans done by the first pass."""
        plan_communications = self.env["collection.communication"]
        day = today or self.env["collection.payment.plan"]._today()
        budget = kwargs.get("budget")
        # The plans are the first job's: the second worker of the run (from_top) leaves them.
        resumed = budget is not None and (budget.get("from_top") or company.collection_run_date == day)
        if not manual and partners is None and not resumed:
            plans = self.env["collection.payment.plan"].with_company(company)
            with self.env.cr.savepoint():
                plan_communications = plans._run_daily(company, day)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        communications = super()._run(
            company, today=today, partners=partners, manual=manual, commit=commit, **kwargs
        )
        return plan_communications | communications
