package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"time"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/report"
)

// ErrNotIssued is returned by VerifyReport for a file that is none of the reports kaohe
// issues from the store's assessments.
var ErrNotIssued = errors.New("not a report kaohe issued from the assessments in the store")

// Verified names the issued report a file is.
type Verified struct {
	Period   string
	Code     string // "" for the summary
	Name     string // the unit, or 全市汇总
	Assessed time.Time
	SHA256   string
}

// verifyPeriods is how many recent assessments VerifyReport tries when neither the
// caller nor the file name names a period.
const verifyPeriods = 24

var periodInName = regexp.MustCompile(`\d{4}-\d{2}`)

// VerifyReport tells whether data (a PDF named name) is a report kaohe issued: it renders
// again, from the assessment in the store, the reports of period (or of the period the
// file name carries, as kaohe names reports and attachments, or else of each of the
// latest assessments) exactly as Publish did, and compares bytes. A county report is
// found after rendering the reports up to it; the summary, which lists every county
// report's SHA-256, after all of them.
//
// Errors: ErrNotIssued when nothing matches; store and rendering errors.
func (d *Deps) VerifyReport(ctx context.Context, data []byte, name, period string) (*Verified, error) {
	sum := sha256.Sum256(data)
	v := &Verified{SHA256: hex.EncodeToString(sum[:])}
	var periods []string
	switch {
	case period != "":
		periods = []string{period}
	case periodInName.MatchString(filepath.Base(name)):
		periods = []string{periodInName.FindString(filepath.Base(name))}
	default:
		as, err := d.Store.AssessmentsBefore(ctx, "9999-12", verifyPeriods)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		for _, a := range as {
			periods = append(periods, a.Period)
		}
	}
	r, err := d.renderer()
	if err != nil {
		return nil, err
	}
	for _, p := range periods {
		a, err := d.Store.Assessment(ctx, p)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var res score.Result
		if err := a.DecodeResult(&res); err != nil {
			return nil, err
		}
		history, err := d.history(ctx, p)
		if err != nil {
			return nil, err
		}
		at := a.Created.In(d.Config.Location)
		corrected, err := d.corrected(ctx, &res)
		if err != nil {
			return nil, err
		}
		rr := r.At(at).WithCorrections(corrected)
		v.Period, v.Assessed = p, at
		digests := make([]report.Digest, len(res.Counties))
		for i := range res.Counties {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			c := &res.Counties[i]
			b, err := rr.County(&res, c.Code, history)
			if err != nil {
				return nil, fmt.Errorf("render %s %s: %w", p, c.Code, err)
			}
			if bytes.Equal(b, data) {
				v.Code, v.Name = c.Code, c.Name
				return v, nil
			}
			s := sha256.Sum256(b)
			digests[i] = report.Digest{Code: c.Code, Name: c.Name, SHA256: hex.EncodeToString(s[:])}
		}
		b, err := rr.WithDigests(digests).Summary(&res, history)
		if err != nil {
			return nil, fmt.Errorf("render %s summary: %w", p, err)
		}
		if bytes.Equal(b, data) {
			v.Name = "全市汇总"
			return v, nil
		}
	}
	return nil, fmt.Errorf("%w (periods tried: %v)", ErrNotIssued, periods)
}
