package web

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jining/kaohe/jobs"
)

// TestEveryRefusalInChinese: every refusal the review can give (each reviewRefused format
// of package jobs, with sample values) has its Chinese translation on the page, so a new or
// reworded refusal in jobs fails here rather than showing the fallback.
func TestEveryRefusalInChinese(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "jobs", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`reviewRefused\(("(?:[^"\\]|\\.)*")`)
	verb := strings.NewReplacer("%q", `"甲"`, "%s", "乙", "%d", "3", "%v", `period "2026-13": want YYYY-MM, e.g. 2026-11`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			format, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatal(err)
			}
			if format == "format" {
				continue
			}
			n++
			msg := verb.Replace(format)
			msg = strings.Replace(msg, " on 乙", " on 2026-11-20 10:05", 1)
			got := chinese(fmt.Errorf("%w: %s", jobs.ErrReview, msg))
			if !isProblem(got) || strings.HasPrefix(got.Error(), "审核操作被拒绝（") {
				t.Errorf("%s: no Chinese text: %v", filepath.Base(f), got)
			}
		}
	}
	if n < 15 {
		t.Errorf("found %d refusals in jobs: the pattern no longer finds them", n)
	}
}
