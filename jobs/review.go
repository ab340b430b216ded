package jobs

// The office's review of accepted forms (issue 14): approve, return with reasons and
// marked cells, the queue of signed forms from addresses not on the roster (待确认来源),
// and what changed between versions. Each operation is a function on Deps that the CLI
// (cmd/kaohe/review.go) calls, and that a web console can call the same way; each is a
// stored state change with who, when and why, and a run in the run log (job "review").

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// ErrReview is wrapped by the refusals of the review functions the office can fix: an
// unknown county or item, no form to act on, an action already taken. Their text says
// what to do.
var ErrReview = errors.New("review refused")

func reviewRefused(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrReview, fmt.Sprintf(format, a...))
}

// OutcomeSourcePending is the outcome of a message from an address on no county's list
// that carries a form with a valid signature: it waits in the review queue.
const OutcomeSourcePending = "source_pending"

// MaxChangesListed is how many changed cells a receipt lists; the rest are counted.
const MaxChangesListed = 30

// Review item kinds of ReviewList.
const (
	ItemPending = "待审核"   // an accepted form waiting for the office (review.required)
	ItemSource  = "待确认来源" // a signed form from an address on no county's list
)

// ReviewItem is one entry of the office's review queue.
type ReviewItem struct {
	Kind       string // ItemPending or ItemSource
	County     string
	CountyName string
	Period     string
	Received   time.Time
	Filename   string

	// ItemPending:
	Submission int64
	Version    int
	Changes    int      // cells changed against the previous version (0 for a first version)
	Unchanged  []string // cells the office returned that this version leaves as they were

	// ItemSource:
	Source *store.SourceItem
}

// ReviewList returns the office's queue for period ("" for the current period and the one
// before, the periods forms are taken for): the latest accepted forms not yet approved or
// returned (only when review.required), then the forms waiting for their source to be
// confirmed, in county order.
//
// Errors: store errors.
func (d *Deps) ReviewList(ctx context.Context, period string) ([]ReviewItem, error) {
	periods := []string{period}
	if period == "" {
		cur := CurrentPeriod(d.now())
		periods = []string{PreviousPeriod(cur), cur}
	}
	var out []ReviewItem
	for _, p := range periods {
		if d.Config.Review.Required {
			subs, err := d.Store.Submissions(ctx, p)
			if err != nil {
				return nil, err
			}
			last, err := d.lastActions(ctx, p)
			if err != nil {
				return nil, err
			}
			for _, s := range subs {
				if s.Status != store.Accepted || s.Superseded {
					continue
				}
				if _, acted := last[s.ID]; acted {
					continue
				}
				it := ReviewItem{Kind: ItemPending, County: s.County, CountyName: d.countyName(s.County), Period: p,
					Received: s.Received, Filename: s.Filename, Submission: s.ID, Version: s.Version}
				if s.Version > 1 {
					changed, unchanged, err := d.versionChanges(ctx, s.ID)
					if err != nil {
						return nil, err
					}
					it.Changes, it.Unchanged = len(changed), unchanged
				}
				out = append(out, it)
			}
		}
		srcs, err := d.Store.Sources(ctx, store.SourcePending, p)
		if err != nil {
			return nil, err
		}
		for i := range srcs {
			s := srcs[i]
			out = append(out, ReviewItem{Kind: ItemSource, County: s.County, CountyName: d.countyName(s.County), Period: s.Period,
				Received: s.Received, Filename: s.Filename, Source: &s})
		}
	}
	return out, nil
}

func (d *Deps) countyName(code string) string {
	if c := d.Roster.County(code); c != nil {
		return c.Name
	}
	return code
}

// lastActions returns the latest review action of each submission of period.
func (d *Deps) lastActions(ctx context.Context, period string) (map[int64]store.ReviewAction, error) {
	acts, err := d.Store.ReviewActions(ctx, period, "")
	if err != nil {
		return nil, err
	}
	out := map[int64]store.ReviewAction{}
	for _, a := range acts {
		out[a.Submission] = a // oldest first: the last one wins
	}
	return out, nil
}

