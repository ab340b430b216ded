package jobs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestVerifyReport: the county reports and the summary Publish wrote are recognised as
// issued (by rendering them again from the store), a changed byte is not, and the summary
// lists every county report's SHA-256.
func TestVerifyReport(t *testing.T) {
	h := newHarness(t)
	for i, code := range []string{rencheng, yanzhou} {
		h.send(code, "进展表", xlsx(code+".xlsx", h.filled(code, 0.6+0.1*float64(i), uint64(i))))
	}
	if c := h.collect(); c["accepted"] != 2 {
		t.Fatalf("collect = %v", c)
	}
	h.clock.Advance(40 * 24 * time.Hour)
	a, _, err := h.d.Assess(h.ctx, h.period, AssessOptions{Render: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(h.d.Config.Report.OutDir, h.period)
	for _, tc := range []struct{ file, code, name string }{
		{rencheng + ".pdf", rencheng, h.county(rencheng).Name},
		{"370826.pdf", "370826", h.county("370826").Name}, // 未报送: the notice
		{"summary.pdf", "", "全市汇总"},
	} {
		b, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		// Named as the attachment would be, without a period in the name, and with none given.
		v, err := h.d.VerifyReport(h.ctx, b, tc.file, "")
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if v.Code != tc.code || v.Name != tc.name || v.Period != h.period || !v.Assessed.Equal(a.Created) {
			t.Errorf("%s: verified as %+v", tc.file, v)
		}
		b[len(b)/2] ^= 1
		if _, err := h.d.VerifyReport(h.ctx, b, tc.file, h.period); !errors.Is(err, ErrNotIssued) {
			t.Errorf("%s with a changed byte: %v, want ErrNotIssued", tc.file, err)
		}
	}
}
