package report

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jining/kaohe/internal/score"
)

// issued is when an assessment was made, as far as the result tells: the latest
// accepted form (the assessment follows it). Zero when nothing was accepted.
func issued(res *score.Result) time.Time {
	var t time.Time
	for i := range res.Counties {
		if r := res.Counties[i].Received; r.After(t) {
			t = r
		}
	}
	return t
}

// summaryTitleOf is the title of a period's 通报.
func summaryTitleOf(period string) string {
	return "关于" + periodText(period) + "全市乡村振兴重点工作任务推进情况的通报"
}

// areaAvgBest returns the average and the best score of an area over the units
// assessed.
func areaAvgBest(res *score.Result, id string) (avg, best float64) {
	n := 0
	for i := range res.Counties {
		c := &res.Counties[i]
		if !c.Submitted {
			continue
		}
		s := areaScore(c, id)
		avg += s
		best = math.Max(best, s)
		n++
	}
	if n == 0 {
		return 0, 0
	}
	return math.Round(avg/float64(n)*100) / 100, best
}

// cellRef matches a parenthesised cell reference such as (重点任务!E2) or
// (村级台账!F4:F44、D4).
var cellRef = regexp.MustCompile(`[(（][^()（）]*![^()（）]*[)）]`)

// stripRefs removes the cell references from an explanation.
func stripRefs(s string) string { return cellRef.ReplaceAllString(s, "") }

// splitTop splits s at commas (ASCII or full-width) outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, from := 0, 0
	for i, r := range s {
		switch r {
		case '(', '（':
			depth++
		case ')', '）':
			depth--
		case ',', '，':
			if depth == 0 {
				out = append(out, s[from:i])
				from = i + len(string(r))
			}
		}
	}
	return append(out, s[from:])
}

// reasonOf is the one-line reason a task is yellow or red; "" for a green one.
func reasonOf(ts *score.TaskScore) string {
	if ts.Light != score.Yellow && ts.Light != score.Red {
		return ""
	}
	if len(ts.Parts) > 0 {
		// The weakest rule: what was measured and what was required.
		p := slices.MinFunc(ts.Parts, func(a, b score.RulePart) int { return cmp.Compare(a.Credit, b.Credit) })
		parts := splitTop(stripRefs(p.Explanation))
		out := []string{parts[0]}
		for _, x := range parts[1:] {
			if strings.HasPrefix(x, "目标") || strings.HasPrefix(x, "序时目标") {
				out = append(out, x)
			}
		}
		return fullWidthPunct(strings.Join(out, "，"))
	}
	var r string
	switch {
	case ts.Reported == "未填报":
		r = "进展状态未填报"
	case strings.Contains(ts.Explanation, "已到期未启动"):
		r = "已到期未启动"
	default:
		r = "报送“" + ts.Reported + "”"
	}
	if ts.Behind > 0 {
		r += "，落后序时" + f1(ts.Behind) + "个百分点"
	}
	return r
}

// taskTable is the county's task table: a reason only for yellow and red tasks.
func taskTable(c *score.CountyResult) *Table {
	t := &Table{Columns: []Column{
		{Title: "编号", Width: 0.075, Align: "C"},
		{Title: "任务", Width: 0.16, Align: "L"},
		{Title: "目标", Width: 0.195, Align: "L"},
		{Title: "报送值", Width: 0.1, Align: "L"},
		{Title: "序时要求", Width: 0.1, Align: "L"},
		{Title: "得分", Width: 0.075, Align: "C"},
		{Title: "灯", Width: 0.055, Align: "C", Light: true},
		{Title: "主要原因", Width: 0.24, Align: "L"},
	}}
	for i := range c.Tasks {
		ts := &c.Tasks[i]
		got, light, reason := f2(ts.Score)+"/"+trim0(ts.Possible), string(ts.Light), reasonOf(ts)
		if ts.Excluded != "" {
			got, light, reason = "—", "—", "本期不计分（"+ts.Excluded+"）"
		}
		target := ts.Target
		if ts.Origin == "考核办细化" {
			target += "（考核办细化）"
		}
		t.Rows = append(t.Rows, Row{Cells: []string{
			ts.Task, ts.Title, target, ts.Reported, ts.Expected, got, light, reason,
		}})
	}
	return t
}