// reviewTarget returns the latest accepted form of a county on the roster for period.
func (d *Deps) reviewTarget(ctx context.Context, county, period string) (*seeds.County, *store.Submission, error) {
	if err := CheckPeriod(period); err != nil {
		return nil, nil, reviewRefused("%v", err)
	}
	c := d.Roster.County(county)
	if c == nil {
		return nil, nil, reviewRefused("county %q is not on the roster", county)
	}
	sub, err := d.Store.LatestAccepted(ctx, c.Code, period)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, reviewRefused("%s %s has no accepted form for %s: nothing to review (kaohe status --period %s)", c.Name, c.Code, period, period)
	}
	if err != nil {
		return nil, nil, err
	}
	return c, sub, nil
}

// reviewRun logs a review operation in the run log as job "review", its cause saying
// what was done, to whom and by whom.
func (d *Deps) reviewRun(ctx context.Context, period, what string, fn func(ctx context.Context) (Counts, error)) error {
	_, err := d.RunLoggedCause(ctx, "review", period, what, fn)
	return err
}

// ReviewApprove approves the latest accepted form of county for period, by Operator(by):
// when review.required, it is the form the assessment uses. A form approved already is
// refused (nothing changes).
//
// Errors: wrapping ErrReview when the office can fix it; store errors.
func (d *Deps) ReviewApprove(ctx context.Context, county, period, by string) (store.ReviewAction, *store.Submission, error) {
	return d.approve(ctx, county, period, by, false)
}

// ReviewApproveDespiteReturn approves like ReviewApprove a version the office returned
// earlier (a return made by mistake, with no resubmission to wait for); the run log
// records that it was approved despite the return.
func (d *Deps) ReviewApproveDespiteReturn(ctx context.Context, county, period, by string) (store.ReviewAction, *store.Submission, error) {
	return d.approve(ctx, county, period, by, true)
}

func (d *Deps) approve(ctx context.Context, county, period, by string, despiteReturn bool) (store.ReviewAction, *store.Submission, error) {
	var act store.ReviewAction
	c, sub, err := d.reviewTarget(ctx, county, period)
	if err != nil {
		return act, nil, err
	}
	if by = d.Operator(by); by == "" {
		return act, nil, reviewRefused("who approves is not known: give --by NAME or set office.operator in the config")
	}
	last, err := d.lastActions(ctx, period)
	if err != nil {
		return act, nil, err
	}
	if a, ok := last[sub.ID]; ok && a.Action == store.ReviewApprove {
		return act, nil, reviewRefused("%s %s version %d was approved already by %s on %s", c.Name, period, sub.Version, a.By, a.At.In(d.Config.Location).Format("2006-01-02 15:04"))
	}
	what := fmt.Sprintf("approve %s v%d by %s", c.Code, sub.Version, by)
	if a, ok := last[sub.ID]; ok && a.Action == store.ReviewReturn {
		if !despiteReturn {
			return act, nil, reviewRefused("%s %s version %d was returned by %s on %s: approve the version the county sends after the return (or, if the return was a mistake, approve despite it with --despite-return)", c.Name, period, sub.Version, a.By, a.At.In(d.Config.Location).Format("2006-01-02 15:04"))
		}
		what += " despite its return by " + a.By
	}
	err = d.reviewRun(ctx, period, what, func(ctx context.Context) (Counts, error) {
		act, err = d.Store.AddReviewAction(ctx, store.ReviewAction{Submission: sub.ID, Action: store.ReviewApprove, By: by, At: d.now()})
		return Counts{"approved": 1}, err
	})
	return act, sub, err
}

// ReturnRequest is what the office says when it returns a form.
type ReturnRequest struct {
	County  string
	Period  string
	Reasons []string           // general reasons, one each
	Cells   []store.ReviewCell // cells to correct, each with its note (Sheet, Cell as on the form)
	By      string             // who returns it; "": Operator
}

