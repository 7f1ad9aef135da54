package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// HaveFrameType succeeds when the actual frame's Type (the low nibble of
// header byte 6) is t. The actual may be an api.Frame, *api.Frame,
// api.FrameHeader, *api.FrameHeader or raw frame bytes.
func HaveFrameType(t api.FrameType) types.GomegaMatcher {
	return &frameTypeMatcher{expected: t}
}

type frameTypeMatcher struct {
	expected api.FrameType
}

func (m *frameTypeMatcher) Match(actual any) (bool, error) {
	f, err := frameOf("HaveFrameType", actual)
	if err != nil {
		return false, err
	}
	return f.header.Type == m.expected, nil
}

func (m *frameTypeMatcher) FailureMessage(actual any) string {
	f, _ := frameOf("HaveFrameType", actual)
	return format.Message(actual, fmt.Sprintf("to have frame type %s, but it has %s\n%s",
		typeLabel(m.expected), typeLabel(f.header.Type), f.hexHeader()))
}

func (m *frameTypeMatcher) NegatedFailureMessage(actual any) string {
	f, _ := frameOf("HaveFrameType", actual)
	return format.Message(actual, fmt.Sprintf("not to have frame type %s\n%s",
		typeLabel(m.expected), f.hexHeader()))
}
