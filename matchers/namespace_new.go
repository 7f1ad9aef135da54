package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
)

// BeNewNamespace succeeds if actual (an fd or a path) refers to a namespace
// of the same type as reference (an fd or a path such as /proc/self/ns/net)
// but not to the same namespace: its inode differs. A namespace of another
// type is an error, not a success, since it proves nothing.
func BeNewNamespace(reference any) types.GomegaMatcher {
	return &beNewNamespaceMatcher{reference: reference}
}

type beNewNamespaceMatcher struct {
	reference any
	seen, ref string
}

func (m *beNewNamespaceMatcher) Match(actual any) (bool, error) {
	act, err := newNamespaceRef(actual)
	if err != nil {
		return false, fmt.Errorf("BeNewNamespace: actual: %w", err)
	}
	defer act.close()
	ref, err := newNamespaceRef(m.reference)
	if err != nil {
		return false, fmt.Errorf("BeNewNamespace: reference: %w", err)
	}
	defer ref.close()
	refType, refIno, err := ref.identity()
	if err != nil {
		return false, fmt.Errorf("BeNewNamespace: reference: %w", err)
	}
	m.ref = fmt.Sprintf("%s (%s)", nsString(refType, refIno), ref)
	actType, actIno, err := act.identity()
	if err != nil {
		m.seen = err.Error()
		return false, nil
	}
	m.seen = nsString(actType, actIno)
	if actType != refType {
		return false, fmt.Errorf("BeNewNamespace: actual is %s, reference is %s: allowed the same namespace type",
			m.seen, m.ref)
	}
	return actIno != refIno, nil
}

func (m *beNewNamespaceMatcher) FailureMessage(actual any) string {
	return format.Message(actual, fmt.Sprintf("to be a namespace other than %s, but it is %s", m.ref, m.seen))
}

func (m *beNewNamespaceMatcher) NegatedFailureMessage(actual any) string {
	return format.Message(actual, fmt.Sprintf("to be the namespace %s, but it is %s", m.ref, m.seen))
}
