package crashtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
)

// TestResumeAfterKill: a sender killed mid-batch leaves the mails it claimed leased (for
// jobs.DefaultDeliverLease); the next kaohe on the host sees that their holder no longer
// runs and sends them at once. The sink holds the 4th mail's DATA unanswered while the
// child is SIGKILLed, then refuses it, so none of the batch reached the sink unrecorded.
// The restarted child's one deliver run must send every other mail, and each Message-ID
// must reach the sink exactly once.
func TestResumeAfterKill(t *testing.T) {
	const mails, holdAt = 12, 4
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	imapSrv, err := mail.StartIMAPServer(ctx, log, map[string]string{"kaohe": "pw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { imapSrv.Close() })
	var (
		mu      sync.Mutex
		seen    int
		holding = true
	)
	held := make(chan struct{})
	release := make(chan struct{})
	sink, err := mail.StartSMTPSink(ctx, log, mail.SinkOptions{Hold: func(mail.Received) error {
		mu.Lock()
		seen++
		hold := holding && seen == holdAt
		mu.Unlock()
		if !hold {
			return nil
		}
		close(held)
		<-release
		return errors.New("the sender was killed before this was answered")
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	opts := Options{Dir: t.TempDir(), IMAP: imapSrv.Addr, SMTP: sink.Addr, Period: "2026-11", Counties: 6, Mode: ModeDeliver}
	cfg, err := Config(opts)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, cfg.Store.Path, log)
	if err != nil {
		t.Fatal(err)
	}
	for i := range mails {
		if _, _, err := st.Enqueue(ctx, &store.Outgoing{Key: fmt.Sprintf("resume:%d", i), Kind: "reply", Period: opts.Period,
			From: cfg.Office.From, To: []string{fmt.Sprintf("county%d@county.kaohe.test", i)}, Subject: "回执", Body: "已收到。"}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	// The first sender: killed while the server has not answered the 4th mail.
	first := exec.Command(os.Args[0], "-test.run=^$")
	first.Env = append(os.Environ(), opts.Env()...)
	var stderr bytes.Buffer
	first.Stderr = &stderr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-time.After(60 * time.Second):
		first.Process.Kill()
		t.Fatalf("the child did not reach mail %d; stderr:\n%s", holdAt, stderr.String())
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var ee *exec.ExitError
	if err := first.Wait(); !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
		t.Fatalf("child not killed: %v", err)
	}
	mu.Lock()
	holding = false
	mu.Unlock()
	close(release)

	// What the kill left: mails sent and recorded, the rest leased to the dead child.
	st, err = store.Open(ctx, cfg.Store.Path, log)
	if err != nil {
		t.Fatal(err)
	}
	out, err := st.Outbox(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	sentBefore, leased := 0, 0
	now := time.Now()
	for _, o := range out {
		switch {
		case o.State == store.OutSent:
			sentBefore++
		case o.State == store.OutQueued && o.NextAttempt.After(now.Add(jobs.DefaultDeliverLease/2)):
			leased++
		}
	}
	if sentBefore != holdAt-1 || leased != mails-sentBefore {
		t.Fatalf("after the kill: %d sent, %d leased; want %d sent and the other %d leased to the dead child", sentBefore, leased, holdAt-1, mails-holdAt+1)
	}
	if n := len(sink.Messages()); n != sentBefore {
		t.Fatalf("%d mails at the sink after the kill, want %d", n, sentBefore)
	}
	st.Close()

	// The restarted sender's first deliver run sends the rest at once.
	second := exec.Command(os.Args[0], "-test.run=^$")
	second.Env = append(os.Environ(), opts.Env()...)
	stderr.Reset()
	second.Stderr = &stderr
	stdout, err := second.Output()
	if err != nil {
		t.Fatalf("restarted child: %v; stderr:\n%s", err, stderr.String())
	}
	if want := fmt.Sprintf("sent %d\n", mails-sentBefore); !strings.Contains(string(stdout), want) {
		t.Errorf("restarted child's deliver run: %q, want %q", stdout, want)
	}
	st, err = store.Open(ctx, cfg.Store.Path, log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out, err = st.Outbox(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for _, m := range sink.Messages() {
		ids[m.MessageID]++
	}
	for _, o := range out {
		if o.State != store.OutSent {
			t.Errorf("%s: %s after the restart (%s)", o.Key, o.State, o.LastError)
		}
		if n := ids[o.MessageID]; n != 1 {
			t.Errorf("%s (%s) reached the sink %d times, want once", o.Key, o.MessageID, n)
		}
	}
	if n := len(sink.Messages()); n != mails {
		t.Errorf("%d mails at the sink, want %d", n, mails)
	}
}
