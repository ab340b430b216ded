// Package config reads kaohe's TOML configuration and the secrets it names, and checks
// it, reporting every problem at once with a hint.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/robfig/cron/v3"

	"github.com/jining/kaohe"
)

// Example returns the documented sample configuration (config.example.toml).
func Example() []byte { return bytes.Clone(kaohe.ConfigExample) }

// Config is the whole configuration.
type Config struct {
	Office    Office    `toml:"office"`
	Checklist Checklist `toml:"checklist"`
	Roster    FileRef   `toml:"roster"`
	Period    Period    `toml:"period"`
	Store     Store     `toml:"store"`
	Forms     Forms     `toml:"forms"`
	IMAP      IMAP      `toml:"imap"`
	SMTP      SMTP      `toml:"smtp"`
	Report    Report    `toml:"report"`
	Schedule  Schedule  `toml:"schedule"`
	Web       Web       `toml:"web"`
	// Escalation is the 督办 ladder for a task red month after month (deadlines.go).
	Escalation Escalation `toml:"escalation"`
	Review     Review     `toml:"review"`

	// Location is Office.Timezone loaded; set by Load.
	Location *time.Location `toml:"-"`
	// Path is the file the config came from ("" for the defaults).
	Path string `toml:"-"`

	holidays *Holidays // schedule.holidays read; nil: none
}

// Office is who sends.
type Office struct {
	Name     string `toml:"name"`
	From     string `toml:"from"`
	Timezone string `toml:"timezone"`
	Operator string `toml:"operator"` // who records adjustments when --by is not given; "": $USER
	Contact  string `toml:"contact"`  // whom counties ask, named in mails and notices; empty: the office
}

// Checklist names the checklist file and the years the office has confirmed it for.
type Checklist struct {
	File string `toml:"file"`
	// ConfirmedYears are years, besides the checklist's own year, the office has confirmed
	// the checklist for (added to the checklist's confirmed_years): a period of any other
	// year is not assessed.
	ConfirmedYears []int `toml:"confirmed_years"`
}

// FileRef names an optional data file.
type FileRef struct {
	File string `toml:"file"`
}

// Period holds the monthly deadline.
type Period struct {
	DeadlineDay  int `toml:"deadline_day"`
	DeadlineHour int `toml:"deadline_hour"`
	// LockAfterDays: this many days after the deadline the period is locked: a form
	// arriving later is stored but not scored, unless the office extended the county's
	// deadline (kaohe extend). 0: never locked.
	LockAfterDays int `toml:"lock_after_days"`
}

// Store is where the SQLite database lives.
type Store struct {
	Path string `toml:"path"`
	// RunLogDays: runs older than this many days are pruned from the run log (0: kept).
	RunLogDays int `toml:"run_log_days"`
}

// Forms configures form signing and intake limits.
type Forms struct {
	SecretEnv       string `toml:"secret_env"`
	SecretFile      string `toml:"secret_file"`
	MaxAttachmentMB int    `toml:"max_attachment_mb"`
	// Evidence files kept per mail, and the size of each (MiB).
	EvidenceMaxFiles int `toml:"evidence_max_files"`
	EvidenceMaxMB    int `toml:"evidence_max_mb"`

	Secret []byte `toml:"-"` // resolved by Load
}

// IMAP is the intake mailbox.
type IMAP struct {
	Host             string `toml:"host"`
	Port             int    `toml:"port"`
	TLS              string `toml:"tls"`
	Username         string `toml:"username"`
	PasswordEnv      string `toml:"password_env"`
	PasswordFile     string `toml:"password_file"`
	Mailbox          string `toml:"mailbox"`
	ProcessedKeyword string `toml:"processed_keyword"`
	MoveTo           string `toml:"move_to"`
	PollSeconds      int    `toml:"poll_seconds"`
	CAFile           string `toml:"ca_file"`

	Password string `toml:"-"` // resolved by Load; never logged
}

