package mail

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

var (
	// ErrUnreachable is wrapped by errors that mean the mail server could
	// not be reached or the connection broke (DNS, refused, timeout, TLS
	// handshake, dropped connection). Worth retrying later.
	ErrUnreachable = errors.New("mail server unreachable")
	// ErrAuth is wrapped when the server rejects the login. Retrying will
	// not help; the operator must fix the configuration.
	ErrAuth = errors.New("mail server rejected the login")
	// ErrUIDValidity is returned by MarkProcessed when the mailbox was
	// recreated since the message was fetched (its UIDs mean other
	// messages now). Fetch again.
	ErrUIDValidity = errors.New("mailbox UIDVALIDITY changed")
	// ErrConfig is wrapped for unusable configuration.
	ErrConfig = errors.New("bad mail configuration")
)

// DefaultProcessedKeyword is the IMAP keyword that marks a message as done.
const DefaultProcessedKeyword = "$KaoheProcessed"

const fetchBatch = 25 // messages per UID FETCH; bounds memory on a full mailbox

// IMAPConfig says how to reach the intake mailbox.
type IMAPConfig struct {
	Host string
	Port int
	// TLS is "tls" (implicit, usually port 993), "starttls" (usually 143)
	// or "plain" (refused unless Host is a loopback address).
	TLS                string
	Username, Password string
	Mailbox            string // default "INBOX"
	ProcessedKeyword   string // default DefaultProcessedKeyword
	// MoveTo, if set, is the folder processed messages are moved to (created
	// if missing). MOVE is used if offered, else COPY + \Deleted + EXPUNGE.
	MoveTo             string
	InsecureSkipVerify bool
	// CAFile is a PEM file of certificates trusted for this server besides the
	// system's (an intranet server signed by a private CA).
	CAFile  string
	Timeout time.Duration // dial, TLS and login; default 30 s
	// ClientName and ClientVersion are sent in the ID command (RFC 2971) after
	// login; 163.com, 126.com and yeah.net refuse SELECT without it. Default
	// name "kaohe".
	ClientName, ClientVersion string
}

