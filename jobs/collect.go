package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"path"
	"runtime"
	"strings"
	"time"

	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
	"golang.org/x/sync/errgroup"
)

// maxForms is the most form-like attachments read from one mail; a mail with more is
// refused as a whole (a county sends its one form).
const maxForms = 3

// Message outcomes recorded in the store.
const (
	OutcomeAccepted      = "accepted"
	OutcomeRejected      = "rejected"
	OutcomeNoForm        = "noform"
	OutcomeUnknownSender = "unknown_sender"
	OutcomeUnreadable    = "unreadable"
)

// Collect makes one pass over the intake mailbox: every message not yet processed is
// stored raw, parsed, its forms validated and stored, its reply queued, and only then
// marked processed on the server. Messages stored by an earlier pass that crashed are
// finished first. It returns the counts of what it did.
func (d *Deps) Collect(ctx context.Context) (Counts, error) {
	if d.OpenMailbox == nil {
		return nil, errors.New("no IMAP server configured (imap.host)")
	}
	mb, err := d.OpenMailbox(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := mb.Close(); err != nil {
			d.Logger.Debug("closing mailbox", "err", err)
		}
	}()
	return d.CollectFrom(ctx, mb)
}

// Watch collects continuously: a pass, then wait for new mail (IDLE, else polling), until
// ctx is done. A failed pass is logged and retried after the poll interval, reconnecting.
func (d *Deps) Watch(ctx context.Context) error {
	poll := time.Duration(d.Config.IMAP.PollSeconds) * time.Second
	for ctx.Err() == nil {
		err := d.watchOnce(ctx, poll)
		if ctx.Err() != nil {
			break
		}
		d.Logger.Warn("collect: mailbox connection lost, reconnecting", "err", err, "in", poll)
		select {
		case <-ctx.Done():
		case <-d.clockAfter(poll):
		}
	}
	return nil
}

func (d *Deps) clockAfter(dur time.Duration) <-chan time.Time {
	if d.Clock == nil {
		return time.After(dur)
	}
	return d.Clock.After(dur)
}

