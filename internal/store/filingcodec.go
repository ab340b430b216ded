package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/jining/kaohe/seeds"
)

// The filing column holds a seeds.Filing in one of two encodings, told apart by the
// first byte:
//
//   - '{' (or JSON white space): JSON, as written before filing encoding 1 existed;
//     still read, never written.
//   - filingBinary1: a compact binary encoding, below; still read, never written.
//   - filingBinary2: encoding 1 with the task's 完成进度 and 佐证说明 (template version 2);
//     still read (as a filing of a version 2 form), never written.
//   - filingBinary3: encoding 2 with the template version of the form (Filing.Form, a
//     varint after the checklist version; template version 3).
//
// Binary encoding 1, after the version byte: every string is a uvarint byte length and
// the bytes; every integer a varint; a float64 its 8 IEEE-754 bytes, little endian; a
// bool one byte (0 or 1); a slice or map its length + 1 as a uvarint, 0 meaning nil (so
// nil and empty survive a round trip); map entries in key order, so the encoding of a
// filing is deterministic.
//
//	filing:  county period version  [encoding 3 only:] form(varint)  tasks(len+1, task…)  indicators(len+1, (key number)…)  villages(len+1, village…)
//	task:    task status progress problems next_steps cell
//	         [encoding 2 only:] percent(float64) percent_set(bool) percent_cell evidence
//	number:  value set note cell
//	village: town village secretary row values(len+1, (key number)…)
//
// Decoding copies the input into one string and slices every string of the filing out of
// it: a 172-village filing is a few allocations instead of JSON's thousands.
const (
	filingBinary1 = 0x01
	filingBinary2 = 0x02
	filingBinary3 = 0x03
)

// errFilingCodec is wrapped by every decoding error.
var errFilingCodec = errors.New("filing encoding")

// encodeFiling returns the binary encoding of f.
func encodeFiling(f *seeds.Filing) []byte {
	n := 64 + len(f.Tasks)*64 + len(f.Indicators)*48
	for _, v := range f.Villages {
		n += 48 + len(v.Values)*40 // key, 8-byte value, set, note, cell (~F12)
	}
	e := fenc{b: make([]byte, 0, n)}
	e.b = append(e.b, filingBinary3)
	e.str(f.County)
	e.str(f.Period)
	e.str(f.Version)
	e.b = binary.AppendVarint(e.b, int64(f.Form))
	if e.len(len(f.Tasks), f.Tasks == nil) {
		for _, t := range f.Tasks {
			e.str(t.Task)
			e.b = binary.AppendVarint(e.b, int64(t.Status))
			e.str(t.Progress)
			e.str(t.Problems)
			e.str(t.NextSteps)
			e.str(t.Cell)
			e.value(t.Percent, t.PercentSet)
			e.str(t.PercentCell)
			e.str(t.Evidence)
		}
	}
	e.numbers(f.Indicators)
	if e.len(len(f.Villages), f.Villages == nil) {
		for _, v := range f.Villages {
			e.str(v.Town)
			e.str(v.Village)
			e.str(v.Secretary)
			e.b = binary.AppendVarint(e.b, int64(v.Row))
			e.numbers(v.Values)
		}
	}
	return e.b
}

type fenc struct {
	b     []byte
	order keyOrder
}

func (e *fenc) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

// value writes a number and whether it was set: its 8 bytes little-endian, then 1 or 0.
func (e *fenc) value(v float64, set bool) {
	e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v))
	if set {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// len writes the length of a slice or map and reports whether it has elements to write.
func (e *fenc) len(n int, isNil bool) bool {
	if isNil {
		e.b = append(e.b, 0)
		return false
	}
	e.b = binary.AppendUvarint(e.b, uint64(n)+1)
	return n > 0
}

func (e *fenc) numbers(m map[string]seeds.Number) {
	if !e.len(len(m), m == nil) {
		return
	}
	for _, k := range e.order.of(m) {
		n := m[k]
		e.str(k)
		e.value(n.Value, n.Set)
		e.str(n.Note)
		e.str(n.Cell)
	}
}

// decodeFilingBytes decodes a filing column in either encoding.
//
// Errors: wrapping errFilingCodec for a binary encoding that is truncated, has trailing
// bytes, impossible lengths or an unknown version; JSON syntax errors for JSON.
func decodeFilingBytes(b []byte) (*seeds.Filing, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", errFilingCodec)
	}
	switch b[0] {
	case '{', ' ', '\t', '\n', '\r':
		f := new(seeds.Filing)
		if err := json.Unmarshal(b, f); err != nil {
			return nil, err
		}
		return f, nil
	case filingBinary1, filingBinary2, filingBinary3:
		d := fdec{s: string(b[1:]), v2: b[0] >= filingBinary2, v3: b[0] == filingBinary3}
		f := d.filing()
		if !d.v3 && f != nil {
			// Written before the form's version was recorded: encoding 1 from forms of
			// template version 1, encoding 2 from version 2.
			f.Form = int(b[0])
		}
		if d.err == nil && d.i != len(d.s) {
			d.fail("%d trailing bytes", len(d.s)-d.i)
		}
		if d.err != nil {
			return nil, d.err
		}
		return f, nil
	}
	return nil, fmt.Errorf("%w: unknown version byte %#02x", errFilingCodec, b[0])
}

