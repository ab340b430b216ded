package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// TestCheckFormVersions: a form of template version 2 is out of date unless its period
// was sent version 2 forms (--form-versions, as the intake reads the store's record).
func TestCheckFormVersions(t *testing.T) {
	cl, ro := seeds.DefaultChecklist(), seeds.DefaultRoster()
	b, err := templates.Build(templates.Options{Checklist: cl, Roster: ro, County: ro.County("370811"), Period: "2026-11",
		Deadline: time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC), Secret: []byte(config.DemoSecret), TemplateVersion: "2"})
	if err != nil {
		t.Fatal(err)
	}
	form := filepath.Join(t.TempDir(), "v2.xlsx")
	if err := os.WriteFile(form, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := kaohe(t, "check", form)
	if code != exitUser || !strings.Contains(errs, "这是已过期的第 2 版表格") || strings.Count(strings.TrimSpace(errs), "\n") > 1 {
		t.Errorf("check of a version 2 form: exit %d\n%s", code, errs)
	}
	// Read by version 2's rules: the blank form's own problems, not the version.
	code, _, errs = kaohe(t, "check", "--form-versions", "2,3", form)
	if code != exitUser || strings.Contains(errs, "已过期") || !strings.Contains(errs, "重点任务!E2：") || !strings.Contains(errs, "第一书记项目资金") {
		t.Errorf("check --form-versions 2,3: exit %d\n%s", code, errs)
	}
}
