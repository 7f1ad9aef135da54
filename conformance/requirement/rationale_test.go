package requirement

import (
	"maps"
	"slices"

	"github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// Internal, to see the IDs of rationales and catch one left behind by a
// renamed or removed requirement; ginkgo is not dot-imported here, its
// Describe and Labels would clash with this package's.
var _ = ginkgo.Describe("rationales", func() {
	ginkgo.It("give every requirement of the catalogue a reason, and no other ID one", func() {
		var missing, stray []string
		for _, id := range slices.Sorted(maps.Keys(catalogue)) {
			if rationales[id] == "" {
				missing = append(missing, id)
			}
		}
		for _, id := range slices.Sorted(maps.Keys(rationales)) {
			if _, ok := catalogue[id]; !ok {
				stray = append(stray, id)
			}
		}
		Expect(missing).To(BeEmpty(), "requirements without a rationale in catalogue.go")
		Expect(stray).To(BeEmpty(), "rationales of IDs that are not in the catalogue")
	})

	ginkgo.It("come with Lookup and All", func() {
		r, ok := Lookup("CCP-S-05")
		Expect(ok).To(BeTrue())
		Expect(r.Rationale).To(Equal(rationales["CCP-S-05"]))
		for _, r := range All("") {
			Expect(r.Rationale).To(Equal(rationales[r.ID]), r.ID)
		}
		Expect(All("")).To(HaveLen(len(catalogue)))
	})
})