// SMTP is the outgoing server.
type SMTP struct {
	Host             string `toml:"host"`
	Port             int    `toml:"port"`
	TLS              string `toml:"tls"`
	Username         string `toml:"username"`
	PasswordEnv      string `toml:"password_env"`
	PasswordFile     string `toml:"password_file"`
	Helo             string `toml:"helo"`
	RatePerMinute    int    `toml:"rate_per_minute"`
	Connections      int    `toml:"connections"`
	BatchSize        int    `toml:"batch_size"`
	MaxAttempts      int    `toml:"max_attempts"`
	RetryBaseSeconds int    `toml:"retry_base_seconds"`
	RetryMaxSeconds  int    `toml:"retry_max_seconds"`
	CAFile           string `toml:"ca_file"`
	DailyLimit       int    `toml:"daily_limit"` // mails a day (office time), 0: no limit

	Password string `toml:"-"` // resolved by Load; never logged
}

// Report configures rendering.
type Report struct {
	OutDir  string   `toml:"out_dir"`
	FontTTF string   `toml:"font_ttf"`
	Workers int      `toml:"workers"`
	Leaders []string `toml:"leaders"`
	// SummaryTo says who gets the summary 通报: SummaryLeaders, or SummaryAll (the
	// leaders, and every county beside its own report in one mail).
	SummaryTo string `toml:"summary_to"`
}

// Values of report.summary_to.
const (
	SummaryLeaders = "leaders"
	SummaryAll     = "all"
)

// Schedule holds the cron expressions of the scheduled jobs.
type Schedule struct {
	Dispatch string `toml:"dispatch"`
	// Remind is the cron expression of the single reminder of earlier versions: replaced
	// by Reminders, ignored with a warning when set.
	Remind string `toml:"remind"`
	// Reminders are the reminders' times relative to the deadline, e.g. "-3d 09:00",
	// "+1d 09:00" (ParseReminder).
	Reminders []string `toml:"reminders"`
	// Holidays names a file of dates (deadlines.go, ReadHolidays) on which no reminder
	// is sent; "": none.
	Holidays          string `toml:"holidays"`
	Assess            string `toml:"assess"`
	Deliver           string `toml:"deliver"`
	Retries           int    `toml:"retries"`
	RetryDelaySeconds int    `toml:"retry_delay_seconds"`
}

// Web is the office console (kaohe web; beside kaohe serve when Enabled).
type Web struct {
	Enabled bool   `toml:"enabled"`
	Listen  string `toml:"listen"`
	// TLSCert and TLSKey (PEM files) serve HTTPS; needed on an address other than
	// loopback unless BehindProxy says a reverse proxy in front terminates TLS.
	TLSCert      string `toml:"tls_cert"`
	TLSKey       string `toml:"tls_key"`
	BehindProxy  bool   `toml:"behind_proxy"`
	SessionHours int    `toml:"session_hours"`
}

// TLS reports whether the console serves HTTPS itself.
func (w Web) TLS() bool { return w.TLSCert != "" && w.TLSKey != "" }

// Review is the office's review of accepted forms (kaohe review).
type Review struct {
	// Required: an accepted form is 待审核 until the office approves it (kaohe review
	// approve), and only approved forms are assessed. false: a form that passes
	// validation is final, as before.
	Required bool `toml:"required"`
}

// DemoSecret signs forms when no secret is configured. Fine for the demo, not for real use:
// Load warns about it through Warnings.
const DemoSecret = "kaohe-demo-secret-do-not-use"

// DemoSecretInUse reports whether forms are signed and checked with the public demo
// secret: no secret is configured (Load then falls back to DemoSecret), or the one
// configured is DemoSecret itself.
func (c *Config) DemoSecretInUse() bool {
	return len(c.Forms.Secret) == 0 || string(c.Forms.Secret) == DemoSecret
}

// RequireSecret returns an error naming what to set when DemoSecretInUse: a command that
// mails forms to counties or reads them back must not run on the public demo secret,
// which would let anyone sign a form as another county's. what names the command.
func (c *Config) RequireSecret(what string) error {
	if !c.DemoSecretInUse() {
		return nil
	}
	env := "the environment variable forms.secret_env names"
	if c.Forms.SecretEnv != "" {
		env = "$" + c.Forms.SecretEnv + " (named by forms.secret_env)"
	}
	return fmt.Errorf("%s: refusing to run without a form secret: forms would be signed and checked with the public demo secret, "+
		"so anyone could pass a form off as another county's. Set %s or forms.secret_file "+
		"to a long random value of your own (e.g. from `openssl rand -hex 32`) and keep it: forms already sent are checked with it",
		what, env)
}

