package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func startTestSink(t *testing.T, opts SinkOptions) *SMTPSink {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s, err := StartSMTPSink(ctx, testLogger(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("sink close: %v", err)
		}
	})
	return s
}

func sinkConfig(t testing.TB, s *SMTPSink) SMTPConfig {
	t.Helper()
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return SMTPConfig{Host: host, Port: p, TLS: "none", From: "济宁市委组织部 <kaohe@jining.example>", HeloName: "kaohe.test", Timeout: 5 * time.Second}
}

func testOutgoing(i int) Outgoing {
	return Outgoing{
		MessageID: fmt.Sprintf("<kaohe.%d@jining.example>", i),
		To:        []string{fmt.Sprintf("county%d@county.example", i)},
		Subject:   fmt.Sprintf("【回执】任城区 2026年10月 乡村振兴进度表 第%d份", i),
		Text:      "您单位报送的进度表已收到。\n各工作表计数见下。",
		Attachments: []OutAttachment{{
			Name:        "任城区进度表（批注）.xlsx",
			ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			Data:        fakeXLSX(strconv.Itoa(i)),
		}},
		Date:    time.Date(2026, 11, 2, 9, 30, 0, 0, time.FixedZone("CST", 8*3600)),
		Headers: map[string]string{"In-Reply-To": "<gbk2047@county.example>", "X-Kaohe-Key": fmt.Sprintf("reply-%d", i)},
	}
}

// results collects what SendBatch reports through each.
type results map[int]error

func (r results) each(i int, err error) {
	if _, dup := r[i]; dup {
		panic(fmt.Sprintf("message %d reported twice", i))
	}
	r[i] = err
}

