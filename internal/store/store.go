// Package store is kaohe's persistence: counties, every received message (raw bytes
// first), submissions with their parsed values, assessments, the outbox of mail to send
// and the log of job runs.
//
// The default backend is SQLite (modernc.org/sqlite, pure Go) in WAL mode, safe for
// several processes at once. The schema is kept by embedded goose migrations, one folder
// per SQL dialect (migrations/sqlite/…). Outside that folder the package uses only
// database/sql with positional parameters and SQL that PostgreSQL also accepts
// (INSERT … ON CONFLICT DO NOTHING, RETURNING), so a PostgreSQL dialect can follow.
//
// Times are stored as unix milliseconds (UTC); 0 means "not set" and reads back as the
// zero time.Time. Every write that belongs together is one transaction, so a process
// killed at any point leaves a consistent store, and every write that a retried job may
// repeat is idempotent (messages by mailbox+UID, submissions by attachment sha256,
// outgoing mail by key).
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/sqlite/*.sql
var sqliteMigrations embed.FS

// Errors returned by the store. Other errors are I/O or database errors, wrapped.
var (
	// ErrNotFound: the row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrInvalid: an argument is missing or has a value the store does not accept.
	ErrInvalid = errors.New("store: invalid argument")
	// ErrState: the row is not in a state that allows the change (e.g. MarkRetry of a sent mail).
	ErrState = errors.New("store: wrong state")
)

// Store is an open store. It is safe for concurrent use by several goroutines, and the
// SQLite file may be shared by several processes.
type Store struct {
	db     *sql.DB
	log    *slog.Logger
	path   string
	closed sync.Once

	// wmu serialises this process's write transactions, so they queue in Go rather
	// than in SQLite's busy handler (which polls). Other processes are kept apart
	// by SQLite's locks and busy_timeout.
	wmu sync.Mutex

	// now is the clock used for created/processed times that callers do not pass.
	now func() time.Time

	// holder is Self().ID(), recorded with the runs this process logs and the mails it
	// claims; tests set another to play a second process.
	holder string
}

// dsn is the modernc.org/sqlite data source name for a database file: WAL so readers and
// the writer do not block each other, a busy timeout so other processes' writes are waited
// for, foreign keys on, synchronous NORMAL (durable at each checkpoint, never corrupt),
// and BEGIN IMMEDIATE for write transactions so they take the write lock up front instead
// of failing with SQLITE_BUSY when a read transaction tries to upgrade.
func dsn(path string) string {
	u := url.URL{Scheme: "file", Path: path}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return u.String() + "?" + q.Encode()
}

// Open opens the SQLite store at path, creating the file and its directory if needed, and
// brings the schema up to date. What it creates is private, as the store holds every raw
// mail and the roster's names: the directory 0700, the database, its WAL and shared-memory
// files and the lock file 0600, whatever the umask (an existing store keeps its modes). Several processes may open the same path; migrations are
// run by one of them at a time (a lock file next to the database).
//
// Errors: the directory or file cannot be created or opened, the file is not an SQLite
// database, or a migration fails (the store is then closed and nothing is returned).
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty store path", ErrInvalid)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store path %q: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("creating store directory: %w", err)
	}
	created, err := create(ctx, abs)
	if err != nil {
		return nil, fmt.Errorf("creating store %s: %w", abs, err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", abs, err)
	}
	// Readers run in parallel under WAL; writers are serialised anyway (wmu, and
	// SQLite's single writer). A few connections are plenty for a batch program.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)

	s := &Store{db: db, log: logger, path: abs, now: time.Now, holder: Self().ID()}
	if err := s.migrate(ctx); err != nil {
		if cerr := db.Close(); cerr != nil {
			logger.Error("closing store after failed migration", "err", cerr)
		}
		return nil, err
	}
	if created {
		// SQLite gives the WAL and shared-memory files the database file's mode; make
		// sure of it, as they hold the same data.
		for _, p := range []string{abs + "-wal", abs + "-shm"} {
			if err := os.Chmod(p, privateFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, errors.Join(fmt.Errorf("store %s: %w", abs, err), db.Close())
			}
		}
	}
	return s, nil
}

// privateFile is the mode of the files the store creates: the owner's alone.
const privateFile fs.FileMode = 0o600

// pageSize is the page size of a new store. SQLite's default, 4 KiB, splits each stored
// form (raw mail, filing, values: ~300 KB at 172 villages) into ~75 pages, each written
// to the WAL and again at the checkpoint with a system call of its own; 16 KiB pages
// make a quarter of the calls.
const pageSize = 16384

// create makes a new, empty database file at path (mode privateFile) with pageSize pages
// in WAL mode, and reports whether it did; a file that exists is left alone. The page
// size has to be set before WAL mode, and the DSN's pragmas are not applied in the order
// given. Processes creating the same store at once take turns on the migration lock.
func create(ctx context.Context, path string) (created bool, err error) {
	exists := func() (bool, error) {
		fi, err := os.Stat(path)
		if err == nil {
			return fi.Size() > 0, nil
		} else if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	if ok, err := exists(); ok || err != nil {
		return false, err
	}
	unlock, err := lockFile(ctx, path+".migrate-lock")
	if err != nil {
		return false, err
	}
	defer func() {
		if uerr := unlock(); err == nil {
			err = uerr
		}
	}()
	if ok, err := exists(); ok || err != nil {
		return false, err // another process made it meanwhile
	}
	// The file first, owner-only: SQLite would create it with 0644 less the umask, and
	// creates its WAL and shared-memory files with the database file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, privateFile)
	if err != nil {
		return false, err
	}
	if err := f.Close(); err != nil {
		return false, err
	}
	if err := os.Chmod(path, privateFile); err != nil { // an empty file left by a crash here
		return false, err
	}
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path}).String())
	if err != nil {
		return false, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // both pragmas on one connection
	for _, q := range []string{fmt.Sprintf("PRAGMA page_size = %d", pageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := db.Exec(q); err != nil {
			return false, err
		}
	}
	return true, db.Close()
}

func (s *Store) migrate(ctx context.Context) error {
	unlock, err := lockFile(ctx, s.path+".migrate-lock")
	if err != nil {
		return fmt.Errorf("locking store for migration: %w", err)
	}
	defer func() {
		if err := unlock(); err != nil {
			s.log.Error("unlocking store after migration", "err", err)
		}
	}()

	fsys, err := fs.Sub(sqliteMigrations, "migrations/sqlite")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrating store %s: %w", s.path, err)
	}
	for _, r := range results {
		s.log.Info("store migrated", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// Close closes the store. Calling it again returns nil.
//
// Errors: those of closing the database.
func (s *Store) Close() error {
	var err error
	s.closed.Do(func() { err = s.db.Close() })
	return err
}

// DB returns the underlying database, for tools and tests. Writes through it bypass the
// store's invariants.
func (s *Store) DB() *sql.DB { return s.db }

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// write runs fn in a write transaction (BEGIN IMMEDIATE) and commits it, or rolls it back
// when fn returns an error.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			s.log.Error("rollback", "err", rerr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// read runs fn in a read-only transaction, so multi-query reads see one snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	err = fn(tx)
	if rerr := tx.Rollback(); rerr != nil && err == nil {
		err = fmt.Errorf("ending read: %w", rerr)
	}
	return err
}

// ms converts a time to the stored unix milliseconds; the zero time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts stored unix milliseconds back to a UTC time; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
