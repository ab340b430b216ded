-- extensions are the office's exceptions to a locked period: a county's deadline for a
-- period opened until a time, with who, when and why. The latest row of county+period is
-- in force. published records each county report and summary mailed for a period, with
-- the digest of what it said, so a re-assessment that changes it is mailed again as a
-- 更正 (revision 2, 3, …) and one that changes nothing is not.

-- +goose Up
CREATE TABLE extensions (
	id      INTEGER PRIMARY KEY,
	county  TEXT NOT NULL,
	period  TEXT NOT NULL, -- YYYY-MM
	until   INTEGER NOT NULL, -- forms received until then are scored
	reason  TEXT NOT NULL,
	by_name TEXT NOT NULL,
	at      INTEGER NOT NULL
);
CREATE INDEX extensions_county_period ON extensions(county, period);

CREATE TABLE published (
	period   TEXT NOT NULL,
	county   TEXT NOT NULL, -- '' for the summary
	revision INTEGER NOT NULL, -- 1: the report; 2, 3, …: 更正
	digest   TEXT NOT NULL, -- SHA-256 of what the report says
	at       INTEGER NOT NULL,
	PRIMARY KEY (period, county, revision)
);

-- +goose Down
DROP TABLE published;
DROP TABLE extensions;
