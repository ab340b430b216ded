package jobs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/tools/genhostile/corpus"
)

// TestHostileMails mails every file of the hostile corpus (testdata/hostile, see
// tools/genhostile) from 任城区's address, each as the one attachment of its own mail,
// and the corpus's whole mails as they are, then runs one collect pass and one deliver:
// every mail is stored raw, and gets exactly one reply, the 【退回】, 【提示】 or 【回执】
// the corpus expects, with the expected text.
func TestHostileMails(t *testing.T) {
	h := newHarness(t)
	// The corpus's form of the month before is a late one, answered with a 【回执】; the
	// period lock (deadlines_test.go) is not what it tests.
	h.d.Config.Period.LockAfterDays = 0
	if c := h.d.Roster.CountyBySender(corpus.From); c == nil || c.Code != corpus.County {
		t.Fatalf("corpus sender %s is not %s's", corpus.From, corpus.County)
	}
	g, err := corpus.NewGen()
	if err != nil {
		t.Fatal(err)
	}
	type sent struct {
		c   corpus.Case
		id  string // Message-ID
		raw []byte
	}
	var mails []sent
	for i, c := range corpus.Cases() {
		var data []byte
		if c.Big {
			if data, err = g.Make(c.File); err != nil {
				t.Fatal(err)
			}
		} else if data, err = os.ReadFile(filepath.Join("..", "testdata", "hostile", c.File)); err != nil {
			t.Fatal(err)
		}
		s := sent{c: c, raw: data}
		if c.IsMail() {
			s.id = headerValue(normalizeCRLF(data), "Message-ID")
		} else {
			ct := "application/octet-stream"
			if strings.HasSuffix(c.File, ".xlsx") {
				ct = xlsxType
			}
			s.id = fmt.Sprintf("<hostile.%d@rencheng.kaohe.test>", i)
			s.raw, err = mail.BuildMessage(mail.Outgoing{
				MessageID: s.id, From: corpus.From, To: []string{h.d.Config.Office.From},
				Subject: "任城区进展表", Text: "附件是我单位的进展表。", Date: h.clock.Now(),
				Attachments: []mail.OutAttachment{{Name: c.File, ContentType: ct, Data: data}},
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if s.id == "" {
			t.Fatalf("%s: no Message-ID", c.File)
		}
		h.deliverRaw(s.raw)
		mails = append(mails, s)
	}

	counts := h.collect()
	if counts["messages"] != len(mails) {
		t.Errorf("collect counts = %v, want %d messages", counts, len(mails))
	}
	if d := h.deliver(); d["sent"] != len(mails) {
		t.Errorf("deliver counts = %v, want %d sent", d, len(mails))
	}

	// Every mail is stored, raw and whole.
	stored, err := h.d.Store.Messages(h.ctx, "", true)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]store.Message{}
	for _, m := range stored {
		byID[m.MessageID] = m
	}
	if len(stored) != len(mails) {
		t.Errorf("%d messages stored, want %d", len(stored), len(mails))
	}
	replies := map[string][]sunk{}
	for _, r := range h.received() {
		irt := headerValue(r.Data, "In-Reply-To")
		replies[irt] = append(replies[irt], r)
	}
	for _, s := range mails {
		t.Run(s.c.File, func(t *testing.T) {
			m, ok := byID[s.id]
			if !ok {
				t.Fatalf("message %s not stored", s.id)
			}
			if !bytes.Equal(normalizeCRLF(m.Raw), normalizeCRLF(s.raw)) {
				t.Errorf("stored raw message differs from the one sent (%d vs %d bytes)", len(m.Raw), len(s.raw))
			}
			if m.State != store.MessageProcessed {
				t.Errorf("state = %s", m.State)
			}
			rs := replies[s.id]
			if len(rs) != 1 {
				t.Fatalf("%d replies, want 1", len(rs))
			}
			r := rs[0]
			if want := "【" + string(s.c.Mail) + "】"; !strings.Contains(r.Subject, want) {
				t.Errorf("subject %q, want %s", r.Subject, want)
			}
			if w := s.c.ReplyWant(); !strings.Contains(r.Subject+"\n"+r.Text, w) {
				t.Errorf("reply does not say %q:\n%s\n%s", w, r.Subject, r.Text)
			}
			if !strings.EqualFold(strings.Join(r.To, ","), corpus.From) {
				t.Errorf("reply to %v, want %s", r.To, corpus.From)
			}
		})
	}
}

// normalizeCRLF gives every line a CRLF ending, as the IMAP server stores messages.
func normalizeCRLF(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}