func TestSendBatchOneConnection(t *testing.T) {
	dir := t.TempDir()
	var called atomic.Int32
	sink := startTestSink(t, SinkOptions{Dir: dir, OnMessage: func(Received) { called.Add(1) }})
	var msgs []Outgoing
	for i := 1; i <= 5; i++ {
		msgs = append(msgs, testOutgoing(i))
	}
	res := results{}
	if err := NewSender(sinkConfig(t, sink), testLogger(t)).SendBatch(context.Background(), msgs, res.each); err != nil {
		t.Fatal(err)
	}
	for i := range msgs {
		if err, ok := res[i]; !ok || err != nil {
			t.Errorf("message %d: reported %v, %v", i, ok, err)
		}
	}
	if n := sink.Connections(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	got := sink.Messages()
	if len(got) != 5 || called.Load() != 5 {
		t.Fatalf("sink got %d messages (callback %d), want 5", len(got), called.Load())
	}
	for i, r := range got {
		o := msgs[i]
		if r.MessageID != o.MessageID || r.Conn != 1 || r.From != "kaohe@jining.example" || len(r.To) != 1 || r.To[0] != o.To[0] {
			t.Errorf("received %d: id %q conn %d from %q to %v", i, r.MessageID, r.Conn, r.From, r.To)
		}
		p, err := ParseMessage(r.Data, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if p.Subject != o.Subject || p.MessageID != o.MessageID || p.FromName != "济宁市委组织部" {
			t.Errorf("decoded at the sink: subject %q id %q from %q", p.Subject, p.MessageID, p.FromName)
		}
		if !strings.HasPrefix(p.Text, "您单位报送的进度表已收到。") {
			t.Errorf("text %q", p.Text)
		}
		if len(p.Attachments) != 1 || p.Attachments[0].Filename != o.Attachments[0].Name || !bytes.Equal(p.Attachments[0].Data, o.Attachments[0].Data) {
			t.Errorf("attachments %+v", p.Attachments)
		}
		if !bytes.Contains(r.Data, []byte("X-Kaohe-Key: "+o.Headers["X-Kaohe-Key"]+"\r\n")) ||
			!bytes.Contains(r.Data, []byte("In-Reply-To: <gbk2047@county.example>\r\n")) {
			t.Errorf("extra headers missing from\n%s", r.Data)
		}
		file := filepath.Join(dir, fmt.Sprintf("%06d_kaohe.%d@jining.example.eml", i+1, i+1))
		if b, err := os.ReadFile(file); err != nil || !bytes.Equal(b, r.Data) {
			t.Errorf("eml file %s: %v", file, err)
		}
	}
}

func TestSendBatch421ThenRetry(t *testing.T) {
	sink := startTestSink(t, SinkOptions{})
	sender := NewSender(sinkConfig(t, sink), testLogger(t))
	msgs := []Outgoing{testOutgoing(1), testOutgoing(2), testOutgoing(3)}
	sink.FailNext(421, 1)

	res := results{}
	if err := sender.SendBatch(context.Background(), msgs, res.each); err != nil {
		t.Fatal(err)
	}
	var se *SendError
	if !errors.As(res[0], &se) || se.Permanent || se.Code != 421 {
		t.Fatalf("first message: %v, want temporary 421", res[0])
	}
	for i := 1; i < 3; i++ {
		if res[i] == nil || IsPermanent(res[i]) || !errors.Is(res[i], ErrUnreachable) {
			t.Errorf("message %d after 421: %v, want temporary, unreachable", i, res[i])
		}
	}
	if n := len(sink.Messages()); n != 0 {
		t.Fatalf("sink accepted %d messages", n)
	}

	// The outbox retries: everything goes, once.
	res = results{}
	if err := sender.SendBatch(context.Background(), msgs, res.each); err != nil {
		t.Fatal(err)
	}
	for i := range msgs {
		if res[i] != nil {
			t.Errorf("retry %d: %v", i, res[i])
		}
	}
	got := sink.Messages()
	if len(got) != 3 {
		t.Fatalf("sink has %d messages, want 3", len(got))
	}
	seen := map[string]int{}
	for _, r := range got {
		seen[r.MessageID]++
		if r.Conn != 2 {
			t.Errorf("message %s on connection %d, want 2", r.MessageID, r.Conn)
		}
	}
	for _, o := range msgs {
		if seen[o.MessageID] != 1 {
			t.Errorf("%s received %d times", o.MessageID, seen[o.MessageID])
		}
	}
}

func TestSendBatchFailures(t *testing.T) {
	tests := []struct {
		name      string
		inject    func(*SMTPSink)
		code      int
		permanent bool
	}{
		{"451 on DATA", func(s *SMTPSink) { s.FailNext(451, 1) }, 451, false},
		{"550 on DATA", func(s *SMTPSink) { s.FailNext(550, 1) }, 550, true},
		{"550 on RCPT", func(s *SMTPSink) { s.FailNextRcpt(550, 1) }, 550, true},
		{"450 on RCPT", func(s *SMTPSink) { s.FailNextRcpt(450, 1) }, 450, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := startTestSink(t, SinkOptions{})
			tt.inject(sink)
			res := results{}
			msgs := []Outgoing{testOutgoing(1), testOutgoing(2)}
			if err := NewSender(sinkConfig(t, sink), testLogger(t)).SendBatch(context.Background(), msgs, res.each); err != nil {
				t.Fatal(err)
			}
			var se *SendError
			if !errors.As(res[0], &se) || se.Code != tt.code || se.Permanent != tt.permanent || IsPermanent(res[0]) != tt.permanent {
				t.Errorf("first message: %#v, want code %d permanent %v", res[0], tt.code, tt.permanent)
			}
			if res[1] != nil {
				t.Errorf("second message: %v, want sent on the same connection", res[1])
			}
			if got := sink.Messages(); len(got) != 1 || got[0].MessageID != msgs[1].MessageID || sink.Connections() != 1 {
				t.Errorf("sink: %d messages over %d connections", len(got), sink.Connections())
			}
		})
	}
}

func TestSendBatchUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg := SMTPConfig{Host: "127.0.0.1", Port: port, TLS: "none", From: "kaohe@jining.example", Timeout: 2 * time.Second}
	res := results{}
	err = NewSender(cfg, testLogger(t)).SendBatch(context.Background(), []Outgoing{testOutgoing(1), testOutgoing(2)}, res.each)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	for i := 0; i < 2; i++ {
		if res[i] == nil || IsPermanent(res[i]) {
			t.Errorf("message %d: %v, want temporary", i, res[i])
		}
	}
}

func TestSendBatchConfigAndBadMessage(t *testing.T) {
	sink := startTestSink(t, SinkOptions{})
	bad := sinkConfig(t, sink)
	bad.TLS = "maybe"
	if err := NewSender(bad, testLogger(t)).SendBatch(context.Background(), []Outgoing{testOutgoing(1)}, results{}.each); !errors.Is(err, ErrConfig) {
		t.Errorf("bad tls: %v, want ErrConfig", err)
	}

	// STARTTLS required, but the sink offers none: no mail goes out in clear.
	strict := sinkConfig(t, sink)
	strict.TLS = "starttls"
	res := results{}
	if err := NewSender(strict, testLogger(t)).SendBatch(context.Background(), []Outgoing{testOutgoing(1)}, res.each); err == nil || res[0] == nil {
		t.Errorf("starttls to a plain server: %v, %v", err, res[0])
	}

	noID := testOutgoing(2)
	noID.MessageID = ""
	res = results{}
	if err := NewSender(sinkConfig(t, sink), testLogger(t)).SendBatch(context.Background(), []Outgoing{noID, testOutgoing(3)}, res.each); err != nil {
		t.Fatal(err)
	}
	if !IsPermanent(res[0]) || res[1] != nil {
		t.Errorf("results %v", res)
	}
	if got := sink.Messages(); len(got) != 1 || got[0].MessageID != "<kaohe.3@jining.example>" {
		t.Errorf("sink got %d", len(got))
	}
}

