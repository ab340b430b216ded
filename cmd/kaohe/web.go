package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/term"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/internal/web"
)

// WebCmd runs the office console alone against the store.
type WebCmd struct {
	Listen string `help:"Address to listen on, host:port (default: web.listen, 127.0.0.1:8080). Other than loopback needs web.tls_cert and web.tls_key, or web.behind_proxy." placeholder:"ADDR"`
}

// Help is the detail of kaohe web --help.
func (c *WebCmd) Help() string {
	return "Serves the office console (本月概况, each unit's forms, mails and report, 审核, 核查与加减分, 发件箱, 运行记录) " +
		"in the browser until SIGINT or SIGTERM, without the scheduler; kaohe serve runs it beside the scheduler when web.enabled is true. " +
		"Users log in with the accounts of kaohe user add."
}

// Run serves the console until interrupted.
func (c *WebCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		w := a.Config.Web
		if c.Listen != "" {
			w.Listen = c.Listen
		}
		return g.runConsole(ctx, a, w)
	})
}

// reviewerFor is the office review the console offers on its 审核 page; nil: the page
// says the review is not enabled. It is the review `kaohe review` runs (jobs.Deps.Review*).
var reviewerFor = func(a *app) web.Reviewer { return web.JobsReviewer(a.Deps) }

// console opens the listener and builds the console on a: a user error when the address
// is refused or taken.
func (g *Globals) console(ctx context.Context, a *app, w config.Web) (func(ctx context.Context) error, error) {
	ln, err := web.Listen(w)
	if err != nil {
		return nil, userErrorf("kaohe web: %v", err)
	}
	srv, err := web.New(web.Options{Deps: a.Deps, Reviewer: reviewerFor(a), Logger: a.Logger, Secure: w.TLS() || w.BehindProxy,
		SessionTTL: time.Duration(w.SessionHours) * time.Hour})
	if err != nil {
		ln.Close()
		return nil, err
	}
	scheme := "http"
	if w.TLS() {
		scheme = "https"
	}
	fmt.Fprintf(g.stdout, "office console: %s://%s/\n", scheme, ln.Addr())
	if us, err := a.Store.Users(ctx); err == nil && len(us) == 0 {
		fmt.Fprintln(g.stdout, "no users yet: add one with `kaohe user add NAME --role admin`")
	}
	return func(ctx context.Context) error { return srv.Serve(ctx, ln, w) }, nil
}

func (g *Globals) runConsole(ctx context.Context, a *app, w config.Web) error {
	serve, err := g.console(ctx, a, w)
	if err != nil {
		return err
	}
	return serve(ctx)
}

// serveWithConsole runs the scheduler, and the console beside it when web.enabled: when
// either stops, so does the other.
func (g *Globals) serveWithConsole(ctx context.Context, a *app) error {
	if !a.Config.Web.Enabled {
		return a.Serve(ctx)
	}
	serve, err := g.console(ctx, a, a.Config.Web)
	if err != nil {
		return err
	}
	eg, ectx := errgroup.WithContext(ctx)
	eg.Go(func() error { return a.Serve(ectx) })
	eg.Go(func() error { return serve(ectx) })
	return eg.Wait()
}

// UserCmd manages the console's users.
type UserCmd struct {
	Add     UserAddCmd     `cmd:"" help:"Add a user of the office console."`
	List    UserListCmd    `cmd:"" help:"List the users."`
	Passwd  UserPasswdCmd  `cmd:"" help:"Set a user's password (ends the user's sessions)."`
	Disable UserDisableCmd `cmd:"" help:"Disable a user (ends the user's sessions); --enable undoes it."`
}

// UserAddCmd adds a user.
type UserAddCmd struct {
	Name         string `arg:"" help:"User name, as it will appear in the records (e.g. 王芳)."`
	Role         string `help:"viewer (sees), reviewer (also reviews, records checks and adjustments, resends mail) or admin (also manages users)." enum:"viewer,reviewer,admin" required:""`
	PasswordFile string `help:"Read the password from this file (first line); default: asked on the terminal." type:"existingfile" placeholder:"FILE"`
	By           string `help:"Who adds the user (default: config office.operator, else $USER)."`
}

