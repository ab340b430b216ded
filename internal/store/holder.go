package store

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Holder is a kaohe process as the store records it: beside the outbox mails it claimed
// (their lease), in the runs it logged, and in the serve lock file. Host and PID say
// where it runs; PIDNS, the pid namespace on Linux ("" elsewhere), keeps two containers
// that share a store and a host name from taking each other's pids; Nonce, random per
// process, tells apart two lives of one pid (kaohe restarted as pid 1 of a container).
type Holder struct {
	Host  string    `json:"host"`
	PID   int       `json:"pid"`
	PIDNS string    `json:"pidns,omitempty"`
	Nonce string    `json:"nonce"`
	Since time.Time `json:"since"` // when the process started using the store (lock file only)
}

var (
	selfOnce sync.Once
	self     Holder
)

// Self is this process as a Holder (the same value for the life of the process).
func Self() Holder {
	selfOnce.Do(func() {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "unknown-host"
		}
		host = strings.Join(strings.Fields(host), "_") // IDs are space-separated
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		self = Holder{Host: host, PID: os.Getpid(), Nonce: hex.EncodeToString(b[:]), Since: time.Now().UTC().Truncate(time.Second)}
		if ns, err := os.Readlink("/proc/self/ns/pid"); err == nil { // "pid:[4026531836]"
			self.PIDNS = strings.TrimSuffix(strings.TrimPrefix(ns, "pid:["), "]")
		}
	})
	return self
}

// ID is how the holder is stored in a row: "HOST PID NONCE", or "HOST PID NONCE PIDNS"
// (host names have no spaces).
func (h Holder) ID() string {
	id := h.Host + " " + strconv.Itoa(h.PID) + " " + h.Nonce
	if h.PIDNS != "" {
		id += " " + h.PIDNS
	}
	return id
}

// ParseHolder reads back Holder.ID; ok is false for "" or anything malformed.
func ParseHolder(id string) (h Holder, ok bool) {
	f := strings.Fields(id)
	if len(f) != 3 && len(f) != 4 {
		return h, false
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil || pid <= 0 {
		return h, false
	}
	h = Holder{Host: f[0], PID: pid, Nonce: f[2]}
	if len(f) == 4 {
		h.PIDNS = f[3]
	}
	return h, true
}

// String names the holder for people: "pid 4242 on host since 2026-12-01T08:00:00Z".
func (h Holder) String() string {
	s := fmt.Sprintf("pid %d on %s", h.PID, h.Host)
	if !h.Since.IsZero() {
		s += " since " + h.Since.Format(time.RFC3339)
	}
	return s
}

// Running reports whether h may still be running. It says false only when sure: h is
// on this host (and pid namespace) and its pid runs no process, or is this process's pid
// with another nonce (an earlier life of this pid). A holder on another host or in
// another pid namespace is taken to be running.
func (h Holder) Running() bool {
	me := Self()
	if h.Host != me.Host || h.PIDNS != me.PIDNS {
		return true
	}
	if h.PID == me.PID {
		return h.Nonce == me.Nonce
	}
	return processRunning(h.PID)
}

// ErrServeLocked: another `kaohe serve` holds the store (errors.As a *LockedError for who).
var ErrServeLocked = errors.New("store: another kaohe serve holds the store")

// LockedError says who holds the serve lock.
type LockedError struct {
	Path   string // the lock file
	Holder Holder // zero when the file could not be read
}

func (e *LockedError) Error() string {
	who := "a process whose lock file could not be read"
	if e.Holder.PID != 0 {
		who = e.Holder.String()
	}
	return fmt.Sprintf("another kaohe serve runs on this store: %s (lock file %s)", who, e.Path)
}

func (e *LockedError) Unwrap() error { return ErrServeLocked }

// ServeLock is the exclusive lock of one scheduler on a store: the file STORE.serve.lock
// holding its Holder as JSON.
type ServeLock struct {
	// Previous is the holder of a stale lock taken over (its process no longer ran),
	// nil when there was none.
	Previous *Holder
	path     string
	release  func() error
	once     sync.Once
	err      error
}

// ServeLockPath is the lock file of the store at storePath.
func ServeLockPath(storePath string) string { return storePath + ".serve.lock" }

// LockServe takes the serve lock of the store at storePath for this process. One-shot
// commands do not take it: only schedulers are kept to one per store. A lock left by a
// process that no longer runs is taken over (see ServeLock.Previous).
//
// Errors: a *LockedError (ErrServeLocked) when a running process holds it; I/O errors.
func LockServe(storePath string) (*ServeLock, error) {
	path := ServeLockPath(storePath)
	me := Self()
	body, err := json.Marshal(me)
	if err != nil {
		return nil, err
	}
	prev, release, err := lockServeFile(path, append(body, '\n'))
	if err != nil {
		return nil, err
	}
	return &ServeLock{Previous: prev, path: path, release: release}, nil
}

// Path is the lock file.
func (l *ServeLock) Path() string { return l.path }

// Release gives the lock up (the file stays, empty). Calling it again returns the first
// call's result.
func (l *ServeLock) Release() error {
	l.once.Do(func() { l.err = l.release() })
	return l.err
}

// readHolder parses a lock file's content; ok is false for an empty or foreign file.
func readHolder(b []byte) (h Holder, ok bool) {
	if len(strings.TrimSpace(string(b))) == 0 {
		return h, false
	}
	if err := json.Unmarshal(b, &h); err != nil || h.PID <= 0 {
		return Holder{}, false
	}
	return h, true
}