// ParseCellRef splits "村级台账!P12" into its sheet and cell, checking the sheet is one of
// the form's and the cell a cell name.
func ParseCellRef(ref string) (sheet, cell string, err error) {
	sheet, cell, ok := strings.Cut(strings.TrimSpace(ref), "!")
	if !ok {
		return "", "", reviewRefused("cell %q: want SHEET!CELL, e.g. %s!P12", ref, templates.SheetVillages)
	}
	switch sheet {
	case templates.SheetTasks, templates.SheetIndicators, templates.SheetVillages:
	default:
		return "", "", reviewRefused("cell %q: the sheet must be %s, %s or %s", ref, templates.SheetTasks, templates.SheetIndicators, templates.SheetVillages)
	}
	cell = strings.ToUpper(cell)
	if _, _, err := excelize.CellNameToCoordinates(cell); err != nil {
		return "", "", reviewRefused("cell %q: %q is not a cell name", ref, cell)
	}
	return sheet, cell, nil
}

// ReviewReturn returns the latest accepted form of r.County for r.Period: it records the
// return (who, when, the reasons and cells) and queues a 【退回】 to the county's
// addresses (and the address the form came from) with the reasons and the county's own
// workbook, the named cells marked (templates.Annotate). The form no longer counts when
// review.required; the county's resubmission supersedes it and is 待审核 again. A form
// returned already and not resubmitted is refused.
//
// Errors: wrapping ErrReview when the office can fix it; store errors.
func (d *Deps) ReviewReturn(ctx context.Context, r ReturnRequest) (store.ReviewAction, error) {
	var act store.ReviewAction
	c, sub, err := d.reviewTarget(ctx, r.County, r.Period)
	if err != nil {
		return act, err
	}
	var reasons []string
	for _, s := range r.Reasons {
		if s = strings.TrimSpace(s); s != "" {
			reasons = append(reasons, s)
		}
	}
	cells := make([]store.ReviewCell, 0, len(r.Cells))
	for _, x := range r.Cells {
		sheet, cell, err := ParseCellRef(x.Sheet + "!" + x.Cell)
		if err != nil {
			return act, err
		}
		x.Sheet, x.Cell, x.Note = sheet, cell, strings.TrimSpace(x.Note)
		if x.Note == "" {
			if len(reasons) == 0 {
				return act, reviewRefused("cell %s!%s needs a note (--note), or give a --reason", sheet, cell)
			}
			x.Note = reasons[0]
		}
		cells = append(cells, x)
	}
	if len(reasons) == 0 && len(cells) == 0 {
		return act, reviewRefused("a return needs a reason (--reason) or a cell with a note (--cell, --note)")
	}
	by := d.Operator(r.By)
	if by == "" {
		return act, reviewRefused("who returns it is not known: give --by NAME or set office.operator in the config")
	}
	last, err := d.lastActions(ctx, r.Period)
	if err != nil {
		return act, err
	}
	if a, ok := last[sub.ID]; ok && a.Action == store.ReviewReturn {
		// Its 【退回】 is queued under the action's key: queueing it again changes nothing,
		// and queues it if a crash came between recording the return and queueing it.
		if err := d.queueReturn(ctx, c, sub, a); err != nil {
			return act, err
		}
		return act, reviewRefused("%s %s version %d was returned already by %s on %s: wait for the county's resubmission", c.Name, r.Period, sub.Version, a.By, a.At.In(d.Config.Location).Format("2006-01-02 15:04"))
	}
	err = d.reviewRun(ctx, r.Period, fmt.Sprintf("return %s v%d by %s: %s", c.Code, sub.Version, by, oneLine(reasons, cells)), func(ctx context.Context) (Counts, error) {
		act, err = d.Store.AddReviewAction(ctx, store.ReviewAction{Submission: sub.ID, Action: store.ReviewReturn,
			Reason: strings.Join(reasons, "\n"), Cells: cells, By: by, At: d.now()})
		if err != nil {
			return nil, err
		}
		return Counts{"returned": 1, "cells": len(cells), "queued": 1}, d.queueReturn(ctx, c, sub, act)
	})
	return act, err
}

func oneLine(reasons []string, cells []store.ReviewCell) string {
	parts := append([]string(nil), reasons...)
	for _, c := range cells {
		parts = append(parts, c.Sheet+"!"+c.Cell+" "+c.Note)
	}
	return strings.Join(parts, "; ")
}

