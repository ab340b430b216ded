package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/jining/kaohe/internal/store"
	"github.com/jining/kaohe/seeds"
	"github.com/jining/kaohe/templates"
)

// Import validates a form received some other way than by mail (a file) and stores it as
// a submission of the county and period it is signed for. A form that fails validation is
// stored as rejected. It returns the stored submission, whether it duplicates one already
// stored (same file), and the problems found (nil when accepted).
func (d *Deps) Import(ctx context.Context, filename string, data []byte, received time.Time) (*store.Submission, bool, templates.Problems, error) {
	filing, meta, _, err := templates.Parse(data, filename, templates.ParseOptions{
		Checklist: d.Checklist, Roster: d.Roster, Secret: d.Config.Forms.Secret,
		MaxBytes: int64(d.Config.Forms.MaxAttachmentMB) << 20, FormVersions: d.formVersions,
	})
	var problems templates.Problems
	if err != nil && !errors.As(err, &problems) {
		return nil, false, nil, err
	}
	if meta == nil || d.Roster.County(meta.County) == nil {
		// Without a readable signed county there is nobody to store it for.
		return nil, false, problems, nil
	}
	sum := sha256.Sum256(data)
	sub := &store.Submission{County: meta.County, Period: meta.Period, Source: "import", Filename: filename,
		SHA256: hex.EncodeToString(sum[:]), Received: received}
	setOutcome(sub, filing, problems)
	stored, dup, err := d.Store.PutSubmission(ctx, sub)
	return stored, dup, problems, err
}

// setOutcome makes sub accepted with its filing, or rejected with every problem.
func setOutcome(sub *store.Submission, filing *seeds.Filing, problems templates.Problems) {
	if len(problems) == 0 {
		sub.Status, sub.Filing = store.Accepted, filing
		return
	}
	sub.Status = store.Rejected
	for _, p := range problems {
		sub.Problems = append(sub.Problems, p.String())
	}
}
