package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// AdjustCmd records the office's 加分 and 减分 items, lists every record (抽查核查
// results too) and revokes one.
type AdjustCmd struct {
	Add    AdjustAddCmd    `cmd:"" help:"Record a 加分 or 减分 item with its reason and document number (文号), within the checklist's caps."`
	List   AdjustListCmd   `cmd:"" help:"List the office's records: 加分, 减分 and 抽查核查 results, revoked ones marked."`
	Revoke AdjustRevokeCmd `cmd:"" help:"Revoke a record: it stays, marked revoked with who, when and why."`
}

// AdjustAddCmd records a 加分 or 减分 item.
type AdjustAddCmd struct {
	County string  `help:"County code or name (see the roster)." required:""`
	Period string  `help:"Period, YYYY-MM." required:""`
	Kind   string  `help:"加分 or 减分." enum:"加分,减分" required:""`
	Points float64 `help:"Points (positive)." required:""`
	Reason string  `help:"Why, as it will be printed in the reports." required:""`
	Doc    string  `help:"Document number (文号) of the decision." required:""`
	By     string  `help:"Who records it (default: config office.operator, else $USER)."`
}

// Run records the item and prints it.
func (c *AdjustAddCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		county, err := rosterCounty(a.Roster, c.County)
		if err != nil {
			return err
		}
		if err := jobs.CheckPeriod(c.Period); err != nil {
			return &userError{msg: "adjust add: " + err.Error(), code: exitUsage}
		}
		rec, err := a.AddAdjustment(ctx, store.Adjustment{County: county.Code, Period: c.Period, Kind: c.Kind, Points: c.Points,
			Reason: strings.TrimSpace(c.Reason), Doc: strings.TrimSpace(c.Doc), By: c.By})
		if err != nil {
			return adjustError("adjust add", err)
		}
		fmt.Fprintf(g.stdout, "recorded %d: %s %s %s %s分 (%s, %s) by %s\n", rec.ID, county.Name, rec.Period, rec.Kind,
			strconv.FormatFloat(rec.Points, 'f', -1, 64), rec.Reason, rec.Doc, rec.By)
		fmt.Fprintf(g.stdout, "run `kaohe assess --period %s` to score the period with it\n", rec.Period)
		return nil
	})
}

// AdjustListCmd lists the records.
type AdjustListCmd struct {
	Period  string `help:"Only this period (YYYY-MM)."`
	County  string `help:"Only this county (code or name)."`
	Revoked bool   `help:"Also list revoked records." default:"true" negatable:""`
}

// Run prints one line per record, oldest first.
func (c *AdjustListCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		code := ""
		if c.County != "" {
			county, err := rosterCounty(a.Roster, c.County)
			if err != nil {
				return err
			}
			code = county.Code
		}
		if c.Period != "" {
			if err := jobs.CheckPeriod(c.Period); err != nil {
				return &userError{msg: "adjust list: " + err.Error(), code: exitUsage}
			}
		}
		recs, err := a.Store.Adjustments(ctx, c.Period, code, c.Revoked)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			fmt.Fprintln(g.stdout, "no records")
			return nil
		}
		for _, r := range recs {
			name := r.County
			if county := a.Roster.County(r.County); county != nil {
				name = county.Name
			}
			line := fmt.Sprintf("%4d  %s  %s  %s  %s", r.ID, r.Period, name, r.Kind, jobs.DescribeAdjustment(a.Checklist, r))
			if r.Reason != "" {
				line += "  理由：" + r.Reason
			}
			if r.Doc != "" {
				line += "  文号：" + r.Doc
			}
			line += fmt.Sprintf("  %s %s", r.By, r.At.In(a.Config.Location).Format("2006-01-02 15:04"))
			if !r.Active() {
				line += fmt.Sprintf("  [已撤销：%s %s，%s]", r.RevokedBy, r.RevokedAt.In(a.Config.Location).Format("2006-01-02 15:04"), r.RevokedReason)
			}
			fmt.Fprintln(g.stdout, line)
		}
		return nil
	})
}

// AdjustRevokeCmd revokes a record.
type AdjustRevokeCmd struct {
	ID     int64  `arg:"" help:"The record's id (kaohe adjust list)."`
	Reason string `help:"Why it is revoked." required:""`
	By     string `help:"Who revokes it (default: config office.operator, else $USER)."`
}

