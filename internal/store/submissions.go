package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/jining/kaohe/seeds"
	"golang.org/x/sync/errgroup"
)

// Submission statuses and sources.
const (
	Accepted = "accepted"
	Rejected = "rejected"

	SourceMail   = "mail"
	SourceImport = "import"
)

// Value sheet kinds in the values table.
const (
	SheetTask      = "task"
	SheetIndicator = "indicator"
	SheetVillage   = "village"
)

// Submission is one form received, accepted or rejected.
type Submission struct {
	ID           int64
	County       string // code; "" when it could not be told
	Period       string // YYYY-MM; "" when it could not be told
	Version      int    // 1, 2, … among the accepted forms of County+Period by received time; 0 when rejected
	Status       string // Accepted or Rejected
	Source       string // SourceMail or SourceImport
	MessageID    int64  // the store's id of the message it came in (Message.ID); 0 if none
	Filename     string
	SHA256       string // of the attachment (hex): the same file is one submission
	Received     time.Time
	Problems     []string       // for a rejected form, every problem ("工作表!单元格: 说明")
	Filing       *seeds.Filing  // the parsed form; nil when none
	Encoded      *EncodedFiling // optional: Filing as EncodeFiling encoded it, for PutSubmission
	Superseded   bool           // a later accepted form of County+Period exists
	SupersededBy int64          // the id of the next accepted form of County+Period; 0 if none
	Created      time.Time
}

// PutSubmission stores a submission and its parsed values (each with its sheet and cell,
// read by Values or the submission_values view) in one transaction.
//
// The same attachment (SHA256) stored before is one submission: nothing is written and
// the stored row is returned with duplicate=true. An accepted submission takes its place
// among the accepted forms of its county and period by received time (ties by arrival):
// versions are numbered 1, 2, … in that order and every one but the latest is superseded
// by the next; all are kept. Normally a new form is the latest; one received earlier than
// the latest (e.g. an import of an older file) is slotted in and renumbers the later ones.
//
// Errors: ErrInvalid when SHA256 is empty, Status or Source is unknown, or an accepted
// submission has no County, Period or Filing; database errors.
func (s *Store) PutSubmission(ctx context.Context, sub *Submission) (stored *Submission, duplicate bool, err error) {
	if sub.SHA256 == "" {
		return nil, false, fmt.Errorf("%w: submission without sha256", ErrInvalid)
	}
	switch sub.Status {
	case Accepted:
		if sub.County == "" || sub.Period == "" || sub.Filing == nil {
			return nil, false, fmt.Errorf("%w: accepted submission needs county, period and filing", ErrInvalid)
		}
	case Rejected:
	default:
		return nil, false, fmt.Errorf("%w: submission status %q", ErrInvalid, sub.Status)
	}
	switch sub.Source {
	case SourceMail, SourceImport:
	default:
		return nil, false, fmt.Errorf("%w: submission source %q", ErrInvalid, sub.Source)
	}
	problems := sub.Problems
	if problems == nil {
		problems = []string{}
	}
	pj, err := json.Marshal(problems)
	if err != nil {
		return nil, false, fmt.Errorf("put submission: problems: %w", err)
	}
	var fj any = "" // no filing
	var vals []byte
	if sub.Filing != nil {
		enc := sub.Encoded
		if enc == nil || enc.filing != sub.Filing {
			if enc, err = EncodeFiling(sub.Filing); err != nil {
				return nil, false, fmt.Errorf("put submission: values: %w", err)
			}
		}
		fj, vals = enc.blob, enc.vals
	}
	var msg any
	if sub.MessageID != 0 {
		msg = sub.MessageID
	}
	created := s.now()

	var id int64
	err = s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM submissions WHERE sha256 = ?`, sub.SHA256).Scan(&id)
		if err == nil {
			duplicate = true
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO submissions
			(county, period, version, status, source, message, filename, sha256, received, problems, filing, superseded_by, created)
			VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?) RETURNING id`,
			sub.County, sub.Period, sub.Status, sub.Source, msg, sub.Filename, sub.SHA256, ms(sub.Received),
			string(pj), fj, ms(created)).Scan(&id); err != nil {
			return err
		}
		if vals != nil {
			// As TEXT (a BLOB would be read as JSONB by json_each), without copying
			// ~300 KB: vals is not changed after encoding, and the driver copies it.
			if _, err := tx.ExecContext(ctx, `INSERT INTO submission_value_sets (submission, vals) VALUES (?, ?)`, id, unsafe.String(unsafe.SliceData(vals), len(vals))); err != nil {
				return fmt.Errorf("values: %w", err)
			}
		}
		if sub.Status == Accepted {
			return renumber(ctx, tx, sub.County, sub.Period)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("put submission: %w", err)
	}
	if duplicate {
		stored, err = s.Submission(ctx, id)
	} else {
		// The filing just written need not be decoded again: the caller's is the same.
		stored, err = scanSubmission(s.db.QueryRowContext(ctx, `SELECT `+submissionColsNoFiling+` FROM submissions s WHERE s.id = ?`, id), false)
		if err == nil {
			stored.Filing = sub.Filing
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("put submission: reading back: %w", err)
	}
	return stored, duplicate, nil
}

