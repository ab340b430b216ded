package main

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
)

// DispatchCmd mails each county its form for a period.
type DispatchCmd struct {
	Period string `help:"Period, YYYY-MM (default: the current month)."`
	DryRun bool   `help:"Build the forms and mails but queue and send nothing."`
}

// Run queues the forms, then delivers what is due. It refuses the demo secret unless
// it is a dry run.
func (c *DispatchCmd) Run(g *Globals) error {
	gate := needSecret("dispatch")
	if c.DryRun {
		gate = g.warnSecret("dispatch --dry-run")
	}
	return g.withGatedApp(gate, func(ctx context.Context, a *app) error {
		p, err := periodOrNow(c.Period, a.Config)
		if err != nil {
			return err
		}
		counts, err := a.RunLoggedCause(ctx, "dispatch", p, previewIf(c.DryRun), func(ctx context.Context) (jobs.Counts, error) { return a.Dispatch(ctx, p, c.DryRun) })
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "dispatch %s: %d forms built, %d queued (%d were already), %d prefilled\n", p, counts["forms"], counts["queued"], counts["already_queued"], counts["prefilled"])
		if c.DryRun {
			return nil
		}
		return g.deliverNow(ctx, a)
	})
}

// RemindCmd reminds the counties that have no accepted form.
type RemindCmd struct {
	Period string `help:"Period, YYYY-MM (default: the current month)."`
	DryRun bool   `help:"Say who would be reminded, queue and send nothing."`
}

// Run queues the reminders, then delivers what is due. It refuses the demo secret
// unless it is a dry run.
func (c *RemindCmd) Run(g *Globals) error {
	gate := needSecret("remind")
	if c.DryRun {
		gate = g.warnSecret("remind --dry-run")
	}
	return g.withGatedApp(gate, func(ctx context.Context, a *app) error {
		p, err := periodOrNow(c.Period, a.Config)
		if err != nil {
			return err
		}
		counts, err := a.RunLoggedCause(ctx, "remind", p, previewIf(c.DryRun), func(ctx context.Context) (jobs.Counts, error) { return a.Remind(ctx, p, c.DryRun) })
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "remind %s: %d counties reminded, %d already done\n", p, counts["reminded"], counts["done"])
		if c.DryRun {
			return nil
		}
		return g.deliverNow(ctx, a)
	})
}

// CollectCmd reads the intake mailbox.
type CollectCmd struct {
	Watch bool `help:"Keep watching the mailbox (IDLE, else polling) until interrupted."`
}

// Run makes one pass (or watches), answering every form. It refuses the demo secret.
func (c *CollectCmd) Run(g *Globals) error {
	return g.withGatedApp(needSecret("collect"), func(ctx context.Context, a *app) error {
		if a.OpenMailbox == nil {
			return userErrorf("collect: no IMAP server configured (imap.host in the config)")
		}
		if c.Watch {
			return a.Watch(ctx)
		}
		counts, err := a.RunLogged(ctx, "collect", "", a.Collect)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "collect: %d messages, %d forms accepted, %d rejected, %d without a form, %d from unknown senders\n",
			counts["messages"], counts["accepted"], counts["rejected"], counts["noform"], counts["unknown_sender"])
		return g.deliverNow(ctx, a)
	})
}

// DeliverCmd drains the outbox.
type DeliverCmd struct{}

// Run sends every due mail. It refuses the demo secret.
func (c *DeliverCmd) Run(g *Globals) error {
	return g.withGatedApp(needSecret("deliver"), func(ctx context.Context, a *app) error { return g.deliverNow(ctx, a) })
}

func (g *Globals) deliverNow(ctx context.Context, a *app) error {
	if a.Sender == nil {
		fmt.Fprintln(g.stdout, "deliver: no SMTP server configured (smtp.host): mail stays queued in the outbox")
		return nil
	}
	counts, err := a.RunLogged(ctx, "deliver", "", a.Deliver)
	if err != nil {
		return unreachable(err)
	}
	fmt.Fprintf(g.stdout, "deliver: %d sent, %d deferred, %d failed\n", counts["sent"], counts["deferred"], counts["failed"])
	return nil
}

