-- The office's review of accepted forms (issue 14): every action on a submission, the
-- queue of forms from addresses not on the roster (待确认来源), and the sender addresses
-- the office added to a county. Nothing is deleted: each row says who, when and why.

-- +goose Up
CREATE TABLE review_actions (
	id         INTEGER PRIMARY KEY,
	submission INTEGER NOT NULL REFERENCES submissions(id),
	county     TEXT NOT NULL,
	period     TEXT NOT NULL, -- YYYY-MM
	action     TEXT NOT NULL, -- approve | return
	reason     TEXT NOT NULL, -- return: the reasons, one a line
	cells      TEXT NOT NULL, -- return: JSON [{"sheet","cell","note"}]
	by_name    TEXT NOT NULL,
	at         INTEGER NOT NULL
);
CREATE INDEX review_actions_submission ON review_actions(submission, id);
CREATE INDEX review_actions_period ON review_actions(period, county);

CREATE TABLE source_queue (
	id         INTEGER PRIMARY KEY,
	message    INTEGER NOT NULL REFERENCES messages(id),
	part       INTEGER NOT NULL, -- 1-based index among the message's form attachments
	county     TEXT NOT NULL,    -- as the form's signed metadata says
	period     TEXT NOT NULL,
	sender     TEXT NOT NULL,    -- lower case
	subject    TEXT NOT NULL,
	filename   TEXT NOT NULL,
	sha256     TEXT NOT NULL,    -- of the attachment
	received   INTEGER NOT NULL,
	state      TEXT NOT NULL DEFAULT 'pending', -- pending | accepted | discarded
	submission INTEGER REFERENCES submissions(id), -- once accepted
	decided_by TEXT NOT NULL DEFAULT '',
	decided_at INTEGER NOT NULL DEFAULT 0,
	reason     TEXT NOT NULL DEFAULT '',
	created    INTEGER NOT NULL,
	UNIQUE (message, part)
);
CREATE INDEX source_queue_state ON source_queue(state, period);

CREATE TABLE county_senders (
	county  TEXT NOT NULL,
	email   TEXT NOT NULL, -- lower case
	by_name TEXT NOT NULL,
	at      INTEGER NOT NULL,
	reason  TEXT NOT NULL, -- e.g. "accept-source 3"
	PRIMARY KEY (county, email)
);
CREATE INDEX county_senders_email ON county_senders(email);

-- +goose Down
DROP TABLE county_senders;
DROP TABLE source_queue;
DROP TABLE review_actions;
