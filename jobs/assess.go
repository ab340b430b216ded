package jobs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"golang.org/x/sync/errgroup"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/report"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// AssessOptions say what Assess does beyond scoring.
type AssessOptions struct {
	OutDir string // write DIR/<period>/*.pdf, summary.xlsx; "" = config report.out_dir
	Render bool   // render the PDF reports and the summary workbook
	Queue  bool   // queue the county reports and the summary for delivery (implies Render)
}

// Assessment is what Assess produced.
type Assessment struct {
	Result  *score.Result
	History []*score.Result
	Files   []string
	Created time.Time // when it was made (the store's Created)
}

// Assess scores period from the store's accepted forms, saves the assessment, and, as
// asked, renders the reports and queues them: each county's report only to that county's
// addresses, the summary only to the leaders. Re-running it re-scores and re-renders, but
// never queues a report twice.
func (d *Deps) Assess(ctx context.Context, period string, o AssessOptions) (*Assessment, Counts, error) {
	if err := CheckPeriod(period); err != nil {
		return nil, nil, err
	}
	if err := ChecklistInForce(d.Checklist, d.Config, period); err != nil {
		return nil, nil, err
	}
	deadline, err := d.Config.Deadline(period)
	if err != nil {
		return nil, nil, err
	}
	all, err := d.Store.Submissions(ctx, period)
	if err != nil {
		return nil, nil, err
	}
	type tally struct {
		rejected, accepted int
		lastProblems       []string
	}
	t := map[string]*tally{}
	for _, s := range all {
		x := t[s.County]
		if x == nil {
			x = &tally{}
			t[s.County] = x
		}
		if s.Status == store.Accepted {
			x.accepted++
		} else {
			x.rejected++
			x.lastProblems = s.Problems
		}
	}
	history, err := d.history(ctx, period)
	if err != nil {
		return nil, nil, err
	}
	adjustments, err := d.periodAdjustments(ctx, period) // the office's records in force (adjust.go)
	if err != nil {
		return nil, nil, err
	}
	evidence, err := d.periodEvidence(ctx, period) // 佐证材料 by county and task (evidence.go)
	if err != nil {
		return nil, nil, err
	}
	review, err := d.reviewForAssess(ctx, period, all) // review.required: approved forms only (review.go)
	if err != nil {
		return nil, nil, err
	}
	// Score the accepted forms one at a time as the store reads them, so only one
	// filing is in memory at a time; then the counties without one.
	asr, err := score.NewAssessor(d.Checklist, period, history)
	if err != nil {
		return nil, nil, err
	}
	sub := func(code, name string) score.Submission {
		s := score.Submission{County: code, Name: name, Deadline: deadline, Adjustments: adjustments[code], EvidenceFiles: evidence[code]}
		if c := d.Roster.County(code); c != nil {
			s.Type = c.UnitType()
			s.Roster = c
		}
		if r := review[code]; r != nil {
			s.Review = r.text
		}
		if x := t[code]; x != nil {
			s.Rejected = x.rejected
			if x.accepted == 0 {
				s.Problems = x.lastProblems
			}
		}
		return s
	}
	// The store reads and decodes the filings in one goroutine while they are scored,
	// in the same order, in another; a few filings are in memory at a time.
	// Forms after a county's cutoff (the period's lock, or its extension) are not scored:
	// its latest form received by the cutoff is, if any.
	cutoffs := make(map[string]time.Time, len(d.Roster.Counties))
	for _, c := range d.Roster.Counties {
		cut, _, err := d.Cutoff(ctx, c.Code, period)
		if err != nil {
			return nil, nil, err
		}
		cutoffs[c.Code] = cut
	}
	var afterCutoff []string
	scored := make(map[string]bool, len(d.Roster.Counties))
	subs := make(chan score.Submission, 4)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(subs)
		return d.Store.EachAccepted(gctx, period, func(a *store.Submission) error {
			c := d.Roster.County(a.County)
			if c == nil {
				return nil // no longer on the roster
			}
			if cut := cutoffs[c.Code]; !cut.IsZero() && a.Received.After(cut) {
				afterCutoff = append(afterCutoff, c.Code)
				return nil
			}
			s := sub(c.Code, c.Name)
			if review != nil {
				r := review[c.Code]
				if r == nil || r.use == 0 {
					return nil // no approved form: scored as not submitted
				}
				if r.use != a.ID { // an earlier version was approved, the latest not yet
					var err error
					if a, err = d.Store.Submission(gctx, r.use); err != nil {
						return err
					}
				}
			}
			copied, err := d.CopiedForward(gctx, c.Code, period, a.Filing) // 照抄上月 (review.go)
			if err != nil {
				return err
			}
			for _, ct := range copied {
				s.Copied = append(s.Copied, ct.Task+ct.Title)
			}
			detachStrings(a.Filing)
			s.Filing, s.Received, s.Version = a.Filing, a.Received.In(d.Config.Location), a.Version
			select {
			case subs <- s:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	g.Go(func() error {
		for s := range subs {
			scored[s.County] = true
			if err := asr.Add(s); err != nil {
				return err // cancels gctx: the reader stops at its next filing
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	for _, code := range afterCutoff {
		a, err := d.Store.LatestAcceptedBy(ctx, code, period, cutoffs[code])
		if errors.Is(err, store.ErrNotFound) {
			continue // scored as 未报送 below
		} else if err != nil {
			return nil, nil, err
		}
		c := d.Roster.County(code)
		s := sub(c.Code, c.Name)
		s.Filing, s.Received, s.Version = a.Filing, a.Received.In(d.Config.Location), a.Version
		scored[code] = true
		if err := asr.Add(s); err != nil {
			return nil, nil, err
		}
	}
	for _, c := range d.Roster.Counties {
		if !scored[c.Code] {
			if err := asr.Add(sub(c.Code, c.Name)); err != nil {
				return nil, nil, err
			}
		}
	}
	res, err := asr.Result()
	if err != nil {
		return nil, nil, err
	}
	if res.Escalations, err = d.escalations(ctx, res); err != nil {
		return nil, nil, err
	}
	js, err := compressResult(res)
	if err != nil {
		return nil, nil, err
	}
	a := &store.Assessment{Period: period, ChecklistVersion: d.Checklist.Version, Created: d.now(), Result: js}
	for _, c := range res.Counties {
		a.Rows = append(a.Rows, store.AssessmentRow{County: c.Code, Submitted: c.Submitted, Total: c.Total, Grade: c.Grade, Rank: c.Rank})
	}
	if err := d.Store.PutAssessment(ctx, a); err != nil {
		return nil, nil, err
	}
	counts := Counts{"counties": len(res.Counties), "assessed": res.Assessed}
	out := &Assessment{Result: res, History: history, Created: a.Created}
	if !o.Render && !o.Queue {
		return out, counts, nil
	}
	pc, err := d.Publish(ctx, out, o)
	for k, v := range pc {
		counts[k] = v
	}
	return out, counts, err
}

// YearError is the refusal to assess a period of a year the checklist is not in force
// for: neither the year it was issued for nor one the office has confirmed it for.
type YearError struct {
	Period    string
	Year      int    // the period's year
	Issued    int    // the checklist's year
	Version   string // the checklist's version
	Confirmed []int  // the years it is confirmed for (checklist and config)
}

func (e *YearError) Error() string {
	conf := "no other year"
	if len(e.Confirmed) > 0 {
		conf = fmt.Sprint(e.Confirmed)
	}
	return fmt.Sprintf("period %s: the checklist (version %s) was issued for %d and is confirmed for %s, not for %d; "+
		"once the office has confirmed the checklist for %d, add %d to checklist.confirmed_years in the config "+
		"(or to confirmed_years in the checklist file) and assess again (kaohe doctor shows the years in force)",
		e.Period, e.Version, e.Issued, conf, e.Year, e.Year, e.Year)
}

// ChecklistInForce returns a *YearError when period (YYYY-MM) is of a year the checklist is
// not in force for: not its year, not in its confirmed_years nor in the config's
// checklist.confirmed_years (cfg may be nil). A checklist without a year is in force always.
func ChecklistInForce(cl *seeds.Checklist, cfg *config.Config, period string) error {
	pt, err := time.Parse("2006-01", period)
	if err != nil {
		return fmt.Errorf("period %q: want YYYY-MM, e.g. 2026-11", period)
	}
	y := pt.Year()
	if cl.InForce(y) {
		return nil
	}
	confirmed := slices.Clone(cl.ConfirmedYears)
	if cfg != nil {
		if slices.Contains(cfg.Checklist.ConfirmedYears, y) {
			return nil
		}
		confirmed = append(confirmed, cfg.Checklist.ConfirmedYears...)
	}
	slices.Sort(confirmed)
	return &YearError{Period: period, Year: y, Issued: cl.Year, Version: cl.Version, Confirmed: slices.Compact(confirmed)}
}

// detachStrings gives every string of f its own memory. The store decodes a filing's
// strings as slices of one copy of its row (~100 KB at 172 villages); the score keeps some
// of them (cells, towns, statuses) in its CountyResult, and each one would otherwise keep
// the county's whole row alive for as long as the Result lives (~300 MB at national
// size). Map keys are left alone: the score looks them up by the checklist's ids.
func detachStrings(f *seeds.Filing) {
	if f == nil {
		return
	}
	c := strings.Clone
	f.County, f.Period, f.Version = c(f.County), c(f.Period), c(f.Version)
	for i := range f.Tasks {
		t := &f.Tasks[i]
		t.Task, t.Cell = c(t.Task), c(t.Cell)
		t.Progress, t.Problems, t.NextSteps = c(t.Progress), c(t.Problems), c(t.NextSteps)
	}
	detachNumbers(f.Indicators)
	for i := range f.Villages {
		v := &f.Villages[i]
		v.Town, v.Village, v.Secretary = c(v.Town), c(v.Village), c(v.Secretary)
		detachNumbers(v.Values)
	}
}

func detachNumbers(m map[string]seeds.Number) {
	for k, n := range m {
		if n.Note != "" || n.Cell != "" {
			n.Note, n.Cell = strings.Clone(n.Note), strings.Clone(n.Cell)
			m[k] = n
		}
	}
}

// compressResult returns the gzip of the JSON of res, as the store keeps it. The JSON
// is written county by county into the compressor (writeResult), so it is never whole
// in memory: at national size it is ~120 MB, its gzip ~15 MB.
//
// Errors: those of json.Marshal.
func compressResult(res *score.Result) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // klauspost's: ~2× compress/gzip's speed
	if err != nil {
		return nil, err
	}
	if err := writeResult(zw, res); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeResult writes json.Marshal(res) to w, byte for byte, marshalling each county on
// its own instead of the whole result into one buffer (~3× the JSON at once).
//
// Errors: those of json.Marshal and of w.
func writeResult(w io.Writer, res *score.Result) error {
	counties := res.Counties
	shell := *res
	shell.Counties = nil
	head, err := json.Marshal(&shell)
	if err != nil {
		return err
	}
	if counties == nil {
		_, err := w.Write(head)
		return err
	}
	const hole = `"counties":null`
	at := bytes.Index(head, []byte(hole))
	if at < 0 {
		return fmt.Errorf("assessment JSON: no %s in %.80q", hole, head)
	}
	at += len(hole) - len("null")
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(head[:at])
	bw.WriteByte('[')
	for i := range counties {
		js, err := json.Marshal(&counties[i])
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.Write(js)
	}
	bw.WriteByte(']')
	bw.Write(head[at+len("null"):])
	return bw.Flush() // reports the first write error, if any
}

// Publish renders the reports of an assessment Assess just made (its Result and History)
// and, with o.Queue, queues them, without scoring again; it sets a.Files. Assess with
// Render or Queue is Assess then Publish.
//
// Errors: rendering and file errors; store errors while queueing.
func (d *Deps) Publish(ctx context.Context, a *Assessment, o AssessOptions) (Counts, error) {
	res, history, out := a.Result, a.History, a
	counts := Counts{}
	dir := o.OutDir
	if dir == "" {
		dir = d.Config.Report.OutDir
	}
	r, err := d.renderer()
	if err != nil {
		return counts, err
	}
	if !a.Created.IsZero() {
		r = r.At(a.Created.In(d.Config.Location))
	}
	// Which revision of each report is mailed: a report that changed since it was
	// mailed goes again as a 更正; one that did not, not at all.
	var revs map[string]revision
	if o.Queue {
		if revs, err = d.planRevisions(ctx, res); err != nil {
			return counts, err
		}
		corrected := map[string]bool{}
		for k, v := range revs {
			if v.correction {
				corrected[k] = true
				counts["corrected"]++
			}
		}
		r = r.WithCorrections(corrected)
	}
	workers := d.Config.Report.Workers
	if workers == 0 {
		workers = runtime.NumCPU()
	}
	// With Queue, each county's report is queued as soon as it is written, while the
	// others are still rendering; the summary once all are.
	var each func(i int, pdf []byte) error
	var mu sync.Mutex
	queued := 0
	withSummary := d.Config.Report.SummaryTo == config.SummaryAll
	if o.Queue && !withSummary {
		each = func(i int, pdf []byte) error {
			added, err := d.queueReport(ctx, res, &res.Counties[i], pdf, nil, revs[res.Counties[i].Code])
			if added {
				mu.Lock()
				queued++
				mu.Unlock()
			}
			return err
		}
	}
	files, err := report.WriteAllEach(ctx, dir, r, res, history, workers, each)
	counts["queued"] = queued
	if err != nil {
		return counts, err
	}
	out.Files = files
	counts["files"] = len(files)
	if o.Queue && withSummary {
		// Each county's report with the summary beside it, now that both are written.
		summary, err := os.ReadFile(filepath.Join(dir, res.Period, "summary.pdf"))
		if err != nil {
			return counts, err
		}
		for i := range res.Counties {
			pdf, err := os.ReadFile(files[i])
			if err != nil {
				return counts, err
			}
			added, err := d.queueReport(ctx, res, &res.Counties[i], pdf, summary, revs[res.Counties[i].Code])
			if added {
				counts["queued"]++
			}
			if err != nil {
				return counts, err
			}
		}
	}
	if o.Queue {
		n, err := d.queueEscalations(ctx, res, dir)
		counts["queued"] += n
		counts["escalations"] = len(res.Escalations)
		if err != nil {
			return counts, err
		}
		added, err := d.queueSummary(ctx, res, history, filepath.Join(dir, res.Period), revs[""])
		if added {
			counts["queued"]++
		}
		if err != nil {
			return counts, err
		}
	}
	return counts, nil
}

// renderer returns the PDF renderer, creating it (and parsing the font) once.
// ReportRenderer returns the renderer Publish uses (before At and WithDigests), e.g. for
// a test that renders a stored assessment again.
func (d *Deps) ReportRenderer() (*report.Renderer, error) { return d.renderer() }

func (d *Deps) renderer() (*report.Renderer, error) {
	if d.Renderer != nil {
		return d.Renderer, nil
	}
	var font []byte
	if p := d.Config.Report.FontTTF; p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		font = b
	}
	r, err := report.NewRenderer(report.Options{Checklist: d.Checklist, Office: d.office(), FontTTF: font,
		Context: report.Context{Roster: d.Roster, ReturnTo: d.Config.Office.From, Contact: d.Config.Office.Contact}})
	if err != nil {
		return nil, err
	}
	d.Renderer = r
	return r, nil
}

// history returns up to 11 assessments before period, most recent first: with this one,
// the 12 periods of the workbook's 趋势 sheet (the county trend chart uses the last 6).
func (d *Deps) history(ctx context.Context, period string) ([]*score.Result, error) {
	as, err := d.Store.AssessmentsBefore(ctx, period, 11)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	var out []*score.Result
	for _, a := range as {
		var h historyResult
		if err := a.DecodeResult(&h); err != nil {
			return nil, fmt.Errorf("assessment of %s in the store: %w", a.Period, err)
		}
		out = append(out, h.result())
	}
	return out, nil
}

// historyResult is what a later month uses of an earlier assessment — the previous rank
// and total (score.Assessor) and the total and area scores for the trend chart
// (report.CountyModel) — decoded without the tasks and villages of every county, which
// are nearly all of a national assessment's size (~110 MB a month in memory).
type historyResult struct {
	Period           string             `json:"period"`
	ChecklistVersion string             `json:"checklist_version"`
	Areas            []score.AreaHeader `json:"areas"`
	Assessed         int                `json:"assessed"`
	Counties         []struct {
		Code      string            `json:"code"`
		Name      string            `json:"name"`
		Submitted bool              `json:"submitted"`
		Raw       float64           `json:"raw"`
		Deduction float64           `json:"deduction"`
		DaysLate  int               `json:"days_late"`
		Total     float64           `json:"total"`
		Grade     string            `json:"grade"`
		Rank      int               `json:"rank"`
		Of        int               `json:"of"`
		Areas     []score.AreaScore `json:"areas"`
	} `json:"counties"`
}

func (h *historyResult) result() *score.Result {
	r := &score.Result{Period: h.Period, ChecklistVersion: h.ChecklistVersion, Areas: h.Areas, Assessed: h.Assessed,
		Counties: make([]score.CountyResult, len(h.Counties))}
	for i, c := range h.Counties {
		r.Counties[i] = score.CountyResult{Code: c.Code, Name: c.Name, Submitted: c.Submitted, Raw: c.Raw, DaysLate: c.DaysLate,
			Deduction: c.Deduction, Total: c.Total, Grade: c.Grade, Rank: c.Rank, Of: c.Of, Areas: c.Areas}
	}
	return r
}

// queueReport queues county c's report (pdf) to the county's addresses, with the summary
// 通报 beside it when summary is not nil, and reports whether it was added (false: queued
// by an earlier run, or c is not on the roster).
func (d *Deps) queueReport(ctx context.Context, res *score.Result, c *score.CountyResult, pdf, summary []byte, rev revision) (bool, error) {
	county := d.Roster.County(c.Code)
	if county == nil {
		return false, nil
	}
	data := d.mailData(county)
	data.Period, data.Submitted, data.Total, data.Grade, data.Rank, data.Of, data.ChangeText =
		res.Period, c.Submitted, fmt.Sprintf("%.2f", c.Total), c.Grade, c.Rank, c.Of, changeText(*c)
	data.WithSummary = summary != nil
	data.Correction = rev.correction
	mark := ""
	if rev.correction {
		mark = "（更正）"
	}
	atts := []store.OutAttachment{{Name: fmt.Sprintf("%s_%s_考核报告%s.pdf", c.Name, res.Period, mark), ContentType: "application/pdf", Data: pdf}}
	if !c.Submitted {
		atts[0].Name = fmt.Sprintf("%s_%s_未报送情况通知%s.pdf", c.Name, res.Period, mark)
	}
	if summary != nil {
		atts = append(atts, store.OutAttachment{Name: summaryPDFName(res.Period), ContentType: "application/pdf", Data: summary})
	}
	subject, body, err := templates.RenderMail(templates.MailReport, data)
	if err != nil {
		return false, err
	}
	_, existed, err := d.enqueue(ctx, &store.Outgoing{
		Key: rev.key("report:" + res.Period + ":" + c.Code), Kind: templates.MailReport, County: c.Code, Period: res.Period,
		To: county.Emails, Subject: subject, Body: body, Attachments: atts,
	})
	if err == nil {
		err = d.published(ctx, res.Period, c.Code, rev)
	}
	return err == nil && !existed, err
}

// queueSummary queues the summary PDF and workbook in dir to the leaders, and reports
// whether it was added.
// queueSummary queues the summary 通报 and workbook to the leaders; the mail's body is
// the template's opening followed by the leaders' brief (the 通报's page 1 as text), so a
// leader reading on a phone sees the month without opening the PDF.
func (d *Deps) queueSummary(ctx context.Context, res *score.Result, history []*score.Result, dir string, rev revision) (bool, error) {
	leaders := d.leaders()
	if len(leaders) == 0 {
		d.Logger.Warn("no leaders' addresses (report.leaders or the roster's leaders): the summary is not mailed")
		return false, nil
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "summary.pdf"))
	if err != nil {
		return false, err
	}
	xlsx, err := os.ReadFile(filepath.Join(dir, "summary.xlsx"))
	if err != nil {
		return false, err
	}
	cp := res.Completeness
	data := templates.MailData{Office: d.office(), Period: res.Period, Date: d.now(), Expected: cp.Expected,
		OnTime: cp.OnTime, Late: cp.Late, Missing: cp.Missing, Rejected: cp.Rejected > 0}
	ranked := make([]string, 0, 3)
	sorted := append([]score.CountyResult(nil), res.Counties...)
	// By total across every unit, as the brief says it: each unit type may be ranked apart.
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Total > sorted[j].Total })
	for _, c := range sorted {
		if c.Submitted && c.Rank > 0 && len(ranked) < 3 {
			ranked = append(ranked, c.Name)
		}
	}
	data.Top = ranked
	data.Correction = rev.correction
	subject, body, err := templates.RenderMail(templates.MailSummary, data)
	if err != nil {
		return false, err
	}
	body = strings.TrimRight(body, "\n") + "\n\n以下为通报正文：\n\n" + report.SummaryBrief(res, history, d.office())
	_, existed, err := d.enqueue(ctx, &store.Outgoing{
		Key: rev.key("summary:" + res.Period), Kind: templates.MailSummary, Period: res.Period,
		To: leaders, Subject: subject, Body: body,
		Attachments: []store.OutAttachment{
			{Name: summaryPDFName(res.Period), ContentType: "application/pdf", Data: pdf},
			{Name: fmt.Sprintf("%s_考核排名.xlsx", res.Period), ContentType: xlsxType, Data: xlsx},
		},
	})
	if err == nil {
		err = d.published(ctx, res.Period, "", rev)
	}
	return err == nil && !existed, err
}

func summaryPDFName(period string) string { return period + "_考核汇总.pdf" }

func changeText(c score.CountyResult) string {
	if !c.HasPrev || c.Rank == 0 || c.PrevRank == 0 {
		return ""
	}
	switch {
	case c.RankChange > 0:
		return fmt.Sprintf("，比上期上升%d位", c.RankChange)
	case c.RankChange < 0:
		return fmt.Sprintf("，比上期下降%d位", -c.RankChange)
	}
	return "，与上期持平"
}
