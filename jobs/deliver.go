package jobs

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
)

// Deliver drains the outbox: due mails are sent in batches over one connection each,
// over smtp.connections connections at once, at most smtp.rate_per_minute a minute in
// all. A mail answered 4xx is retried later with exponential backoff and jitter, up to
// smtp.max_attempts; one answered 5xx is failed for good and shown to the operator
// (kaohe outbox). Each mail keeps the Message-ID of its outbox row, so a retry after a
// crash is recognisable as the same mail.
func (d *Deps) Deliver(ctx context.Context) (Counts, error) {
	counts := Counts{}
	if d.Sender == nil {
		q, err := d.Store.Outbox(ctx, store.OutQueued, "")
		if err != nil {
			return nil, err
		}
		counts["queued"] = len(q)
		d.Logger.Warn("no SMTP server configured (smtp.host): mail stays in the outbox", "queued", len(q))
		return counts, nil
	}
	cfg := d.Config.SMTP
	conns := max(1, cfg.Connections)
	batch := cfg.BatchSize
	var interval time.Duration // per mail, on each connection
	if cfg.RatePerMinute > 0 {
		interval = time.Duration(conns) * time.Minute / time.Duration(cfg.RatePerMinute)
		batch = max(1, min(batch, cfg.RatePerMinute/conns))
	}
	// Mails a sender of this host claimed and did not send before it died (killed,
	// crashed, the machine reset) are taken back at once rather than after their lease.
	if n, dead, err := d.Store.ReleaseDead(ctx, d.now()); err != nil {
		return nil, err
	} else if n > 0 {
		holders := make([]string, len(dead))
		for i, h := range dead {
			holders[i] = h.String()
		}
		d.Logger.Info("deliver: took back the mails of senders that no longer run", "mails", n, "holders", holders)
	}
	// The workers claim their batches from the store with a lease, as a second kaohe
	// process would, and only mails due when this drain started (ClaimDueBy): none takes
	// a mail another has claimed, even where a lease runs out mid-drain.
	start := d.now()
	// smtp.daily_limit: what is left of today's quota (office time), shared by the workers.
	// The outbox hands out mails by priority, so what waits for tomorrow is what matters least.
	var budget *dayBudget
	var dayStart time.Time
	if cfg.DailyLimit > 0 {
		dayStart = officeDay(start, d.Config.Location)
		sent, err := d.Store.SentSince(ctx, dayStart)
		if err != nil {
			return nil, err
		}
		budget = &dayBudget{left: max(0, cfg.DailyLimit-sent)}
	}
	var mu sync.Mutex
	add := func(k string) {
		mu.Lock()
		counts[k]++
		mu.Unlock()
	}
	g, gctx := errgroup.WithContext(ctx)
	for w := range conns {
		g.Go(func() error {
			rng := rand.New(rand.NewPCG(uint64(d.now().UnixNano()), 0x6b616f6865+uint64(w)))
			return d.deliverWorker(gctx, start, batch, interval, budget, rng, add, func(n int) {
				mu.Lock()
				sent := counts["sent"]
				mu.Unlock()
				d.progress("deliver", sent, sent+n)
			})
		})
	}
	err := g.Wait()
	if err == nil && budget != nil && budget.exhausted() {
		left, derr := d.Store.DueCount(ctx, start)
		if derr != nil {
			return counts, derr
		}
		if left > 0 {
			sent, serr := d.Store.SentSince(ctx, dayStart)
			if serr != nil {
				return counts, serr
			}
			counts["carried"] = left
			d.Logger.Warn("deliver: daily limit reached (smtp.daily_limit): the rest is sent from tomorrow, replies first",
				"limit", cfg.DailyLimit, "sent_today", sent, "carried", left, "tomorrow", dayStart.AddDate(0, 0, 1).Format("2006-01-02"))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return counts, err
}

// officeDay is the start of t's day in the office's time zone (nil: local time).
func officeDay(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.Local
	}
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// dayBudget is what is left of a daily limit, taken by the workers batch by batch.
type dayBudget struct {
	mu   sync.Mutex
	left int
}

// take grants up to n mails of the budget.
func (b *dayBudget) take(n int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n = min(n, b.left)
	b.left -= n
	return n
}

// giveBack returns the part of a grant that was not sent (nil: no limit).
func (b *dayBudget) giveBack(n int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.left += n
	b.mu.Unlock()
}

func (b *dayBudget) exhausted() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.left == 0
}

// deliverWorker sends batches of due mails over one connection each until none is due,
// counting each outcome with add ("sent", "failed", "deferred").
func (d *Deps) deliverWorker(ctx context.Context, start time.Time, batch int, interval time.Duration, budget *dayBudget, rng *rand.Rand, add func(string), progress func(left int)) error {
	cfg := d.Config.SMTP
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Under smtp.daily_limit a batch is what is left of the day's quota at most; what
		// it did not send is given back at the end of the round.
		n, sentHere := batch, 0
		if budget != nil {
			if n = budget.take(batch); n == 0 {
				return nil
			}
		}
		started := d.now()
		if started.Before(start) {
			started = start // a clock set back mid-drain
		}
		// Claimed with a lease: another worker, or a second sender (a `kaohe deliver`
		// beside `kaohe serve`), does not pick the same mails; if this one dies mid-send
		// they are retried after the lease, with the same Message-ID.
		due, err := d.Store.ClaimDueBy(ctx, start, started, d.deliverLease(), n)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			budget.giveBack(n)
			return nil
		}
		msgs := make([]mail.Outgoing, len(due))
		for i, o := range due {
			msgs[i] = toMail(o)
		}
		var markErr error
		reported := make([]bool, len(due))
		err = d.Sender.SendBatch(ctx, msgs, func(i int, err error) {
			reported[i] = true
			o := due[i]
			// Marks must be written even if ctx is cancelled mid-batch: the mail went out.
			mctx := context.WithoutCancel(ctx)
			var e error
			var partial *mail.PartialError
			switch {
			case err == nil:
				e = d.Store.MarkSent(mctx, o.ID, d.now())
				add("sent")
				sentHere++
			case errors.As(err, &partial):
				// The others got it: sending it again would duplicate it for them.
				d.Logger.Error("mail not delivered to some addresses (sent to the others): check the roster", "key", o.Key, "refused", partial.Refused, "err", partial.Err)
				e = d.Store.MarkSent(mctx, o.ID, d.now())
				add("sent")
				for range partial.Refused {
					add("refused_addresses")
				}
				sentHere++
			case mail.IsPermanent(err) || o.Attempts+1 >= cfg.MaxAttempts:
				d.Logger.Error("mail failed for good", "key", o.Key, "to", o.To, "err", err)
				e = d.Store.MarkFailed(mctx, o.ID, err.Error())
				add("failed")
			default:
				// Backoff counts retries from 0. Full jitter may draw ~0; wait at least the
				// base, so a server answering 4xx is not hammered within this same drain.
				base := time.Duration(cfg.RetryBaseSeconds) * time.Second
				wait := max(base, mail.Backoff(o.Attempts, base, time.Duration(cfg.RetryMaxSeconds)*time.Second, rng))
				d.Logger.Warn("mail deferred", "key", o.Key, "err", err, "retry_in", wait)
				e = d.Store.MarkRetry(mctx, o.ID, err.Error(), d.now().Add(wait))
				add("deferred")
			}
			if e != nil && markErr == nil {
				markErr = e
			}
		})
		// Mails the batch never got to are given back at once, not left to their lease.
		for i, ok := range reported {
			if !ok {
				if e := d.Store.Release(context.WithoutCancel(ctx), due[i].ID, start); e != nil && markErr == nil {
					markErr = e
				}
			}
		}
		if markErr != nil {
			return markErr
		}
		if err != nil {
			return err
		}
		budget.giveBack(n - sentHere)
		progress(len(due))
		if interval > 0 {
			if wait := time.Duration(len(due))*interval - d.now().Sub(started); wait > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-d.clockAfter(wait):
				}
			}
		}
	}
}

