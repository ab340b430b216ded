package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// IMAPServer is an in-memory IMAP server on 127.0.0.1 for the demo and the
// tests. It speaks plain IMAP (no TLS) and advertises IMAP4rev1 and
// IMAP4rev2, so MOVE, IDLE and UIDPLUS are offered, and ID (RFC 2971), which
// it answers itself (see imapid.go).
type IMAPServer struct {
	Addr string // host:port it listens on

	logger *slog.Logger
	mem    *imapmemserver.Server
	srv    *imapserver.Server
	ln     net.Listener
	done   chan struct{}

	mu    sync.Mutex
	users map[string]*imapmemserver.User

	dropAfter atomic.Int64 // armed fault: -1 none, else n FETCH responses
	requireID atomic.Bool  // refuse SELECT before ID, as 163.com does
	ids       []string     // the ID parameters clients sent, in order (under mu)

	closeOnce sync.Once
	closeErr  error
}

// StartIMAPServer starts an IMAP server on a random port of 127.0.0.1 with
// the given users (name → password), each with an INBOX. It stops when ctx
// is done or Close is called. It returns an error if it cannot listen.
func StartIMAPServer(ctx context.Context, logger *slog.Logger, users map[string]string) (*IMAPServer, error) {
	return startIMAPServer(ctx, logger, users, imapServerOptions{})
}

// imapServerOptions are the tests' knobs: the capabilities to offer
// (IMAP4rev1 alone plays a server without MOVE and UIDPLUS) and TLS.
type imapServerOptions struct {
	caps        imap.CapSet // default IMAP4rev1 + IMAP4rev2
	tls         *tls.Config // offered by STARTTLS, or implicit
	implicitTLS bool
}

func startIMAPServer(ctx context.Context, logger *slog.Logger, users map[string]string, opts imapServerOptions) (*IMAPServer, error) {
	caps := opts.caps
	if caps == nil {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("imap server: listen: %w", err)
	}
	addr := ln.Addr().String()
	var starttls *tls.Config
	switch {
	case opts.tls != nil && opts.implicitTLS:
		ln = tls.NewListener(ln, opts.tls)
	case opts.tls != nil:
		starttls = opts.tls
	}
	s := &IMAPServer{
		Addr:   addr,
		logger: logger,
		mem:    imapmemserver.New(),
		done:   make(chan struct{}),
		users:  make(map[string]*imapmemserver.User),
	}
	s.dropAfter.Store(-1)
	for name, pass := range users {
		u := imapmemserver.NewUser(name, pass)
		if err := u.Create("INBOX", nil); err != nil {
			ln.Close()
			return nil, fmt.Errorf("imap server: create INBOX for %s: %w", name, err)
		}
		s.mem.AddUser(u)
		s.users[name] = u
	}
	s.srv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return s.mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true, // loopback only
		TLSConfig:    starttls,
		Logger:       slogAdapter{logger},
	})
	s.ln = &faultListener{Listener: ln, s: s}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, net.ErrClosed) {
			logger.Debug("imap server stopped", "err", err) // "server closed" when Close came first
		}
	}()
	context.AfterFunc(ctx, func() {
		if err := s.Close(); err != nil {
			logger.Warn("imap server close", "err", err)
		}
	})
	logger.Debug("imap server listening", "addr", s.Addr)
	return s, nil
}

// Append delivers raw into the user's mailbox (as a server-side delivery,
// not over IMAP; IDLE sessions are notified). It returns an error if the
// user or mailbox does not exist.
func (s *IMAPServer) Append(ctx context.Context, user, mailbox string, raw []byte) error {
	return s.AppendAt(ctx, user, mailbox, raw, time.Now())
}