// Run revokes the record.
func (c *AdjustRevokeCmd) Run(g *Globals) error {
	return g.withApp(func(ctx context.Context, a *app) error {
		r, err := a.RevokeAdjustment(ctx, c.ID, c.By, strings.TrimSpace(c.Reason))
		if err != nil {
			return adjustError("adjust revoke", err)
		}
		fmt.Fprintf(g.stdout, "revoked %d (%s %s %s) by %s: %s\n", r.ID, r.County, r.Period, r.Kind, r.RevokedBy, r.RevokedReason)
		fmt.Fprintf(g.stdout, "run `kaohe assess --period %s` to score the period without it\n", r.Period)
		return nil
	})
}

// VerifyCmd writes and reads back the 核查表 of an 抽查核查.
type VerifyCmd struct {
	Sample VerifySampleCmd `cmd:"" help:"Write the 核查表 (.xlsx) of a period for a reproducible random sample of villages and task claims."`
	Import VerifyImportCmd `cmd:"" help:"Record the results of a filled 核查表: values found on site, claims found 属实 or 不实."`
}

// VerifySampleCmd writes a 核查表.
type VerifySampleCmd struct {
	Period   string `help:"Period, YYYY-MM." required:""`
	Villages int    `help:"Villages sampled per county." default:"3"`
	Tasks    int    `help:"Task claims (推进中 or 已完成) sampled per county." default:"3"`
	Out      string `short:"o" help:"Output file (default: 核查表_<period>.xlsx)." type:"path"`
}

// Run writes the workbook.
func (c *VerifySampleCmd) Run(g *Globals) error {
	if err := jobs.CheckPeriod(c.Period); err != nil {
		return &userError{msg: "verify sample: " + err.Error(), code: exitUsage}
	}
	if c.Villages < 0 || c.Tasks < 0 {
		return &userError{msg: "verify sample: --villages and --tasks must not be negative", code: exitUsage}
	}
	return g.withApp(func(ctx context.Context, a *app) error {
		data, st, err := a.VerifySample(ctx, c.Period, c.Villages, c.Tasks)
		if err != nil {
			return adjustError("verify sample", err)
		}
		out := c.Out
		if out == "" {
			out = "核查表_" + c.Period + ".xlsx"
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			return userErrorf("verify sample: %v", err)
		}
		fmt.Fprintf(g.stdout, "%s: %d counties, %d villages (%d values), %d task claims\n", out, st.Counties, st.Villages, st.Values, st.Claims)
		return nil
	})
}

// VerifyImportCmd records a filled 核查表.
type VerifyImportCmd struct {
	File string `arg:"" type:"existingfile" help:"The filled 核查表 (.xlsx)."`
	By   string `help:"Who checked (default: the sheet's 核查人, else config office.operator, else $USER)."`
}

// Run records the findings; exit 1 with one line per problem (sheet!cell) when the
// workbook needs correcting.
func (c *VerifyImportCmd) Run(g *Globals) error {
	data, err := os.ReadFile(c.File)
	if err != nil {
		return userErrorf("verify import: %v", err)
	}
	return g.withApp(func(ctx context.Context, a *app) error {
		recs, err := a.ImportVerification(ctx, data, c.By)
		var ps templates.Problems
		if errors.As(err, &ps) {
			return userErrorf("%s：核查表有%d处问题，未导入，请改正后重新导入：\n%s", filepath.Base(c.File), len(ps), ps.Error())
		}
		if err != nil {
			return adjustError("verify import", err)
		}
		var falses, values int
		periods := map[string]bool{}
		for _, r := range recs {
			periods[r.Period] = true
			switch r.Kind {
			case store.AdjClaimFalse:
				falses++
			case store.AdjValue:
				values++
			}
		}
		fmt.Fprintf(g.stdout, "%s: recorded %d results (%d values found on site, %d task claims, %d of them 不实), ids %d–%d, by %s\n",
			filepath.Base(c.File), len(recs), values, len(recs)-values, falses, recs[0].ID, recs[len(recs)-1].ID, recs[0].By)
		for p := range periods {
			fmt.Fprintf(g.stdout, "run `kaohe assess --period %s` to score the period with them\n", p)
		}
		return nil
	})
}

// rosterCounty finds a county by code or name.
func rosterCounty(r *seeds.Roster, s string) (*seeds.County, error) {
	s = strings.TrimSpace(s)
	if c := r.County(s); c != nil {
		return c, nil
	}
	for i := range r.Counties {
		if r.Counties[i].Name == s {
			return &r.Counties[i], nil
		}
	}
	return nil, userErrorf("county %q is not on the roster (give its code or name)", s)
}

// adjustError makes the refusals the office can fix user errors.
func adjustError(cmd string, err error) error {
	if errors.Is(err, jobs.ErrAdjustment) {
		return userErrorf("%s: %s", cmd, strings.TrimPrefix(err.Error(), jobs.ErrAdjustment.Error()+": "))
	}
	return err
}
