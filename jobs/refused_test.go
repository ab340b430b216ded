package jobs

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
)

// A county address the server refuses for good (a closed mailbox: Postfix answers RCPT
// with 550 5.1.1 and the transaction is reset) must not keep the county's other address
// from its mail: the form goes to the other address once, the mail counts as sent (a
// later deliver sends nothing), and the run counts the refused address.
func TestDeliverRefusedAddress(t *testing.T) {
	h := newHarness(t)
	const closed = "xpb@rencheng.kaohe.test"
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	sink, err := mail.StartSMTPSink(ctx, log, mail.SinkOptions{Unknown: []string{closed}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	sh, sp := splitHostPort(t, sink.Addr)
	h.d.Sender = mail.NewSender(mail.SMTPConfig{Host: sh, Port: sp, TLS: "none", From: h.d.Config.Office.From, Timeout: 10 * time.Second}, log)
	h.sink = sink

	if _, err := h.d.Dispatch(h.ctx, h.period, false); err != nil {
		t.Fatal(err)
	}
	c := h.deliver()
	n := len(h.d.Roster.Counties)
	if c["sent"] != n || c["refused_addresses"] != 1 || c["failed"] != 0 {
		t.Errorf("deliver counts %v, want %d sent, 1 refused_addresses, none failed", c, n)
	}
	if got := h.to("zzb@rencheng.kaohe.test"); len(got) != 1 || len(got[0].Attachments) != 1 {
		t.Errorf("zzb@rencheng got %d mails, want its form once", len(got))
	}
	if got := h.to(closed); len(got) != 0 {
		t.Errorf("the refused address got %d mails", len(got))
	}
	if c := h.deliver(); c["sent"] != 0 {
		t.Errorf("second deliver %v, want nothing sent again", c)
	}
	rows, err := h.d.Store.Outbox(h.ctx, "", h.period)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rows {
		if o.State != store.OutSent {
			t.Errorf("outbox %s: %s, want sent", o.Key, o.State)
		}
	}
	if len(rows) != n {
		t.Errorf("%d outbox rows, want %d", len(rows), n)
	}
}