func (d *Deps) watchOnce(ctx context.Context, poll time.Duration) error {
	if d.OpenMailbox == nil {
		return errors.New("no IMAP server configured (imap.host)")
	}
	mb, err := d.OpenMailbox(ctx)
	if err != nil {
		return err
	}
	defer mb.Close()
	for ctx.Err() == nil {
		if err := d.collectPass(ctx, mb); err != nil {
			return err
		}
		if d.Sender != nil {
			// Answer within seconds: send the replies just queued.
			if _, err := d.Deliver(ctx); err != nil {
				d.Logger.Warn("deliver after collect", "err", err)
			}
		}
		if err := mb.Wait(ctx, poll); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// scanner is a mailbox that can hand out unprocessed messages one at a time instead of
// all at once (internal/mail.Inbox does); collect prefers it, to hold one fetch batch in
// memory rather than the whole mailbox.
type scanner interface {
	Scan(ctx context.Context, fn func(context.Context, mail.Fetched) error) error
}

// Step boundaries of the order of work, as the crashAt test hook names them. A message
// goes fetch → store raw → parse → validate → store submission → queue reply → record
// the outcome → mark processed on the server.
const (
	stepFetch      = "after:fetch"
	stepStoreRaw   = "after:store_raw"
	stepParse      = "after:parse"
	stepValidate   = "after:validate"
	stepSubmission = "after:store_submission"
	stepReply      = "after:queue_reply"
	stepState      = "after:record_state"
	stepMark       = "after:mark_processed"
)

// crash consults the crashAt test hook; a non-nil error aborts the pass there.
func (d *Deps) crash(step string) error {
	if d.crashAt == nil {
		return nil
	}
	return d.crashAt(step)
}

// CollectFrom is Collect on an open mailbox. It returns the first error of the store or
// the mailbox; what was done before it is kept, and the next pass finishes the rest.
//
// Messages go through a short pipeline: each fetched message is stored raw at once, in
// mailbox order; its MIME parsing and form validation (the CPU-heavy part) then run in a
// pool of runtime.NumCPU() workers; and the rest — storing attachments and submissions,
// queueing the reply, recording the outcome, marking it on the server — is done one
// message at a time, in mailbox order, as each one's validation is ready. At most
// collectWindow messages are between the first and the last stage.
func (d *Deps) CollectFrom(ctx context.Context, mb Mailbox) (Counts, error) {
	counts := Counts{}
	// First finish what a crashed pass left: stored but not processed.
	left, err := d.Store.Messages(ctx, store.MessageNew, false)
	if err != nil {
		return counts, err
	}
	// The addresses the office added to a county (kaohe review accept-source --add-sender),
	// read once a pass, so an address added while the watcher runs counts from the next.
	extra, err := d.Store.CountySenders(ctx)
	if err != nil {
		return counts, err
	}
	for _, m := range left {
		raw, err := d.Store.RawMessage(ctx, m.ID)
		if err != nil {
			return counts, err
		}
		m.Raw = raw
		if err := d.process(ctx, &m, d.prepare(&m, extra), counts); err != nil {
			return counts, err
		}
		counts["recovered"]++
	}
	pl := d.newPipeline(mb, counts)
	pl.extra = extra
	one := func(ctx context.Context, f mail.Fetched) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return pl.add(ctx, f)
	}
	if sc, ok := mb.(scanner); ok {
		err = sc.Scan(ctx, one)
	} else {
		var fetched []mail.Fetched
		fetched, err = mb.Unprocessed(ctx)
		for i := 0; err == nil && i < len(fetched); i++ {
			f := fetched[i]
			fetched[i].Raw = nil // let it go once handled
			err = one(ctx, f)
		}
	}
	if err == nil {
		err = pl.drain(ctx)
	}
	return counts, errors.Join(err, pl.stop())
}

// collectWindow bounds the messages stored raw but not yet finished in one pass (and so
// the raw messages and parsed forms held in memory by the pipeline).
func collectWindow() int { return 2*runtime.NumCPU() + 2 }

// pipeline is CollectFrom's order of work: add stores a message raw and starts its
// validation; the oldest messages are finished, in order, as the window fills.
type pipeline struct {
	d      *Deps
	mb     Mailbox
	counts Counts
	g      errgroup.Group
	queue  []*inflight
	n      int
	extra  map[string]string // CountySenders: address → county code
}

// inflight is a message stored raw whose processing is not finished.
type inflight struct {
	f       mail.Fetched
	m       *store.Message
	existed bool
	done    chan struct{} // closed when pre is set (new messages only)
	pre     *prepared
}

func (d *Deps) newPipeline(mb Mailbox, counts Counts) *pipeline {
	pl := &pipeline{d: d, mb: mb, counts: counts}
	pl.g.SetLimit(runtime.NumCPU())
	return pl
}

// add stores f raw, durably, starts validating it if it is new, and finishes the oldest
// messages while more than collectWindow are in flight.
func (pl *pipeline) add(ctx context.Context, f mail.Fetched) error {
	d := pl.d
	if err := d.crash(stepFetch); err != nil {
		return err
	}
	m := &store.Message{Mailbox: f.Mailbox, UIDValidity: f.UIDValidity, UID: f.UID, Raw: f.Raw, Received: f.InternalDate}
	if m.Received.IsZero() {
		m.Received = d.now()
	}
	m.MessageID, m.Sender, m.Subject = quickHeaders(f.Raw)
	// The raw message is stored, durably, before anything else is done with it.
	id, existed, err := d.Store.PutMessage(ctx, m)
	if err != nil {
		return err
	}
	m.ID = id
	if err := d.crash(stepStoreRaw); err != nil {
		return err
	}
	it := &inflight{f: f, m: m, existed: existed}
	if !existed {
		// Validated ahead, in the pool; a message stored before is looked at when its
		// turn comes, once the messages ahead of it (maybe its original) are finished.
		it.done = make(chan struct{})
		pl.g.Go(func() error {
			defer close(it.done)
			it.pre = d.prepare(m, pl.extra)
			return nil
		})
	}
	pl.queue = append(pl.queue, it)
	for len(pl.queue) > collectWindow() {
		if err := pl.finishOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}

// drain finishes every message in flight.
func (pl *pipeline) drain(ctx context.Context) error {
	for len(pl.queue) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := pl.finishOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}

// stop waits for the validations still running (after an error, their messages stay
// stored raw and the next pass finishes them).
func (pl *pipeline) stop() error {
	pl.queue = nil
	return pl.g.Wait()
}

// finishOldest processes the oldest message in flight and marks it on the server.
func (pl *pipeline) finishOldest(ctx context.Context) error {
	d, it := pl.d, pl.queue[0]
	pl.queue[0] = nil
	pl.queue = pl.queue[1:]
	f, m, counts := it.f, it.m, pl.counts
	if it.existed {
		stored, err := d.Store.Message(ctx, m.ID)
		if err != nil {
			return err
		}
		switch {
		case stored.State == store.MessageNew:
			stored.Raw = f.Raw
			if err := d.process(ctx, stored, d.prepare(stored, pl.extra), counts); err != nil {
				return err
			}
			if err := d.crash(stepState); err != nil {
				return err
			}
		case stored.Mailbox == f.Mailbox && stored.UIDValidity == f.UIDValidity && stored.UID == f.UID:
			// Handled by an earlier pass that stopped before marking it on the server.
			counts["resumed"]++
		default:
			// The same message again under another UID: handled once, not answered twice.
			d.Logger.Info("duplicate message: already handled", "uid", f.UID, "message", m.ID, "message_id", m.MessageID)
			counts["duplicates"]++
		}
	} else {
		<-it.done
		if err := d.process(ctx, m, it.pre, counts); err != nil {
			return err
		}
		if err := d.crash(stepState); err != nil {
			return err
		}
	}
	// Only now is the message marked processed on the server.
	if err := pl.mb.MarkProcessed(ctx, f.UIDValidity, f.UID); err != nil {
		return fmt.Errorf("marking message %d processed: %w", f.UID, err)
	}
	counts["messages"]++
	pl.n++
	d.progress("collect", pl.n, 0)
	return d.crash(stepMark)
}

// quickHeaders reads Message-ID, sender and subject for the store's index, before MIME
// parsing; a message it cannot read still gets stored, with empty fields.
func quickHeaders(raw []byte) (id, from, subject string) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", "", ""
	}
	id = msg.Header.Get("Message-Id")
	if a, err := netmail.ParseAddress(msg.Header.Get("From")); err == nil {
		from = strings.ToLower(a.Address)
	}
	dec := new(mimeDecoder)
	subject = dec.decode(msg.Header.Get("Subject"))
	return id, from, subject
}

