-- outgoing.priority orders the outbox when a daily limit (smtp.daily_limit) holds mail
-- back: 0 replies to counties, 1 reports, 2 reminders and the rest, 3 forms (dispatch).
--
-- evidence holds the files a county sends beside its form (佐证材料: PDF, JPG, PNG, DOCX,
-- XLSX), content and SHA-256, linked to the submission they came with and to the tasks
-- their names or the 佐证说明 name. The content is kept in the store (one file, owner-only,
-- backed up with the rest) though the raw mail holds it too: it is read without MIME
-- parsing, and a message pruned one day does not take the evidence with it.

-- +goose Up
ALTER TABLE outgoing ADD COLUMN priority INTEGER NOT NULL DEFAULT 2;
UPDATE outgoing SET priority = CASE kind
	WHEN 'receipt' THEN 0 WHEN 'reject' THEN 0 WHEN 'noform' THEN 0
	WHEN 'report' THEN 1 WHEN 'summary' THEN 1
	WHEN 'dispatch' THEN 3 ELSE 2 END;
CREATE INDEX outgoing_due_priority ON outgoing(state, priority, next_attempt);

CREATE TABLE evidence (
	id           INTEGER PRIMARY KEY,
	submission   INTEGER NOT NULL REFERENCES submissions(id),
	message      INTEGER REFERENCES messages(id),
	county       TEXT NOT NULL,
	period       TEXT NOT NULL,
	filename     TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	tasks        TEXT NOT NULL, -- JSON array of task ids, e.g. ["四、3"]; [] when none is named
	data         BLOB NOT NULL,
	created      INTEGER NOT NULL,
	UNIQUE (submission, sha256, filename)
);
CREATE INDEX evidence_county_period ON evidence(county, period);

-- +goose Down
DROP TABLE evidence;
DROP INDEX outgoing_due_priority;
ALTER TABLE outgoing DROP COLUMN priority;
