package config

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Escalation is the 督办 ladder: a task red for Months consecutive periods gets a 督办单
// at Levels[0], one period more at Levels[1], and so on, the last level kept.
type Escalation struct {
	Months int      `toml:"months"`
	Levels []string `toml:"levels"`
}

// Level returns the 督办 level of a task red for run consecutive periods, and its index;
// "" and -1 when run is below Months (or escalation is off).
func (e Escalation) Level(run int) (string, int) {
	if e.Months <= 0 || len(e.Levels) == 0 || run < e.Months {
		return "", -1
	}
	i := min(run-e.Months, len(e.Levels)-1)
	return e.Levels[i], i
}

// Reminder is one reminder of schedule.reminders: Days days from the deadline's day
// (negative: before it) at Hour:Minute.
type Reminder struct {
	Days         int
	Hour, Minute int
}

var reminderRE = regexp.MustCompile(`^([+-]?)(\d{1,2})d\s+(\d{1,2}):(\d{2})$`)

// ParseReminder reads a reminder such as "-3d 09:00" (3 days before the deadline's day,
// at 09:00), "+1d 09:00" or "0d 08:30".
func ParseReminder(s string) (Reminder, error) {
	m := reminderRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Reminder{}, fmt.Errorf("reminder %q: want e.g. \"-3d 09:00\" (days from the deadline's day, then the time)", s)
	}
	days, _ := strconv.Atoi(m[2])
	if m[1] == "-" {
		days = -days
	}
	h, _ := strconv.Atoi(m[3])
	mi, _ := strconv.Atoi(m[4])
	if h > 23 || mi > 59 || days < -27 || days > 27 {
		return Reminder{}, fmt.Errorf("reminder %q: days must be within ±27, the time 00:00–23:59", s)
	}
	return Reminder{Days: days, Hour: h, Minute: mi}, nil
}

// Holidays are the non-working days of schedule.holidays.
type Holidays struct {
	off  map[string]bool // YYYY-MM-DD: a holiday
	work map[string]bool // YYYY-MM-DD: a weekend working day (调休, 班)
	set  bool            // a file was given: weekends are non-working too
}

// ReadHolidays reads a holidays file: one date (2026-10-01) a line, optionally followed by
// 班 for a weekend working day; blank lines and # comments are skipped.
func ReadHolidays(b []byte) (*Holidays, error) {
	h := &Holidays{off: map[string]bool{}, work: map[string]bool{}, set: true}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if _, err := time.Parse("2006-01-02", f[0]); err != nil || len(f) > 2 || len(f) == 2 && f[1] != "班" {
			return nil, fmt.Errorf("line %d %q: want a date such as 2026-10-01, optionally followed by 班", n, sc.Text())
		}
		if len(f) == 2 {
			h.work[f[0]] = true
		} else {
			h.off[f[0]] = true
		}
	}
	return h, sc.Err()
}

// Working reports whether day is a working day: not a listed holiday, and, when a file
// is in use, not a Saturday or Sunday unless listed with 班. A nil Holidays has every
// day working.
func (h *Holidays) Working(day time.Time) bool {
	if h == nil || !h.set {
		return true
	}
	k := day.Format("2006-01-02")
	if h.off[k] {
		return false
	}
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return h.work[k]
	}
	return true
}

// ReminderTime is one reminder of a period as it is sent.
type ReminderTime struct {
	At time.Time
	// After: the reminder comes after the deadline (it is copied to escalate_to).
	After bool
}

// ReminderTimes returns the times of period's reminders, in order, each moved off
// non-working days: a reminder before the deadline to the previous working day, one after
// it to the next (never before the deadline). Two reminders on the same day are one.
func (c *Config) ReminderTimes(period string) ([]ReminderTime, error) {
	dl, err := c.Deadline(period)
	if err != nil {
		return nil, err
	}
	var out []ReminderTime
	seen := map[string]bool{}
	for _, s := range c.Schedule.Reminders {
		r, err := ParseReminder(s)
		if err != nil {
			return nil, err
		}
		day := time.Date(dl.Year(), dl.Month(), dl.Day()+r.Days, r.Hour, r.Minute, 0, 0, c.Location)
		after := day.After(dl)
		for i := 0; i < 30 && !c.holidays.Working(day); i++ {
			if after {
				day = day.AddDate(0, 0, 1)
			} else {
				day = day.AddDate(0, 0, -1)
			}
		}
		if k := day.Format("2006-01-02"); !seen[k] {
			seen[k] = true
			out = append(out, ReminderTime{At: day, After: after})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// LockTime is when period is locked (lock_after_days after the deadline); zero when
// periods are never locked.
func (c *Config) LockTime(period string) (time.Time, error) {
	dl, err := c.Deadline(period)
	if err != nil || c.Period.LockAfterDays <= 0 {
		return time.Time{}, err
	}
	return dl.AddDate(0, 0, c.Period.LockAfterDays), nil
}

// SetHolidays sets the non-working days (tests; Load reads schedule.holidays).
func (c *Config) SetHolidays(h *Holidays) { c.holidays = h }

// checkDeadlines checks lock_after_days, the reminders, the holidays file and the
// escalation ladder, reading the holidays file.
func (c *Config) checkDeadlines() []string {
	var p []string
	add := func(f string, a ...any) { p = append(p, fmt.Sprintf(f, a...)) }
	if c.Period.LockAfterDays < 0 {
		add("period.lock_after_days = %d: must be 0 (never locked) or more", c.Period.LockAfterDays)
	}
	for _, s := range c.Schedule.Reminders {
		if _, err := ParseReminder(s); err != nil {
			add("schedule.reminders: %v", err)
		}
	}
	if f := c.Schedule.Holidays; f != "" {
		b, err := os.ReadFile(f)
		if err == nil {
			c.holidays, err = ReadHolidays(b)
		}
		if err != nil {
			add("schedule.holidays %q: %v", f, err)
		}
	}
	if c.Escalation.Months < 0 {
		add("escalation.months = %d: must be 0 (no 督办单) or more (hint: 2)", c.Escalation.Months)
	}
	if c.Escalation.Months > 0 && len(c.Escalation.Levels) == 0 {
		add("escalation.levels is empty (hint: [\"提醒\", \"督办\", \"通报\"])")
	}
	for _, l := range c.Escalation.Levels {
		if strings.TrimSpace(l) == "" {
			add("escalation.levels: an empty level")
		}
	}
	return p
}
