package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/jining/kaohe/internal/score"
)

var safeName = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)

// WriteAll renders every county report, the summary and the summary workbook into
// DIR/<period>/: <code>.pdf, summary.pdf and summary.xlsx, at most limit at a time
// (limit < 1 means 1). Each file is written to a temporary file in the same directory
// and renamed into place, so a reader never sees a half-written report, and all are
// flushed to disk once at the end (syncDir) rather than one fsync per file, which
// held a rendering worker for each of 2,844 reports. It returns the paths written, in
// the order of res.Counties then summary.pdf and summary.xlsx, and the first error
// (rendering, I/O, an unsafe period or county code, or ctx's error); on error some
// files may already be in place.
func WriteAll(ctx context.Context, dir string, r *Renderer, res *score.Result, history []*score.Result, limit int) ([]string, error) {
	return WriteAllEach(ctx, dir, r, res, history, limit, nil)
}

// WriteAllEach is WriteAll calling each(i, pdf) as soon as the report of res.Counties[i]
// is in place, from the rendering goroutines (so concurrently, in no set order): a
// caller can queue each report while the others are still being rendered. An error
// from each stops the run and is returned.
func WriteAllEach(ctx context.Context, dir string, r *Renderer, res *score.Result, history []*score.Result, limit int, each func(i int, pdf []byte) error) ([]string, error) {
	if !regexp.MustCompile(`^\d{4}-\d{2}$`).MatchString(res.Period) {
		return nil, fmt.Errorf("report: period %q is not YYYY-MM", res.Period)
	}
	for _, c := range res.Counties {
		if !safeName.MatchString(c.Code) {
			return nil, fmt.Errorf("report: county code %q cannot be a file name", c.Code)
		}
	}
	out := filepath.Join(dir, res.Period)
	// Owner-only, like the store: the reports hold every county's scores before they
	// are published.
	if err := os.MkdirAll(out, 0o700); err != nil {
		return nil, err
	}
	// Temporary files left by a run that was killed while writing are never reports:
	// remove them. (Two runs on one directory at once are not supported.)
	stale, err := filepath.Glob(filepath.Join(out, ".*.tmp"))
	if err != nil {
		return nil, err
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			return nil, err
		}
	}
	if limit < 1 {
		limit = 1
	}
	files := make([]string, len(res.Counties)+2)
	parent := ctx
	g, ctx := errgroup.WithContext(parent)
	g.SetLimit(limit)
	n := len(res.Counties)
	job := func(i int, name string, render func() ([]byte, error)) {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			b, err := render()
			if err != nil {
				return err
			}
			p := filepath.Join(out, name)
			if err := writeFileAtomic(p, b); err != nil {
				return err
			}
			files[i] = p
			if each != nil && i < n {
				return each(i, b)
			}
			return nil
		})
	}
	digests := make([]Digest, n)
	for i := range res.Counties {
		c := &res.Counties[i]
		job(i, c.Code+".pdf", func() ([]byte, error) {
			b, err := r.County(res, c.Code, history)
			if err == nil {
				sum := sha256.Sum256(b)
				digests[i] = Digest{Code: c.Code, Name: c.Name, SHA256: hex.EncodeToString(sum[:])}
			}
			return b, err
		})
	}
	job(n+1, "summary.xlsx", func() ([]byte, error) { return r.opt.Context.SummaryXLSX(res, history) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// The summary lists every county report's SHA-256, so it comes after them.
	g, ctx = errgroup.WithContext(parent) // the first group's context ends with its Wait
	job(n, "summary.pdf", func() ([]byte, error) { return r.WithDigests(digests).Summary(res, history) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := syncDir(out, files); err != nil {
		return nil, fmt.Errorf("report: flushing %s to disk: %w", out, err)
	}
	return files, nil
}

// At returns a renderer like r for the assessment made at t (office time), which the
// summary workbook names as its creation time. It shares r's parsed font.
func (r *Renderer) At(t time.Time) *Renderer {
	c := *r
	c.opt.Context.Assessed = t
	return &c
}

// WithDigests returns a renderer like r whose summary lists the county reports' SHA-256.
func (r *Renderer) WithDigests(d []Digest) *Renderer {
	c := *r
	c.opt.Context.Digests = d
	return &c
}

// WithCorrections returns a renderer like r whose reports of the codes in corrected (""
// for the summary) are titled as a 更正 of those issued before.
func (r *Renderer) WithCorrections(corrected map[string]bool) *Renderer {
	c := *r
	c.opt.Context.Corrected = corrected
	return &c
}

// writeFileAtomic writes b to a temporary file next to path and renames it to path
// (the caller flushes it to disk). It returns the first error and removes the temporary
// file on failure.
func writeFileAtomic(path string, b []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()           // already failing: the write error is the one to report
			_ = os.Remove(f.Name()) // best effort cleanup of the temporary file
		}
	}()
	if _, err = f.Write(b); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(f.Name(), 0o600); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
