package demo

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/jining/kaohe/internal/config"
	"github.com/jining/kaohe/internal/mail"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/jobs"
)

// returnCounty is the county whose accepted form the office returns after review, and
// which resubmits it corrected (issue 14).
const returnCounty = "370881" // 曲阜市

// demoReturn is the office's review return of the month: returnCounty's accepted form goes
// back with a reason and its first village's 村集体经济收入 marked; the 【退回】 is delivered
// (deliver), and the county's resubmission — its marked copy with that cell corrected —
// is returned, to arrive at at.
func demoReturn(ctx context.Context, d *jobs.Deps, cfg *config.Config, sink *mail.SMTPSink, period string, deliver func() error) ([]byte, error) {
	sub, err := d.Store.LatestAccepted(ctx, returnCounty, period)
	if err != nil {
		return nil, err
	}
	if len(sub.Filing.Villages) == 0 {
		return nil, fmt.Errorf("demo: %s has no villages", returnCounty)
	}
	income := sub.Filing.Villages[0].Values["income"]
	sheet, cell, _ := strings.Cut(income.Cell, "!")
	if _, err := d.ReviewReturn(ctx, jobs.ReturnRequest{County: returnCounty, Period: period, By: "考核办王静",
		Reasons: []string{"村集体经济收入与乡镇经管站台账不一致，请核实后修改"},
		Cells:   []store.ReviewCell{{Sheet: sheet, Cell: cell, Note: "与经管站台账不一致，请按台账数填写"}}}); err != nil {
		return nil, err
	}
	if err := deliver(); err != nil {
		return nil, err
	}
	county := d.Roster.County(returnCounty)
	var marked []byte
	for _, m := range sink.Messages() {
		p, err := mail.ParseMessage(m.Data, 20<<20)
		if err != nil {
			return nil, err
		}
		if strings.Contains(p.Subject, "经审核需要修改") && strings.Contains(strings.Join(m.To, ","), county.Emails[0]) && len(p.Attachments) == 1 {
			marked = p.Attachments[0].Data
		}
	}
	if marked == nil {
		return nil, fmt.Errorf("demo: %s got no review return", returnCounty)
	}
	f, err := excelize.OpenReader(bytes.NewReader(marked))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := f.SetCellValue(sheet, cell, strconv.FormatFloat(income.Value+0.5, 'f', 2, 64)); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	name := jobs.FormFilename(county, period)
	return countyMail(*county, cfg, "报送（按审核意见修改）"+name, name, b.Bytes()), nil
}

// resubmitAt is when returnCounty's corrected form arrives: a day after the return.
func resubmitAt(now time.Time) time.Time { return now.Add(24 * time.Hour) }
