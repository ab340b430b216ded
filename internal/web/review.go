package web

import (
	"context"
	"time"
)

// Reviewer is the office review of issue 14 as the console uses it: the queue of forms
// waiting for the office, approval, return with reasons per cell, and the decision on
// forms from addresses not on the roster (待确认来源) — exactly what `kaohe review
// list|approve|return|accept-source|discard` do. The console adds no rule of its own:
// JobsReviewer wires the command's implementation in (Options.Reviewer); without one
// (tests) the 审核 page says the review is not enabled.
type Reviewer interface {
	// List returns the forms of period waiting for the office.
	List(ctx context.Context, period string) ([]ReviewItem, error)
	// Approve approves the county's latest accepted form of period, by by.
	Approve(ctx context.Context, county, period, by string) error
	// Return sends the county's form back with the reasons (and marked cells).
	Return(ctx context.Context, r ReturnRequest) error
	// AcceptSource accepts the 待确认来源 item id for the county its form names, by by;
	// with addSender the sender may submit for the county from then on. It says what
	// became of the form (受理 or 退回, in Chinese).
	AcceptSource(ctx context.Context, id int64, addSender bool, by string) (string, error)
	// DiscardSource discards the 待确认来源 item id, by by, for reason: nobody is answered.
	DiscardSource(ctx context.Context, id int64, reason, by string) error
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
	Filename   string
	Source     int64  // 待确认来源: the item's id (AcceptSource, DiscardSource)
	Sender     string // 待确认来源: the address it came from
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