// prepared is the CPU-heavy part of processing a message, done before (and apart from)
// anything written: its MIME parsing, the sending county, and each form attachment
// validated. It reads only the message and the Deps' fixed data (checklist, roster,
// config), so messages are prepared in parallel.
type prepared struct {
	p      *mail.Parsed
	err    error // MIME parsing failed
	county *seeds.County
	forms  []mail.Attachment
	others []string
	parsed []parsedForm // one per form, when 1..maxForms of them
	// evidence are the files beside the form (佐证材料), checked; kept with the first
	// accepted form.
	evidence []evidenceFile
	// sources are the forms with a valid signature in a mail from an address on no
	// county's list: they go to the office's review queue (review.go).
	sources []sourceForm
}

// parsedForm is templates.Parse's answer for one form attachment.
type parsedForm struct {
	done    bool
	filing  *seeds.Filing
	encoded *store.EncodedFiling // filing encoded for the store; nil if not (yet)
	meta    *templates.Meta
	stats   templates.Stats
	err     error
}

// prepare parses m and validates its forms. It writes nothing and never fails: what went
// wrong is in the result, for process to act on in order. extra maps the addresses the
// office added (store.CountySenders) to their county.
func (d *Deps) prepare(m *store.Message, extra map[string]string) *prepared {
	pre := &prepared{}
	max := int64(d.Config.Forms.MaxAttachmentMB) << 20
	pre.p, pre.err = mail.ParseMessage(m.Raw, max)
	if pre.err != nil {
		return pre
	}
	pre.county = d.Roster.CountyBySender(pre.p.From)
	if code, ok := extra[strings.ToLower(strings.TrimSpace(pre.p.From))]; ok && pre.county == nil {
		pre.county = d.Roster.County(code)
	}
	if pre.county == nil {
		pre.sources = d.signedForms(pre.p)
		return pre
	}
	for _, a := range pre.p.Attachments {
		if !isFormLike(a) {
			pre.others = append(pre.others, a.Filename)
		}
	}
	pre.forms, pre.evidence = d.evidenceCandidates(pre.p.Attachments)
	if len(pre.forms) == 0 || len(pre.forms) > maxForms {
		return pre
	}
	pre.parsed = make([]parsedForm, len(pre.forms))
	for k, a := range pre.forms {
		pre.parsed[k] = d.parseForm(pre.county, a)
	}
	return pre
}