// AssessCmd scores a period and prints the league table.
type AssessCmd struct {
	Period string `help:"Period, YYYY-MM (default: the current month)."`
	Format string `help:"Output: table, json or csv." enum:"table,json,csv" default:"table"`
	Out    string `help:"Write the reports to DIR/<period>/: <county>.pdf, summary.pdf, summary.xlsx." type:"path" placeholder:"DIR"`
	Queue  bool   `help:"Also queue the reports for delivery (county reports to counties, the summary to leaders)."`
}

// Run scores, optionally renders and queues, and prints. With --queue and an SMTP
// server configured it refuses the demo secret.
func (c *AssessCmd) Run(g *Globals) error {
	gate := func(cfg *config.Config) error {
		if c.Queue && cfg.SMTP.Host != "" {
			return needSecret("assess --queue")(cfg)
		}
		return nil
	}
	return g.withGatedApp(gate, func(ctx context.Context, a *app) error {
		p, err := periodOrNow(c.Period, a.Config)
		if err != nil {
			return err
		}
		if err := jobs.ChecklistInForce(a.Checklist, a.Config, p); err != nil {
			return &userError{msg: "assess: " + err.Error()} // exit 1: the office confirms the year
		}
		o := jobs.AssessOptions{OutDir: c.Out, Render: c.Out != "", Queue: c.Queue}
		var res *jobs.Assessment
		_, err = a.RunLoggedCause(ctx, "assess", p, previewIf(!c.Queue), func(ctx context.Context) (jobs.Counts, error) {
			r, counts, err := a.Assess(ctx, p, o)
			res = r
			return counts, err
		})
		if err != nil {
			return err
		}
		if err := printResult(g.stdout, res.Result, c.Format); err != nil {
			return err
		}
		if len(res.Files) > 0 && c.Format == "table" {
			fmt.Fprintf(g.stdout, "\nreports: %s (%d files)\n", filepath.Dir(res.Files[0]), len(res.Files))
		}
		return nil
	})
}

func printResult(w io.Writer, r *score.Result, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "csv":
		cw := csv.NewWriter(w)
		head := []string{"rank", "code", "county", "total", "grade"}
		for _, a := range r.Areas {
			head = append(head, a.Name)
		}
		head = append(head, "rank_change", "total_change", "deduction", "days_late")
		cw.Write(head)
		for _, c := range r.Counties {
			row := []string{rankText(c), c.Code, c.Name, fmt.Sprintf("%.2f", c.Total), c.Grade}
			if !c.Submitted {
				row[3], row[4] = "", "未报送"
			}
			for _, a := range c.Areas {
				row = append(row, fmt.Sprintf("%.2f", a.Score))
			}
			for len(row) < 5+len(r.Areas) {
				row = append(row, "")
			}
			row = append(row, fmt.Sprint(c.RankChange), fmt.Sprintf("%.2f", c.TotalChange), fmt.Sprintf("%.2f", c.Deduction), fmt.Sprint(c.DaysLate))
			cw.Write(row)
		}
		cw.Flush()
		return cw.Error()
	}
	fmt.Fprintf(w, "%s 乡村振兴重点工作考核（任务清单 %s 版）\n\n", r.Period, r.ChecklistVersion)
	cols := []string{"位次", "单位", "总分", "等次"}
	widths := []int{4, 20, 7, 6}
	for _, a := range r.Areas {
		cols = append(cols, a.Name)
		widths = append(widths, 9)
	}
	cols = append(cols, "变化")
	widths = append(widths, 8)
	printRow(w, cols, widths)
	for _, c := range r.Counties {
		name := c.Name
		if c.Type != "" {
			name += "（" + c.Type + "）"
		}
		row := []string{rankText(c), name, fmt.Sprintf("%.2f", c.Total), c.Grade}
		if !c.Submitted {
			row[2], row[3] = "—", "未报送"
		}
		for i := range r.Areas {
			if i < len(c.Areas) && c.Submitted {
				row = append(row, fmt.Sprintf("%.2f", c.Areas[i].Score))
			} else {
				row = append(row, "—")
			}
		}
		row = append(row, changeArrow(c))
		printRow(w, row, widths)
	}
	cp := r.Completeness
	fmt.Fprintf(w, "\n应报 %d，已报 %d（按时 %d，迟报 %d），未报送 %d，被退回未重报 %d\n", cp.Expected, cp.Submitted, cp.OnTime, cp.Late, cp.Missing, cp.Rejected)
	for _, d := range r.Doubts {
		fmt.Fprintf(w, "存疑  %s %s %s：自报%.1f%%，数据%.1f%%\n", d.Name, d.Task, d.Title, d.Claimed*100, d.Data*100)
	}
	for _, c := range r.Counties {
		var ids []string
		for _, t := range c.Tasks {
			if t.NoEvidence {
				ids = append(ids, t.Task)
			}
		}
		if len(ids) > 0 {
			fmt.Fprintf(w, "缺佐证 %s：%s\n", c.Name, strings.Join(ids, "、"))
		}
	}
	return nil
}

