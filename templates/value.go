package templates

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/jining/kaohe/seeds"
)

// normalize trims every kind of space a person may type around a value and maps
// full-width ASCII (０-９, ．, ，, ％, －, Ａ-Ｚ …) to its half-width form.
func normalize(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\u3000' || r == '\ufeff' })
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '！' && r <= '～': // U+FF01..U+FF5E full-width ASCII
			r = r - '！' + '!'
		case r == '\u3000' || r == '\u00a0':
			r = ' '
		case r == '。' || r == '·':
			r = '.' // a full stop typed for a decimal point (３。５)
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// numberError is a user-facing reason why a cell is not an acceptable number.
type numberError string

func (e numberError) Error() string { return string(e) }

// parseNumber reads a number as people type it into an indicator cell of the given
// indicator: text or number, full-width digits, thousands separators, a trailing
// unit (the indicator's own, 元 for 万元 which is divided by 10 000, % for percent
// indicators). Percent indicators are in percent points: 85, "85%" and "８５％" are all
// 85. A cell Excel stored as a fraction because it has a percent format is handled by
// the caller (see percentCell). It returns a numberError saying what to type instead.
func parseNumber(raw string, ind *seeds.Indicator) (float64, error) {
	s := normalize(raw)
	if s == "" {
		return 0, numberError("未填写")
	}
	scale := 1.0
	// Strip a trailing unit.
	for _, u := range cachedUnitSuffixes(ind) {
		if strings.HasSuffix(s, u.suffix) && len(s) > len(u.suffix) {
			s = strings.TrimSpace(strings.TrimSuffix(s, u.suffix))
			scale = u.scale
			break
		}
	}
	s = strings.ReplaceAll(s, " ", "")
	if strings.Contains(s, ",") {
		// Thousands separators: 1,234 or 12,345.6; anything else (1,5) is ambiguous.
		intPart, _, _ := strings.Cut(s, ".")
		intPart = strings.TrimLeft(intPart, "+-")
		groups := strings.Split(intPart, ",")
		for i, g := range groups {
			if (i == 0 && (len(g) < 1 || len(g) > 3)) || (i > 0 && len(g) != 3) {
				return 0, numberError(fmt.Sprintf("“%s”不是有效的数字（千分位逗号位置不对），请只填数字", raw))
			}
		}
		s = strings.ReplaceAll(s, ",", "")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		if ind.Unit != "" {
			return 0, numberError(fmt.Sprintf("“%s”不是数字，请填写以%s为单位的数字", raw, ind.Unit))
		}
		return 0, numberError(fmt.Sprintf("“%s”不是数字，请填写数字", raw))
	}
	v *= scale
	if ind.Type == seeds.TypeInteger {
		if r := math.Round(v); math.Abs(v-r) > 1e-9 {
			return 0, numberError(fmt.Sprintf("“%s”不是整数，请填写整数", raw))
		} else {
			v = r
		}
	}
	return v, nil
}

type unitSuffix struct {
	suffix string
	scale  float64
}

// unitKey is what an indicator's accepted units depend on.
type unitKey struct {
	unit string
	typ  string
}

// unitCache holds unitSuffixes by unitKey: they are asked for every cell.
var unitCache sync.Map

// cachedUnitSuffixes is unitSuffixes, computed once per unit and type. The result is
// shared: do not modify it.
func cachedUnitSuffixes(ind *seeds.Indicator) []unitSuffix {
	k := unitKey{ind.Unit, ind.Type}
	if us, ok := unitCache.Load(k); ok {
		return us.([]unitSuffix)
	}
	us := unitSuffixes(ind)
	unitCache.Store(k, us)
	return us
}

// unitSuffixes lists the trailing units accepted for an indicator, longest first.
func unitSuffixes(ind *seeds.Indicator) []unitSuffix {
	var us []unitSuffix
	switch ind.Unit {
	case "":
	case "万元":
		us = append(us, unitSuffix{"万元", 1}, unitSuffix{"万", 1}, unitSuffix{"元", 1.0 / 10000})
	case "%":
		us = append(us, unitSuffix{"%", 1})
	default:
		us = append(us, unitSuffix{ind.Unit, 1})
		switch ind.Unit {
		case "人":
			us = append(us, unitSuffix{"名", 1}, unitSuffix{"个", 1})
		case "学时":
			us = append(us, unitSuffix{"小时", 1}, unitSuffix{"课时", 1})
		case "次":
			us = append(us, unitSuffix{"回", 1})
		case "立方米/日":
			us = append(us, unitSuffix{"m3/d", 1}, unitSuffix{"m³/d", 1}, unitSuffix{"立方米", 1}, unitSuffix{"方", 1})
		}
	}
	if ind.Type == seeds.TypePercent && ind.Unit != "%" {
		us = append(us, unitSuffix{"%", 1})
	}
	return us
}

// parseBool reads a 是/否 cell: 是/否, Y/N, yes/no, true/false, √/×, 1/0, 有/无, 对/错.
func parseBool(raw string) (float64, error) {
	s := strings.ToLower(normalize(raw))
	switch s {
	case "是", "y", "yes", "true", "√", "✓", "✔", "1", "有", "对", "是的":
		return 1, nil
	case "否", "n", "no", "false", "×", "x", "✗", "✘", "0", "无", "没有", "错", "不是":
		return 0, nil
	case "":
		return 0, numberError("未填写")
	}
	return 0, numberError(fmt.Sprintf("“%s”无法识别，请从下拉列表选择“是”或“否”", raw))
}

// statusSynonyms maps what people type for a 进展状态 to the drop-down label.
var statusSynonyms = map[string]seeds.Status{
	"未启动": seeds.StatusNotStarted, "未开始": seeds.StatusNotStarted, "尚未启动": seeds.StatusNotStarted,
	"推进中": seeds.StatusInProgress, "进行中": seeds.StatusInProgress, "正在推进": seeds.StatusInProgress, "实施中": seeds.StatusInProgress,
	"已完成": seeds.StatusDone, "完成": seeds.StatusDone, "已办结": seeds.StatusDone,
}

// parseStatus reads a 进展状态 cell.
func parseStatus(raw string) (seeds.Status, error) {
	s := normalize(raw)
	if s == "" {
		return seeds.StatusNone, numberError("未填写")
	}
	if st, ok := statusSynonyms[s]; ok {
		return st, nil
	}
	return seeds.StatusNone, numberError(fmt.Sprintf("“%s”不是有效的进展状态，请从下拉列表选择“未启动”“推进中”或“已完成”", raw))
}

// formatNumber prints a value for a message or a prefilled cell: no exponent, no
// trailing zeros.
func formatNumber(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// boolLabel is the 是/否 label of a bool value.
func boolLabel(v float64) string {
	if v >= 0.5 {
		return "是"
	}
	return "否"
}

// displayWidth is the width of s in Excel column units: CJK and full-width characters
// count two.
func displayWidth(s string) float64 {
	var w float64
	for _, r := range s {
		switch {
		case r == '\n':
		case r >= 0x1100 && (unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef || r == '“' || r == '”'):
			w += 2
		case r == '“' || r == '”' || r == '、' || r == ',':
			w += 2
		default:
			w++
		}
	}
	return w
}
