package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jining/kaohe/internal/mail"
)

// kaohe runs the CLI in-process and returns its exit code, stdout and stderr.
func kaohe(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageAndVersion(t *testing.T) {
	if code, out, _ := kaohe(t, "version"); code != 0 || !strings.Contains(out, "42 tasks") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errs := kaohe(t, "frobnicate"); code != exitUsage {
		t.Errorf("unknown command: exit %d (%s)", code, errs)
	}
	if code, _, _ := kaohe(t, "assess", "--period", "2026-13", "--store", filepath.Join(t.TempDir(), "k.db")); code != exitUsage {
		t.Errorf("bad period: exit %d", code)
	}
}

func TestInitAndConfigProblems(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kaohe.toml")
	if code, _, errs := kaohe(t, "init", cfg); code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	if code, _, _ := kaohe(t, "init", cfg); code != exitUser {
		t.Errorf("init over an existing file: exit %d", code)
	}
	b, _ := os.ReadFile(cfg)
	bad := strings.Replace(string(b), "deadline_day = 25", "deadline_dya = 25", 1)
	bad = strings.Replace(bad, `timezone = "Asia/Shanghai"`, `timezone = "Mars/Olympus"`, 1)
	os.WriteFile(cfg, []byte(bad), 0o644)
	code, out, _ := kaohe(t, "--config", cfg, "doctor")
	if code != exitUser {
		t.Errorf("doctor on a bad config: exit %d", code)
	}
	for _, want := range []string{`unknown key "period.deadline_dya"`, "Mars/Olympus"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
}

func TestTemplateCheckImportAssess(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	form := filepath.Join(dir, "form.xlsx")
	if code, out, errs := kaohe(t, "--store", db, "template", "--county", "370811", "--period", "2026-11", "-o", form); code != 0 {
		t.Fatalf("template: %d %s %s", code, out, errs)
	}
	// An empty form is refused, one line per problem naming sheet and cell.
	code, _, errs := kaohe(t, "check", form)
	if code != exitUser || !strings.Contains(errs, "重点任务!E2：") {
		t.Fatalf("check of an empty form: exit %d\n%s", code, errs)
	}
	if code, out, _ := kaohe(t, "--store", db, "import", form); code != exitUser || !strings.Contains(out, "未通过校验") {
		t.Errorf("import of an empty form: exit %d %s", code, out)
	}
	// The embedded checklist was issued for 2019: a 2026 period is refused (exit 1) until
	// the office confirms the checklist for 2026, and the message names the setting.
	code, out, errs := kaohe(t, "--store", db, "assess", "--period", "2026-11", "--format", "csv")
	if code != exitUser || !strings.Contains(errs, "checklist.confirmed_years") || !strings.Contains(errs, "issued for 2019") ||
		!strings.Contains(errs, "add 2026") || out != "" {
		t.Errorf("assess of an unconfirmed year: %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := kaohe(t, "--store", db, "assess", "--period", "2019-11", "--format", "csv"); code != 0 || !strings.Contains(out, "任城区,,未报送") {
		t.Errorf("assess of the checklist's own year: %d\n%s\n%s", code, out, errs)
	}
	confirmed := confirmedConfig(t)
	code, out, errs = kaohe(t, "--config", confirmed, "--store", db, "assess", "--period", "2026-11", "--format", "csv")
	if code != 0 || !strings.Contains(out, "rank,code,county,total,grade") || !strings.Contains(out, "任城区,,未报送") {
		t.Errorf("assess: %d\n%s\n%s", code, out, errs)
	}
	if code, out, _ := kaohe(t, "--store", db, "status", "--period", "2026-11"); code != 0 || !strings.Contains(out, "被退回") {
		t.Errorf("status: %d\n%s", code, out)
	}
	// verify-report: the rendered notice is recognised; a copy with a changed byte is not.
	reports := filepath.Join(dir, "reports")
	if code, out, errs := kaohe(t, "--config", confirmed, "--store", db, "assess", "--period", "2026-11", "--out", reports); code != 0 {
		t.Fatalf("assess --out: %d\n%s\n%s", code, out, errs)
	}
	pdf := filepath.Join(reports, "2026-11", "370811.pdf")
	if code, out, errs := kaohe(t, "--store", db, "verify-report", pdf); code != 0 || !strings.Contains(out, "issued by kaohe") || !strings.Contains(out, "任城区") {
		t.Errorf("verify-report: %d\n%s\n%s", code, out, errs)
	}
	b, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	forged := filepath.Join(dir, "任城区_2026-11_考核报告.pdf")
	if err := os.WriteFile(forged, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := kaohe(t, "--store", db, "verify-report", forged); code != exitUser || !strings.Contains(errs, "not a report kaohe issued") {
		t.Errorf("verify-report of a changed copy: %d\n%s", code, errs)
	}
}

func TestDoctorWithServers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	imapSrv, err := mail.StartIMAPServer(ctx, log, map[string]string{"kaohe": "pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer imapSrv.Close()
	sink, err := mail.StartSMTPSink(ctx, log, mail.SinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	dir := t.TempDir()
	ih, ip := hostPort(imapSrv.Addr)
	sh, sp := hostPort(sink.Addr)
	cfg := filepath.Join(dir, "k.toml")
	write := func(imapPort int) {
		os.WriteFile(cfg, []byte(fmt.Sprintf(`
[store]
path = %q
[imap]
host = %q
port = %d
tls = "plain"
username = "kaohe"
password_env = "KAOHE_TEST_IMAP_PW"
[smtp]
host = %q
port = %d
tls = "none"
`, filepath.Join(dir, "k.db"), ih, imapPort, sh, sp)), 0o644)
	}
	t.Setenv("KAOHE_TEST_IMAP_PW", "pw")
	t.Setenv("KAOHE_FORM_SECRET", "doctor-test-secret") // without one, doctor fails the secret line (TestDoctorSecret)
	write(ip)
	imapSrv.RequireID(true) // as 163.com: no SELECT without ID
	code, out, errs := kaohe(t, "--config", cfg, "doctor")
	if code != 0 || !strings.Contains(out, "ok    imap") || !strings.Contains(out, "ok    smtp") {
		t.Fatalf("doctor: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"capabilities: CHILDREN ENABLE ESEARCH ID IDLE IMAP4rev1", "ID accepted (server: kaohe-embedded kaohe)", "size limit 64.0 MB"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	// A mailbox that is not there: exit 3, one FAIL line.
	write(1)
	code, out, _ = kaohe(t, "--config", cfg, "doctor")
	if code != exitUnreachable || !strings.Contains(out, "FAIL  imap") {
		t.Errorf("doctor with no IMAP server: exit %d\n%s", code, out)
	}
	t.Setenv("KAOHE_TEST_IMAP_PW", "wrong")
	write(ip)
	code, out, _ = kaohe(t, "--config", cfg, "doctor")
	if code != exitUser || !strings.Contains(out, "FAIL  imap") {
		t.Errorf("doctor with a wrong password: exit %d\n%s", code, out)
	}
}

// TestOutputEndsWithNewline: what version and template print ends with a newline, so a
// shell prompt never follows it on the same line.
func TestOutputEndsWithNewline(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"version"},
		{"--store", filepath.Join(dir, "k.db"), "template", "--county", "370811", "--period", "2026-11", "-o", filepath.Join(dir, "f.xlsx")},
	} {
		code, out, errs := kaohe(t, args...)
		if code != exitOK || !strings.HasSuffix(out, "\n") || strings.HasSuffix(out, "\n\n") {
			t.Errorf("%v: exit %d, output %q\n%s", args, code, out, errs)
		}
	}
}

// TestImportReceived: --received sets the received time (RFC 3339, or office time);
// without it the file's modification time is used.
func TestImportReceived(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	// Three copies of an empty form for three counties (each is refused, and recorded as
	// received when it was).
	mtime := time.Date(2026, 11, 19, 8, 30, 0, 0, time.FixedZone("CST", 8*3600))
	for _, c := range []string{"370811", "370812", "370826"} {
		f := filepath.Join(dir, c+".xlsx")
		if code, out, errs := kaohe(t, "--store", db, "template", "--county", c, "--period", "2026-11", "-o", f); code != 0 {
			t.Fatalf("template: %d %s %s", code, out, errs)
		}
		if err := os.Chtimes(f, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errs := kaohe(t, "--store", db, "import", "--received", "2026-11-20 15:04", filepath.Join(dir, "370811.xlsx")); code != exitUser {
		t.Fatalf("import: exit %d %s", code, errs)
	}
	if code, _, errs := kaohe(t, "--store", db, "import", "--received", "2026-11-26T01:02:00Z", filepath.Join(dir, "370812.xlsx")); code != exitUser {
		t.Fatalf("import: exit %d %s", code, errs)
	}
	if code, _, errs := kaohe(t, "--store", db, "import", filepath.Join(dir, "370826.xlsx")); code != exitUser {
		t.Fatalf("import: exit %d %s", code, errs)
	}
	if code, _, errs := kaohe(t, "--store", db, "import", "--received", "20.11.2026", filepath.Join(dir, "370826.xlsx")); code != exitUsage || !strings.Contains(errs, "--received") {
		t.Errorf("a malformed --received: exit %d %s", code, errs)
	}
	code, out, errs := kaohe(t, "--store", db, "status", "--period", "2026-11")
	if code != 0 {
		t.Fatalf("status: %d %s", code, errs)
	}
	// status prints received times in office time (Asia/Shanghai).
	for _, want := range []string{"11-20 15:04  import", "11-26 09:02  import", "11-19 08:30  import"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}

// confirmedConfig writes a config that confirms the embedded checklist (issued for 2019)
// for 2026, the year the tests assess, and returns its path.
func confirmedConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "confirmed.toml")
	if err := os.WriteFile(p, []byte("[checklist]\nconfirmed_years = [2026]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// doctor's "certificate signed by unknown authority" line names the setting that fixes it.
func TestCAHint(t *testing.T) {
	err := fmt.Errorf("mail server unreachable: imap x:993: tls: %w", x509.UnknownAuthorityError{})
	if got := caHint(err, "imap.ca_file"); !strings.Contains(got.Error(), "set imap.ca_file") || !errors.Is(got, err) {
		t.Errorf("hint: %v", got)
	}
	other := errors.New("connection refused")
	if got := caHint(other, "smtp.ca_file"); got != other {
		t.Errorf("other errors unchanged: %v", got)
	}
	if caHint(nil, "smtp.ca_file") != nil {
		t.Error("nil")
	}
}

// kaohe outbox says, under smtp.daily_limit, how much of today's quota is used and how
// many queued mails wait for tomorrow.
func TestOutboxDailyLimit(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "k.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("[store]\npath = %q\n[smtp]\ndaily_limit = 5\n", filepath.Join(dir, "k.db"))), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KAOHE_FORM_SECRET", "outbox-test-secret")
	if code, out, errs := kaohe(t, "--config", cfg, "dispatch", "--period", "2026-11"); code != 0 {
		t.Fatalf("dispatch: %d\n%s%s", code, out, errs)
	}
	code, out, errs := kaohe(t, "--config", cfg, "outbox")
	if code != 0 || !strings.Contains(out, "daily limit 5 (smtp.daily_limit): 0 sent today") ||
		!strings.Contains(out, "14 queued due; 9 wait for tomorrow") {
		t.Errorf("outbox: %d\n%s%s", code, out, errs)
	}
}
