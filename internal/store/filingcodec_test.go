package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/jining/kaohe/seeds"
)

// randFiling is a random filing: nil and empty slices and maps, empty, Chinese, escaped
// and invalid UTF-8 strings, extreme numbers (NaN is left out: it is never equal to itself).
func randFiling(r *rand.Rand) *seeds.Filing {
	strs := []string{"", "370811", "2026-11", "村级台账!F12", "已完成换届\n第二行", "\"quoted\" \\ <b>", "\xff\xfe", "\u2028", strings.Repeat("长", 300)}
	str := func() string {
		if r.IntN(3) == 0 {
			b := make([]byte, r.IntN(20))
			for i := range b {
				b[i] = byte(r.UintN(256))
			}
			return string(b)
		}
		return strs[r.IntN(len(strs))]
	}
	nums := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e308, -1e-308, math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64}
	number := func() seeds.Number {
		v := r.NormFloat64() * 1e4
		if r.IntN(2) == 0 {
			v = nums[r.IntN(len(nums))]
		}
		return seeds.Number{Value: v, Set: r.IntN(2) == 0, Note: str(), Cell: str()}
	}
	numbers := func() map[string]seeds.Number {
		switch r.IntN(5) {
		case 0:
			return nil
		case 1:
			return map[string]seeds.Number{}
		}
		m := map[string]seeds.Number{}
		for range r.IntN(20) {
			m[str()] = number()
		}
		return m
	}
	f := &seeds.Filing{County: str(), Period: str(), Version: str(), Form: r.IntN(5), Indicators: numbers()}
	if r.IntN(5) != 0 {
		f.Tasks = make([]seeds.TaskReport, r.IntN(45))
		for i := range f.Tasks {
			f.Tasks[i] = seeds.TaskReport{Task: str(), Status: seeds.Status(r.IntN(6) - 1), Progress: str(), Problems: str(), NextSteps: str(), Cell: str(),
				Percent: r.NormFloat64() * 50, PercentSet: r.IntN(2) == 0, PercentCell: str(), Evidence: str()}
		}
	}
	if r.IntN(5) != 0 {
		f.Villages = make([]seeds.VillageReport, r.IntN(50))
		for i := range f.Villages {
			f.Villages[i] = seeds.VillageReport{Town: str(), Village: str(), Secretary: str(), Row: r.IntN(1<<20) - 5, Values: numbers()}
		}
	}
	return f
}

// TestFilingCodecRoundTrip: every random filing decodes to exactly itself, nil and empty
// kept apart, every float bit for bit; the encoding is deterministic.
func TestFilingCodecRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		f := randFiling(r)
		b := encodeFiling(f)
		if b[0] != filingBinary3 {
			t.Fatalf("version byte %#x", b[0])
		}
		got, err := decodeFilingBytes(b)
		if err != nil {
			t.Fatalf("filing %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, f) {
			t.Fatalf("filing %d: round trip differs:\n got %#v\nwant %#v", i, got, f)
		}
		if again := encodeFiling(got); string(again) != string(b) {
			t.Fatalf("filing %d: encoding not deterministic", i)
		}
	}
}

// TestFilingCodecJSON: filings stored as JSON before the binary encoding still read.
func TestFilingCodecJSON(t *testing.T) {
	f := testFiling("370811", "2026-11", 5, 3)
	js, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{js, append([]byte("\n "), js...)} {
		got, err := decodeFilingBytes(in)
		if err != nil || !reflect.DeepEqual(got, f) {
			t.Errorf("JSON filing = %+v, %v", got, err)
		}
	}
}

