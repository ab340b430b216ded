package templates

import (
	"strings"
	"testing"
	"time"

	"github.com/jining/kaohe/internal/lang"
)

func TestRenderMail(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	d := MailData{
		Office: "济宁市委组织部", CountyName: "任城区", Org: "中共任城区委组织部", Period: "2026-11",
		Contact: "市联席会议办公室，电话0537-2345678", LateRule: "迟报1至3天扣0.5分，超过3天扣1分",
		Deadline: time.Date(2026, 11, 25, 18, 0, 0, 0, loc), Date: time.Date(2026, 11, 1, 8, 0, 0, 0, loc),
		Received: time.Date(2026, 11, 27, 9, 5, 0, 0, loc), Filename: "任城区.xlsx", ReturnTo: "kaohe@jining.kaohe.test",
		Version: 2, Stats: Stats{Tasks: 42, Indicators: 3, Villages: 38}, LateDays: 2,
		Problems: []string{"村级台账!E5：请填写数字", "重点任务!E7：请选择进展状态"}, Annotated: true,
		Submitted: true, Total: "91.25", Grade: "优秀", Rank: 2, Of: 13, ChangeText: "，比上期上升1位",
		Expected: 14, OnTime: 11, Late: 1, Missing: 1, Top: []string{"邹城市", "任城区", "曲阜市"},
		Attachments: []string{"说明.docx"}, Subject: "十一月报表", DaysLeft: 3, Rejected: true, Prefilled: true,
	}
	want := map[string][]string{
		MailDispatch:     {"【请填报】任城区", "2026年11月25日18时", "预填", "四、报送方式", "kaohe@jining.kaohe.test"},
		MailReceipt:      {"【回执】", "（迟报2天，第2版）", "替代", "42项任务", "38个村", "迟报", "迟报1至3天扣0.5分"},
		MailReject:       {"【退回】", "2个问题", "1. 村级台账!E5：请填写数字", "2. 重点任务!E7", "标成红色"},
		MailNoForm:       {"【提示】任城区2026年11月", "中共任城区委组织部：", "没有找到2026年11月乡村振兴重点工作进展表", "说明.docx", "十一月报表", "2026年11月25日18时", "0537-2345678"},
		MailRemind:       {"【提醒】", "还有3天", "未通过校验"},
		MailReport:       {"总分91.25分", "等次“优秀”", "13个单位中居第2名，比上期上升1位"},
		MailSummary:      {"应报14个单位", "邹城市、任城区、曲阜市"},
		MailOverdue:      {"【逾期】任城区2026年11月", "2026年11月30日18时锁定", "不计入考核", "0537-2345678", "《任城区.xlsx》"},
		MailExtend:       {"【延期】任城区2026年11月进展表报送期限延至2026年12月2日18时30分", "系统故障", "第2版", "迟报1至3天扣0.5分"},
		MailEscalate:     {"【督办】任城区2026年11月“四、3 农村饮水安全”连续3个月红灯", "2026年12月25日18时前"},
		MailReviewReturn: {"【退回】任城区2026年11月进展表经审核需要修改", "（第2版）", "退回理由：\n1. 两处数据与统计不符", "需要修改的单元格：\n1. 村级台账!P12：与镇统计站数据不符\n2. 村级台账!Q12：请按年末口径填写", "标成红色"},
	}
	d.Reasons, d.Cells = []string{"两处数据与统计不符"}, []string{"村级台账!P12：与镇统计站数据不符", "村级台账!Q12：请按年末口径填写"}
	d.Locked = time.Date(2026, 11, 30, 18, 0, 0, 0, loc)
	d.Until, d.Reason = time.Date(2026, 12, 2, 18, 30, 0, 0, loc), "县里邮件系统故障"
	d.Level, d.Task, d.Months, d.Due = "督办", "四、3 农村饮水安全", 3, time.Date(2026, 12, 25, 18, 0, 0, 0, loc)
	// A reminder after the deadline, copied to the 分管领导.
	od := d
	od.OverdueDays, od.Copied, od.Locked, od.Until = 1, true, time.Date(2026, 11, 30, 18, 0, 0, 0, loc), time.Time{}
	osubj, obody, err := RenderMail(MailRemind, od)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"已逾期未报送", "已过1天", "2026年11月30日18时后报送期锁定", "抄送你单位分管领导"} {
		if !strings.Contains(osubj+obody, w) {
			t.Errorf("overdue reminder: missing %q in:\n%s\n%s", w, osubj, obody)
		}
	}
	// With an extension for the county, the reminder gives the extended time instead.
	od.Until = time.Date(2026, 12, 2, 18, 30, 0, 0, loc)
	if _, ebody, err := RenderMail(MailRemind, od); err != nil || !strings.Contains(ebody, "你单位报送期限延至2026年12月2日18时30分") || strings.Contains(ebody, "后报送期锁定") {
		t.Errorf("overdue reminder after an extension (%v):\n%s", err, ebody)
	}
	for _, p := range lang.Check(osubj + "\n" + obody) {
		t.Errorf("overdue reminder: %s", p)
	}
	for kind, ws := range want {
		subj, body, err := RenderMail(kind, d)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		all := subj + "\n" + body
		for _, p := range lang.Check(all) {
			t.Errorf("%s: %s", kind, p)
		}
		if kind != MailSummary && (!strings.Contains(subj, "任城区") || !strings.Contains(subj, "2026年11月") || !strings.HasPrefix(body, "中共任城区委组织部：")) {
			t.Errorf("%s: the mail must name the unit and the period in its subject and address the unit's 组织部:\n%s", kind, all)
		}
		if strings.Contains(all, "<no value>") {
			t.Errorf("%s: unfilled field:\n%s", kind, all)
		}
		for _, w := range ws {
			if !strings.Contains(all, w) {
				t.Errorf("%s: missing %q in:\n%s", kind, w, all)
			}
		}
	}
	// The report mail to a unit that did not submit: the notice, what to do, by when, to
	// whom, and what a late form still counts for; nothing about a report it did not get.
	d.Submitted = false
	subj, body, err := RenderMail(MailReport, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"【考核通知】任城区2026年11月", "未报送", "2026年11月30日前", "kaohe@jining.kaohe.test", "迟报1至3天扣0.5分", "不改变本期考核结果", "0537-2345678", "未报送情况通知"} {
		if !strings.Contains(subj+body, w) {
			t.Errorf("report to a non-submitter: missing %q in:\n%s\n%s", w, subj, body)
		}
	}
	for _, p := range lang.Check(subj + body) {
		t.Errorf("report to a non-submitter: %s", p)
	}
	for _, no := range []string{"各领域得分", "逐项任务", "总分"} {
		if strings.Contains(body, no) {
			t.Errorf("report to a non-submitter describes a report it did not get (%q):\n%s", no, body)
		}
	}
	// The receipt of a resubmission under review: what changed, what the office returned
	// and is unchanged, 待审核; and one from an address the office confirmed.
	d.Review, d.Changes, d.MoreChanges, d.Unchanged, d.Sender = true, []string{"村级台账!P12：1 → 2", "重点任务!F3：推进中 → 已完成"}, 4, []string{"村级台账!Q12"}, "clerk@163.com"
	_, body, err = RenderMail(MailReceipt, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"与第1版相比，修改了以下单元格：\n  村级台账!P12：1 → 2\n  重点任务!F3：推进中 → 已完成\n  另有4处修改。\n\n请注意：考核办退回时指出的以下单元格本次没有修改：村级台账!Q12。\n\n读取情况",
		"须经考核办审核", "未登记的邮箱 clerk@163.com"} {
		if !strings.Contains(body, w) {
			t.Errorf("receipt under review: missing %q in:\n%s", w, body)
		}
	}
	for _, p := range lang.Check(body) {
		t.Errorf("receipt under review: %s", p)
	}
	if _, _, err := RenderMail("nope", d); err == nil {
		t.Error("unknown kind: want error")
	}
}
