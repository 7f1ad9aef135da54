package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
)

// HaveVersion succeeds when the actual frame's Version (header bytes 0-1,
// big-endian) is v. The actual may be an api.Frame, *api.Frame,
// api.FrameHeader, *api.FrameHeader or raw frame bytes.
func HaveVersion(v uint16) types.GomegaMatcher {
	return &versionMatcher{expected: v}
}

type versionMatcher struct {
	expected uint16
}

func (m *versionMatcher) Match(actual any) (bool, error) {
	f, err := frameOf("HaveVersion", actual)
	if err != nil {
		return false, err
	}
	return f.header.Version == m.expected, nil
}

func (m *versionMatcher) FailureMessage(actual any) string {
	f, _ := frameOf("HaveVersion", actual)
	return format.Message(actual, fmt.Sprintf("to have Version %d, but it has %d (%#04x)\n%s",
		m.expected, f.header.Version, f.header.Version, f.hexHeader()))
}

func (m *versionMatcher) NegatedFailureMessage(actual any) string {
	f, _ := frameOf("HaveVersion", actual)
	return format.Message(actual, fmt.Sprintf("not to have Version %d\n%s", m.expected, f.hexHeader()))
}
