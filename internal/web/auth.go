package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/jining/kaohe/internal/store"
)

// bcryptCost is the cost of new hashes; tests lower it (a hash's cost is stored with it,
// so the login checks each at the cost it was made with).
var bcryptCost = bcrypt.DefaultCost

// MinPassword is the shortest password kaohe user add and the users page accept.
const MinPassword = 10

// HashPassword checks a new password and returns its bcrypt hash for the store.
//
// Errors: a Chinese message for a password too short or too long for bcrypt.
func HashPassword(pw string) (string, error) {
	if utf8.RuneCountInString(pw) < MinPassword {
		return "", fmt.Errorf("密码至少%d个字符。", MinPassword)
	}
	if len(pw) > 72 {
		return "", errors.New("密码最长72字节（bcrypt的上限）。")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcryptCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// dummyHash is compared against when the user does not exist, so that a login takes as
// long for an unknown name as for a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("kaohe-no-such-user"), bcrypt.DefaultCost)

const sessionCookie = "kaohe_session"

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func tokenSHA(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}

// session is a logged-in user as a request sees it.
type session struct {
	User  *store.User
	CSRF  string
	token string // sha256 of the cookie
}

func (s *session) CanAct() bool {
	return s.User.Role == store.RoleReviewer || s.User.Role == store.RoleAdmin
}
func (s *session) IsAdmin() bool    { return s.User.Role == store.RoleAdmin }
func (s *session) RoleName() string { return roleNames[s.User.Role] }

var roleNames = map[string]string{store.RoleViewer: "查看员", store.RoleReviewer: "审核员", store.RoleAdmin: "管理员"}

// sessionOf returns the request's session, or nil when it has none valid.
func (s *Server) sessionOf(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != 64 {
		return nil
	}
	h := tokenSHA(c.Value)
	u, csrf, err := s.d.Store.Session(r.Context(), h, s.now())
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("reading session", "err", err)
		}
		return nil
	}
	return &session{User: u, CSRF: csrf, token: h}
}

// login checks name and password and starts a session, setting its cookie.
func (s *Server) login(ctx context.Context, w http.ResponseWriter, name, pw string) error {
	u, hash, err := s.d.Store.UserByName(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if u == nil || u.Disabled {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(pw)) // same time as a wrong password
		return errBadLogin
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) != nil {
		return errBadLogin
	}
	tok, now := randomToken(), s.now()
	exp := now.Add(s.ttl)
	if err := s.d.Store.CreateSession(ctx, tokenSHA(tok), u.ID, randomToken(), now, exp); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", MaxAge: int(s.ttl / time.Second), HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteStrictMode})
	return nil
}

var errBadLogin = errors.New("用户名或密码错误。")

func clearCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
}

// checkCSRF reports whether a state-changing request carries the session's token (the
// form field csrf) and, when the browser says where it comes from, comes from this site.
func checkCSRF(r *http.Request, sess *session) bool {
	if !sameOrigin(r) {
		return false
	}
	tok := r.PostFormValue("csrf")
	return tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(sess.CSRF)) == 1
}

// sameOrigin reports whether the browser's Origin header, when it sends one, names this
// site. ("null" is what a browser sends from a privacy-sensitive context: refused too.)
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	_, host, ok := strings.Cut(o, "://")
	// Behind a proxy that rewrites Host, the proxy names the browser's host in
	// X-Forwarded-Host; a page of another site cannot set that header on a form post.
	return ok && (host == r.Host || host == r.Header.Get("X-Forwarded-Host"))
}

// limiter slows down guessing: after maxFailures wrong passwords for a name (four times
// as many from one address) it refuses every attempt for a wait that doubles with each further failure,
// from 30 seconds up to 15 minutes. A successful login clears the name's count.
type limiter struct {
	mu   sync.Mutex
	fail map[string]*failures
}

type failures struct {
	n, threshold int
	last         time.Time
}

const (
	maxFailures = 5
	firstWait   = 30 * time.Second
	maxWait     = 15 * time.Minute
	forgetAfter = time.Hour
)

func (f *failures) wait() time.Duration {
	if f.n < f.threshold {
		return 0
	}
	d := firstWait
	for i := f.threshold; i < f.n && d < maxWait; i++ {
		d *= 2
	}
	return min(d, maxWait)
}

// blocked returns how long the caller must still wait before trying keys again.
func (l *limiter) blocked(now time.Time, keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var longest time.Duration
	for _, k := range keys {
		f := l.fail[k]
		if f == nil {
			continue
		}
		if now.Sub(f.last) > forgetAfter {
			delete(l.fail, k)
			continue
		}
		if left := f.last.Add(f.wait()).Sub(now); left > longest {
			longest = left
		}
	}
	return longest
}

func (l *limiter) failed(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail == nil {
		l.fail = map[string]*failures{}
	}
	for _, k := range keys {
		f := l.fail[k]
		if f == nil {
			f = &failures{threshold: maxFailures}
			if strings.HasPrefix(k, "ip:") {
				// An office's clerks may share one address: it takes more failures
				// from it than for one name before everyone there has to wait.
				f.threshold = 4 * maxFailures
			}
			l.fail[k] = f
		}
		f.n++
		f.last = now
	}
}

func (l *limiter) succeeded(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fail, key)
}
