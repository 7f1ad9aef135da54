package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
)

// HaveOpcode succeeds when the actual frame's Opcode (header byte 7) is op.
// Opcodes only mean something within a frame type, so messages name op as an
// opcode of the actual's type ("Hyper (3)" for a response). The actual may be
// an api.Frame, *api.Frame, api.FrameHeader, *api.FrameHeader or raw frame
// bytes.
func HaveOpcode(op uint8) types.GomegaMatcher {
	return &opcodeMatcher{expected: op}
}

type opcodeMatcher struct {
	expected uint8
}

func (m *opcodeMatcher) Match(actual any) (bool, error) {
	f, err := frameOf("HaveOpcode", actual)
	if err != nil {
		return false, err
	}
	return f.header.Opcode == m.expected, nil
}

func (m *opcodeMatcher) FailureMessage(actual any) string {
	f, _ := frameOf("HaveOpcode", actual)
	t := f.header.Type
	return format.Message(actual, fmt.Sprintf("to have opcode %s, but it has %s (frame type %s)\n%s",
		opcodeLabel(t, m.expected), opcodeLabel(t, f.header.Opcode), typeLabel(t), f.hexHeader()))
}

func (m *opcodeMatcher) NegatedFailureMessage(actual any) string {
	f, _ := frameOf("HaveOpcode", actual)
	t := f.header.Type
	return format.Message(actual, fmt.Sprintf("not to have opcode %s (frame type %s)\n%s",
		opcodeLabel(t, m.expected), typeLabel(t), f.hexHeader()))
}