// Default returns the configuration with every default, as documented in config.example.toml.
func Default() *Config {
	var c Config
	if _, err := toml.Decode(string(kaohe.ConfigExample), &c); err != nil {
		panic(err) // the embedded example is tested
	}
	return &c
}

// ProblemsError lists every problem of a configuration, each with a hint.
type ProblemsError struct {
	Path     string
	Problems []string
}

func (e *ProblemsError) Error() string {
	return fmt.Sprintf("config %s: %d problem(s):\n  %s", e.Path, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// Env looks up environment variables; os.LookupEnv in production, a map in tests.
type Env func(string) (string, bool)

// Load reads the config file at path (or the defaults when path is ""), resolves secrets
// from the environment or files, and checks everything. It returns a *ProblemsError listing
// every problem at once, including unknown (misspelt) keys. Warnings are things that work
// but should not stay so (e.g. the demo form secret).
func Load(path string, env Env) (c *Config, warnings []string, err error) {
	if env == nil {
		env = os.LookupEnv
	}
	c = Default()
	c.Path = path
	var probs []string
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		md, err := toml.Decode(string(b), c)
		if err != nil {
			return nil, nil, &ProblemsError{Path: path, Problems: []string{err.Error()}}
		}
		for _, k := range md.Undecoded() {
			probs = append(probs, fmt.Sprintf("unknown key %q: misspelt? every key is listed in config.example.toml (kaohe init)", k.String()))
		}
	}
	probs = append(probs, c.resolve(env, &warnings)...)
	probs = append(probs, c.check()...)
	if c.Schedule.Remind != "" {
		warnings = append(warnings, fmt.Sprintf("schedule.remind = %q is ignored: reminders are now schedule.reminders, relative to the deadline (see config.example.toml)", c.Schedule.Remind))
	}
	if len(probs) > 0 {
		return nil, warnings, &ProblemsError{Path: nameOr(path), Problems: probs}
	}
	return c, warnings, nil
}

func nameOr(p string) string {
	if p == "" {
		return "(defaults)"
	}
	return p
}

// secret reads a secret from the named environment variable or file; what names the key.
func secret(env Env, envName, file, what string) (string, []string) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", []string{fmt.Sprintf("%s: cannot read %s_file %q: %v", what, what, file, err)}
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if envName != "" {
		if v, ok := env(envName); ok {
			return v, nil
		}
	}
	return "", nil
}

func (c *Config) resolve(env Env, warnings *[]string) []string {
	var probs []string
	s, p := secret(env, c.Forms.SecretEnv, c.Forms.SecretFile, "forms.secret")
	probs = append(probs, p...)
	if s == "" {
		s = DemoSecret
		*warnings = append(*warnings, fmt.Sprintf("forms: no secret in $%s or forms.secret_file: forms are signed with the public demo secret", c.Forms.SecretEnv))
	}
	c.Forms.Secret = []byte(s)
	if c.IMAP.Host != "" {
		c.IMAP.Password, p = secret(env, c.IMAP.PasswordEnv, c.IMAP.PasswordFile, "imap.password")
		probs = append(probs, p...)
		if c.IMAP.Password == "" {
			probs = append(probs, fmt.Sprintf("imap: no password: set $%s or imap.password_file", c.IMAP.PasswordEnv))
		}
	}
	if c.SMTP.Host != "" && c.SMTP.Username != "" {
		c.SMTP.Password, p = secret(env, c.SMTP.PasswordEnv, c.SMTP.PasswordFile, "smtp.password")
		probs = append(probs, p...)
		if c.SMTP.Password == "" {
			probs = append(probs, fmt.Sprintf("smtp: username set but no password: set $%s or smtp.password_file", c.SMTP.PasswordEnv))
		}
	}
	return probs
}

