package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig says how to reach the outgoing mail server. go-mail's defaults
// (port 25, STARTTLS required) fit no one, so Port and TLS must be set.
type SMTPConfig struct {
	Host string
	Port int
	// TLS is "tls" (implicit, usually 465), "starttls" (required, usually
	// 587), "starttls-optional" (if offered) or "none" (plain).
	TLS                string
	Username, Password string // no AUTH if Username is empty
	From               string // used when an Outgoing has no From
	HeloName           string // default: go-mail's (the host name)
	Timeout            time.Duration
	InsecureSkipVerify bool
	// CAFile is a PEM file of certificates trusted for this server besides the
	// system's (an intranet server signed by a private CA).
	CAFile string
}

func (cfg *SMTPConfig) check() error {
	var problems []string
	if cfg.Host == "" {
		problems = append(problems, "host is empty")
	}
	if cfg.Port <= 0 || cfg.Port > 65535 {
		problems = append(problems, fmt.Sprintf("port %d out of range", cfg.Port))
	}
	switch cfg.TLS {
	case "tls", "starttls", "starttls-optional", "none":
	default:
		problems = append(problems, fmt.Sprintf("tls %q is not one of tls, starttls, starttls-optional, none", cfg.TLS))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: smtp: %s", ErrConfig, strings.Join(problems, "; "))
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return nil
}

// Outgoing is one message to send.
type Outgoing struct {
	// MessageID is stable for the life of the message (one per outbox row,
	// e.g. "<kaohe.123@jining>"), so a resend after a crash is recognisable.
	// Required.
	MessageID   string
	From        string // "名称 <addr>" or "addr"; default SMTPConfig.From
	To          []string
	Subject     string
	Text        string // text/plain, UTF-8
	Attachments []OutAttachment
	Date        time.Time         // default now
	Headers     map[string]string // extra fields: In-Reply-To, References, X-Kaohe-Key …
}

// OutAttachment is a file to attach.
type OutAttachment struct {
	Name        string // UTF-8; encoded per RFC 2047
	ContentType string // default application/octet-stream
	Data        []byte
}

// SendError is the outcome of one failed message: Permanent for 5xx
// answers and messages that can never be sent as they are (bad address);
// temporary (retry later) for 4xx, broken connections and timeouts.
type SendError struct {
	Err       error
	Permanent bool
	Code      int // SMTP reply code, 0 if there was none
}

func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	if e.Code != 0 {
		return fmt.Sprintf("smtp %s failure (%d): %v", kind, e.Code, e.Err)
	}
	return fmt.Sprintf("smtp %s failure: %v", kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is (or wraps) a permanent SendError.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// Backoff returns how long to wait before retry number attempt (0 for the
// first retry): a random duration in [0, min(max, base·2^attempt)] ("full
// jitter"). r may be nil (the global source is used then).
func Backoff(attempt int, base, max time.Duration, r *rand.Rand) time.Duration {
	if base <= 0 || max <= 0 {
		return 0
	}
	ceil := base
	for i := 0; i < attempt && ceil < max; i++ {
		ceil *= 2
	}
	if ceil > max || ceil <= 0 {
		ceil = max
	}
	if r == nil {
		return time.Duration(rand.Int64N(int64(ceil) + 1))
	}
	return time.Duration(r.Int64N(int64(ceil) + 1))
}

// Sender sends batches of messages through one SMTP server.
type Sender struct {
	cfg    SMTPConfig
	logger *slog.Logger
}

// NewSender returns a Sender; the configuration is checked on the first
// SendBatch.
func NewSender(cfg SMTPConfig, logger *slog.Logger) *Sender {
	return &Sender{cfg: cfg, logger: logger}
}

func (s *Sender) client(cfg SMTPConfig) (*gomail.Client, error) {
	tc, err := tlsConfig(cfg.Host, cfg.InsecureSkipVerify, cfg.CAFile)
	if err != nil {
		return nil, err
	}
	opts := []gomail.Option{
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSConfig(tc),
	}
	switch cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "starttls-optional":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	opts = append(opts, gomail.WithPort(cfg.Port)) // after the TLS options, which may pick a port
	if cfg.HeloName != "" {
		opts = append(opts, gomail.WithHELO(cfg.HeloName))
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: smtp: %w", ErrConfig, err)
	}
	return c, nil
}

// SendBatch sends msgs over one connection and reports each message's
// outcome through each(i, err): nil when the server accepted it, a
// *PartialError when it refused some recipients for good at RCPT and the
// others got a copy each (it counts as sent), else a *SendError. Once the connection is lost (421, reset, timeout) the rest of
// the batch is reported as temporary without trying.
//
// It returns an error only when the batch could not run: the configuration
// is unusable (ErrConfig; nothing is reported through each), the connection
// or login failed (every message is reported temporary through each, and
// the error wraps ErrUnreachable or ErrAuth), or ctx ended (the messages
// not yet tried are reported temporary).
func (s *Sender) SendBatch(ctx context.Context, msgs []Outgoing, each func(i int, err error)) error {
	if len(msgs) == 0 {
		return nil
	}
	cfg := s.cfg
	if err := cfg.check(); err != nil {
		return err
	}
	built := make([]*gomail.Msg, len(msgs))
	for i, o := range msgs {
		if o.From == "" {
			o.From = cfg.From
		}
		m, err := buildMsg(o)
		if err != nil {
			each(i, &SendError{Err: err, Permanent: true})
			continue
		}
		built[i] = m
	}
	c, err := s.client(cfg)
	if err != nil {
		return err
	}
	reportRest := func(from int, err error) {
		for j := from; j < len(built); j++ {
			if built[j] != nil {
				each(j, &SendError{Err: err})
			}
		}
	}
	addr := fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	if err := c.DialWithContext(ctx); err != nil {
		kind := ErrUnreachable
		if code := replyCode(err); code == 535 || code == 534 || code == 530 || strings.Contains(err.Error(), "AUTH") {
			kind = ErrAuth
		}
		err = fmt.Errorf("%w: smtp %s: %w", kind, addr, err)
		reportRest(0, err)
		return err
	}
	defer func() {
		if err := c.Close(); err != nil {
			s.logger.Debug("smtp close", "addr", addr, "err", err)
		}
	}()
	for i, m := range built {
		if m == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			reportRest(i, err)
			return err
		}
		err := c.Send(m)
		if err != nil && len(msgs[i].To) > 1 && rcptRefused(err) {
			// A real server refuses one closed mailbox at RCPT and the whole transaction
			// is reset: send one copy to each address, so the others still get it.
			o := msgs[i]
			if o.From == "" {
				o.From = cfg.From
			}
			err = s.sendEach(c, o)
		}
		if err == nil {
			s.logger.Debug("smtp sent", "message_id", msgs[i].MessageID, "to", msgs[i].To)
			each(i, nil)
			continue
		}
		var pe *PartialError
		if errors.As(err, &pe) {
			s.logger.Warn("smtp recipients refused, sent to the others", "message_id", msgs[i].MessageID,
				"refused", pe.Refused, "err", pe.Err)
			each(i, pe)
			if pe.connLost {
				reportRest(i+1, fmt.Errorf("%w: smtp %s: connection lost earlier in the batch: %w", ErrUnreachable, addr, pe.Err))
				return nil
			}
			continue
		}
		se, connLost := classify(err)
		s.logger.Info("smtp send failed", "message_id", msgs[i].MessageID, "code", se.Code,
			"permanent", se.Permanent, "err", err)
		each(i, se)
		if connLost {
			reportRest(i+1, fmt.Errorf("%w: smtp %s: connection lost earlier in the batch: %w", ErrUnreachable, addr, err))
			return nil
		}
	}
	return nil
}

// PartialError is a message the server took for some of its recipients only: each of
// the others got its own copy (same Message-ID, To naming that recipient alone) after
// the server refused Refused at RCPT (550 user unknown: a closed or mistyped mailbox).
// It counts as sent: sending it again would give the recipients who have it a second
// copy. Err is the server's answer for the last refused address.
type PartialError struct {
	Refused  []string
	Err      error
	connLost bool // the connection died after some copies went out: the rest untried
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("not delivered to %s: %v", strings.Join(e.Refused, ", "), e.Err)
}

func (e *PartialError) Unwrap() error { return e.Err }

// rcptRefused tells whether err is the server refusing a recipient for good at RCPT
// (go-mail then resets the transaction, sending to nobody).
func rcptRefused(err error) bool {
	var ge *gomail.SendError
	return errors.As(err, &ge) && ge.Reason == gomail.ErrSMTPRcptTo && !ge.IsTemp()
}

// sendEach sends o over c once per recipient. It returns nil when every copy went out,
// a *PartialError when some did, else the error of the last attempt (the connection's
// error when it was lost before any copy went out).
func (s *Sender) sendEach(c *gomail.Client, o Outgoing) error {
	var sent, refused []string
	var last error
	for k, to := range o.To {
		one := o
		one.To = []string{to}
		m, err := buildMsg(one)
		if err == nil {
			err = c.Send(m)
		}
		if err == nil {
			sent = append(sent, to)
			continue
		}
		last = err
		refused = append(refused, to)
		if _, lost := classify(err); lost {
			if len(sent) == 0 {
				return err
			}
			return &PartialError{Refused: append(refused, o.To[k+1:]...), Err: err, connLost: true}
		}
	}
	switch {
	case len(refused) == 0:
		return nil
	case len(sent) == 0:
		return last
	}
	se, _ := classify(last)
	return &PartialError{Refused: refused, Err: se}
}

// classify turns a go-mail error into a SendError and says whether the
// connection is gone.
func classify(err error) (se *SendError, connLost bool) {
	se = &SendError{Err: err, Code: replyCode(err)}
	var ge *gomail.SendError
	if errors.As(err, &ge) {
		if c := ge.ErrorCode(); c != 0 {
			se.Code = c
		}
		switch ge.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			se.Permanent = true
			return se, false
		case gomail.ErrConnCheck:
			return se, true
		}
	}
	switch {
	case se.Code >= 500:
		se.Permanent = true
	case se.Code == 421:
		connLost = true // "service not available, closing transmission channel"
	case se.Code >= 400:
	default:
		connLost = true // no reply at all: network error or timeout
	}
	return se, connLost
}

