package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/templates"
)

// lightsResult is what escalations read of an earlier assessment: each county's tasks'
// lights and values, without the rest.
type lightsResult struct {
	Period   string `json:"period"`
	Counties []struct {
		Code      string `json:"code"`
		Submitted bool   `json:"submitted"`
		Tasks     []struct {
			Task     string      `json:"task"`
			Light    score.Light `json:"light"`
			Reported string      `json:"reported"`
			Expected string      `json:"expected"`
			Score    float64     `json:"score"`
			Possible float64     `json:"possible"`
		} `json:"tasks"`
	} `json:"counties"`
}

// escalations returns the 督办单 of res: each task red in a county for
// escalation.months consecutive periods or more (up to res.Period; a period not
// assessed, or in which the county sent no form, ends a run), at the level of the
// ladder the run has reached, with the red periods' values, due by the next period's
// deadline. Counties in res order, tasks in checklist order.
func (d *Deps) escalations(ctx context.Context, res *score.Result) ([]score.Escalation, error) {
	e := d.Config.Escalation
	if e.Months <= 0 || len(e.Levels) == 0 {
		return nil, nil
	}
	longest := e.Months + len(e.Levels) - 1 // a run this long is at the last level
	var before []lightsResult
	if longest > 1 {
		as, err := d.Store.AssessmentsBefore(ctx, res.Period, longest-1)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		want := res.Period
		for _, a := range as {
			if want = PreviousPeriod(want); a.Period != want {
				break // a period not assessed ends every run
			}
			var l lightsResult
			if err := a.DecodeResult(&l); err != nil {
				return nil, fmt.Errorf("assessment of %s in the store: %w", a.Period, err)
			}
			before = append(before, l)
		}
	}
	next, err := time.Parse("2006-01", res.Period)
	if err != nil {
		return nil, err
	}
	due, err := d.Config.Deadline(next.AddDate(0, 1, 0).Format("2006-01"))
	if err != nil {
		return nil, err
	}
	var out []score.Escalation
	for i := range res.Counties {
		c := &res.Counties[i]
		if !c.Submitted {
			continue
		}
		for _, ts := range c.Tasks {
			if ts.Light != score.Red {
				continue
			}
			red := []score.RedMonth{{Period: res.Period, Reported: ts.Reported, Expected: ts.Expected, Score: ts.Score, Possible: ts.Possible}}
		back:
			for _, l := range before {
				for _, lc := range l.Counties {
					if lc.Code != c.Code {
						continue
					}
					for _, lt := range lc.Tasks {
						if lt.Task == ts.Task && lc.Submitted && lt.Light == score.Red {
							red = append(red, score.RedMonth{Period: l.Period, Reported: lt.Reported, Expected: lt.Expected, Score: lt.Score, Possible: lt.Possible})
							continue back
						}
					}
				}
				break
			}
			level, li := e.Level(len(red))
			if level == "" {
				continue
			}
			nextLevel := ""
			if li+1 < len(e.Levels) {
				nextLevel = e.Levels[li+1]
			}
			for a, b := 0, len(red)-1; a < b; a, b = a+1, b-1 {
				red[a], red[b] = red[b], red[a]
			}
			out = append(out, score.Escalation{County: c.Code, Name: c.Name, Task: ts.Task, Title: ts.Title,
				Level: level, Next: nextLevel, Months: len(red), Red: red, Due: due})
		}
	}
	return out, nil
}

// queueEscalations renders each 督办单 of res into DIR/<period>/<code>-督办-<n>.pdf and
// queues it to its county, once per period, county and task. It returns how many it
// added to the outbox.
func (d *Deps) queueEscalations(ctx context.Context, res *score.Result, dir string) (int, error) {
	r, err := d.renderer()
	if err != nil {
		return 0, err
	}
	added := 0
	for i, e := range res.Escalations {
		county := d.Roster.County(e.County)
		if county == nil {
			continue
		}
		pdf, err := r.Escalation(res, e)
		if err != nil {
			return added, err
		}
		name := fmt.Sprintf("%s-督办-%02d.pdf", e.County, i+1)
		if err := os.WriteFile(filepath.Join(dir, res.Period, name), pdf, 0o600); err != nil {
			return added, err
		}
		data := d.mailData(county)
		data.Period, data.Level, data.Task, data.Months, data.Due = res.Period, e.Level, e.Task+" "+e.Title, e.Months, e.Due
		subject, body, err := templates.RenderMail(templates.MailEscalate, data)
		if err != nil {
			return added, err
		}
		_, existed, err := d.enqueue(ctx, &store.Outgoing{
			Key: "escalate:" + res.Period + ":" + e.County + ":" + e.Task, Kind: templates.MailEscalate, County: e.County, Period: res.Period,
			To: county.Emails, Subject: subject, Body: body,
			Attachments: []store.OutAttachment{{Name: fmt.Sprintf("%s_%s_督办单（%s）_%s.pdf", county.Name, res.Period, e.Level, e.Task), ContentType: "application/pdf", Data: pdf}},
		})
		if err != nil {
			return added, err
		}
		if !existed {
			added++
		}
	}
	return added, nil
}
