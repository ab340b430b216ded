package demo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/lang"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/seeds"
)

// TestDemo runs the whole demo month and checks what a newcomer would look at: a PDF per
// county naming it, a summary, one report mail per county and none to anyone else, the
// broken form rejected and then accepted, the silent county 未报送.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes seconds")
	}
	dir := t.TempDir()
	res, err := Run(context.Background(), Options{OutDir: dir, Period: "2026-11"})
	if err != nil {
		t.Fatal(err)
	}
	roster := seeds.DefaultRoster()
	pdfDir := filepath.Join(dir, "reports", "2026-11")
	pdftotext, _ := exec.LookPath("pdftotext")
	for _, c := range roster.Counties {
		p := filepath.Join(pdfDir, c.Code+".pdf")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if !strings.HasPrefix(string(b), "%PDF-") {
			t.Errorf("%s is not a PDF", p)
		}
		if pdftotext != "" {
			out, err := exec.Command(pdftotext, p, "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), c.Name) {
				t.Errorf("%s does not name %s", p, c.Name)
			}
		}
	}
	for _, f := range []string{"summary.pdf", "summary.xlsx"} {
		if _, err := os.Stat(filepath.Join(pdfDir, f)); err != nil {
			t.Error(err)
		}
	}
	checkLanguage(t, pdfDir, pdftotext)

	// The mails, as the sink wrote them.
	emls, err := filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
	if err != nil || len(emls) != res.Mails {
		t.Fatalf("%d .eml files, %d mails received (%v)", len(emls), res.Mails, err)
	}
	reports := map[string]int{}  // county code → report mails to it
	rejected := map[string]int{} // county code → rejections
	receipts := map[string]int{} // county code → receipts
	summaries, returned := 0, 0
	var returnReceipt string
	for _, f := range emls {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := mail.ParseMessage(raw, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Every mail's subject and text follow GB/T 15834, and the subject decodes without
		// a leading space: its first encoded word is on the Subject line.
		for _, pr := range lang.Check(p.Subject + "\n" + p.Text) {
			t.Errorf("%s: %s", filepath.Base(f), pr)
		}
		for _, bt := range lang.BadTerms(p.Subject + "\n" + p.Text) {
			t.Errorf("%s: %s", filepath.Base(f), bt)
		}
		if strings.Contains(string(raw), "\r\nSubject:\r\n") || p.Subject != strings.TrimSpace(p.Subject) {
			t.Errorf("%s: subject folded right after Subject: (%q)", filepath.Base(f), p.Subject)
		}
		to := header(raw, "To")
		key := header(raw, "X-Kaohe-Key")
		switch kind := header(raw, "X-Kaohe-Kind"); kind {
		case "report":
			code := strings.TrimPrefix(key, "report:2026-11:")
			c := roster.County(code)
			if c == nil || !strings.Contains(to, c.Emails[0]) {
				t.Errorf("report %s went to %s", key, to)
				continue
			}
			for _, other := range roster.Counties {
				if other.Code != code && strings.Contains(to, other.Emails[0]) {
					t.Errorf("report %s also went to %s", key, other.Name)
				}
			}
			if len(p.Attachments) != 1 || !strings.HasPrefix(p.Attachments[0].Filename, c.Name) {
				t.Errorf("report %s attachments: %v", key, p.Attachments)
			}
			reports[code]++
		case "summary":
			if !strings.Contains(to, "leaders@") || strings.Contains(to, "zzb@") {
				t.Errorf("summary went to %s", to)
			}
			summaries++
		case "reject", "receipt":
			c := roster.CountyBySender(strings.Trim(to, "<> "))
			if c == nil {
				t.Errorf("%s went to %q, no county", kind, to)
				continue
			}
			if kind == "reject" {
				rejected[c.Code]++
				if !strings.Contains(p.Subject, "【退回】") || !strings.Contains(p.Text, "村级台账!") || len(p.Attachments) != 1 {
					t.Errorf("rejection: %q %q %d attachments", p.Subject, p.Text, len(p.Attachments))
				}
			} else {
				receipts[c.Code]++
				if c.Code == evidCounty && !strings.Contains(p.Subject, "第2版") && !strings.Contains(p.Text, "《四、3-水质检测报告.pdf》（PDF，1KB）已保存，作为任务四、3的佐证材料。") {
					t.Errorf("%s's receipt does not list its evidence file:\n%s", c.Name, p.Text)
				}
				if c.Code == returnCounty && strings.Contains(p.Subject, "第2版）") {
					returnReceipt = p.Text
				}
			}
		case "review_return":
			if !strings.Contains(to, "qufu") || !strings.Contains(p.Subject, "经审核") || !strings.Contains(p.Text, "退回理由") || len(p.Attachments) != 1 {
				t.Errorf("review return to %s: %q, %d attachments", to, p.Subject, len(p.Attachments))
			}
			returned++
		}
	}
	for _, c := range roster.Counties {
		if reports[c.Code] != 1 {
			t.Errorf("%s got %d report mails, want 1", c.Name, reports[c.Code])
		}
	}
	if summaries != 1 {
		t.Errorf("%d summaries, want 1", summaries)
	}
	if rejected[brokenCounty] != 1 || receipts[brokenCounty] != 1 {
		t.Errorf("broken county: %d rejections, %d receipts; want 1 and 1", rejected[brokenCounty], receipts[brokenCounty])
	}
	// The office's review return (review.go): one 【退回】 to 曲阜市 with its marked
	// workbook, and a second receipt that lists the corrected cell.
	if returned != 1 || receipts[returnCounty] != 2 || !strings.Contains(returnReceipt, "与第1版相比，修改了以下单元格：") || !strings.Contains(returnReceipt, "  村级台账!") {
		t.Errorf("review return: %d returns, %d receipts to %s; second receipt:\n%s", returned, receipts[returnCounty], returnCounty, returnReceipt)
	}
	if receipts[silentCounty] != 0 {
		t.Errorf("the silent county got a receipt")
	}
	var silent, late, evidence bool
	for _, c := range res.Assessment.Result.Counties {
		switch c.Code {
		case evidCounty: // one evidence file in the demo month, counted on its task
			for _, ts := range c.Tasks {
				evidence = evidence || ts.Task == "四、3" && len(ts.EvidenceFiles) == 1
			}
		case silentCounty:
			silent = !c.Submitted && c.Rank == 0
		case lateCounty:
			late = c.DaysLate == 2 && c.Deduction > 0
		}
	}
	if extends := sinkKinds(t, dir)["extend"]; extends != 1 {
		t.Errorf("%d 【延期】 mails, want 1 (the late county's extension)", extends)
	}
	if !silent || !late || !evidence {
		t.Errorf("silent county unranked: %v; late county 2 days late with a deduction: %v; evidence file on 四、3: %v", silent, late, evidence)
	}

	// The 抽查核查: a 核查表 written and filled in verify/, its findings in 任城区's result
	// and printed in its report and in the summary.
	for _, f := range []string{"核查表_2026-11.xlsx", "核查表_2026-11_已填.xlsx"} {
		if _, err := os.Stat(filepath.Join(dir, "verify", f)); err != nil {
			t.Error(err)
		}
	}
	var checked *score.CountyResult
	for i, c := range res.Assessment.Result.Counties {
		if c.Code == verifyCounty {
			checked = &res.Assessment.Result.Counties[i]
		}
	}
	var kinds []string
	for _, ch := range checked.Checks {
		kinds = append(kinds, ch.Kind)
	}
	if strings.Join(kinds, ",") != "核查数值,核查不实" || checked.Deduction < 2 || checked.Checks[1].By != "市考核办核查组" {
		t.Errorf("%s: checks %+v, deduction %v", checked.Name, checked.Checks, checked.Deduction)
	}
	if pdftotext != "" {
		for _, f := range []string{verifyCounty + ".pdf", "summary.pdf"} {
			out, err := exec.Command(pdftotext, filepath.Join(pdfDir, f), "-").Output()
			if err != nil || !strings.Contains(string(out), "核查与加减分") || !strings.Contains(string(out), "市考核办核查") { // a table cell may wrap before 组
				t.Errorf("%s does not show the 抽查核查 (%v)", f, err)
			}
		}
	}
}

