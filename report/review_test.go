package report

import (
	"strings"
	"testing"

	"github.com/jining/kaohe/internal/lang"
)

// TestReviewInCountyReport: the office's review (review.required) and the tasks sent back
// as last month (照抄上月) are each a line under the facts of a county's report, and the
// review is said in the notice of a county scored as not submitted; reports without them
// are as before (the golden files).
func TestReviewInCountyReport(t *testing.T) {
	res := fixture()
	c := &res.Counties[0]
	c.Review = "本期计分采用第2版进展表，经考核办李四于11月27日10:05审核通过。"
	c.Copied = []string{"一、3壮大村级集体经济", "二、1改善农村人居环境"}
	m := CountyModel(res, c.Code, nil)
	var text strings.Builder
	m.eachString(func(s string) { text.WriteString(s + "\n") })
	for _, want := range []string{"审核情况：本期计分采用第2版进展表，经考核办李四于11月27日10:05审核通过。",
		"照抄上月：一、3壮大村级集体经济；二、1改善农村人居环境，共2项未完成的任务"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("county model lacks %q", want)
		}
	}
	for _, p := range lang.Check(text.String()) {
		t.Errorf("county model: %s", p)
	}
	for i := range res.Counties {
		if n := &res.Counties[i]; !n.Submitted {
			n.Review = "第1版尚未审核（未审核），本期按未报送处理。"
			var notice strings.Builder
			CountyModel(res, n.Code, nil).eachString(func(s string) { notice.WriteString(s + "\n") })
			if !strings.Contains(notice.String(), "审核情况：第1版尚未审核（未审核）") {
				t.Errorf("notice of %s lacks the review:\n%s", n.Name, notice.String())
			}
			return
		}
	}
	t.Error("the fixture has no county without a form")
}
