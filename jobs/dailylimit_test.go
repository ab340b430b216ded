package jobs

import (
	"fmt"
	"testing"
	"time"

	"github.com/jining/kaohe/internal/store"
)

// smtp.daily_limit = 10 with 30 mails queued (dispatch, reminders, reports and replies,
// the replies queued last): 10 go out a day, replies first, then reports, reminders,
// forms; the rest is carried to the next day and the counts say so.
func TestDailyLimitSendsByPriority(t *testing.T) {
	h := newHarness(t)
	h.d.Config.SMTP.DailyLimit = 10
	h.d.Config.SMTP.Connections = 2
	h.d.Config.SMTP.BatchSize = 4 // several batches and both workers share the day's quota
	kinds := []struct {
		kind string
		key  func(i int) string
		n    int
	}{
		{"dispatch", func(i int) string { return fmt.Sprintf("dispatch:%s:%d", h.period, i) }, 8},
		{"remind", func(i int) string { return fmt.Sprintf("remind:%s:%d:20261101", h.period, i) }, 8},
		{"report", func(i int) string { return fmt.Sprintf("report:%s:%d", h.period, i) }, 6},
		{"receipt", func(i int) string { return fmt.Sprintf("reply:%d:1", 100+i) }, 8},
	}
	for _, k := range kinds {
		for i := range k.n {
			if _, _, err := h.d.enqueue(h.ctx, &store.Outgoing{Key: k.key(i), Kind: k.kind, Period: h.period,
				To: []string{fmt.Sprintf("c%d@county.example", i)}, Subject: k.kind, Body: "正文"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var sentKinds []string
	for day, want := range []struct{ sent, carried int }{{10, 20}, {10, 10}, {10, 0}} {
		c := h.deliver()
		if c["sent"] != want.sent || c["carried"] != want.carried {
			t.Fatalf("day %d: counts %v, want sent %d carried %d", day+1, c, want.sent, want.carried)
		}
		if q, err := h.d.DailyQuota(h.ctx); err != nil || q.SentToday != 10 || q.Due != want.carried || q.Carried() != want.carried {
			t.Errorf("day %d: quota %+v (carried %d), %v", day+1, q, q.Carried(), err)
		}
		// A second drain the same day sends nothing more.
		if c := h.deliver(); c["sent"] != 0 {
			t.Fatalf("day %d, second drain: sent %d over the limit", day+1, c["sent"])
		}
		got := h.received()
		if len(got) != 10*(day+1) {
			t.Fatalf("day %d: sink has %d mails", day+1, len(got))
		}
		for _, r := range got[10*day:] {
			sentKinds = append(sentKinds, headerValue(r.Data, "X-Kaohe-Kind"))
		}
		h.clock.Advance(24 * time.Hour)
	}
	// Each day sends the highest priorities left (two connections send side by side, so
	// the order within a day is not the sink's arrival order).
	for day, want := range []map[string]int{
		{"receipt": 8, "report": 2}, {"report": 4, "remind": 6}, {"remind": 2, "dispatch": 8},
	} {
		got := map[string]int{}
		for _, k := range sentKinds[10*day : 10*day+10] {
			got[k]++
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("day %d sent %v, want %v", day+1, got, want)
		}
	}
	if q, err := h.d.Store.Outbox(h.ctx, store.OutQueued, ""); err != nil || len(q) != 0 {
		t.Errorf("queued after three days: %d, %v", len(q), err)
	}
}
