package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// demoFormSecret signs forms when KAOHE_FORM_SECRET is not set. It is for the demo
// only: a real deployment sets its own secret (config wiring comes with internal/config).
const demoFormSecret = "kaohe-demo-secret"

func formSecret() []byte {
	if s := os.Getenv("KAOHE_FORM_SECRET"); s != "" {
		return []byte(s)
	}
	return []byte(demoFormSecret)
}

// TemplateCmd writes a county's form.
type TemplateCmd struct {
	County   string `help:"County code (see the roster)." required:""`
	Period   string `help:"Period, YYYY-MM." required:""`
	Out      string `short:"o" help:"Output file (.xlsx)." required:"" type:"path"`
	Deadline string `help:"Deadline shown on the form, YYYY-MM-DD (default: the 5th of the next month)."`
	ReturnTo string `help:"Address the county mails the filled form to, shown on the form." default:"kaohe@jining.example"`
}

// Run writes the form.
func (c *TemplateCmd) Run(g *Globals) error {
	cl, ro := seeds.DefaultChecklist(), seeds.DefaultRoster()
	county := ro.County(c.County)
	if county == nil {
		return userErrorf("template: county %q is not on the roster", c.County)
	}
	y, m, err := templates.ParsePeriod(c.Period)
	if err != nil {
		return userErrorf("template: %v", err)
	}
	loc := time.FixedZone("CST", 8*3600)
	deadline := time.Date(y, time.Month(m)+1, 5, 17, 0, 0, 0, loc)
	if c.Deadline != "" {
		d, err := time.ParseInLocation("2006-01-02", c.Deadline, loc)
		if err != nil {
			return userErrorf("template: --deadline %q: want YYYY-MM-DD", c.Deadline)
		}
		deadline = d.Add(17 * time.Hour)
	}
	b, err := templates.Build(templates.Options{
		Checklist: cl, Roster: ro, County: county, Period: c.Period,
		Deadline: deadline, ReturnTo: c.ReturnTo, Secret: formSecret(),
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(c.Out, b, 0o644); err != nil {
		return userErrorf("template: %v", err)
	}
	g.logger.Info("form written", "county", county.Code, "name", county.Name, "period", c.Period, "file", c.Out, "bytes", len(b))
	return nil
}

// CheckCmd checks a filled form offline.
type CheckCmd struct {
	File   string `arg:"" type:"existingfile" help:"The filled form (.xlsx)."`
	County string `help:"Expected county code."`
	Period string `help:"Expected period, YYYY-MM."`
}

// Run checks the form: a summary and exit 0 when it is acceptable, one line per
// problem (工作表!单元格: 说明) and exit 1 when it is not.
func (c *CheckCmd) Run(g *Globals) error {
	cl, ro := seeds.DefaultChecklist(), seeds.DefaultRoster()
	data, err := os.ReadFile(c.File)
	if err != nil {
		return userErrorf("check: %v", err)
	}
	fl, meta, st, err := templates.Parse(data, filepath.Base(c.File), templates.ParseOptions{
		Checklist: cl, Roster: ro, Secret: formSecret(), County: c.County, Period: c.Period,
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
	fmt.Fprintf(w, "%s: 检查通过\n", c.File)
	fmt.Fprintf(w, "  填报单位: %s(%s)\n", county.Name, county.Code)
	fmt.Fprintf(w, "  填报期次: %s\n", templates.PeriodLabel(meta.Period))
	fmt.Fprintf(w, "  任务清单: %s 版,表格第 %s 版\n", meta.ChecklistVersion, meta.TemplateVersion)
	var count [4]int
	for _, t := range fl.Tasks {
		count[t.Status]++
	}
	fmt.Fprintf(w, "  重点任务: %d 项(已完成 %d,推进中 %d,未启动 %d)\n", st.Tasks, count[seeds.StatusDone], count[seeds.StatusInProgress], count[seeds.StatusNotStarted])
	fmt.Fprintf(w, "  量化指标: %d 项\n", st.Indicators)
	fmt.Fprintf(w, "  村级台账: %d 个村\n", st.Villages)
	fmt.Fprintf(w, "  已填单元格: %d\n", st.Filled)
	return nil
}
