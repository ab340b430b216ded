package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jining/kaohe/internal/lang"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/report"
)

var pageNumLine = regexp.MustCompile(`^—\s*\d+\s*—$`)

// TestFortyCountyMonth runs a 40-county month through the real pipeline (forms mailed
// to the embedded IMAP server, kaohe in its own process: collect, answer, assess, render,
// queue, deliver to the embedded SMTP server), then checks every PDF and every mail it
// produced: each page's text (pdftotext) and each mail's subject and body against GB/T
// 15834 and the one-term rules (internal/lang), and each PDF's layout guarantees (no
// heading away from what it introduces, no split row, no page with fewer than three rows
// of a longer table) by rendering the stored assessment again and comparing the bytes.
func TestFortyCountyMonth(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline on 40 counties")
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	ctx := context.Background()
	dir, mails := t.TempDir(), t.TempDir()
	o := Options{Counties: 40, Villages: 40, Broken: 0.05, Dir: dir, MailDir: mails, LogLevel: slog.LevelWarn}
	res, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	o.defaults()

	// The stored assessment, rendered again with the pipeline's renderer.
	cfg, _, roster, err := setup(o)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store.Path = filepath.Join(dir, "kaohe.db")
	cfg.Report.OutDir = reportsDir(dir)
	d, err := jobs.Wire(ctx, cfg, slog.New(slog.DiscardHandler), jobs.WireOptions{Roster: roster})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	a, err := d.Store.Assessment(ctx, o.Period)
	if err != nil {
		t.Fatal(err)
	}
	var result score.Result
	if err := a.DecodeResult(&result); err != nil {
		t.Fatal(err)
	}
	r, err := d.ReportRenderer()
	if err != nil {
		t.Fatal(err)
	}
	r = r.At(a.Created.In(cfg.Location))
	pdfDir := filepath.Join(reportsDir(dir), o.Period)
	check := func(name string, pdf []byte, problems []string) {
		t.Helper()
		issued, err := os.ReadFile(filepath.Join(pdfDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(issued, pdf) {
			t.Fatalf("%s: rendering the stored assessment again gives other bytes", name)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", name, p)
		}
		if budget := map[bool]int{true: report.SummaryBudget, false: report.CountyBudget}[name == "summary.pdf"]; len(pdf) >= budget {
			t.Errorf("%s: %d bytes, budget %d", name, len(pdf), budget)
		}
		checkPages(t, pdftotext, name, filepath.Join(pdfDir, name))
	}
	digests := make([]report.Digest, len(result.Counties))
	for i := range result.Counties {
		c := &result.Counties[i]
		pdf, problems, err := r.CountyLayout(&result, c.Code, nil)
		if err != nil {
			t.Fatal(err)
		}
		check(c.Code+".pdf", pdf, problems)
		s := sha256.Sum256(pdf)
		digests[i] = report.Digest{Code: c.Code, Name: c.Name, SHA256: hex.EncodeToString(s[:])}
	}
	pdf, problems, err := r.WithDigests(digests).SummaryLayout(&result, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("summary.pdf", pdf, problems)

	// Every mail: subject and text.
	emls, err := filepath.Glob(filepath.Join(mails, "*.eml"))
	if err != nil || len(emls) != res.MailsOut || len(emls) < 81 {
		t.Fatalf("%d .eml files, %d mails out (%v)", len(emls), res.MailsOut, err)
	}
	kinds := map[string]int{}
	for _, f := range emls {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := mail.ParseMessage(raw, 0)
		if err != nil {
			t.Fatal(err)
		}
		kinds[kindOf(raw)]++
		text := p.Subject + "\n" + p.Text
		for _, pr := range lang.Check(text) {
			t.Errorf("%s: %s", filepath.Base(f), pr)
		}
		for _, bt := range lang.BadTerms(text) {
			t.Errorf("%s: %s", filepath.Base(f), bt)
		}
		if p.Subject == "" || p.Subject != strings.TrimSpace(p.Subject) || strings.TrimSpace(p.Text) == "" {
			t.Errorf("%s: subject %q, %d bytes of text", filepath.Base(f), p.Subject, len(p.Text))
		}
	}
	if kinds["report"] != 40 || kinds["summary"] != 1 || kinds["reject"] != res.Broken || kinds["receipt"] != 40-res.Broken {
		t.Errorf("mails by kind %v (broken %d)", kinds, res.Broken)
	}
}

// checkPages checks each page of a PDF by its text: not empty, ending with its number,
// no ASCII punctuation between Chinese characters, one term per concept.
func checkPages(t *testing.T, pdftotext, name, path string) {
	t.Helper()
	out, err := exec.Command(pdftotext, "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", name, err)
	}
	pages := strings.Split(string(out), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	for i, pg := range pages {
		var lines []string
		for _, l := range strings.Split(pg, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) < 2 || !pageNumLine.MatchString(lines[len(lines)-1]) || !strings.Contains(lines[len(lines)-1], fmt.Sprint(i+1)) {
			t.Errorf("%s page %d: empty or without its number (%d lines)", name, i+1, len(lines))
		}
		for _, pr := range lang.Check(pg) {
			t.Errorf("%s page %d: %s", name, i+1, pr)
		}
		for _, bt := range lang.BadTerms(pg) {
			t.Errorf("%s page %d: %s", name, i+1, bt)
		}
	}
}

// kindOf is a mail's X-Kaohe-Kind.
func kindOf(raw []byte) string {
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "X-Kaohe-Kind") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