func (cfg *IMAPConfig) check() error {
	var problems []string
	if cfg.Host == "" {
		problems = append(problems, "host is empty")
	}
	if cfg.Port <= 0 || cfg.Port > 65535 {
		problems = append(problems, fmt.Sprintf("port %d out of range", cfg.Port))
	}
	switch cfg.TLS {
	case "tls", "starttls":
	case "plain":
		if !isLoopback(cfg.Host) {
			problems = append(problems, fmt.Sprintf("plain IMAP (no TLS) is allowed only on loopback, not %q", cfg.Host))
		}
	default:
		problems = append(problems, fmt.Sprintf("tls %q is not one of tls, starttls, plain", cfg.TLS))
	}
	if cfg.Username == "" {
		problems = append(problems, "username is empty")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: imap: %s", ErrConfig, strings.Join(problems, "; "))
	}
	if cfg.Mailbox == "" {
		cfg.Mailbox = "INBOX"
	}
	if cfg.ProcessedKeyword == "" {
		cfg.ProcessedKeyword = DefaultProcessedKeyword
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.ClientName == "" {
		cfg.ClientName = "kaohe"
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Fetched is one raw message from the mailbox. (Mailbox, UIDValidity, UID)
// names it uniquely and durably.
type Fetched struct {
	Mailbox      string
	UIDValidity  uint32
	UID          uint32
	Raw          []byte
	InternalDate time.Time
}

// Inbox is a connection to the intake mailbox. It reconnects by itself on
// the next call after the connection broke. Its methods may be called from
// several goroutines but run one at a time.
type Inbox struct {
	cfg    IMAPConfig
	logger *slog.Logger

	mu          sync.Mutex
	c           *imapclient.Client
	uidValidity uint32
	newMail     chan struct{} // signalled on every EXISTS update
	info        ServerInfo    // of the last connection
}

// ServerInfo is what the intake server said about itself on the last connection, for
// kaohe doctor.
type ServerInfo struct {
	Caps       []string // capabilities after login, sorted
	IDAccepted bool     // it answered our ID command OK
	IDError    string   // its answer when it did not
	ServerID   string   // what it said it is in its ID answer (name, version, vendor)
}

// Info returns what the server said about itself on the last connection.
func (in *Inbox) Info() ServerInfo {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.info
}

// DialIMAP connects, logs in and selects cfg.Mailbox (creating cfg.MoveTo if
// set). Errors wrap ErrConfig, ErrUnreachable or ErrAuth. The password is
// never logged.
func DialIMAP(ctx context.Context, cfg IMAPConfig, logger *slog.Logger) (*Inbox, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	in := &Inbox{cfg: cfg, logger: logger, newMail: make(chan struct{}, 1)}
	if err := in.connect(ctx); err != nil {
		return nil, err
	}
	return in, nil
}

func (in *Inbox) connect(ctx context.Context) error {
	cfg := in.cfg
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	d := &net.Dialer{Timeout: cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("%w: imap %s: %w", ErrUnreachable, addr, err)
	}
	// Until login is done, a cancelled ctx or the timeout closes the socket.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	tc, err := tlsConfig(cfg.Host, cfg.InsecureSkipVerify, cfg.CAFile)
	if err != nil {
		conn.Close()
		return err
	}
	opts := &imapclient.Options{
		TLSConfig: tc,
		Dialer:    d,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case in.newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var c *imapclient.Client
	switch cfg.TLS {
	case "tls":
		tc := tls.Client(conn, opts.TLSConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("%w: imap %s: tls: %w", ErrUnreachable, addr, err)
		}
		c = imapclient.New(tc, opts)
	case "starttls":
		c, err = imapclient.NewStartTLS(conn, opts)
		if err != nil {
			conn.Close()
			return fmt.Errorf("%w: imap %s: starttls: %w", ErrUnreachable, addr, err)
		}
	default:
		c = imapclient.New(conn, opts)
	}
	fail := func(err error) error {
		if cerr := c.Close(); cerr != nil {
			in.logger.Debug("imap close after failed setup", "err", cerr)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w: imap %s: %w", ErrUnreachable, addr, ctx.Err())
		}
		return err
	}
	if err := c.WaitGreeting(); err != nil {
		return fail(fmt.Errorf("%w: imap %s: greeting: %w", ErrUnreachable, addr, err))
	}
	if err := c.Login(cfg.Username, cfg.Password).Wait(); err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) {
			return fail(fmt.Errorf("%w: imap %s as %s: %s", ErrAuth, addr, cfg.Username, ie.Text))
		}
		return fail(fmt.Errorf("%w: imap %s: login: %w", ErrUnreachable, addr, err))
	}
	// ID (RFC 2971) before anything else: Coremail (163.com, 126.com, yeah.net) refuses
	// SELECT with "Unsafe Login" until the client has said who it is. A server without
	// ID answers BAD, which changes nothing.
	info := ServerInfo{}
	for cp := range c.Caps() {
		info.Caps = append(info.Caps, string(cp))
	}
	slices.Sort(info.Caps)
	sid, err := c.ID(&imap.IDData{Name: cfg.ClientName, Version: cfg.ClientVersion, Vendor: "kaohe"}).Wait()
	if err != nil {
		var ie *imap.Error
		if !errors.As(err, &ie) {
			return fail(fmt.Errorf("%w: imap %s: id: %w", ErrUnreachable, addr, err))
		}
		info.IDError = ie.Error()
		in.logger.Debug("imap server refused ID", "addr", addr, "err", err)
	} else {
		info.IDAccepted = true
		info.ServerID = strings.Join(slices.DeleteFunc([]string{sid.Name, sid.Version, sid.Vendor}, func(s string) bool { return s == "" }), " ")
	}
	if cfg.MoveTo != "" {
		if err := c.Create(cfg.MoveTo, nil).Wait(); err != nil {
			var ie *imap.Error
			if !errors.As(err, &ie) {
				return fail(fmt.Errorf("%w: imap %s: create %s: %w", ErrUnreachable, addr, cfg.MoveTo, err))
			}
			// Usually ALREADYEXISTS (Dovecot sends no code at all); a real
			// problem shows on the first MOVE.
			in.logger.Debug("imap create folder", "folder", cfg.MoveTo, "err", err)
		}
	}
	sel, err := c.Select(cfg.Mailbox, nil).Wait()
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && strings.Contains(strings.ToLower(ie.Text), "unsafe login") {
			return fail(fmt.Errorf("%w: imap %s: select %s: %w (the server wants the client to identify itself with ID first, as 163.com does; it answered our ID with %q)",
				ErrAuth, addr, cfg.Mailbox, err, info.IDError))
		}
		if errors.As(err, &ie) {
			return fail(fmt.Errorf("imap %s: select %s: %w", addr, cfg.Mailbox, err))
		}
		return fail(fmt.Errorf("%w: imap %s: select %s: %w", ErrUnreachable, addr, cfg.Mailbox, err))
	}
	if in.uidValidity != 0 && in.uidValidity != sel.UIDValidity {
		in.logger.Warn("imap mailbox UIDVALIDITY changed: UIDs restart", "mailbox", cfg.Mailbox,
			"old", in.uidValidity, "new", sel.UIDValidity)
	}
	in.c, in.uidValidity, in.info = c, sel.UIDValidity, info
	in.logger.Debug("imap connected", "addr", addr, "user", cfg.Username, "mailbox", cfg.Mailbox,
		"messages", sel.NumMessages, "uidvalidity", sel.UIDValidity)
	return nil
}

// ensure returns a live client, reconnecting if the last one broke.
// Called with in.mu held.
func (in *Inbox) ensure(ctx context.Context) (*imapclient.Client, error) {
	if in.c != nil {
		select {
		case <-in.c.Closed():
			in.c = nil
		default:
			return in.c, nil
		}
	}
	if err := in.connect(ctx); err != nil {
		return nil, err
	}
	return in.c, nil
}

// fail classifies err from a command on c: protocol answers (NO, BAD) are
// returned as they are; anything else means the connection is gone, so it is
// closed (the next call reconnects) and the error wraps ErrUnreachable.
// Called with in.mu held.
func (in *Inbox) fail(c *imapclient.Client, what string, err error) error {
	var ie *imap.Error
	if errors.As(err, &ie) {
		return fmt.Errorf("imap %s: %w", what, err)
	}
	if cerr := c.Close(); cerr != nil {
		in.logger.Debug("imap close broken connection", "err", cerr)
	}
	if in.c == c {
		in.c = nil
	}
	return fmt.Errorf("%w: imap %s: %w", ErrUnreachable, what, err)
}

// watch closes c if ctx ends while a command runs, so the command returns.
func watch(ctx context.Context, c *imapclient.Client) (stop func() bool) {
	return context.AfterFunc(ctx, func() { c.Close() })
}

// Unprocessed returns every message in the mailbox without the processed
// keyword (and not \Deleted), oldest UID first, fetched with BODY.PEEK[] so
// \Seen is left alone. Messages are fetched in batches; the whole result is
// held in memory — use Scan for large mailboxes. Errors wrap ErrUnreachable
// when the connection broke (the next call reconnects).
func (in *Inbox) Unprocessed(ctx context.Context) ([]Fetched, error) {
	var out []Fetched
	err := in.Scan(ctx, func(_ context.Context, f Fetched) error {
		out = append(out, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Scan is Unprocessed one message at a time: it fetches a batch, then calls
// fn for each message of it (fn may call MarkProcessed), then fetches the
// next. An error from fn stops the scan and is returned as is. Messages that
// carry the keyword but were not moved yet (a crash between STORE and MOVE)
// are moved first when MoveTo is set.
func (in *Inbox) Scan(ctx context.Context, fn func(context.Context, Fetched) error) error {
	uids, validity, err := in.search(ctx)
	if err != nil {
		return err
	}
	for len(uids) > 0 {
		n := min(fetchBatch, len(uids))
		batch, err := in.fetch(ctx, validity, uids[:n])
		if err != nil {
			return err
		}
		uids = uids[n:]
		for _, f := range batch {
			if err := fn(ctx, f); err != nil {
				return err
			}
		}
	}
	return nil
}

func (in *Inbox) search(ctx context.Context) ([]imap.UID, uint32, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	c, err := in.ensure(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer watch(ctx, c)()
	kw := imap.Flag(in.cfg.ProcessedKeyword)

	if in.cfg.MoveTo != "" {
		done, err := c.UIDSearch(&imap.SearchCriteria{Flag: []imap.Flag{kw}, NotFlag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
		if err != nil {
			return nil, 0, in.fail(c, "search processed", err)
		}
		if left := done.AllUIDs(); len(left) > 0 {
			if _, err := c.Move(imap.UIDSetNum(left...), in.cfg.MoveTo).Wait(); err != nil {
				return nil, 0, in.fail(c, "move processed to "+in.cfg.MoveTo, err)
			}
			in.logger.Info("imap moved messages left behind by an earlier run", "count", len(left), "folder", in.cfg.MoveTo)
		}
	}

	data, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{kw, imap.FlagDeleted}}, nil).Wait()
	if err != nil {
		return nil, 0, in.fail(c, "search", err)
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	return uids, in.uidValidity, nil
}

func (in *Inbox) fetch(ctx context.Context, validity uint32, uids []imap.UID) ([]Fetched, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	c, err := in.ensure(ctx)
	if err != nil {
		return nil, err
	}
	if in.uidValidity != validity {
		return nil, fmt.Errorf("imap fetch: %w", ErrUIDValidity)
	}
	defer watch(ctx, c)()
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID:          true,
		InternalDate: true,
		BodySection:  []*imap.FetchItemBodySection{section},
	}).Collect()
	if err != nil {
		return nil, in.fail(c, "fetch", err)
	}
	out := make([]Fetched, 0, len(msgs))
	for _, m := range msgs {
		raw := m.FindBodySection(section)
		if m.UID == 0 || raw == nil {
			continue // a flag update for a message outside our set
		}
		out = append(out, Fetched{
			Mailbox:      in.cfg.Mailbox,
			UIDValidity:  validity,
			UID:          uint32(m.UID),
			Raw:          raw,
			InternalDate: m.InternalDate,
		})
	}
	slices.SortFunc(out, func(a, b Fetched) int { return cmp.Compare(a.UID, b.UID) })
	return out, nil
}

// MarkProcessed sets the processed keyword on the message, then moves it to
// MoveTo if configured. Call it only once the message is safely stored and
// answered: a crash before it means the message is fetched again. It returns
// ErrUIDValidity if the mailbox was recreated since the fetch, and errors
// wrapping ErrUnreachable if the connection broke.
func (in *Inbox) MarkProcessed(ctx context.Context, uidValidity, uid uint32) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	c, err := in.ensure(ctx)
	if err != nil {
		return err
	}
	if in.uidValidity != uidValidity {
		return fmt.Errorf("imap mark %d: %w", uid, ErrUIDValidity)
	}
	defer watch(ctx, c)()
	set := imap.UIDSetNum(imap.UID(uid))
	if err := c.Store(set, &imap.StoreFlags{
		Op:     imap.StoreFlagsAdd,
		Silent: true,
		Flags:  []imap.Flag{imap.Flag(in.cfg.ProcessedKeyword)},
	}, nil).Close(); err != nil {
		return in.fail(c, fmt.Sprintf("store keyword on %d", uid), err)
	}
	if in.cfg.MoveTo != "" {
		if _, err := c.Move(set, in.cfg.MoveTo).Wait(); err != nil {
			return in.fail(c, fmt.Sprintf("move %d to %s", uid, in.cfg.MoveTo), err)
		}
	}
	return nil
}

// Wait returns when new mail may have arrived: with IDLE (if the server
// offers it) on the first EXISTS update, else — and at the latest — after
// poll. It returns ctx.Err() if ctx ends first, and errors wrapping
// ErrUnreachable if the connection broke.
func (in *Inbox) Wait(ctx context.Context, poll time.Duration) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	select {
	case <-in.newMail: // arrived during an earlier command
		return nil
	default:
	}
	c, err := in.ensure(ctx)
	if err != nil {
		return err
	}
	timer := time.NewTimer(poll)
	defer timer.Stop()
	if !c.Caps().Has(imap.CapIdle) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return nil
		}
	}
	idle, err := c.Idle()
	if err != nil {
		return in.fail(c, "idle", err)
	}
	select {
	case <-ctx.Done():
	case <-timer.C:
	case <-in.newMail:
	case <-c.Closed():
	}
	if err := idle.Close(); err != nil {
		return in.fail(c, "idle done", err)
	}
	if err := idle.Wait(); err != nil {
		return in.fail(c, "idle", err)
	}
	return ctx.Err()
}

// Close logs out and closes the connection.
func (in *Inbox) Close() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.c == nil {
		return nil
	}
	c := in.c
	in.c = nil
	loggedOut := true
	if err := c.Logout().Wait(); err != nil {
		loggedOut = false
		in.logger.Debug("imap logout", "err", err)
	}
	if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		if loggedOut {
			// go-imap v2.0.0-beta.8 keeps a stale decoder error after reading an ID
			// answer ("expected atom, got \"(\""; its readID tries NIL first) and reports
			// it once the server hangs up after LOGOUT. The session ended cleanly.
			in.logger.Debug("imap close after logout", "err", err)
			return nil
		}
		return fmt.Errorf("imap close: %w", err)
	}
	return nil
}
