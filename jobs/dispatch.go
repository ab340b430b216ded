package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// FormFilename is the name a county's form is sent under.
func FormFilename(c *seeds.County, period string) string {
	return fmt.Sprintf("%s_%s_乡村振兴重点工作进展表.xlsx", c.Name, period)
}

// BuildForm builds a county's form for period, prefilled from its last accepted filing of
// an earlier period (or of this period, when it has one), and reports whether it was prefilled.
func (d *Deps) BuildForm(ctx context.Context, c *seeds.County, period string) ([]byte, bool, error) {
	deadline, err := d.Config.Deadline(period)
	if err != nil {
		return nil, false, err
	}
	var prefill *seeds.Filing
	sub, err := d.Store.LatestAccepted(ctx, c.Code, period)
	if errors.Is(err, store.ErrNotFound) {
		sub, err = d.Store.LastAcceptedBefore(ctx, c.Code, period)
	}
	switch {
	case err == nil:
		prefill = sub.Filing
	case errors.Is(err, store.ErrNotFound):
	default:
		return nil, false, err
	}
	b, err := d.buildForm(c, period, deadline, prefill, "")
	return b, prefill != nil, err
}

// buildForm builds a county's current form for period, prefilled from prefill (nil:
// blank); carriedFrom is the template version of an out-of-date form prefill was read from.
func (d *Deps) buildForm(c *seeds.County, period string, deadline time.Time, prefill *seeds.Filing, carriedFrom string) ([]byte, error) {
	return templates.Build(templates.Options{
		Checklist: d.Checklist, Roster: d.Roster, County: c, Period: period, Deadline: deadline,
		ReturnTo: d.Config.Office.From, Secret: d.Config.Forms.Secret, Prefill: prefill, CarriedFrom: carriedFrom,
	})
}

// formSent records that forms of the current template version were sent for period, so
// that such forms are read by their version's rules after a later version comes
// (templates.ParseOptions.FormVersions).
func (d *Deps) formSent(ctx context.Context, period string) error {
	return d.Store.RecordFormVersion(ctx, period, templates.TemplateVersion, d.now())
}

// formVersions gives the template versions of the forms sent for period (the store's
// record); on a store error, none (an older form is then out of date), logged.
func (d *Deps) formVersions(period string) []string {
	vs, err := d.Store.FormVersions(context.Background(), period)
	if err != nil {
		d.Logger.Warn("form versions unknown: older forms are taken as out of date", "period", period, "err", err)
		return nil
	}
	return vs
}

// Dispatch queues each county's form for period (a mail with the form attached). With
// dryRun it builds everything and queues nothing. Counties already sent their form for
// the period are not sent it again.
func (d *Deps) Dispatch(ctx context.Context, period string, dryRun bool) (Counts, error) {
	if err := CheckPeriod(period); err != nil {
		return nil, err
	}
	deadline, err := d.Config.Deadline(period)
	if err != nil {
		return nil, err
	}
	counts := Counts{}
	for i := range d.Roster.Counties {
		if err := ctx.Err(); err != nil {
			return counts, err
		}
		c := &d.Roster.Counties[i]
		form, prefilled, err := d.BuildForm(ctx, c, period)
		if err != nil {
			return counts, fmt.Errorf("form for %s: %w", c.Code, err)
		}
		data := d.mailData(c)
		data.Period, data.Deadline, data.Prefilled = period, deadline, prefilled
		subject, body, err := templates.RenderMail(templates.MailDispatch, data)
		if err != nil {
			return counts, err
		}
		counts["forms"]++
		if prefilled {
			counts["prefilled"]++
		}
		if dryRun {
			continue
		}
		if err := d.formSent(ctx, period); err != nil {
			return counts, err
		}
		_, existed, err := d.enqueue(ctx, &store.Outgoing{
			Key: "dispatch:" + period + ":" + c.Code, Kind: templates.MailDispatch, County: c.Code, Period: period,
			To: c.Emails, Subject: subject, Body: body,
			Attachments: []store.OutAttachment{{Name: FormFilename(c, period), ContentType: xlsxType, Data: form}},
		})
		if err != nil {
			return counts, err
		}
		if existed {
			counts["already_queued"]++
		} else {
			counts["queued"]++
		}
		d.progress("dispatch", i+1, len(d.Roster.Counties))
	}
	return counts, nil
}

