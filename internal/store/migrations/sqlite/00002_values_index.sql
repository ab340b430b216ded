-- The values of a submission are read by submission (its primary key's prefix), then
-- filtered by sheet and key within its ~2,500 rows: a second index over them cost a
-- third of every PutSubmission (docs/performance.md) and saved nothing measurable.

-- +goose Up
DROP INDEX IF EXISTS submission_values_key;

-- +goose Down
CREATE INDEX submission_values_key ON submission_values(submission, sheet_kind, key);