func TestBuildMessage(t *testing.T) {
	o := testOutgoing(7)
	o.From = "济宁市委组织部 <kaohe@jining.example>"
	raw, err := BuildMessage(o)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !bytes.Contains(head, []byte("Message-ID: <kaohe.7@jining.example>\r\n")) {
		t.Errorf("Message-ID not preserved:\n%s", head)
	}
	for _, b := range head {
		if b >= 0x80 {
			t.Fatalf("8-bit byte in the header block:\n%s", head)
		}
	}
	p, err := ParseMessage(raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != o.Subject || p.From != "kaohe@jining.example" || !p.Date.Equal(o.Date) {
		t.Errorf("round trip: %q %q %v", p.Subject, p.From, p.Date)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].Filename != "任城区进度表（批注）.xlsx" {
		t.Errorf("attachments %+v", p.Attachments)
	}

	for name, mut := range map[string]func(*Outgoing){
		"no id":        func(o *Outgoing) { o.MessageID = "" },
		"id without @": func(o *Outgoing) { o.MessageID = "<abc>" },
		"no to":        func(o *Outgoing) { o.To = nil },
		"bad from":     func(o *Outgoing) { o.From = "not an address" },
		"header crlf":  func(o *Outgoing) { o.Headers = map[string]string{"X-A": "a\r\nBcc: x@y.z"} },
	} {
		o := testOutgoing(1)
		o.From = "kaohe@jining.example"
		mut(&o)
		if _, err := BuildMessage(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestBackoff(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	base, max := time.Second, time.Minute
	for attempt, ceil := range []time.Duration{1, 2, 4, 8, 16, 32, 60, 60} {
		ceil *= time.Second
		distinct := map[time.Duration]bool{}
		for range 200 {
			d := Backoff(attempt, base, max, r)
			if d < 0 || d > ceil {
				t.Fatalf("Backoff(%d) = %v, want within [0, %v]", attempt, d, ceil)
			}
			distinct[d] = true
		}
		if len(distinct) < 100 {
			t.Errorf("Backoff(%d): only %d distinct values in 200: no jitter?", attempt, len(distinct))
		}
	}
	if d := Backoff(1000, base, max, nil); d < 0 || d > max {
		t.Errorf("Backoff(1000) = %v", d)
	}
	if d := Backoff(3, 0, max, r); d != 0 {
		t.Errorf("zero base: %v", d)
	}
}

// A real server (Postfix) refuses a closed mailbox at RCPT with 550 5.1.1, and go-mail
// then resets the whole transaction: the county's other addresses must still get the
// mail, once each, and the mail counts as sent; a mail to the closed mailbox alone fails.
func TestSendBatchRecipientRefused(t *testing.T) {
	const closed = "closed@county.example"
	sink := startTestSink(t, SinkOptions{Unknown: []string{closed}})
	first := testOutgoing(1)
	first.To = []string{"a@county.example", closed, "b@county.example"}
	only := testOutgoing(3)
	only.To = []string{closed}
	msgs := []Outgoing{first, testOutgoing(2), only}
	res := results{}
	if err := NewSender(sinkConfig(t, sink), testLogger(t)).SendBatch(context.Background(), msgs, res.each); err != nil {
		t.Fatal(err)
	}
	var pe *PartialError
	var se *SendError
	if !errors.As(res[0], &pe) || !slices.Equal(pe.Refused, []string{closed}) || !errors.As(pe.Err, &se) || se.Code != 550 {
		t.Errorf("first message: %v, want a PartialError refusing %s with 550", res[0], closed)
	}
	if res[1] != nil {
		t.Errorf("second message: %v, want sent", res[1])
	}
	if !errors.As(res[2], &se) || !se.Permanent || se.Code != 550 || errors.As(res[2], &pe) {
		t.Errorf("third message: %#v, want a permanent 550 SendError", res[2])
	}
	got := map[string][]string{}
	for _, r := range sink.Messages() {
		got[r.MessageID] = append(got[r.MessageID], r.To...)
		if r.MessageID == first.MessageID {
			m, err := netmail.ReadMessage(bytes.NewReader(r.Data))
			if err != nil {
				t.Fatal(err)
			}
			if to := m.Header.Get("To"); len(r.To) != 1 || !strings.Contains(to, r.To[0]) || strings.Contains(to, closed) {
				t.Errorf("copy to %v has To %q", r.To, to)
			}
		}
	}
	want := map[string][]string{first.MessageID: {"a@county.example", "b@county.example"}, msgs[1].MessageID: msgs[1].To}
	if !reflect.DeepEqual(got, want) || sink.Connections() != 1 {
		t.Errorf("sink got %v over %d connections, want %v over 1", got, sink.Connections(), want)
	}
}
