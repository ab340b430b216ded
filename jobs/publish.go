package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jining/kaohe/internal/score"
	"github.com/jining/kaohe/internal/store"
)

// revision is which revision of a report Publish mails: the first (1), the one mailed
// before when nothing it says changed, or the next, a 更正, when something did (an
// assessment run again after a form let in by an extension, an adjustment, …).
type revision struct {
	n          int
	digest     string
	correction bool // n > 1: the report corrects one mailed before
}

// key is the outbox key of the revision: base for the first (as before revisions were
// kept), base:rN for a 更正. The same revision has the same key, so a re-run that
// changes nothing queues nothing.
func (r revision) key(base string) string {
	if r.n <= 1 {
		return base
	}
	return fmt.Sprintf("%s:r%d", base, r.n)
}

// planRevisions decides the revision of each county report (by code) and of the summary
// ("") of res, from the digests of what they say and the revisions mailed before.
func (d *Deps) planRevisions(ctx context.Context, res *score.Result) (map[string]revision, error) {
	out := make(map[string]revision, len(res.Counties)+1)
	all := sha256.New()
	for i := range res.Counties {
		c := &res.Counties[i]
		js, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(js)
		all.Write(sum[:])
		rev, err := d.nextRevision(ctx, res.Period, c.Code, hex.EncodeToString(sum[:]))
		if err != nil {
			return nil, err
		}
		out[c.Code] = rev
	}
	js, err := json.Marshal(struct {
		C score.Completeness
		R []score.TaskRedCount
		D []score.Doubt
		E []score.Escalation
	}{res.Completeness, res.RedTasks, res.Doubts, res.Escalations})
	if err != nil {
		return nil, err
	}
	all.Write(js)
	rev, err := d.nextRevision(ctx, res.Period, "", hex.EncodeToString(all.Sum(nil)))
	if err != nil {
		return nil, err
	}
	out[""] = rev
	return out, nil
}

func (d *Deps) nextRevision(ctx context.Context, period, county, digest string) (revision, error) {
	last, err := d.Store.LastPublished(ctx, period, county)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return revision{n: 1, digest: digest}, nil
	case err != nil:
		return revision{}, err
	case last.Digest == digest:
		return revision{n: last.Revision, digest: digest, correction: last.Revision > 1}, nil
	}
	return revision{n: last.Revision + 1, digest: digest, correction: true}, nil
}

// published records that rev of a report was queued (after it was: a crash between the
// two queues it again under the same key, which is a no-op, and records it then).
func (d *Deps) published(ctx context.Context, period, county string, rev revision) error {
	if rev.n == 0 {
		return nil
	}
	return d.Store.RecordPublished(ctx, store.Published{Period: period, County: county, Revision: rev.n, Digest: rev.digest, At: d.now()})
}

// corrected returns the reports of res (county codes, "" for the summary) whose latest
// revision mailed is a 更正, as Publish titled them.
func (d *Deps) corrected(ctx context.Context, res *score.Result) (map[string]bool, error) {
	out := map[string]bool{}
	codes := []string{""}
	for i := range res.Counties {
		codes = append(codes, res.Counties[i].Code)
	}
	for _, c := range codes {
		p, err := d.Store.LastPublished(ctx, res.Period, c)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return nil, err
		case p.Revision > 1:
			out[c] = true
		}
	}
	return out, nil
}
