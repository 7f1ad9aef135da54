package docs_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestExportedIdentifiersHaveDocs fails on every exported identifier,
// struct field and interface method of the module's library packages that
// go doc would show without a comment. A comment above a grouped const,
// var or type block covers its members; a field, method or block member may
// instead carry a comment at the end of its line; embedded fields and
// interfaces are documented by their types. Package main, tests, examples/
// and testdata are not checked.
func TestExportedIdentifiersHaveDocs(t *testing.T) {
	root := moduleRoot(t)
	var gaps []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "examples" || name == "testdata" || name == "vendor" ||
				strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		found, err := fileGaps(path, filepath.ToSlash(rel))
		gaps = append(gaps, found...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) > 0 {
		sort.Strings(gaps)
		t.Errorf("%d exported identifier(s) without a doc comment:\n\t%s", len(gaps), strings.Join(gaps, "\n\t"))
	}
}

// moduleRoot is the nearest directory above the test's own that holds
// go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// fileGaps lists the undocumented exported identifiers of one file, each
// as "file:line: name (kind)"; a file of package main has none.
func fileGaps(path, rel string) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	if f.Name.Name == "main" {
		return nil, nil
	}
	var gaps []string
	gap := func(pos token.Pos, name, kind string) {
		gaps = append(gaps, fmt.Sprintf("%s:%d: %s (%s)", rel, fset.Position(pos).Line, name, kind))
	}
	for _, decl := range f.Decls {
		switch decl := decl.(type) {
		case *ast.FuncDecl:
			name, kind, shown := funcName(decl)
			if shown && decl.Doc == nil {
				gap(decl.Pos(), name, kind)
			}
		case *ast.GenDecl:
			for _, spec := range decl.Specs {
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					if !spec.Name.IsExported() {
						continue
					}
					if decl.Doc == nil && spec.Doc == nil && spec.Comment == nil {
						gap(spec.Pos(), spec.Name.Name, "type")
					}
					memberGaps(spec.Type, spec.Name.Name, gap)
				case *ast.ValueSpec:
					if decl.Doc != nil || spec.Doc != nil || spec.Comment != nil {
						continue
					}
					for _, n := range spec.Names {
						if n.IsExported() {
							gap(n.Pos(), n.Name, decl.Tok.String())
						}
					}
				}
			}
		}
	}
	return gaps, nil
}

// funcName names a function or method as go doc does, and says whether go
// doc shows it: exported, and for a method, of an exported type.
func funcName(decl *ast.FuncDecl) (name, kind string, shown bool) {
	if !decl.Name.IsExported() {
		return "", "", false
	}
	if decl.Recv == nil || len(decl.Recv.List) == 0 {
		return decl.Name.Name, "func", true
	}
	recv := decl.Recv.List[0].Type
	for {
		switch r := recv.(type) {
		case *ast.StarExpr:
			recv = r.X
			continue
		case *ast.IndexExpr: // a generic type's method
			recv = r.X
			continue
		case *ast.IndexListExpr:
			recv = r.X
			continue
		}
		break
	}
	id, ok := recv.(*ast.Ident)
	if !ok || !id.IsExported() {
		return "", "", false
	}
	return id.Name + "." + decl.Name.Name, "method", true
}

// memberGaps reports the exported fields of a struct type and the exported
// methods of an interface type that carry no comment, descending into
// fields whose type is itself a struct or interface literal.
func memberGaps(typ ast.Expr, owner string, gap func(pos token.Pos, name, kind string)) {
	var fields *ast.FieldList
	kind := "field"
	switch typ := typ.(type) {
	case *ast.StructType:
		fields = typ.Fields
	case *ast.InterfaceType:
		fields, kind = typ.Methods, "interface method"
	case *ast.StarExpr:
		memberGaps(typ.X, owner, gap)
		return
	case *ast.ArrayType:
		memberGaps(typ.Elt, owner, gap)
		return
	case *ast.MapType:
		memberGaps(typ.Value, owner, gap)
		return
	}
	if fields == nil {
		return
	}
	for _, field := range fields.List {
		documented := field.Doc != nil || field.Comment != nil
		for _, n := range field.Names { // none for an embedded field
			if !n.IsExported() {
				continue
			}
			if !documented {
				gap(n.Pos(), owner+"."+n.Name, kind)
			}
			memberGaps(field.Type, owner+"."+n.Name, gap)
		}
	}
}
