package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestAdjustmentsRoundTrip stores every kind of record, reads them back field for field,
// revokes one (it stays, marked), and refuses incomplete records, a second revocation and
// an addition the allow function refuses (nothing of that batch is stored).
func TestAdjustmentsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.Date(2026, 7, 3, 9, 30, 0, 0, time.UTC)
	recs := []Adjustment{
		{County: "370811", Period: "2026-06", Kind: AdjBonus, Points: 1.5, Reason: "获省级表彰", Doc: "济组字〔2026〕12号", Source: "cli", By: "王科长", At: at},
		{County: "370811", Period: "2026-06", Kind: AdjValue, TargetKind: TargetVillage, Target: "v_income", Town: "安居街道", Village: "南张村", Reported: "6.2", Value: 2.1, Reason: "账面收入含上级补助", Source: "verify:ab12", By: "核查组", At: at},
		{County: "370811", Period: "2026-06", Kind: AdjClaimFalse, TargetKind: TargetTask, Target: "一、1", Reported: "已完成", Reason: "现场无产业基地", Source: "verify:ab12", By: "核查组", At: at},
		{County: "370812", Period: "2026-06", Kind: AdjPenalty, Points: 2, Reason: "通报批评", Doc: "济组通〔2026〕3号", Source: "cli", By: "王科长", At: at},
		{County: "370811", Period: "2026-05", Kind: AdjValue, TargetKind: TargetIndicator, Target: "c_fund", Reported: "100", Value: 80, Source: "cli", By: "王科长", At: at},
	}
	got, err := s.AddAdjustments(ctx, recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i].ID == 0 {
			t.Fatalf("record %d has no id", i)
		}
		want := recs[i]
		want.ID = got[i].ID
		back, err := s.Adjustment(ctx, got[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%+v", *back) != fmt.Sprintf("%+v", want) {
			t.Errorf("record %d read back as\n%+v\nwant\n%+v", i, *back, want)
		}
	}
	list, err := s.Adjustments(ctx, "2026-06", "370811", false)
	if err != nil || len(list) != 3 || list[0].Kind != AdjBonus || list[2].Kind != AdjClaimFalse {
		t.Fatalf("2026-06 370811: %d records, %v", len(list), err)
	}
	if all, _ := s.Adjustments(ctx, "", "", false); len(all) != 5 {
		t.Errorf("all: %d records, want 5", len(all))
	}

	// Revoking keeps the record, marked, and leaves it out of what is in force.
	later := at.Add(48 * time.Hour)
	r, err := s.RevokeAdjustment(ctx, got[0].ID, "李处长", "表彰文件撤回", later)
	if err != nil || r.Active() || r.RevokedBy != "李处长" || !r.RevokedAt.Equal(later) {
		t.Fatalf("revoke: %+v %v", r, err)
	}
	if list, _ := s.Adjustments(ctx, "2026-06", "370811", false); len(list) != 2 {
		t.Errorf("in force after revoking: %d, want 2", len(list))
	}
	all, _ := s.Adjustments(ctx, "2026-06", "370811", true)
	if len(all) != 3 || all[0].Active() || all[0].RevokedReason != "表彰文件撤回" || all[0].Points != 1.5 {
		t.Errorf("with revoked: %+v", all)
	}
	if _, err := s.RevokeAdjustment(ctx, got[0].ID, "李处长", "again", later); !errors.Is(err, ErrState) {
		t.Errorf("second revocation: %v, want ErrState", err)
	}
	if _, err := s.RevokeAdjustment(ctx, 999, "李处长", "x", later); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking a missing record: %v, want ErrNotFound", err)
	}
	if _, err := s.RevokeAdjustment(ctx, got[1].ID, "", "x", later); !errors.Is(err, ErrInvalid) {
		t.Errorf("revoking without who: %v, want ErrInvalid", err)
	}
	if ok, _ := s.HasAdjustmentSource(ctx, "verify:ab12"); !ok {
		t.Error("source verify:ab12 not found")
	}

	// Incomplete records are refused.
	for _, bad := range []Adjustment{
		{County: "370811", Period: "2026-06", Kind: AdjBonus, Points: 1, Reason: "x", Source: "cli", By: "a", At: at},                 // no 文号
		{County: "370811", Period: "2026-06", Kind: AdjPenalty, Points: 0, Reason: "x", Doc: "d", Source: "cli", By: "a", At: at},     // no points
		{County: "370811", Period: "2026-06", Kind: AdjClaimFalse, Source: "cli", By: "a", At: at},                                    // no task
		{County: "370811", Period: "2026-06", Kind: AdjValue, TargetKind: TargetVillage, Target: "v", Source: "cli", By: "a", At: at}, // no village
		{County: "370811", Period: "2026-6", Kind: AdjBonus, Points: 1, Reason: "x", Doc: "d", Source: "cli", By: "a", At: at},
		{County: "370811", Period: "2026-06", Kind: AdjBonus, Points: 1, Reason: "x", Doc: "d", Source: "cli", At: at}, // no operator
		{County: "370811", Period: "2026-06", Kind: "奖励", Points: 1, Reason: "x", Doc: "d", Source: "cli", By: "a", At: at},
	} {
		if _, err := s.AddAdjustments(ctx, []Adjustment{bad}, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", bad, err)
		}
	}

	// allow sees the records in force and those of the batch before; its refusal stores nothing.
	capErr := errors.New("over the cap")
	var seen []int
	b := Adjustment{County: "370811", Period: "2026-06", Kind: AdjBonus, Points: 1, Reason: "x", Doc: "d", Source: "cli", By: "a", At: at}
	_, err = s.AddAdjustments(ctx, []Adjustment{b, b, b}, func(ex []Adjustment, add Adjustment) error {
		seen = append(seen, len(ex))
		if len(ex) >= 4 {
			return capErr
		}
		return nil
	})
	if !errors.Is(err, capErr) || fmt.Sprint(seen) != "[2 3 4]" {
		t.Errorf("allow: %v, saw %v existing records, want [2 3 4]", err, seen)
	}
	if list, _ := s.Adjustments(ctx, "2026-06", "370811", false); len(list) != 2 {
		t.Errorf("after a refused batch: %d records in force, want 2", len(list))
	}
}
