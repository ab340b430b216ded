package score

import (
	"math"
	"strconv"
	"strings"
)

// round2 rounds to 0.01 (half up, the official precision) and never returns −0, so JSON
// is stable.
func round2(x float64) float64 { return roundHalfUp(x, 100) }

// round4 rounds to 0.0001; credits are kept at this precision in the output.
func round4(x float64) float64 { return roundTo(x, 10000) }

func roundTo(x, scale float64) float64 {
	r := math.Round(x*scale) / scale
	if r == 0 {
		return 0
	}
	return r
}

// num formats a number with at most two decimals and no trailing zeros: 4.09, 5, 0.5.
func num(x float64) string {
	return strconv.FormatFloat(round2(x), 'f', -1, 64)
}

// pct0 formats a share (0–1) as a whole percentage: 83%.
func pct0(x float64) string {
	return strconv.FormatFloat(roundTo(x*100, 1), 'f', 0, 64) + "%"
}

// pct1 formats a share (0–1) as a percentage with one decimal: 72.0%. A share below 1
// never prints as 100.0% (69.99/70 is 99.9%, not 100.0%).
func pct1(x float64) string {
	p := roundTo(x*100, 10)
	if x < 1 && p >= 100 {
		p = 99.9
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// pct2 formats a share (0–1) as a percentage with two decimals and no trailing zeros:
// 69.99%, 65%.
func pct2(x float64) string {
	return strconv.FormatFloat(roundHalfUp(x*100, 100), 'f', -1, 64) + "%"
}

// cond describes a comparison in words: ≥5万元, >50立方米/日.
func cond(op string, v float64, unit string) string {
	sym := map[string]string{">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}[op]
	return sym + num(v) + unit
}

// cellRange joins the first and last cell of a column: 村级台账!P4 and 村级台账!P39 give
// 村级台账!P4:P39. It returns first alone when both are the same or last is empty.
func cellRange(first, last string) string {
	if last == "" || last == first {
		return first
	}
	if first == "" {
		return last
	}
	fs, _, fok := strings.Cut(first, "!")
	ls, lc, lok := strings.Cut(last, "!")
	if fok && lok && fs == ls {
		return first + ":" + lc
	}
	return first + ":" + last
}

// cellList joins two cells naming the sheet once: 量化指标!D9、D10.
func cellList(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	as, _, aok := strings.Cut(a, "!")
	bs, bc, bok := strings.Cut(b, "!")
	if aok && bok && as == bs {
		return a + "、" + bc
	}
	return a + "、" + b
}