type fdec struct {
	v2  bool // encoding 2 or 3: tasks carry percent and evidence
	v3  bool // encoding 3: the form's template version follows the checklist version
	s   string
	i   int
	err error
}

func (d *fdec) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format+" at byte %d", append([]any{errFilingCodec}, append(args, d.i+1)...)...)
	}
	d.i = len(d.s) // stop reading
}

func (d *fdec) uvarint() uint64 {
	var x uint64
	var shift uint
	for k := 0; ; k++ {
		if d.i >= len(d.s) || k == binary.MaxVarintLen64 {
			d.fail("truncated or overlong varint")
			return 0
		}
		c := d.s[d.i]
		d.i++
		if c < 0x80 {
			if k == binary.MaxVarintLen64-1 && c > 1 {
				d.fail("varint overflows")
				return 0
			}
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
}

func (d *fdec) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *fdec) str() string {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) {
		d.fail("string of %d bytes past the end", n)
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

// len reads a slice or map length: -1 for nil. Each element takes at least min bytes, so
// a length the rest of the input cannot hold is an error (and never a huge allocation).
func (d *fdec) len(min int) int {
	n := d.uvarint()
	if n == 0 {
		return -1
	}
	n--
	if n > uint64((len(d.s)-d.i)/min) {
		d.fail("length %d past the end", n)
		return -1
	}
	return int(n)
}

func (d *fdec) int() int {
	x := d.varint()
	if x < math.MinInt32 || x > math.MaxInt32 {
		d.fail("integer %d out of range", x)
		return 0
	}
	return int(x)
}

func (d *fdec) filing() *seeds.Filing {
	f := &seeds.Filing{County: d.str(), Period: d.str(), Version: d.str()}
	if d.v3 {
		f.Form = d.int()
	}
	if n := d.len(6); n >= 0 {
		f.Tasks = make([]seeds.TaskReport, n)
		for i := range f.Tasks {
			t := &f.Tasks[i]
			t.Task = d.str()
			t.Status = seeds.Status(d.int())
			t.Progress, t.Problems, t.NextSteps, t.Cell = d.str(), d.str(), d.str(), d.str()
			if d.v2 {
				var ok bool
				if t.Percent, t.PercentSet, ok = d.value("task"); !ok {
					return f
				}
				t.PercentCell, t.Evidence = d.str(), d.str()
			}
		}
	}
	f.Indicators = d.numbers()
	if n := d.len(5); n >= 0 {
		f.Villages = make([]seeds.VillageReport, n)
		for i := range f.Villages {
			v := &f.Villages[i]
			v.Town, v.Village, v.Secretary = d.str(), d.str(), d.str()
			v.Row = d.int()
			v.Values = d.numbers()
		}
	}
	return f
}

// value reads what fenc.value wrote; ok is false (and d failed) when the input ends
// early or the flag is neither 0 nor 1.
func (d *fdec) value(what string) (v float64, set, ok bool) {
	if d.i+9 > len(d.s) {
		d.fail("truncated %s", what)
		return 0, false, false
	}
	v, flag := math.Float64frombits(le64(d.s[d.i:d.i+8])), d.s[d.i+8]
	if flag > 1 {
		d.fail("bool byte %#02x", flag)
		return 0, false, false
	}
	d.i += 9
	return v, flag == 1, true
}

func (d *fdec) numbers() map[string]seeds.Number {
	n := d.len(12)
	if n < 0 {
		return nil
	}
	m := make(map[string]seeds.Number, n)
	for range n {
		k := d.str()
		var num seeds.Number
		var ok bool
		if num.Value, num.Set, ok = d.value("number"); !ok {
			return m
		}
		num.Note, num.Cell = d.str(), d.str()
		if _, dup := m[k]; dup {
			d.fail("key %q twice", k)
			return m
		}
		m[k] = num
	}
	return m
}

// le64 is binary.LittleEndian.Uint64 of a string's 8 bytes, without copying them.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