// Remind queues a reminder, with the form attached, to every county that has no accepted
// form for period; counties that are done get nothing. One reminder per county and day.
// After the deadline the reminder says the form is overdue (and when the period locks)
// and is copied to the county's escalate_to addresses.
func (d *Deps) Remind(ctx context.Context, period string, dryRun bool) (Counts, error) {
	if err := CheckPeriod(period); err != nil {
		return nil, err
	}
	deadline, err := d.Config.Deadline(period)
	if err != nil {
		return nil, err
	}
	subs, err := d.Store.Submissions(ctx, period)
	if err != nil {
		return nil, err
	}
	accepted, rejected := map[string]bool{}, map[string]bool{}
	for _, s := range subs {
		if s.Status == store.Accepted {
			accepted[s.County] = true
		} else {
			rejected[s.County] = true
		}
	}
	now := d.now()
	daysLeft := int(deadline.Sub(now).Hours()/24 + 0.999)
	if daysLeft < 0 {
		daysLeft = 0
	}
	counts := Counts{}
	for i := range d.Roster.Counties {
		c := &d.Roster.Counties[i]
		if accepted[c.Code] {
			counts["done"]++
			continue
		}
		form, _, err := d.BuildForm(ctx, c, period)
		if err != nil {
			return counts, fmt.Errorf("form for %s: %w", c.Code, err)
		}
		data := d.mailData(c)
		data.Period, data.Deadline, data.Date, data.DaysLeft, data.Rejected = period, deadline, now, daysLeft, rejected[c.Code]
		to := c.Emails
		if now.After(deadline) {
			// Overdue: copied to the county's escalation addresses (its 分管领导).
			data.OverdueDays = daysLate(now, deadline)
			var ext *store.Extension
			if data.Locked, ext, err = d.Cutoff(ctx, c.Code, period); err != nil {
				return counts, err
			}
			if ext != nil && ext.Until.Equal(data.Locked) { // extended for the county: say until when
				data.Until = ext.Until
			}
			if len(c.EscalateTo) > 0 {
				to = append(slices.Clone(c.Emails), c.EscalateTo...)
				data.Copied = true
				counts["escalated"]++
			}
		}
		subject, body, err := templates.RenderMail(templates.MailRemind, data)
		if err != nil {
			return counts, err
		}
		counts["reminded"]++
		if dryRun {
			continue
		}
		if err := d.formSent(ctx, period); err != nil {
			return counts, err
		}
		if _, _, err := d.enqueue(ctx, &store.Outgoing{
			Key: "remind:" + period + ":" + c.Code + ":" + now.Format("20060102"), Kind: templates.MailRemind,
			County: c.Code, Period: period, To: to, Subject: subject, Body: body,
			Attachments: []store.OutAttachment{{Name: FormFilename(c, period), ContentType: xlsxType, Data: form}},
		}); err != nil {
			return counts, err
		}
	}
	return counts, nil
}

// enqueue puts a mail in the outbox with the office's From and a stable Message-ID.
func (d *Deps) enqueue(ctx context.Context, o *store.Outgoing) (int64, bool, error) {
	if o.From == "" {
		o.From = d.Config.Office.From
	}
	if o.Created.IsZero() {
		o.Created = d.now()
	}
	if o.NextAttempt.IsZero() {
		o.NextAttempt = o.Created
	}
	return d.Store.Enqueue(ctx, o)
}

// daysLate counts the calendar days (started) a form received at t is past the deadline.
func daysLate(t, deadline time.Time) int {
	if !t.After(deadline) {
		return 0
	}
	return int((t.Sub(deadline) + 24*time.Hour - 1) / (24 * time.Hour))
}