// AppendAt is Append with the message's internal date (when it "arrived") set to t, so a
// test or the demo can deliver a message that came in before or after a deadline.
func (s *IMAPServer) AppendAt(ctx context.Context, user, mailbox string, raw []byte, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	u := s.users[user]
	s.mu.Unlock()
	if u == nil {
		return fmt.Errorf("imap server: no user %q", user)
	}
	_, err := u.Append(mailbox, literal{bytes.NewReader(raw)}, &imap.AppendOptions{Time: t})
	if err != nil {
		return fmt.Errorf("imap server: append to %s/%s: %w", user, mailbox, err)
	}
	return nil
}

// CreateMailbox creates a mailbox for user (e.g. the MoveTo folder). It
// returns an error if the user does not exist or the mailbox does.
func (s *IMAPServer) CreateMailbox(user, mailbox string) error {
	s.mu.Lock()
	u := s.users[user]
	s.mu.Unlock()
	if u == nil {
		return fmt.Errorf("imap server: no user %q", user)
	}
	return u.Create(mailbox, nil)
}

// DropAfter arms a fault: the next connection accepted is cut after the
// server has sent n FETCH responses on it (mid-command, as a crash or a
// network failure would). Later connections are unaffected.
func (s *IMAPServer) DropAfter(n int) { s.dropAfter.Store(int64(n)) }

// RequireID makes the server refuse SELECT and EXAMINE ("Unsafe Login") on a
// connection that has not sent ID first, as 163.com, 126.com and yeah.net do.
func (s *IMAPServer) RequireID(on bool) { s.requireID.Store(on) }

// ClientIDs returns the parameter lists of the ID commands clients sent, in order
// (e.g. `("name" "kaohe" "version" "dev")`).
func (s *IMAPServer) ClientIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ids)
}

func (s *IMAPServer) recordID(params string) {
	s.mu.Lock()
	s.ids = append(s.ids, params)
	s.mu.Unlock()
}

// Close stops the server and closes all its connections. Calling it more
// than once is safe.
func (s *IMAPServer) Close() error {
	s.closeOnce.Do(func() {
		err := s.srv.Close()
		// Serve may not have registered the listener yet: close it ourselves.
		if lerr := s.ln.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
			err = lerr
		}
		<-s.done
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
		s.closeErr = err
	})
	return s.closeErr
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }

type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Printf(format string, args ...any) {
	a.l.Warn("imap server", "msg", fmt.Sprintf(format, args...))
}

// faultListener hands out connections that can be cut after n FETCH
// responses (see DropAfter).
type faultListener struct {
	net.Listener
	s *IMAPServer
}

func (l *faultListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if n := l.s.dropAfter.Swap(-1); n >= 0 {
		c = &dropConn{Conn: c, left: int(n)}
	}
	return &idConn{Conn: c, s: l.s}, nil
}

var fetchMarker = []byte(" FETCH (")

// dropConn counts FETCH responses in what the server writes and closes the
// connection just before the response that would exceed its budget.
type dropConn struct {
	net.Conn
	mu   sync.Mutex
	left int
	tail []byte // last bytes of the previous write, for markers split across writes
	cut  bool
}

func (c *dropConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cut {
		return 0, net.ErrClosed
	}
	buf := append(append([]byte(nil), c.tail...), p...)
	off := 0
	for {
		i := bytes.Index(buf[off:], fetchMarker)
		if i < 0 {
			break
		}
		pos := off + i // position in buf
		if c.left == 0 {
			// cut before this response's line starts
			lineStart := bytes.LastIndexByte(buf[:pos], '\n') + 1
			n := max(lineStart-len(c.tail), 0)
			if n > 0 {
				if _, err := c.Conn.Write(p[:n]); err != nil {
					return 0, err
				}
			}
			c.cut = true
			c.Conn.Close()
			return n, net.ErrClosed
		}
		c.left--
		off = pos + len(fetchMarker)
	}
	keep := len(fetchMarker) - 1 // too short to hold a whole, already counted marker
	if len(buf) > keep {
		c.tail = append(c.tail[:0], buf[len(buf)-keep:]...)
	} else {
		c.tail = append(c.tail[:0], buf...)
	}
	return c.Conn.Write(p)
}