func rankText(c score.CountyResult) string {
	if c.Rank == 0 {
		return "—"
	}
	return fmt.Sprint(c.Rank)
}

func changeArrow(c score.CountyResult) string {
	switch {
	case !c.HasPrev || c.Rank == 0:
		return ""
	case c.RankChange > 0:
		return fmt.Sprintf("↑%d", c.RankChange)
	case c.RankChange < 0:
		return fmt.Sprintf("↓%d", -c.RankChange)
	}
	return "持平"
}

// printRow prints cells padded to widths in terminal columns (CJK characters take two).
func printRow(w io.Writer, cells []string, widths []int) {
	var b strings.Builder
	for i, c := range cells {
		b.WriteString(c)
		if i < len(cells)-1 {
			for n := displayWidth(c); n < widths[i]; n++ {
				b.WriteByte(' ')
			}
			b.WriteByte(' ')
		}
	}
	fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r >= 0x1100 && (r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 || r >= 0xf900 && r <= 0xfaff || r >= 0xfe30 && r <= 0xfe4f || r >= 0xff00 && r <= 0xff60 || r >= 0xffe0 && r <= 0xffe6 || r >= 0x20000):
			n += 2
		default:
			n++
		}
	}
	return n
}

// StatusCmd prints who sent what for a period.
type StatusCmd struct {
	Period string `help:"Period, YYYY-MM (default: the current month)."`
	Months int    `help:"Also show each unit's and the city's 报送率, 按时报送率 and consecutive on-time periods over the last N periods assessed (e.g. 12)." placeholder:"N"`
}

