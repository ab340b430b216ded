package lang

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// repoRoot is the module root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestSourceText checks, for marks (Check) and terms (BadTerms), every Chinese string literal of kaohe's Go code (tests excepted:
// they quote county input, bad and good; tools/ excepted: it writes hostile test input;
// this package excepted: its literals are the rule's examples), every mail template and every string of the
// checklist and roster. Literals are what kaohe writes, whole or in part (format
// strings, message pieces); the demo test checks the rendered mails, PDFs and workbook.
func TestSourceText(t *testing.T) {
	root := repoRoot(t)
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if name := d.Name(); rel != "." && (strings.HasPrefix(name, ".") || name == "third_party" || name == "testdata" || rel == "tools" || rel == filepath.Join("internal", "lang")) {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(path, "_test.go"):
		case rel == filepath.Join("templates", "fill.go"):
			// RandomFiling writes sample county input (进展情况 and the like), which a
			// LibreOffice-saved fixture (templates/testdata) repeats: the county's words,
			// not kaohe's.
		case strings.HasSuffix(path, ".go"):
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(x ast.Node) bool {
				lit, ok := x.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Errorf("%s: %v", fset.Position(lit.Pos()), err)
					return true
				}
				n++
				if !IsChineseText(s) {
					return true // English: a log message, the CLI's help
				}
				for _, p := range Check(s) {
					t.Errorf("%s: %s", fset.Position(lit.Pos()), p)
				}
				for _, term := range BadTerms(s) {
					t.Errorf("%s: %s", fset.Position(lit.Pos()), term)
				}
				return true
			})
		case strings.HasSuffix(path, ".tmpl"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			s := strings.TrimPrefix(string(b), "Subject: ") // the header name is not text
			n++
			for _, p := range Check(s) {
				t.Errorf("%s: %s", rel, p)
			}
			for _, term := range BadTerms(s) {
				t.Errorf("%s: %s", rel, term)
			}
		case strings.HasSuffix(path, ".toml") && strings.HasPrefix(rel, "seeds"+string(filepath.Separator)):
			var v any
			if _, err := toml.DecodeFile(path, &v); err != nil {
				return err
			}
			walkStrings(v, func(key, s string) {
				n++
				for _, p := range Check(s) {
					t.Errorf("%s %s: %s", rel, key, p)
				}
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 1000 {
		t.Errorf("only %d texts checked: the walk missed the sources", n)
	}
}

func walkStrings(v any, fn func(key, s string)) {
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case string:
			fn(key, x)
		case map[string]any:
			for k, e := range x {
				walk(key+"."+k, e)
			}
		case []map[string]any:
			for i, e := range x {
				walk(key+"["+strconv.Itoa(i)+"]", e)
			}
		case []any:
			for i, e := range x {
				walk(key+"["+strconv.Itoa(i)+"]", e)
			}
		}
	}
	walk("", v)
}
