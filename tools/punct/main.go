// Command punct replaces ASCII , ; : ( ) ? in Chinese text by their full-width forms
// (GB/T 15834), as internal/lang defines the rule, in place:
//
//	go run ./tools/punct seeds/checklist.toml seeds/roster.toml templates/*.go
//
// In a .toml file it changes the double-quoted string values only (comments, keys and
// numbers stay); in a .go file, the Chinese string literals (English ones, such as log
// messages quoting a Chinese term, stay). It changes nothing else, so it can be re-run on
// a merged file. It prints each file it changed.
package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"

	"github.com/jining/kaohe/internal/lang"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: punct FILE.toml|FILE.go ...")
		os.Exit(2)
	}
	status := 0
	for _, path := range os.Args[1:] {
		b, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 1
			continue
		}
		var out []byte
		switch {
		case strings.HasSuffix(path, ".toml"):
			out = fixTOML(b)
		case strings.HasSuffix(path, ".go"):
			out, err = fixGo(path, b)
		default:
			err = fmt.Errorf("%s: neither .toml nor .go", path)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 1
			continue
		}
		if !bytes.Equal(out, b) {
			if err := os.WriteFile(path, out, 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				status = 1
				continue
			}
			fmt.Println(path)
		}
	}
	os.Exit(status)
}

// fixTOML fixes the content of every "..." string outside comments.
func fixTOML(b []byte) []byte {
	lines := strings.SplitAfter(string(b), "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		var o strings.Builder
		in, start := false, 0
		for j := 0; j < len(l); j++ {
			switch c := l[j]; {
			case !in && c == '#':
				o.WriteString(l[j:]) // a trailing comment
				j = len(l)
				start = len(l)
				continue
			case !in && c == '"':
				in, start = true, j+1
				o.WriteByte(c)
			case in && c == '\\':
				j++
			case in && c == '"':
				s := l[start:j]
				if u, err := strconv.Unquote(`"` + s + `"`); err == nil {
					s = lang.ReplaceMarks(s, lang.FixMarks(u))
				}
				o.WriteString(s)
				o.WriteByte(c)
				in = false
				start = j + 1
			case !in:
				o.WriteByte(c)
			}
		}
		if in { // unterminated: leave the line alone
			continue
		}
		lines[i] = o.String()
	}
	return []byte(strings.Join(lines, ""))
}

// fixGo fixes the Chinese string literals of a Go file.
func fixGo(path string, b []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, b, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	type edit struct {
		at, end int
		text    string
	}
	var edits []edit
	ast.Inspect(f, func(x ast.Node) bool {
		lit, ok := x.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		u, err := strconv.Unquote(lit.Value)
		if err != nil || !lang.IsChineseText(u) {
			return true
		}
		marks := lang.FixMarks(u)
		if len(marks) == 0 {
			return true
		}
		raw := lit.Value[1 : len(lit.Value)-1]
		fixed := lit.Value[:1] + lang.ReplaceMarks(raw, marks) + lit.Value[len(lit.Value)-1:]
		if got, err := strconv.Unquote(fixed); err != nil || got != lang.ReplaceMarks(u, marks) {
			fmt.Fprintf(os.Stderr, "%s: left as it is (escaped marks)\n", fset.Position(lit.Pos()))
			return true
		}
		at := fset.Position(lit.Pos()).Offset
		edits = append(edits, edit{at, at + len(lit.Value), fixed})
		return true
	})
	var o bytes.Buffer
	last := 0
	for _, e := range edits {
		o.Write(b[last:e.at])
		o.WriteString(e.text)
		last = e.end
	}
	o.Write(b[last:])
	return o.Bytes(), nil
}