// basisBlocks is the 附表 at the end of a county report: every task's full
// explanation with the cells its data came from.
func basisBlocks(c *score.CountyResult) []Block {
	if len(c.Tasks) == 0 {
		return nil
	}
	t := &Table{Columns: []Column{
		{Title: "编号", Width: 0.08, Align: "C"},
		{Title: "评分依据（括号内为数据所在的工作表和单元格）", Width: 0.92, Align: "L"},
	}}
	for _, ts := range c.Tasks {
		t.Rows = append(t.Rows, Row{Cells: []string{ts.Task, fullWidthPunct(ts.Explanation)}})
	}
	return []Block{{Kind: BlockAttach, Label: "附表", Text: "各项任务评分依据"}, {Kind: BlockTable, Table: t}}
}

var cnOrdinal = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// focusTasks returns up to n of the county's tasks with the most points at stake
// (weight − score), most first, ties in checklist order.
func focusTasks(c *score.CountyResult, n int) []*score.TaskScore {
	var ts []*score.TaskScore
	for i := range c.Tasks {
		if c.Tasks[i].Possible-c.Tasks[i].Score > 0.005 {
			ts = append(ts, &c.Tasks[i])
		}
	}
	slices.SortStableFunc(ts, func(a, b *score.TaskScore) int {
		return cmp.Compare(b.Possible-b.Score, a.Possible-a.Score)
	})
	return ts[:min(n, len(ts))]
}

// laggards names the villages short of a task's village rules with their 第一书记,
// at most limit of them, e.g. 长沟镇陈西店村（第一书记王建国）; and how many there are.
func laggards(c *score.CountyResult, task string, limit int) ([]string, int) {
	seen := map[string]bool{}
	var out []string
	n := 0
	for _, v := range c.Villages {
		if v.Task != task {
			continue
		}
		for _, s := range v.Short {
			for i, name := range s.Villages {
				if k, _, ok := strings.Cut(name, "（"); ok {
					name = k
				}
				key := s.Town + name
				if seen[key] {
					continue
				}
				seen[key] = true
				n++
				if len(out) == limit {
					continue
				}
				who := s.Town + name
				if i < len(s.Secretaries) && s.Secretaries[i] != "" {
					who += "（第一书记" + s.Secretaries[i] + "）"
				}
				out = append(out, who)
			}
		}
	}
	return out, n
}

// focusBlocks is 下月工作重点: the five tasks with the most points at stake, each with
// why, its lagging villages and their 第一书记, and what the county itself wrote.
func focusBlocks(c *score.CountyResult) []Block {
	tasks := focusTasks(c, 5)
	if len(tasks) == 0 {
		return nil
	}
	bs := []Block{{Kind: BlockText, Text: "以下是本期失分最多、下月最需推进的" + strconv.Itoa(len(tasks)) + "项任务。"}}
	in := map[string]bool{}
	for i, ts := range tasks {
		in[ts.Task] = true
		light := ""
		if ts.Light == score.Red || ts.Light == score.Yellow {
			light = "，" + string(ts.Light) + "灯"
		}
		bs = append(bs, Block{Kind: BlockSubheading, Text: fmt.Sprintf("（%s）%s %s（失分%s分%s）", cnOrdinal[i], ts.Task, ts.Title, f2(ts.Possible-ts.Score), light)})
		what := reasonOf(ts)
		if what == "" {
			what = fullWidthPunct(stripRefs(ts.Explanation))
		}
		bs = append(bs, Block{Kind: BlockText, Text: "现状：" + what + "。目标：" + ts.Target + "。"})
		if vs, n := laggards(c, ts.Task, 8); n > 0 {
			s := "未达标的村：" + strings.Join(vs, "、")
			if n > len(vs) {
				s += fmt.Sprintf("等%d个村", n)
			}
			bs = append(bs, Block{Kind: BlockText, Text: s + "。"})
		}
		bs = append(bs, ownWords(ts)...)
	}
	// The county's words on its other red tasks.
	var other []Block
	for i := range c.Tasks {
		ts := &c.Tasks[i]
		if ts.Light != score.Red || in[ts.Task] {
			continue
		}
		if w := ownWords(ts); len(w) > 0 {
			other = append(other, Block{Kind: BlockText, Text: ts.Task + " " + ts.Title + "（红灯）："})
			other = append(other, w...)
		}
	}
	if len(other) > 0 {
		bs = append(bs, Block{Kind: BlockSubheading, Text: "其他红灯任务本单位填报的情况"})
		bs = append(bs, other...)
	}
	return bs
}

