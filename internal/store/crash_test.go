//go:build unix

package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// crashWriterEnv makes the test binary, run as a child, write to the store at its value
// until it is killed.
const crashWriterEnv = "KAOHE_STORE_CRASH_WRITER"

// TestCrashWriter is the child of TestKillDuringWrites; it does nothing in a normal run.
func TestCrashWriter(t *testing.T) {
	path := os.Getenv(crashWriterEnv)
	if path == "" {
		t.Skip("child of TestKillDuringWrites")
	}
	ctx := context.Background()
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		// What mail intake does per message: raw first, submission, reply, processed.
		raw := []byte(fmt.Sprintf("Message-ID: <%d@x>\r\n\r\nform %d", i, i))
		mid, _, err := s.PutMessage(ctx, &Message{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1), MessageID: fmt.Sprintf("<%d@x>", i), Raw: raw})
		if err != nil {
			t.Fatal(err)
		}
		county := fmt.Sprintf("C%d", i%3)
		if _, _, err := s.PutSubmission(ctx, &Submission{County: county, Period: "2026-11", Status: Accepted, Source: SourceMail,
			MessageID: mid, SHA256: fmt.Sprint("sha", i), Received: t0.Add(time.Duration(i) * time.Second), Filing: testFiling(county, "2026-11", 20, 5)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Enqueue(ctx, &Outgoing{Key: fmt.Sprintf("reply:%d:1", mid), To: []string{"a@x"},
			Attachments: []OutAttachment{{Name: "a.xlsx", Data: make([]byte, 10000)}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetMessageState(ctx, mid, MessageProcessed, "ok"); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			fmt.Println(crashWriterStarted) // the parent times its kill from here
		}
	}
}

// crashWriterStarted is the line the writer prints once its first message is stored.
const crashWriterStarted = "crash-writer: first message stored"

// TestKillDuringWrites kills a writing process with SIGKILL at several moments and
// checks that the store is intact and consistent each time: every submission has all its
// values, versions are 1..n with one latest per county, and every outgoing mail has its
// attachment.
func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "kaohe.db")
	// Each kill comes a while after the writer has stored its first message, not a while
	// after it started: on a loaded machine (the race detector, other tests) starting the
	// child alone can take longer than any fixed delay.
	for round, wait := range []time.Duration{0, 150 * time.Millisecond, 400 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriter$")
		cmd.Env = append(os.Environ(), crashWriterEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		started := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(out)
			ok := false
			for sc.Scan() {
				if !ok && strings.Contains(sc.Text(), crashWriterStarted) {
					ok = true
					started <- true
				}
			}
			if !ok {
				started <- false
			}
		}()
		if !<-started {
			cmd.Wait()
			t.Fatalf("round %d: the writer ended before storing a message", round)
		}
		time.Sleep(wait)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err == nil {
			t.Fatalf("round %d: writer exited cleanly before the kill", round)
		}
		checkConsistent(t, path, round)
	}
}

func checkConsistent(t *testing.T, path string, round int) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("round %d: reopen: %v", round, err)
	}
	defer s.Close()
	var integrity string
	if err := s.DB().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("round %d: integrity %q, %v", round, integrity, err)
	}
	q := func(query string) int {
		var n int
		if err := s.DB().QueryRowContext(ctx, query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	subs := q(`SELECT COUNT(*) FROM submissions`)
	if subs == 0 {
		t.Fatalf("round %d: the writer wrote nothing before it was killed", round)
	}
	perFiling := 2 + 1 + 20*5
	if n := q(`SELECT COUNT(*) FROM submission_values`); n != subs*perFiling {
		t.Errorf("round %d: %d values for %d submissions, want %d", round, n, subs, subs*perFiling)
	}
	if n := q(`SELECT COUNT(*) FROM (SELECT county FROM submissions WHERE status = 'accepted' GROUP BY county
		HAVING COUNT(*) <> MAX(version) OR SUM(CASE WHEN superseded_by IS NULL THEN 1 ELSE 0 END) <> 1) x`); n != 0 {
		t.Errorf("round %d: %d counties with broken versions", round, n)
	}
	if n := q(`SELECT COUNT(*) FROM outgoing o WHERE NOT EXISTS (SELECT 1 FROM outgoing_attachments a WHERE a.outgoing = o.id)`); n != 0 {
		t.Errorf("round %d: %d outgoing mails without their attachment", round, n)
	}
	if n := q(`SELECT COUNT(*) FROM messages WHERE state = 'processed' AND id NOT IN (SELECT message FROM submissions)`); n != 0 {
		t.Errorf("round %d: %d processed messages without a submission", round, n)
	}
	t.Logf("round %d: %d submissions, %d messages", round, subs, q(`SELECT COUNT(*) FROM messages`))
}