// queueReturn queues the 【退回】 of a review return, keyed by the action, so doing it again
// queues nothing.
func (d *Deps) queueReturn(ctx context.Context, c *seeds.County, sub *store.Submission, act store.ReviewAction) error {
	to := append([]string(nil), c.Emails...)
	var original []byte
	var inReplyTo string
	if sub.MessageID != 0 {
		m, err := d.Store.Message(ctx, sub.MessageID)
		if err != nil {
			return err
		}
		raw, err := d.Store.RawMessage(ctx, sub.MessageID)
		if err != nil {
			return err
		}
		to = appendAddr(to, m.Sender)
		if p, err := mail.ParseMessage(raw, int64(d.Config.Forms.MaxAttachmentMB)<<20); err == nil {
			inReplyTo = p.MessageID
			for _, a := range p.Attachments {
				sum := sha256.Sum256(a.Data)
				if hex.EncodeToString(sum[:]) == sub.SHA256 {
					original = a.Data
				}
			}
		}
	}
	data := d.mailData(c)
	var problems templates.Problems
	for _, r := range strings.Split(act.Reason, "\n") {
		if r != "" {
			problems = append(problems, templates.Problem{Message: r})
			data.Reasons = append(data.Reasons, r)
		}
	}
	deadline, err := d.Config.Deadline(sub.Period)
	if err != nil {
		return err
	}
	data.Period, data.Deadline, data.Filename, data.Version, data.Received = sub.Period, deadline, sub.Filename, sub.Version, sub.Received.In(d.Config.Location)
	data.By = act.By
	for _, x := range act.Cells {
		problems = append(problems, templates.Problem{Sheet: x.Sheet, Cell: x.Cell, Message: x.Note})
		data.Cells = append(data.Cells, x.Sheet+"!"+x.Cell+"："+x.Note)
	}
	var atts []store.OutAttachment
	if original != nil {
		if b, err := templates.Annotate(original, problems); err == nil {
			name := strings.TrimSuffix(sub.Filename, ".xlsx") + "_审核退回标注.xlsx"
			atts = append(atts, store.OutAttachment{Name: name, ContentType: xlsxType, Data: b})
			data.Annotated = true
		} else {
			d.Logger.Warn("review return: the workbook could not be marked; the mail goes without it", "submission", sub.ID, "err", err)
		}
	}
	subject, body, err := templates.RenderMail(templates.MailReviewReturn, data)
	if err != nil {
		return err
	}
	_, _, err = d.enqueue(ctx, &store.Outgoing{
		Key: fmt.Sprintf("review-return:%d", act.ID), Kind: templates.MailReviewReturn, County: c.Code, Period: sub.Period,
		To: to, Subject: subject, Body: body, Attachments: atts, InReplyTo: inReplyTo,
	})
	return err
}

func appendAddr(to []string, addr string) []string {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return to
	}
	for _, t := range to {
		if strings.EqualFold(t, addr) {
			return to
		}
	}
	return append(to, addr)
}

// sourceForm is a form attachment with a valid signature in a mail from an address on no
// county's list.
type sourceForm struct {
	part int // 1-based among the message's form attachments
	a    mail.Attachment
	meta *templates.Meta
}

// signedForms returns the form attachments of p whose signature is valid (their signed
// metadata names a county on the roster), whatever else is wrong with them.
func (d *Deps) signedForms(p *mail.Parsed) []sourceForm {
	var out []sourceForm
	k := 0
	for _, a := range p.Attachments {
		if !isFormLike(a) {
			continue
		}
		k++
		if k > maxForms || a.TooLarge || a.Err != nil {
			continue
		}
		_, meta, _, _ := templates.Parse(a.Data, a.Filename, templates.ParseOptions{
			Checklist: d.Checklist, Roster: d.Roster, Secret: d.Config.Forms.Secret,
			MaxBytes: int64(d.Config.Forms.MaxAttachmentMB) << 20,
		})
		if meta != nil && d.Roster.County(meta.County) != nil {
			out = append(out, sourceForm{part: k, a: a, meta: meta})
		}
	}
	return out
}