// DefaultDeliverLease is how long a sender holds the mails it claimed.
const DefaultDeliverLease = 5 * time.Minute

func (d *Deps) deliverLease() time.Duration {
	if d.DeliverLease > 0 {
		return d.DeliverLease
	}
	return DefaultDeliverLease
}

func toMail(o store.Outgoing) mail.Outgoing {
	m := mail.Outgoing{MessageID: o.MessageID, From: o.From, To: o.To, Subject: o.Subject, Text: o.Body, Date: o.Created,
		Headers: map[string]string{"X-Kaohe-Key": o.Key, "X-Kaohe-Kind": o.Kind}}
	if o.InReplyTo != "" {
		m.Headers["In-Reply-To"] = o.InReplyTo
		m.Headers["References"] = o.InReplyTo
	}
	for _, a := range o.Attachments {
		m.Attachments = append(m.Attachments, mail.OutAttachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	return m
}

// Quota is where the day stands against smtp.daily_limit.
type Quota struct {
	Limit     int       // smtp.daily_limit; 0: no limit
	SentToday int       // mails sent since Day
	Due       int       // queued mails due now
	Day       time.Time // start of today, office time
}

// Carried is how many of the due mails wait for the next day.
func (q Quota) Carried() int {
	if q.Limit == 0 {
		return 0
	}
	return max(0, q.Due-max(0, q.Limit-q.SentToday))
}

// DailyQuota says how much of today's smtp.daily_limit is used and what waits for
// tomorrow, for kaohe outbox.
func (d *Deps) DailyQuota(ctx context.Context) (Quota, error) {
	now := d.now()
	q := Quota{Limit: d.Config.SMTP.DailyLimit, Day: officeDay(now, d.Config.Location)}
	var err error
	if q.SentToday, err = d.Store.SentSince(ctx, q.Day); err != nil {
		return q, err
	}
	q.Due, err = d.Store.DueCount(ctx, now)
	return q, err
}