// parseForm validates one form attachment of county's (not one too large or undecodable).
func (d *Deps) parseForm(county *seeds.County, a mail.Attachment) parsedForm {
	if a.TooLarge || a.Err != nil {
		return parsedForm{done: true}
	}
	filing, meta, stats, err := templates.Parse(a.Data, a.Filename, templates.ParseOptions{
		Checklist: d.Checklist, Roster: d.Roster, Secret: d.Config.Forms.Secret,
		MaxBytes: int64(d.Config.Forms.MaxAttachmentMB) << 20, County: county.Code, FormVersions: d.formVersions,
	})
	pf := parsedForm{done: true, filing: filing, meta: meta, stats: stats, err: err}
	if filing != nil && err == nil {
		// Encoded here, on a worker, rather than by the writer that commits forms in
		// order; on an error PutSubmission encodes it again and says what is wrong.
		pf.encoded, _ = store.EncodeFiling(filing)
	}
	return pf
}

// process handles one stored message, prepared by prepare: stores its attachments and
// submissions, queues replies, and records the outcome. Everything it writes is keyed so
// that doing it again after a crash changes nothing.
func (d *Deps) process(ctx context.Context, m *store.Message, pre *prepared, counts Counts) error {
	log := d.Logger.With("message", m.ID, "uid", m.UID)
	p, err := pre.p, pre.err
	if err != nil {
		log.Warn("unreadable message kept for the operator", "err", err)
		counts["unreadable"]++
		return d.Store.SetMessageState(ctx, m.ID, store.MessageIgnored, OutcomeUnreadable+": "+err.Error())
	}
	if err := d.crash(stepParse); err != nil {
		return err
	}
	for _, a := range p.Attachments {
		sum := sha256.Sum256(a.Data)
		if err := d.Store.AddAttachment(ctx, m.ID, store.Attachment{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, SHA256: hex.EncodeToString(sum[:])}); err != nil {
			return err
		}
	}
	county := pre.county
	if county == nil && len(pre.sources) > 0 {
		// A signed form from an address on no county's list: the office decides (review.go).
		return d.queueSources(ctx, m, p, pre.sources, counts)
	}
	if county == nil {
		// No reply to strangers (no backscatter); the message stays in the store.
		log.Warn("message from an address that is no county's: kept, not answered", "from", p.From, "subject", p.Subject)
		counts["unknown_sender"]++
		return d.Store.SetMessageState(ctx, m.ID, store.MessageIgnored, OutcomeUnknownSender+": "+p.From)
	}
	log = log.With("county", county.Code)
	forms, others := pre.forms, pre.others
	received := m.Received.In(d.Config.Location)
	base := d.mailData(county)
	base.Received, base.Subject = received, p.Subject
	switch {
	case len(forms) == 0:
		nf := withAttachments(base, others)
		nf.Period = CurrentPeriod(received)
		deadline, err := d.Config.Deadline(nf.Period)
		if err != nil {
			return err
		}
		nf.Deadline = deadline
		subject, body, err := templates.RenderMail(templates.MailNoForm, nf)
		if err != nil {
			return err
		}
		if err := d.reply(ctx, m, p, county, 0, templates.MailNoForm, CurrentPeriod(received), subject, body, nil); err != nil {
			return err
		}
		counts["noform"]++
		return d.Store.SetMessageState(ctx, m.ID, store.MessageProcessed, OutcomeNoForm)
	case len(forms) > maxForms:
		names := make([]string, len(forms))
		for i, a := range forms {
			names[i] = a.Filename
		}
		problems := []string{fmt.Sprintf("邮件中有%d个表格附件（%s）。每封邮件只附本单位的一张填报表，请只发送填好的那一张。", len(forms), strings.Join(names, "、"))}
		if err := d.rejectReply(ctx, m, p, county, 0, CurrentPeriod(received), base, "", problems, nil); err != nil {
			return err
		}
		counts["rejected"]++
		return d.Store.SetMessageState(ctx, m.ID, store.MessageProcessed, OutcomeRejected)
	}
	outcome := OutcomeAccepted
	ev := &evidenceState{files: pre.evidence}
	for k, a := range forms {
		ok, err := d.processForm(ctx, m, p, county, k+1, a, pre.parsed[k], base, ev, counts)
		if err != nil {
			return err
		}
		if !ok {
			outcome = OutcomeRejected
		}
	}
	log.Info("message processed", "outcome", outcome, "forms", len(forms))
	return d.Store.SetMessageState(ctx, m.ID, store.MessageProcessed, outcome)
}

