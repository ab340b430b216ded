package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

const (
	testUser = "intake@jining.example"
	testPass = "s3cret"
)

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func startTestIMAP(t *testing.T, caps imap.CapSet) *IMAPServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s, err := startIMAPServer(ctx, testLogger(t), map[string]string{testUser: testPass}, imapServerOptions{caps: caps})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func testIMAPConfig(t testing.TB, s *IMAPServer) IMAPConfig {
	t.Helper()
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return IMAPConfig{Host: host, Port: p, TLS: "plain", Username: testUser, Password: testPass, Timeout: 5 * time.Second}
}

// rawClient logs in with a plain go-imap client, as a county's mail server
// delivering (APPEND) or an operator looking would.
func rawClient(t *testing.T, s *IMAPServer) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(testUser, testPass).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

func appendIMAP(t *testing.T, c *imapclient.Client, mailbox string, raw []byte) {
	t.Helper()
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

func testRaw(i int) []byte {
	return fmt.Appendf(nil, "From: county%d@county.example\r\nSubject: form %d\r\nMessage-ID: <m%d@county.example>\r\n\r\nbody %d\r\n", i, i, i, i)
}

func dialTest(t *testing.T, cfg IMAPConfig) *Inbox {
	t.Helper()
	in, err := DialIMAP(context.Background(), cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := in.Close(); err != nil {
			t.Errorf("inbox close: %v", err)
		}
	})
	return in
}

func mailboxCount(t *testing.T, c *imapclient.Client, mailbox string) uint32 {
	t.Helper()
	st, err := c.Status(mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return *st.NumMessages
}

func TestInboxUnprocessedMark(t *testing.T) {
	for _, tc := range []struct {
		name string
		caps imap.CapSet
	}{
		{"IMAP4rev2", nil},
		{"IMAP4rev1 without MOVE", imap.CapSet{imap.CapIMAP4rev1: {}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startTestIMAP(t, tc.caps)
			rc := rawClient(t, s)
			for i := 1; i <= 3; i++ {
				appendIMAP(t, rc, "INBOX", testRaw(i))
			}
			in := dialTest(t, testIMAPConfig(t, s))
			ctx := context.Background()

			got, err := in.Unprocessed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 {
				t.Fatalf("%d messages, want 3", len(got))
			}
			for i, f := range got {
				if !bytes.Equal(f.Raw, testRaw(i+1)) || f.Mailbox != "INBOX" || f.UIDValidity == 0 || f.InternalDate.IsZero() {
					t.Errorf("message %d = %+v", i, f)
				}
				if i > 0 && f.UID <= got[i-1].UID {
					t.Errorf("UIDs not ascending")
				}
			}
			// PEEK: nothing became \Seen.
			if _, err := rc.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
				t.Fatal(err)
			}
			seen, err := rc.UIDSearch(&imap.SearchCriteria{Flag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
			if err != nil {
				t.Fatal(err)
			}
			if n := len(seen.AllUIDs()); n != 0 {
				t.Errorf("%d messages marked \\Seen by the fetch", n)
			}

			if err := in.MarkProcessed(ctx, got[0].UIDValidity, got[0].UID); err != nil {
				t.Fatal(err)
			}
			left, err := in.Unprocessed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(left) != 2 || left[0].UID != got[1].UID {
				t.Fatalf("after marking one: %d left", len(left))
			}
			for _, f := range left {
				if err := in.MarkProcessed(ctx, f.UIDValidity, f.UID); err != nil {
					t.Fatal(err)
				}
			}
			if left, err = in.Unprocessed(ctx); err != nil || len(left) != 0 {
				t.Fatalf("after marking all: %d left, err %v", len(left), err)
			}
			if err := in.MarkProcessed(ctx, got[0].UIDValidity+1, got[0].UID); !errors.Is(err, ErrUIDValidity) {
				t.Errorf("mark with stale UIDVALIDITY: %v", err)
			}

			// A new arrival is the only one returned.
			appendIMAP(t, rc, "INBOX", testRaw(4))
			if left, err = in.Unprocessed(ctx); err != nil || len(left) != 1 || !bytes.Equal(left[0].Raw, testRaw(4)) {
				t.Fatalf("after new arrival: %d, %v", len(left), err)
			}
		})
	}
}

func TestInboxMoveTo(t *testing.T) {
	for _, tc := range []struct {
		name string
		caps imap.CapSet
	}{
		{"MOVE", nil},
		{"COPY+EXPUNGE fallback", imap.CapSet{imap.CapIMAP4rev1: {}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startTestIMAP(t, tc.caps)
			ctx := context.Background()
			for i := 1; i <= 3; i++ {
				if err := s.Append(ctx, testUser, "INBOX", testRaw(i)); err != nil {
					t.Fatal(err)
				}
			}
			cfg := testIMAPConfig(t, s)
			cfg.MoveTo = "Kaohe/Done"
			in := dialTest(t, cfg)
			got, err := in.Unprocessed(ctx)
			if err != nil || len(got) != 3 {
				t.Fatalf("%d, %v", len(got), err)
			}
			if err := in.MarkProcessed(ctx, got[1].UIDValidity, got[1].UID); err != nil {
				t.Fatal(err)
			}
			rc := rawClient(t, s)
			if n := mailboxCount(t, rc, "INBOX"); n != 2 {
				t.Errorf("INBOX holds %d, want 2", n)
			}
			if n := mailboxCount(t, rc, "Kaohe/Done"); n != 1 {
				t.Errorf("Kaohe/Done holds %d, want 1", n)
			}
			left, err := in.Unprocessed(ctx)
			if err != nil || len(left) != 2 || left[0].UID != got[0].UID || left[1].UID != got[2].UID {
				t.Fatalf("left %v, %v", left, err)
			}
		})
	}
}

// A crash between STORE and MOVE leaves a flagged message in INBOX; the next
// scan moves it and does not return it.
func TestInboxMovesLeftovers(t *testing.T) {
	s := startTestIMAP(t, nil)
	ctx := context.Background()
	if err := s.Append(ctx, testUser, "INBOX", testRaw(1)); err != nil {
		t.Fatal(err)
	}
	rc := rawClient(t, s)
	if _, err := rc.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := rc.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{DefaultProcessedKeyword}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	cfg := testIMAPConfig(t, s)
	cfg.MoveTo = "Done"
	in := dialTest(t, cfg)
	got, err := in.Unprocessed(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("%d, %v", len(got), err)
	}
	if n := mailboxCount(t, rc, "Done"); n != 1 {
		t.Errorf("Done holds %d, want 1", n)
	}
}

func TestInboxIdleWakesOnAppend(t *testing.T) {
	deliveries := map[string]func(t *testing.T, s *IMAPServer){
		"client APPEND": func(t *testing.T, s *IMAPServer) { appendIMAP(t, rawClient(t, s), "INBOX", testRaw(1)) },
		"server delivery": func(t *testing.T, s *IMAPServer) {
			if err := s.Append(context.Background(), testUser, "INBOX", testRaw(1)); err != nil {
				t.Error(err)
			}
		},
	}
	for name, deliver := range deliveries {
		t.Run(name, func(t *testing.T) {
			s := startTestIMAP(t, nil)
			in := dialTest(t, testIMAPConfig(t, s))
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if got, err := in.Unprocessed(ctx); err != nil || len(got) != 0 {
				t.Fatalf("%d, %v", len(got), err)
			}
			done := make(chan error, 1)
			go func() { done <- in.Wait(ctx, time.Hour) }()
			time.Sleep(100 * time.Millisecond) // let IDLE start (it also works if it has not)
			deliver(t, s)
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-ctx.Done():
				t.Fatal("Wait did not return after the delivery")
			}
			got, err := in.Unprocessed(ctx)
			if err != nil || len(got) != 1 {
				t.Fatalf("%d, %v", len(got), err)
			}
			// Wait honours ctx.
			short, cancelShort := context.WithCancel(ctx)
			cancelShort()
			if err := in.Wait(short, time.Hour); !errors.Is(err, context.Canceled) {
				t.Errorf("Wait with cancelled ctx: %v", err)
			}
		})
	}
}

func TestInboxWaitPollBound(t *testing.T) {
	// The poll bound holds even with IDLE: Wait returns after poll.
	s := startTestIMAP(t, nil)
	in := dialTest(t, testIMAPConfig(t, s))
	if err := in.Wait(context.Background(), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Unprocessed(context.Background()); err != nil {
		t.Fatalf("after Wait: %v", err)
	}
}

func TestInboxDroppedMidFetch(t *testing.T) {
	s := startTestIMAP(t, nil)
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		if err := s.Append(ctx, testUser, "INBOX", testRaw(i)); err != nil {
			t.Fatal(err)
		}
	}
	s.DropAfter(2)
	in := dialTest(t, testIMAPConfig(t, s))
	got, err := in.Unprocessed(ctx)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Unprocessed on a dropped connection = %d, %v; want ErrUnreachable", len(got), err)
	}
	got, err = in.Unprocessed(ctx)
	if err != nil {
		t.Fatalf("second call did not recover: %v", err)
	}
	if len(got) != 5 {
		t.Fatalf("%d messages after reconnect, want 5", len(got))
	}
	if err := in.MarkProcessed(ctx, got[0].UIDValidity, got[0].UID); err != nil {
		t.Fatal(err)
	}
}

