package lang

import "testing"

func TestIsChineseText(t *testing.T) {
	for s, want := range map[string]bool{
		"%s%s,%s,得分率%s%s":                           true,
		"kaohe (考核) turns the checklist into forms": false,
		"任城区":      true,
		"%d forms": false,
	} {
		if got := IsChineseText(s); got != want {
			t.Errorf("IsChineseText(%q) = %v", s, got)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		in   string
		bad  int
		want string // Fix(in)
	}{
		{"格局,年底前", 1, "格局，年底前"},
		{"总分89.13分(第1名)", 2, "总分89.13分（第1名）"},
		{"截止时间: 2026年", 1, "截止时间：2026年"},
		{"重点任务!E2: 说明", 1, "重点任务!E2：说明"},
		{"报送 (第2版) 了", 2, "报送（第2版）了"},
		{"(重点任务!E2)", 2, "（重点任务!E2）"},
		{"进度(3.45万元)", 2, "进度（3.45万元）"},
		{"是否报送?", 1, "是否报送？"},
		{"“一村一品”,年底", 1, "“一村一品”，年底"},
		{"09:30, E2:E9 (a; b)", 0, ""},
		{"Subject: hello", 0, ""},
		{"%s:%s", 0, ""},
		{"3.45万元", 0, ""},
		{"line one\n(next) 中", 2, "line one\n（next）中"},
		{"中\n(x)", 0, ""},
	} {
		ps := Check(tc.in)
		if len(ps) != tc.bad {
			t.Errorf("Check(%q): %d problems %v, want %d", tc.in, len(ps), ps, tc.bad)
		}
		if tc.bad > 0 {
			if got := Fix(tc.in); got != tc.want {
				t.Errorf("Fix(%q) = %q, want %q", tc.in, got, tc.want)
			}
		}
	}
}

func TestBadTerms(t *testing.T) {
	if got := BadTerms("总分90分，等级优秀，列第2位，共13个县市区"); len(got) != 3 {
		t.Errorf("BadTerms: %q, want 3", got)
	}
	if got := BadTerms("等次“优秀”，第2名，济宁高新区党工委组织部，中共任城区委组织部"); len(got) != 0 {
		t.Errorf("BadTerms of good text: %q", got)
	}
}
