package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// WriteJSON writes s as indented JSON to path, creating its directory.
func (s Summary) WriteJSON(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the JSON report: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("JSON report %s: %w", path, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("JSON report %s: %w", path, err)
	}
	return nil
}

// WriteJUnit writes Ginkgo's JUnit XML report of r to path, creating its
// directory. Spec names carry their labels, so each test case shows its
// requirement ID and level.
func WriteJUnit(r types.Report, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("JUnit report %s: %w", path, err)
	}
	if err := reporters.GenerateJUnitReport(r, path); err != nil {
		return fmt.Errorf("JUnit report %s: %w", path, err)
	}
	return nil
}
