import time

from freezegun import freeze_time

from odoo.tests import tagged

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestAutopilotCron(CollectionCommon):
    """The daily cron reports its batches to Odoo's cron progress API: a pass that runs out of
    time stops after a committed batch, and the next pass goes on with the next customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.collection_policy_id = cls.policy_standard
        cls.env["res.company"].search([("id", "!=", cls.company.id)]).collection_autopilot = False
        cls.customers = cls.env["res.partner"].create(
            [
                {
                    "name": f"Cron Customer {i}",
                    "email": f"cron{i}@example.com",
                    "street": "Main 1",
                    "city": "Gent",
                }
                for i in range(5)
            ]
        )
        for customer in cls.customers:
            cls._invoice(customer, 100.0, "2026-01-01", "2026-01-31")

    def _passes(self, day):
        """Run the cron on `day` as Odoo would with no time left after each batch, until it
        says it is done; returns how many of the customers had a reminder of `day` after each pass."""
        autopilot = self.env["collection.autopilot"].sudo()
        self.patch(type(autopilot), "_batch_size", 2)
        reminded = []
        with freeze_time(day):
            for _pass in range(10):
                budget = autopilot.with_context(cron_end_time=time.monotonic())._cron_run()
                reminded.append(self._comms(day).partner_id & self.customers)
                if not budget["stopped"]:
                    self.assertEqual(budget["remaining"], 0)
                    break
        return [len(partners) for partners in reminded]

    def _comms(self, day):
        return self.env["collection.communication"].search(
            [("partner_id", "in", self.customers.ids), ("date", "=", day)]
        )

    def test_cut_run_resumes_and_completes(self):
        first, second = self.policy_standard.level_ids.sorted("offset_days")[1:3]
        self.assertEqual(self._passes("2026-02-03"), [2, 4, 5], "two customers a pass, then the rest")
        comms = self._comms("2026-02-03")
        self.assertEqual(comms.partner_id, self.customers, "every customer reminded")
        self.assertEqual(len(comms), 5, "each exactly once")
        self.assertEqual(comms.level_id, first)
        self.assertEqual(self.company.collection_run_cursor, max(self.customers.ids))
        mails = self.env["mail.mail"].search([("mail_message_id", "in", comms.mail_message_id.ids)])
        self.assertEqual(len(mails), 5)
        self.assertEqual(sorted(mails.recipient_ids.ids), sorted(self.customers.ids), "one email each")

        # Another pass the same day (a second worker, a trigger): nothing left, nothing twice.
        with freeze_time("2026-02-03"):
            budget = self.env["collection.autopilot"].sudo()._cron_run()
        self.assertEqual(budget["remaining"], 0)
        self.assertEqual(self._comms("2026-02-03"), comms)

        # The next level's day starts over from the first customer, again over several passes.
        self.assertEqual(self._passes("2026-02-07"), [2, 4, 5])
        comms = self._comms("2026-02-07")
        self.assertEqual(len(comms), 5)
        self.assertEqual(comms.partner_id, self.customers)
        self.assertEqual(comms.level_id, second)

    def test_no_batch_started_past_the_deadline(self):
        """A pass whose next batch would end after the server's time limit stops before it. The
        first call of a job always sends one batch (a job must progress); the next calls of the
        same job send nothing, so that Odoo ends the job and reschedules it at once."""
        autopilot = self.env["collection.autopilot"].sudo()
        self.patch(type(autopilot), "_batch_size", 2)
        job = autopilot.with_context(cron_end_time=time.monotonic() + 1000)
        with freeze_time("2026-02-03"):
            self.patch(type(autopilot), "_cron_deadline", lambda self: time.monotonic() - 1)
            budget = job._cron_run()
            self.assertEqual((budget["stopped"], budget["remaining"]), (True, 3))
            self.assertEqual(len(self._comms("2026-02-03")), 2)
            budget = job._cron_run()
            self.assertEqual(
                (budget["stopped"], budget["remaining"]), (True, 3), "the same job: nothing more"
            )
            self.assertEqual(len(self._comms("2026-02-03")), 2)
            self.patch(type(autopilot), "_cron_deadline", lambda self: float("inf"))
            budget = autopilot.with_context(cron_end_time=time.monotonic() + 2000)._cron_run()
        self.assertFalse(budget["stopped"])
        self.assertEqual(len(self._comms("2026-02-03")), 5)
        self.assertEqual(self._comms("2026-02-03").partner_id, self.customers)
