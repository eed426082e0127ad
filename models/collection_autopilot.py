import logging
import os
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from markupsafe import Markup, escape
from psycopg2 import errorcodes, errors
from psycopg2.errors import UniqueViolation

from odoo import Command, api, fields, models, modules
from odoo.service.server import SLEEP_INTERVAL
from odoo.tools import SQL, config, split_every

from odoo.addons.base.models.ir_actions_report import _wkhtml
from odoo.addons.base.models.ir_cron import MIN_TIME_PER_JOB

from ..tools import escalation
from .res_partner import NEXT_REASONS

NEXT_REASON_KEYS = {key for key, _label in NEXT_REASONS}
# Where today's run stands on each company, up from the first customer (the second job's, down
# from the last, is a collection.run.cursor).
RUN_CURSOR_FIELDS = ["collection_run_date", "collection_run_cursor"]

_logger = logging.getLogger(__name__)

# How long the last batch of this process took, per database: a cron pass does not start a
# batch that would end past its deadline.
_BATCH_SECONDS = {}
# The cron job whose passes this process runs, per database (see _cron_run).
_LAST_JOB = {}

# Another transaction holds or changed the same rows: the customer belongs to another worker
# (or to the next run), never a failed reminder.
CONCURRENCY_ERRORS = {
    errorcodes.SERIALIZATION_FAILURE,
    errorcodes.LOCK_NOT_AVAILABLE,
    errorcodes.DEADLOCK_DETECTED,
}


def _is_concurrency_error(error):
    return getattr(error, "pgcode", None) in CONCURRENCY_ERRORS or isinstance(
        error, errors.SerializationFailure | errors.LockNotAvailable | errors.DeadlockDetected
    )


