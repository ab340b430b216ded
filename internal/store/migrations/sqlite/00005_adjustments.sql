-- adjustments are the office's own records for a county and period: 抽查核查 results (a value
-- found on site, a claim found true or false) and 加分/减分 items. Nothing is deleted: a
-- revoked record keeps its row and says who revoked it, when and why.

-- +goose Up
CREATE TABLE adjustments (
	id             INTEGER PRIMARY KEY,
	county         TEXT NOT NULL,
	period         TEXT NOT NULL, -- YYYY-MM
	kind           TEXT NOT NULL, -- 加分 | 减分 | 核查数值 | 核查属实 | 核查不实
	target_kind    TEXT NOT NULL, -- '' (the county) | task | indicator | village
	target         TEXT NOT NULL, -- task or indicator id; '' for the county
	town           TEXT NOT NULL, -- target_kind village: the village's 乡镇
	village        TEXT NOT NULL, -- target_kind village: the village
	reported       TEXT NOT NULL, -- what the county reported, as shown to the checker
	value          REAL NOT NULL, -- 核查数值: the value found on site
	points         REAL NOT NULL, -- 加分/减分: the points (positive)
	reason         TEXT NOT NULL,
	doc            TEXT NOT NULL, -- 文号
	source         TEXT NOT NULL, -- 'cli', or 'verify:<sha256 of the 核查表>'
	by_name        TEXT NOT NULL, -- who recorded it
	at             INTEGER NOT NULL,
	revoked_at     INTEGER NOT NULL DEFAULT 0, -- 0: in force
	revoked_by     TEXT NOT NULL DEFAULT '',
	revoked_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX adjustments_period ON adjustments(period, county);
CREATE INDEX adjustments_source ON adjustments(source);

-- +goose Down
DROP TABLE adjustments;