// IsLoopback reports whether host names this machine.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Config) check() []string {
	var p []string
	add := func(f string, a ...any) { p = append(p, fmt.Sprintf(f, a...)) }
	loc, err := time.LoadLocation(c.Office.Timezone)
	if err != nil {
		add("office.timezone %q: %v (hint: an IANA name such as Asia/Shanghai)", c.Office.Timezone, err)
		loc = time.FixedZone("CST", 8*3600)
	}
	c.Location = loc
	if _, err := mail.ParseAddress(c.Office.From); err != nil {
		add("office.from %q is not an e-mail address", c.Office.From)
	}
	for _, y := range c.Checklist.ConfirmedYears {
		if y < 2000 || y > 2100 {
			add("checklist.confirmed_years: %d is not a year", y)
		}
	}
	if c.Period.DeadlineDay < 1 || c.Period.DeadlineDay > 28 {
		add("period.deadline_day = %d: must be 1–28 (every month has it)", c.Period.DeadlineDay)
	}
	if c.Period.DeadlineHour < 0 || c.Period.DeadlineHour > 24 {
		add("period.deadline_hour = %d: must be 0–24", c.Period.DeadlineHour)
	}
	if c.Store.Path == "" {
		add("store.path is empty (hint: kaohe.db)")
	}
	if c.Store.RunLogDays != 0 && c.Store.RunLogDays < 62 {
		add("store.run_log_days = %d: must be 0 (keep every run) or at least 62: the scheduler's catch-up reads the last months' runs (hint: 400)", c.Store.RunLogDays)
	}
	if c.Forms.MaxAttachmentMB < 1 || c.Forms.MaxAttachmentMB > 100 {
		add("forms.max_attachment_mb = %d: must be 1–100", c.Forms.MaxAttachmentMB)
	}
	if c.IMAP.Host != "" {
		switch c.IMAP.TLS {
		case "tls", "starttls":
		case "plain":
			if !IsLoopback(c.IMAP.Host) {
				add("imap.tls = \"plain\" is only allowed on loopback, not %s (hint: tls or starttls)", c.IMAP.Host)
			}
		default:
			add("imap.tls = %q: must be tls, starttls or plain", c.IMAP.TLS)
		}
		if c.IMAP.Port < 1 || c.IMAP.Port > 65535 {
			add("imap.port = %d is not a port", c.IMAP.Port)
		}
		if c.IMAP.Username == "" {
			add("imap.username is empty")
		}
		if c.IMAP.Mailbox == "" {
			add("imap.mailbox is empty (hint: INBOX)")
		}
		if c.IMAP.PollSeconds < 1 {
			add("imap.poll_seconds must be at least 1")
		}
	}
	if c.SMTP.Host != "" {
		switch c.SMTP.TLS {
		case "tls", "starttls", "starttls-optional":
		case "none":
			if !IsLoopback(c.SMTP.Host) {
				add("smtp.tls = \"none\" is only allowed on loopback, not %s (hint: starttls)", c.SMTP.Host)
			}
		default:
			add("smtp.tls = %q: must be tls, starttls, starttls-optional or none", c.SMTP.TLS)
		}
		if c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
			add("smtp.port = %d is not a port", c.SMTP.Port)
		}
	}
	if c.Forms.EvidenceMaxFiles < 0 || c.Forms.EvidenceMaxFiles > 50 {
		add("forms.evidence_max_files = %d: must be 0–50", c.Forms.EvidenceMaxFiles)
	}
	if c.Forms.EvidenceMaxMB < 1 || c.Forms.EvidenceMaxMB > 100 {
		add("forms.evidence_max_mb = %d: must be 1–100", c.Forms.EvidenceMaxMB)
	}
	for _, f := range []struct{ key, path string }{{"imap.ca_file", c.IMAP.CAFile}, {"smtp.ca_file", c.SMTP.CAFile}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			add("%s = %q: %v (hint: the PEM file of the CA that signed the server's certificate)", f.key, f.path, err)
		}
	}
	if c.SMTP.DailyLimit < 0 {
		add("smtp.daily_limit = %d: must be 0 (no limit) or more", c.SMTP.DailyLimit)
	}
	if c.SMTP.RatePerMinute < 0 {
		add("smtp.rate_per_minute must not be negative")
	}
	if c.SMTP.Connections < 1 || c.SMTP.Connections > 16 {
		add("smtp.connections = %d: must be 1 to 16", c.SMTP.Connections)
	}
	if c.SMTP.BatchSize < 1 {
		add("smtp.batch_size must be at least 1")
	}
	if c.SMTP.MaxAttempts < 1 {
		add("smtp.max_attempts must be at least 1")
	}
	if c.SMTP.RetryBaseSeconds < 1 || c.SMTP.RetryMaxSeconds < c.SMTP.RetryBaseSeconds {
		add("smtp: need 1 ≤ retry_base_seconds ≤ retry_max_seconds")
	}
	for _, l := range c.Report.Leaders {
		if _, err := mail.ParseAddress(l); err != nil {
			add("report.leaders: %q is not an e-mail address", l)
		}
	}
	if s := c.Report.SummaryTo; s != SummaryLeaders && s != SummaryAll {
		add("report.summary_to %q: want %q or %q", s, SummaryLeaders, SummaryAll)
	}
	if c.Report.Workers < 0 {
		add("report.workers must not be negative")
	}
	if c.Report.FontTTF != "" {
		if _, err := os.Stat(c.Report.FontTTF); err != nil {
			add("report.font_ttf: %v", err)
		}
	}
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	for name, expr := range map[string]string{"dispatch": c.Schedule.Dispatch, "assess": c.Schedule.Assess, "deliver": c.Schedule.Deliver} {
		if _, err := parser.Parse(expr); err != nil {
			add("schedule.%s = %q: %v (hint: minute hour day month weekday, e.g. \"0 8 1 * *\")", name, expr, err)
		}
	}
	if c.Schedule.Retries < 0 || c.Schedule.RetryDelaySeconds < 0 {
		add("schedule.retries and retry_delay_seconds must not be negative")
	}
	p = append(p, c.Web.Problems()...)
	p = append(p, c.checkDeadlines()...)
	slices.Sort(p) // the schedule map is iterated in random order
	return p
}

