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
	case ts.NoEvidence:
		r = "已完成但未填佐证说明（缺佐证）"
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

// nameScore is a unit with its total, 曲阜市95.19分: without brackets, which the line
// breaking rules (避头尾) would keep together with the name's last character and leave
// loose lines in the justified brief.
// A name ending in a digit or a Latin letter (a generated roster's 测试县B026) keeps
// the brackets, so the number does not run into it.
func nameScore(c *score.CountyResult) string {
	if r := []rune(c.Name); len(r) > 0 && r[len(r)-1] < 0x2000 {
		return c.Name + "（" + f2(c.Total) + "分）"
	}
	return c.Name + f2(c.Total) + "分"
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

// The leaders' brief is page 1 of the 通报 (GB/T 9704: 22 lines of 28 characters at
// 16 pt, of which the title, the 主送 line and the headings' spacing take about five).
// briefBlocks estimates each paragraph's lines at briefCols characters (a digit or a
// Latin letter counting half) and shortens the list of systemic weak tasks until the
// brief fits briefLines; TestBriefOnePage checks the rendered page.
const (
	briefCols  = 28
	briefLines = 18
)

// briefMeasure is a character's share of a 16 pt line: 1 for a Chinese character or
// full-width punctuation, 0.5 for a digit, Latin letter or ASCII sign.
func briefMeasure(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r < 0x2000 {
			w += 0.5
		} else {
			w++
		}
	}
	return w
}

// briefHeight estimates the lines blocks take on the 通报's page: a heading a line and a
// fifth (its spacing), a paragraph its wrapped lines, indented two characters.
func briefHeight(bs []Block) float64 {
	h := 0.0
	for _, b := range bs {
		if b.Kind == BlockHeading || b.Kind == BlockSubheading {
			h += 1.2
			continue
		}
		t := b.Text
		if !b.NoIndent {
			t = "　　" + t
		}
		for para := range strings.SplitSeq(t, "\n") {
			h += float64(len(wrap(para, briefCols, briefMeasure)))
		}
	}
	return h
}

// namesUpTo joins at most n names with 、, then “等N个单位” when there are more.
func namesUpTo(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, "、")
	}
	return strings.Join(names[:n], "、") + fmt.Sprintf("等%d个单位", len(names))
}

// briefBlocks is the leaders' brief, page 1 of the 通报 and the summary mail's body:
// completeness with the late and missing units by name, the average and its change,
// 存疑 and the office's records, top and bottom three, the biggest risers and fallers,
// and the systemic weak tasks (red in at least half of the units, at most five) with
// what the units wrote under 存在问题.
func briefBlocks(res *score.Result, history []*score.Result) []Block {
	nsys := len(systemic(res))
	var bs []Block
	for _, o := range briefCuts(nsys) {
		bs = briefWith(res, history, o)
		if briefHeight(bs) <= briefLines {
			break
		}
	}
	return bs
}

// briefOpts says how much the brief lists: names before “等N个单位” (late, missing,
// rejected; 存疑; each quote's units), risers and fallers, systemic tasks and quotes each.
// noRates leaves out the city's rates (they stay in their 附件).
type briefOpts struct {
	names, doubtNames, quoteNames, movers, tasks, quotes int
	noRates                                              bool
}

// briefCuts lists the briefs to try, richest first, each a little shorter than the one
// before; the last is the shortest the brief gets.
func briefCuts(nsys int) []briefOpts {
	o := briefOpts{names: 3, doubtNames: 3, quoteNames: 2, movers: 2, tasks: nsys, quotes: 2}
	cuts := []briefOpts{o}
	step := func(f func(*briefOpts)) { f(&o); cuts = append(cuts, o) }
	step(func(o *briefOpts) { o.quotes = 1 })
	step(func(o *briefOpts) { o.doubtNames = 0 })
	step(func(o *briefOpts) { o.quoteNames = 1 })
	step(func(o *briefOpts) { o.noRates = true })
	for o.tasks > 1 {
		step(func(o *briefOpts) { o.tasks-- })
	}
	step(func(o *briefOpts) { o.movers = 1 })
	step(func(o *briefOpts) { o.names = 1 })
	return cuts
}

