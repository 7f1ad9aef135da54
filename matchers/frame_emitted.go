package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
)

// BeValidEmittedFrame succeeds when the actual is a frame a sender may emit
// (CCP-S-01, CCP-S-02, CCP-C-01): FrameHeader.CheckEmitted passes (Version 2,
// HeaderLength 3, a known type and opcode, E only on responses, zeroed
// reserved fields) and, when the actual carries a payload, PayloadLength is
// exactly its size. Raw bytes must hold the whole frame; bytes after it are
// ignored. A failure quotes the *api.HeaderError.
func BeValidEmittedFrame() types.GomegaMatcher {
	return &validEmittedMatcher{}
}

type validEmittedMatcher struct{}

func (m *validEmittedMatcher) Match(actual any) (bool, error) {
	f, err := frameOf("BeValidEmittedFrame", actual)
	if err != nil {
		return false, err
	}
	return m.check(f) == nil, nil
}

// check gives the first thing a sender got wrong.
func (m *validEmittedMatcher) check(f frameActual) error {
	if err := f.header.CheckEmitted(); err != nil {
		return err
	}
	switch {
	case f.rawLength >= 0 && !f.hasPayload:
		return f.payloadErr
	case f.rawLength < 0 && f.hasPayload && len(f.payload) != int(f.header.PayloadLength):
		return fmt.Errorf("PayloadLength is %d, but the payload has %d bytes", f.header.PayloadLength, len(f.payload))
	}
	return nil
}

func (m *validEmittedMatcher) FailureMessage(actual any) string {
	f, _ := frameOf("BeValidEmittedFrame", actual)
	return format.Message(actual, fmt.Sprintf(
		"to be a frame a sender may emit (Version 2, HeaderLength 3, zero reserved fields, E only on responses, exact PayloadLength), but:\n%s\n%s",
		m.check(f), f.hexHeader()))
}

func (m *validEmittedMatcher) NegatedFailureMessage(actual any) string {
	f, _ := frameOf("BeValidEmittedFrame", actual)
	return format.Message(actual, fmt.Sprintf("not to be a frame a sender may emit\n%s", f.hexHeader()))
}