// Run adds the user.
func (c *UserAddCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		pw, err := g.password(c.PasswordFile)
		if err != nil {
			return err
		}
		hash, err := web.HashPassword(pw)
		if err != nil {
			return userErrorf("user add: %v", err)
		}
		by := a.Operator(c.By)
		if by == "" {
			by = "kaohe user add"
		}
		u, err := a.Store.AddUser(ctx, c.Name, c.Role, hash, by, time.Now())
		if errors.Is(err, store.ErrState) || errors.Is(err, store.ErrInvalid) {
			return userErrorf("user add: %v", err)
		} else if err != nil {
			return err
		}
		if err := a.Store.Audit(ctx, time.Now(), by, "user.add", u.Name+" "+u.Role+" (kaohe user add)"); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "added %s (%s)\n", u.Name, u.Role)
		return nil
	})
}

// UserListCmd lists the users.
type UserListCmd struct{}

// Run prints one line per user.
func (c *UserListCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		us, err := a.Store.Users(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			state := ""
			if u.Disabled {
				state = "  disabled"
			}
			fmt.Fprintf(g.stdout, "%-12s %-8s added %s by %s%s\n", u.Name, u.Role, u.Created.In(a.Config.Location).Format("2006-01-02 15:04"), u.CreatedBy, state)
		}
		return nil
	})
}

// UserPasswdCmd sets a password.
type UserPasswdCmd struct {
	Name         string `arg:""`
	PasswordFile string `help:"Read the password from this file (first line); default: asked on the terminal." type:"existingfile" placeholder:"FILE"`
}

// Run sets the password.
func (c *UserPasswdCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		pw, err := g.password(c.PasswordFile)
		if err != nil {
			return err
		}
		hash, err := web.HashPassword(pw)
		if err != nil {
			return userErrorf("user passwd: %v", err)
		}
		if err := a.Store.SetUserPassword(ctx, c.Name, hash); errors.Is(err, store.ErrNotFound) {
			return userErrorf("user passwd: no user %q (kaohe user list)", c.Name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "password of %s set; their sessions are ended\n", c.Name)
		return nil
	})
}

// UserDisableCmd disables or enables a user.
type UserDisableCmd struct {
	Name   string `arg:""`
	Enable bool   `help:"Enable the user again."`
}

// Run disables (or enables) the user.
func (c *UserDisableCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		if err := a.Store.SetUserDisabled(ctx, c.Name, !c.Enable); errors.Is(err, store.ErrNotFound) {
			return userErrorf("user disable: no user %q (kaohe user list)", c.Name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "%s %s\n", c.Name, map[bool]string{true: "enabled", false: "disabled; their sessions are ended"}[c.Enable])
		return nil
	})
}

// password reads a new password: the first line of file, else twice from the terminal
// without echo, else one line from standard input.
func (g *Globals) password(file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", userErrorf("%v", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return strings.TrimRight(line, "\r"), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		if strings.TrimSpace(line) == "" {
			return "", userErrorf("no password: give --password-file FILE, or type it on a terminal")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(g.stderr, "password: ")
	a, err := term.ReadPassword(fd)
	fmt.Fprintln(g.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(g.stderr, "again: ")
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(g.stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", userErrorf("the two passwords differ")
	}
	return string(a), nil
}

// freshDemoStore returns the path of the store demo --web keeps, DIR/kaohe.db, removing
// the one an earlier run left.
func freshDemoStore(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	p, err := filepath.Abs(filepath.Join(dir, "kaohe.db"))
	if err != nil {
		return "", err
	}
	for _, f := range []string{p, p + "-wal", p + "-shm"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return p, nil
}

// demoConsole serves the console on the demo's store with a new admin user "admin"
// whose one-time password it prints, until interrupted.
func (g *Globals) demoConsole(storePath, listen string) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	cfg.Store.Path = storePath
	cfg.IMAP.Host, cfg.SMTP.Host = "", "" // the demo's mail servers are gone: mail stays in the outbox
	cfg.Web.Listen = listen
	a, err := g.openAppWith(g.ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	pw := rand.Text() // 26 characters of base32, 130 bits
	hash, err := web.HashPassword(pw)
	if err != nil {
		return err
	}
	if _, err := a.Store.AddUser(g.ctx, "admin", store.RoleAdmin, hash, "kaohe demo", time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\nconsole user: admin  one-time password: %s\n", pw)
	fmt.Fprintf(g.stdout, "store kept:   %s (stop with Ctrl-C)\n", storePath)
	return g.runConsole(g.ctx, a, cfg.Web)
}
