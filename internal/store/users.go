package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Roles of the office console's users.
const (
	RoleViewer   = "viewer"   // sees everything the console shows, acts on nothing
	RoleReviewer = "reviewer" // also reviews forms, records checks and adjustments, resends mail
	RoleAdmin    = "admin"    // also manages users
)

// ValidRole reports whether r is one of the roles.
func ValidRole(r string) bool { return r == RoleViewer || r == RoleReviewer || r == RoleAdmin }

// User is an account of the office console. The password hash is read only by
// UserByName, for the login.
type User struct {
	ID        int64
	Name      string
	Role      string
	Created   time.Time
	CreatedBy string
	Disabled  bool
}

// AddUser creates a user with a password hash (bcrypt, made by the caller).
//
// Errors: ErrInvalid for an empty name or hash or an unknown role; ErrState when the
// name is taken; database errors.
func (s *Store) AddUser(ctx context.Context, name, role, hash, by string, at time.Time) (*User, error) {
	name = strings.TrimSpace(name)
	if name == "" || hash == "" || !ValidRole(role) {
		return nil, fmt.Errorf("%w: user needs a name, a password and a role (viewer, reviewer or admin), not %q", ErrInvalid, role)
	}
	u := &User{Name: name, Role: role, Created: fromMS(ms(at)), CreatedBy: by}
	err := s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (name, role, password_hash, created, created_by) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING RETURNING id`, name, role, hash, ms(at), by).Scan(&u.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: user %q exists", ErrState, name)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("add user: %w", err)
	}
	return u, nil
}

// SetUserPassword replaces a user's password hash and ends its sessions.
//
// Errors: ErrNotFound; database errors.
func (s *Store) SetUserPassword(ctx context.Context, name, hash string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `UPDATE users SET password_hash = ? WHERE name = ? RETURNING id`, hash, name).Scan(&id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("set password of %q: %w", name, err)
	}
	return nil
}

// SetUserDisabled disables (or enables again) a user; disabling ends its sessions.
//
// Errors: ErrNotFound; database errors.
func (s *Store) SetUserDisabled(ctx context.Context, name string, disabled bool) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `UPDATE users SET disabled = ? WHERE name = ? RETURNING id`, boolInt(disabled), name).Scan(&id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if !disabled {
			return nil
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("disable user %q: %w", name, err)
	}
	return nil
}

const userCols = `id, name, role, created, created_by, disabled`

func scanUser(sc interface{ Scan(...any) error }, extra ...any) (*User, error) {
	var u User
	var created int64
	var disabled int
	if err := sc.Scan(append([]any{&u.ID, &u.Name, &u.Role, &created, &u.CreatedBy, &disabled}, extra...)...); err != nil {
		return nil, err
	}
	u.Created, u.Disabled = fromMS(created), disabled != 0
	return &u, nil
}

// UserByName returns a user and its password hash, for the login.
//
// Errors: ErrNotFound; database errors.
func (s *Store) UserByName(ctx context.Context, name string) (*User, string, error) {
	var hash string
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE name = ?`, name), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("user %q: %w", name, ErrNotFound)
	} else if err != nil {
		return nil, "", fmt.Errorf("user %q: %w", name, err)
	}
	return u, hash, nil
}

// Users returns every user, by name.
//
// Errors: database errors.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// CreateSession records a session of user for the SHA-256 of its token (hex), with the
// CSRF token its forms carry, valid until expires.
//
// Errors: ErrInvalid without a token hash or CSRF token; database errors.
func (s *Store) CreateSession(ctx context.Context, tokenSHA256 string, user int64, csrf string, created, expires time.Time) error {
	if tokenSHA256 == "" || csrf == "" {
		return fmt.Errorf("%w: session needs a token and a CSRF token", ErrInvalid)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires < ?`, ms(created)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_sha256, user_id, csrf, created, expires) VALUES (?, ?, ?, ?, ?)`,
			tokenSHA256, user, csrf, ms(created), ms(expires))
		return err
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session returns the user of a session (by the SHA-256 of its token) valid at now,
// and its CSRF token. A disabled user has no session.
//
// Errors: ErrNotFound when there is no such session, it expired or its user is
// disabled; database errors.
func (s *Store) Session(ctx context.Context, tokenSHA256 string, now time.Time) (*User, string, error) {
	var csrf string
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT u.id, u.name, u.role, u.created, u.created_by, u.disabled, s.csrf
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_sha256 = ? AND s.expires > ? AND u.disabled = 0`,
		tokenSHA256, ms(now)), &csrf)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("session: %w", ErrNotFound)
	} else if err != nil {
		return nil, "", fmt.Errorf("session: %w", err)
	}
	return u, csrf, nil
}

// DeleteSession ends a session; ending one that does not exist is a no-op.
//
// Errors: database errors.
func (s *Store) DeleteSession(ctx context.Context, tokenSHA256 string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_sha256 = ?`, tokenSHA256)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	ID     int64
	At     time.Time
	User   string
	Action string
	Detail string
}

// Audit records that user did action (with detail) at at.
//
// Errors: ErrInvalid without user or action; database errors.
func (s *Store) Audit(ctx context.Context, at time.Time, user, action, detail string) error {
	if user == "" || action == "" {
		return fmt.Errorf("%w: audit needs a user and an action", ErrInvalid)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit (at, user, action, detail) VALUES (?, ?, ?, ?)`, ms(at), user, action, detail)
		return err
	})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// AuditLog returns the latest entries of the audit trail, newest first (all when limit <= 0).
//
// Errors: database errors.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	q := `SELECT id, at, user, action, detail FROM audit ORDER BY at DESC, id DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.User, &e.Action, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// OutgoingAttachment returns attachment seq (0-based) of outgoing mail id, with its data,
// and the mail (without attachments) it belongs to.
//
// Errors: ErrNotFound; database errors.
func (s *Store) OutgoingAttachment(ctx context.Context, id int64, seq int) (*Outgoing, *OutAttachment, error) {
	var o Outgoing
	var a OutAttachment
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = scanOutgoing(tx.QueryRowContext(ctx, `SELECT `+outgoingCols+` FROM outgoing WHERE id = ?`, id))
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT name, content_type, LENGTH(data), data FROM outgoing_attachments WHERE outgoing = ? AND seq = ?`,
			id, seq).Scan(&a.Name, &a.ContentType, &a.Size, &a.Data)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("attachment %d/%d: %w", id, seq, ErrNotFound)
	} else if err != nil {
		return nil, nil, fmt.Errorf("attachment %d/%d: %w", id, seq, err)
	}
	return &o, &a, nil
}
