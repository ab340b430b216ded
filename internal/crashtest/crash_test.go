package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

var (
	flagKills = flag.Int("crash.kills", 0, "SIGKILLs of the child (default $KAOHE_CRASH_KILLS, else 30)")
	flagSeed  = flag.Uint64("crash.seed", 0, "seed of the kill points (default $KAOHE_CRASH_SEED, else 1)")
)

// TestMain runs the child when re-executed by TestCrashSafety.
func TestMain(m *testing.M) {
	if os.Getenv(EnvChild) != "" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

func child() int {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	o, err := OptionsFromEnv(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := RunChild(context.Background(), o, os.Stdout, log); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 1
	}
	return 0
}

func envInt(name string, def uint64) uint64 {
	if s := os.Getenv(name); s != "" {
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return n
		}
	}
	return def
}

// killAim is where a kill is aimed: after the child reports phase, within up to max.
type killAim struct {
	phase string
	max   time.Duration
}

var aims = []killAim{
	{"start", 300 * time.Millisecond},    // opening the store, migrations, IMAP login
	{"collect", 1500 * time.Millisecond}, // storing, parsing, answering the mails
	{"deliver", 150 * time.Millisecond},  // sending the replies
	{"assess", 2500 * time.Millisecond},  // scoring, rendering and queueing the reports
	{"deliver2", 200 * time.Millisecond}, // sending the reports
}

// crashRun is the parent's side: the servers, the work appended, what happened.
type crashRun struct {
	t        *testing.T
	ctx      context.Context
	imap     *mail.IMAPServer
	sink     *mail.SMTPSink
	opts     Options
	cfg      *config.Config
	roster   *seeds.Roster
	rng      *rand.Rand
	appended int            // mails put in the INBOX
	forms    int            // of them, mails with one form attachment
	periods  []string       // assessed periods
	killedIn map[string]int // the phase the child had reported when killed
	kills    int
	runs     int
	// took is how long each phase took when last seen whole, to aim kills inside it.
	took  map[string]time.Duration
	setup time.Duration // building and appending the mails

	checklist *seeds.Checklist
	round     int
	period    string
	at        time.Time         // when the next mail is received
	blank     map[string][]byte // the round's blank form of each county
}