// Run prints the completeness of a period.
func (c *StatusCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		p, err := periodOrNow(c.Period, a.Config)
		if err != nil {
			return err
		}
		subs, err := a.Store.Submissions(ctx, p)
		if err != nil {
			return err
		}
		deadline, err := a.Config.Deadline(p)
		if err != nil {
			return err
		}
		by := map[string][]store.Submission{}
		for _, s := range subs {
			by[s.County] = append(by[s.County], s)
		}
		rs, err := a.ReviewStatusOf(ctx, p) // the office's review (review.go)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "%s: deadline %s\n\n", p, deadline.Format("2006-01-02 15:04 MST"))
		var missing, rejected, done int
		for _, county := range a.Roster.Counties {
			ss := by[county.Code]
			state := "未报送"
			var acc *store.Submission
			for i := range ss {
				if ss[i].Status == store.Accepted {
					acc = &ss[i]
				}
			}
			cut, ext, err := a.Cutoff(ctx, county.Code, p)
			if err != nil {
				return err
			}
			switch {
			case acc != nil && !cut.IsZero() && acc.Received.After(cut):
				// After the lock: stored, not scored (an earlier form of the period may be).
				state = "已锁定"
				if _, err := a.Store.LatestAcceptedBy(ctx, county.Code, p, cut); err == nil {
					done++
				} else {
					missing++
				}
			case acc != nil:
				done++
				state = "已报送"
				if acc.Received.After(deadline) {
					state = "迟报"
				}
			case len(ss) > 0:
				rejected++
				state = "被退回"
			default:
				missing++
			}
			printRow(g.stdout, []string{county.Code, county.Name, state}, []int{8, 20, 8})
			if ext != nil {
				fmt.Fprintf(g.stdout, "    延期至 %s（%s；%s %s）\n", ext.Until.In(a.Config.Location).Format("2006-01-02 15:04"), ext.Reason, ext.By, ext.At.In(a.Config.Location).Format("01-02 15:04"))
			}
			for _, s := range ss {
				line := fmt.Sprintf("    %s  %s v%d %s《%s》", s.Received.In(a.Config.Location).Format("01-02 15:04"), s.Source, s.Version, s.Status, s.Filename)
				if s.Superseded {
					line += "（已被替代）"
				}
				line += reviewState(a, rs, s)
				fmt.Fprintln(g.stdout, line)
				for _, pr := range s.Problems {
					fmt.Fprintln(g.stdout, "        "+pr)
				}
			}
			if err := reviewLines(ctx, g.stdout, a, rs, county.Code, p, acc); err != nil {
				return err
			}
		}
		fmt.Fprintf(g.stdout, "\n应报 %d，已报 %d，被退回未重报 %d，未报送 %d\n", len(a.Roster.Counties), done, rejected, missing)
		if c.Months > 0 {
			return printRates(ctx, g, a, p, c.Months)
		}
		return nil
	})
}

// ImportCmd stores forms from files, validated as the mail intake would.
type ImportCmd struct {
	Files    []string `arg:"" type:"existingfile" help:"Filled forms (.xlsx)."`
	Received string   `help:"When the forms were received, which decides whether they are late: RFC 3339 (2026-11-20T15:04:00+08:00) or \"2026-11-20 15:04\" in office time (office.timezone). Default: each file's modification time." placeholder:"TIME"`
}

// Help is the detail of kaohe import --help.
func (c *ImportCmd) Help() string {
	return "Each form is checked as the mail intake would check it and stored as accepted or rejected. " +
		"Its received time, which decides whether it was on time or late (迟报), is --received when given, " +
		"else the file's modification time, which a copy (from a USB stick, a download) may have changed: then give --received."
}

// parseReceived parses --received: RFC 3339, or "2006-01-02 15:04" in loc.
func parseReceived(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, &userError{msg: fmt.Sprintf("import: --received %q: want RFC 3339 (2026-11-20T15:04:00+08:00) or \"2026-11-20 15:04\" (office time)", s), code: exitUsage}
}

