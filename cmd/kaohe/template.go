package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// TemplateCmd writes a county's form.
type TemplateCmd struct {
	County string `help:"County code (see the roster)." required:""`
	Period string `help:"Period, YYYY-MM." required:""`
	Out    string `short:"o" help:"Output file (.xlsx)." required:"" type:"path"`
}

// Run writes the form: signed with the config's secret, the deadline from period.deadline_day,
// prefilled from the county's last accepted form when the store has one.
func (c *TemplateCmd) Run(g *Globals) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	if err := jobs.CheckPeriod(c.Period); err != nil {
		return &userError{msg: "template: " + err.Error(), code: exitUsage}
	}
	if err := g.warnSecret("template")(cfg); err != nil {
		return err
	}
	var form []byte
	var prefilled bool
	build := func(ctx context.Context, a *app) error {
		county := a.Roster.County(c.County)
		if county == nil {
			return userErrorf("template: county %q is not on the roster", c.County)
		}
		form, prefilled, err = a.BuildForm(ctx, county, c.Period)
		return err
	}
	if _, err := os.Stat(cfg.Store.Path); err == nil {
		// A store exists: prefill from it.
		a, err := g.openAppWith(g.ctx, cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		if err := build(g.ctx, a); err != nil {
			return err
		}
	} else {
		cl, r, err := loadData(cfg)
		if err != nil {
			return err
		}
		county := r.County(c.County)
		if county == nil {
			return userErrorf("template: county %q is not on the roster", c.County)
		}
		deadline, err := cfg.Deadline(c.Period)
		if err != nil {
			return err
		}
		form, err = templates.Build(templates.Options{Checklist: cl, Roster: r, County: county, Period: c.Period,
			Deadline: deadline, ReturnTo: cfg.Office.From, Secret: cfg.Forms.Secret})
		if err != nil {
			return err
		}
	}
	if err := os.WriteFile(c.Out, form, 0o600); err != nil { // the roster's names: the owner's to share
		return userErrorf("template: %v", err)
	}
	fmt.Fprintf(g.stdout, "wrote %s (%d bytes, prefilled: %v)\n", c.Out, len(form), prefilled)
	return nil
}

// CheckCmd checks a filled form offline.
type CheckCmd struct {
	File   string `arg:"" type:"existingfile" help:"The filled form (.xlsx)."`
	County string `help:"Expected county code."`
	Period string `help:"Expected period, YYYY-MM."`
	// The intake reads the store's record (dispatch and reminders); check is offline.
	FormVersions []string `name:"form-versions" help:"Template versions the form's period was sent with (e.g. 2,3): a form of such an earlier version is read by its own version's rules, as the mail intake does. Default: the current version only."`
}

// Run checks the form: a summary and exit 0 when it is acceptable, one line per
// problem (工作表!单元格: 说明) and exit 1 when it is not.
func (c *CheckCmd) Run(g *Globals) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	if err := g.warnSecret("check")(cfg); err != nil {
		return err
	}
	cl, ro, err := loadData(cfg)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(c.File)
	if err != nil {
		return userErrorf("check: %v", err)
	}
	fl, meta, st, err := templates.Parse(data, filepath.Base(c.File), templates.ParseOptions{
		Checklist: cl, Roster: ro, Secret: cfg.Forms.Secret, County: c.County, Period: c.Period,
		MaxBytes: int64(cfg.Forms.MaxAttachmentMB) << 20, FormVersions: func(string) []string { return c.FormVersions },
	})
	var ps templates.Problems
	if errors.As(err, &ps) {
		return &userError{msg: ps.Error()}
	}
	if err != nil {
		return err
	}
	county := ro.County(meta.County)
	w := g.stdout
	fmt.Fprintf(w, "%s：检查通过\n", c.File)
	fmt.Fprintf(w, "  填报单位：%s（%s）\n", county.Name, county.Code)
	fmt.Fprintf(w, "  填报期次：%s\n", templates.PeriodLabel(meta.Period))
	fmt.Fprintf(w, "  任务清单：%s 版，表格第 %s 版\n", meta.ChecklistVersion, meta.TemplateVersion)
	var count [4]int
	for _, t := range fl.Tasks {
		count[t.Status]++
	}
	fmt.Fprintf(w, "  重点任务：%d 项（已完成 %d，推进中 %d，未启动 %d）\n", st.Tasks, count[seeds.StatusDone], count[seeds.StatusInProgress], count[seeds.StatusNotStarted])
	fmt.Fprintf(w, "  量化指标：%d 项\n", st.Indicators)
	fmt.Fprintf(w, "  村级台账：%d 个村\n", st.Villages)
	fmt.Fprintf(w, "  已填单元格：%d\n", st.Filled)
	return nil
}
