package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

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
		"f2":          func(f float64) string { return fmt.Sprintf("%.2f", f) },
	}
}
