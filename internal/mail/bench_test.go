package mail

import (
	"context"
	"testing"
)

// BenchmarkInboxRoundTrip is the intake's steady state per message: a form
// (60 KB xlsx) is delivered, found by Unprocessed, fetched and marked
// processed, over a real IMAP connection on loopback.
func BenchmarkInboxRoundTrip(b *testing.B) {
	ctx := context.Background()
	s, err := StartIMAPServer(ctx, testLogger(b), map[string]string{testUser: testPass})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cfg := testIMAPConfig(b, s)
	cfg.MoveTo = "Done"
	in, err := DialIMAP(ctx, cfg, testLogger(b))
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	raw := benchMessage()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Append(ctx, testUser, "INBOX", raw); err != nil {
			b.Fatal(err)
		}
		got, err := in.Unprocessed(ctx)
		if err != nil || len(got) != 1 {
			b.Fatalf("%d, %v", len(got), err)
		}
		if err := in.MarkProcessed(ctx, got[0].UIDValidity, got[0].UID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendBatch sends batches of 20 replies, each with a 60 KB
// attachment, to the sink over one connection per batch.
func BenchmarkSendBatch(b *testing.B) {
	ctx := context.Background()
	sink, err := StartSMTPSink(ctx, testLogger(b), SinkOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	cfg := sinkConfig(b, sink)
	sender := NewSender(cfg, testLogger(b))
	p, err := ParseMessage(benchMessage(), 0)
	if err != nil {
		b.Fatal(err)
	}
	var msgs []Outgoing
	for i := range 20 {
		o := testOutgoing(i)
		o.Attachments[0].Data = p.Attachments[0].Data
		msgs = append(msgs, o)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := sender.SendBatch(ctx, msgs, func(i int, err error) {
			if err != nil {
				b.Fatal(err)
			}
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs))/1e6, "ms/msg")
}
