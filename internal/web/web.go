// Package web is the office console: the month at a glance, each unit's forms, mails
// and report, the office review, checks and adjustments, the outbox and the run log, in
// the browser. It is served by `kaohe serve` (when [web] is enabled) and by `kaohe web`.
//
// Pages are rendered on the server (html/template, assets embedded, no JavaScript). Every
// action calls the same code as the command that does it (jobs.Deps.AddAdjustment for
// `kaohe adjust add`, …) with the logged-in user as --by, and is written to the store's
// audit trail. Users log in with a password (bcrypt); a session is a random token in an
// HttpOnly, SameSite=Strict cookie (Secure over HTTPS) whose SHA-256 the store keeps;
// every form carries the session's CSRF token; wrong passwords are slowed down.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/jobs"
)

//go:embed assets/*.html assets/*.css
var assets embed.FS

// Options configure a Server.
type Options struct {
	Deps *jobs.Deps
	// Reviewer is the office review (issue 14); nil: the 审核 page says it is not enabled.
	Reviewer Reviewer
	Logger   *slog.Logger
	// Secure marks the session cookie Secure: the console is reached over HTTPS (its own
	// TLS, or a proxy in front).
	Secure bool
	// SessionTTL is how long a login lasts (default 12 h).
	SessionTTL time.Duration
	// Now is the clock (default: Deps.Clock, else the real one).
	Now func() time.Time
}

// Server is the console's HTTP handler.
type Server struct {
	d      *jobs.Deps
	rev    Reviewer
	log    *slog.Logger
	secure bool
	ttl    time.Duration
	clock  func() time.Time
	pages  map[string]*template.Template
	mux    *http.ServeMux
	lim    limiter

	mu    sync.Mutex
	flash map[string]flash // by session
}

type flash struct {
	Text string
	Err  bool
}

// New builds the console on d.
//
// Errors: the embedded templates do not parse (a bug).
func New(o Options) (*Server, error) {
	if o.Deps == nil {
		return nil, errors.New("web: no Deps")
	}
	s := &Server{d: o.Deps, rev: o.Reviewer, log: o.Logger, secure: o.Secure, ttl: o.SessionTTL, clock: o.Now,
		flash: map[string]flash{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.ttl <= 0 {
		s.ttl = 12 * time.Hour
	}
	if s.clock == nil {
		if c := o.Deps.Clock; c != nil {
			s.clock = c.Now
		} else {
			s.clock = time.Now
		}
	}
	if err := s.parse(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func (s *Server) now() time.Time { return s.clock().In(s.d.Config.Location) }

func (s *Server) parse() error {
	base, err := template.New("base").Funcs(funcs(s.d.Config.Location)).ParseFS(assets, "assets/base.html")
	if err != nil {
		return fmt.Errorf("web templates: %w", err)
	}
	names, err := fs.Glob(assets, "assets/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "assets/"), ".html")
		if name == "base" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(assets, n)
		if err != nil {
			return fmt.Errorf("web templates: %w", err)
		}
		s.pages[name] = t
	}
	return nil
}

// ServeHTTP serves the console.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if s.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	s.mux.ServeHTTP(w, r)
}

// Listen opens the listener of w.Listen, refusing an address other than loopback in
// plain HTTP without a proxy in front (config.Web.Problems).
//
// Errors: the problems of w, or the listener's error.
func Listen(w config.Web) (net.Listener, error) {
	if p := w.Problems(); len(p) > 0 {
		return nil, fmt.Errorf("web: %s", strings.Join(p, "; "))
	}
	return net.Listen("tcp", w.Listen)
}

// Serve serves the console on ln (HTTPS when w names a certificate) until ctx ends,
// then shuts down, letting requests in hand finish for up to 5 seconds.
//
// Errors: the server's, other than its closing.
func (s *Server) Serve(ctx context.Context, ln net.Listener, w config.Web) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	done := make(chan error, 1)
	go func() {
		if w.TLS() {
			done <- srv.ServeTLS(ln, w.TLSCert, w.TLSKey)
		} else {
			done <- srv.Serve(ln)
		}
	}()
	scheme := "http"
	if w.TLS() {
		scheme = "https"
	}
	s.log.Info("office console listening", "url", scheme+"://"+ln.Addr().String()+"/")
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if e := <-done; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}
