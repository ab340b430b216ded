package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// newProgress returns a progress callback drawing a bar on a terminal, or nil (plain log
// lines only) when w is not one.
func newProgress(w io.Writer) func(step string, done, total int) {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(step string, done, total int) {
		if total <= 0 {
			return
		}
		const width = 30
		n := done * width / total
		fmt.Fprintf(f, "\r%-9s [%s%s] %d/%d", step, strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total)
		if done >= total {
			fmt.Fprint(f, "\r\033[K")
		}
	}
}
