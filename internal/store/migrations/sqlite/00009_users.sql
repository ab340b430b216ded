-- The office console's accounts (kaohe user add), their browser sessions, and the audit
-- trail of what each user did there. Passwords are stored as bcrypt hashes only;
-- sessions by the SHA-256 of their token (the cookie holds the token itself), so a copy
-- of the store does not let anyone in.

-- +goose Up
CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	role          TEXT NOT NULL, -- viewer | reviewer | admin
	password_hash TEXT NOT NULL, -- bcrypt
	created       INTEGER NOT NULL,
	created_by    TEXT NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
	token_sha256 TEXT PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	csrf         TEXT NOT NULL, -- the token every form of the session carries
	created      INTEGER NOT NULL,
	expires      INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- audit: who did what in the console (and kaohe user add on the command line).
CREATE TABLE audit (
	id     INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL,
	user   TEXT NOT NULL,
	action TEXT NOT NULL, -- e.g. login, adjust.add, adjust.revoke, outbox.resend, user.add
	detail TEXT NOT NULL
);
CREATE INDEX audit_at ON audit(at);

-- +goose Down
DROP TABLE audit;
DROP TABLE sessions;
DROP TABLE users;