// Problems returns the problems of [web]: an address that is not host:port, half a TLS
// pair, files that cannot be read, and an address other than loopback served in plain
// HTTP without a proxy in front.
func (w Web) Problems() []string {
	var p []string
	host, port, err := net.SplitHostPort(w.Listen)
	if err != nil || port == "" {
		p = append(p, fmt.Sprintf("web.listen = %q: want host:port (hint: 127.0.0.1:8080)", w.Listen))
	}
	if (w.TLSCert == "") != (w.TLSKey == "") {
		p = append(p, "web.tls_cert and web.tls_key go together: set both or neither")
	}
	for k, f := range map[string]string{"tls_cert": w.TLSCert, "tls_key": w.TLSKey} {
		if f != "" {
			if _, err := os.Stat(f); err != nil {
				p = append(p, fmt.Sprintf("web.%s: %v", k, err))
			}
		}
	}
	if err == nil && !IsLoopback(host) && !w.TLS() && !w.BehindProxy {
		p = append(p, fmt.Sprintf("web.listen = %q is reachable from other machines: passwords and session cookies would cross the network in clear. "+
			"Set web.tls_cert and web.tls_key, or web.behind_proxy = true when a reverse proxy in front serves HTTPS (hint: 127.0.0.1:8080 for this machine only)", w.Listen))
	}
	if w.SessionHours < 1 || w.SessionHours > 24*30 {
		p = append(p, fmt.Sprintf("web.session_hours = %d: must be 1–720", w.SessionHours))
	}
	return p
}

// Deadline returns the deadline of a period ("YYYY-MM") in the office's time zone.
func (c *Config) Deadline(period string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01", period, c.Location)
	if err != nil {
		return time.Time{}, fmt.Errorf("period %q: want YYYY-MM", period)
	}
	return time.Date(t.Year(), t.Month(), c.Period.DeadlineDay, c.Period.DeadlineHour, 0, 0, 0, c.Location), nil
}

// ErrNoIMAP is returned by steps that need a mailbox when none is configured.
var ErrNoIMAP = errors.New("no IMAP server configured (imap.host)")