// ownWords quotes what the county wrote under 存在问题 and 下步打算.
func ownWords(ts *score.TaskScore) []Block {
	var bs []Block
	if p := strings.TrimSpace(ts.Problems); p != "" {
		bs = append(bs, Block{Kind: BlockQuote, Text: "本单位填报的存在问题：" + p})
	}
	if p := strings.TrimSpace(ts.NextSteps); p != "" {
		bs = append(bs, Block{Kind: BlockQuote, Text: "本单位填报的下步打算：" + p})
	}
	return bs
}

// previousMean is the average total of the latest period before res in history.
func previousMean(res *score.Result, history []*score.Result) (float64, string, bool) {
	var prev *score.Result
	for _, h := range history {
		if h != nil && h.Period < res.Period && h.Assessed > 0 && (prev == nil || h.Period > prev.Period) {
			prev = h
		}
	}
	if prev == nil {
		return 0, "", false
	}
	st, ok := prev.Stats["total"]
	return st.Mean, prev.Period, ok
}

func nameScore(c *score.CountyResult) string {
	return c.Name + "（" + f2(c.Total) + "分）"
}

// systemic returns the tasks red in at least half of the units assessed, most first,
// at most five.
func systemic(res *score.Result) []score.TaskRedCount {
	if res.Assessed == 0 {
		return nil
	}
	half := (res.Assessed + 1) / 2
	var out []score.TaskRedCount
	for _, r := range res.RedTasks {
		if r.Red >= half && len(out) < 5 {
			out = append(out, r)
		}
	}
	return out
}

