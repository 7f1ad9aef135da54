package matchers

import (
	"fmt"
	"strings"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
)

// BeNewNamespace succeeds if actual (an fd or a path) refers to a namespace
// of the same type as reference and every one of others (each an fd or a
// path such as /proc/self/ns/net) but to none of them: its inode differs
// from each. A namespace of another type is an error, not a success, since
// it proves nothing. Negated, it succeeds if actual is one of them.
func BeNewNamespace(reference any, others ...any) types.GomegaMatcher {
	return &beNewNamespaceMatcher{references: append([]any{reference}, others...)}
}

type beNewNamespaceMatcher struct {
	references []any
	seen       string
	refs       []string
	same       string // the reference actual is, if any
}

func (m *beNewNamespaceMatcher) Match(actual any) (bool, error) {
	act, err := newNamespaceRef(actual)
	if err != nil {
		return false, fmt.Errorf("BeNewNamespace: actual: %w", err)
	}
	defer act.close()
	type identity struct {
		nstype, ino uint64
		desc        string
	}
	var ids []identity
	m.refs, m.same = nil, ""
	for _, r := range m.references {
		ref, err := newNamespaceRef(r)
		if err != nil {
			return false, fmt.Errorf("BeNewNamespace: reference: %w", err)
		}
		refType, refIno, err := ref.identity()
		desc := fmt.Sprintf("%s (%s)", nsString(refType, refIno), ref)
		ref.close()
		if err != nil {
			return false, fmt.Errorf("BeNewNamespace: reference: %w", err)
		}
		ids = append(ids, identity{refType, refIno, desc})
		m.refs = append(m.refs, desc)
	}
	actType, actIno, err := act.identity()
	if err != nil {
		m.seen = err.Error()
		return false, nil
	}
	m.seen = nsString(actType, actIno)
	for _, id := range ids {
		if actType != id.nstype {
			return false, fmt.Errorf("BeNewNamespace: actual is %s, reference is %s: allowed the same namespace type",
				m.seen, id.desc)
		}
	}
	for _, id := range ids {
		if actIno == id.ino {
			m.same = id.desc
			return false, nil
		}
	}
	return true, nil
}

func (m *beNewNamespaceMatcher) FailureMessage(actual any) string {
	if m.same != "" {
		return format.Message(actual, fmt.Sprintf("to be a namespace other than %s, but it is %s, the same as %s",
			strings.Join(m.refs, " and "), m.seen, m.same))
	}
	return format.Message(actual, fmt.Sprintf("to be a namespace other than %s, but it is %s", strings.Join(m.refs, " and "), m.seen))
}

func (m *beNewNamespaceMatcher) NegatedFailureMessage(actual any) string {
	return format.Message(actual, fmt.Sprintf("to be the namespace %s, but it is %s", strings.Join(m.refs, " or "), m.seen))
}
