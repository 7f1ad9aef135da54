package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
)

// HaveHeaderLength succeeds when the actual frame's HeaderLength (header
// byte 2, in 32-bit words) is words. The actual may be an api.Frame,
// *api.Frame, api.FrameHeader, *api.FrameHeader or raw frame bytes.
func HaveHeaderLength(words uint8) types.GomegaMatcher {
	return &headerLengthMatcher{expected: words}
}

type headerLengthMatcher struct {
	expected uint8
}

func (m *headerLengthMatcher) Match(actual any) (bool, error) {
	f, err := frameOf("HaveHeaderLength", actual)
	if err != nil {
		return false, err
	}
	return f.header.HeaderLength == m.expected, nil
}

func (m *headerLengthMatcher) FailureMessage(actual any) string {
	f, _ := frameOf("HaveHeaderLength", actual)
	return format.Message(actual, fmt.Sprintf("to have HeaderLength %d (32-bit words), but it has %d\n%s",
		m.expected, f.header.HeaderLength, f.hexHeader()))
}

func (m *headerLengthMatcher) NegatedFailureMessage(actual any) string {
	f, _ := frameOf("HaveHeaderLength", actual)
	return format.Message(actual, fmt.Sprintf("not to have HeaderLength %d (32-bit words)\n%s",
		m.expected, f.hexHeader()))
}
