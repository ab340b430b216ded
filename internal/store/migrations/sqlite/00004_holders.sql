-- Who holds what, so a restarted kaohe can tell the work of a process that no longer
-- runs from that of one still at it (store.Holder: "host pid nonce").
--
-- outgoing.claimed_by: the sender that claimed a queued mail (ClaimDueBy) and holds its
-- lease; '' when nobody does. A mail claimed by a holder that no longer runs is released
-- at once (ReleaseDead) instead of waiting for its lease to run out.
-- runs.holder: the process that logged the run; a run left "running" by a holder that no
-- longer runs is not in progress. runs.cause says why a run was started: '' by hand or
-- on its schedule, "catch-up" when the scheduler found its scheduled time passed with no
-- successful run for the period.

-- +goose Up
ALTER TABLE outgoing ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN holder TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN cause TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_job_period ON runs(job, period);
CREATE INDEX outgoing_claimed ON outgoing(claimed_by) WHERE claimed_by <> '';

-- +goose Down
DROP INDEX outgoing_claimed;
DROP INDEX runs_job_period;
ALTER TABLE runs DROP COLUMN cause;
ALTER TABLE runs DROP COLUMN holder;
ALTER TABLE outgoing DROP COLUMN claimed_by;
