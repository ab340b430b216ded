package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/jining/kaohe/internal/score"
	"strconv"
	"strings"
	"time"

	"github.com/jining/kaohe/jobs"
)

// ExtendCmd opens a locked period for one county.
type ExtendCmd struct {
	County string `help:"County code or name (see the roster)." required:""`
	Period string `help:"Period, YYYY-MM." required:""`
	Until  string `help:"Until when its forms count: \"2026-12-28 18:00\" in office time (office.timezone), or RFC 3339." required:"" placeholder:"TIME"`
	Reason string `help:"Why, as the county is told." required:""`
	By     string `help:"Who grants it (default: config office.operator, else $USER)."`
}

// Help is the detail of kaohe extend --help.
func (c *ExtendCmd) Help() string {
	return "After period.lock_after_days past the deadline a period is locked: a form arriving later is stored but not scored, " +
		"and the county gets a 【逾期】 reply. extend opens the period for one county until --until, recorded with who, when and why; " +
		"the county is mailed a 【延期】 notice. A form it sent after the lock and before --until then counts (still 迟报): " +
		"run `kaohe assess --period P --queue` again, and the reports that changed go out once more, marked 更正."
}

// Run records the extension and queues the notice.
func (c *ExtendCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		county, err := rosterCounty(a.Roster, c.County)
		if err != nil {
			return err
		}
		if err := jobs.CheckPeriod(c.Period); err != nil {
			return &userError{msg: "extend: " + err.Error(), code: exitUsage}
		}
		until, err := parseTime(c.Until, a.Config.Location)
		if err != nil {
			return &userError{msg: "extend: --until: " + err.Error(), code: exitUsage}
		}
		e, err := a.Extend(ctx, county.Code, c.Period, until, strings.TrimSpace(c.Reason), c.By)
		if errors.Is(err, jobs.ErrExtension) {
			return userErrorf("extend: %s", strings.TrimPrefix(err.Error(), jobs.ErrExtension.Error()+": "))
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "extended %d: %s %s until %s (%s) by %s; the county is notified (kaohe deliver)\n",
			e.ID, county.Name, e.Period, e.Until.In(a.Config.Location).Format("2006-01-02 15:04"), e.Reason, e.By)
		fmt.Fprintf(g.stdout, "run `kaohe assess --period %s --queue` to score the period with its form: changed reports go out as 更正\n", e.Period)
		return nil
	})
}

// parseTime parses "2006-01-02 15:04" in loc, or RFC 3339.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), nil
	}
	return time.Time{}, fmt.Errorf("%q: want \"2026-12-28 18:00\" (office time) or RFC 3339", s)
}

// printRates prints the rates of kaohe status --months.
func printRates(ctx context.Context, g *Globals, a *app, period string, months int) error {
	units, city, periods, err := a.Rates(ctx, period, months)
	if err != nil {
		return err
	}
	if len(periods) == 0 {
		fmt.Fprintf(g.stdout, "\n报送率：%s 及以前尚无考核结果（kaohe assess）\n", period)
		return nil
	}
	fmt.Fprintf(g.stdout, "\n近%d期报送情况（%s 至 %s）：\n", len(periods), periods[len(periods)-1], periods[0])
	widths := []int{8, 20, 8, 10, 10}
	printRow(g.stdout, []string{"代码", "单位", "报送率", "按时报送率", "连续按时"}, widths)
	row := func(code, name string, r score.Rate) {
		printRow(g.stdout, []string{code, name, pct(r.SubmitRate()), pct(r.OnTimeRate()), fmt.Sprintf("%d期", r.Streak)}, widths)
	}
	for _, u := range units {
		row(u.County, u.Name, u)
	}
	row("", "全市", city)
	return nil
}

func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }
