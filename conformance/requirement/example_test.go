package requirement_test

import (
	"errors"
	"fmt"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
)

func ExampleLookup() {
	r, ok := requirement.Lookup("SPC-S-07")
	fmt.Println(ok, r.ID+":", r.Text)
	_, ok = requirement.Lookup("SPC-S-99")
	fmt.Println(ok)
	// Output:
	// true SPC-S-07: A client disconnect ends the service promptly
	// false
}

// All lists a protocol's requirements by the prefix of their IDs: here
// those of a spacer client.
func ExampleAll() {
	for _, r := range requirement.All("SPC-C-") {
		fmt.Println(r.ID)
	}
	// Output:
	// SPC-C-01
	// SPC-C-02
	// SPC-C-03
	// SPC-C-04
	// SPC-C-05
	// SPC-C-06
}

// A spec carries its requirement's ID and level as labels, so a run can
// select it with --label-filter 'CCP-S-16 && should'; a spec ID gives its
// requirement's.
func ExampleLabels() {
	fmt.Println(requirement.Labels("CCP-S-16", requirement.Should))
	fmt.Println(requirement.Labels("CCP-S-16/ready-wait-bounded", requirement.Should))
	// Output:
	// [CCP-S-16 should]
	// [CCP-S-16 should]
}

// A spec's text starts with its spec ID, its level and its requirement's
// text; ParseText reads them back.
func ExampleDescribe() {
	text := requirement.Describe("CCP-C-04/connectshim-first", requirement.Must, "before any stdin")
	fmt.Println(text)
	t, ok := requirement.ParseText(text)
	fmt.Println(ok, t.ID, t.Requirement, t.Level, t.Short())
	// Output:
	// CCP-C-04/connectshim-first (must): The shim sends ConnectShim first: before any stdin
	// true CCP-C-04/connectshim-first CCP-C-04 must before any stdin
}

// A spec ID is a requirement ID, a slash and a slug.
func ExampleParseSpecID() {
	fmt.Println(requirement.ParseSpecID("CCP-S-05/header-length-0"))
	_, _, err := requirement.ParseSpecID("CCP-S-05/header length")
	fmt.Println(errors.Is(err, requirement.ErrSpecID), err)
	// Output:
	// CCP-S-05 header-length-0 <nil>
	// true malformed spec ID "CCP-S-05/header length": slug "header length", allowed lower-case kebab (a-z, 0-9, single '-' between words)
}

// FromLabels finds the requirement among all of a spec's labels, as the
// reports read them.
func ExampleFromLabels() {
	id, level := requirement.FromLabels([]string{"slow", "CCP-S-08", "should"})
	fmt.Println(id, level)
	// Output:
	// CCP-S-08 should
}

// A Hyper spec first needs a registered VM. Registering is CCP-S-13's
// business: when it fails, the spec is reported as blocked by CCP-S-13,
// not as a failure of its own requirement. This example does not run: in
// a suite the It is registered inside a Describe of a _test.go file.
func ExamplePrecondition() {
	registerVM := func() error { return nil } // stands for the spec's RegisterVM exchange

	ginkgo.It(requirement.Describe("CCP-S-19/relay-mapped", requirement.Must, "a mapped command"),
		requirement.Labels("CCP-S-19/relay-mapped", requirement.Must), func() {
			requirement.Precondition("CCP-S-13", func() {
				gomega.Expect(registerVM()).To(gomega.Succeed())
			})
			// The spec's own checks of Hyper follow.
		})
}

// A spec that cannot apply to the target's shape says so instead of
// passing or failing. This example does not run: NotApplicable ends a
// running spec.
func ExampleNotApplicable() {
	perPod := true // a per-pod proxy serves one VM only

	ginkgo.It(requirement.Describe("CCP-S-17/attach-after-unregister", requirement.Must, "AttachVM after UnregisterVM"),
		requirement.Labels("CCP-S-17/attach-after-unregister", requirement.Must), func() {
			if perPod {
				requirement.NotApplicable("a per-pod proxy exits after UnregisterVM")
			}
			// The spec's checks follow.
		})
}

// A spec that could check only part of its requirement passes limited.
// This example does not run: Limited marks a running spec.
func ExampleLimited() {
	pid := 0 // the target told no PID of the proxy

	ginkgo.It(requirement.Describe("CCP-S-39/full-lifecycle", requirement.Must, ""),
		requirement.Labels("CCP-S-39/full-lifecycle", requirement.Must), func() {
			if pid == 0 {
				requirement.Limited("no PID: only the fds the suite sees are checked")
			}
			// The spec's checks follow.
		})
}