// TestFilingCodecCorrupt: every truncation and a set of corruptions of an encoding is an
// error wrapping errFilingCodec, never a panic or a wrong filing.
func TestFilingCodecCorrupt(t *testing.T) {
	b := encodeFiling(testFiling("370811", "2026-11", 4, 3))
	for n := 1; n < len(b); n++ {
		if f, err := decodeFilingBytes(b[:n]); !errors.Is(err, errFilingCodec) {
			t.Fatalf("truncated to %d bytes: %v, %v", n, f, err)
		}
	}
	tests := map[string][]byte{
		"empty":    {},
		"version":  append([]byte{0x04}, b[1:]...),
		"trailing": append(append([]byte{}, b...), 0),
		"huge len": {filingBinary1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"overlong": {filingBinary1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
	}
	for name, in := range tests {
		if _, err := decodeFilingBytes(in); !errors.Is(err, errFilingCodec) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzDecodeFiling(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 8 {
		f.Add(encodeFiling(randFiling(r)))
	}
	f.Add(encodeFiling(testFiling("370811", "2026-11", 3, 2)))
	f.Fuzz(func(t *testing.T, b []byte) {
		fl, err := decodeFilingBytes(b)
		if err != nil || len(b) == 0 || b[0] != filingBinary3 {
			return
		}
		if again := encodeFiling(fl); string(again) != string(b) {
			// An input with map keys out of order re-encodes differently; it must still
			// decode to the same filing.
			fl2, err := decodeFilingBytes(again)
			if err != nil || !reflect.DeepEqual(fl, fl2) {
				t.Fatalf("re-encoding differs: %v", err)
			}
		}
	})
}

// BenchmarkDecodeFiling compares the decoding of one 172-village filing (15 values a
// village) in the binary encoding and in JSON.
func BenchmarkDecodeFiling(b *testing.B) {
	f := testFiling("370811", "2026-11", 172, 15)
	js, err := json.Marshal(f)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{{"binary", encodeFiling(f)}, {"json", js}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.in)))
			for b.Loop() {
				if _, err := decodeFilingBytes(tc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncodeFiling(b *testing.B) {
	f := testFiling("370811", "2026-11", 172, 15)
	b.ReportAllocs()
	for b.Loop() {
		encodeFiling(f)
	}
}

// TestFilingCodecVersion1: a filing stored in encoding 1 (before 完成进度 and 佐证说明)
// still decodes, with no progress set.
func TestFilingCodecVersion1(t *testing.T) {
	e := fenc{}
	e.b = append(e.b, filingBinary1)
	e.str("370811")
	e.str("2019-06")
	e.str("2019.1")
	e.len(1, false)
	e.str("一、1")
	e.b = binary.AppendVarint(e.b, int64(seeds.StatusInProgress))
	for _, s := range []string{"按计划推进", "", "", "重点任务!E2"} {
		e.str(s)
	}
	e.len(0, true)
	e.len(0, true)
	f, err := decodeFilingBytes(e.b)
	if err != nil {
		t.Fatal(err)
	}
	want := seeds.TaskReport{Task: "一、1", Status: seeds.StatusInProgress, Progress: "按计划推进", Cell: "重点任务!E2"}
	if f.County != "370811" || len(f.Tasks) != 1 || f.Tasks[0] != want || f.Form != 1 {
		t.Errorf("decoded %+v", f)
	}
	// The same bytes read as encoding 2 are truncated, not misread.
	e.b[0] = filingBinary2
	if _, err := decodeFilingBytes(e.b); !errors.Is(err, errFilingCodec) {
		t.Errorf("encoding 2 of version-1 bytes: %v", err)
	}
}

// TestFilingCodecVersion2: a filing stored in encoding 2 (before the form's template
// version was recorded) reads as a filing of a template version 2 form.
func TestFilingCodecVersion2(t *testing.T) {
	f := testFiling("370811", "2026-11", 3, 2)
	f.Form = 0
	b := encodeFiling(f)
	// Encoding 2 is encoding 3 without the form's version (one varint byte for 0).
	at := 1 + len(encodeString(f.County)) + len(encodeString(f.Period)) + len(encodeString(f.Version))
	old := append([]byte{filingBinary2}, b[1:at]...)
	old = append(old, b[at+1:]...)
	got, err := decodeFilingBytes(old)
	if err != nil || got.Form != 2 {
		t.Fatalf("encoding 2: form %v, %v", got, err)
	}
	got.Form = 0
	if !reflect.DeepEqual(got, f) {
		t.Errorf("encoding 2 differs:\n got %+v\nwant %+v", got, f)
	}
}

func encodeString(s string) []byte {
	e := fenc{}
	e.str(s)
	return e.b
}
