package jobs

import (
	"context"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// evidenceFile is an attachment beside the form, checked: kept as evidence (kind set) or
// refused (problem set, in Chinese, for the receipt).
type evidenceFile struct {
	a       mail.Attachment
	kind    string
	problem string
}

// evidenceState carries a mail's evidence files to the first of its forms accepted.
type evidenceState struct {
	files []evidenceFile
	done  bool
}

func (s *evidenceState) kept() int {
	n := 0
	for _, f := range s.files {
		if f.problem == "" {
			n++
		}
	}
	return n
}

// evidenceCandidates sorts a county mail's attachments into forms and evidence files
// (checked with templates.CheckEvidence, at most forms.evidence_max_files kept). An
// .xlsx that is not a form (no metadata sheet) is evidence when the mail also carries a
// form; alone it is the form, and its rejection says what is wrong with it. Inline parts
// (signature pictures) and the parts of a forwarded message are neither.
func (d *Deps) evidenceCandidates(atts []mail.Attachment) (forms []mail.Attachment, ev []evidenceFile) {
	var workbooks []mail.Attachment
	hasForm := false
	var rest []mail.Attachment
	for _, a := range atts {
		switch {
		case isFormLike(a):
			workbooks = append(workbooks, a)
			hasForm = hasForm || (a.Data != nil && templates.IsForm(a.Data))
		case a.Inline || a.Nested:
		default:
			rest = append(rest, a)
		}
	}
	for _, a := range workbooks {
		if hasForm && strings.EqualFold(path.Ext(a.Filename), ".xlsx") && a.Data != nil && !templates.IsForm(a.Data) {
			rest = append(rest, a)
			continue
		}
		forms = append(forms, a)
	}
	cfg := d.Config.Forms
	maxBytes := int64(min(cfg.EvidenceMaxMB, cfg.MaxAttachmentMB)) << 20
	kept := 0
	for _, a := range rest {
		e := evidenceFile{a: a}
		name := a.Filename
		if name == "" {
			name = "未命名附件"
		}
		switch {
		case a.TooLarge:
			e.problem = fmt.Sprintf("《%s》未保存：文件太大（上限 %d MB）。", name, maxBytes>>20)
		case a.Err != nil:
			e.problem = fmt.Sprintf("《%s》未保存：附件在传输中损坏，无法解码。", name)
		default:
			e.kind, e.problem = templates.CheckEvidence(a.Data, name, maxBytes)
		}
		if e.problem == "" {
			if kept >= cfg.EvidenceMaxFiles {
				e.kind, e.problem = "", fmt.Sprintf("《%s》未保存：每封邮件最多保存%d个佐证材料，请分开发送。", name, cfg.EvidenceMaxFiles)
			} else {
				kept++
			}
		}
		ev = append(ev, e)
	}
	return forms, ev
}

// linkTasks returns the tasks an evidence file is for: the one its name starts with
// (四、3-水质检测报告.pdf; also 四.3, 四3) and those whose 佐证说明 names it.
func linkTasks(cl *seeds.Checklist, f *seeds.Filing, filename string) []string {
	var out []string
	add := func(id string) {
		for _, x := range out {
			if x == id {
				return
			}
		}
		out = append(out, id)
	}
	base := path.Base(strings.ReplaceAll(filename, "\\", "/"))
	if id := taskPrefix(base); id != "" && cl.Task(id) != nil {
		add(id)
	}
	stem := strings.TrimSuffix(base, path.Ext(base))
	if f != nil && utf8.RuneCountInString(stem) >= 2 {
		for _, tr := range f.Tasks {
			if ev := tr.Evidence; ev != "" && (strings.Contains(ev, base) || strings.Contains(ev, stem)) {
				add(tr.Task)
			}
		}
	}
	return out
}

// taskPrefix reads a task number at the start of a file name: the area's numeral (一 to
// 十), an optional separator (、 . ． , ，) and the task's number, not followed by a
// digit. It returns the task id (四、3) or "".
func taskPrefix(name string) string {
	i := 0
	for i < len(name) {
		r, n := utf8.DecodeRuneInString(name[i:])
		if !strings.ContainsRune("一二三四五六七八九十", r) {
			break
		}
		i += n
	}
	if i == 0 {
		return ""
	}
	area := name[:i]
	if r, n := utf8.DecodeRuneInString(name[i:]); strings.ContainsRune("、.．,，", r) {
		i += n
	}
	j := i
	for j < len(name) && name[j] >= '0' && name[j] <= '9' {
		j++
	}
	if j == i || j-i > 3 {
		return ""
	}
	return area + "、" + name[i:j]
}

// evidenceFor keeps a mail's evidence files with the first of its forms that was stored
// with a period, accepted or rejected (the county then need not send them again with its
// corrected form), and returns the lines its answer lists them in.
func (d *Deps) evidenceFor(ctx context.Context, m *store.Message, sub *store.Submission, f *seeds.Filing, ev *evidenceState, counts Counts) ([]string, error) {
	if ev == nil || ev.done || len(ev.files) == 0 || sub.Period == "" || sub.County == "" {
		return nil, nil
	}
	lines, err := d.keepEvidence(ctx, m, sub, f, ev.files)
	if err != nil {
		return nil, err
	}
	ev.done = true
	counts["evidence"] += ev.kept()
	counts["evidence_refused"] += len(ev.files) - ev.kept()
	return lines, nil
}

// keepEvidence stores the evidence files of an accepted submission, linked to their
// tasks, and returns the receipt's lines: what was kept (and for which tasks) and what
// was refused. Storing again after a crash changes nothing.
func (d *Deps) keepEvidence(ctx context.Context, m *store.Message, sub *store.Submission, f *seeds.Filing, ev []evidenceFile) ([]string, error) {
	var lines []string
	for _, e := range ev {
		if e.problem != "" {
			lines = append(lines, e.problem)
			continue
		}
		tasks := linkTasks(d.Checklist, f, e.a.Filename)
		rec := &store.Evidence{Submission: sub.ID, Message: m.ID, County: sub.County, Period: sub.Period,
			Filename: e.a.Filename, ContentType: e.kind, Tasks: tasks, Data: e.a.Data}
		if _, _, err := d.Store.PutEvidence(ctx, rec); err != nil {
			return nil, err
		}
		line := fmt.Sprintf("《%s》（%s，%s）已保存", e.a.Filename, e.kind, sizeText(rec.Size))
		if len(tasks) > 0 {
			line += "，作为任务" + strings.Join(tasks, "、") + "的佐证材料。"
		} else {
			line += "，未对应到任务（文件名以任务编号开头，如“四、3-水质检测报告.pdf”，或在佐证说明中写明文件名，即可对应）。"
		}
		lines = append(lines, line)
	}
	return lines, nil
}

// sizeText is a file size for a receipt: 1.2MB, 356KB.
func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1fMB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%dKB", max(1, (n+1023)>>10))
}

// periodEvidence returns the names of the evidence files of period, by county and task.
func (d *Deps) periodEvidence(ctx context.Context, period string) (map[string]map[string][]string, error) {
	list, err := d.Store.EvidenceOf(ctx, "", period)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string][]string{}
	for _, e := range list {
		for _, t := range e.Tasks {
			if out[e.County] == nil {
				out[e.County] = map[string][]string{}
			}
			out[e.County][t] = append(out[e.County][t], e.Filename)
		}
	}
	return out, nil
}

// dropEvidenced removes from the receipt's list of 已完成 tasks without 佐证说明 those with
// an evidence file linked to them this period (linked: task id → file names): scoring
// does not count them 缺佐证 either.
func dropEvidenced(st *templates.Stats, linked map[string][]string) {
	if len(linked) == 0 || len(st.NoEvidenceTasks) == 0 {
		return
	}
	var keep []string
	for _, e := range st.NoEvidenceTasks {
		id, _, _ := strings.Cut(e, " ")
		if len(linked[id]) == 0 {
			keep = append(keep, e)
		}
	}
	st.NoEvidenceTasks = keep
}
