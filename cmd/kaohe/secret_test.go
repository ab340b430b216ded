package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jining/kaohe/internal/config"
)

// counterConfig writes a config whose IMAP and SMTP servers (smtp only when withSMTP,
// imap only when withIMAP) are srv, with the store in dir.
func counterConfig(t *testing.T, srv *connCounter, dir string, withIMAP, withSMTP bool) string {
	t.Helper()
	_, p := hostPort(srv.ln.Addr().String())
	body := fmt.Sprintf("[store]\npath = %q\n[report]\nout_dir = %q\n[checklist]\nconfirmed_years = [2026]\n", filepath.Join(dir, "kaohe.db"), filepath.Join(dir, "reports"))
	if withIMAP {
		body += fmt.Sprintf("[imap]\nhost = \"127.0.0.1\"\nport = %d\ntls = \"plain\"\nusername = \"kaohe\"\npassword_env = \"KAOHE_TEST_IMAP_PW\"\n", p)
	}
	if withSMTP {
		body += fmt.Sprintf("[smtp]\nhost = \"127.0.0.1\"\nport = %d\ntls = \"none\"\n", p)
	}
	cfg := filepath.Join(dir, fmt.Sprintf("kaohe-%v-%v.toml", withIMAP, withSMTP))
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestNoDemoSecretForRealMail: every command that mails forms or reads them back refuses
// to start on the public demo secret — none set, or the demo's own given — with a message
// naming what to set, before it opens the store or connects anywhere.
func TestNoDemoSecretForRealMail(t *testing.T) {
	srv := newConnCounter(t)
	t.Setenv("KAOHE_TEST_IMAP_PW", "pw")
	for _, secret := range []struct {
		name  string
		value *string
	}{{"unset", nil}, {"the demo's", ptr(config.DemoSecret)}} {
		for _, c := range []struct {
			args             []string
			withIMAP, noSMTP bool
		}{
			{args: []string{"serve"}, withIMAP: true},
			{args: []string{"serve"}, withIMAP: true, noSMTP: true},
			{args: []string{"dispatch", "--period", "2026-11"}},
			{args: []string{"dispatch", "--period", "2026-11"}, noSMTP: true}, // it would queue signed forms
			{args: []string{"remind", "--period", "2026-11"}},
			{args: []string{"collect"}, withIMAP: true},
			{args: []string{"deliver"}},
			{args: []string{"assess", "--period", "2026-11", "--queue"}},
		} {
			t.Run(secret.name+"/"+strings.Join(c.args, " ")+fmt.Sprintf("/imap=%v,smtp=%v", c.withIMAP, !c.noSMTP), func(t *testing.T) {
				if secret.value == nil {
					unsetEnv(t, "KAOHE_FORM_SECRET")
				} else {
					t.Setenv("KAOHE_FORM_SECRET", *secret.value)
				}
				dir := t.TempDir()
				cfg := counterConfig(t, srv, dir, c.withIMAP, !c.noSMTP)
				code, out, errs := kaohe(t, append([]string{"--config", cfg}, c.args...)...)
				if code != exitUser {
					t.Errorf("exit %d, want %d\n%s%s", code, exitUser, out, errs)
				}
				for _, want := range []string{c.args[0], "forms.secret_env", "forms.secret_file", "$KAOHE_FORM_SECRET", "public demo secret"} {
					if !strings.Contains(errs, want) {
						t.Errorf("message lacks %q: %s", want, errs)
					}
				}
				if _, err := os.Stat(filepath.Join(dir, "kaohe.db")); err == nil {
					t.Error("the store was created")
				}
				if n := srv.n.Swap(0); n != 0 {
					t.Errorf("%d connections", n)
				}
			})
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestDemoSecretAllowedOffline: what mails nothing runs on the demo secret, saying so at
// WARN where it signs or checks forms; a dry run sends nothing.
func TestDemoSecretAllowedOffline(t *testing.T) {
	srv := newConnCounter(t)
	t.Setenv("KAOHE_TEST_IMAP_PW", "pw")
	unsetEnv(t, "KAOHE_FORM_SECRET")
	dir := t.TempDir()
	cfg := counterConfig(t, srv, dir, true, true)
	form := filepath.Join(dir, "form.xlsx")
	for _, c := range []struct {
		args []string
		warn bool
	}{
		{[]string{"dispatch", "--period", "2026-11", "--dry-run"}, true},
		{[]string{"remind", "--period", "2026-11", "--dry-run"}, true},
		{[]string{"template", "--county", "370811", "--period", "2026-11", "-o", form}, true},
		{[]string{"assess", "--period", "2026-11"}, false}, // scores, queues nothing
		{[]string{"status", "--period", "2026-11"}, false},
	} {
		code, out, errs := kaohe(t, append([]string{"--config", cfg}, c.args...)...)
		if code != exitOK {
			t.Errorf("%v: exit %d\n%s%s", c.args, code, out, errs)
		}
		if got := strings.Contains(errs, "level=WARN") && strings.Contains(errs, "public demo key"); got != c.warn {
			t.Errorf("%v: demo key warning %v, want %v:\n%s", c.args, got, c.warn, errs)
		}
	}
	// check of the form just written: refused for being empty, with the warning.
	if code, _, errs := kaohe(t, "--config", cfg, "check", form); code != exitUser || !strings.Contains(errs, "public demo key") {
		t.Errorf("check: exit %d\n%s", code, errs)
	}
	if n := srv.n.Load(); n != 0 {
		t.Errorf("%d connections to the mail servers", n)
	}
	// assess --queue without an SMTP server only queues: allowed.
	cfgNoSMTP := counterConfig(t, srv, dir, false, false)
	if code, out, errs := kaohe(t, "--config", cfgNoSMTP, "assess", "--period", "2026-11", "--queue"); code != exitOK {
		t.Errorf("assess --queue without SMTP: exit %d\n%s%s", code, out, errs)
	}
}

// unsetEnv unsets key for the test and restores it after.
func unsetEnv(t *testing.T, key string) {
	t.Helper()
	old, ok := os.LookupEnv(key)
	os.Unsetenv(key)
	t.Cleanup(func() {
		if ok {
			os.Setenv(key, old)
		}
	})
}

// TestDoctorSecret: doctor fails the secret line with real servers configured, warns
// about it on the embedded defaults, and says ok when one is set.
func TestDoctorSecret(t *testing.T) {
	srv := startMailServers(t)
	dir := t.TempDir()
	cfg := srv.writeConfig(t, dir, "")
	unsetEnv(t, "KAOHE_FORM_SECRET")
	code, out, _ := kaohe(t, "--config", cfg, "doctor")
	if code != exitUser || !strings.Contains(out, "FAIL  secret") || !strings.Contains(out, "KAOHE_FORM_SECRET") {
		t.Errorf("doctor with servers and no secret: exit %d\n%s", code, out)
	}
	t.Setenv("KAOHE_FORM_SECRET", "doctor-test-secret")
	if code, out, errs := kaohe(t, "--config", cfg, "doctor"); code != exitOK || !strings.Contains(out, "ok    secret") {
		t.Errorf("doctor with a secret: exit %d\n%s%s", code, out, errs)
	}
	unsetEnv(t, "KAOHE_FORM_SECRET")
	code, out, errs := kaohe(t, "--store", filepath.Join(dir, "defaults.db"), "doctor")
	if code != exitOK || !strings.Contains(out, "warn  secret") {
		t.Errorf("doctor on the embedded defaults: exit %d\n%s%s", code, out, errs)
	}
}