// Run imports each file; exit 1 if any was rejected.
func (c *ImportCmd) Run(g *Globals) error {
	var received time.Time
	gate := func(cfg *config.Config) error {
		if c.Received != "" {
			var err error
			if received, err = parseReceived(c.Received, cfg.Location); err != nil {
				return err
			}
		}
		return g.warnSecret("import")(cfg)
	}
	return g.withGatedApp(gate, func(ctx context.Context, a *app) error {
		bad := 0
		for _, f := range c.Files {
			data, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			at := received
			if at.IsZero() {
				st, err := os.Stat(f)
				if err != nil {
					return err
				}
				at = st.ModTime()
			}
			sub, dup, problems, err := a.Import(ctx, filepath.Base(f), data, at)
			if err != nil {
				return err
			}
			switch {
			case sub == nil:
				bad++
				fmt.Fprintf(g.stdout, "%s：无法识别所属单位，未入库\n", f)
			case dup:
				fmt.Fprintf(g.stdout, "%s：与已入库的文件相同（%s %s 第%d版），未重复入库\n", f, sub.County, sub.Period, sub.Version)
			case sub.Status == store.Accepted:
				fmt.Fprintf(g.stdout, "%s：已入库 %s %s 第%d版\n", f, sub.County, sub.Period, sub.Version)
			default:
				bad++
				fmt.Fprintf(g.stdout, "%s：未通过校验（%s %s），已记录为退回\n", f, sub.County, sub.Period)
			}
			for _, p := range problems {
				fmt.Fprintln(g.stdout, "  "+p.String())
			}
		}
		if bad > 0 {
			return &userError{msg: fmt.Sprintf("%d of %d files not accepted", bad, len(c.Files))}
		}
		return nil
	})
}

// RunsCmd lists the job runs.
type RunsCmd struct {
	Limit int `help:"How many, newest first." default:"30"`
}

// Run prints the runs.
func (c *RunsCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		runs, err := a.Store.Runs(ctx, c.Limit)
		if err != nil {
			return err
		}
		for _, r := range runs {
			dur := ""
			if !r.Finished.IsZero() {
				dur = r.Finished.Sub(r.Started).Round(time.Millisecond).String()
			}
			outcome := r.Outcome
			if r.Cause != "" {
				outcome += " (" + r.Cause + ")"
			}
			fmt.Fprintf(g.stdout, "%4d %-8s %-7s %s %8s %-7s %v %s\n", r.ID, r.Job, r.Period, r.Started.In(a.Config.Location).Format("2006-01-02 15:04:05"), dur, outcome, formatCounts(r.Counts), r.Error)
		}
		return nil
	})
}

// previewIf is the run cause of a run by hand that sends nothing (store.RunPreview), so
// the scheduler's catch-up does not take it for the period's run.
func previewIf(preview bool) string {
	if preview {
		return store.RunPreview
	}
	return ""
}

func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

// OutboxCmd lists outgoing mail.
type OutboxCmd struct {
	State  string `help:"queued, sent or failed (default: all)." enum:",queued,sent,failed" default:""`
	Period string `help:"Only this period."`
}

// Run prints the outbox.
func (c *OutboxCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		rows, err := a.Store.Outbox(ctx, c.State, c.Period)
		if err != nil {
			return err
		}
		for _, o := range rows {
			fmt.Fprintf(g.stdout, "%5d %-7s %-9s %-28s → %s  %s", o.ID, o.State, o.Kind, o.Key, strings.Join(o.To, ","), o.Subject)
			if o.LastError != "" {
				fmt.Fprintf(g.stdout, "  [%d attempts: %s]", o.Attempts, o.LastError)
			}
			fmt.Fprintln(g.stdout)
		}
		if a.Config.SMTP.DailyLimit > 0 {
			q, err := a.DailyQuota(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "daily limit %d (smtp.daily_limit): %d sent today (%s), %d queued due",
				q.Limit, q.SentToday, q.Day.Format("2006-01-02"), q.Due)
			if n := q.Carried(); n > 0 {
				fmt.Fprintf(g.stdout, "; %d wait for tomorrow (replies go first, then reports, reminders, forms)", n)
			}
			fmt.Fprintln(g.stdout)
		}
		return nil
	})
}

// withApp opens the app for fn and closes it after.
func (g *Globals) withApp(fn func(ctx context.Context, a *app) error) error {
	return g.withGatedApp(nil, fn)
}

// withGatedApp is withApp for a command that may refuse to start: gate sees the config
// before anything is opened and may return an error instead.
func (g *Globals) withGatedApp(gate func(c *config.Config) error, fn func(ctx context.Context, a *app) error) error {
	c, err := g.loadConfig()
	if err != nil {
		return err
	}
	if gate != nil {
		if err := gate(c); err != nil {
			return err
		}
	}
	a, err := g.openAppWith(g.ctx, c)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(g.ctx, a)
}