// replyCode finds the SMTP reply code at the start of err's text, 0 if none.
func replyCode(err error) int {
	for e := err; e != nil; e = errors.Unwrap(e) {
		msg := e.Error()
		if len(msg) >= 3 && msg[0] >= '2' && msg[0] <= '5' && isDigit(msg[1]) && isDigit(msg[2]) && (len(msg) == 3 || msg[3] == ' ' || msg[3] == '-') {
			return int(msg[0]-'0')*100 + int(msg[1]-'0')*10 + int(msg[2]-'0')
		}
	}
	return 0
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// BuildMessage renders o as RFC 5322 bytes, exactly as SendBatch sends it:
// UTF-8 text (quoted-printable), the subject and attachment names encoded
// per RFC 2047, Message-ID set to o.MessageID. It returns an error if
// MessageID, From or To is missing or an address does not parse.
func BuildMessage(o Outgoing) ([]byte, error) {
	m, err := buildMsg(o)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("render message %s: %w", o.MessageID, err)
	}
	return buf.Bytes(), nil
}

func buildMsg(o Outgoing) (*gomail.Msg, error) {
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(o.MessageID), "<"), ">")
	if id == "" || !strings.Contains(id, "@") || strings.ContainsAny(id, "<> \r\n") {
		return nil, fmt.Errorf("message id %q: want <local@domain>", o.MessageID)
	}
	if len(o.To) == 0 {
		return nil, fmt.Errorf("message %s: no recipients", o.MessageID)
	}
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := m.From(o.From); err != nil {
		return nil, fmt.Errorf("message %s: from %q: %w", o.MessageID, o.From, err)
	}
	if err := m.To(o.To...); err != nil {
		return nil, fmt.Errorf("message %s: to %q: %w", o.MessageID, o.To, err)
	}
	if strings.ContainsAny(o.Subject, "\r\n") {
		return nil, fmt.Errorf("message %s: subject contains a line break", o.MessageID)
	}
	m.SetGenHeaderPreformatted(gomail.HeaderSubject, encodeSubject(o.Subject))
	m.SetMessageIDWithValue(id)
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}
	m.SetDateWithValue(date)
	for k, v := range o.Headers {
		if strings.ContainsAny(k, ": \r\n") || strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("message %s: bad header %q", o.MessageID, k)
		}
		m.SetGenHeader(gomail.Header(k), v)
	}
	m.SetBodyString(gomail.TypeTextPlain, o.Text)
	for _, a := range o.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		if err := m.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(ct))); err != nil {
			return nil, fmt.Errorf("message %s: attach %q: %w", o.MessageID, a.Name, err)
		}
	}
	return m, nil
}

// SMTPInfo is what the SMTP server said about itself, for kaohe doctor.
type SMTPInfo struct {
	// SizeLimit is the largest message it takes (its EHLO SIZE), 0 when it names none.
	SizeLimit int64
	HasSize   bool // it offers SIZE at all
}

// Check connects to the SMTP server, negotiates TLS and logs in as a batch would, then
// hangs up without sending. It returns ErrConfig for an unusable configuration, and
// errors wrapping ErrUnreachable or ErrAuth when the server cannot be reached or refuses
// the login.
func (s *Sender) Check(ctx context.Context) error {
	_, err := s.Probe(ctx)
	return err
}

// Probe is Check, also returning what the server offers (its size limit).
func (s *Sender) Probe(ctx context.Context) (SMTPInfo, error) {
	var info SMTPInfo
	cfg := s.cfg
	if err := cfg.check(); err != nil {
		return info, err
	}
	c, err := s.client(cfg)
	if err != nil {
		return info, err
	}
	addr := fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		kind := ErrUnreachable
		if code := replyCode(err); code == 535 || code == 534 || code == 530 || strings.Contains(err.Error(), "AUTH") {
			kind = ErrAuth
		}
		return info, fmt.Errorf("%w: smtp %s: %w", kind, addr, err)
	}
	if ok, param := sc.Extension("SIZE"); ok {
		info.HasSize = true
		info.SizeLimit, _ = strconv.ParseInt(strings.TrimSpace(param), 10, 64) // "SIZE" alone: no limit named
	}
	return info, c.CloseWithSMTPClient(sc)
}
