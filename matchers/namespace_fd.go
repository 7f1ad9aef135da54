package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
	"github.com/wirecert/wirecert/reference/spacer/api"
)

// BeNamespaceFd succeeds if actual (an fd as int, uintptr or *os.File, or a
// path) refers to a namespace of the CLONE_NEW* type nstype, as told by
// ioctl NS_GET_NSTYPE.
func BeNamespaceFd(nstype uint64) types.GomegaMatcher {
	return &beNamespaceFdMatcher{nstype: nstype}
}

type beNamespaceFdMatcher struct {
	nstype uint64
	seen   string
}

func (m *beNamespaceFdMatcher) Match(actual any) (bool, error) {
	ref, err := newNamespaceRef(actual)
	if err != nil {
		return false, fmt.Errorf("BeNamespaceFd: %w", err)
	}
	defer ref.close()
	nstype, ino, err := ref.identity()
	if err != nil {
		m.seen = err.Error()
		return false, nil
	}
	m.seen = fmt.Sprintf("%s, a %s namespace", nsString(nstype, ino), api.NamespaceTypeName(nstype))
	return nstype == m.nstype, nil
}

func (m *beNamespaceFdMatcher) FailureMessage(actual any) string {
	return format.Message(actual, fmt.Sprintf("to be a %s namespace fd, but it is %s",
		api.NamespaceTypeName(m.nstype), m.seen))
}

func (m *beNamespaceFdMatcher) NegatedFailureMessage(actual any) string {
	return format.Message(actual, fmt.Sprintf("not to be a %s namespace fd, but it is %s",
		api.NamespaceTypeName(m.nstype), m.seen))
}
