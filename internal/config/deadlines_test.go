package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The reminders of a file replace the defaults' (not appended to them), and a holidays
// file moves a reminder before the deadline to the previous working day, one after it to
// the next.
func TestReminderTimesAndHolidays(t *testing.T) {
	dir := t.TempDir()
	hol := filepath.Join(dir, "holidays.txt")
	// 2026-11-22 is a Sunday; 11-24 a (made-up) holiday; 11-28 a Saturday listed 班.
	os.WriteFile(hol, []byte("# 2026\n2026-11-24\n2026-11-28 班\n"), 0o600)
	p := filepath.Join(dir, "k.toml")
	os.WriteFile(p, []byte(`
[period]
lock_after_days = 3
[schedule]
reminders = ["-3d 09:00", "-1d 09:00", "+1d 10:30", "+3d 09:00"]
holidays = "`+hol+`"
`), 0o600)
	c, warn, err := Load(p, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warn {
		if strings.Contains(w, "schedule.remind") {
			t.Errorf("warning without schedule.remind: %s", w)
		}
	}
	got, err := c.ReminderTimes("2026-11")
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, c.Location) }
	want := []ReminderTime{
		{At: at(20, 9, 0)},                // 22nd is a Sunday → Friday 20th
		{At: at(23, 9, 0)},                // 24th a holiday → 23rd
		{At: at(26, 10, 30), After: true}, // a Thursday
		{At: at(28, 9, 0), After: true},   // Saturday 28th, 班
	}
	if len(got) != len(want) {
		t.Fatalf("reminders %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].At.Equal(want[i].At) || got[i].After != want[i].After {
			t.Errorf("reminder %d = %v %v, want %v %v", i, got[i].At, got[i].After, want[i].At, want[i].After)
		}
	}
	lock, _ := c.LockTime("2026-11")
	if !lock.Equal(at(28, 18, 0)) {
		t.Errorf("lock = %v", lock)
	}
	// Defaults: three reminders, weekends not moved without a file.
	d, _, _ := Load("", noEnv)
	rs, _ := d.ReminderTimes("2026-11")
	if len(rs) != 3 || !rs[0].At.Equal(at(22, 9, 0)) || !rs[2].After {
		t.Errorf("default reminders %v", rs)
	}
	if l, i := d.Escalation.Level(3); l != "督办" || i != 1 {
		t.Errorf("level at 3 = %s %d", l, i)
	}
	if l, _ := d.Escalation.Level(1); l != "" {
		t.Errorf("level at 1 = %s", l)
	}
	if l, _ := d.Escalation.Level(9); l != "通报" {
		t.Errorf("level at 9 = %s", l)
	}
}

func TestDeadlineProblems(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k.toml")
	os.WriteFile(p, []byte(`
[period]
lock_after_days = -1
[schedule]
remind = "0 9 22 * *"
reminders = ["3 days before"]
holidays = "/nonexistent/holidays.txt"
[escalation]
months = 2
levels = []
`), 0o600)
	_, warn, err := Load(p, noEnv)
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{"lock_after_days", "reminders", "schedule.holidays", "escalation.levels"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("no problem about %s in %v", w, err)
		}
	}
	if !strings.Contains(strings.Join(warn, "\n"), "schedule.remind") {
		t.Errorf("no warning about schedule.remind: %v", warn)
	}
}
