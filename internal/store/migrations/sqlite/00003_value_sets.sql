-- A form's ~2,580 values were a row each in submission_values: at ~12 µs a row that was
-- most of PutSubmission (docs/performance.md). They are now one row per submission, a
-- JSON array of [sheet_kind, key, town, village, num, is_set, text, note, cell] in form
-- order, and submission_values is a view over it with the same columns as the table
-- had, so plain SQL over the values keeps working.

-- +goose Up
CREATE TABLE submission_value_sets (
	submission INTEGER PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
	vals       TEXT NOT NULL -- JSON array of [sheet_kind, key, town, village, num, is_set, text, note, cell]
);
INSERT INTO submission_value_sets (submission, vals)
	SELECT submission, json_group_array(json_array(sheet_kind, key, town, village, num, is_set, text, note, cell) ORDER BY seq)
	FROM submission_values GROUP BY submission;
DROP TABLE submission_values;
CREATE VIEW submission_values AS
	SELECT s.submission AS submission, j.key + 1 AS seq,
		j.value ->> 0 AS sheet_kind, j.value ->> 1 AS key, j.value ->> 2 AS town, j.value ->> 3 AS village,
		j.value ->> 4 AS num, j.value ->> 5 AS is_set, j.value ->> 6 AS text, j.value ->> 7 AS note, j.value ->> 8 AS cell
	FROM submission_value_sets s, json_each(s.vals) j;

-- +goose Down
DROP VIEW submission_values;
CREATE TABLE submission_values (
	submission INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL,
	sheet_kind TEXT NOT NULL,
	key        TEXT NOT NULL,
	town       TEXT NOT NULL,
	village    TEXT NOT NULL,
	num        REAL NOT NULL,
	is_set     INTEGER NOT NULL,
	text       TEXT NOT NULL,
	note       TEXT NOT NULL,
	cell       TEXT NOT NULL,
	PRIMARY KEY (submission, seq)
);
INSERT INTO submission_values
	SELECT s.submission, j.key + 1, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3,
		j.value ->> 4, j.value ->> 5, j.value ->> 6, j.value ->> 7, j.value ->> 8
	FROM submission_value_sets s, json_each(s.vals) j;
DROP TABLE submission_value_sets;
