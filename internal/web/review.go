package web

import (
	"context"
	"time"
)

// Reviewer is the office review of issue 14 as the console uses it: the queue of forms
// waiting for the office, approval, and return with reasons per cell — exactly what
// `kaohe review list|approve|return` do. The console adds no rule of its own: the
// command's implementation is wired in here (Options.Reviewer); without one the 审核
// page says the review is not enabled.
type Reviewer interface {
	// List returns the forms of period waiting for the office.
	List(ctx context.Context, period string) ([]ReviewItem, error)
	// Approve approves the county's latest accepted form of period, by by.
	Approve(ctx context.Context, county, period, by string) error
	// Return sends the county's form back with the reasons (and marked cells).
	Return(ctx context.Context, r ReturnRequest) error
}

// ReviewItem is one entry of the review queue.
type ReviewItem struct {
	County     string
	Name       string
	Period     string
	Submission int64 // the store's submission id; 0 when not a stored form (e.g. 待确认来源)
	Version    int
	Received   time.Time
	State      string // e.g. 待审核, 待确认来源
	Detail     string // e.g. the sender of a mail from an address not on the roster
}

// ReturnRequest is a return of a county's form to it.
type ReturnRequest struct {
	County, Period string
	Reason         string
	Cells          []CellNote
	By             string // the logged-in user
}

// CellNote is a reason given on one cell (村级台账!P12).
type CellNote struct {
	Cell, Note string
}
