package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// TestReviewCLI: with review.required, an imported form is 待审核 in review list and
// status; the office returns it naming a cell (the 【退回】 is queued), approves it by
// name, and assess scores it with the approval in the county's result; the same rows
// sent the next month are flagged 照抄上月 by status. Refusals are exit 1.
func TestReviewCLI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	cfg := filepath.Join(dir, "kaohe.toml")
	if err := os.WriteFile(cfg, []byte("[review]\nrequired = true\n[checklist]\nconfirmed_years = [2026]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KAOHE_FORM_SECRET", "review-cli-test-secret")
	const code = "370811"
	cl, r := seeds.DefaultChecklist(), seeds.DefaultRoster()
	filing := score.Synthetic(cl, r.County(code), "2026-06", rand.New(rand.NewPCG(3, 4)), 0.6)
	importAs := func(period string) {
		t.Helper()
		form := filepath.Join(dir, period+".xlsx")
		if c, out, errs := kaohe(t, "--config", cfg, "--store", db, "template", "--county", code, "--period", period, "-o", form); c != 0 {
			t.Fatalf("template: %d %s %s", c, out, errs)
		}
		blank, _ := os.ReadFile(form)
		f := *filing
		f.Period = period
		filled, err := templates.FillForm(blank, &f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(form, filled, 0o644)
		if c, out, errs := kaohe(t, "--config", cfg, "--store", db, "import", "--received", period+"-20 10:00", form); c != 0 {
			t.Fatalf("import: %d %s %s", c, out, errs)
		}
	}
	run := func(want int, args ...string) string {
		t.Helper()
		c, out, errs := kaohe(t, append([]string{"--config", cfg, "--store", db}, args...)...)
		if c != want {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, c, want, out, errs)
		}
		return out + errs
	}
	assessed := func(period string) score.CountyResult {
		t.Helper()
		var res score.Result
		c, out, errs := kaohe(t, "--config", cfg, "--store", db, "assess", "--period", period, "--format", "json")
		if err := json.Unmarshal([]byte(out), &res); c != 0 || err != nil {
			t.Fatalf("assess: %d %v %s", c, err, errs)
		}
		for _, c := range res.Counties {
			if c.Code == code {
				return c
			}
		}
		t.Fatalf("no county %s", code)
		return score.CountyResult{}
	}
	importAs("2026-06")
	if out := run(0, "review", "list", "--period", "2026-06"); !strings.Contains(out, "待审核  2026-06 370811 任城区  v1") {
		t.Errorf("review list:\n%s", out)
	}
	if out := run(0, "status", "--period", "2026-06"); !strings.Contains(out, "【待审核】") {
		t.Errorf("status:\n%s", out)
	}
	run(1, "review", "return", "--county", code, "--period", "2026-06", "--cell", "村级台账P2", "--note", "x")
	run(1, "review", "return", "--county", code, "--period", "2026-06")
	run(1, "review", "approve", "--county", code, "--period", "2026-05", "--by", "李四")
	out := run(0, "review", "return", "--county", "任城区", "--period", "2026-06", "--reason", "数据与台账不符, see the ledger",
		"--cell", "村级台账!P2", "--note", "请核实", "--by", "张三")
	if !strings.Contains(out, "returned 370811 任城区 2026-06 (action 1, 1 cells)") || !strings.Contains(out, "by 张三") {
		t.Errorf("review return:\n%s", out)
	}
	if out := run(0, "outbox"); !strings.Contains(out, "review_return") || !strings.Contains(out, "经审核需要修改") {
		t.Errorf("outbox:\n%s", out)
	}
	if out := run(0, "status", "--period", "2026-06"); !strings.Contains(out, "【已退回 张三") {
		t.Errorf("status after return:\n%s", out)
	}
	if c := assessed("2026-06"); c.Submitted || !strings.Contains(c.Review, "退回") {
		t.Errorf("assessed while returned: submitted %v, review %q", c.Submitted, c.Review)
	}
	// A returned version is approved only deliberately (a return made by mistake).
	if out := run(1, "review", "approve", "--county", code, "--period", "2026-06", "--by", "李四"); !strings.Contains(out, "--despite-return") {
		t.Errorf("approve of a returned version:\n%s", out)
	}
	if out := run(0, "review", "approve", "--county", code, "--period", "2026-06", "--by", "李四", "--despite-return"); !strings.Contains(out, "approved 370811 任城区 2026-06 version 1") {
		t.Errorf("approve:\n%s", out)
	}
	run(1, "review", "approve", "--county", code, "--period", "2026-06", "--by", "李四")
	if c := assessed("2026-06"); !c.Submitted || !strings.Contains(c.Review, "李四") {
		t.Errorf("assessed after approval: submitted %v, review %q", c.Submitted, c.Review)
	}
	if out := run(0, "runs"); !strings.Contains(out, "return 370811 v1 by 张三: 数据与台账不符, see the ledger; 村级台账!P2 请核实") || !strings.Contains(out, "approve 370811 v1 by 李四") {
		t.Errorf("runs:\n%s", out)
	}
	// The next month, the same rows again: 照抄上月.
	importAs("2026-07")
	if out := run(0, "status", "--period", "2026-07"); !strings.Contains(out, "照抄上月") {
		t.Errorf("status 2026-07:\n%s", out)
	} else if testing.Verbose() {
		t.Logf("status 2026-07:\n%s\nstatus 2026-06:\n%s", out, run(0, "status", "--period", "2026-06"))
	}
	if out := run(0, "review", "list", "--period", "2026-07"); !strings.Contains(out, "待审核  2026-07 370811") {
		t.Errorf("review list 2026-07:\n%s", out)
	}
	run(1, "review", "discard", "--id", "9", "--reason", "x")
	run(1, "review", "accept-source", "--id", "9")
}
