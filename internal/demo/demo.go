// Package demo runs kaohe's whole monthly job on this machine alone: it starts an
// embedded IMAP server and SMTP sink on 127.0.0.1, dispatches the demo roster's forms,
// has synthetic counties fill and return them by mail (one late, one sending a broken form
// and then a corrected one, one never answering, one whose accepted form the office
// returns after review and which resubmits it corrected), collects and answers them, assesses,
// renders the reports and delivers them. Everything the sink receives is written as .eml.
package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// Options configure a demo run.
type Options struct {
	OutDir   string // reports/ and mail/ are written here
	Period   string // YYYY-MM; "" = the current month
	History  int    // earlier periods to assess first, for trends and rank changes (default 2)
	Seed     uint64 // for the synthetic values
	Logger   *slog.Logger
	Progress func(step string, done, total int)
	// Step, when set, is told each step's name and counts as it finishes.
	Step func(name string, counts jobs.Counts)
	// StorePath, when set, is where the demo's store is kept (it must not exist yet);
	// "": a temporary file, removed at the end.
	StorePath string
}

// Roles of the synthetic counties, by roster code.
const (
	lateCounty   = "370827" // 鱼台县: given an extension (kaohe extend), sends two days after the deadline
	brokenCounty = "370830" // 汶上县: sends a broken form, then a corrected one
	silentCounty = "JN-JKQ" // 济宁经济技术开发区: never answers
	noFormCounty = "370831" // 泗水县: first sends a mail without the form
	claimCounty  = "370828" // 金乡县: claims 一、5 已完成 over low village incomes (存疑), one 已完成 without 佐证 (缺佐证)
	evidCounty   = "370881" // 曲阜市: sends an evidence file (四、3-水质检测报告.pdf) beside its form
)

// Result is what a demo run produced.
type Result struct {
	Period     string
	Assessment *jobs.Assessment
	ReportDir  string
	MailDir    string
	Mails      int // messages the SMTP sink received
	Elapsed    time.Duration
}

