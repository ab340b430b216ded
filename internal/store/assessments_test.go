package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"testing"
)

// TestAssessmentResultGzip stores one result plain and one gzip-compressed, and reads
// both back as the same JSON, whole and streamed; a result that is neither is refused.
func TestAssessmentResultGzip(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	const js = `{"period":"2026-10","counties":[{"code":"370811","total":91.5}]}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(js))
	zw.Close()
	for period, result := range map[string][]byte{"2026-10": []byte(js), "2026-09": gz.Bytes()} {
		if err := s.PutAssessment(ctx, &Assessment{Period: period, ChecklistVersion: "2019", Result: result}); err != nil {
			t.Fatal(err)
		}
	}
	for _, period := range []string{"2026-10", "2026-09"} {
		a, err := s.Assessment(ctx, period)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.ResultJSON()
		if err != nil || string(got) != js {
			t.Errorf("%s: ResultJSON = %s, %v", period, got, err)
		}
		var v struct {
			Counties []struct {
				Code  string  `json:"code"`
				Total float64 `json:"total"`
			} `json:"counties"`
		}
		if err := a.DecodeResult(&v); err != nil || len(v.Counties) != 1 || v.Counties[0].Total != 91.5 {
			t.Errorf("%s: DecodeResult = %+v, %v", period, v, err)
		}
	}
	for _, bad := range []string{"[1]", "null", "\x1f"} {
		if err := s.PutAssessment(ctx, &Assessment{Period: "2026-08", Result: []byte(bad)}); !errors.Is(err, ErrInvalid) {
			t.Errorf("result %q: err %v, want ErrInvalid", bad, err)
		}
	}
	broken := &Assessment{Period: "x", Result: append([]byte{0x1f, 0x8b}, "not gzip"...)}
	if err := broken.DecodeResult(new(any)); err == nil {
		t.Error("DecodeResult of a broken gzip stream: no error")
	}
}
