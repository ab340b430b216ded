package mail

import (
	"context"
	"sync"
	"testing"
)

// TestSinkDropData: with DropData the sink keeps envelopes and Message-IDs but no
// bodies, while OnMessage still sees each whole message.
func TestSinkDropData(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	sink := startTestSink(t, SinkOptions{DropData: true, OnMessage: func(r Received) {
		mu.Lock()
		sizes = append(sizes, len(r.Data))
		mu.Unlock()
	}})
	msgs := []Outgoing{testOutgoing(1), testOutgoing(2)}
	if err := NewSender(sinkConfig(t, sink), testLogger(t)).SendBatch(context.Background(), msgs, func(i int, err error) {
		if err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	got := sink.Messages()
	if len(got) != 2 {
		t.Fatalf("%d messages, want 2", len(got))
	}
	for i, r := range got {
		if r.Data != nil || r.MessageID != msgs[i].MessageID || len(r.To) != 1 || r.To[0] != msgs[i].To[0] {
			t.Errorf("kept %d: id %q to %v, %d bytes of data", i, r.MessageID, r.To, len(r.Data))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) != 2 || sizes[0] < 1000 || sizes[1] < 1000 {
		t.Errorf("OnMessage saw sizes %v, want two whole messages", sizes)
	}
}
