-- form_versions records the template version of the county forms sent for each period (by
-- dispatch, reminders, and the current form attached to an out-of-date reply): a form of
-- an earlier template version is read by its own version's rules only for a period that
-- was sent forms of that version (templates.ParseOptions.FormVersions).

-- +goose Up
CREATE TABLE form_versions (
	period           TEXT NOT NULL, -- YYYY-MM
	template_version TEXT NOT NULL, -- templates.TemplateVersion of the forms sent
	first_sent       INTEGER NOT NULL, -- when the first was queued
	PRIMARY KEY (period, template_version)
);
-- Forms queued before this table existed were of template version 2 (version 3 came with
-- it); the periods of version 1 forms are long past the intake window.
INSERT INTO form_versions (period, template_version, first_sent)
	SELECT period, '2', MIN(created) FROM outgoing
	WHERE kind IN ('dispatch', 'remind') AND period <> ''
	GROUP BY period;

-- +goose Down
DROP TABLE form_versions;
