package web

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
)

// JobsReviewer is the Reviewer of the console: the office review of issue 14 (jobs'
// ReviewList, ReviewApprove, ReviewReturn, ReviewAcceptSource, ReviewDiscard), the
// functions `kaohe review` calls. It only translates: the request into the jobs' form,
// and the refusals (jobs.ErrReview, in English for the CLI) into Chinese for the page.
func JobsReviewer(d *jobs.Deps) Reviewer { return jobsReviewer{d} }

type jobsReviewer struct{ d *jobs.Deps }

func (j jobsReviewer) List(ctx context.Context, period string) ([]ReviewItem, error) {
	items, err := j.d.ReviewList(ctx, period)
	if err != nil {
		return nil, err
	}
	out := make([]ReviewItem, 0, len(items))
	for _, it := range items {
		r := ReviewItem{County: it.County, Name: it.CountyName, Period: it.Period, Submission: it.Submission, Version: it.Version,
			Received: it.Received, State: it.Kind, Filename: it.Filename}
		switch {
		case it.Kind == jobs.ItemSource && it.Source != nil:
			r.Source, r.Sender = it.Source.ID, it.Source.Sender
			r.Detail = fmt.Sprintf("主题“%s”", it.Source.Subject)
		case it.Version > 1:
			r.Detail = fmt.Sprintf("重报：较上一版改动%d处", it.Changes)
			if len(it.Unchanged) > 0 {
				r.Detail += "；退回时指出而本次未修改的单元格：" + strings.Join(it.Unchanged, "、")
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func (j jobsReviewer) Approve(ctx context.Context, county, period, by string) error {
	_, _, err := j.d.ReviewApprove(ctx, county, period, by)
	return chinese(err)
}

func (j jobsReviewer) Return(ctx context.Context, r ReturnRequest) error {
	req := jobs.ReturnRequest{County: r.County, Period: r.Period, By: r.By}
	for _, s := range strings.Split(r.Reason, "\n") {
		if s = strings.TrimSpace(s); s != "" {
			req.Reasons = append(req.Reasons, s)
		}
	}
	for _, c := range r.Cells {
		// ReviewReturn checks the reference (jobs.ParseCellRef) as for the CLI's --cell.
		sheet, cell, _ := strings.Cut(strings.TrimSpace(c.Cell), "!")
		req.Cells = append(req.Cells, store.ReviewCell{Sheet: sheet, Cell: cell, Note: c.Note})
	}
	_, err := j.d.ReviewReturn(ctx, req)
	return chinese(err)
}

func (j jobsReviewer) AcceptSource(ctx context.Context, id int64, addSender bool, by string) (string, error) {
	it, sub, err := j.d.ReviewAcceptSource(ctx, id, addSender, by)
	if err != nil {
		return "", chinese(err)
	}
	what := fmt.Sprintf("已确认第%d项来源，", id)
	if sub != nil && sub.Status == store.Accepted {
		name := it.County
		if c := j.d.Roster.County(it.County); c != nil {
			name = c.Name
		}
		what += fmt.Sprintf("报表已作为%s第%d版受理，回执已排入发件箱", name, sub.Version)
	} else {
		what += "报表有问题未受理，退回通知已排入发件箱"
	}
	if addSender {
		what += fmt.Sprintf("；%s今后可为该单位报送", it.Sender)
	}
	return what + "。", nil
}

func (j jobsReviewer) DiscardSource(ctx context.Context, id int64, reason, by string) error {
	_, err := j.d.ReviewDiscard(ctx, id, reason, by)
	return chinese(err)
}

// refusals turns the review's refusals (English, for the CLI) into Chinese for the page.
var refusals = []struct {
	re *regexp.Regexp
	zh func(m []string) string
}{
	{regexp.MustCompile(`county "(.*)" is not on the roster`), func(m []string) string { return "名册中没有单位“" + m[1] + "”。" }},
	{regexp.MustCompile(`^(\S+) \S+ has no accepted form for (\S+):`), func(m []string) string {
		return fmt.Sprintf("%s在%s没有已受理的报表，无需审核。", m[1], m[2])
	}},
	{regexp.MustCompile(`^(\S+) (\S+) version (\d+) was approved already by (.+) on (.+)$`), func(m []string) string {
		return fmt.Sprintf("%s%s第%s版已由%s于%s审核通过，不能重复通过。", m[1], m[2], m[3], m[4], m[5])
	}},
	{regexp.MustCompile(`^(\S+) (\S+) version (\d+) was returned by (.+) on (.+): approve the version`), func(m []string) string {
		return fmt.Sprintf("%s%s第%s版已由%s于%s退回，请审核该单位退回后重新报送的版本。", m[1], m[2], m[3], m[4], m[5])
	}},
	{regexp.MustCompile(`^(\S+) (\S+) version (\d+) was returned already by (.+) on (.+): wait`), func(m []string) string {
		return fmt.Sprintf("%s%s第%s版已由%s于%s退回，请等待该单位重新报送。", m[1], m[2], m[3], m[4], m[5])
	}},
	{regexp.MustCompile(`^cell "(.*)": want SHEET!CELL`), func(m []string) string {
		return "单元格“" + m[1] + "”的写法不对，应为“工作表!单元格”，如 村级台账!P12。"
	}},
	{regexp.MustCompile(`^cell "(.*)": the sheet must be (.+)$`), func(m []string) string {
		return "单元格“" + m[1] + "”的工作表不对，应为" + strings.ReplaceAll(strings.ReplaceAll(m[2], ", ", "、"), " or ", "或") + "。"
	}},
	{regexp.MustCompile(`^cell "(.*)": "(.*)" is not a cell name`), func(m []string) string {
		return "单元格“" + m[1] + "”：“" + m[2] + "”不是单元格名称。"
	}},
	{regexp.MustCompile(`^cell (\S+) needs a note`), func(m []string) string { return "单元格" + m[1] + "需要写明问题，或填写退回理由。" }},
	{regexp.MustCompile(`^a return needs a reason`), func([]string) string {
		return "退回需要填写理由，或写明有问题的单元格及其问题。"
	}},
	{regexp.MustCompile(`^there is no item (\d+) in the review queue`), func(m []string) string { return "审核队列中没有第" + m[1] + "项。" }},
	{regexp.MustCompile(`^item (\d+) was (\S+) already by (.+) on (.+)$`), func(m []string) string {
		st := map[string]string{store.SourceAccepted: "确认来源并受理", store.SourceDiscarded: "舍弃"}[m[2]]
		if st == "" {
			st = "处理"
		}
		return fmt.Sprintf("第%s项已由%s于%s%s，不能再处理。", m[1], m[3], m[4], st)
	}},
	{regexp.MustCompile(`^item (\d+) names county (\S+), no longer on the roster`), func(m []string) string {
		return fmt.Sprintf("第%s项所属单位%s已不在名册中，只能舍弃。", m[1], m[2])
	}},
	{regexp.MustCompile(`^discarding needs a reason`), func([]string) string { return "舍弃需要填写理由。" }},
	{regexp.MustCompile(`^period`), func([]string) string { return "期次的格式不对，应为YYYY-MM，如2026-11。" }},
	{regexp.MustCompile(`^who \S+( it)? is not known`), func([]string) string { return "不知道操作人是谁，请重新登录后再操作。" }},
}

// chinese returns a refusal of the review (jobs.ErrReview) as a problem in Chinese; other
// errors as they are (internal: logged, not shown).
func chinese(err error) error {
	if err == nil || !errors.Is(err, jobs.ErrReview) {
		return err
	}
	msg := strings.TrimPrefix(err.Error(), jobs.ErrReview.Error()+": ")
	for _, r := range refusals {
		if m := r.re.FindStringSubmatch(msg); m != nil {
			return problem(r.zh(m))
		}
	}
	return problem("审核操作被拒绝（" + msg + "）。")
}
