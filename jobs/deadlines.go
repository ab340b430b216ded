package jobs

import (
	"context"
	"errors"
	"fmt"
	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/score"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/templates"
)

// Cutoff is when county's forms for period stop counting: the period's lock
// (period.lock_after_days after the deadline) or, when the office extended the county's
// deadline (Extend), the later of the lock and the latest extension. Zero: never (no
// lock configured). ext is the extension in force, if any.
//
// Errors: a bad period; store errors.
func (d *Deps) Cutoff(ctx context.Context, county, period string) (cut time.Time, ext *store.Extension, err error) {
	lock, err := d.Config.LockTime(period)
	if err != nil || lock.IsZero() {
		return time.Time{}, nil, err
	}
	es, err := d.Store.Extensions(ctx, period, county)
	if err != nil {
		return time.Time{}, nil, err
	}
	if len(es) > 0 {
		ext = &es[len(es)-1]
		if ext.Until.After(lock) {
			return ext.Until, ext, nil
		}
	}
	return lock, ext, nil
}

// ErrExtension is wrapped by the refusals of Extend the office can fix.
var ErrExtension = errors.New("extension refused")

// Extend opens period for county until until (office time), recording who (Operator(by)),
// when and why, and queues a 【延期】 mail telling the county (with the version of the form
// it sent after the lock that now counts, if any). The period's assessment is then to be
// run again (kaohe assess --queue): its reports go out as a 更正 where they changed.
//
// Errors: wrapping ErrExtension for an unknown county, a bad period, an until not after
// the deadline, or no reason or operator; store errors.
func (d *Deps) Extend(ctx context.Context, county, period string, until time.Time, reason, by string) (*store.Extension, error) {
	c := d.Roster.County(county)
	if c == nil {
		return nil, fmt.Errorf("%w: county %q is not on the roster", ErrExtension, county)
	}
	if err := CheckPeriod(period); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrExtension, err)
	}
	deadline, err := d.Config.Deadline(period)
	if err != nil {
		return nil, err
	}
	if !until.After(deadline) {
		return nil, fmt.Errorf("%w: --until %s is not after the deadline %s", ErrExtension, until.Format("2006-01-02 15:04"), deadline.Format("2006-01-02 15:04"))
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return nil, fmt.Errorf("%w: an extension needs a reason (--reason)", ErrExtension)
	}
	if by = d.Operator(by); by == "" {
		return nil, fmt.Errorf("%w: who extends is not known: give --by NAME or set office.operator in the config", ErrExtension)
	}
	e := &store.Extension{County: c.Code, Period: period, Until: until, Reason: reason, By: by, At: d.now()}
	if err := d.Store.AddExtension(ctx, e); err != nil {
		return nil, err
	}
	d.Logger.Info("deadline extended", "county", c.Code, "period", period, "until", until, "by", by, "reason", reason)
	data := d.mailData(c)
	data.Period, data.Deadline, data.Until, data.Reason = period, deadline, until, reason
	if sub, err := d.Store.LatestAcceptedBy(ctx, c.Code, period, until); err == nil {
		data.Version = sub.Version
	} else if !errors.Is(err, store.ErrNotFound) {
		return e, err
	}
	subject, body, err := templates.RenderMail(templates.MailExtend, data)
	if err != nil {
		return e, err
	}
	_, _, err = d.enqueue(ctx, &store.Outgoing{Key: fmt.Sprintf("extend:%d", e.ID), Kind: templates.MailExtend,
		County: c.Code, Period: period, To: c.Emails, Subject: subject, Body: body})
	return e, err
}