// TestCrashSafety kills the child (collect, deliver, assess, deliver) with SIGKILL at
// random points, restarting it each time, over rounds of new mail for a new period,
// until the number of kills asked for is reached and the last round completes. Then:
// every mail is stored once and processed, every form is one submission, every outbox
// row was sent, no outbox key reached the sink under two Message-IDs nor one Message-ID
// under two keys, every PDF is whole. Deliveries of the same mail twice (a kill between
// the server's 250 and the outbox row marked sent) are counted and logged: the known
// at-least-once window, made harmless by the stable Message-ID.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a child process 30+ times")
	}
	kills := *flagKills
	if kills == 0 {
		kills = int(envInt("KAOHE_CRASH_KILLS", 30))
	}
	seed := *flagSeed
	if seed == 0 {
		seed = envInt("KAOHE_CRASH_SEED", 1)
	}
	started := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	imapSrv, err := mail.StartIMAPServer(ctx, log, map[string]string{"kaohe": "pw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { imapSrv.Close() })
	sink, err := mail.StartSMTPSink(ctx, log, mail.SinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	r := &crashRun{t: t, ctx: ctx, imap: imapSrv, sink: sink, rng: rand.New(rand.NewPCG(seed, 0x6b696c6c)),
		killedIn: map[string]int{}, took: map[string]time.Duration{}}
	r.opts = Options{Dir: t.TempDir(), IMAP: imapSrv.Addr, SMTP: sink.Addr, Counties: 6}
	r.cfg, err = Config(r.opts)
	if err != nil {
		t.Fatal(err)
	}
	r.roster = Roster(r.opts.Counties)
	r.checklist = seeds.DefaultChecklist()

	const killsPerRound = 35
	for round := 0; round == 0 || r.kills < kills; round++ {
		period := fmt.Sprintf("%d-%02d", 2025+round/12, round%12+1)
		r.periods = append(r.periods, period)
		r.opts.Period = period
		t0 := time.Now()
		r.appendRound(round, period)
		r.setup += time.Since(t0)
		target := r.kills + min(killsPerRound, kills-r.kills)
		for k := 0; ; k++ {
			if k > 0 {
				// New mail before every restart, so collect always has work to be killed in.
				t0 := time.Now()
				for j := 0; j < 2; j++ {
					kind := mailForm
					if (k+j)%7 == 3 {
						kind = mailBroken
					}
					r.appendMail(r.rng.IntN(len(r.roster.Counties)), kind)
				}
				r.setup += time.Since(t0)
			}
			// Kill until the round's share of kills is reached (a kill that comes too late
			// finds the child done: then it just goes on), then run to the end.
			if r.kills < target {
				r.runChild(true)
			} else if r.runChild(false) {
				break
			}
		}
	}
	elapsed := time.Since(started)
	dups := r.check()
	// A repeat needs a kill in the window between the server's 250 and the row marked
	// sent, and a kill has one mail in flight at most.
	if inDeliver := r.killedIn["deliver"] + r.killedIn["deliver2"]; dups > inDeliver {
		t.Errorf("%d mails delivered twice, but only %d kills came while delivering", dups, inDeliver)
	}
	phases := make([]string, 0, len(r.killedIn))
	for p, n := range r.killedIn {
		phases = append(phases, fmt.Sprintf("%s %d", p, n))
	}
	sort.Strings(phases)
	var took []string
	for _, a := range aims {
		took = append(took, fmt.Sprintf("%s %s", a.phase, r.took[a.phase].Round(time.Millisecond)))
	}
	t.Logf("seed %d: %d kills over %d rounds (%d child runs) in %s (building mail %s); killed in: %s; phases last took: %s; %d mails appended (%d forms); %d mails at the sink, %d delivered twice",
		seed, r.kills, len(r.periods), r.runs, elapsed.Round(time.Millisecond), r.setup.Round(time.Millisecond),
		strings.Join(phases, ", "), strings.Join(took, ", "), r.appended, r.forms, len(sink.Messages()), dups)
}

// appendRound starts a round for period: it builds each county's blank form (the slow
// part, once per round) and puts a first batch of mail in the INBOX: a form from most
// counties, a broken attachment from one and a note with no attachment from another.
func (r *crashRun) appendRound(round int, period string) {
	t := r.t
	deadline, err := r.cfg.Deadline(period)
	if err != nil {
		t.Fatal(err)
	}
	r.round, r.period, r.at = round, period, deadline.AddDate(0, 0, -10)
	r.blank = map[string][]byte{}
	for i := range r.roster.Counties {
		c := &r.roster.Counties[i]
		b, err := templates.Build(templates.Options{Checklist: r.checklist, Roster: r.roster, County: c, Period: period,
			Deadline: deadline, ReturnTo: r.cfg.Office.From, Secret: r.cfg.Forms.Secret})
		if err != nil {
			t.Fatal(err)
		}
		r.blank[c.Code] = b
	}
	n := len(r.roster.Counties)
	for i := range r.roster.Counties {
		switch (i + round) % n {
		case n - 1:
			r.appendMail(i, mailNote)
		case n - 2:
			r.appendMail(i, mailBroken)
		default:
			r.appendMail(i, mailForm)
		}
	}
}

// Kinds of mail a county sends.
const (
	mailForm   = iota // its form, filled with new values
	mailBroken        // an attachment that is no workbook
	mailNote          // no attachment
)

// appendMail puts a mail of kind from county i in the INBOX, received before the deadline.
func (r *crashRun) appendMail(i, kind int) {
	t := r.t
	c := &r.roster.Counties[i]
	r.appended++
	var atts []mail.OutAttachment
	subject := r.period + "进展表"
	switch kind {
	case mailForm:
		f := score.Synthetic(r.checklist, c, r.period, rand.New(rand.NewPCG(r.rng.Uint64(), 7)), 0.5+0.45*r.rng.Float64())
		b, err := templates.FillForm(r.blank[c.Code], f)
		if err != nil {
			t.Fatal(err)
		}
		r.forms++
		atts = append(atts, mail.OutAttachment{Name: jobs.FormFilename(c, r.period), ContentType: xlsxType, Data: b})
	case mailBroken:
		r.forms++
		atts = append(atts, mail.OutAttachment{Name: "进展表.xlsx", ContentType: "application/octet-stream",
			Data: []byte(fmt.Sprintf("第%d封:这不是一个表格文件", r.appended))})
	case mailNote:
		subject = "进展表稍后报送"
	}
	raw, err := mail.BuildMessage(mail.Outgoing{
		MessageID: fmt.Sprintf("<crash.%d@county.kaohe.test>", r.appended), From: c.Emails[r.appended%len(c.Emails)],
		To: []string{r.cfg.Office.From}, Subject: subject, Text: "附件是我单位的进展表。", Date: r.at, Attachments: atts,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.imap.AppendAt(r.ctx, "kaohe", "INBOX", raw, r.at); err != nil {
		t.Fatal(err)
	}
	r.at = r.at.Add(7 * time.Minute)
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// runChild starts the child and, when kill, SIGKILLs it at a random point; it reports
// whether the child ran to the end.
func (r *crashRun) runChild(kill bool) bool {
	t := r.t
	r.runs++
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), r.opts.Env()...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	aim := aims[r.rng.IntN(len(aims))]
	span := aim.max
	if d, ok := r.took[aim.phase]; ok && d > 0 {
		span = d // aim inside the phase as it last went
	}
	delay := time.Duration(r.rng.Int64N(int64(span) + 1))
	var (
		mu   sync.Mutex
		last = ""
	)
	phases := make(chan string, 16)
	begun := time.Now()
	go func() {
		defer close(phases)
		sc := bufio.NewScanner(out)
		prev, at := "start", begun
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "phase "); ok {
				now := time.Now()
				mu.Lock()
				if p != "start" {
					r.took[prev] = now.Sub(at)
				}
				prev, at = p, now
				last = p
				mu.Unlock()
				phases <- p
			}
		}
	}()
	killed := false
	if kill {
		var timer <-chan time.Time
		if aim.phase == "start" {
			timer = time.After(delay)
		}
	wait:
		for {
			select {
			case p, ok := <-phases:
				if !ok {
					break wait // exited before the kill
				}
				if p == aim.phase {
					timer = time.After(delay)
				}
			case <-timer:
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killed = true
				break wait
			case <-time.After(120 * time.Second):
				t.Fatalf("child hangs; stderr:\n%s", stderr.String())
			}
		}
	}
	for range phases { // drain until the child's stdout closes
	}
	err = cmd.Wait()
	mu.Lock()
	defer mu.Unlock()
	if killed {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				r.killedIn[last]++
				r.kills++
				return false
			}
		}
		// The kill came as it was exiting: it ran to the end.
	}
	if err != nil {
		t.Fatalf("child (period %s) failed: %v; stderr:\n%s", r.opts.Period, err, stderr.String())
	}
	if last != "done" {
		t.Fatalf("child exited 0 after phase %q", last)
	}
	return true
}