func withAttachments(d templates.MailData, names []string) templates.MailData {
	d.Attachments = names
	return d
}

// isFormLike tells attachments that may be meant as the form (a spreadsheet of any
// format, or a file sent as application/octet-stream) from pictures and documents.
func isFormLike(a mail.Attachment) bool {
	ext := strings.ToLower(path.Ext(a.Filename))
	switch ext {
	case ".xlsx", ".xls", ".xlsm", ".xlsb", ".ods", ".csv", ".et", ".ett":
		return true
	}
	ct := strings.ToLower(a.ContentType)
	return strings.Contains(ct, "spreadsheet") || strings.Contains(ct, "excel")
}

// periodProblem says why a form for period formPeriod may not be filed when it arrives
// in period now: forms are taken for the current period and, late, for the one before;
// not for a period that has not begun, nor for one long past.
func periodProblem(formPeriod, now string) string {
	switch {
	case formPeriod > now:
		return fmt.Sprintf("这是%s的表格，该期次尚未开始，请填报本期（%s）下发的表格。", templates.PeriodLabel(formPeriod), templates.PeriodLabel(now))
	case formPeriod < PreviousPeriod(now):
		return fmt.Sprintf("这是%s的表格，已过报送期，不再受理。请填报本期（%s）下发的表格。", templates.PeriodLabel(formPeriod), templates.PeriodLabel(now))
	}
	return ""
}

