package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
)

// ReviewCmd is the office's review of accepted forms and of forms from addresses not on
// the roster (jobs/review.go).
type ReviewCmd struct {
	List         ReviewListCmd         `cmd:"" help:"List the forms waiting for the office: 待审核 and 待确认来源."`
	Approve      ReviewApproveCmd      `cmd:"" help:"Approve a county's latest accepted form (review.required: only approved forms are assessed)."`
	Return       ReviewReturnCmd       `cmd:"" name:"return" help:"Return a county's latest accepted form with reasons and marked cells: mails the county a 【退回】 with its workbook."`
	AcceptSource ReviewAcceptSourceCmd `cmd:"" name:"accept-source" help:"Accept a 待确认来源 form for the county it names; its receipt goes to the county and the sender."`
	Discard      ReviewDiscardCmd      `cmd:"" help:"Discard a 待确认来源 form: nobody is answered."`
}

// ReviewListCmd lists the review queue.
type ReviewListCmd struct {
	Period string `help:"Only this period (default: the current period and the one before)."`
}

// Run prints one line per item.
func (c *ReviewListCmd) Run(g *Globals) error {
	if c.Period != "" {
		if err := jobs.CheckPeriod(c.Period); err != nil {
			return &userError{msg: "review list: " + err.Error(), code: exitUsage}
		}
	}
	return g.withApp(func(ctx context.Context, a *app) error {
		items, err := a.ReviewList(ctx, c.Period)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			fmt.Fprintln(g.stdout, "nothing waits for the office")
			return nil
		}
		for _, it := range items {
			at := it.Received.In(a.Config.Location).Format("01-02 15:04")
			switch it.Kind {
			case jobs.ItemPending:
				line := fmt.Sprintf("%s  %s %s %s  v%d 《%s》 %s", it.Kind, it.Period, it.County, it.CountyName, it.Version, it.Filename, at)
				if it.Version > 1 {
					line += fmt.Sprintf("  %d cells changed", it.Changes)
				}
				if len(it.Unchanged) > 0 {
					line += "  returned cells unchanged: " + strings.Join(it.Unchanged, ", ")
				}
				fmt.Fprintln(g.stdout, line)
			default:
				s := it.Source
				fmt.Fprintf(g.stdout, "%s  %s %s %s  id %d  from %s 《%s》 subject %q %s\n", it.Kind, it.Period, it.County, it.CountyName, s.ID, s.Sender, s.Filename, s.Subject, at)
			}
		}
		return nil
	})
}

// ReviewApproveCmd approves a form.
type ReviewApproveCmd struct {
	County string `help:"County code or name." required:""`
	Period string `help:"Period, YYYY-MM." required:""`
	By     string `help:"Who approves (default: config office.operator, else $USER)."`
	// DespiteReturn approves a version the office returned (a return made by mistake).
	DespiteReturn bool `help:"Approve the latest version even though the office returned it (a return made by mistake); recorded in the run log."`
}

// Run approves and prints what.
func (c *ReviewApproveCmd) Run(g *Globals) error {
	if err := jobs.CheckPeriod(c.Period); err != nil {
		return &userError{msg: "review approve: " + err.Error(), code: exitUsage}
	}
	return g.withApp(func(ctx context.Context, a *app) error {
		county, err := rosterCounty(a.Roster, c.County)
		if err != nil {
			return err
		}
		approve := a.ReviewApprove
		if c.DespiteReturn {
			approve = a.ReviewApproveDespiteReturn
		}
		act, sub, err := approve(ctx, county.Code, c.Period, c.By)
		if err != nil {
			return reviewError("review approve", err)
		}
		fmt.Fprintf(g.stdout, "approved %s %s %s version %d 《%s》 by %s\n", county.Code, county.Name, c.Period, sub.Version, sub.Filename, act.By)
		return nil
	})
}

// ReviewReturnCmd returns a form to its county.
type ReviewReturnCmd struct {
	County string   `help:"County code or name." required:""`
	Period string   `help:"Period, YYYY-MM." required:""`
	Reason []string `help:"A reason, as the county will read it (repeatable)." sep:"none"`
	Cell   []string `help:"A cell to correct, SHEET!CELL (e.g. 村级台账!P12); repeatable, each followed by its --note." sep:"none"`
	Note   []string `help:"The note of the --cell before it (default: the first --reason)." sep:"none"`
	By     string   `help:"Who returns it (default: config office.operator, else $USER)."`
}

