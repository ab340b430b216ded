package report

import (
	"fmt"

	"github.com/jining/kaohe/internal/score"
)

// CountyLayout renders a county's report as County does and also returns every way the
// rendering breaks the layout guarantees (docs/reports.md): a heading on another page
// than what it introduces, a table row split across pages, a page holding fewer than
// three rows of a table that has more. Tests run it on every report of a month.
func (r *Renderer) CountyLayout(res *score.Result, code string, history []*score.Result) ([]byte, []string, error) {
	m := r.opt.Context.CountyModel(res, code, history)
	if m == nil {
		return nil, nil, fmt.Errorf("%w %q in the result for %s", ErrNoCounty, code, res.Period)
	}
	m.Office = r.opt.Office
	if r.opt.TaskTexts && findCounty(res, code).Submitted {
		r.appendTaskTexts(m)
	}
	return r.layout(m)
}

// SummaryLayout is CountyLayout for the summary 通报.
func (r *Renderer) SummaryLayout(res *score.Result, history []*score.Result) ([]byte, []string, error) {
	m := r.opt.Context.SummaryModel(res, history)
	m.Office = r.opt.Office
	return r.layout(m)
}

func (r *Renderer) layout(m *Model) ([]byte, []string, error) {
	pdf, st, err := r.renderStats(m)
	if err != nil {
		return nil, nil, err
	}
	return pdf, layoutProblems(m, st), nil
}

// layoutProblems lists what breaks the layout guarantees in a rendering of m.
func layoutProblems(m *Model, st *layoutStats) []string {
	var out []string
	if st.splitRows > 0 {
		out = append(out, fmt.Sprintf("%d table rows split across pages", st.splitRows))
	}
	for _, f := range st.frags {
		if f.rows < 3 && f.tableRows >= 3 {
			out = append(out, fmt.Sprintf("page %d holds %d of a table's %d rows", f.page, f.rows, f.tableRows))
		}
	}
	// A heading starts on the page of what it introduces: the first block after it that
	// is neither a heading nor a short introduction to a chart or table.
	for i, b := range m.Blocks {
		if b.Kind != BlockHeading && b.Kind != BlockSubheading {
			continue
		}
		j := i + 1
		for j < len(m.Blocks) && (m.Blocks[j].Kind == BlockHeading || m.Blocks[j].Kind == BlockSubheading || isIntro(m.Blocks, j)) {
			j++
		}
		if j < len(m.Blocks) && st.page[j] != st.page[i] {
			out = append(out, fmt.Sprintf("heading %q on page %d, what follows it on page %d", b.Text, st.page[i], st.page[j]))
		}
	}
	return out
}