// RemindCron is the cron expression the scheduler's remind job fires on: every time of
// day of schedule.reminders (minutes × hours); each activation that is not a reminder of
// some period is no run (reminderPeriod).
func RemindCron(c *config.Config) string {
	hours, mins := map[int]bool{}, map[int]bool{}
	for _, s := range c.Schedule.Reminders {
		r, err := config.ParseReminder(s)
		if err != nil {
			continue // Load refused it
		}
		hours[r.Hour], mins[r.Minute] = true, true
	}
	if len(hours) == 0 {
		return "0 0 31 2 *" // no reminders: 31 February, never
	}
	list := func(m map[int]bool) string {
		var v []int
		for k := range m {
			v = append(v, k)
		}
		slices.Sort(v)
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = strconv.Itoa(x)
		}
		return strings.Join(s, ",")
	}
	return list(mins) + " " + list(hours) + " * * *"
}

// reminderPeriods are the periods whose reminders may fall near t: the month before,
// t's month and the next.
func reminderPeriods(t time.Time) []string {
	p := CurrentPeriod(t)
	n, _ := time.Parse("2006-01", p)
	return []string{PreviousPeriod(p), p, n.AddDate(0, 1, 0).Format("2006-01")}
}

// reminderPeriod is the period whose reminder is due at fired (to the minute), "" when
// none is.
func (d *Deps) reminderPeriod(fired time.Time) string {
	f := fired.Truncate(time.Minute)
	for _, p := range reminderPeriods(fired) {
		rs, err := d.Config.ReminderTimes(p)
		if err != nil {
			continue
		}
		for _, r := range rs {
			if r.At.Equal(f) {
				return p
			}
		}
	}
	return ""
}

// reminderSlot is the latest reminder at or before t, its period, and when a missed one
// is stale: one before the deadline at the deadline (it would come after the date it
// announces), one after the deadline at the period's lock (or a day after it when
// periods are not locked).
func (d *Deps) reminderSlot(t time.Time) (at time.Time, period string, stale time.Time) {
	var after bool
	for _, p := range reminderPeriods(t) {
		rs, err := d.Config.ReminderTimes(p)
		if err != nil {
			continue
		}
		for _, r := range rs {
			if !r.At.After(t) && r.At.After(at) {
				at, period, after = r.At, p, r.After
			}
		}
	}
	if at.IsZero() {
		return at, "", at
	}
	dl, _ := d.Config.Deadline(period)
	stale = dl
	if after {
		stale = at.Add(24 * time.Hour)
		if lock, _ := d.Config.LockTime(period); lock.After(at) {
			stale = lock
		}
	}
	return at, period, stale
}

// Rates returns 报送率, 按时报送率 and the consecutive on-time periods of every unit and
// of the city over the last months periods assessed up to period (score.Rates), and those
// periods, latest first. Nothing when no period up to it is assessed.
//
// Errors: a bad period or months < 1; store errors.
func (d *Deps) Rates(ctx context.Context, period string, months int) (units []score.Rate, city score.Rate, periods []string, err error) {
	if err := CheckPeriod(period); err != nil {
		return nil, city, nil, err
	}
	if months < 1 {
		return nil, city, nil, fmt.Errorf("months = %d: want at least 1", months)
	}
	var rs []*score.Result
	decode := func(a *store.Assessment) error {
		var h historyResult
		if err := a.DecodeResult(&h); err != nil {
			return fmt.Errorf("assessment of %s in the store: %w", a.Period, err)
		}
		rs = append(rs, h.result())
		return nil
	}
	switch a, err := d.Store.Assessment(ctx, period); {
	case err == nil:
		if err := decode(a); err != nil {
			return nil, city, nil, err
		}
	case !errors.Is(err, store.ErrNotFound):
		return nil, city, nil, err
	}
	as, err := d.Store.AssessmentsBefore(ctx, period, months)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, city, nil, err
	}
	for _, a := range as {
		if err := decode(a); err != nil {
			return nil, city, nil, err
		}
	}
	if len(rs) == 0 {
		return nil, city, nil, nil
	}
	if len(rs) > months {
		rs = rs[:months]
	}
	for _, r := range rs {
		periods = append(periods, r.Period)
	}
	units, city = score.Rates(rs[0], rs[1:], months)
	return units, city, periods, nil
}