// briefBlocks is the leaders' brief, page 1 of the 通报 and the summary mail's body.
func briefBlocks(res *score.Result, history []*score.Result) []Block {
	var bs []Block
	text := func(s string) { bs = append(bs, Block{Kind: BlockText, Text: s}) }
	heading := func(s string) { bs = append(bs, Block{Kind: BlockHeading, Text: s}) }
	period := periodText(res.Period)
	bs = append(bs, Block{Kind: BlockText, NoIndent: true, Text: "各县（市、区）和功能区："})
	text("现将" + period + "全市乡村振兴重点工作任务推进情况考核结果通报如下。")

	cp := res.Completeness
	var ranked []*score.CountyResult
	for i := range res.Counties {
		if res.Counties[i].Submitted {
			ranked = append(ranked, &res.Counties[i])
		}
	}
	heading("一、总体情况")
	s := fmt.Sprintf("全市应报送%d个单位，已报送%d个（按时%d个、迟报%d个），未报送%d个。", cp.Expected, cp.Submitted, cp.OnTime, cp.Late, cp.Expected-cp.Submitted)
	if st, ok := res.Stats["total"]; ok && len(ranked) > 0 {
		s += fmt.Sprintf("参加评分的%d个单位平均得分%s分", len(ranked), f2(st.Mean))
		if pm, pp, ok := previousMean(res, history); ok {
			d := math.Round((st.Mean-pm)*100) / 100
			switch {
			case d > 0:
				s += fmt.Sprintf("，较%s（%s分）提高%s分", periodText(pp), f2(pm), f2(d))
			case d < 0:
				s += fmt.Sprintf("，较%s（%s分）降低%s分", periodText(pp), f2(pm), f2(-d))
			default:
				s += fmt.Sprintf("，与%s持平", periodText(pp))
			}
		}
		s += fmt.Sprintf("；最高%s分，最低%s分。", f2(st.Max), f2(st.Min))
	}
	if n := len(res.Doubts); n > 0 {
		units := map[string]bool{}
		for _, d := range res.Doubts {
			units[d.Name] = true
		}
		s += fmt.Sprintf("%d个单位的%d项任务自报进度明显高于台账数据（存疑），已按数据计分，详见附件5。", len(units), n)
	}
	if n := checkedUnits(res); n > 0 {
		s += fmt.Sprintf("考核办抽查核查和加减分涉及%d个单位，详见附件6。", n)
	}
	text(s)

	if len(ranked) > 0 {
		heading("二、排名情况")
		// Top and bottom across every unit by total: the result lists each ranking (县市区,
		// 功能区) apart when the checklist ranks the types separately.
		ranked := slices.Clone(ranked)
		slices.SortStableFunc(ranked, func(a, b *score.CountyResult) int { return cmp.Compare(b.Total, a.Total) })
		k := min(3, len(ranked))
		var top, low []string
		for _, c := range ranked[:k] {
			top = append(top, nameScore(c))
		}
		s := "综合得分前" + cnOrdinal[k-1] + "名：" + strings.Join(top, "、")
		if len(ranked) > 3 {
			lk := min(3, len(ranked)-3)
			for _, c := range ranked[len(ranked)-lk:] {
				low = append(low, nameScore(c))
			}
			s += "；后" + cnOrdinal[lk-1] + "名：" + strings.Join(low, "、")
		}
		text(s + "。")
		var up, down []*score.CountyResult
		for _, c := range ranked {
			if c.HasPrev && c.RankChange > 0 {
				up = append(up, c)
			}
			if c.HasPrev && c.RankChange < 0 {
				down = append(down, c)
			}
		}
		slices.SortStableFunc(up, func(a, b *score.CountyResult) int { return cmp.Compare(b.RankChange, a.RankChange) })
		slices.SortStableFunc(down, func(a, b *score.CountyResult) int { return cmp.Compare(a.RankChange, b.RankChange) })
		var parts []string
		if len(up) > 0 {
			var l []string
			for _, c := range up[:min(3, len(up))] {
				l = append(l, fmt.Sprintf("%s（上升%d位，第%d名）", c.Name, c.RankChange, c.Rank))
			}
			parts = append(parts, "位次上升较多的是"+strings.Join(l, "、"))
		}
		if len(down) > 0 {
			var l []string
			for _, c := range down[:min(3, len(down))] {
				l = append(l, fmt.Sprintf("%s（下降%d位，第%d名）", c.Name, -c.RankChange, c.Rank))
			}
			parts = append(parts, "位次下降较多的是"+strings.Join(l, "、"))
		}
		if len(parts) > 0 {
			text(strings.Join(parts, "；") + "。")
		}
	}

	heading(cnOrdinal[len(headings(bs))] + "、报送情况")
	var late []string
	for _, c := range ranked {
		if c.DaysLate > 0 {
			late = append(late, fmt.Sprintf("%s（迟报%d天）", c.Name, c.DaysLate))
		}
	}
	var sub []string
	if len(late) > 0 {
		sub = append(sub, "迟报的是"+strings.Join(late, "、"))
	}
	if len(cp.MissList) > 0 {
		sub = append(sub, "未报送的是"+strings.Join(cp.MissList, "、"))
	}
	if len(cp.RejList) > 0 {
		sub = append(sub, "报表被退回后未重新报送的是"+strings.Join(cp.RejList, "、"))
	}
	if len(sub) == 0 {
		text("各单位均按时报送。")
	} else {
		text(strings.Join(sub, "；") + "。")
	}

	heading(cnOrdinal[len(headings(bs))] + "、需要关注的共性问题")
	sys := systemic(res)
	if len(sys) == 0 {
		text("本期没有在半数以上单位亮红灯的任务。")
	} else {
		text(fmt.Sprintf("以下%d项任务在半数以上单位亮红灯，各单位填报的存在问题摘录如下。", len(sys)))
	}
	for i, r := range sys {
		bs = append(bs, Block{Kind: BlockSubheading, Text: fmt.Sprintf("（%s）%s %s：%d个单位红灯", cnOrdinal[i], r.Task, r.Title, r.Red)})
		if q := quotes(res, r.Task); q != "" {
			bs = append(bs, Block{Kind: BlockQuote, Text: q})
		} else {
			text("红灯单位均未填写存在问题。")
		}
	}
	return bs
}

func headings(bs []Block) []Block {
	var out []Block
	for _, b := range bs {
		if b.Kind == BlockHeading {
			out = append(out, b)
		}
	}
	return out
}

