package seeds

// Status is a task's 进展状态 as reported on the form.
type Status int

// The statuses a county can report; StatusNone means the cell was empty.
const (
	StatusNone Status = iota
	StatusNotStarted
	StatusInProgress
	StatusDone
)

// StatusNames are the Chinese labels of the drop-down, in order.
var StatusNames = []string{"未启动", "推进中", "已完成"}

func (s Status) String() string {
	if s >= StatusNotStarted && s <= StatusDone {
		return StatusNames[s-1]
	}
	return ""
}

// ParseStatus maps a drop-down label to a Status (StatusNone if it is none of them).
func ParseStatus(s string) Status {
	for i, n := range StatusNames {
		if s == n {
			return Status(i + 1)
		}
	}
	return StatusNone
}

// Filing is what one county reported for one period: the data of an accepted form,
// keyed by the checklist's ids, with the cell each value came from (e.g. "村级台账!F12").
// It is the contract between the form parser (templates), the store and the scoring engine.
type Filing struct {
	County  string `json:"county"`
	Period  string `json:"period"` // YYYY-MM
	Version string `json:"checklist_version"`
	// Form is the template version of the form the filing was read from; 0 is the current
	// one (a filing made by a program). The engine scores a filing by its version's rules.
	Form int `json:"template_version,omitempty"`

	Tasks      []TaskReport      `json:"tasks"`      // checklist order
	Indicators map[string]Number `json:"indicators"` // county-level indicators by id
	Villages   []VillageReport   `json:"villages"`   // form order
}

// TaskReport is one row of the 重点任务 sheet.
type TaskReport struct {
	Task      string `json:"task"`
	Status    Status `json:"status"`
	Progress  string `json:"progress,omitempty"`   // 进展情况
	Problems  string `json:"problems,omitempty"`   // 存在问题
	NextSteps string `json:"next_steps,omitempty"` // 下步打算
	Cell      string `json:"cell"`                 // the 进展状态 cell

	// Percent is the 完成进度（%） (0–100) when PercentSet; forms of template version 1
	// have no such column and leave PercentSet false.
	Percent     float64 `json:"percent,omitempty"`
	PercentSet  bool    `json:"percent_set,omitempty"`
	PercentCell string  `json:"percent_cell,omitempty"`
	// Evidence is the 佐证说明 of the row: what proves the progress (a document, an
	// evidence file's name). 已完成 without it counts as scoring.done_without_evidence.
	Evidence string `json:"evidence,omitempty"`
}

// Number is one reported value. Bool indicators are 1 (是) or 0 (否).
type Number struct {
	Value float64 `json:"v"`
	Set   bool    `json:"set"`            // false when the cell was left empty
	Note  string  `json:"note,omitempty"` // 佐证说明 (county-level indicators)
	Cell  string  `json:"cell"`
}

// VillageReport is one row of the 村级台账 sheet.
type VillageReport struct {
	Town      string            `json:"town"`
	Village   string            `json:"village"`
	Secretary string            `json:"secretary,omitempty"`
	Row       int               `json:"row"`
	Values    map[string]Number `json:"values"` // village-level indicators by id
}

// Task returns the report of one task, or nil.
func (f *Filing) Task(id string) *TaskReport {
	for i := range f.Tasks {
		if f.Tasks[i].Task == id {
			return &f.Tasks[i]
		}
	}
	return nil
}