// queueSources puts the signed forms of a mail from an unknown address in the review
// queue (待确认来源); nobody is answered until the office decides.
func (d *Deps) queueSources(ctx context.Context, m *store.Message, p *mail.Parsed, forms []sourceForm, counts Counts) error {
	for _, f := range forms {
		sum := sha256.Sum256(f.a.Data)
		id, existed, err := d.Store.QueueSource(ctx, &store.SourceItem{Message: m.ID, Part: f.part, County: f.meta.County, Period: f.meta.Period,
			Sender: p.From, Subject: p.Subject, Filename: f.a.Filename, SHA256: hex.EncodeToString(sum[:]), Received: m.Received})
		if err != nil {
			return err
		}
		if !existed {
			counts["source_pending"]++
		}
		counts["unknown_sender"]++
		d.Logger.Info("signed form from an address not on the roster: queued for the office (kaohe review list)",
			"message", m.ID, "item", id, "from", p.From, "county", f.meta.County, "period", f.meta.Period)
	}
	return d.Store.SetMessageState(ctx, m.ID, store.MessageProcessed, fmt.Sprintf("%s: %s", OutcomeSourcePending, p.From))
}

type alsoToKey struct{}

// replyTo is whom a reply to a mail from from goes to: from, and the addresses a caller
// put in ctx (ReviewAcceptSource: the county's registered addresses).
func replyTo(ctx context.Context, from string) []string {
	to := []string{from}
	if also, ok := ctx.Value(alsoToKey{}).([]string); ok {
		for _, a := range also {
			to = appendAddr(to, a)
		}
	}
	return to
}

// ReviewAcceptSource accepts a 待确认来源 item for the county its form names, by
// Operator(by): the form is validated and stored as if the county had sent it, and the
// receipt (or the rejection, when the form has problems) goes to the county's registered
// addresses and to the sender. With addSender, the sender may submit for the county from
// now on (stored in the store: the roster is a file).
//
// Errors: wrapping ErrReview when the office can fix it; store errors.
func (d *Deps) ReviewAcceptSource(ctx context.Context, id int64, addSender bool, by string) (*store.SourceItem, *store.Submission, error) {
	it, err := d.pendingSource(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	c := d.Roster.County(it.County)
	if c == nil {
		return nil, nil, reviewRefused("item %d names county %s, no longer on the roster: discard it", id, it.County)
	}
	if by = d.Operator(by); by == "" {
		return nil, nil, reviewRefused("who accepts it is not known: give --by NAME or set office.operator in the config")
	}
	m, err := d.Store.Message(ctx, it.Message)
	if err != nil {
		return nil, nil, err
	}
	if m.Raw, err = d.Store.RawMessage(ctx, it.Message); err != nil {
		return nil, nil, err
	}
	p, err := mail.ParseMessage(m.Raw, int64(d.Config.Forms.MaxAttachmentMB)<<20)
	if err != nil {
		return nil, nil, err
	}
	var form *mail.Attachment
	k := 0
	for i := range p.Attachments {
		if isFormLike(p.Attachments[i]) {
			if k++; k == it.Part {
				form = &p.Attachments[i]
			}
		}
	}
	if form == nil {
		return nil, nil, fmt.Errorf("source item %d: message %d has no form attachment %d", id, it.Message, it.Part)
	}
	var sub *store.Submission
	what := fmt.Sprintf("accept-source %d %s from %s by %s", id, c.Code, it.Sender, by)
	if addSender {
		what += " (sender added)"
	}
	err = d.reviewRun(ctx, it.Period, what, func(ctx context.Context) (Counts, error) {
		counts := Counts{}
		base := d.mailData(c)
		base.Received, base.Subject, base.Sender = m.Received.In(d.Config.Location), p.Subject, it.Sender
		actx := context.WithValue(ctx, alsoToKey{}, c.Emails)
		_, evf := d.evidenceCandidates(p.Attachments) // the evidence files beside the form count too
		if _, err := d.processForm(actx, m, p, c, it.Part, *form, d.parseForm(c, *form), base, &evidenceState{files: evf}, counts); err != nil {
			return counts, err
		}
		sub, err = d.Store.SubmissionBySHA256(ctx, it.SHA256)
		if err != nil {
			return counts, err
		}
		if addSender {
			if err := d.Store.AddCountySender(ctx, c.Code, it.Sender, by, fmt.Sprintf("accept-source %d", id), d.now()); err != nil {
				return counts, err
			}
			counts["sender_added"] = 1
		}
		if _, err := d.Store.DecideSource(ctx, id, store.SourceAccepted, sub.ID, by, "", d.now()); err != nil {
			return counts, err
		}
		return counts, d.Store.SetMessageState(ctx, m.ID, store.MessageProcessed, fmt.Sprintf("source accepted by %s: %s", by, sub.Status))
	})
	if err != nil {
		return nil, nil, err
	}
	it, err = d.Store.Source(ctx, id)
	return it, sub, err
}

func (d *Deps) pendingSource(ctx context.Context, id int64) (*store.SourceItem, error) {
	it, err := d.Store.Source(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, reviewRefused("there is no item %d in the review queue (kaohe review list)", id)
	}
	if err != nil {
		return nil, err
	}
	if it.State != store.SourcePending {
		return nil, reviewRefused("item %d was %s already by %s on %s", id, it.State, it.DecidedBy, it.DecidedAt.In(d.Config.Location).Format("2006-01-02 15:04"))
	}
	return it, nil
}

// ReviewDiscard discards a 待确认来源 item, by Operator(by), for reason: nobody is
// answered and the message stays stored.
//
// Errors: wrapping ErrReview when the office can fix it; store errors.
func (d *Deps) ReviewDiscard(ctx context.Context, id int64, reason, by string) (*store.SourceItem, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, reviewRefused("discarding needs a reason (--reason)")
	}
	it, err := d.pendingSource(ctx, id)
	if err != nil {
		return nil, err
	}
	if by = d.Operator(by); by == "" {
		return nil, reviewRefused("who discards it is not known: give --by NAME or set office.operator in the config")
	}
	var out *store.SourceItem
	err = d.reviewRun(ctx, it.Period, fmt.Sprintf("discard %d %s from %s by %s: %s", id, it.County, it.Sender, by, reason), func(ctx context.Context) (Counts, error) {
		out, err = d.Store.DecideSource(ctx, id, store.SourceDiscarded, 0, by, strings.TrimSpace(reason), d.now())
		return Counts{"discarded": 1}, err
	})
	return out, err
}

