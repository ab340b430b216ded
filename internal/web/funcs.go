package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/jining/kaohe/jobs"
	"github.com/jining/kaohe/templates"
)

func funcs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02 15:04")
		},
		"size": func(n int64) string {
			switch {
			case n >= 1<<20:
				return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
			case n >= 1<<10:
				return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
			}
			return fmt.Sprintf("%d B", n)
		},
		"periodLabel": templates.PeriodLabel,
		"role":        func(r string) string { return roleNames[r] },
		"join":        strings.Join,
		"pct":         func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"kind":        func(k string) string { return orKey(kindNames, k) },
		"job":         func(j string) string { return orKey(jobNames, j) },
		"action":      func(a string) string { return orKey(actionNames, a) },
		"add":         func(a, b int) int { return a + b },
		"f2":          func(f float64) string { return fmt.Sprintf("%.2f", f) },
		"outcome":     outcome,
	}
}

// outcome says in Chinese what the intake did with a mail (its stored outcome, e.g.
// "accepted", "source_pending: a@b", "source accepted by 王芳: accepted"); an unknown one
// shows as it is.
func outcome(o string) string {
	if by, st, ok := strings.Cut(strings.TrimPrefix(o, "source accepted by "), ": "); ok && strings.HasPrefix(o, "source accepted by ") {
		return "经" + by + "确认来源后" + orKey(outcomeNames, st) // st: the submission's status, accepted or rejected
	}
	if k, _, ok := strings.Cut(o, ": "); ok && k == jobs.OutcomeSourcePending {
		return outcomeNames[k]
	}
	return orKey(outcomeNames, o)
}

var outcomeNames = map[string]string{jobs.OutcomeAccepted: "受理", jobs.OutcomeRejected: "有问题，已退回", jobs.OutcomeNoForm: "未附报表",
	jobs.OutcomeUnknownSender: "未登记邮箱，未回复", jobs.OutcomeUnreadable: "无法读取", jobs.OutcomeSourcePending: "待确认来源"}

// Chinese names of mail kinds, jobs and audited actions; an unknown key shows as it is.
var (
	kindNames = map[string]string{templates.MailDispatch: "下发报表", templates.MailReceipt: "回执", templates.MailReject: "退回",
		templates.MailNoForm: "未附报表", templates.MailRemind: "提醒", templates.MailReport: "考核报告", templates.MailSummary: "汇总通报",
		templates.MailOverdue: "逾期", templates.MailExtend: "延期", templates.MailEscalate: "督办", templates.MailReviewReturn: "审核退回"}
	jobNames    = map[string]string{"dispatch": "下发", "collect": "收取", "remind": "提醒", "assess": "评估", "deliver": "投递", "review": "审核"}
	actionNames = map[string]string{"login": "登录", "adjust.add": "记录加减分", "adjust.revoke": "撤销记录", "verify.sample": "下载核查表",
		"verify.import": "导入核查结果", "outbox.resend": "重新发送", "review.approve": "审核通过", "review.return": "审核退回",
		"review.accept-source": "确认来源", "review.discard": "舍弃来源",
		"user.add": "添加用户", "user.disable": "停用用户", "user.enable": "启用用户", "message.download": "下载来信原件"}
)

func orKey(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}