func TestDialIMAPErrors(t *testing.T) {
	s := startTestIMAP(t, nil)
	good := testIMAPConfig(t, s)

	bad := good
	bad.Password = "wrong"
	if _, err := DialIMAP(context.Background(), bad, testLogger(t)); !errors.Is(err, ErrAuth) {
		t.Errorf("wrong password: %v, want ErrAuth", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := good
	closed.Port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if _, err := DialIMAP(context.Background(), closed, testLogger(t)); !errors.Is(err, ErrUnreachable) {
		t.Errorf("closed port: %v, want ErrUnreachable", err)
	}

	remote := good
	remote.Host = "imap.example.com"
	if _, err := DialIMAP(context.Background(), remote, testLogger(t)); !errors.Is(err, ErrConfig) {
		t.Errorf("plain to a remote host: %v, want ErrConfig", err)
	}

	tlsToPlain := good
	tlsToPlain.TLS = "tls"
	if _, err := DialIMAP(context.Background(), tlsToPlain, testLogger(t)); !errors.Is(err, ErrUnreachable) {
		t.Errorf("TLS to a plain server: %v, want ErrUnreachable", err)
	}
}

func TestIMAPServerAppendUnknownUser(t *testing.T) {
	s := startTestIMAP(t, nil)
	if err := s.Append(context.Background(), "nobody", "INBOX", testRaw(1)); err == nil {
		t.Error("append for an unknown user succeeded")
	}
	if err := s.Append(context.Background(), testUser, "Nope", testRaw(1)); err == nil {
		t.Error("append to a missing mailbox succeeded")
	}
}