// quotes gathers what the units where a task is red wrote under 存在问题, the same
// words once with every unit that wrote them: “资金保障不足”（任城区、兖州区）；…
func quotes(res *score.Result, task string) string {
	type q struct {
		text  string
		names []string
	}
	var qs []*q
	by := map[string]*q{}
	for i := range res.Counties {
		c := &res.Counties[i]
		ts := taskOf(c, task)
		if !c.Submitted || ts == nil || ts.Light != score.Red {
			continue
		}
		p := strings.TrimRight(strings.TrimSpace(ts.Problems), "。；;，,.")
		if p == "" {
			continue
		}
		if by[p] == nil {
			by[p] = &q{text: p}
			qs = append(qs, by[p])
		}
		by[p].names = append(by[p].names, c.Name)
	}
	var out []string
	for i, x := range qs {
		if i == 6 {
			out = append(out, fmt.Sprintf("另有%d条", len(qs)-6))
			break
		}
		out = append(out, "“"+x.text+"”（"+strings.Join(x.names, "、")+"）")
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "；") + "。"
}

// lightMatrix is the unit × task light matrix, one table per area.
func lightMatrix(res *score.Result) []Block {
	bs := []Block{{Kind: BlockText, NoIndent: true, Text: "表中为各单位每项任务的亮灯情况，表头为任务编号（见考核清单）。"}}
	for ai, a := range res.Areas {
		var ids []string
		for i := range res.Counties {
			c := &res.Counties[i]
			if !c.Submitted {
				continue
			}
			for _, ts := range c.Tasks {
				if ts.Area == a.ID && !slices.Contains(ids, ts.Task) {
					ids = append(ids, ts.Task)
				}
			}
			break
		}
		if len(ids) == 0 {
			continue
		}
		cols := []Column{{Title: "单位", Align: "L"}}
		for _, id := range ids {
			_, n, _ := strings.Cut(id, "、")
			if n == "" {
				n = id
			}
			cols = append(cols, Column{Title: n, Align: "C", Fill: true})
		}
		widths(cols, []float64{0.25}, 0)
		t := &Table{Columns: cols, Size: 9.5, Keep: true}
		for i := range res.Counties {
			c := &res.Counties[i]
			if !c.Submitted {
				continue
			}
			row := Row{Cells: []string{c.Name}}
			for _, id := range ids {
				l := ""
				if ts := taskOf(c, id); ts != nil {
					l = string(ts.Light)
				}
				row.Cells = append(row.Cells, l)
			}
			t.Rows = append(t.Rows, row)
		}
		idx := ai
		if idx >= len(cnOrdinal) {
			idx = len(cnOrdinal) - 1
		}
		bs = append(bs, Block{Kind: BlockSubheading, Text: fmt.Sprintf("（%s）%s", cnOrdinal[idx], a.Name)})
		bs = append(bs, Block{Kind: BlockTable, Table: t})
	}
	return bs
}

// SummaryBrief returns the leaders' brief of the 通报 as plain text, for the body of the
// summary mail: the title, the brief's paragraphs and headings, the office and the date.
func SummaryBrief(res *score.Result, history []*score.Result, office string) string {
	var b strings.Builder
	b.WriteString(summaryTitleOf(res.Period) + "\n\n")
	for _, bl := range briefBlocks(res, history) {
		switch {
		case bl.Kind == BlockHeading:
			b.WriteString("\n" + bl.Text + "\n")
		case bl.NoIndent:
			b.WriteString(bl.Text + "\n")
		default:
			b.WriteString("　　" + bl.Text + "\n")
		}
	}
	b.WriteString("　　" + escalationLine(res, history) + "\n")
	list := "综合排名、分领域得分、任务亮灯情况、红灯任务清单、存疑申报"
	if checkedUnits(res) > 0 {
		list += "、" + checksTitle
	}
	list += "、" + escalationAttach
	b.WriteString("\n详见附件（通报全文及" + list + "）。\n\n")
	if office != "" {
		b.WriteString(fullWidthPunct(office) + "\n")
	}
	if d := dateText(issued(res)); d != "" {
		b.WriteString(d + "\n")
	}
	return b.String()
}

// checkedUnits counts the units with office records (抽查核查, 加分, 减分) this period.
func checkedUnits(res *score.Result) int {
	n := 0
	for i := range res.Counties {
		if len(res.Counties[i].Checks) > 0 {
			n++
		}
	}
	return n
}
