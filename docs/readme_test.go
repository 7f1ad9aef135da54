package docs_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The documents a user reads: the README and docs/*.md.
func userDocs(t *testing.T, root string) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{filepath.Join(root, "README.md")}, docs...)
}

// TestReadmeSnippetsAreExampleCode fails on a Go code block of the README
// that is not, verbatim, part of a file of an examples/ module: those are
// built and run in CI, so a snippet a user copies compiles and works.
func TestReadmeSnippetsAreExampleCode(t *testing.T) {
	root := moduleRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	err = filepath.WalkDir(filepath.Join(root, "examples"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		b, err := os.ReadFile(path)
		sources = append(sources, string(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("README.md has no Go code block: the vendoring examples are gone")
	}
	for _, b := range blocks {
		found := false
		for _, src := range sources {
			found = found || strings.Contains(src, b[1])
		}
		if !found {
			first, _, _ := strings.Cut(strings.TrimSpace(b[1]), "\n")
			t.Errorf("README.md Go block starting %q is in no examples/ file: copy it from the module it shows", first)
		}
	}
}

// TestDocsLinkInsideTheRepository fails on a relative link of the
// README or docs/ to a file that is not in the repository, and on any
// mention of files users do not have (the shared protocol notes).
func TestDocsLinkInsideTheRepository(t *testing.T) {
	root := moduleRoot(t)
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	for _, doc := range userDocs(t, root) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, doc)
		for _, outside := range []string{"../shared", "PROTOCOLS.md", "DESIGN.md", "seeds/"} {
			if strings.Contains(string(b), outside) {
				t.Errorf("%s mentions %q, which users of the repository do not have", rel, outside)
			}
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(doc), target)); err != nil {
				t.Errorf("%s links to %s: not in the repository", rel, target)
			}
		}
	}
}