// checkLanguage checks the text of every PDF (by pdftotext, when installed) and every
// cell of summary.xlsx in dir against GB/T 15834 (internal/lang).
func checkLanguage(t *testing.T, dir, pdftotext string) {
	t.Helper()
	pdfs, _ := filepath.Glob(filepath.Join(dir, "*.pdf")) // a valid pattern: no error
	if len(pdfs) == 0 {
		t.Error("no PDFs")
	}
	if pdftotext == "" {
		t.Log("pdftotext not installed: the PDFs' text is not checked")
	}
	for _, p := range pdfs {
		if pdftotext == "" {
			break
		}
		out, err := exec.Command(pdftotext, "-enc", "UTF-8", p, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range lang.Check(string(out)) {
			t.Errorf("%s: %s", filepath.Base(p), pr)
		}
		for _, bt := range lang.BadTerms(string(out)) {
			t.Errorf("%s: %s", filepath.Base(p), bt)
		}
	}
	f, err := excelize.OpenFile(filepath.Join(dir, "summary.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read-only
	cells := 0
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			for j, c := range r {
				cells++
				for _, pr := range lang.Check(c) {
					t.Errorf("summary.xlsx %s!R%dC%d: %s", sh, i+1, j+1, pr)
				}
			}
		}
	}
	if cells < 100 {
		t.Errorf("summary.xlsx: only %d cells", cells)
	}
}

func header(raw []byte, name string) string {
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// sinkKinds counts the mails in dir/mail by their X-Kaohe-Kind.
func sinkKinds(t *testing.T, dir string) map[string]int {
	t.Helper()
	emls, _ := filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
	out := map[string]int{}
	for _, f := range emls {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(string(b), "\r\n\r\n")
		for _, l := range strings.Split(head, "\r\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "X-Kaohe-Kind") {
				out[strings.TrimSpace(v)]++
			}
		}
	}
	return out
}
