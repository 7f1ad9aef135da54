package api

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/matchers"
	"github.com/onsi/gomega/types"
)

// HaveFailed succeeds if the passed actual is an *ErrorResponse. In any case,
// actual must implement Response, otherwise Gomega will raise a failure.
func HaveFailed() types.GomegaMatcher {
	return &haveFailedMatcher{}
}

// HaveFailedWith succeeds if the passed actual is an *ErrorResponse whose
// Reason matches reason: a string (compared for equality) or a Gomega
// matcher such as ContainSubstring. Actual must implement Response.
func HaveFailedWith(reason any) types.GomegaMatcher {
	m, ok := reason.(types.GomegaMatcher)
	if !ok {
		m = &matchers.EqualMatcher{Expected: reason}
	}
	return &haveFailedMatcher{reason: m}
}

type haveFailedMatcher struct {
	reason types.GomegaMatcher
	// why the last Match failed, for the failure message
	why string
}

func (m *haveFailedMatcher) Match(actual any) (bool, error) {
	if _, ok := actual.(Response); !ok {
		return false, fmt.Errorf("HaveFailed expects an api.Response, got:\n%s", format.Object(actual, 1))
	}
	errResp, ok := actual.(*ErrorResponse)
	if !ok {
		m.why = "to be an *api.ErrorResponse"
		return false, nil
	}
	if m.reason == nil {
		return true, nil
	}
	ok, err := m.reason.Match(errResp.Reason)
	if err != nil {
		return false, err
	}
	if !ok {
		m.why = "to be an *api.ErrorResponse whose Reason: " + m.reason.FailureMessage(errResp.Reason)
	}
	return ok, nil
}

func (m *haveFailedMatcher) FailureMessage(actual any) string {
	return format.Message(actual, m.why)
}

func (m *haveFailedMatcher) NegatedFailureMessage(actual any) string {
	if m.reason != nil {
		return format.Message(actual, "not to be an *api.ErrorResponse whose Reason: "+
			m.reason.NegatedFailureMessage(actual.(*ErrorResponse).Reason))
	}
	return format.Message(actual, "not to be an *api.ErrorResponse")
}