// processForm validates one attachment and stores it as a submission, then queues the
// receipt or the rejection. It reports whether the form was accepted.
func (d *Deps) processForm(ctx context.Context, m *store.Message, p *mail.Parsed, county *seeds.County, k int, a mail.Attachment, pf parsedForm, base templates.MailData, ev *evidenceState, counts Counts) (bool, error) {
	received := base.Received
	base.Filename = a.Filename
	sum := sha256.Sum256(a.Data)
	sub := &store.Submission{
		County: county.Code, Source: "mail", MessageID: m.ID, Filename: a.Filename,
		SHA256: hex.EncodeToString(sum[:]), Received: m.Received,
	}
	var problems templates.Problems
	var filing *seeds.Filing
	var meta *templates.Meta
	var stats templates.Stats
	switch {
	case a.TooLarge:
		problems = templates.Problems{{Message: fmt.Sprintf("附件《%s》超过%dMB，不是正常的填报表。请发送下发的填报表，不要插入图片或附加其他内容。", a.Filename, d.Config.Forms.MaxAttachmentMB)}}
	case a.Err != nil:
		problems = templates.Problems{{Message: fmt.Sprintf("附件《%s》在传输中损坏，无法解码。请重新发送填好的表格。", a.Filename)}}
	default:
		if !pf.done {
			pf = d.parseForm(county, a)
		}
		filing, meta, stats = pf.filing, pf.meta, pf.stats
		err := pf.err
		if !errors.As(err, &problems) && err != nil {
			return false, fmt.Errorf("parsing %s: %w", a.Filename, err)
		}
	}
	if err := d.crash(stepValidate); err != nil {
		return false, err
	}
	period := CurrentPeriod(received)
	if meta != nil && CheckPeriod(meta.Period) == nil {
		if pr := periodProblem(meta.Period, period); pr != "" && len(problems) == 0 {
			// A period long past is still open to a county the office extended it for.
			if cut, _, err := d.Cutoff(ctx, county.Code, meta.Period); err != nil {
				return false, err
			} else if meta.Period > period || cut.IsZero() || received.After(cut) {
				problems = templates.Problems{{Message: pr}}
			}
		}
		period = meta.Period
	}
	sub.Period = period
	setOutcome(sub, filing, problems)
	sub.Encoded = pf.encoded // used only if it is of sub.Filing
	stored, dup, err := d.Store.PutSubmission(ctx, sub)
	if err != nil {
		return false, err
	}
	if err := d.crash(stepSubmission); err != nil {
		return false, err
	}
	if dup {
		counts["duplicate_forms"]++
		if stored.Status == store.Accepted && stored.Superseded {
			// The county re-sent a form it has since replaced. The same file is one
			// submission, so it cannot become the latest again: say so, rather than send a
			// receipt that would let the county believe this old version counts.
			latest, err := d.Store.LatestAccepted(ctx, county.Code, stored.Period)
			if err != nil {
				return false, err
			}
			problem := fmt.Sprintf("附件《%s》与你单位%s报送的第%d版完全相同，此后你单位已报送第%d版，考核以第%d版为准，本次不再入库。如确需改用这份表格的数据，请用 Excel 打开后重新保存，再发送。",
				a.Filename, stored.Received.In(d.Config.Location).Format("1月2日15:04"), stored.Version, latest.Version, latest.Version)
			counts["rejected"]++
			return false, d.rejectReply(ctx, m, p, county, k, stored.Period, base, a.Filename, []string{problem}, nil)
		}
	}
	if stored.Status == store.Rejected {
		if meta != nil && meta.Stale && len(problems) == 1 {
			counts["rejected"]++
			counts["out_of_date"]++
			return false, d.staleReply(ctx, m, p, county, k, period, base, a, problems[0].String())
		}
		var annotated []byte
		if !a.TooLarge && len(problems) > 0 {
			if b, err := templates.Annotate(a.Data, problems); err == nil {
				annotated = b
			} else {
				d.Logger.Debug("annotate failed; rejection goes without the marked workbook", "err", err)
			}
		}
		if len(problems) == 0 { // a duplicate of an earlier rejected form
			problems = nil
			for _, s := range stored.Problems {
				problems = append(problems, templates.Problem{Message: s})
			}
		}
		strs := make([]string, len(problems))
		for i, pr := range problems {
			strs[i] = pr.String()
		}
		counts["rejected"]++
		if base.Evidence, err = d.evidenceFor(ctx, m, stored, filing, ev, counts); err != nil {
			return false, err
		}
		return false, d.rejectReply(ctx, m, p, county, k, period, base, a.Filename, strs, annotated)
	}
	deadline, err := d.Config.Deadline(period)
	if err != nil {
		return false, err
	}
	data := base
	data.Period, data.Deadline, data.Version = period, deadline, stored.Version
	data.Stats = stats
	if dup && stats.Tasks == 0 && stats.Indicators == 0 && stats.Villages == 0 && stored.Filing != nil {
		data.Stats = templates.Stats{Tasks: len(stored.Filing.Tasks), Indicators: len(stored.Filing.Indicators), Villages: len(stored.Filing.Villages)}
	}
	data.LateDays = daysLate(stored.Received.In(d.Config.Location), deadline)
	if filing == nil {
		filing = stored.Filing
	}
	if data.Evidence, err = d.evidenceFor(ctx, m, stored, filing, ev, counts); err != nil {
		return false, err
	}
	if len(data.Stats.NoEvidenceTasks) > 0 { // an evidence file linked to the task is 佐证 too
		linked, err := d.periodEvidence(ctx, period)
		if err != nil {
			return false, err
		}
		dropEvidenced(&data.Stats, linked[county.Code])
	}
	// After the period's lock (and any extension): stored, not scored, and said so.
	if cut, _, err := d.Cutoff(ctx, county.Code, period); err != nil {
		return false, err
	} else if !cut.IsZero() && stored.Received.After(cut) {
		data.Locked = cut
		subject, body, err := templates.RenderMail(templates.MailOverdue, data)
		if err != nil {
			return false, err
		}
		d.Logger.Info("form after the period's lock: stored, not scored", "county", county.Code, "period", period, "locked", cut)
		counts["locked"]++
		return true, d.reply(ctx, m, p, county, k, templates.MailOverdue, period, subject, body, nil)
	}
	if err := d.reviewReceipt(ctx, stored, &data); err != nil { // review.go: 待审核, changed cells
		return false, err
	}
	subject, body, err := templates.RenderMail(templates.MailReceipt, data)
	if err != nil {
		return false, err
	}
	counts["accepted"]++
	return true, d.reply(ctx, m, p, county, k, templates.MailReceipt, period, subject, body, nil)
}

