package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jining/kaohe/internal/score"
)

// escalationTitle heads a 督办单 and names the summary's 附件 that lists them.
const (
	escalationTitle  = "乡村振兴重点工作任务督办单"
	escalationAttach = "督办事项和报送情况"
	ratePeriods      = 12 // the rates are over the last 12 periods assessed
)

// EscalationModel returns the content of one 督办单, in the layout of the 通报: whom it
// is addressed to, the task and its red periods with their values, what is required by
// when, and what a further red period brings.
func (x Context) EscalationModel(res *score.Result, e score.Escalation) *Model {
	m := &Model{Kind: "summary", Title: escalationTitle + "（" + e.Level + "）", Subtitle: e.Name, Period: res.Period, Issued: issued(res)}
	add := func(b Block) { m.Blocks = append(m.Blocks, b) }
	org := "中共" + e.Name + "委组织部"
	if x.Roster != nil {
		if c := x.Roster.County(e.County); c != nil {
			org = c.OrgName()
		}
	}
	add(Block{Kind: BlockText, NoIndent: true, Text: org + "："})
	first, last := e.Red[0].Period, e.Red[len(e.Red)-1].Period
	add(Block{Kind: BlockText, Text: fmt.Sprintf("经考核，你单位“%s %s”任务%s至%s连续%d个月亮红灯，列为%s事项。各月考核情况如下：",
		e.Task, e.Title, periodText(first), periodText(last), e.Months, e.Level)})
	t := &Table{Columns: []Column{
		{Title: "期次", Width: 0.2, Align: "C"},
		{Title: "报送值", Width: 0.3, Align: "L"},
		{Title: "序时要求", Width: 0.3, Align: "L"},
		{Title: "得分", Width: 0.2, Align: "C"},
	}}
	for _, r := range e.Red {
		t.Rows = append(t.Rows, Row{Cells: []string{periodText(r.Period), orDash(r.Reported), orDash(r.Expected), f2(r.Score) + "/" + trim0(r.Possible)}})
	}
	add(Block{Kind: BlockTable, Table: t})
	req := fmt.Sprintf("请你单位于%s前，将该任务的整改措施、责任人和完成时限书面报送%s，并在下期进展表中如实填报进展情况。", dueText(e.Due), x.contactOffice())
	switch {
	case e.Next != "":
		req += fmt.Sprintf("下期该任务仍为红灯的，将升级为%s。", e.Next)
	default:
		req += "该事项已在全市考核情况通报中列出。"
	}
	add(Block{Kind: BlockText, Text: req})
	add(Block{Kind: BlockText, Text: "联系人：" + x.contact() + "。"})
	add(Block{Kind: BlockSign})
	return m
}

// Escalation renders one 督办单 (EscalationModel).
func (r *Renderer) Escalation(res *score.Result, e score.Escalation) ([]byte, error) {
	if len(e.Red) == 0 {
		return nil, fmt.Errorf("report: 督办单 of %s %s without red periods", e.County, e.Task)
	}
	m := r.opt.Context.EscalationModel(res, e)
	m.Office = r.opt.Office
	return r.render(m)
}

func (x Context) contactOffice() string {
	if x.Office != "" {
		return x.Office
	}
	return "市委组织部"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// dueText is a deadline in Chinese: 2026年12月25日18时.
func dueText(t time.Time) string {
	s := fmt.Sprintf("%d年%d月%d日%d时", t.Year(), int(t.Month()), t.Day(), t.Hour())
	if t.Minute() != 0 {
		s += fmt.Sprintf("%d分", t.Minute())
	}
	return s
}

func pct(v float64) string { return f1(v*100) + "%" }

// ratesText is the brief's sentence on the city's rates over the recent periods.
func ratesText(res *score.Result, history []*score.Result) string {
	_, city := score.Rates(res, history, ratePeriods)
	return fmt.Sprintf("近%d期全市报送率%s，按时报送率%s。", len(periodsOf(res, history)), pct(city.SubmitRate()), pct(city.OnTimeRate()))
}

// escalationText is the brief's sentence on the period's 督办单, "" when there are none;
// both are detailed in the 附件 escalationAttach.
func escalationText(res *score.Result) string {
	n := len(res.Escalations)
	if n == 0 {
		return ""
	}
	levels := map[string]int{}
	var order []string
	for _, e := range res.Escalations {
		if levels[e.Level] == 0 {
			order = append(order, e.Level)
		}
		levels[e.Level]++
	}
	parts := make([]string, len(order))
	for i, l := range order {
		parts[i] = fmt.Sprintf("%s%d份", l, levels[l])
	}
	return fmt.Sprintf("对连续红灯的任务发出督办单%d份（%s），见附件%d。", n, strings.Join(parts, "、"),
		slices.Index(summaryAttachments(res, false), escalationAttach)+1)
}

// periodsOf are the periods the rates are over.
func periodsOf(res *score.Result, history []*score.Result) []string {
	ps := []string{res.Period}
	for _, h := range history {
		if h != nil && h.Period < res.Period && len(ps) < ratePeriods {
			ps = append(ps, h.Period)
		}
	}
	return ps
}

// escalationBlocks are the summary's 附件 of 督办单 and rates.
func escalationBlocks(res *score.Result, history []*score.Result, unitCol string) []Block {
	var bs []Block
	add := func(b Block) { bs = append(bs, b) }
	add(Block{Kind: BlockSubheading, Text: "（一）本期督办事项"})
	if len(res.Escalations) == 0 {
		add(Block{Kind: BlockText, Text: "本期无连续红灯需要督办的任务。"})
	} else {
		t := &Table{Columns: []Column{
			{Title: unitCol, Width: 0.15, Align: "L"},
			{Title: "任务", Width: 0.37, Align: "L"},
			{Title: "连续红灯", Width: 0.12, Align: "C"},
			{Title: "级别", Width: 0.09, Align: "C"},
			{Title: "整改时限", Width: 0.27, Align: "C"},
		}}
		for _, e := range res.Escalations {
			t.Rows = append(t.Rows, Row{Cells: []string{e.Name, e.Task + " " + e.Title, strconv.Itoa(e.Months) + "个月", e.Level, dueText(e.Due)}})
		}
		add(Block{Kind: BlockTable, Table: t})
	}
	units, city := score.Rates(res, history, ratePeriods)
	n := len(periodsOf(res, history))
	add(Block{Kind: BlockSubheading, Text: fmt.Sprintf("（二）近%d期报送情况", n)})
	add(Block{Kind: BlockText, Text: "报送率为有进展表通过校验的期数占考核期数的比例，按时报送率为截止时间前报送的期数占考核期数的比例，连续按时为截至本期连续按时报送的期数。"})
	t := &Table{Columns: []Column{
		{Title: unitCol, Width: 0.28, Align: "L"},
		{Title: "考核期数", Width: 0.16, Align: "C"},
		{Title: "报送率", Width: 0.18, Align: "C"},
		{Title: "按时报送率", Width: 0.2, Align: "C"},
		{Title: "连续按时", Width: 0.18, Align: "C"},
	}}
	row := func(name string, r score.Rate) Row {
		return Row{Cells: []string{name, strconv.Itoa(r.Periods), pct(r.SubmitRate()), pct(r.OnTimeRate()), strconv.Itoa(r.Streak) + "期"}}
	}
	for _, u := range units {
		t.Rows = append(t.Rows, row(u.Name, u))
	}
	t.Rows = append(t.Rows, row("全市", city))
	add(Block{Kind: BlockTable, Table: t})
	return bs
}