// Run records the return, queues the 【退回】 and delivers what is due.
func (c *ReviewReturnCmd) Run(g *Globals) error {
	if err := jobs.CheckPeriod(c.Period); err != nil {
		return &userError{msg: "review return: " + err.Error(), code: exitUsage}
	}
	if len(c.Note) > len(c.Cell) {
		return &userError{msg: "review return: more --note than --cell: give each note after its cell", code: exitUsage}
	}
	var cells []store.ReviewCell
	for i, ref := range c.Cell {
		sheet, cell, err := jobs.ParseCellRef(ref)
		if err != nil {
			return reviewError("review return", err)
		}
		x := store.ReviewCell{Sheet: sheet, Cell: cell}
		if i < len(c.Note) {
			x.Note = c.Note[i]
		}
		cells = append(cells, x)
	}
	return g.withGatedApp(needSecret("review return"), func(ctx context.Context, a *app) error {
		county, err := rosterCounty(a.Roster, c.County)
		if err != nil {
			return err
		}
		act, err := a.ReviewReturn(ctx, jobs.ReturnRequest{County: county.Code, Period: c.Period, Reasons: c.Reason, Cells: cells, By: c.By})
		if err != nil {
			return reviewError("review return", err)
		}
		fmt.Fprintf(g.stdout, "returned %s %s %s (action %d, %d cells) by %s; the 【退回】 is queued\n", county.Code, county.Name, c.Period, act.ID, len(act.Cells), act.By)
		return g.deliverNow(ctx, a)
	})
}

// ReviewAcceptSourceCmd accepts a 待确认来源 item.
type ReviewAcceptSourceCmd struct {
	ID        int64  `help:"The item's id (kaohe review list)." required:""`
	AddSender bool   `help:"Also allow the sender's address to submit for the county from now on."`
	By        string `help:"Who accepts it (default: config office.operator, else $USER)."`
}

// Run accepts the item, queues the county's answer and delivers what is due.
func (c *ReviewAcceptSourceCmd) Run(g *Globals) error {
	return g.withGatedApp(needSecret("review accept-source"), func(ctx context.Context, a *app) error {
		it, sub, err := a.ReviewAcceptSource(ctx, c.ID, c.AddSender, c.By)
		if err != nil {
			return reviewError("review accept-source", err)
		}
		fmt.Fprintf(g.stdout, "accepted item %d for %s %s from %s by %s: the form is %s", it.ID, it.County, it.Period, it.Sender, it.DecidedBy, sub.Status)
		if sub.Status == store.Accepted {
			fmt.Fprintf(g.stdout, " (version %d)", sub.Version)
		}
		if c.AddSender {
			fmt.Fprintf(g.stdout, "; %s may submit for %s from now on", it.Sender, it.County)
		}
		fmt.Fprintln(g.stdout)
		return g.deliverNow(ctx, a)
	})
}

// ReviewDiscardCmd discards a 待确认来源 item.
type ReviewDiscardCmd struct {
	ID     int64  `help:"The item's id (kaohe review list)." required:""`
	Reason string `help:"Why it is discarded." required:""`
	By     string `help:"Who discards it (default: config office.operator, else $USER)."`
}

// Run discards the item.
func (c *ReviewDiscardCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		it, err := a.ReviewDiscard(ctx, c.ID, c.Reason, c.By)
		if err != nil {
			return reviewError("review discard", err)
		}
		fmt.Fprintf(g.stdout, "discarded item %d (%s %s from %s) by %s: %s\n", it.ID, it.County, it.Period, it.Sender, it.DecidedBy, it.Reason)
		return nil
	})
}

// reviewError makes the refusals the office can fix user errors.
func reviewError(cmd string, err error) error {
	if errors.Is(err, jobs.ErrReview) {
		return userErrorf("%s: %s", cmd, strings.TrimPrefix(err.Error(), jobs.ErrReview.Error()+": "))
	}
	return err
}

// reviewState is the review state of an accepted submission for `kaohe status`:
// 【待审核】 (review.required), 【已审核 by at】 or 【已退回 by at】.
func reviewState(a *app, rs *jobs.ReviewStatus, s store.Submission) string {
	if s.Status != store.Accepted {
		return ""
	}
	act, ok := rs.Last[s.ID]
	switch {
	case ok && act.Action == store.ReviewApprove:
		return fmt.Sprintf("【已审核 %s %s】", act.By, act.At.In(a.Config.Location).Format("01-02 15:04"))
	case ok:
		return fmt.Sprintf("【已退回 %s %s】", act.By, act.At.In(a.Config.Location).Format("01-02 15:04"))
	case rs.Required && !s.Superseded:
		return "【待审核】"
	}
	return ""
}

// reviewLines prints, under a county in `kaohe status`, its 待确认来源 forms and the
// tasks of its latest accepted form sent back as last month (照抄上月).
func reviewLines(ctx context.Context, w io.Writer, a *app, rs *jobs.ReviewStatus, code, period string, acc *store.Submission) error {
	for _, s := range rs.Sources[code] {
		fmt.Fprintf(w, "    %s  待确认来源 #%d：%s 发来《%s》（邮件《%s》），kaohe review accept-source --id %d 或 discard\n",
			s.Received.In(a.Config.Location).Format("01-02 15:04"), s.ID, s.Sender, s.Filename, s.Subject, s.ID)
	}
	if acc == nil {
		return nil
	}
	full, err := a.Store.Submission(ctx, acc.ID)
	if err != nil {
		return err
	}
	copied, err := a.CopiedForward(ctx, code, period, full.Filing)
	if err != nil {
		return err
	}
	if len(copied) > 0 {
		ids := make([]string, len(copied))
		for i, c := range copied {
			ids[i] = c.Task
		}
		fmt.Fprintf(w, "    照抄上月：%d项未完成任务与上月报送的完全相同（%s）\n", len(copied), strings.Join(ids, "；"))
	}
	return nil
}