var tempPDF = regexp.MustCompile(`^\..+\.tmp$`)

// check opens the store the children left and checks everything; it returns how many
// sink deliveries were repeats of a mail already delivered.
func (r *crashRun) check() int {
	t := r.t
	ctx := r.ctx
	st, err := store.Open(ctx, r.cfg.Store.Path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// Every mail stored once, processed, and marked processed on the server.
	msgs, err := st.Messages(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != r.appended {
		t.Errorf("%d messages stored, %d appended", len(msgs), r.appended)
	}
	uids := map[uint32]int{}
	for _, m := range msgs {
		uids[m.UID]++
		if m.State != store.MessageProcessed {
			t.Errorf("message %d (uid %d): state %s", m.ID, m.UID, m.State)
		}
	}
	for uid, n := range uids {
		if n != 1 {
			t.Errorf("uid %d stored %d times", uid, n)
		}
	}
	inbox, err := mail.DialIMAP(ctx, IMAPConfig(r.cfg), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	left, err := inbox.Unprocessed(ctx)
	inbox.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("%d mails not marked processed on the server", len(left))
	}

	// Every form one submission, of the message it came in.
	perMsg := map[int64]int{}
	subs := 0
	for _, p := range r.periods {
		ss, err := st.Submissions(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			perMsg[s.MessageID]++
			subs++
		}
	}
	if subs != r.forms {
		t.Errorf("%d submissions stored, %d forms sent", subs, r.forms)
	}
	for id, n := range perMsg {
		if n != 1 {
			t.Errorf("message %d has %d submissions", id, n)
		}
	}

	// Every outbox row sent; at the sink, one Message-ID per key and one key per Message-ID.
	out, err := st.Outbox(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]store.Outgoing{}
	kinds := map[string]int{}
	for _, o := range out {
		rows[o.Key] = o
		kinds[o.Kind]++
		if o.State != store.OutSent {
			t.Errorf("outbox %s: %s (%s)", o.Key, o.State, o.LastError)
		}
	}
	// Each report once per revision: a run that assesses more forms than the run before
	// (the harness keeps appending mail between kills) mails its changed reports again as
	// a 更正 (jobs/publish.go), one outbox row per revision, none skipped.
	wantReports, wantSummaries := 0, 0
	for _, p := range r.periods {
		codes := []string{""}
		for _, c := range r.roster.Counties {
			codes = append(codes, c.Code)
		}
		for _, code := range codes {
			pub, err := st.LastPublished(ctx, p, code)
			if err != nil {
				t.Errorf("%s %q: no report published: %v", p, code, err)
				continue
			}
			if code == "" {
				wantSummaries += pub.Revision
			} else {
				wantReports += pub.Revision
			}
		}
	}
	if kinds[templates.MailReport] != wantReports || kinds[templates.MailSummary] != wantSummaries {
		t.Errorf("outbox kinds %v: want %d reports and %d summaries (every revision published once)", kinds, wantReports, wantSummaries)
	}
	if replies := kinds[templates.MailReceipt] + kinds[templates.MailReject] + kinds[templates.MailNoForm]; replies != r.appended {
		t.Errorf("%d replies queued for %d mails", replies, r.appended)
	}
	keyIDs := map[string]map[string]bool{}
	idKeys := map[string]map[string]bool{}
	delivered := map[string]int{}
	for _, m := range r.sink.Messages() {
		key := headerValue(m.Data, "X-Kaohe-Key")
		if keyIDs[key] == nil {
			keyIDs[key] = map[string]bool{}
		}
		keyIDs[key][m.MessageID] = true
		if idKeys[m.MessageID] == nil {
			idKeys[m.MessageID] = map[string]bool{}
		}
		idKeys[m.MessageID][key] = true
		delivered[key]++
	}
	for key, ids := range keyIDs {
		if len(ids) != 1 {
			t.Errorf("outbox key %q delivered with %d Message-IDs", key, len(ids))
		}
		o, ok := rows[key]
		if !ok {
			t.Errorf("the sink got key %q, which is not in the outbox", key)
			continue
		}
		if !ids[o.MessageID] {
			t.Errorf("key %q delivered with %v, the outbox says %s", key, ids, o.MessageID)
		}
	}
	for id, keys := range idKeys {
		if len(keys) != 1 {
			t.Errorf("Message-ID %s delivered under %d keys", id, len(keys))
		}
	}
	dups := 0
	for key := range rows {
		switch n := delivered[key]; {
		case n == 0:
			t.Errorf("%s never reached the sink", key)
		case n > 1:
			dups += n - 1
			t.Logf("%s delivered %d times (same Message-ID): killed between the server's 250 and marking it sent", key, n)
		}
	}

	// Every PDF whole; temporary files only under their temporary names.
	temps := 0
	err = filepath.WalkDir(r.cfg.Report.OutDir, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		name := de.Name()
		if tempPDF.MatchString(name) {
			temps++
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch filepath.Ext(name) {
		case ".pdf":
			if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimRight(b, "\r\n \t"), []byte("%%EOF")) {
				t.Errorf("%s is not a whole PDF (%d bytes)", path, len(b))
			}
		case ".xlsx":
			if !bytes.HasPrefix(b, []byte("PK\x03\x04")) {
				t.Errorf("%s is not a whole workbook", path)
			}
		default:
			t.Errorf("unexpected file %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.periods {
		for _, c := range r.roster.Counties {
			if _, err := os.Stat(filepath.Join(r.cfg.Report.OutDir, p, c.Code+".pdf")); err != nil {
				t.Error(err)
			}
		}
	}
	if temps > 0 {
		t.Logf("%d temporary files left by kills mid-write (hidden .NAME.*.tmp, never taken for reports)", temps)
	}
	return dups
}

func headerValue(raw []byte, name string) string {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