// renumber sets version and superseded_by of the accepted submissions of county+period
// by (received, id).
func renumber(ctx context.Context, tx *sql.Tx, county, period string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, version, COALESCE(superseded_by, 0) FROM submissions
		WHERE county = ? AND period = ? AND status = ? ORDER BY received, id`, county, period, Accepted)
	if err != nil {
		return err
	}
	type row struct {
		id, next int64
		version  int
	}
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.version, &r.next); err != nil {
			rows.Close()
			return err
		}
		rs = append(rs, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	// Only rows whose numbering changes are written: a new latest form touches two.
	for i, r := range rs {
		var next int64
		if i+1 < len(rs) {
			next = rs[i+1].id
		}
		if r.version == i+1 && r.next == next {
			continue
		}
		var nextArg any
		if next != 0 {
			nextArg = next
		}
		if _, err := tx.ExecContext(ctx, `UPDATE submissions SET version = ?, superseded_by = ? WHERE id = ?`, i+1, nextArg, r.id); err != nil {
			return err
		}
	}
	return nil
}

// EncodedFiling is a filing encoded for the store: the filing column and the values
// row. EncodeFiling makes one ahead of PutSubmission (on a worker, say), so that the
// writer, which commits submissions one at a time, does not spend its time encoding.
type EncodedFiling struct {
	filing *seeds.Filing
	blob   []byte // the filing column (encodeFiling)
	vals   []byte // the values row (appendValues)
}

// EncodeFiling encodes f for Submission.Encoded; f must not change afterwards.
// PutSubmission uses it only with the same f, and encodes f itself otherwise. The values
// row holds the values of f in the order Values returns them (read through the
// submission_values view).
//
// Errors: ErrInvalid for a value that is not a finite number (JSON has none).
func EncodeFiling(f *seeds.Filing) (*EncodedFiling, error) {
	vals, err := appendValues(nil, f)
	if err != nil {
		return nil, err
	}
	return &EncodedFiling{filing: f, blob: encodeFiling(f), vals: vals}, nil
}

// appendValues appends the values of f as a JSON array of [sheet_kind, key, town,
// village, num, is_set, text, note, cell]: tasks in filing order, indicators by id,
// villages in filing order then by indicator id.
func appendValues(b []byte, f *seeds.Filing) ([]byte, error) {
	n := 0
	for _, v := range f.Villages {
		n += len(v.Values)
	}
	if b == nil {
		// ~70 bytes a village value ("village", key, town, village, cell), more for tasks.
		b = make([]byte, 0, 96*(len(f.Tasks)+len(f.Indicators)+n)+2)
	}
	b = append(b, '[')
	first := true
	add := func(kind, key, town, village string, num float64, set bool, text, note, cell string) error {
		if math.IsNaN(num) || math.IsInf(num, 0) {
			return fmt.Errorf("%w: value %s %s %s is %v", ErrInvalid, key, village, cell, num)
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '[')
		b = appendJSONString(b, kind)
		b = append(b, ',')
		b = appendJSONString(b, key)
		b = append(b, ',')
		b = appendJSONString(b, town)
		b = append(b, ',')
		b = appendJSONString(b, village)
		b = append(b, ',')
		b = strconv.AppendFloat(b, num, 'g', -1, 64)
		if set {
			b = append(b, ",1,"...)
		} else {
			b = append(b, ",0,"...)
		}
		b = appendJSONString(b, text)
		b = append(b, ',')
		b = appendJSONString(b, note)
		b = append(b, ',')
		b = appendJSONString(b, cell)
		b = append(b, ']')
		return nil
	}
	for _, t := range f.Tasks {
		if err := add(SheetTask, t.Task, "", "", float64(t.Status), t.Status != seeds.StatusNone, t.Status.String(), t.Progress, t.Cell); err != nil {
			return nil, err
		}
	}
	for _, k := range sortedKeys(f.Indicators) {
		n := f.Indicators[k]
		if err := add(SheetIndicator, k, "", "", n.Value, n.Set, "", n.Note, n.Cell); err != nil {
			return nil, err
		}
	}
	var order keyOrder
	for _, v := range f.Villages {
		for _, k := range order.of(v.Values) {
			n := v.Values[k]
			if err := add(SheetVillage, k, v.Town, v.Village, n.Value, n.Set, "", n.Note, n.Cell); err != nil {
				return nil, err
			}
		}
	}
	return append(b, ']'), nil
}

// appendJSONString appends s as a JSON string. Strings that need no escaping (ids,
// names, cells: nearly all) are copied as they are; the rest go through encoding/json,
// which also replaces invalid UTF-8.
func appendJSONString(b []byte, s string) []byte {
	plain := utf8.ValidString(s)
	for i := 0; plain && i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&':
			plain = false
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9):
			plain = false // U+2028, U+2029: encoding/json escapes them
		}
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	js, _ := json.Marshal(s) // a string always marshals
	return append(b, js...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// keyOrder gives the sorted keys of a run of maps that mostly have the same keys (the
// values of a filing's villages): the last order is reused when the next map has
// exactly its keys, instead of sorting again.
type keyOrder struct{ last []string }

func (o *keyOrder) of(m map[string]seeds.Number) []string {
	if len(m) == len(o.last) && len(m) > 0 {
		same := true
		for _, k := range o.last {
			if _, ok := m[k]; !ok {
				same = false
				break
			}
		}
		if same {
			return o.last
		}
	}
	o.last = sortedKeys(m)
	return o.last
}

const submissionCols = `s.id, s.county, s.period, s.version, s.status, s.source, COALESCE(s.message, 0), s.filename, s.sha256,
	s.received, s.problems, s.filing, COALESCE(s.superseded_by, 0), s.created`

// submissionColsNoFiling is submissionCols without reading the filing blob, for lists.
var submissionColsNoFiling = strings.Replace(submissionCols, "s.filing", "NULL", 1)

func scanSubmission(sc interface{ Scan(...any) error }, withFiling bool) (*Submission, error) {
	sub, fj, err := scanSubmissionRaw(sc)
	if err != nil {
		return nil, err
	}
	if withFiling {
		if err := sub.decodeFiling(fj); err != nil {
			return nil, err
		}
	}
	return sub, nil
}

// scanSubmissionRaw scans a row of submissionCols, leaving the filing JSON undecoded.
func scanSubmissionRaw(sc interface{ Scan(...any) error }) (*Submission, []byte, error) {
	var sub Submission
	var received, created int64
	var pj string
	var fj []byte
	if err := sc.Scan(&sub.ID, &sub.County, &sub.Period, &sub.Version, &sub.Status, &sub.Source, &sub.MessageID,
		&sub.Filename, &sub.SHA256, &received, &pj, &fj, &sub.SupersededBy, &created); err != nil {
		return nil, nil, err
	}
	sub.Received, sub.Created = fromMS(received), fromMS(created)
	sub.Superseded = sub.SupersededBy != 0
	if err := json.Unmarshal([]byte(pj), &sub.Problems); err != nil {
		return nil, nil, fmt.Errorf("submission %d problems: %w", sub.ID, err)
	}
	if len(sub.Problems) == 0 {
		sub.Problems = nil
	}
	return &sub, fj, nil
}

func (sub *Submission) decodeFiling(fj []byte) error {
	if len(fj) == 0 {
		return nil
	}
	f, err := decodeFilingBytes(fj)
	if err != nil {
		return fmt.Errorf("submission %d filing: %w", sub.ID, err)
	}
	sub.Filing = f
	return nil
}

func (s *Store) oneSubmission(ctx context.Context, what, q string, args ...any) (*Submission, error) {
	sub, err := scanSubmission(s.db.QueryRowContext(ctx, `SELECT `+submissionCols+` FROM submissions s `+q, args...), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return sub, nil
}

// Submission returns one submission with its filing.
//
// Errors: ErrNotFound; database errors.
func (s *Store) Submission(ctx context.Context, id int64) (*Submission, error) {
	return s.oneSubmission(ctx, fmt.Sprintf("submission %d", id), `WHERE s.id = ?`, id)
}

// LatestAccepted returns the latest (not superseded) accepted submission of a county for
// a period, with its filing.
//
// Errors: ErrNotFound when the county has no accepted form for the period; database errors.
func (s *Store) LatestAccepted(ctx context.Context, county, period string) (*Submission, error) {
	return s.oneSubmission(ctx, fmt.Sprintf("latest accepted %s %s", county, period),
		`WHERE s.county = ? AND s.period = ? AND s.status = ? AND s.superseded_by IS NULL`, county, period, Accepted)
}

// LastAcceptedBefore returns the latest accepted submission of a county of the most
// recent period before period that has one, with its filing (to prefill the next form).
//
// Errors: ErrNotFound when there is none; database errors.
func (s *Store) LastAcceptedBefore(ctx context.Context, county, period string) (*Submission, error) {
	return s.oneSubmission(ctx, fmt.Sprintf("last accepted %s before %s", county, period),
		`WHERE s.county = ? AND s.period < ? AND s.period <> '' AND s.status = ? AND s.superseded_by IS NULL
		ORDER BY s.period DESC LIMIT 1`, county, period, Accepted)
}

// Submissions returns every submission of a period (accepted, superseded and rejected),
// without filings, ordered by county, received time and id; for `kaohe status`.
//
// Errors: database errors.
func (s *Store) Submissions(ctx context.Context, period string) ([]Submission, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+submissionColsNoFiling+` FROM submissions s WHERE s.period = ?
		ORDER BY s.county, s.received, s.id`, period)
	if err != nil {
		return nil, fmt.Errorf("submissions %s: %w", period, err)
	}
	defer rows.Close()
	var out []Submission
	for rows.Next() {
		sub, err := scanSubmission(rows, false)
		if err != nil {
			return nil, fmt.Errorf("submissions %s: %w", period, err)
		}
		out = append(out, *sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("submissions %s: %w", period, err)
	}
	return out, nil
}

// EachAccepted calls fn with the latest accepted submission of every county for a
// period, with its filing, in county order, one at a time, so a caller that does not keep
// them needs memory for one filing only. An error from fn stops the walk and is returned.
//
// Errors: those of fn; database errors.
func (s *Store) EachAccepted(ctx context.Context, period string, fn func(*Submission) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+submissionCols+` FROM submissions s
		WHERE s.period = ? AND s.status = ? AND s.superseded_by IS NULL ORDER BY s.county`, period, Accepted)
	if err != nil {
		return fmt.Errorf("accepted %s: %w", period, err)
	}
	defer rows.Close()
	for rows.Next() {
		sub, err := scanSubmission(rows, true)
		if err != nil {
			return fmt.Errorf("accepted %s: %w", period, err)
		}
		if err := fn(sub); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("accepted %s: %w", period, err)
	}
	return nil
}

// AcceptedFilings returns the latest accepted submission of every county that has one for
// a period, with its filing, keyed by county code. The filings are decoded in parallel
// (decoding, not the database, is the cost: see BenchmarkAcceptedFilings3000).
//
// Errors: database errors; a stored filing that does not decode.
func (s *Store) AcceptedFilings(ctx context.Context, period string) (map[string]*Submission, error) {
	// Rows are read in order while up to GOMAXPROCS filings decode, so only that many
	// undecoded filings are held at a time.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	var subs []*Submission
	err := func() error {
		rows, err := s.db.QueryContext(gctx, `SELECT `+submissionCols+` FROM submissions s
			WHERE s.period = ? AND s.status = ? AND s.superseded_by IS NULL ORDER BY s.county`, period, Accepted)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			sub, fj, err := scanSubmissionRaw(rows)
			if err != nil {
				return err
			}
			subs = append(subs, sub)
			g.Go(func() error { return sub.decodeFiling(fj) })
		}
		return rows.Err()
	}()
	if werr := g.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		return nil, fmt.Errorf("accepted %s: %w", period, err)
	}
	out := make(map[string]*Submission, len(subs))
	for _, sub := range subs {
		out[sub.County] = sub
	}
	return out, nil
}

// Value is one row of the values table: a value of a submission with the sheet and cell
// it came from.
type Value struct {
	SheetKind string // SheetTask, SheetIndicator or SheetVillage
	Key       string // task id or indicator id
	Town      string // village values only
	Village   string // village values only
	Num       float64
	Set       bool
	Text      string // tasks: the status label
	Note      string // tasks: 进展情况; indicators: 佐证说明
	Cell      string // e.g. 村级台账!F12
}

// Values returns the values of a submission, optionally of one sheet kind and key ("" for
// all), in the order they were stored (tasks in checklist order, indicators by id,
// villages in form order then by indicator id).
//
// Errors: database errors (an unknown submission has none).
func (s *Store) Values(ctx context.Context, submission int64, sheetKind, key string) ([]Value, error) {
	var where []string
	args := []any{submission}
	if sheetKind != "" {
		where = append(where, ` AND sheet_kind = ?`)
		args = append(args, sheetKind)
	}
	if key != "" {
		where = append(where, ` AND key = ?`)
		args = append(args, key)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT sheet_kind, key, town, village, num, is_set, text, note, cell
		FROM submission_values WHERE submission = ?`+strings.Join(where, "")+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("values of submission %d: %w", submission, err)
	}
	defer rows.Close()
	var out []Value
	for rows.Next() {
		var v Value
		var set int
		if err := rows.Scan(&v.SheetKind, &v.Key, &v.Town, &v.Village, &v.Num, &set, &v.Text, &v.Note, &v.Cell); err != nil {
			return nil, fmt.Errorf("values of submission %d: %w", submission, err)
		}
		v.Set = set != 0
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("values of submission %d: %w", submission, err)
	}
	return out, nil
}
