package jobs

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// ErrAdjustment is wrapped by the errors of AddAdjustment, RevokeAdjustment and
// ImportVerification the office can fix: an unknown county, a cap exceeded, a 核查表
// already imported. Their text says what to do.
var ErrAdjustment = errors.New("adjustment refused")

func refused(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrAdjustment, fmt.Sprintf(format, a...))
}

// Operator returns who records an adjustment: by when given, else the config's
// office.operator, else the login name ($USER); "" when none is known.
func (d *Deps) Operator(by string) string {
	for _, s := range []string{by, d.Config.Office.Operator, os.Getenv("USER"), os.Getenv("USERNAME")} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// AddAdjustment records a 加分 or 减分 item (a.Kind store.AdjBonus or store.AdjPenalty)
// for a county on the roster, refusing one that would take the county's 加分 or 减分 of
// the period past the checklist's bonus_cap or penalty_cap. a.By is resolved by Operator,
// a.At is now and a.Source "cli" when not set.
//
// Errors: wrapping ErrAdjustment when the office can fix it; store errors.
func (d *Deps) AddAdjustment(ctx context.Context, a store.Adjustment) (store.Adjustment, error) {
	if err := CheckPeriod(a.Period); err != nil {
		return a, refused("%v", err)
	}
	if d.Roster.County(a.County) == nil {
		return a, refused("county %q is not on the roster", a.County)
	}
	var limit float64
	switch a.Kind {
	case store.AdjBonus:
		limit = d.Checklist.Scoring.BonusCap
	case store.AdjPenalty:
		limit = d.Checklist.Scoring.PenaltyCap
	default:
		return a, refused("kind %q: want %s or %s", a.Kind, store.AdjBonus, store.AdjPenalty)
	}
	if !(a.Points > 0) || math.IsInf(a.Points, 0) {
		return a, refused("points must be a positive number, not %v", a.Points)
	}
	if strings.TrimSpace(a.Reason) == "" || strings.TrimSpace(a.Doc) == "" {
		return a, refused("%s needs a reason (--reason) and a document number (--doc, 文号)", a.Kind)
	}
	if a.By = d.Operator(a.By); a.By == "" {
		return a, refused("who records it is not known: give --by NAME or set office.operator in the config")
	}
	if a.At.IsZero() {
		a.At = d.now()
	}
	if a.Source == "" {
		a.Source = "cli"
	}
	a.TargetKind, a.Target = store.TargetCounty, ""
	out, err := d.Store.AddAdjustments(ctx, []store.Adjustment{a}, func(existing []store.Adjustment, add store.Adjustment) error {
		var used float64
		for _, e := range existing {
			if e.Kind == add.Kind {
				used += e.Points
			}
		}
		if used+add.Points > limit+1e-9 {
			name := d.Roster.County(add.County).Name
			if limit <= 0 {
				return refused("the checklist allows no %s (scoring.%s = 0)", add.Kind, capKey(add.Kind))
			}
			return refused("%s %s %s: %s of %g points would make %g, over the checklist's cap of %g (scoring.%s); %g recorded already",
				name, add.County, add.Period, add.Kind, add.Points, used+add.Points, limit, capKey(add.Kind), used)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrAdjustment) {
			return a, errors.Unwrap(err) // drop the store's "add adjustments: " prefix
		}
		return a, err
	}
	return out[0], nil
}

func capKey(kind string) string {
	if kind == store.AdjBonus {
		return "bonus_cap"
	}
	return "penalty_cap"
}

// RevokeAdjustment marks record id revoked by Operator(by), now, for reason; the record stays.
//
// Errors: wrapping ErrAdjustment for a missing record, a second revocation, or no reason
// or operator; store errors.
func (d *Deps) RevokeAdjustment(ctx context.Context, id int64, by, reason string) (*store.Adjustment, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, refused("revoking needs a reason (--reason)")
	}
	if by = d.Operator(by); by == "" {
		return nil, refused("who revokes it is not known: give --by NAME or set office.operator in the config")
	}
	a, err := d.Store.RevokeAdjustment(ctx, id, by, reason, d.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, refused("there is no adjustment %d (kaohe adjust list)", id)
	case errors.Is(err, store.ErrState):
		return nil, refused("%v", err)
	}
	return a, err
}

// ImportVerification records the findings of a filled 核查表 (templates.ParseVerify):
// each value found on site (核查数值) and each conclusion on a task claim (核查属实 or
// 核查不实), by by (else the 核查人 of the sheet, else Operator), with the sheet's 核查文号.
// A finding about a county without an accepted form, or a village or task not in it, is
// a problem naming its cell. A workbook whose records are in force already is refused.
// Nothing is recorded unless everything is sound.
//
// Errors: templates.Problems for the office to fix; wrapping ErrAdjustment for a
// workbook imported already or no operator; store errors.
func (d *Deps) ImportVerification(ctx context.Context, data []byte, by string) ([]store.Adjustment, error) {
	rep, err := templates.ParseVerify(data, d.Checklist, d.Roster)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	source := "verify:" + hex.EncodeToString(sum[:])
	if dup, err := d.Store.HasAdjustmentSource(ctx, source); err != nil {
		return nil, err
	} else if dup {
		return nil, refused("this 核查表 was imported already (its records are in force: kaohe adjust list --period %s)", rep.Period)
	}
	if by = d.Operator(firstNonEmpty(by, rep.By)); by == "" {
		return nil, refused("who checked is not known: give --by NAME, fill 核查人 (核查说明!B6) or set office.operator")
	}
	filings := map[string]*seeds.Filing{}
	filing := func(code string) (*seeds.Filing, error) {
		if f, ok := filings[code]; ok {
			return f, nil
		}
		s, err := d.Store.LatestAccepted(ctx, code, rep.Period)
		if errors.Is(err, store.ErrNotFound) {
			filings[code] = nil
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		filings[code] = s.Filing
		return s.Filing, nil
	}
	var probs templates.Problems
	var recs []store.Adjustment
	now := d.now()
	for _, x := range rep.Findings {
		f, err := filing(x.County)
		if err != nil {
			return nil, err
		}
		name := d.Roster.County(x.County).Name
		if f == nil {
			probs = append(probs, templates.Problem{Sheet: x.Sheet, Cell: x.Cell, Message: fmt.Sprintf("%s%s没有受理的报表，无法记录核查结果。", name, templates.PeriodLabel(rep.Period))})
			continue
		}
		a := store.Adjustment{County: x.County, Period: rep.Period, Reported: x.Reported, Reason: x.Note, Doc: rep.Doc,
			Source: source, By: by, At: now}
		if x.Task != "" {
			if f.Task(x.Task) == nil {
				probs = append(probs, templates.Problem{Sheet: x.Sheet, Cell: x.Cell, Message: fmt.Sprintf("%s本期报表中没有任务%s。", name, x.Task)})
				continue
			}
			a.Kind, a.TargetKind, a.Target = store.AdjClaimTrue, store.TargetTask, x.Task
			if x.False {
				a.Kind = store.AdjClaimFalse
			}
		} else {
			if !hasVillage(f, x.Town, x.Village) {
				probs = append(probs, templates.Problem{Sheet: x.Sheet, Cell: x.Cell, Message: fmt.Sprintf("%s本期村级台账中没有“%s%s”，请不要修改乡镇和村名。", name, x.Town, x.Village)})
				continue
			}
			a.Kind, a.TargetKind, a.Target, a.Town, a.Village, a.Value = store.AdjValue, store.TargetVillage, x.Indicator, x.Town, x.Village, x.Value
		}
		recs = append(recs, a)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return d.Store.AddAdjustments(ctx, recs, nil)
}

func hasVillage(f *seeds.Filing, town, village string) bool {
	for _, v := range f.Villages {
		if v.Village == village && v.Town == town {
			return true
		}
	}
	return false
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

// VerifySample builds the 核查表 of period: for each county on the roster with an
// accepted form, villages villages and tasks task claims drawn by templates.VerifySample.
//
// Errors: store and excelize errors; wrapping ErrAdjustment when no form was accepted.
func (d *Deps) VerifySample(ctx context.Context, period string, villages, tasks int) ([]byte, templates.VerifySampleStats, error) {
	if err := CheckPeriod(period); err != nil {
		return nil, templates.VerifySampleStats{}, refused("%v", err)
	}
	acc, err := d.Store.AcceptedFilings(ctx, period)
	if err != nil {
		return nil, templates.VerifySampleStats{}, err
	}
	var cs []templates.VerifyCounty
	for _, c := range d.Roster.Counties {
		if s := acc[c.Code]; s != nil {
			cs = append(cs, templates.VerifyCounty{Code: c.Code, Name: c.Name, Filing: s.Filing})
		}
	}
	if len(cs) == 0 {
		return nil, templates.VerifySampleStats{}, refused("no form was accepted for %s: nothing to check", period)
	}
	return templates.BuildVerifySample(templates.VerifySampleOptions{Checklist: d.Checklist, Period: period,
		Villages: villages, Tasks: tasks, Office: d.office()}, cs)
}

// periodAdjustments returns the records in force of period, by county, as the engine
// takes them.
func (d *Deps) periodAdjustments(ctx context.Context, period string) (map[string][]score.Adjustment, error) {
	recs, err := d.Store.Adjustments(ctx, period, "", false)
	if err != nil {
		return nil, err
	}
	out := map[string][]score.Adjustment{}
	for _, r := range recs {
		a := score.Adjustment{ID: r.ID, Kind: r.Kind, Reported: r.Reported, Value: r.Value, Points: r.Points,
			Reason: r.Reason, Doc: r.Doc, By: r.By, At: r.At.In(d.Config.Location)}
		switch r.TargetKind {
		case store.TargetTask:
			a.Task = r.Target
		case store.TargetIndicator, store.TargetVillage:
			a.Indicator, a.Town, a.Village = r.Target, r.Town, r.Village
		}
		out[r.County] = append(out[r.County], a)
	}
	return out, nil
}

// DescribeAdjustment says what an office record is about, as `kaohe adjust list` and
// the console print it: 一、1 发展优势特色产业：填报已完成, 安居街道南张村
// 村集体经济收入：填报6.2，核查2.1万元, 2分.
func DescribeAdjustment(cl *seeds.Checklist, r store.Adjustment) string {
	switch r.Kind {
	case store.AdjBonus, store.AdjPenalty:
		return strconv.FormatFloat(r.Points, 'f', -1, 64) + "分"
	case store.AdjClaimTrue, store.AdjClaimFalse:
		s := r.Target
		if t := cl.Task(r.Target); t != nil {
			s += " " + t.Title
		}
		return s + "：填报" + r.Reported
	}
	name, unit := r.Target, ""
	ind := cl.Indicator(r.Target)
	if ind != nil {
		name, unit = ind.Name, ind.Unit
	}
	found := strconv.FormatFloat(r.Value, 'f', -1, 64) + unit
	if ind != nil && ind.Type == seeds.TypeBool {
		found = map[bool]string{true: "是", false: "否"}[r.Value >= 0.5]
	}
	where := r.Town + r.Village
	if where == "" {
		where = "县级"
	}
	return fmt.Sprintf("%s %s：填报%s，核查%s", where, name, cmp.Or(r.Reported, "—"), found)
}