func (d *Deps) rejectReply(ctx context.Context, m *store.Message, p *mail.Parsed, county *seeds.County, k int, period string, base templates.MailData, filename string, problems []string, annotated []byte) error {
	deadline, err := d.Config.Deadline(period)
	if err != nil {
		return err
	}
	data := base
	data.Period, data.Deadline, data.Filename, data.Problems, data.Annotated = period, deadline, filename, problems, annotated != nil
	subject, body, err := templates.RenderMail(templates.MailReject, data)
	if err != nil {
		return err
	}
	var atts []store.OutAttachment
	if annotated != nil {
		name := strings.TrimSuffix(filename, path.Ext(filename)) + "_退回标注.xlsx"
		atts = append(atts, store.OutAttachment{Name: name, ContentType: xlsxType, Data: annotated})
	}
	return d.reply(ctx, m, p, county, k, templates.MailReject, period, subject, body, atts)
}

// reply queues an answer to message m, to the address it came from (a county address).
func (d *Deps) reply(ctx context.Context, m *store.Message, p *mail.Parsed, county *seeds.County, k int, kind, period, subject, body string, atts []store.OutAttachment) error {
	_, _, err := d.enqueue(ctx, &store.Outgoing{
		Key:  fmt.Sprintf("reply:%d:%d", m.ID, k),
		Kind: kind, County: county.Code, Period: period,
		To: replyTo(ctx, p.From), Subject: subject, Body: body, Attachments: atts,
		InReplyTo: p.MessageID,
	})
	if err != nil {
		return err
	}
	return d.crash(stepReply)
}