// reviewReceipt completes the receipt of an accepted form: 待审核 when review.required,
// and for a resubmission the cells changed against the previous version and the cells
// the office returned that it leaves as they were.
func (d *Deps) reviewReceipt(ctx context.Context, stored *store.Submission, data *templates.MailData) error {
	data.Review = d.Config.Review.Required
	if stored.Version < 2 {
		return nil
	}
	changed, unchanged, err := d.versionChanges(ctx, stored.ID)
	if err != nil {
		return err
	}
	if len(changed) > MaxChangesListed {
		data.MoreChanges = len(changed) - MaxChangesListed
		changed = changed[:MaxChangesListed]
	}
	data.Changes, data.Unchanged = changed, unchanged
	return nil
}

// versionChanges compares submission id with the version it superseded: the changed cells
// ("工作表!单元格：旧 → 新", in sheet order) and, when the office returned that version,
// the cells it named that id leaves as they were.
func (d *Deps) versionChanges(ctx context.Context, id int64) (changed, unchanged []string, err error) {
	prev, err := d.Store.PreviousVersion(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	cur, err := d.Store.Submission(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	ch := DiffFilings(d.Checklist, prev.Filing, cur.Filing)
	acts, err := d.Store.ReviewActions(ctx, prev.Period, prev.County)
	if err != nil {
		return nil, nil, err
	}
	var ret *store.ReviewAction
	for i := range acts {
		if acts[i].Submission == prev.ID {
			ret = &acts[i]
		}
	}
	if ret != nil && ret.Action == store.ReviewReturn {
		touched := map[string]bool{}
		for _, c := range ch {
			touched[c.Cell] = true
		}
		for _, x := range ret.Cells {
			if ref := x.Sheet + "!" + x.Cell; !touched[ref] {
				unchanged = append(unchanged, ref)
			}
		}
	}
	for _, c := range ch {
		changed = append(changed, c.String())
	}
	return changed, unchanged, nil
}

// Change is one cell whose value differs between two versions of a form.
type Change struct {
	Cell     string // 工作表!单元格
	Old, New string // as the county wrote them; 空 for an empty cell
}

func (c Change) String() string { return c.Cell + "：" + c.Old + " → " + c.New }

// DiffFilings returns the cells whose value differs between two filings of a county: the
// 进展状态 and 完成进度 of each task, each county-level indicator and each village's
// values, in the order of the sheets (tasks, indicators, villages) and then by cell.
// Values are shown as the form shows them (是/否 for yes-no indicators of cl).
func DiffFilings(cl *seeds.Checklist, prev, cur *seeds.Filing) []Change {
	if prev == nil || cur == nil {
		return nil
	}
	numText := func(id string, n seeds.Number) string {
		switch {
		case !n.Set:
			return "空"
		case cl != nil && cl.Indicator(id) != nil && cl.Indicator(id).Type == seeds.TypeBool:
			if n.Value >= 0.5 {
				return "是"
			}
			return "否"
		}
		return strconv.FormatFloat(n.Value, 'f', -1, 64)
	}
	var out []Change
	add := func(cell, o, n string) {
		if o != n && cell != "" {
			out = append(out, Change{Cell: cell, Old: o, New: n})
		}
	}
	old := map[string]seeds.TaskReport{}
	for _, t := range prev.Tasks {
		old[t.Task] = t
	}
	for _, t := range cur.Tasks {
		o := old[t.Task]
		add(t.Cell, statusText(o.Status), statusText(t.Status))
		if t.PercentSet || o.PercentSet {
			add(t.PercentCell, numText("", seeds.Number{Value: o.Percent, Set: o.PercentSet}), numText("", seeds.Number{Value: t.Percent, Set: t.PercentSet}))
		}
	}
	for _, k := range sortedIDs(cur.Indicators) {
		add(cur.Indicators[k].Cell, numText(k, prev.Indicators[k]), numText(k, cur.Indicators[k]))
	}
	pv := map[string]map[string]seeds.Number{}
	for _, v := range prev.Villages {
		pv[seeds.VillageKey(v.Town, v.Village)] = v.Values
	}
	for _, v := range cur.Villages {
		ov := pv[seeds.VillageKey(v.Town, v.Village)]
		for _, k := range sortedIDs(v.Values) {
			add(v.Values[k].Cell, numText(k, ov[k]), numText(k, v.Values[k]))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return cellLess(out[i].Cell, out[j].Cell) })
	return out
}

var sheetOrder = map[string]int{templates.SheetTasks: 0, templates.SheetIndicators: 1, templates.SheetVillages: 2}

// cellLess orders 工作表!单元格 by sheet, then row, then column.
func cellLess(a, b string) bool {
	sa, ca, _ := strings.Cut(a, "!")
	sb, cb, _ := strings.Cut(b, "!")
	if sa != sb {
		return sheetOrder[sa] < sheetOrder[sb]
	}
	xa, ya, _ := excelize.CellNameToCoordinates(ca)
	xb, yb, _ := excelize.CellNameToCoordinates(cb)
	if ya != yb {
		return ya < yb
	}
	return xa < xb
}

func sortedIDs(m map[string]seeds.Number) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func statusText(s seeds.Status) string {
	if s == seeds.StatusNone {
		return "空"
	}
	return s.String()
}

// CopiedTask is a task not complete whose row a county sent back exactly as in last
// month's accepted form (照抄上月): the same 进展状态, 完成进度 and 进展情况.
type CopiedTask struct {
	Task  string // id, e.g. 一、3
	Title string
}

// CopiedForward returns the tasks of cur (county's filing for period) not complete whose
// 进展状态, 完成进度 and 进展情况 are those of the county's accepted form of the period
// before (dispatch prefills the form with them: a county that changed nothing sends them
// back). None when there is no form of the period before.
//
// Errors: store errors.
func (d *Deps) CopiedForward(ctx context.Context, county, period string, cur *seeds.Filing) ([]CopiedTask, error) {
	if cur == nil {
		return nil, nil
	}
	prev, err := d.Store.LatestAccepted(ctx, county, PreviousPeriod(period))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return copiedTasks(d.Checklist, prev.Filing, cur), nil
}

func copiedTasks(cl *seeds.Checklist, prev, cur *seeds.Filing) []CopiedTask {
	if prev == nil || cur == nil {
		return nil
	}
	old := map[string]seeds.TaskReport{}
	for _, t := range prev.Tasks {
		old[t.Task] = t
	}
	var out []CopiedTask
	for _, t := range cur.Tasks {
		o, ok := old[t.Task]
		if !ok || t.Status == seeds.StatusDone || t.Status == seeds.StatusNone {
			continue
		}
		if o.Status == t.Status && o.PercentSet == t.PercentSet && o.Percent == t.Percent &&
			strings.TrimSpace(o.Progress) == strings.TrimSpace(t.Progress) {
			ct := CopiedTask{Task: t.Task}
			if x := cl.Task(t.Task); x != nil {
				ct.Title = x.Title
			}
			out = append(out, ct)
		}
	}
	return out
}

// assessReview is, for one county, which form the assessment uses when review.required
// and what the report says about the review.
type assessReview struct {
	use  int64  // the approved submission to assess; 0: none (scored as not submitted)
	text string // for the report
}

// reviewForAssess decides, from every submission of period (Store.Submissions) and the
// office's actions, which form of each county the assessment uses when review.required:
// the latest approved version (an earlier one when a later version is still 待审核);
// a county without one is scored as not submitted and its report says 未审核 or 已退回.
// Without review.required it returns nil: the latest accepted form counts.
func (d *Deps) reviewForAssess(ctx context.Context, period string, all []store.Submission) (map[string]*assessReview, error) {
	if !d.Config.Review.Required {
		return nil, nil
	}
	last, err := d.lastActions(ctx, period)
	if err != nil {
		return nil, err
	}
	when := func(a store.ReviewAction) string {
		return a.At.In(d.Config.Location).Format("1月2日15:04")
	}
	byCounty := map[string][]store.Submission{}
	for _, s := range all {
		if s.Status == store.Accepted {
			byCounty[s.County] = append(byCounty[s.County], s)
		}
	}
	out := map[string]*assessReview{}
	for code, subs := range byCounty {
		sort.Slice(subs, func(i, j int) bool { return subs[i].Version < subs[j].Version })
		latest := subs[len(subs)-1]
		r := &assessReview{}
		var approved *store.Submission
		for i := range subs {
			if a, ok := last[subs[i].ID]; ok && a.Action == store.ReviewApprove {
				approved = &subs[i]
			}
		}
		if approved != nil {
			a := last[approved.ID]
			r.use = approved.ID
			r.text = fmt.Sprintf("本期计分采用第%d版进展表，经考核办%s于%s审核通过", approved.Version, a.By, when(a))
		}
		switch a, acted := last[latest.ID]; {
		case approved != nil && approved.ID == latest.ID:
			r.text += "。"
		case acted && a.Action == store.ReviewReturn:
			if approved != nil {
				r.text += "；"
			}
			r.text += fmt.Sprintf("第%d版于%s被考核办%s退回，尚未重新报送", latest.Version, when(a), a.By)
		default:
			if approved != nil {
				r.text += "；"
			}
			r.text += fmt.Sprintf("第%d版尚未审核（未审核）", latest.Version)
		}
		if approved == nil {
			r.text += "，本期按未报送处理。"
		} else if approved.ID != latest.ID {
			r.text += "，本期按已审核的版本计分。"
		}
		out[code] = r
	}
	return out, nil
}

// ReviewStatus is what `kaohe status` (and a console) shows of the review of a period.
type ReviewStatus struct {
	Required bool                          // review.required
	Last     map[int64]store.ReviewAction  // the latest action of each submission
	Sources  map[string][]store.SourceItem // the pending 待确认来源 items, by county
}

// ReviewStatusOf returns the review state of period.
//
// Errors: store errors.
func (d *Deps) ReviewStatusOf(ctx context.Context, period string) (*ReviewStatus, error) {
	last, err := d.lastActions(ctx, period)
	if err != nil {
		return nil, err
	}
	srcs, err := d.Store.Sources(ctx, store.SourcePending, period)
	if err != nil {
		return nil, err
	}
	rs := &ReviewStatus{Required: d.Config.Review.Required, Last: last, Sources: map[string][]store.SourceItem{}}
	for _, s := range srcs {
		rs.Sources[s.County] = append(rs.Sources[s.County], s)
	}
	return rs, nil
}
