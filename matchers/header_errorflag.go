package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
)

// HaveErrorFlag succeeds when the actual frame has the E flag (bit 0x10 of
// header byte 6) set. Messages quote the payload when the actual has one, so
// an unexpected error response shows its {"msg":...}. The actual may be an
// api.Frame, *api.Frame, api.FrameHeader, *api.FrameHeader or raw frame
// bytes.
func HaveErrorFlag() types.GomegaMatcher {
	return &errorFlagMatcher{}
}

type errorFlagMatcher struct{}

func (m *errorFlagMatcher) Match(actual any) (bool, error) {
	f, err := frameOf("HaveErrorFlag", actual)
	if err != nil {
		return false, err
	}
	return f.header.Error, nil
}

func (m *errorFlagMatcher) FailureMessage(actual any) string {
	f, _ := frameOf("HaveErrorFlag", actual)
	return format.Message(actual, fmt.Sprintf("to have the E (error) flag set, but the %s has it clear\n%s",
		f.what(), f.payloadAndHeader()))
}

func (m *errorFlagMatcher) NegatedFailureMessage(actual any) string {
	f, _ := frameOf("HaveErrorFlag", actual)
	return format.Message(actual, fmt.Sprintf("not to have the E (error) flag set, but the %s has it set\n%s",
		f.what(), f.payloadAndHeader()))
}

// payloadAndHeader is the payload line (when there is a payload) and the
// header line.
func (f frameActual) payloadAndHeader() string {
	if !f.hasPayload {
		return f.hexHeader()
	}
	return payloadText(f.payload) + "\n" + f.hexHeader()
}
