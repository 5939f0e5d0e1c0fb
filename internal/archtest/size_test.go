package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"
)

// Size limits of non-test code: a function that does not fit on a
// screen and a half, or a file past 500 lines, is split.
const (
	maxFuncLines = 80
	maxFileLines = 500
)

func TestFunctionAndFileSizes(t *testing.T) {
	for _, p := range list(t) {
		for _, f := range p.GoFiles {
			path := filepath.Join(p.Dir, f)
			fset := token.NewFileSet()
			file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			if n := fset.Position(file.End()).Line; n > maxFileLines {
				t.Errorf("%s/%s has %d lines (at most %d)", p.rel(), f, n, maxFileLines)
			}
			for _, d := range file.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				if n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; n > maxFuncLines {
					t.Errorf("%s/%s: %s has %d lines (at most %d)", p.rel(), f, fd.Name.Name, n, maxFuncLines)
				}
			}
		}
	}
}
