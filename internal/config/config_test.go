package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func noEnv(string) (string, bool) { return "", false }

func TestDefaults(t *testing.T) {
	c, warn, err := Load("", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Period.DeadlineDay != 25 || c.Store.Path != "kaohe.db" || c.Location.String() != "Asia/Shanghai" {
		t.Errorf("defaults: %+v", c)
	}
	if string(c.Forms.Secret) != DemoSecret || len(warn) != 1 {
		t.Errorf("secret %q, warnings %v", c.Forms.Secret, warn)
	}
	d, err := c.Deadline("2026-11")
	if err != nil || !d.Equal(time.Date(2026, 11, 25, 18, 0, 0, 0, c.Location)) {
		t.Errorf("deadline = %v, %v", d, err)
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "k.toml")
	os.WriteFile(p, []byte(`
[office]
timezon = "Asia/Shanghai"
from = "nobody"
[period]
deadline_day = 31
[imap]
host = "mail.example.org"
tls = "plain"
username = "kaohe"
[schedule]
assess = "every tuesday"
`), 0o600)
	_, _, err := Load(p, noEnv)
	var pe *ProblemsError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{`unknown key "office.timezon"`, "office.from", "deadline_day = 31", `imap.tls = "plain" is only allowed on loopback`, "imap: no password", "schedule.assess"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestSecretsFromEnvAndFile(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("s3cret\n"), 0o600)
	p := filepath.Join(dir, "k.toml")
	os.WriteFile(p, []byte(`
[imap]
host = "127.0.0.1"
tls = "plain"
username = "kaohe"
password_file = "`+pw+`"
`), 0o600)
	env := func(k string) (string, bool) {
		if k == "KAOHE_FORM_SECRET" {
			return "formkey", true
		}
		return "", false
	}
	c, warn, err := Load(p, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.IMAP.Password != "s3cret" || string(c.Forms.Secret) != "formkey" || len(warn) != 0 {
		t.Errorf("password %q secret %q warnings %v", c.IMAP.Password, c.Forms.Secret, warn)
	}
}

func TestRequireSecret(t *testing.T) {
	dir := t.TempDir()
	demoFile := filepath.Join(dir, "demo")
	os.WriteFile(demoFile, []byte(DemoSecret+"\n"), 0o600)
	ownFile := filepath.Join(dir, "own")
	os.WriteFile(ownFile, []byte("a secret of our own\n"), 0o600)
	cfgWith := func(secretFile string) string {
		p := secretFile + ".toml"
		os.WriteFile(p, []byte("[forms]\nsecret_file = \""+secretFile+"\"\n"), 0o600)
		return p
	}
	tests := []struct {
		name   string
		path   string
		env    Env
		refuse bool
	}{
		{"nothing set", "", noEnv, true},
		{"the demo secret in the variable", "", func(k string) (string, bool) { return DemoSecret, k == "KAOHE_FORM_SECRET" }, true},
		{"the demo secret in the file", cfgWith(demoFile), noEnv, true},
		{"an empty variable", "", func(k string) (string, bool) { return "", k == "KAOHE_FORM_SECRET" }, true},
		{"a secret in the variable", "", func(k string) (string, bool) { return "s3cret", k == "KAOHE_FORM_SECRET" }, false},
		{"a secret in the file", cfgWith(ownFile), noEnv, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := Load(tt.path, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			err = c.RequireSecret("serve")
			if c.DemoSecretInUse() != tt.refuse || (err != nil) != tt.refuse {
				t.Fatalf("DemoSecretInUse %v, RequireSecret %v; want refused: %v", c.DemoSecretInUse(), err, tt.refuse)
			}
			if err != nil {
				for _, want := range []string{"serve: ", "forms.secret_env", "forms.secret_file", "$KAOHE_FORM_SECRET", "demo secret"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("message lacks %q: %s", want, err)
					}
				}
			}
		})
	}
}

func TestRunLogDays(t *testing.T) {
	c, _, err := Load("", noEnv)
	if err != nil || c.Store.RunLogDays != 400 {
		t.Fatalf("default run_log_days = %v, %v; want 400", c, err)
	}
	dir := t.TempDir()
	for v, ok := range map[string]bool{"0": true, "62": true, "400": true, "30": false, "-1": false} {
		p := filepath.Join(dir, "k.toml")
		os.WriteFile(p, []byte("[store]\nrun_log_days = "+v+"\n"), 0o600)
		_, _, err := Load(p, noEnv)
		if (err == nil) != ok || (!ok && !strings.Contains(err.Error(), "store.run_log_days = "+v)) {
			t.Errorf("run_log_days = %s: %v", v, err)
		}
	}
}

func TestWebListen(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "c.pem")
	os.WriteFile(cert, []byte("x"), 0o600)
	for _, tc := range []struct {
		toml, want string // want "" = loads
	}{
		{`listen = "127.0.0.1:8080"`, ""},
		{`listen = "localhost:9000"`, ""},
		{`listen = "0.0.0.0:8080"`, "reachable from other machines"},
		{`listen = ":8080"`, "reachable from other machines"},
		{"listen = \"0.0.0.0:8080\"\nbehind_proxy = true", ""},
		{"listen = \"0.0.0.0:8443\"\ntls_cert = '" + cert + "'\ntls_key = '" + cert + "'", ""},
		{"listen = \"0.0.0.0:8443\"\ntls_cert = '" + cert + "'", "go together"},
		{`listen = "8080"`, "want host:port"},
	} {
		p := filepath.Join(dir, "k.toml")
		os.WriteFile(p, []byte("[web]\n"+tc.toml+"\n"), 0o600)
		c, _, err := Load(p, noEnv)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.toml, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err %v, want %q", tc.toml, err, tc.want)
		case tc.want == "" && c.Web.SessionHours != 12:
			t.Errorf("%s: session_hours %d", tc.toml, c.Web.SessionHours)
		}
	}
}
