-- The kaohe store, SQLite dialect.
--
-- Conventions (shared with the PostgreSQL dialect that is to follow):
--   * times are INTEGER unix milliseconds, UTC; 0 means "not set";
--   * periods are 'YYYY-MM' text, so they sort as text;
--   * JSON is stored as TEXT, blobs as BLOB (BYTEA in PostgreSQL);
--   * ids are INTEGER PRIMARY KEY (BIGSERIAL / identity in PostgreSQL).

-- +goose Up

-- counties are synced from the roster at start; emails are the addresses allowed to submit.
CREATE TABLE counties (
	code   TEXT PRIMARY KEY,
	name   TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1 -- 0: no longer on the roster (kept for history)
);

CREATE TABLE county_emails (
	county TEXT NOT NULL REFERENCES counties(code) ON DELETE CASCADE,
	email  TEXT NOT NULL, -- lower case
	PRIMARY KEY (county, email)
);
CREATE INDEX county_emails_email ON county_emails(email);

-- messages hold every received mail, raw bytes first.
CREATE TABLE messages (
	id           INTEGER PRIMARY KEY,
	mailbox      TEXT NOT NULL,
	uidvalidity  INTEGER NOT NULL,
	uid          INTEGER, -- NULL when the message did not come from an IMAP mailbox
	message_id   TEXT NOT NULL, -- the Message-ID header
	sender       TEXT NOT NULL,
	subject      TEXT NOT NULL,
	received     INTEGER NOT NULL,
	raw          BLOB NOT NULL,
	raw_sha256   TEXT NOT NULL,
	size         INTEGER NOT NULL,
	state        TEXT NOT NULL DEFAULT 'new', -- new | processed | ignored
	outcome      TEXT NOT NULL DEFAULT '',
	processed_at INTEGER NOT NULL DEFAULT 0,
	created      INTEGER NOT NULL,
	UNIQUE (mailbox, uidvalidity, uid)
);
CREATE INDEX messages_dup ON messages(message_id, raw_sha256);
CREATE INDEX messages_state ON messages(state);

CREATE TABLE attachments (
	id           INTEGER PRIMARY KEY,
	message      INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	filename     TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	UNIQUE (message, sha256, filename)
);
CREATE INDEX attachments_sha256 ON attachments(sha256);

-- submissions are forms, accepted or rejected, from mail or import.
CREATE TABLE submissions (
	id            INTEGER PRIMARY KEY,
	county        TEXT NOT NULL, -- '' when it could not be told
	period        TEXT NOT NULL, -- '' when it could not be told
	version       INTEGER NOT NULL, -- 1, 2, … among the accepted of county+period; 0 when rejected
	status        TEXT NOT NULL, -- accepted | rejected
	source        TEXT NOT NULL, -- mail | import
	message       INTEGER REFERENCES messages(id), -- NULL when not from mail
	filename      TEXT NOT NULL,
	sha256        TEXT NOT NULL UNIQUE, -- of the attachment: the same file is one submission
	received      INTEGER NOT NULL,
	problems      TEXT NOT NULL, -- JSON array of strings
	filing        TEXT NOT NULL, -- JSON of seeds.Filing, '' when none
	superseded_by INTEGER REFERENCES submissions(id), -- the next accepted one of county+period
	created       INTEGER NOT NULL
);
CREATE INDEX submissions_county_period ON submissions(county, period, status);
CREATE INDEX submissions_period ON submissions(period, status);

-- submission_values are the parsed values of a submission, one row each, with their cell.
CREATE TABLE submission_values (
	submission INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL, -- order within the submission
	sheet_kind TEXT NOT NULL, -- task | indicator | village
	key        TEXT NOT NULL, -- task id or indicator id
	town       TEXT NOT NULL,
	village    TEXT NOT NULL,
	num        REAL NOT NULL, -- the value; for tasks the status (0 none, 1 未启动, 2 推进中, 3 已完成)
	is_set     INTEGER NOT NULL, -- 0 when the cell was empty
	text       TEXT NOT NULL, -- tasks: the status label; others: ''
	note       TEXT NOT NULL, -- tasks: 进展情况; indicators: 佐证说明
	cell       TEXT NOT NULL, -- e.g. 村级台账!F12
	PRIMARY KEY (submission, seq)
);
CREATE INDEX submission_values_key ON submission_values(submission, sheet_kind, key);

-- assessments: one per period; a re-run replaces it.
CREATE TABLE assessments (
	period            TEXT PRIMARY KEY,
	checklist_version TEXT NOT NULL,
	created           INTEGER NOT NULL,
	result            BLOB NOT NULL -- JSON of score.Result
);

CREATE TABLE assessment_rows (
	period    TEXT NOT NULL REFERENCES assessments(period) ON DELETE CASCADE,
	county    TEXT NOT NULL,
	submitted INTEGER NOT NULL,
	total     REAL NOT NULL,
	grade     TEXT NOT NULL,
	rank      INTEGER NOT NULL, -- 0 when not ranked
	PRIMARY KEY (period, county)
);

-- outgoing is the outbox: every mail to send is a row first.
CREATE TABLE outgoing (
	id           INTEGER PRIMARY KEY,
	key          TEXT NOT NULL UNIQUE, -- idempotency key
	kind         TEXT NOT NULL,
	county       TEXT NOT NULL,
	period       TEXT NOT NULL,
	from_addr    TEXT NOT NULL,
	to_addrs     TEXT NOT NULL, -- JSON array of strings
	subject      TEXT NOT NULL,
	body         TEXT NOT NULL,
	message_id   TEXT NOT NULL, -- stable Message-ID header, set at enqueue
	in_reply_to  TEXT NOT NULL DEFAULT '', -- Message-ID of the mail answered, if any
	state        TEXT NOT NULL, -- queued | sent | failed
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL,
	last_error   TEXT NOT NULL DEFAULT '',
	created      INTEGER NOT NULL,
	sent_at      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outgoing_due ON outgoing(state, next_attempt);
CREATE INDEX outgoing_period ON outgoing(period, state);

CREATE TABLE outgoing_attachments (
	outgoing     INTEGER NOT NULL REFERENCES outgoing(id) ON DELETE CASCADE,
	seq          INTEGER NOT NULL,
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	data         BLOB NOT NULL,
	PRIMARY KEY (outgoing, seq)
);

-- runs log every job run.
CREATE TABLE runs (
	id       INTEGER PRIMARY KEY,
	job      TEXT NOT NULL,
	period   TEXT NOT NULL,
	started  INTEGER NOT NULL,
	finished INTEGER NOT NULL DEFAULT 0,
	outcome  TEXT NOT NULL, -- running | ok | failed
	counts   TEXT NOT NULL DEFAULT '{}', -- JSON object of name → count
	error    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_started ON runs(started);

-- +goose Down
DROP TABLE runs;
DROP TABLE outgoing_attachments;
DROP TABLE outgoing;
DROP TABLE assessment_rows;
DROP TABLE assessments;
DROP TABLE submission_values;
DROP TABLE submissions;
DROP TABLE attachments;
DROP TABLE messages;
DROP TABLE county_emails;
DROP TABLE counties;
