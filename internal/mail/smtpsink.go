package mail

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"
)

// SinkOptions configures an SMTPSink.
type SinkOptions struct {
	// Dir, if set, receives every message as NNNNNN_<message-id>.eml (the
	// sequence number first, so a listing is in arrival order).
	Dir string
	// OnMessage, if set, is called with every accepted message, in the
	// server's goroutine (keep it short).
	OnMessage func(Received)
	// TLSConfig, if set, is offered by STARTTLS, or used for the whole
	// connection if ImplicitTLS.
	TLSConfig   *tls.Config
	ImplicitTLS bool
	// DropData, if set, keeps no message bodies in memory: Messages returns every
	// message without its Data (envelope, Message-ID and connection kept). Dir and
	// OnMessage still get the whole message. For runs of many large mails (the bench).
	DropData bool
	// Hold, if set, is called with every message before it is accepted, in the server's
	// goroutine, and may block (a server slow to answer DATA, for tests that kill the
	// sender meanwhile). A non-nil error rejects the message with a 451: it is not kept.
	Hold func(Received) error
	// Unknown addresses are refused at RCPT with 550 5.1.1, as a real server refuses a
	// closed mailbox (Postfix: "User unknown in virtual mailbox table").
	Unknown []string
}

// Received is one message the sink accepted.
type Received struct {
	From      string   // envelope sender
	To        []string // envelope recipients
	Data      []byte   // the message as received
	MessageID string   // with angle brackets; empty if none
	Conn      int      // which connection (1, 2, …) brought it
}

// SMTPSink is an SMTP server on 127.0.0.1 that accepts everything (no TLS,
// no AUTH), for the demo and the tests. FailNext and FailNextRcpt inject
// failures.
type SMTPSink struct {
	Addr string

	logger *slog.Logger
	opts   SinkOptions
	srv    *smtp.Server
	ln     net.Listener
	done   chan struct{}
	conns  atomic.Int64

	mu       sync.Mutex
	msgs     []Received
	failData fault
	failRcpt fault

	closeOnce sync.Once
	closeErr  error
}

type fault struct{ code, n int }

// StartSMTPSink starts the sink on a random port of 127.0.0.1. It stops
// when ctx is done or Close is called. It returns an error if it cannot
// listen or create opts.Dir.
func StartSMTPSink(ctx context.Context, logger *slog.Logger, opts SinkOptions) (*SMTPSink, error) {
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("smtp sink: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtp sink: listen: %w", err)
	}
	s := &SMTPSink{Addr: ln.Addr().String(), logger: logger, opts: opts, done: make(chan struct{})}
	if opts.TLSConfig != nil && opts.ImplicitTLS {
		ln = tls.NewListener(ln, opts.TLSConfig)
	}
	s.ln = &sinkListener{Listener: ln, s: s}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		id := 0
		nc := c.Conn()
		if tc, ok := nc.(*tls.Conn); ok {
			nc = tc.NetConn()
		}
		if w, ok := nc.(*closeOn421); ok {
			id = w.id
		}
		return &sinkSession{s: s, conn: id}, nil
	}))
	s.srv.Domain = "localhost"
	if opts.TLSConfig != nil && !opts.ImplicitTLS {
		s.srv.TLSConfig = opts.TLSConfig
	}
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	s.srv.MaxMessageBytes = 64 << 20
	s.srv.MaxRecipients = 1000
	s.srv.ErrorLog = smtpLogAdapter{logger}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			logger.Error("smtp sink stopped", "err", err)
		}
	}()
	context.AfterFunc(ctx, func() {
		if err := s.Close(); err != nil {
			logger.Warn("smtp sink close", "err", err)
		}
	})
	return s, nil
}

// FailNext makes the sink answer the next n DATA commands with code (e.g.
// 421, 451, 550) instead of accepting the message. After a 421 it closes the
// connection, as a real server does.
func (s *SMTPSink) FailNext(code, n int) {
	s.mu.Lock()
	s.failData = fault{code, n}
	s.mu.Unlock()
}

