package templates

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"
	"time"
)

//go:embed mail/*.tmpl
var mailFS embed.FS

var mailTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"inc":  func(i int) int { return i + 1 },
	"join": strings.Join,
}).ParseFS(mailFS, "mail/*.tmpl"))

// Mail kinds, one template each in templates/mail.
const (
	MailDispatch = "dispatch" // the form, at the start of a period
	MailReceipt  = "receipt"  // 回执: form accepted
	MailReject   = "reject"   // 退回: form rejected, problems listed
	MailNoForm   = "noform"   // a mail with no form attached
	MailRemind   = "remind"   // no accepted form yet, deadline near
	MailReport   = "report"   // a county's assessment report
	MailSummary  = "summary"  // the summary for leaders
	MailOverdue  = "overdue"  // 【逾期】: a form after the period was locked, stored but not scored
	MailExtend   = "extend"   // 【延期】: the office opened a locked period for the county
	MailEscalate = "escalate" // 督办单: a task red month after month (提醒, 督办, 通报)
	// MailReviewReturn is the office's 退回 of an accepted form after review, with its
	// reasons and the cells it names (kaohe review return).
	MailReviewReturn = "review_return"
)

// MailData is what the mail templates may use; each template uses a part of it.
type MailData struct {
	Office       string
	Contact      string // whom to ask: office.contact; empty: the office
	CountyName   string
	Org          string // the unit's organisation department, addressed at the top: 中共任城区委组织部
	LateRule     string // the checklist's late deductions in words: 迟报1至3天扣0.5分，超过3天扣1分
	Period       string // YYYY-MM
	Deadline     time.Time
	Date         time.Time // when the mail is written
	ReturnTo     string
	Prefilled    bool
	Received     time.Time
	Filename     string
	Subject      string // of the mail being answered
	Attachments  []string
	Evidence     []string // receipt: the evidence files kept (and their tasks) or refused, one line each
	Version      int
	Stats        Stats
	LateDays     int
	Problems     []string // "工作表!单元格：说明"
	Annotated    bool
	CurrentForm  bool // the reject mail attaches the current form (the one sent was out of date); Prefilled: from it
	Rejected     bool
	DaysLeft     int
	Submitted    bool
	Total        string
	Grade        string
	Rank, Of     int
	ChangeText   string
	Expected     int
	OnTime, Late int
	Missing      int
	Top          []string
	WithSummary  bool // the report mail also carries the summary 通报 (report.summary_to)
	Correction   bool // the report is a 更正 of one mailed before
	OverdueDays  int  // a reminder after the deadline: days (started) past it
	Copied       bool // the mail is copied to the unit's escalation addresses (roster escalate_to)

	Locked time.Time // when the period was locked (overdue)
	Until  time.Time // the county's extended deadline (extend)
	Reason string    // why (extend)
	Level  string    // 督办 level: 提醒, 督办, 通报 (escalate)
	Task   string    // task number and title (escalate): 四、3 农村饮水安全
	Months int       // consecutive periods red (escalate)
	Due    time.Time // by when the county must answer (escalate)

	// The office's review (issue 14).
	Review      bool     // receipt: the form waits for the office's review (review.required)
	Changes     []string // receipt of a resubmission: "工作表!单元格：旧 → 新", at most 30
	MoreChanges int      // receipt: changes beyond those listed
	Unchanged   []string // receipt: cells the office returned that this version leaves as they were
	Sender      string   // receipt of a form from an address not on the roster, accepted by the office
	Reasons     []string // review return: the office's reasons
	Cells       []string // review return: "工作表!单元格：说明"
	By          string   // review return: who returned it
}

// LockedText, UntilText and DueText are those times in Chinese: 2026年12月28日18时.
func (d MailData) LockedText() string { return timeText(d.Locked) }

// UntilText is Until in Chinese.
func (d MailData) UntilText() string { return timeText(d.Until) }

// DueText is Due in Chinese.
func (d MailData) DueText() string { return timeText(d.Due) }

// TimeText is a time in Chinese as deadlines are written: 2026年12月28日18时, with the
// minutes when there are some (2026年12月28日18时30分).
func TimeText(t time.Time) string { return timeText(t) }

func timeText(t time.Time) string {
	s := fmt.Sprintf("%d年%d月%d日%d时", t.Year(), int(t.Month()), t.Day(), t.Hour())
	if t.Minute() != 0 {
		s += fmt.Sprintf("%d分", t.Minute())
	}
	return s
}

// PrevVersion is the version a resubmission replaces.
func (d MailData) PrevVersion() int { return d.Version - 1 }

// OrgName is whom the mail addresses: Org, else 中共<CountyName>委组织部.
func (d MailData) OrgName() string {
	if d.Org != "" {
		return d.Org
	}
	return "中共" + d.CountyName + "委组织部"
}

// ContactText is whom to ask: Contact, else the office.
func (d MailData) ContactText() string {
	if d.Contact != "" {
		return d.Contact
	}
	return d.Office
}

// PeriodEndText is the last day of the period's month in Chinese: 2026年11月30日.
func (d MailData) PeriodEndText() string {
	t, err := time.Parse("2006-01", d.Period)
	if err != nil {
		return ""
	}
	e := t.AddDate(0, 1, -1)
	return fmt.Sprintf("%d年%d月%d日", e.Year(), int(e.Month()), e.Day())
}

// TemplateVersion is the current form's template version, for the mail texts.
func (d MailData) TemplateVersion() string { return TemplateVersion }

// OldForm reports whether the answered form is of an earlier template version (read by
// its own version's rules).
func (d MailData) OldForm() bool {
	return d.Stats.Template != "" && d.Stats.Template != TemplateVersion
}

// NoEvidenceText is the progress 已完成 without 佐证 counts for: 80%.
func (d MailData) NoEvidenceText() string {
	return formatNumber(d.Stats.DoneWithoutEvidence*100) + "%"
}

// PeriodText is the period in Chinese: 2026年11月.
func (d MailData) PeriodText() string { return PeriodLabel(d.Period) }

// DeadlineText is the deadline in Chinese: 2026年11月25日18时.
func (d MailData) DeadlineText() string {
	return fmt.Sprintf("%d年%d月%d日%d时", d.Deadline.Year(), int(d.Deadline.Month()), d.Deadline.Day(), d.Deadline.Hour())
}

// ReceivedText is when the answered mail or form arrived, in Chinese.
func (d MailData) ReceivedText() string {
	t := d.Received
	return fmt.Sprintf("%d年%d月%d日%02d:%02d", t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute())
}

// DateText is the date the mail is written, in Chinese.
func (d MailData) DateText() string {
	return fmt.Sprintf("%d年%d月%d日", d.Date.Year(), int(d.Date.Month()), d.Date.Day())
}

// RenderMail renders the mail template kind with d and returns its subject and body.
// It returns an error for an unknown kind or a template that fails to execute.
func RenderMail(kind string, d MailData) (subject, body string, err error) {
	var b bytes.Buffer
	if err := mailTemplates.ExecuteTemplate(&b, kind+".tmpl", d); err != nil {
		return "", "", fmt.Errorf("mail template %s: %w", kind, err)
	}
	head, rest, ok := strings.Cut(b.String(), "\n\n")
	if !ok || !strings.HasPrefix(head, "Subject: ") {
		return "", "", fmt.Errorf("mail template %s: must start with a Subject: line and a blank line", kind)
	}
	return strings.TrimPrefix(head, "Subject: "), strings.TrimLeft(rest, "\n"), nil
}