func briefWith(res *score.Result, history []*score.Result, o briefOpts) []Block {
	var bs []Block
	text := func(s string) { bs = append(bs, Block{Kind: BlockText, Text: s}) }
	heading := func(s string) { bs = append(bs, Block{Kind: BlockHeading, Text: s}) }
	period := periodText(res.Period)
	bs = append(bs, Block{Kind: BlockText, NoIndent: true, Text: "各县（市、区）和功能区："})
	text("现将" + period + "乡村振兴重点任务考核结果通报如下。")

	cp := res.Completeness
	var ranked []*score.CountyResult
	for i := range res.Counties {
		if res.Counties[i].Submitted {
			ranked = append(ranked, &res.Counties[i])
		}
	}
	heading("一、总体情况")
	var late []string
	for _, c := range ranked {
		if c.DaysLate > 0 {
			late = append(late, fmt.Sprintf("%s迟%d天", c.Name, c.DaysLate))
		}
	}
	s := fmt.Sprintf("全市应报送%d个单位，已报送%d个", cp.Expected, cp.Submitted)
	if len(late) > 0 {
		s += fmt.Sprintf("，其中迟报%d个（%s）", len(late), namesUpTo(late, o.names))
	}
	if len(cp.MissList) > 0 {
		s += fmt.Sprintf("；未报送%d个（%s）", len(cp.MissList), namesUpTo(cp.MissList, o.names))
	}
	if len(cp.RejList) > 0 {
		s += fmt.Sprintf("；报表被退回后未重新报送%d个（%s）", len(cp.RejList), namesUpTo(cp.RejList, o.names))
	}
	s += "。"
	if !o.noRates {
		s += ratesText(res, history)
	}
	if st, ok := res.Stats["total"]; ok && len(ranked) > 0 {
		s += fmt.Sprintf("平均得分%s分", f2(st.Mean))
		if pm, pp, ok := previousMean(res, history); ok {
			than := "较" + periodText(pp)
			if pt, err := time.Parse("2006-01", res.Period); err == nil && pt.AddDate(0, -1, 0).Format("2006-01") == pp {
				than = "较上月"
			}
			d := math.Round((st.Mean-pm)*100) / 100
			switch {
			case d > 0:
				s += fmt.Sprintf("，%s（%s分）提高%s分", than, f2(pm), f2(d))
			case d < 0:
				s += fmt.Sprintf("，%s（%s分）降低%s分", than, f2(pm), f2(-d))
			default:
				s += fmt.Sprintf("，与%s持平", strings.TrimPrefix(than, "较"))
			}
		}
		s += fmt.Sprintf("；最高%s分，最低%s分。", f2(st.Max), f2(st.Min))
	}
	if n := len(res.Doubts); n > 0 {
		var units []string
		for _, d := range res.Doubts {
			if !slices.Contains(units, d.Name) {
				units = append(units, d.Name)
			}
		}
		who := fmt.Sprintf("%d个单位", len(units))
		if o.doubtNames > 0 {
			who = namesUpTo(units, o.doubtNames)
		}
		s += fmt.Sprintf("%s的%d项任务自报进度明显高于台账数据（存疑），已按数据计分（附件5）。", who, n)
	}
	if n := checkedUnits(res); n > 0 {
		s += fmt.Sprintf("考核办抽查核查和加减分涉及%d个单位（附件6）。", n)
	}
	s += escalationText(res)
	text(s)

	if len(ranked) > 0 {
		// Top and bottom across every unit by total: the result lists each ranking (县市区,
		// 功能区) apart when the checklist ranks the types separately.
		ranked := slices.Clone(ranked)
		slices.SortStableFunc(ranked, func(a, b *score.CountyResult) int { return cmp.Compare(b.Total, a.Total) })
		k := min(3, len(ranked))
		var top, low []string
		for _, c := range ranked[:k] {
			top = append(top, nameScore(c))
		}
		s := "前" + cnOrdinal[k-1] + "名：" + strings.Join(top, "、")
		if len(ranked) > 3 {
			lk := min(3, len(ranked)-3)
			for _, c := range ranked[len(ranked)-lk:] {
				low = append(low, nameScore(c))
			}
			s += "；后" + cnOrdinal[lk-1] + "名：" + strings.Join(low, "、")
		}
		s += "。"
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
			for _, c := range up[:min(o.movers, len(up))] {
				l = append(l, fmt.Sprintf("%s（升%d位）", c.Name, c.RankChange))
			}
			parts = append(parts, "位次上升较多的是"+strings.Join(l, "、"))
		}
		if len(down) > 0 {
			var l []string
			for _, c := range down[:min(o.movers, len(down))] {
				l = append(l, fmt.Sprintf("%s（降%d位）", c.Name, -c.RankChange))
			}
			parts = append(parts, "下降较多的是"+strings.Join(l, "、"))
		}
		if len(parts) > 0 {
			s += strings.Join(parts, "；") + "。"
		}
		text(s)
	}

	heading(cnOrdinal[len(headings(bs))] + "、需要关注的共性问题")
	sys := systemic(res)
	if len(sys) == 0 {
		text("本期没有在半数以上单位亮红灯的任务。")
		return bs
	}
	return append(bs, systemicBlocks(res, sys, o)...)
}

