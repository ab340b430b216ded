package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// TestExtendCLI: a form imported after the period's lock is stored but not scored and
// shown 已锁定; kaohe extend (refusing a time before the deadline) lets it in, status
// shows the extension with who and why, and status --months shows the rates.
func TestExtendCLI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	const code, period = "370811", "2026-06"
	form := filepath.Join(dir, "form.xlsx")
	if c, out, errs := kaohe(t, "--store", db, "template", "--county", code, "--period", period, "-o", form); c != 0 {
		t.Fatalf("template: %d %s %s", c, out, errs)
	}
	blank, _ := os.ReadFile(form)
	filled, err := templates.FillForm(blank, score.Synthetic(seeds.DefaultChecklist(), seeds.DefaultRoster().County(code), period, rand.New(rand.NewPCG(3, 4)), 1))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(form, filled, 0o644)
	// Deadline 25 June 18:00; locked 5 days later (lock_after_days = 5).
	if c, out, errs := kaohe(t, "--store", db, "import", "--received", "2026-07-01 10:00", form); c != 0 {
		t.Fatalf("import: %d %s %s", c, out, errs)
	}
	c, out, errs := kaohe(t, "--store", db, "status", "--period", period)
	if c != 0 || !strings.Contains(out, "已锁定") {
		t.Fatalf("status after the lock: %d %s %s", c, out, errs)
	}
	if got := assessCounty(t, db, period, code); got.Submitted {
		t.Fatal("a form after the lock was scored")
	}
	c, _, errs = kaohe(t, "--store", db, "extend", "--county", "任城区", "--period", period, "--until", "2026-06-20 18:00", "--reason", "系统故障", "--by", "王科长")
	if c == 0 || !strings.Contains(errs, "not after the deadline") {
		t.Errorf("extend before the deadline: %d %s", c, errs)
	}
	c, out, errs = kaohe(t, "--store", db, "extend", "--county", "任城区", "--period", period, "--until", "2026-07-03 18:00", "--reason", "系统故障", "--by", "王科长")
	if c != 0 || !strings.Contains(out, "until 2026-07-03 18:00") || !strings.Contains(out, "王科长") {
		t.Fatalf("extend: %d %s %s", c, out, errs)
	}
	c, out, errs = kaohe(t, "--store", db, "status", "--period", period, "--months", "12")
	if c != 0 || !strings.Contains(out, "迟报") || strings.Contains(out, "已锁定") || !strings.Contains(out, "延期至 2026-07-03 18:00（系统故障；王科长") {
		t.Fatalf("status after the extension: %d %s %s", c, out, errs)
	}
	got := assessCounty(t, db, period, code)
	if !got.Submitted || got.DaysLate != 6 {
		t.Fatalf("after the extension: submitted %v, %d days late", got.Submitted, got.DaysLate)
	}
	c, out, errs = kaohe(t, "--store", db, "status", "--period", period, "--months", "12")
	if c != 0 || !strings.Contains(out, "近1期报送情况") || !strings.Contains(out, "全市") {
		t.Fatalf("status --months: %d %s %s", c, out, errs)
	}
	rates := ""
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 5 && f[0] == code && strings.HasSuffix(f[2], "%") {
			rates = strings.Join(f[2:], " ")
		}
	}
	if rates != "100.0% 0.0% 0期" {
		t.Errorf("任城区's rates (sent late) %q, want 100.0%% 0.0%% 0期:\n%s", rates, out)
	}
}