// Run runs the demo. It returns an error if any step fails.
func Run(ctx context.Context, o Options) (*Result, error) {
	start := time.Now()
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, _, err := config.Load("", func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, err
	}
	period := o.Period
	if period == "" {
		period = jobs.CurrentPeriod(time.Now().In(cfg.Location))
	}
	if err := jobs.CheckPeriod(period); err != nil {
		return nil, err
	}
	if o.History == 0 {
		o.History = 2
	}
	if o.Seed == 0 {
		o.Seed = 20191816
	}
	res := &Result{Period: period, ReportDir: filepath.Join(o.OutDir, "reports"), MailDir: filepath.Join(o.OutDir, "mail")}
	// A fresh mail directory, so the .eml files are this run's.
	if err := os.RemoveAll(res.MailDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(res.MailDir, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "kaohe-demo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	// Embedded servers on loopback.
	pw := randomPassword()
	imapSrv, err := mail.StartIMAPServer(ctx, log.With("server", "imap"), map[string]string{"kaohe": pw})
	if err != nil {
		return nil, err
	}
	defer imapSrv.Close()
	imapSrv.RequireID(true) // as 163.com: no SELECT before the client's ID
	sink, err := mail.StartSMTPSink(ctx, log.With("server", "smtp"), mail.SinkOptions{Dir: res.MailDir})
	if err != nil {
		return nil, err
	}
	defer sink.Close()

	ih, ip := splitAddr(imapSrv.Addr)
	sh, sp := splitAddr(sink.Addr)
	cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.TLS, cfg.IMAP.Username, cfg.IMAP.Password, cfg.IMAP.PollSeconds = ih, ip, "plain", "kaohe", pw, 1
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS = sh, sp, "none"
	cfg.SMTP.RatePerMinute = 0
	cfg.Report.OutDir = res.ReportDir
	cfg.Store.Path = filepath.Join(tmp, "kaohe.db")
	if o.StorePath != "" {
		cfg.Store.Path = o.StorePath
	}
	// The demo's own secret, new each run: the public demo secret is for nothing that
	// sends mail (kaohe refuses it there).
	cfg.Forms.Secret = []byte(randomPassword())

	periodStart, _ := time.ParseInLocation("2006-01", period, cfg.Location) // checked above
	// The demo's office has confirmed the checklist for the years it assesses.
	for h := o.History; h >= 0; h-- {
		if y := periodStart.AddDate(0, -h, 0).Year(); !slices.Contains(cfg.Checklist.ConfirmedYears, y) {
			cfg.Checklist.ConfirmedYears = append(cfg.Checklist.ConfirmedYears, y)
		}
	}
	clock := clockwork.NewFakeClockAt(periodStart.Add(8 * time.Hour))
	// The production wiring (what `kaohe serve` runs), on the demo's servers and clock.
	d, err := jobs.Wire(ctx, cfg, log, jobs.WireOptions{Clock: clock, Progress: o.Progress, MailTimeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	st, checklist, roster := d.Store, d.Checklist, d.Roster
	rng := mrand.New(mrand.NewPCG(o.Seed, 1))
	quality := map[string]float64{}
	for i, c := range roster.Counties {
		quality[c.Code] = 0.35 + 0.6*float64((i*7)%len(roster.Counties))/float64(len(roster.Counties))
	}

	// Earlier periods, straight into the store, so that trends and rank changes show.
	for h := o.History; h >= 1; h-- {
		p := periodStart.AddDate(0, -h, 0).Format("2006-01")
		deadline, _ := cfg.Deadline(p) // p is well-formed
		for _, c := range roster.Counties {
			q := quality[c.Code] - 0.05*float64(h) + 0.1*(rng.Float64()-0.5)
			f := score.Synthetic(checklist, &c, p, rng, clamp(q))
			if _, _, err := st.PutSubmission(ctx, &store.Submission{County: c.Code, Period: p, Status: store.Accepted, Source: "import",
				Filename: "history.xlsx", SHA256: fmt.Sprintf("history-%s-%s", p, c.Code), Received: deadline.Add(-72 * time.Hour), Filing: f}); err != nil {
				return nil, err
			}
		}
		if _, _, err := d.Assess(ctx, p, jobs.AssessOptions{}); err != nil {
			return nil, fmt.Errorf("assessing history %s: %w", p, err)
		}
	}

	step := func(name string, fn func(ctx context.Context) (jobs.Counts, error)) error {
		counts, err := d.RunLogged(ctx, name, period, fn)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		log.Debug("demo step", "step", name, "counts", fmt.Sprint(map[string]int(counts)))
		if o.Step != nil {
			o.Step(name, counts)
		}
		return nil
	}
	deliver := func() error { return step("deliver", d.Deliver) }

	// 1. Dispatch on the 1st.
	if err := step("dispatch", func(ctx context.Context) (jobs.Counts, error) { return d.Dispatch(ctx, period, false) }); err != nil {
		return nil, err
	}
	if err := deliver(); err != nil {
		return nil, err
	}
	forms, err := formsFromSink(sink.Messages(), roster)
	if err != nil {
		return nil, err
	}
	deadline, _ := cfg.Deadline(period)

	// 2. The counties fill their forms and mail them back.
	type outgoing struct {
		at  time.Time
		raw []byte
	}
	var first, second []outgoing
	for i, c := range roster.Counties {
		if c.Code == silentCounty {
			continue
		}
		form := forms[c.Code]
		if form == nil {
			return nil, fmt.Errorf("county %s got no form from dispatch", c.Code)
		}
		filing := score.Synthetic(checklist, &roster.Counties[i], period, rng, quality[c.Code])
		if c.Code == claimCounty {
			overclaim(filing)
		}
		filled, err := templates.FillForm(form, filing)
		if err != nil {
			return nil, fmt.Errorf("filling %s's form: %w", c.Code, err)
		}
		at := periodStart.AddDate(0, 0, 8+rng.IntN(14)).Add(time.Duration(9+rng.IntN(8)) * time.Hour)
		name := jobs.FormFilename(&roster.Counties[i], period)
		switch c.Code {
		case lateCounty:
			second = append(second, outgoing{deadline.Add(47 * time.Hour), countyMail(c, cfg, "Re: "+name, name, filled)})
			continue
		case brokenCounty:
			broken, err := breakForm(filled)
			if err != nil {
				return nil, err
			}
			first = append(first, outgoing{at, countyMail(c, cfg, "报送"+name, name, broken)})
			second = append(second, outgoing{at.Add(26 * time.Hour), countyMail(c, cfg, "报送（修改后）"+name, name, filled)})
			continue
		case noFormCounty:
			first = append(first, outgoing{at.Add(-2 * time.Hour), countyMail(c, cfg, "十一月进展表", "", nil)})
		case evidCounty:
			first = append(first, outgoing{at, countyMail(c, cfg, "Re: "+name, name, filled,
				mail.OutAttachment{Name: "四、3-水质检测报告.pdf", ContentType: "application/pdf", Data: evidencePDF})})
			continue
		}
		first = append(first, outgoing{at, countyMail(c, cfg, "Re: "+name, name, filled)})
	}
	sortByTime := func(s []outgoing) {
		sort.SliceStable(s, func(i, j int) bool { return s[i].at.Before(s[j].at) })
	}
	sortByTime(first)
	sortByTime(second)
	batches := [][]outgoing{first, second}
	for round, batch := range batches {
		if round == 1 {
			// On the deadline the late county asks for time: the office extends it (kaohe extend).
			clock.Advance(max(0, deadline.Add(time.Hour).Sub(clock.Now())))
			if err := step("extend", func(ctx context.Context) (jobs.Counts, error) {
				_, err := d.Extend(ctx, lateCounty, period, deadline.Add(72*time.Hour), "县委组织部邮件系统故障，经市考核办同意延期报送", "市考核办")
				return jobs.Counts{"extensions": 1}, err
			}); err != nil {
				return nil, err
			}
		}
		for _, m := range batch {
			if err := imapSrv.AppendAt(ctx, "kaohe", "INBOX", m.raw, m.at); err != nil {
				return nil, err
			}
		}
		if len(batch) > 0 {
			clock.Advance(batch[len(batch)-1].at.Add(10 * time.Minute).Sub(clock.Now()))
		}
		if err := step("collect", d.Collect); err != nil {
			return nil, fmt.Errorf("collect round %d: %w", round+1, err)
		}
		if err := deliver(); err != nil {
			return nil, err
		}
		if round == 0 { // the office returns one accepted form after review; it comes back corrected (review.go)
			raw, err := demoReturn(ctx, d, cfg, sink, period, deliver) // logged as job "review"
			if err != nil {
				return nil, fmt.Errorf("review return: %w", err)
			}
			batches[1] = append(batches[1], outgoing{resubmitAt(clock.Now()), raw})
			sortByTime(batches[1])
		}
	}

	// 3. After the deadline: assess, render, queue and deliver the reports.
	assessAt := deadline.Add(63 * time.Hour)
	if clock.Now().Before(assessAt) {
		clock.Advance(assessAt.Sub(clock.Now()))
	}
	// The office's 抽查核查: a 核查表 written, filled and recorded (verify.go).
	if err := step("verify", func(ctx context.Context) (jobs.Counts, error) {
		n, err := demoVerify(ctx, d, period, filepath.Join(o.OutDir, "verify"))
		return jobs.Counts{"records": n}, err
	}); err != nil {
		return nil, err
	}
	var a *jobs.Assessment
	if err := step("assess", func(ctx context.Context) (jobs.Counts, error) {
		r, counts, err := d.Assess(ctx, period, jobs.AssessOptions{Queue: true, Render: true})
		a = r
		return counts, err
	}); err != nil {
		return nil, err
	}
	if err := deliver(); err != nil {
		return nil, err
	}
	res.Assessment = a
	res.Mails = len(sink.Messages())
	res.Elapsed = time.Since(start)
	return res, nil
}

func clamp(q float64) float64 { return max(0.05, min(0.98, q)) }

// overclaim makes a filing claim 一、5 已完成 (with a 佐证说明) while two villages in
// three report almost no collective income, so the claim is 存疑; and reports the first
// task 已完成 without 佐证 (缺佐证).
func overclaim(f *seeds.Filing) {
	for i := range f.Tasks {
		tr := &f.Tasks[i]
		switch tr.Task {
		case "一、5":
			tr.Status, tr.Percent, tr.PercentSet, tr.Evidence = seeds.StatusDone, 100, true, "村集体经济台账"
		case "一、1":
			tr.Status, tr.Percent, tr.PercentSet, tr.Evidence = seeds.StatusDone, 100, true, ""
		}
	}
	for i := range f.Villages {
		if i%3 != 0 {
			n := f.Villages[i].Values["income"]
			n.Value = 0.2
			f.Villages[i].Values["income"] = n
		}
	}
}

func randomPassword() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

func splitAddr(addr string) (string, int) {
	i := strings.LastIndexByte(addr, ':')
	var port int
	fmt.Sscan(addr[i+1:], &port)
	return addr[:i], port
}

// formsFromSink finds each county's dispatched form among the mails the sink received.
func formsFromSink(msgs []mail.Received, roster *seeds.Roster) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, m := range msgs {
		p, err := mail.ParseMessage(m.Data, 20<<20)
		if err != nil {
			return nil, err
		}
		for _, to := range m.To {
			c := roster.CountyBySender(to)
			if c == nil {
				continue
			}
			for _, a := range p.Attachments {
				if strings.HasSuffix(a.Filename, ".xlsx") && out[c.Code] == nil {
					out[c.Code] = a.Data
				}
			}
		}
	}
	return out, nil
}

// countyMail is the mail a county sends back, with the form attached (none if data is nil).
func countyMail(c seeds.County, cfg *config.Config, subject, filename string, data []byte, evidence ...mail.OutAttachment) []byte {
	o := mail.Outgoing{
		MessageID: fmt.Sprintf("<%s.%d@%s>", strings.ToLower(strings.ReplaceAll(c.Code, "-", "")), time.Now().UnixNano(), "county.kaohe.test"),
		From:      c.Emails[0], To: []string{cfg.Office.From}, Subject: subject,
		Text: "市委组织部：\n\n附件是我单位的进展表，请查收。\n\n" + c.OrgName(),
		Date: time.Now(),
	}
	if data == nil {
		o.Text = "市委组织部：\n\n我单位的进展情况见正文，表格稍后补报。\n\n" + c.OrgName()
	} else {
		o.Attachments = []mail.OutAttachment{{Name: filename, ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: data}}
		o.Attachments = append(o.Attachments, evidence...)
	}
	raw, err := mail.BuildMessage(o)
	if err != nil {
		panic(err) // building a message from our own values does not fail
	}
	return raw
}

// breakForm spoils a filled form the way people do: a task's 进展状态 left empty, and
// words typed into a number cell of the 村级台账.
func breakForm(filled []byte) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(filled))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	status, err := f.SearchSheet(templates.SheetTasks, templates.HdrStatus)
	if err != nil || len(status) == 0 {
		return nil, fmt.Errorf("demo: no %s column in %s", templates.HdrStatus, templates.SheetTasks)
	}
	col, row, err := excelize.CellNameToCoordinates(status[0])
	if err != nil {
		return nil, err
	}
	cell, _ := excelize.CoordinatesToCellName(col, row+3) // col, row come from a valid cell name
	if err := f.SetCellValue(templates.SheetTasks, cell, ""); err != nil {
		return nil, err
	}
	income, err := f.SearchSheet(templates.SheetVillages, "村集体经济收入", true)
	if err != nil || len(income) == 0 {
		return nil, fmt.Errorf("demo: no income column in %s", templates.SheetVillages)
	}
	col, row, err = excelize.CellNameToCoordinates(income[0])
	if err != nil {
		return nil, err
	}
	cell, _ = excelize.CoordinatesToCellName(col, row+2)
	if err := f.SetCellValue(templates.SheetVillages, cell, "约三万元左右"); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// evidencePDF is the demo's evidence file: a one-page PDF (a water test report's stand-in).
var evidencePDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n" +
	"4 0 obj<</Length 44>>stream\nBT /F1 18 Tf 72 760 Td (Water test) Tj ET\nendstream endobj\n" +
	"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n" +
	"trailer<</Root 1 0 R>>\n%%EOF\n")
