package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/seeds"
)

// loadConfig loads the config named by --config (or $KAOHE_CONFIG), or the defaults, and
// applies --store. Config problems are a user error listing all of them.
func (g *Globals) loadConfig() (*config.Config, error) {
	c, warnings, err := config.Load(g.Config, nil)
	var pe *config.ProblemsError
	if errors.As(err, &pe) {
		return nil, &userError{msg: pe.Error()}
	}
	if err != nil {
		return nil, &userError{msg: fmt.Sprintf("config: %v", err)}
	}
	for _, w := range warnings {
		g.logger.Debug("config warning", "warning", w)
	}
	if g.Store != "" {
		c.Store.Path = g.Store
	}
	return c, nil
}

// loadData loads the checklist and roster the config names (or the embedded ones).
func loadData(c *config.Config) (*seeds.Checklist, *seeds.Roster, error) {
	cl, err := seeds.LoadChecklist(c.Checklist.File)
	if err != nil {
		return nil, nil, &userError{msg: err.Error()}
	}
	r, err := seeds.LoadRoster(c.Roster.File)
	if err != nil {
		return nil, nil, &userError{msg: err.Error()}
	}
	return cl, r, nil
}

// app is what a command that touches the store needs; close it when done.
type app struct {
	*jobs.Deps
}

func (a *app) Close() error { return a.Deps.Close() }

func (g *Globals) openAppWith(ctx context.Context, c *config.Config) (*app, error) {
	d, err := jobs.Wire(ctx, c, g.logger, jobs.WireOptions{Clock: g.hooks.clock})
	var we *jobs.WireError
	switch {
	case errors.As(err, &we) && we.Part == "store":
		return nil, &userError{msg: "store " + we.Err.Error(), code: exitUnreachable}
	case errors.As(err, &we):
		return nil, &userError{msg: we.Err.Error()}
	case err != nil:
		return nil, err
	}
	if open := d.OpenMailbox; open != nil {
		d.OpenMailbox = func(ctx context.Context) (jobs.Mailbox, error) {
			in, err := open(ctx)
			if err != nil {
				return nil, unreachable(err)
			}
			return in, nil
		}
	}
	return &app{Deps: d}, nil
}

// unreachable marks connection failures with exit code 3.
func unreachable(err error) error {
	if errors.Is(err, mail.ErrUnreachable) {
		return &userError{msg: err.Error(), code: exitUnreachable}
	}
	if errors.Is(err, mail.ErrAuth) {
		return &userError{msg: err.Error()}
	}
	return err
}

func hostPort(addr string) (string, int) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	n, _ := strconv.Atoi(p) // an address from net.Listener always has a numeric port
	return h, n
}

// periodOrNow returns p, or the current period in the office's time zone when p is "".
func periodOrNow(p string, c *config.Config) (string, error) {
	if p == "" {
		return jobs.CurrentPeriod(time.Now().In(c.Location)), nil
	}
	if err := jobs.CheckPeriod(p); err != nil {
		return "", &userError{msg: err.Error(), code: exitUsage}
	}
	return p, nil
}
