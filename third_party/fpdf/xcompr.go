// Copyright ©2021 The go-pdf Authors. All rights reserved.
// Use of this source code is governed by a MIT-style
// license that can be found in the LICENSE file.

package fpdf

import (
	"bytes"
	"fmt"
	"github.com/klauspost/compress/zlib"
	"sync"
)

var xmem = xmempool{
	Pool: sync.Pool{
		New: func() any {
			var m membuffer
			return &m
		},
	},
}

type xmempool struct{ sync.Pool }

// zlevel is the compression level of github.com/klauspost/compress, which kaohe's copy
// uses instead of compress/zlib: at level 2 it is about twice as fast as compress/zlib at
// its fastest, and writes slightly smaller streams.
const zlevel = 2

// zwriters holds idle zlib writers. It is a channel rather than a sync.Pool because
// a pool is emptied by every other GC, and a document makes enough garbage for that
// to happen several times while it is written.
var zwriters = make(chan *zlib.Writer, 16)

func getZWriter() *zlib.Writer {
	select {
	case zw := <-zwriters:
		return zw
	default:
	}
	zw, err := zlib.NewWriterLevel(nil, zlevel)
	if err != nil {
		panic(fmt.Errorf("could not create zlib writer: %w", err))
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

func (pool *xmempool) compress(data []byte) *membuffer {
	mem := pool.Get().(*membuffer)
	buf := &mem.buf
	buf.Grow(len(data))

	// kaohe: zlib writers are pooled (each new one allocates ~1 MB).
	zw := getZWriter()
	defer putZWriter(zw)
	zw.Reset(buf)
	_, err := zw.Write(data)
	if err != nil {
		panic(fmt.Errorf("could not zlib-compress slice: %w", err))
	}

	err = zw.Close()
	if err != nil {
		panic(fmt.Errorf("could not close zlib writer: %w", err))
	}
	return mem
}

// zfontLevel is the level font programs are compressed at: they are most of a report's
// bytes (CJK glyph outlines), and level 6 makes them ~6% smaller than level 2.
const zfontLevel = 9

var zfontWriters = make(chan *zlib.Writer, 16)

// compressFont is compress at zfontLevel.
func (pool *xmempool) compressFont(data []byte) *membuffer {
	mem := pool.Get().(*membuffer)
	buf := &mem.buf
	buf.Grow(len(data))
	var zw *zlib.Writer
	select {
	case zw = <-zfontWriters:
	default:
		w, err := zlib.NewWriterLevel(nil, zfontLevel)
		if err != nil {
			panic(fmt.Errorf("could not create zlib writer: %w", err))
		}
		zw = w
	}
	defer func() {
		zw.Reset(nil)
		select {
		case zfontWriters <- zw:
		default:
		}
	}()
	zw.Reset(buf)
	if _, err := zw.Write(data); err != nil {
		panic(fmt.Errorf("could not zlib-compress slice: %w", err))
	}
	if err := zw.Close(); err != nil {
		panic(fmt.Errorf("could not close zlib writer: %w", err))
	}
	return mem
}

func (pool *xmempool) uncompress(data []byte) (*membuffer, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}

	mem := pool.Get().(*membuffer)
	mem.buf.Reset()

	_, err = mem.buf.ReadFrom(zr)
	if err != nil {
		mem.release()
		return nil, err
	}

	return mem, nil
}

type membuffer struct {
	buf bytes.Buffer
}

func (mem *membuffer) bytes() []byte { return mem.buf.Bytes() }
func (mem *membuffer) release() {
	mem.buf.Reset()
	xmem.Put(mem)
}

func (mem *membuffer) copy() []byte {
	src := mem.bytes()
	dst := make([]byte, len(src))
	copy(dst, src)
	return dst
}