class CollectionAutopilot(models.AbstractModel):
    """The engine that decides what each customer receives next, and sends it.

    The decision itself is :func:`..tools.escalation.decide`, over plain data; this model loads
    that data in grouped queries, asks it for every customer and acts on the answer. The run, the
    preview, "send now" and the cockpit all go through :meth:`_decisions`, so they agree.

    A run works per company, in batches of customers. Each batch starts a transaction, locks its
    customers (``FOR UPDATE SKIP LOCKED``: those another worker holds are left to it), decides
    for them on fresh data, sends what is due, records the customers' new escalation state and
    cockpit columns, and commits: two workers never send twice, and a crash loses one batch.
    """

    _name = "collection.autopilot"
    _description = "Collections Autopilot"

    _batch_size = 500
    _batch_models = (
        "mail.mail",
        "mail.message",
        "mail.activity",
        "sms.sms",
        "collection.communication",
        "collection.communication.line",
        "ir.attachment",
        "account.move",
        "account.move.line",
        "res.partner",
    )

    # ------------------------------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------------------------------

    @api.model
    def _cron_run(self, from_top=False):
        """The daily cron: every company's customers in batches, each batch reported to Odoo's
        cron progress API (``ir.cron._commit_progress``).

        When the cron's time runs out (Odoo's own time per job, or the server's
        ``limit_time_real_cron`` that would kill the worker), the run returns with the customers
        left as its remaining count: Odoo reschedules it at once ("partially done"), on this or
        another cron worker, and the next pass starts after the last customer whose batch was
        committed (the company's ``collection_run_cursor``): nothing is sent twice.

        Two jobs share the run so that two cron workers send at the same time: the autopilot
        goes up the customers from the first id, its second worker (`from_top`) down from the
        last, each with its own cursor, and each stops where the other has been. Either job
        alone (one cron thread, or the other job archived) sends to every customer. Where they
        meet, a customer locked by the other job's batch is left to it, as to any other worker.
        """
        # Tests run in one transaction that they roll back: they never commit.
        commit = not modules.module.current_test
        companies = self.env["res.company"].search([("collection_autopilot", "=", True)])
        pending = {}
        for company in companies:
            try:
                pending[company] = self.with_company(company)._pending(company, from_top=from_top)
            except Exception:
                self.env.invalidate_all()
                _logger.exception(
                    "collections autopilot failed for company %s; the next daily run retries it", company.id
                )
                pending[company] = []
        # Odoo calls this method again and again within one job while it reports progress (at
        # least MIN_RUNS_PER_JOB times): the job's cron_end_time tells a call of a new job.
        job = (self.env.cr.dbname, from_top)
        budget = {
            "remaining": sum(len(ids) for ids in pending.values()),
            "deadline": self._cron_deadline(),
            "first_of_job": _LAST_JOB.get(job) != self.env.context.get("cron_end_time"),
            "batches": 0,
            "stopped": False,
            "from_top": from_top,
        }
        _LAST_JOB[job] = self.env.context.get("cron_end_time")
        for company in companies:
            if pending[company]:
                self._run_company(company, commit, pending=pending[company], budget=budget)
            if budget["stopped"]:
                break
        return budget

    @api.model
    def _pending(self, company, from_top=False):
        """Ids of the customers today's cron run of `company` has still to look at, in the
        order the job goes (down from the last one for the second worker)."""
        today = fields.Date.context_today(self.with_company(company))
        low, high = self._run_bounds(company, today)
        ids = [partner_id for partner_id in self._candidates(company) if low < partner_id < high]
        return ids[::-1] if from_top else ids

    @api.model
    def _run_bounds(self, company, today):
        """(low, high): today's run is done up to `low` by the autopilot and down to `high` by
        its second worker, as committed (read again, not from the cache)."""
        company.invalidate_recordset(RUN_CURSOR_FIELDS)
        low = company.collection_run_cursor if company.collection_run_date == today else 0
        self.env.cr.execute(
            SQL("SELECT date, cursor FROM collection_run_cursor WHERE company_id = %s", company.id)
        )
        row = self.env.cr.fetchone()
        high = row[1] if row and row[0] == today else 0
        return low, high or float("inf")

    @api.model
    def _cron_deadline(self):
        """When this cron pass must have returned (``time.monotonic()``) so that the server does
        not kill it at ``limit_time_real_cron`` (``limit_time_real`` when -1)."""
        limit = config["limit_time_real_cron"]
        if limit is None or limit < 0:
            limit = config["limit_time_real"]
        end_time = self.env.context.get("cron_end_time")
        if not limit or limit <= 0 or end_time is None:
            return float("inf")
        limit *= 0.9  # a margin for the other jobs of the pass and the watchdog's rounding
        started = getattr(threading.current_thread(), "start_time", None)
        if started:
            # Threaded server: the limit counts from the cron thread's start on this database.
            return time.monotonic() + started + limit - time.time()
        # Prefork cron worker: the watchdog counts from the worker's last ping, before it slept
        # (up to SLEEP_INTERVAL + 10 s) waiting for a job; the job started MIN_TIME_PER_JOB
        # before its cron_end_time.
        return end_time - MIN_TIME_PER_JOB + limit - (SLEEP_INTERVAL + 10)

    @api.model
    def _out_of_time(self, budget):
        """Whether another batch would not end before the cron's deadline (judged from the last
        batch this process ran). The first batch of a job always runs: a job must progress."""
        if budget["first_of_job"] and not budget["batches"]:
            return False
        batch_seconds = _BATCH_SECONDS.get((self.env.cr.dbname, budget["from_top"]), 0.0)
        return time.monotonic() + 1.5 * batch_seconds > budget["deadline"]

    @api.model
    def _report_progress(self, processed, remaining, commit):
        """Commit a batch through Odoo's cron progress API; returns the seconds left to the cron."""
        if commit:
            return self.env["ir.cron"]._commit_progress(processed, remaining=remaining)
        # Under tests nothing is committed; the time left is read as _commit_progress reads it.
        return max(self.env.context.get("cron_end_time", float("inf")) - time.monotonic(), 0)

    @api.model
    def _set_run_cursor(self, company, today, partner_ids, from_top=False):
        """Today's run of `company` is done up to the last of `partner_ids` (down to the first
        of them for the second worker), in the batch's transaction."""
        if from_top:
            # Its own row (collection.run.cursor): the two jobs never update the same row.
            self.env.cr.execute(
                SQL(
                    "INSERT INTO collection_run_cursor (company_id, date, cursor, create_uid, create_date, "
                    "write_uid, write_date) VALUES (%(company)s, %(date)s, %(cursor)s, %(uid)s, "
                    "now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC') "
                    "ON CONFLICT (company_id) DO UPDATE SET date = EXCLUDED.date, cursor = EXCLUDED.cursor, "
                    "write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date",
                    company=company.id,
                    date=today,
                    cursor=min(partner_ids),
                    uid=self.env.uid,
                )
            )
            self.env["collection.run.cursor"].invalidate_model()
            return
        self.env.cr.execute(
            SQL(
                "UPDATE res_company SET collection_run_date = %s, collection_run_cursor = %s WHERE id = %s",
                today,
                max(partner_ids),
                company.id,
            )
        )
        company.invalidate_recordset(RUN_CURSOR_FIELDS)

    @api.model
    def _run_company(self, company, commit, pending=None, budget=None):
        """One company's run inside its own transaction boundary: whatever goes wrong there (a
        conflict with a clerk's edit, bad data) is rolled back and logged, its committed batches
        stay, and the next company runs on a clean transaction.

        With `budget` (the cron), only the customers `pending` are looked at, and a failure
        closes the company's run for today: the cron is not rescheduled on the same error."""
        if budget is not None:
            budget["company_done"] = 0
        try:
            if commit:
                self.with_company(company)._run(company, commit=True, pending=pending, budget=budget)
            else:
                with self.env.cr.savepoint():
                    self.with_company(company)._run(company, pending=pending, budget=budget)
        except Exception:
            if commit:
                self.env.cr.rollback()
            self.env.invalidate_all()
            _logger.exception(
                "collections autopilot failed for company %s; the next daily run retries it", company.id
            )
            if budget is not None and pending:
                today = fields.Date.context_today(self.with_company(company))
                self._set_run_cursor(company, today, pending, from_top=budget["from_top"])
                budget["remaining"] = max(budget["remaining"] - (len(pending) - budget["company_done"]), 0)
                self._report_progress(0, budget["remaining"], commit)
            return False
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    @api.model
    def _run(self, company, today=None, partners=None, manual=False, commit=False, pending=None, budget=None):
        """Send the customers of `company` (or only `partners`) what is due to them today.

        With `manual` ("send now"), the given customers receive their next reminder now, whatever
        its planned date, a pause by hand or "no automatic reminders"; past the policy's last
        level they receive the last level again.

        With `budget` (the cron, see :meth:`_cron_run`), the customers `pending` are sent in
        order of id, each batch moves the company's run cursor and is reported to the cron, and
        the run stops when the cron's time is out (``budget["stopped"]``).

        :return: the communications created
        """
        self = self.with_company(company)
        today = today or fields.Date.context_today(self)
        if not manual:
            self._mark_started(company, today, commit)
            self._update_promises_safely(company, today, commit)
        candidates = list(pending if pending is not None else self._candidates(company, partners))
        communications = self.env["collection.communication"]
        size = self._get_batch_size()
        for start in range(0, len(candidates), size):
            batch_ids = candidates[start : start + size]
            if budget is not None and self._out_of_time(budget):
                budget["stopped"] = True
                # Nothing processed in this call: Odoo reschedules the job at once.
                self._report_progress(0, budget["remaining"], commit)
                break
            started = time.monotonic()
            if commit:
                # A fresh transaction per batch: the lock below then reads what other workers
                # committed up to now.
                self.env.cr.commit()  # pylint: disable=invalid-commit
            met = False
            if budget is not None:
                # The run's other job may have come this far since this pass started: where they
                # meet, what lies beyond is the other one's.
                low, high = self._run_bounds(company, today)
                kept = [partner_id for partner_id in batch_ids if low < partner_id < high]
                met = len(kept) < len(batch_ids)
                if met:
                    budget["remaining"] = max(budget["remaining"] - (len(candidates) - start - len(kept)), 0)
                batch_ids = kept
            if batch_ids:
                communications |= self._run_batch(company, today, batch_ids, manual)
                if budget is not None:
                    self._set_run_cursor(company, today, batch_ids, from_top=budget["from_top"])
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            # What a batch wrote is not read again: keep memory flat over thousands of customers.
            self.env.flush_all()
            for model in self._batch_models:
                self.env[model].invalidate_model()
            if budget is not None:
                _BATCH_SECONDS[self.env.cr.dbname, budget["from_top"]] = time.monotonic() - started
                budget["remaining"] = max(budget["remaining"] - len(batch_ids), 0)
                budget["company_done"] += len(batch_ids)
                budget["batches"] += 1
                if (
                    self._report_progress(len(batch_ids), budget["remaining"], commit) <= 0
                    and budget["remaining"]
                ):
                    budget["stopped"] = True
                    break
            if met:
                break
        return communications

    @api.model
    def _get_batch_size(self):
        """Customers per batch (one transaction each); the system parameter
        ``account_collection.autopilot_batch_size`` sets it when a cron's time limit is short."""
        size = self.env["ir.config_parameter"].sudo().get_param("account_collection.autopilot_batch_size")
        return int(size) if size and size.isdigit() and int(size) > 0 else self._batch_size

    @api.model
    def _mark_started(self, company, today, commit):
        """The day of the company's first run: the go-live setting applies to that run only."""
        if company.collection_started_on:
            return
        # Two workers may start the first run together: one of them marks the day; the other's
        # conflict is expected and not logged as an error.
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL(
                        "UPDATE res_company SET collection_started_on = %s "
                        "WHERE id = %s AND collection_started_on IS NULL",
                        today,
                        company.id,
                    ),
                    log_exceptions=False,
                )
        except Exception as error:
            if not _is_concurrency_error(error):
                raise
            return
        finally:
            company.invalidate_recordset(["collection_started_on"])
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _run_batch(self, company, today, partner_ids, manual):
        partners = self._lock(self.env["res.partner"].browse(partner_ids))
        if not partners:
            return self.env["collection.communication"]
        decisions = self._decisions(company, today, partners=partners, manual=manual)
        due = [values for values in decisions if values["decision"].due]
        communications = self._process_batch_isolated(company, today, due, manual) if due else None
        communications = communications or self.env["collection.communication"]
        sent = {comm.partner_id.id for comm in communications if comm.state != "failed"}
        try:
            with self.env.cr.savepoint():
                self._record(company, today, decisions, sent)
        except Exception as error:
            if not _is_concurrency_error(error):
                raise
            # The cockpit columns are refreshed by the next run or event; what was sent stands.
            _logger.info("collections: cockpit refresh of %s customers deferred: %s", len(decisions), error)
            self.env.invalidate_all()
        return communications

    @api.model
    def _lock(self, partners):
        """Lock `partners` for this transaction; the ones another worker holds are left out."""
        if not partners:
            return partners
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id IN %s ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
                tuple(partners.ids),
            )
        )
        locked = {row[0] for row in self.env.cr.fetchall()}
        if len(locked) < len(partners):
            _logger.info(
                "collections: %s customers are being reminded by another worker", len(partners) - len(locked)
            )
        return partners.filtered(lambda partner: partner.id in locked)

    # ------------------------------------------------------------------------------------------
    # Decide: load the data in grouped queries, ask tools.escalation.decide per customer
    # ------------------------------------------------------------------------------------------

    @api.model
    def _open_lines_domain(self, company):
        return [
            ("company_id", "=", company.id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", "!=", 0),
            ("partner_id", "!=", False),
        ]

    @api.model
    def _candidates(self, company, partners=None):
        """Ids of the customers a run looks at: those with open items, and those whose cockpit
        columns or escalation state are set (their sequence may have ended)."""
        if partners is not None:
            return sorted(set(partners.commercial_partner_id.ids))
        rows = self.env["account.move.line"]._read_group(self._open_lines_domain(company), ["partner_id"])
        ids = {partner.id for (partner,) in rows}
        Partner = self.env["res.partner"].with_company(company)
        ids |= set(
            Partner.search(
                [
                    "|",
                    "|",
                    ("collection_level_id", "!=", False),
                    ("collection_next_date", "!=", False),
                    ("collection_pause_reason", "!=", False),
                ]
            ).ids
        )
        return sorted(ids)

    @api.model
    def _open_items(self, company, partners=None):
        """Open receivable items per (customer, document, due date, currency), in one grouped
        query: each instalment of an invoice is an item of its own."""
        domain = self._open_lines_domain(company)
        if partners is not None:
            domain.append(("partner_id", "in", partners.commercial_partner_id.ids))
        return self.env["account.move.line"]._read_group(
            domain,
            ["partner_id", "move_id", "date_maturity:day", "currency_id"],
            ["amount_residual:sum", "amount_residual_currency:sum"],
        )

    @api.model
    def _paused_moves(self, moves, today):
        """{move: pause reason} for the moves whose reminders are paused today (one query per
        reason, subselects included)."""
        paused = {}
        Move = self.env["account.move"]
        for reason, domain in reversed(Move._collection_pause_domains(today).items()):
            for move in Move.search([("id", "in", moves.ids), *domain]):
                paused[move] = reason  # reversed: the first reason in priority order wins
        return paused

    @api.model
    def _policy_of(self, partner, company):
        """The customer's policy: his own while it is active, else the company's default."""
        policy = partner.collection_policy_id
        if not policy.active:
            policy = company.collection_policy_id
        return policy if policy.active else policy.browse()

    @api.model
    def _pure_policy(self, policy):
        return escalation.Policy(
            levels=[escalation.Level(level.id, level.offset_days) for level in policy.level_ids],
            min_interval=policy.min_interval_days,
            minimum_amount=policy.minimum_amount,
        )

    @api.model
    def _decisions(self, company, today, partners=None, manual=False):
        """What each customer (all with open items, or `partners`) receives next.

        :return: a list of dicts, one per customer with a policy: ``partner``, ``policy``,
            ``state`` and ``items`` (the pure inputs; ``items`` by key), ``moves`` (item key ->
            account.move) and ``decision`` (a :class:`tools.escalation.Decision`)
        """
        self = self.with_company(company)
        if partners is None:
            partners = self.env["res.partner"].browse(self._candidates(company))
        partners = partners.commercial_partner_id.with_company(company)
        if not partners:
            return []
        rows = self._open_items(company, partners)
        moves = self.env["account.move"].browse({move.id for _partner, move, *_rest in rows})
        moves.fetch(["move_type", "collection_last_date"])
        paused = self._paused_moves(moves, today)
        partners.fetch(
            [
                "collection_policy_id",
                "collection_no_auto",
                "collection_pause_until",
                "collection_level_id",
                "collection_last_date",
                "collection_force_next",
            ]
        )
        rows_of = defaultdict(list)
        for row in rows:
            rows_of[row[0].id].append(row)
        catch_up = company.collection_go_live == "catch_up" and (
            not company.collection_started_on or company.collection_started_on >= today
        )
        pure_policies = {}
        result = []
        for partner in partners:
            policy = self._policy_of(partner, company)
            if not policy:
                continue
            if policy not in pure_policies:
                pure_policies[policy] = self._pure_policy(policy)
            pure_policy = pure_policies[policy]
            dunning = [level.key for level in pure_policy.dunning]
            level = partner.collection_level_id
            state = escalation.State(
                level=dunning.index(level.id) if level.id in dunning else None,
                last_date=partner.collection_last_date or None,
                force_next=partner.collection_force_next,
                paused_until=partner.collection_pause_until or None,
                no_auto=partner.collection_no_auto,
            )
            items, move_of = [], {}
            for _partner, move, date_due, currency, residual, residual_currency in rows_of[partner.id]:
                key = (move.id, date_due, currency.id)
                move_of[key] = move
                items.append(
                    escalation.Item(
                        key=key,
                        currency=currency.id,
                        amount=currency.round(residual_currency),
                        amount_company=company.currency_id.round(residual),
                        date_due=date_due or move.date,
                        debt=move.move_type == "out_invoice",
                        paused=paused.get(move, ""),
                        last_listed=move.collection_last_date or None,
                        document=move.id,
                    )
                )
            currencies = {currency.id: currency for *_rest, currency, _r, _rc in rows_of[partner.id]}
            decision = escalation.decide(
                items,
                state,
                pure_policy,
                today,
                catch_up=catch_up,
                manual=manual,
                digits=lambda currency_id, currencies=currencies: currencies[currency_id].decimal_places,
            )
            result.append(
                {
                    "partner": partner,
                    "policy": policy,
                    "state": state,
                    "pure_policy": pure_policy,
                    "items": items,
                    "moves": move_of,
                    "currencies": currencies,
                    "catch_up": catch_up,
                    "decision": decision,
                }
            )
        return result

    @api.model
    def _redecide(self, values, today, state=None, items=None, manual=False):
        """Ask the decision again for one customer of :meth:`_decisions`, with another state,
        items or mode: no query."""
        return escalation.decide(
            values["items"] if items is None else items,
            values["state"] if state is None else state,
            values["pure_policy"],
            today,
            catch_up=values["catch_up"],
            manual=manual,
            digits=lambda currency_id, currencies=values["currencies"]: (
                currencies[currency_id].decimal_places
            ),
        )

    @api.model
    def _decide(self, company, today, partners=None, manual=False):
        """The customers to remind today and what: the decisions of :meth:`_decisions` that are
        due (what a batch of the run sends)."""
        return [
            values
            for values in self._decisions(company, today, partners=partners, manual=manual)
            if values["decision"].due
        ]

    # ------------------------------------------------------------------------------------------
    # Record: the customers' escalation state and cockpit columns
    # ------------------------------------------------------------------------------------------

    @api.model
    def _record(self, company, today, decisions, sent):
        """Write what the batch changed: for the customers in `sent` (ids) their new level and
        date of last reminder; for every customer the cockpit columns, from the decision the next
        run will take (asked again with the new state: no query)."""
        # The field's selection: other concerns add their reasons to it (hand-over, insolvency).
        order = [
            reason for reason, _label in self.env["res.partner"]._fields["collection_pause_reason"].selection
        ]
        groups = defaultdict(list)
        for values in decisions:
            partner, decision, state = values["partner"], values["decision"], values["state"]
            items = values["items"]
            if partner.id in sent:
                state = escalation.advance(state, decision, today)
                listed = {item.document for item in (*decision.overdue, *decision.coming)}
                items = [
                    replace(item, last_listed=today) if item.document in listed else item for item in items
                ]
            elif decision.ended:
                state = escalation.advance(state, decision, today)
            following = self._redecide(values, today, state=state, items=items)
            dunning = values["pure_policy"].dunning
            reasons = {item.paused for item in items if item.paused and item.debt and item.amount > 0}
            if state.paused_until and state.paused_until >= today:
                reasons.add("manual")
            snapshot = {
                "collection_level_id": dunning[state.level].key if state.level is not None else False,
                "collection_last_date": state.last_date or False,
                "collection_force_next": state.force_next,
                "collection_next_level_id": following.level.key
                if following.level and following.kind
                else False,
                "collection_next_date": following.date or False,
                "collection_next_reason": following.reason if following.reason in NEXT_REASON_KEYS else False,
                "collection_end_of_policy": following.end_of_policy,
                "collection_pause_reason": min(reasons, key=order.index) if reasons else False,
            }
            current = {name: partner[name] for name in snapshot}
            current = {
                name: (value.id if isinstance(value, models.BaseModel) else value)
                for name, value in current.items()
            }
            if current != snapshot:
                groups[tuple(sorted(snapshot.items()))].append(partner.id)
        # Nothing of the state is tracked in the chatter: skip the tracking machinery.
        Partner = self.env["res.partner"].sudo().with_company(company).with_context(tracking_disable=True)
        for key, ids in groups.items():
            Partner.browse(ids).write(dict(key))
        return True

    @api.model
    def _refresh_status(self, company, today=None, partners=None):
        """Bring the cockpit columns of `partners` (or every customer) of `company` up to date,
        from the same decision the run takes."""
        today = today or fields.Date.context_today(self)
        if partners is None:
            partners = self.env["res.partner"].browse(self._candidates(company))
        for batch_ids in split_every(self._batch_size, partners.commercial_partner_id.ids):
            batch = self.env["res.partner"].browse(batch_ids)
            self._record(company, today, self._decisions(company, today, partners=batch), set())
        return True

    # ------------------------------------------------------------------------------------------
    # Promises
    # ------------------------------------------------------------------------------------------

    @api.model
    def _update_promises_safely(self, company, today, commit):
        """Close the promises in a savepoint of their own: a conflict there never stops sending."""
        try:
            with self.env.cr.savepoint():
                self._update_promises(company, today)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        except Exception as error:
            if not _is_concurrency_error(error):
                raise
            _logger.info("collections: promises of company %s updated next run: %s", company.id, error)
            self.env.invalidate_all()

    @api.model
    def _update_promises(self, company, today):
        """Close the open promises: kept once the promised amount is paid, broken past the deadline."""
        promises = self.env["collection.promise"].search(
            [("company_id", "=", company.id), ("state", "=", "open")]
        )
        if not promises:
            return
        kept = promises.filtered(lambda promise: promise._is_kept())
        kept.state = "kept"
        broken = (promises - kept).filtered(lambda promise: promise.deadline < today)
        if not broken:
            return
        broken.state = "broken"
        # The customer goes on to his next level at once.
        for partner in broken.partner_id.commercial_partner_id:
            partner.with_company(company).sudo().collection_force_next = True
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("res.partner")
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": promise.partner_id.id,
                    "activity_type_id": activity_type.id,
                    "summary": self.env._("Promise to pay broken"),
                    "note": escape(
                        self.env._(
                            "%(partner)s promised to pay %(amount)s on %(invoices)s by %(date)s and paid "
                            "%(paid)s by the deadline. Reminders resume at the next level.",
                            partner=promise.partner_id.name,
                            amount=promise.currency_id.format(promise.amount),
                            paid=promise.currency_id.format(promise._amount_paid()),
                            invoices=", ".join(promise.move_ids.mapped("name")),
                            date=promise.date,
                        )
                    ),
                    "user_id": self._responsible(promise.partner_id, company).id,
                    "date_deadline": today,
                }
                for promise in broken
            ]
        )

    # ------------------------------------------------------------------------------------------
    # Send
    # ------------------------------------------------------------------------------------------

    @api.model
    def _process_batch_isolated(self, company, today, decisions, manual):
        """Send a batch; if it fails, send its customers one by one so that one customer's bad
        data only stops that customer, whose error is recorded. Conflicts with another worker
        are not errors: that customer is left to it."""
        # The savepoint flushes on exit, where a constraint may still fail: keep the result only
        # once the savepoint is released.
        try:
            with self.env.cr.savepoint():
                sent = self._process_batch(company, today, decisions, manual)
            return sent
        except Exception:
            _logger.info("collection batch failed, retrying its %s customers one by one", len(decisions))
            self.env.invalidate_all()
        communications = self.env["collection.communication"]
        for values in decisions:
            partner = values["partner"]
            try:
                with self.env.cr.savepoint():
                    sent = self._process_batch(company, today, [values], manual)
                communications |= sent
            except UniqueViolation as error:
                if "collection_communication_unique_auto" not in str(error):
                    raise
                # Another worker sent this reminder since we decided: nothing to do, nothing failed.
                _logger.info("collection reminder for partner %s already sent today", partner.id)
                self.env.invalidate_all()
            except Exception as error:
                self.env.invalidate_all()
                if _is_concurrency_error(error):
                    _logger.info(
                        "collection reminder for partner %s left to another worker: %s", partner.id, error
                    )
                    continue
                _logger.warning(
                    "collection reminder for partner %s failed: %s", partner.id, error, exc_info=True
                )
                decision = values["decision"]
                communications |= (
                    self.env["collection.communication"]
                    .sudo()
                    .create(
                        {
                            "company_id": company.id,
                            "partner_id": partner.id,
                            "date": today,
                            "level_id": decision.level.key,
                            "manual": manual,
                            "error": str(error),
                            "currency_id": company.currency_id.id,
                            "user_id": self._responsible(partner, company).id,
                        }
                    )
                )
        return communications

    @api.model
    def _process_batch(self, company, today, decisions, manual):
        Communication = self.env["collection.communication"].sudo()
        responsibles = self._responsibles(
            self.env["res.partner"].union(*(values["partner"] for values in decisions)), company
        )
        vals_list = [
            self._prepare_communication_vals(
                company, today, values, manual, responsibles[values["partner"].id]
            )
            for values in decisions
        ]
        # The lines in one flat create after their communications: through the one2many, Odoo
        # creates them the same way but keeps every communication's line list in step as well.
        lines = [vals.pop("line_ids", []) for vals in vals_list]
        communications = Communication.create(vals_list)
        self.env["collection.communication.line"].sudo().create(
            [
                {**command[2], "communication_id": comm.id}
                for comm, commands in zip(communications, lines, strict=True)
                for command in commands
            ]
        )
        self._ensure_portal_tokens(communications.line_ids.move_id)
        self._send_emails(communications.filtered("channel_email"))
        self._send_sms(communications.filtered("channel_sms"))
        self._create_activities(communications.filtered(lambda comm: comm.channel_call or comm.channel_alert))
        # The documents listed remember the level and the day: one query for all of them.
        self._set_levels(
            {
                values["moves"][item.key]: values["decision"].level.key
                for values in decisions
                for item in (*values["decision"].overdue, *values["decision"].coming)
            },
            today,
        )
        # Emailed reminders are in the chatter through their email already (see _send_emails).
        logged = communications.filtered(lambda comm: not comm.channel_email)
        if logged:
            logged.partner_id._message_log_batch(
                bodies={comm.partner_id.id: self._chatter_summary(comm) for comm in logged}
            )
        return communications

    @api.model
    def _set_levels(self, level_of, today):
        """Record on each document listed the level of the reminder and the day, in one query.

        These fields belong to the autopilot and carry no accounting data: going through
        account.move's write() would run its lock-date and synchronisation checks, which read
        every line of every invoice, for nothing.
        """
        if not level_of:
            return
        moves = self.env["account.move"].union(*level_of)
        fnames = ["collection_level_id", "collection_last_date"]
        moves.flush_recordset(fnames)
        # Two arrays, not a VALUES list of thousands of parameters quoted one by one.
        self.env.cr.execute(
            SQL(
                "UPDATE account_move AS move SET collection_level_id = new.level_id, "
                "collection_last_date = %s "
                "FROM unnest(%s::int[], %s::int[]) AS new(id, level_id) WHERE move.id = new.id",
                today,
                [move.id for move in level_of],
                list(level_of.values()),
            )
        )
        moves.invalidate_recordset(fnames)

    @api.model
    def _ensure_portal_tokens(self, moves):
        """Give the invoices the access token of their portal link in one query (the portal's
        own method writes them one by one)."""
        missing = moves.filtered(lambda move: not move.access_token)
        if missing:
            missing.flush_recordset(["access_token"])
            self.env.cr.execute(
                SQL(
                    "UPDATE account_move SET access_token = gen_random_uuid()::text WHERE id IN %s",
                    tuple(missing.ids),
                )
            )
            missing.invalidate_recordset(["access_token"])

    @api.model
    def _prepare_communication_vals(self, company, today, values, manual, responsible):
        partner, decision = values["partner"], values["decision"]
        level = self.env["collection.level"].browse(decision.level.key)
        channels, fallback = self._channels(partner, level)
        moves = values["moves"]
        currencies = values["currencies"]
        sections = [
            ("overdue", decision.overdue),
            ("credit", decision.credits),
            ("coming", decision.coming),
        ]
        lines = [
            Command.create(
                {
                    "move_id": moves[item.key].id,
                    "section": section,
                    "level_id": level.id if section != "credit" else False,
                    "date_due": item.date_due,
                    "days_late": (today - item.date_due).days,
                    "currency_id": item.currency,
                    "amount_residual": item.amount_company,
                    "amount_residual_currency": item.amount,
                }
            )
            for section, items in sections
            for item in items
        ]
        if len(decision.totals) == 1:
            total = decision.totals[0]
            currency = currencies[total.currency]
            amounts = {
                "amount_overdue": total.overdue,
                "amount_credits": total.credits,
                "amount_claimed": total.claimed,
                "amount_coming": total.coming,
            }
        else:
            # Several currencies: the letter shows a total per currency; the record keeps their
            # sum in company currency.
            currency = company.currency_id
            overdue = company.currency_id.round(sum(item.amount_company for item in decision.overdue))
            amounts = {
                "amount_overdue": overdue,
                "amount_credits": max(overdue - decision.claimed_company, 0.0),
                "amount_claimed": decision.claimed_company,
                "amount_coming": sum(item.amount_company for item in decision.coming),
            }
        return {
            "company_id": company.id,
            "partner_id": partner.id,
            "date": today,
            "level_id": level.id,
            "manual": manual,
            "user_id": responsible.id,
            "channel_email": channels["email"],
            "channel_sms": channels["sms"],
            "channel_letter": channels["letter"],
            "channel_call": channels["call"],
            "channel_alert": channels["alert"],
            "letter_state": "to_print" if channels["letter"] else False,
            "registered_letter": channels["letter"] and level.registered_letter,
            "fallback_note": fallback,
            "currency_id": currency.id,
            **amounts,
            "line_ids": lines,
        }

    @api.model
    def _channels(self, partner, level):
        """The channels of `level` this customer can receive, and a note of the replacements.

        Nothing is dropped silently: without an email address or phone number the customer gets
        a letter, and without a postal address a call task instead.
        """
        channels = {
            "email": level.send_email,
            "sms": level.send_sms,
            "letter": level.send_letter,
            "call": level.create_call,
            "alert": level.send_alert,
        }
        notes = []
        has_address = bool(partner.street and partner.city)
        missing = []
        if channels["email"] and not self._email_contact(partner).email:
            channels["email"] = False
            missing.append(self.env._("email address"))
        if channels["sms"] and not (partner.phone_sanitized or partner.phone):
            channels["sms"] = False
            missing.append(self.env._("phone number"))
        if missing:
            if has_address:
                if not channels["letter"]:
                    channels["letter"] = True
                    notes.append(self.env._("No %(what)s: a letter replaces it.", what=" / ".join(missing)))
            elif not channels["call"]:
                channels["call"] = True
                notes.append(
                    self.env._(
                        "No %(what)s and no postal address: a call task replaces it.",
                        what=" / ".join(missing),
                    )
                )
        if channels["letter"] and not has_address:
            channels["letter"] = False
            channels["call"] = True
            notes.append(self.env._("No postal address for the letter: a call task replaces it."))
        return channels, "\n".join(notes) or False

    @api.model
    def _responsible(self, partner, company):
        return self._responsibles(partner, company)[partner.id]

    @api.model
    def _responsibles(self, partners, company):
        """Who follows up each customer (by id): its collections responsible, its salesperson,
        or the company's default responsible."""
        partners = partners.with_company(company)
        partners.fetch(["collection_responsible_id", "user_id"])
        default = (
            company.collection_responsible_id
            or self.env.ref("base.user_admin", raise_if_not_found=False)
            or self.env.user
        )
        return {
            partner.id: partner.collection_responsible_id or partner.user_id or default
            for partner in partners
        }

    @api.model
    def _channel_labels(self, comm):
        return [
            label
            for flag, label in (
                (comm.channel_email, self.env._("email")),
                (comm.channel_sms, self.env._("SMS")),
                (comm.channel_letter, self.env._("letter")),
                (comm.channel_call, self.env._("call task")),
                (comm.channel_alert, self.env._("internal alert")),
            )
            if flag
        ]

    @api.model
    def _chatter_summary(self, comm):
        channels = self._channel_labels(comm)
        body = Markup("<p>%s</p>") % self.env._(
            "Collections: %(level)s (%(channels)s) for %(invoices)s.",
            level=comm.level_id.name,
            channels=", ".join(channels),
            invoices=", ".join(
                comm.line_ids.filtered(lambda line: line.section != "credit").move_id.mapped("name")
            ),
        )
        if comm.fallback_note:
            body += Markup("<p>%s</p>") % comm.fallback_note
        return body

    # Channels ---------------------------------------------------------------------------------

    @api.model
    def _send_emails(self, communications):
        """Queue one email per communication, rendered per level in the customer's language, in
        Odoo's email layout, from the responsible collector to the customer's invoicing contact."""
        if not communications:
            return
        mail_vals, ordered = [], []
        reply_to = self._email_reply_to(communications)
        for level, comms in communications.grouped("level_id").items():
            template = self._reminder_template(level.mail_template_id)
            langs = self._render_langs(template, comms)
            subjects = self._render_per_lang(template, "subject", langs)
            bodies = self._email_bodies(template, comms, langs)
            attachments = self._email_attachments(level, comms)
            for comm in comms:
                ordered.append(comm)
                mail_vals.append(
                    {
                        "subject": subjects[comm.id],
                        "body_html": bodies[comm.id],
                        # The chatter shows what was sent and why in a few lines, and the
                        # full email stays in body_html: sanitizing every letter-sized body
                        # again as the message's Html field was a third of the run.
                        "body": self._chatter_summary(comm),
                        "model": "res.partner",
                        "res_id": comm.partner_id.id,
                        "record_name": comm.partner_id.display_name,
                        "message_type": "email_outgoing",
                        **self._email_sender(comm),
                        "reply_to": reply_to.get(comm.id),
                        "recipient_ids": [
                            Command.link(partner.id) for partner in self._email_recipients(comm)
                        ],
                        "auto_delete": False,
                    }
                )
                if attachments.get(comm):
                    mail_vals[-1]["attachment_ids"] = [Command.set(attachments[comm])]
        mails = self.env["mail.mail"].sudo().create(mail_vals)
        self._link(ordered, "mail_message_id", mails.mail_message_id.ids)
        communications.email_state = "queued"

    @api.model
    def _email_contact(self, partner):
        """Who reads the reminders of `partner`: its invoicing contact when he has an email
        address, else the customer itself."""
        if not partner.child_ids:
            return partner
        contact = partner.browse(partner.address_get(["invoice"])["invoice"]).with_prefetch(
            partner._prefetch_ids
        )
        return contact if contact.email else partner

    @api.model
    def _email_recipients(self, comm):
        """The invoicing contact, and the responsible as a blind copy where the company asks for
        it (Odoo sends one email per recipient: the customer does not see the copy)."""
        recipients = self._email_contact(comm.partner_id)
        if comm.company_id.collection_bcc_responsible and comm.user_id.partner_id.email:
            recipients |= comm.user_id.partner_id
        return recipients

    @api.model
    def _email_sender(self, comm):
        """The responsible collector writes, from his address (else the company's)."""
        author = comm.user_id.partner_id if comm.user_id.email else comm.company_id.partner_id
        return {
            "author_id": author.id,
            "email_from": author.email_formatted
            or comm.company_id.email_formatted
            or self.env.user.email_formatted,
        }

    @api.model
    def _email_reply_to(self, communications):
        """{communication id: reply-to}: the company's collections address, else what Odoo
        computes for the customer (done once: mail.message would compute it per message)."""
        reply_to = {}
        for company, comms in communications.grouped("company_id").items():
            if company.collection_reply_to:
                reply_to.update(dict.fromkeys(comms.ids, company.collection_reply_to))
                continue
            by_partner = (
                comms.partner_id.with_company(company)
                .sudo()
                ._notify_get_reply_to(default=company.email_formatted or self.env.user.email_formatted)
            )
            reply_to.update({comm.id: by_partner.get(comm.partner_id.id) for comm in comms})
        return reply_to

    @api.model
    def _email_attachments(self, level, comms):
        """{communication: attachment ids}: the overdue invoices' PDFs where the level attaches
        them, but one statement PDF for a reminder listing more invoices than the company's
        threshold (nobody opens twelve attachments)."""
        if not level.attach_invoices:
            return {}

        def overdue(comm):
            return comm.line_ids.filtered(lambda line: line.section == "overdue").move_id

        long_lists = comms.filtered(
            lambda comm: len(overdue(comm)) > (comm.company_id.collection_statement_threshold or 0)
        )
        attachments = self._invoice_attachments(comms - long_lists)
        attachments.update(self._statement_attachments(long_lists))
        return attachments

    @api.model
    def _statement_attachments(self, comms):
        """One statement PDF per communication, stored on the communication (not on the
        customer: his chatter keeps the email, not a copy of each attachment)."""
        if not comms:
            return {}
        Report = self.env["ir.actions.report"].sudo()
        vals_list = []
        for comm in comms:
            lang = comm._letter_lang()
            content, _report_type = (
                Report.with_company(comm.company_id)
                .with_context(lang=lang)
                ._render_qweb_pdf(
                    "account_collection.action_report_collection_statement", comm.partner_id.ids
                )
            )
            vals_list.append(
                {
                    "name": self.env._(
                        "Statement %(customer)s %(date)s.pdf", customer=comm.partner_id.name, date=comm.date
                    ),
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": "collection.communication",
                    "res_id": comm.id,
                }
            )
        attachments = self.env["ir.attachment"].sudo().create(vals_list)
        return {comm: attachment.ids for comm, attachment in zip(comms, attachments, strict=True)}

    @api.model
    def _reminder_template(self, template):
        """`template` as the autopilot renders it for a batch of customers: compiled once per
        (template, language) for all the emails of the run (see ``ir.qweb`` in
        ``models/ir_qweb.py``), rendered by Odoo's own mail renderer."""
        return template.with_context(collection_compile_once=True)

    @api.model
    def _link(self, communications, field_name, ids):
        """Set a different many2one value on each communication in one query."""
        if not communications:
            return
        comms = self.env["collection.communication"].union(*communications)
        comms.flush_recordset([field_name])
        self.env.cr.execute(
            SQL(
                "UPDATE collection_communication AS comm SET %s = link.value FROM (VALUES %s) AS link(id, value) "
                "WHERE comm.id = link.id",
                SQL.identifier(field_name),
                SQL(", ").join(
                    SQL("(%s, %s)", comm.id, value) for comm, value in zip(comms, ids, strict=True)
                ),
            )
        )
        comms.invalidate_recordset([field_name])

    @api.model
    def _invoice_attachments(self, communications):
        """The PDFs of the overdue invoices, reusing those Odoo already stored; the missing ones
        are rendered in one report call."""
        invoices = communications.line_ids.filtered(lambda line: line.section == "overdue").move_id
        missing = invoices.filtered(lambda move: not move.invoice_pdf_report_id)
        if missing:
            self._store_invoice_pdfs(missing)
        return {
            comm: comm.line_ids.filtered(
                lambda line: line.section == "overdue"
            ).move_id.invoice_pdf_report_id.ids
            for comm in communications
        }

    @api.model
    def _store_invoice_pdfs(self, invoices):
        """Render the invoices' PDFs and store them the way "Send & Print" does (as each
        invoice's ``invoice_pdf_report_file``), so that the next reminder reuses them."""
        report = self.env.ref("account.account_invoices")
        content_by_id = self._render_invoice_pdfs(report, invoices)
        self.env["ir.attachment"].sudo().create(
            [
                {
                    "name": invoice._get_invoice_report_filename(report=report),
                    "raw": content_by_id[invoice.id],
                    "mimetype": "application/pdf",
                    "res_model": "account.move",
                    "res_id": invoice.id,
                    "res_field": "invoice_pdf_report_file",
                }
                for invoice in invoices
                if content_by_id.get(invoice.id)
            ]
        )
        invoices.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])

    @api.model
    def _render_invoice_pdfs(self, report, invoices):
        """{invoice id: PDF} of `invoices`. With wkhtmltopdf's patched Qt one report call renders
        them all. Debian's build cannot render several documents in one run: there each invoice
        is one wkhtmltopdf process, run in parallel threads (each with its own cursor, reading
        the committed invoices), as many as the machine has cores."""
        Report = self.env["ir.actions.report"].sudo().with_company(invoices.company_id[:1])
        if _wkhtml().is_patched_qt or len(invoices) == 1 or modules.module.current_test:
            batches = [invoices] if _wkhtml().is_patched_qt else list(invoices)
            content_by_id = {}
            for batch in batches:
                content, report_type = Report._pre_render_qweb_pdf(report.report_name, res_ids=batch.ids)
                content_by_id.update(Report._get_splitted_report(report.report_name, content, report_type))
            return content_by_id
        registry, uid, context = self.env.registry, self.env.uid, dict(Report.env.context)

        def render(invoice_id):
            try:
                with registry.cursor() as cr:
                    # This transaction holds row locks: a render that would wait for one fails
                    # fast (and is rendered again below) rather than waiting for us forever.
                    cr.execute("SET LOCAL lock_timeout = '5s'")
                    env = api.Environment(cr, uid, context, su=True)
                    thread_report = env["ir.actions.report"]
                    content, report_type = thread_report._pre_render_qweb_pdf(
                        report.report_name, res_ids=[invoice_id]
                    )
                    rendered = thread_report._get_splitted_report(report.report_name, content, report_type)
                    cr.rollback()  # a report only reads
                    return rendered
            except Exception:
                _logger.info(
                    "collections: invoice %s rendered again in the main thread", invoice_id, exc_info=True
                )
                return {}

        content_by_id = {}
        with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, len(invoices))) as pool:
            for rendered in pool.map(render, invoices.ids):
                content_by_id.update(rendered)
        for invoice in invoices.filtered(lambda move: move.id not in content_by_id):
            content, report_type = Report._pre_render_qweb_pdf(report.report_name, res_ids=invoice.ids)
            content_by_id.update(Report._get_splitted_report(report.report_name, content, report_type))
        return content_by_id

    @api.model
    def _send_sms(self, communications):
        if not communications:
            return
        default_template = self.env.ref("account_collection.sms_template_collection_reminder")
        sms_vals, ordered = [], []
        for level, comms in communications.grouped("level_id").items():
            template = level.sms_template_id or default_template
            bodies = template._render_field("body", comms.ids, compute_lang=True)
            ordered += comms
            sms_vals += [
                {
                    "number": comm.partner_id.phone_sanitized or comm.partner_id.phone,
                    "partner_id": comm.partner_id.id,
                    "body": bodies[comm.id],
                }
                for comm in comms
            ]
        sms = self.env["sms.sms"].sudo().create(sms_vals)
        self._link(ordered, "sms_id", sms.ids)
        communications.sms_state = "queued"

    @api.model
    def _create_activities(self, communications):
        if not communications:
            return
        call_type = self.env.ref("mail.mail_activity_data_call")
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("res.partner")
        deadline = fields.Date.context_today(self)
        vals_list = []
        for comm in communications:
            summary = self._activity_note(comm)
            if comm.channel_call:
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        "res_id": comm.partner_id.id,
                        "activity_type_id": call_type.id,
                        "summary": self.env._("Collections call: %(level)s", level=comm.level_id.name),
                        "note": (comm.level_id.call_script or Markup()) + summary,
                        "user_id": comm.user_id.id,
                        "date_deadline": deadline,
                    }
                )
            if comm.channel_alert:
                users = comm.user_id | comm.partner_id.user_id
                vals_list += [
                    {
                        "res_model_id": model_id,
                        "res_id": comm.partner_id.id,
                        "activity_type_id": todo_type.id,
                        "summary": self.env._("Collections alert: %(level)s", level=comm.level_id.name),
                        "note": Markup("<p>%s</p>") % (comm.level_id.alert_note or "") + summary,
                        "user_id": user.id,
                        "date_deadline": deadline,
                    }
                    for user in users
                ]
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)

    @api.model
    def _activity_note(self, comm):
        rows = Markup("").join(
            Markup("<li>%s: %s, %s</li>")
            % (
                line.move_id.name,
                line.currency_id.format(line.amount_residual_currency),
                self.env._("%(days)s days late", days=line.days_late),
            )
            for line in comm.line_ids
            if line.section == "overdue"
        )
        return Markup("<ul>%s</ul>") % rows

    # ------------------------------------------------------------------------------------------
    # Preview and "send now"
    # ------------------------------------------------------------------------------------------

    @api.model
    def _preview(self, company, partners):
        """What "Send now" would send to `partners`, without sending or recording anything, and
        why nothing would go to the others.

        The communications are created and rendered exactly as for real, inside a savepoint that
        is then rolled back: the preview cannot drift from what is sent.

        :return: (previews, {partner: why nothing is sent})
        """
        self = self.with_company(company)
        today = fields.Date.context_today(self)
        partners = partners.commercial_partner_id
        decisions = self._decisions(company, today, partners=partners, manual=True)
        # What the autopilot itself plans: the same data, asked without "send now".
        planned = {
            values["partner"]: dict(values, decision=self._redecide(values, today)) for values in decisions
        }
        # A customer paused by hand is previewed as paused: the clerk sees the pause, not a
        # reminder that overrides it.
        paused = {
            values["partner"]
            for values in decisions
            if values["state"].paused_until and values["state"].paused_until >= today
        }
        sendable = [
            values for values in decisions if values["decision"].due and values["partner"] not in paused
        ]
        skipped = {
            partner: self._preview_skip_text(planned.get(partner), partner in paused, company, today)
            for partner in partners
            if partner not in {values["partner"] for values in sendable}
        }
        if not sendable:
            return [], skipped
        responsibles = self._responsibles(
            self.env["res.partner"].union(*(values["partner"] for values in sendable)), company
        )
        previews = []
        savepoint = self.env.cr.savepoint()
        try:
            comms = (
                self.env["collection.communication"]
                .sudo()
                .create(
                    [
                        self._prepare_communication_vals(
                            company, today, values, True, responsibles[values["partner"].id]
                        )
                        for values in sendable
                    ]
                )
            )
            mail_default = self.env.ref("account_collection.mail_template_collection_reminder")
            sms_default = self.env.ref("account_collection.sms_template_collection_reminder")
            for level, group in comms.grouped("level_id").items():
                mail_template = self._reminder_template(level.mail_template_id or mail_default)
                sms_template = level.sms_template_id or sms_default
                langs = self._render_langs(mail_template, group)
                subjects = self._render_per_lang(mail_template, "subject", langs)
                bodies = self._email_bodies(mail_template, group, langs)
                texts = sms_template._render_field("body", group.ids, compute_lang=True)
                for comm in group:
                    plan = planned.get(comm.partner_id)
                    previews.append(
                        {
                            "partner_id": comm.partner_id.id,
                            "level_id": level.id,
                            "channels": ", ".join(self._channel_labels(comm)),
                            "fallback_note": comm.fallback_note,
                            "currency_id": comm.currency_id.id,
                            "amount_overdue": comm.amount_claimed,
                            "invoice_count": len(
                                comm.line_ids.filtered(lambda line: line.section != "credit")
                            ),
                            "planned": self._reason_text(plan, company, today),
                            "email_subject": comm.channel_email and subjects[comm.id],
                            "email_body": comm.channel_email and bodies[comm.id],
                            "sms_body": comm.channel_sms and texts[comm.id],
                        }
                    )
        finally:
            # Nothing of the preview stays: not the communications, not the cache.
            savepoint.close(rollback=True)
            self.env.invalidate_all()
        return previews, skipped

    @api.model
    def _preview_skip_text(self, values, paused, company, today):
        """Why the preview shows no reminder for a customer: his pause by hand first, then the
        autopilot's own reason."""
        text = self._reason_text(values, company, today)
        if not paused or values["decision"].reason == escalation.PAUSED_BY_HAND:
            return text
        return self.env._(
            "Paused by hand until %(until)s. %(planned)s",
            until=fields.Date.to_string(values["state"].paused_until),
            planned=text,
        )

    @api.model
    def _reason_text(self, values, company, today):
        """The cockpit's "why" for a decision, in words."""
        if not values:
            return self.env._("No collection policy applies (no open item, or no policy for the company).")
        decision = values["decision"]
        level = self.env["collection.level"].browse(decision.level.key) if decision.level else None
        date = decision.date and fields.Date.to_string(decision.date)
        texts = {
            escalation.DUE: lambda: self.env._("%(level)s is due today.", level=level.name),
            escalation.WAITING_DAYS: lambda: self.env._(
                "%(level)s on %(date)s, when the oldest open item is %(days)s days late (%(late)s today).",
                level=level.name,
                date=date,
                **decision.reason_values,
            ),
            escalation.WAITING_INTERVAL: lambda: self.env._(
                "%(level)s on %(date)s: at least %(interval)s days after the last reminder of %(last)s.",
                level=level.name,
                date=date,
                interval=decision.reason_values["interval"],
                last=fields.Date.to_string(decision.reason_values["last"]),
            ),
            escalation.COURTESY: lambda: self.env._(
                "%(level)s on %(date)s, before the invoice due on %(due)s.",
                level=level.name,
                date=date,
                due=fields.Date.to_string(decision.reason_values["date_due"]),
            ),
            escalation.PAUSED_BY_HAND: lambda: self.env._(
                "Paused by hand until %(until)s; then %(level)s on %(date)s.",
                until=fields.Date.to_string(decision.reason_values["until"]),
                level=level.name,
                date=date,
            ),
            escalation.ITEMS_PAUSED: lambda: self.env._(
                "Everything overdue is paused (%(reasons)s).",
                reasons=", ".join(
                    dict(
                        self.env["res.partner"]
                        ._fields["collection_pause_reason"]
                        ._description_selection(self.env)
                    ).get(reason, reason)
                    for reason in decision.reason_values["reasons"]
                ),
            ),
            escalation.NO_AUTO: lambda: self.env._("No automatic reminders for this customer."),
            escalation.COVERED: lambda: self.env._(
                "Credit notes and unallocated payments cover what is overdue."
            ),
            escalation.BELOW_MINIMUM: lambda: self.env._(
                "What is overdue is not above the policy's minimum of %(minimum)s.",
                minimum=company.currency_id.format(decision.reason_values["minimum"]),
            ),
            escalation.END_OF_POLICY: lambda: self.env._(
                "Past the policy's last level: %(action)s",
                action=values["policy"]._end_action_text(),
            ),
            escalation.NOTHING: lambda: self.env._("Nothing overdue and nothing coming due soon."),
            escalation.NO_LEVELS: lambda: self.env._("The policy has no level."),
        }
        return texts[decision.reason]()

    @api.model
    def _sent_today(self, company, partners, today):
        """The reminders `partners` already received today, by customer."""
        communications = self.env["collection.communication"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", partners.commercial_partner_id.ids),
                ("date", "=", today),
                ("state", "!=", "cancelled"),
            ]
        )
        return communications.grouped("partner_id")
