package matchers

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/onsi/gomega/format"
	gomegamatchers "github.com/onsi/gomega/matchers"
	"github.com/onsi/gomega/types"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// HaveJSONPayload decodes the actual frame's payload as one JSON value (with
// api.UnmarshalPayload: unknown fields tolerated, trailing data not) and
// judges it:
//   - given a Gomega matcher, the payload is decoded into an `any` (objects
//     become map[string]any, numbers float64) and the matcher applied to it;
//   - given a value, say api.ErrorResponse{Message: "..."} or a
//     map[string]any, the payload is decoded into a fresh value of the same
//     type and compared with Equal semantics;
//   - given a non-nil pointer, the same with the value it points to.
//
// The actual must carry a payload: an api.Frame, *api.Frame or raw frame
// bytes. A payload that does not decode is a matcher error wrapping
// ErrNotJSON that quotes the payload (its first bytes when long).
func HaveJSONPayload(ptrOrMatcher any) types.GomegaMatcher {
	return &jsonPayloadMatcher{expected: ptrOrMatcher}
}

type jsonPayloadMatcher struct {
	expected any
}

func (m *jsonPayloadMatcher) Match(actual any) (bool, error) {
	f, err := frameOf("HaveJSONPayload", actual)
	if err != nil {
		return false, err
	}
	sub, decoded, err := m.decode(f)
	if err != nil {
		return false, err
	}
	return sub.Match(decoded)
}

// decode decodes the payload into what the expectation calls for and
// returns the matcher to apply to it.
func (m *jsonPayloadMatcher) decode(f frameActual) (types.GomegaMatcher, any, error) {
	if !f.hasPayload {
		return nil, nil, fmt.Errorf("%w: HaveJSONPayload needs a frame with a payload: %v\n%s",
			ErrNotAFrame, f.payloadErr, f.hexHeader())
	}
	var (
		sub  types.GomegaMatcher
		into reflect.Value // a pointer to the fresh value decoded into
	)
	switch e := m.expected.(type) {
	case nil:
		return nil, nil, errors.New("HaveJSONPayload needs a value, a non-nil pointer to one, or a matcher; got nil")
	case types.GomegaMatcher:
		sub, into = e, reflect.New(reflect.TypeFor[any]())
	default:
		v := reflect.ValueOf(e)
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return nil, nil, fmt.Errorf("HaveJSONPayload needs a value, a non-nil pointer to one, or a matcher; got a nil %T", e)
			}
			v = v.Elem()
		}
		sub, into = &gomegamatchers.EqualMatcher{Expected: v.Interface()}, reflect.New(v.Type())
	}
	if err := api.UnmarshalPayload(f.payload, into.Interface()); err != nil {
		why := err.Error()
		if len(f.payload) == 0 {
			why = "the payload is empty"
		}
		return nil, nil, fmt.Errorf("%w: HaveJSONPayload cannot decode the payload of the %s into %s: %s\n%s\n%s",
			ErrNotJSON, f.what(), into.Type().Elem(), why, payloadText(f.payload), f.hexHeader())
	}
	return sub, into.Elem().Interface(), nil
}

func (m *jsonPayloadMatcher) FailureMessage(actual any) string {
	f, _ := frameOf("HaveJSONPayload", actual)
	sub, decoded, err := m.decode(f)
	if err != nil {
		return err.Error()
	}
	return format.Message(actual, fmt.Sprintf("to have a JSON payload that satisfies:\n%s\n%s",
		format.IndentString(sub.FailureMessage(decoded), 1), f.payloadAndHeader()))
}

func (m *jsonPayloadMatcher) NegatedFailureMessage(actual any) string {
	f, _ := frameOf("HaveJSONPayload", actual)
	sub, decoded, err := m.decode(f)
	if err != nil {
		return err.Error()
	}
	return format.Message(actual, fmt.Sprintf("not to have a JSON payload that satisfies:\n%s\n%s",
		format.IndentString(sub.NegatedFailureMessage(decoded), 1), f.payloadAndHeader()))
}
