package mail

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// A server that refuses SELECT until the client sent ID (163.com's "Unsafe Login"):
// a plain client that skips ID is refused, DialIMAP sends ID after login and gets in.
func TestDialIMAPSendsID(t *testing.T) {
	s := startTestIMAP(t, nil)
	s.RequireID(true)
	ctx := context.Background()
	if err := s.Append(ctx, testUser, "INBOX", testRaw(1)); err != nil {
		t.Fatal(err)
	}

	raw := rawClient(t, s)
	if !raw.Caps().Has(imap.CapID) {
		t.Errorf("server caps %v: no ID", raw.Caps())
	}
	_, err := raw.Select("INBOX", nil).Wait()
	var ie *imap.Error
	if !errors.As(err, &ie) || !strings.Contains(ie.Text, "Unsafe Login") {
		t.Fatalf("SELECT without ID: %v, want NO Unsafe Login", err)
	}
	if got := s.ClientIDs(); len(got) != 0 {
		t.Fatalf("IDs before any: %q", got)
	}

	cfg := testIMAPConfig(t, s)
	cfg.ClientVersion = "1.2.3"
	in := dialTest(t, cfg)
	got, err := in.Unprocessed(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("after ID: %d messages, %v", len(got), err)
	}
	ids := s.ClientIDs()
	if len(ids) != 1 || !strings.Contains(ids[0], `"name" "kaohe"`) || !strings.Contains(ids[0], `"version" "1.2.3"`) {
		t.Errorf("server saw ID %q, want name kaohe version 1.2.3", ids)
	}
	info := in.Info()
	if !info.IDAccepted || info.ServerID != "kaohe-embedded kaohe" {
		t.Errorf("info %+v: want ID accepted by kaohe-embedded", info)
	}
	if !strings.Contains(strings.Join(info.Caps, " "), "ID") || !strings.Contains(strings.Join(info.Caps, " "), "IMAP4rev1") {
		t.Errorf("caps %v", info.Caps)
	}

	// The same server without the requirement lets a client without ID in.
	s.RequireID(false)
	raw2 := rawClient(t, s)
	if _, err := raw2.Select("INBOX", nil).Wait(); err != nil {
		t.Errorf("SELECT without ID, not required: %v", err)
	}
}

// EXAMINE is refused like SELECT until ID, whoever the client says it is.
func TestUnsafeLoginRefused(t *testing.T) {
	s := startTestIMAP(t, nil)
	s.RequireID(true)
	c := rawClient(t, s)
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err == nil {
		t.Fatal("EXAMINE without ID accepted")
	}
	if _, err := c.ID(&imap.IDData{Name: "other"}).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatalf("EXAMINE after ID: %v", err)
	}
}
