package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
	"golang.org/x/sys/unix"
)

// BeChildNamespaceOf succeeds if the parent (ioctl NS_GET_PARENT) of the
// user or PID namespace actual (an fd or a path) is the namespace parent
// (an fd or a path such as /proc/self/ns/user).
func BeChildNamespaceOf(parent any) types.GomegaMatcher {
	return &beChildNamespaceOfMatcher{parent: parent}
}

type beChildNamespaceOfMatcher struct {
	parent    any
	seen, ref string
}

func (m *beChildNamespaceOfMatcher) Match(actual any) (bool, error) {
	act, err := newNamespaceRef(actual)
	if err != nil {
		return false, fmt.Errorf("BeChildNamespaceOf: actual: %w", err)
	}
	defer act.close()
	parent, err := newNamespaceRef(m.parent)
	if err != nil {
		return false, fmt.Errorf("BeChildNamespaceOf: parent: %w", err)
	}
	defer parent.close()
	parentType, parentIno, err := parent.identity()
	if err != nil {
		return false, fmt.Errorf("BeChildNamespaceOf: parent: %w", err)
	}
	m.ref = fmt.Sprintf("%s (%s)", nsString(parentType, parentIno), parent)

	actType, actIno, err := act.identity()
	if err != nil {
		m.seen = err.Error()
		return false, nil
	}
	fd, err := unix.IoctlRetInt(act.fd, unix.NS_GET_PARENT)
	if err != nil {
		// EPERM: the parent is outside our view; EINVAL: not hierarchical
		m.seen = fmt.Sprintf("%s, whose parent cannot be had: ioctl NS_GET_PARENT: %v", nsString(actType, actIno), err)
		return false, nil
	}
	got := namespaceRef{fd: fd, desc: fmt.Sprintf("parent fd %d", fd)}
	defer unix.Close(fd)
	gotType, gotIno, err := got.identity()
	if err != nil {
		return false, fmt.Errorf("BeChildNamespaceOf: %w", err)
	}
	m.seen = fmt.Sprintf("%s, a child of %s", nsString(actType, actIno), nsString(gotType, gotIno))
	return gotType == parentType && gotIno == parentIno, nil
}

func (m *beChildNamespaceOfMatcher) FailureMessage(actual any) string {
	return format.Message(actual, fmt.Sprintf("to be a child namespace of %s, but it is %s", m.ref, m.seen))
}

func (m *beChildNamespaceOfMatcher) NegatedFailureMessage(actual any) string {
	return format.Message(actual, fmt.Sprintf("not to be a child namespace of %s, but it is %s", m.ref, m.seen))
}
