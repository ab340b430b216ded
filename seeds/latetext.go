package seeds

import (
	"fmt"
	"strconv"
	"strings"
)

// LateText describes the late deductions in Chinese, from the rules as the checklist
// states them (shortest delay first): "迟报1至3天扣0.5分，超过3天扣1分". It returns "" when
// there are no rules, and "迟报不扣分" when every rule deducts nothing.
func (s Scoring) LateText() string {
	if s.LatePerDay > 0 {
		t := "迟报每天扣" + strconv.FormatFloat(s.LatePerDay, 'f', -1, 64) + "分"
		if s.LateCap > 0 {
			t += "，最多扣" + strconv.FormatFloat(s.LateCap, 'f', -1, 64) + "分"
		}
		return t
	}
	if len(s.Late) == 0 {
		return ""
	}
	var parts []string
	from := 1
	any := false
	for _, l := range s.Late {
		pts := strconv.FormatFloat(l.Points, 'f', -1, 64)
		any = any || l.Points > 0
		switch {
		case l.UpToDays == 0 && from == 1:
			parts = append(parts, fmt.Sprintf("迟报扣%s分", pts))
		case l.UpToDays == 0:
			parts = append(parts, fmt.Sprintf("超过%d天扣%s分", from-1, pts))
		case l.UpToDays == from:
			parts = append(parts, fmt.Sprintf("迟报%d天扣%s分", from, pts))
		default:
			parts = append(parts, fmt.Sprintf("迟报%d至%d天扣%s分", from, l.UpToDays, pts))
		}
		if l.UpToDays == 0 {
			break
		}
		from = l.UpToDays + 1
	}
	if !any {
		return "迟报不扣分"
	}
	return strings.Join(parts, "，")
}
