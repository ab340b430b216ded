package templates

import (
	"strings"
	"testing"
	"time"
)

func TestRenderMail(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	d := MailData{
		Office: "济宁市委组织部", CountyName: "任城区", Period: "2026-11",
		Deadline: time.Date(2026, 11, 25, 18, 0, 0, 0, loc), Date: time.Date(2026, 11, 1, 8, 0, 0, 0, loc),
		Received: time.Date(2026, 11, 27, 9, 5, 0, 0, loc), Filename: "任城区.xlsx", ReturnTo: "kaohe@jining.kaohe.test",
		Version: 2, Stats: Stats{Tasks: 42, Indicators: 3, Villages: 38}, LateDays: 2,
		Problems: []string{"村级台账!E5: 请填写数字", "重点任务!E7: 请选择进展状态"}, Annotated: true,
		Submitted: true, Total: "91.25", Grade: "优秀", Rank: 2, Of: 13, ChangeText: ",比上期上升1位",
		Expected: 14, OnTime: 11, Late: 1, Missing: 1, Top: []string{"邹城市", "任城区", "曲阜市"},
		Attachments: []string{"说明.docx"}, Subject: "十一月报表", DaysLeft: 3, Rejected: true, Prefilled: true,
	}
	want := map[string][]string{
		MailDispatch: {"【请填报】任城区", "2026年11月25日18时", "预填", "四、报送方式", "kaohe@jining.kaohe.test"},
		MailReceipt:  {"【回执】", "(第2版)", "替代", "42项任务", "38个村", "迟报"},
		MailReject:   {"【退回】", "2个问题", "1. 村级台账!E5: 请填写数字", "2. 重点任务!E7", "标成红色"},
		MailNoForm:   {"没有找到进展填报表", "说明.docx", "十一月报表"},
		MailRemind:   {"【提醒】", "还有3天", "未通过校验"},
		MailReport:   {"总分91.25分", "“优秀”", "13个单位中列第2位,比上期上升1位"},
		MailSummary:  {"应报14个单位", "邹城市、任城区、曲阜市"},
	}
	for kind, ws := range want {
		subj, body, err := RenderMail(kind, d)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		all := subj + "\n" + body
		if strings.Contains(all, "<no value>") {
			t.Errorf("%s: unfilled field:\n%s", kind, all)
		}
		for _, w := range ws {
			if !strings.Contains(all, w) {
				t.Errorf("%s: missing %q in:\n%s", kind, w, all)
			}
		}
	}
	if _, _, err := RenderMail("nope", d); err == nil {
		t.Error("unknown kind: want error")
	}
}