// systemicBlocks words the first o.tasks of sys, each with up to o.quotes of what its
// red units wrote under 存在问题, the rest counted.
func systemicBlocks(res *score.Result, sys []score.TaskRedCount, o briefOpts) []Block {
	var bs []Block
	tasks := min(o.tasks, len(sys))
	for i, r := range sys[:tasks] {
		s := ""
		if len(sys) > 1 {
			s = "（" + cnOrdinal[i] + "）"
		}
		s += fmt.Sprintf("%s（%s），%d个单位红灯。", r.Title, r.Task, r.Red)
		if q := quotes(res, r.Task, o.quotes, o.quoteNames); q != "" {
			s += "填报的问题有：" + q
		} else {
			s += "红灯单位均未填写存在问题。"
		}
		bs = append(bs, Block{Kind: BlockText, Text: s})
	}
	if rest := len(sys) - tasks; rest > 0 {
		bs = append(bs, Block{Kind: BlockText, Text: fmt.Sprintf("另有%d项任务在半数以上单位亮红灯，见附件4。", rest)})
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

// quotes gathers what the units where a task is red wrote under 存在问题: the same words
// once with the units that wrote them, the words most units wrote first, at most max of
// them, then how many more: “资金保障不足”（任城区、兖州区）；…
func quotes(res *score.Result, task string, max, names int) string {
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
	slices.SortStableFunc(qs, func(a, b *q) int { return cmp.Compare(len(b.names), len(a.names)) })
	var out []string
	for i, x := range qs {
		if i == max {
			out = append(out, fmt.Sprintf("另有%d条", len(qs)-max))
			break
		}
		out = append(out, "“"+x.text+"”（"+namesUpTo(x.names, names)+"）")
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

// SummaryBrief returns the 通报's body as plain text, for the summary mail: the title,
// the leaders' brief (its paragraphs and headings), the closing request, the 附件说明
// exactly as the PDF has it, the office and the date. The 附件 include the reports'
// SHA-256 when the 通报 lists them, as WriteAll's does whenever there are county reports.
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
	b.WriteString("　　" + closingText + "\n\n")
	b.WriteString(attachmentList(summaryAttachments(res, len(res.Counties) > 0)) + "\n\n")
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