// FailNextRcpt is FailNext for RCPT TO commands.
func (s *SMTPSink) FailNextRcpt(code, n int) {
	s.mu.Lock()
	s.failRcpt = fault{code, n}
	s.mu.Unlock()
}

// Messages returns the messages accepted so far, in order (without Data if
// SinkOptions.DropData).
func (s *SMTPSink) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Connections returns how many connections the sink has accepted.
func (s *SMTPSink) Connections() int { return int(s.conns.Load()) }

// Close stops the sink. Calling it more than once is safe.
func (s *SMTPSink) Close() error {
	s.closeOnce.Do(func() {
		err := s.srv.Close()
		if lerr := s.ln.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
			err = lerr
		}
		<-s.done
		if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
			err = nil
		}
		s.closeErr = err
	})
	return s.closeErr
}

func (s *SMTPSink) take(f *fault) *smtp.SMTPError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.n <= 0 {
		return nil
	}
	f.n--
	return &smtp.SMTPError{
		Code:         f.code,
		EnhancedCode: smtp.EnhancedCode{f.code / 100, 0, 0},
		Message:      "injected failure",
	}
}

func (s *SMTPSink) deliver(r Received) error {
	kept := r
	if s.opts.DropData {
		kept.Data = nil
	}
	s.mu.Lock()
	seq := len(s.msgs) + 1
	s.msgs = append(s.msgs, kept)
	s.mu.Unlock()
	if s.opts.Dir != "" {
		name := fmt.Sprintf("%06d_%s.eml", seq, sanitizeID(r.MessageID))
		if err := os.WriteFile(filepath.Join(s.opts.Dir, name), r.Data, 0o600); err != nil {
			return fmt.Errorf("smtp sink: %w", err)
		}
	}
	if s.opts.OnMessage != nil {
		s.opts.OnMessage(r)
	}
	return nil
}

// sanitizeID makes a Message-ID safe as part of a file name.
func sanitizeID(id string) string {
	id = strings.Trim(id, "<>")
	var b strings.Builder
	for _, r := range id {
		if b.Len() >= 100 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == '@':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "no-id"
	}
	return b.String()
}

type sinkSession struct {
	s    *SMTPSink
	conn int
	from string
	to   []string
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.s.take(&ss.s.failRcpt); err != nil {
		return err
	}
	if slices.Contains(ss.s.opts.Unknown, to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: Recipient address rejected: User unknown"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.s.take(&ss.s.failData); err != nil {
		return err
	}
	rec := Received{From: ss.from, To: append([]string(nil), ss.to...), Data: data, Conn: ss.conn}
	if h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(data))); err == nil {
		mh := gomail.Header{Header: message.Header{Header: h}}
		if id, err := mh.MessageID(); err == nil && id != "" {
			rec.MessageID = "<" + id + ">"
		}
	}
	if hold := ss.s.opts.Hold; hold != nil {
		if err := hold(rec); err != nil {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "held: " + err.Error()}
		}
	}
	if err := ss.s.deliver(rec); err != nil {
		ss.s.logger.Error("smtp sink deliver", "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "cannot store message"}
	}
	return nil
}

// sinkListener counts connections and closes one right after the server
// wrote a 421 reply on it.
type sinkListener struct {
	net.Listener
	s *SMTPSink
}

func (l *sinkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &closeOn421{Conn: c, id: int(l.s.conns.Add(1))}, nil
}

type closeOn421 struct {
	net.Conn
	id int // 1, 2, … in order of arrival
}

func (c *closeOn421) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err == nil && bytes.HasPrefix(p, []byte("421")) {
		c.Conn.Close()
	}
	return n, err
}

type smtpLogAdapter struct{ l *slog.Logger }

func (a smtpLogAdapter) Printf(format string, v ...any) {
	a.l.Warn("smtp sink", "msg", fmt.Sprintf(format, v...))
}

func (a smtpLogAdapter) Println(v ...any) {
	a.l.Warn("smtp sink", "msg", strings.TrimSpace(fmt.Sprintln(v...)))
}
