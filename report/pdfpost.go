package report

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/klauspost/compress/zlib"
)

// fpdf compresses every stream with a new zlib writer, each allocating about a
// megabyte; for a five-page report that is most of the garbage made. So the renderer
// has fpdf write page contents uncompressed and compresses them here, with pooled
// writers, rebuilding the cross-reference table.

// zlevel is the level of github.com/klauspost/compress's zlib: at 2, about twice as fast
// as compress/zlib at its fastest, with slightly smaller output.
const zlevel = 2

// zwriters holds idle zlib writers: a channel, not a sync.Pool, because a pool is
// emptied every other GC, and rendering a report makes enough garbage for several.
var zwriters = make(chan *zlib.Writer, 16)

func getZWriter() *zlib.Writer {
	select {
	case zw := <-zwriters:
		return zw
	default:
	}
	zw, err := zlib.NewWriterLevel(nil, zlevel)
	if err != nil {
		panic(err) // zlevel is a valid level
	}
	return zw
}

func putZWriter(zw *zlib.Writer) {
	zw.Reset(nil)
	select {
	case zwriters <- zw:
	default:
	}
}

var (
	plainStream = regexp.MustCompile(`^(\d+) 0 obj\n<</Length (\d+)>>\nstream\n`)
	objHeader   = regexp.MustCompile(`^(\d+) 0 obj\n`)
	startxrefRE = regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n?$`)
)

// compressStreams returns pdf (as written by fpdf) with every unfiltered stream whose
// dictionary is just its length compressed with FlateDecode. It returns an error when
// pdf does not have the layout fpdf writes (object offsets in a single xref section).
func compressStreams(pdf []byte) ([]byte, error) {
	m := startxrefRE.FindSubmatchIndex(pdf)
	if m == nil {
		return nil, errors.New("pdf: no startxref")
	}
	xrefAt, err := strconv.Atoi(string(pdf[m[2]:m[3]]))
	if err != nil || xrefAt >= len(pdf) {
		return nil, errors.New("pdf: bad startxref")
	}
	xref := pdf[xrefAt:]
	var n int
	if _, err := fmt.Sscanf(string(xref[:min(len(xref), 40)]), "xref\n0 %d\n", &n); err != nil {
		return nil, fmt.Errorf("pdf: xref: %w", err)
	}
	hdr := bytes.Index(xref, []byte("\n0000000000 65535 f \n"))
	if hdr < 0 {
		return nil, errors.New("pdf: xref: no free entry 0")
	}
	entries := xref[hdr+1:]
	if len(entries) < 20*n {
		return nil, errors.New("pdf: xref truncated")
	}
	trailer := entries[20*n:]
	tEnd := bytes.Index(trailer, []byte("startxref\n"))
	if tEnd < 0 {
		return nil, errors.New("pdf: no trailer")
	}
	trailer = trailer[:tEnd]
	offs := make([]int, n)
	for i := 1; i < n; i++ {
		e := entries[20*i : 20*i+20]
		if e[17] != 'n' {
			return nil, fmt.Errorf("pdf: xref entry %d is not in use", i)
		}
		o, err := strconv.Atoi(string(e[:10]))
		if err != nil || o >= xrefAt {
			return nil, fmt.Errorf("pdf: xref entry %d: bad offset", i)
		}
		offs[i] = o
	}
	order := make([]int, 0, n-1)
	for i := 1; i < n; i++ {
		order = append(order, i)
	}
	slices.SortFunc(order, func(a, b int) int { return offs[a] - offs[b] })

	out := bytes.NewBuffer(make([]byte, 0, len(pdf)/2))
	if len(order) > 0 {
		out.Write(pdf[:offs[order[0]]])
	}
	newOffs := make([]int, n)
	zw := getZWriter()
	defer putZWriter(zw)
	var z bytes.Buffer
	for k, obj := range order {
		end := xrefAt
		if k+1 < len(order) {
			end = offs[order[k+1]]
		}
		chunk := pdf[offs[obj]:end]
		hm := objHeader.FindSubmatch(chunk)
		if hm == nil || string(hm[1]) != strconv.Itoa(obj) {
			return nil, fmt.Errorf("pdf: object %d not at its offset", obj)
		}
		newOffs[obj] = out.Len()
		sm := plainStream.FindSubmatchIndex(chunk)
		if sm == nil {
			out.Write(chunk)
			continue
		}
		ln, err := strconv.Atoi(string(chunk[sm[4]:sm[5]]))
		if err != nil || sm[1]+ln > len(chunk) {
			return nil, fmt.Errorf("pdf: object %d: bad stream length", obj)
		}
		data := chunk[sm[1] : sm[1]+ln]
		tail := chunk[sm[1]+ln:]
		if !bytes.HasPrefix(tail, []byte("\nendstream")) {
			return nil, fmt.Errorf("pdf: object %d: stream length mismatch", obj)
		}
		z.Reset()
		zw.Reset(&z)
		if _, err := zw.Write(data); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "%d 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n", obj, z.Len())
		out.Write(z.Bytes())
		out.Write(tail)
	}
	xrefNew := out.Len()
	fmt.Fprintf(out, "xref\n0 %d\n0000000000 65535 f \n", n)
	for i := 1; i < n; i++ {
		fmt.Fprintf(out, "%010d 00000 n \n", newOffs[i])
	}
	out.Write(trailer)
	fmt.Fprintf(out, "startxref\n%d\n%%%%EOF\n", xrefNew)
	return out.Bytes(), nil
}