// needSecret is the gate of a command that mails forms to counties or reads them back:
// it refuses to run on the public demo secret (exit 1).
func needSecret(cmd string) func(c *config.Config) error {
	return func(c *config.Config) error {
		if err := c.RequireSecret(cmd); err != nil {
			return &userError{msg: err.Error()}
		}
		return nil
	}
}

// warnSecret is the gate of a command that signs or checks forms without mailing them
// (a dry run, template, check, import): it runs, saying at WARN that the demo key is used.
func (g *Globals) warnSecret(cmd string) func(c *config.Config) error {
	return func(c *config.Config) error {
		if c.DemoSecretInUse() {
			g.logger.Warn(cmd+": forms are signed and checked with the public demo key: fine to try kaohe, not for real forms",
				"set", "$"+c.Forms.SecretEnv+" (forms.secret_env) or forms.secret_file")
		}
		return nil
	}
}

// secretHelp is the part of the help of the commands that mail forms or read them back.
const secretHelp = "It refuses to run (exit 1) on the public demo secret: set the form secret first " +
	"(the variable forms.secret_env names, $KAOHE_FORM_SECRET by default, or forms.secret_file)."

// Help is the detail of kaohe dispatch --help.
func (c *DispatchCmd) Help() string {
	return "Queues each county's form (prefilled from its last accepted one) in the outbox, then sends what is due. " +
		secretHelp + " --dry-run builds the forms and sends nothing, with or without a secret."
}

// Help is the detail of kaohe remind --help.
func (c *RemindCmd) Help() string {
	return "Queues a reminder, with the form attached, to every county with no accepted form for the period, then sends what is due. " +
		secretHelp + " --dry-run says who would be reminded and sends nothing."
}

// Help is the detail of kaohe collect --help.
func (c *CollectCmd) Help() string {
	return "Stores every new message of the intake mailbox, checks the forms attached and answers each sender " +
		"(a receipt, or the problems marked in their own workbook). " + secretHelp
}

// Help is the detail of kaohe deliver --help.
func (c *DeliverCmd) Help() string {
	return "Sends the outbox's due mail through the configured SMTP server. " + secretHelp
}

// Help is the detail of kaohe assess --help.
func (c *AssessCmd) Help() string {
	return "Scores every county for the period from its accepted form and prints the league table. " +
		"--out writes the PDF reports and the summary workbook; --queue also queues them for delivery, " +
		"and with an SMTP server configured needs the form secret, as deliver does."
}

// VerifyReportCmd tells whether a PDF is a report kaohe issued.
type VerifyReportCmd struct {
	File   string `arg:"" type:"existingfile" help:"The PDF to check (a county report or the summary)."`
	Period string `help:"Period of the report, YYYY-MM (default: the one in the file name, else each recent assessment)."`
}

// Run renders the reports again from the store and compares them with the file; a file
// that matches none is a user error (exit 1).
func (c *VerifyReportCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		if c.Period != "" {
			if err := jobs.CheckPeriod(c.Period); err != nil {
				return err
			}
		}
		data, err := os.ReadFile(c.File)
		if err != nil {
			return userErrorf("%v", err)
		}
		v, err := a.VerifyReport(ctx, data, c.File, c.Period)
		if errors.Is(err, jobs.ErrNotIssued) {
			return userErrorf("%s: %v: it differs from every report kaohe renders from the store (SHA-256 %x)", c.File, err, sha256.Sum256(data))
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "%s: issued by kaohe: the %s report of %s, assessment of %s (SHA-256 %s)\n",
			c.File, v.Period, v.Name, v.Assessed.Format("2006-01-02 15:04 MST"), v.SHA256)
		return nil
	})
}
