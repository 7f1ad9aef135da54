package requirement_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/requirement"
)

var _ = Describe("spec IDs", func() {
	DescribeTable("ParseSpecID accepts <requirement ID>/<slug>",
		func(id, wantReq, wantSlug string) {
			req, slug, err := requirement.ParseSpecID(id)
			Expect(err).NotTo(HaveOccurred())
			Expect(req).To(Equal(wantReq))
			Expect(slug).To(Equal(wantSlug))
		},
		Entry(nil, "CCP-S-05/header-length-0", "CCP-S-05", "header-length-0"),
		Entry(nil, "SPC-C-06/rooms-fd-0", "SPC-C-06", "rooms-fd-0"),
		Entry(nil, "CCP-C-06/64-kib-each", "CCP-C-06", "64-kib-each"),
		Entry("a slug of MaxSlugLength", "CCP-S-01/"+strings.Repeat("a", requirement.MaxSlugLength), "CCP-S-01", strings.Repeat("a", requirement.MaxSlugLength)),
	)

	DescribeTable("ParseSpecID rejects a malformed ID, saying which part is wrong",
		func(id, want string) {
			_, _, err := requirement.ParseSpecID(id)
			Expect(err).To(MatchError(requirement.ErrSpecID))
			Expect(err.Error()).To(ContainSubstring(want))
		},
		Entry("a requirement ID alone", "CCP-S-05", "no '/'"),
		Entry("an unknown requirement", "CCP-S-99/x", `requirement "CCP-S-99" is not in the catalogue`),
		Entry("an empty slug", "CCP-S-05/", `slug ""`),
		Entry("upper case", "CCP-S-05/Header", `slug "Header"`),
		Entry("a space", "CCP-S-05/header length", `slug "header length"`),
		Entry("a second slash", "CCP-S-05/header/0", `slug "header/0"`),
		Entry("a double hyphen", "CCP-S-05/header--0", `slug "header--0"`),
		Entry("a trailing hyphen", "CCP-S-05/header-", `slug "header-"`),
		Entry("an underscore", "CCP-S-05/header_0", `slug "header_0"`),
		Entry("a slug too long", "CCP-S-05/"+strings.Repeat("a", requirement.MaxSlugLength+1), "allowed at most 40"),
	)

	It("registers no spec under a malformed ID: Describe and Labels panic", func() {
		Expect(func() { requirement.Describe("CCP-S-05", requirement.Must, "x") }).To(PanicWith(ContainSubstring("is not a spec ID")))
		Expect(func() { requirement.Describe("CCP-S-05/Bad", requirement.Must, "x") }).To(PanicWith(ContainSubstring("malformed spec ID")))
		Expect(func() { requirement.Labels("CCP-S-99/x", requirement.Must) }).To(PanicWith(ContainSubstring("not in the catalogue")))
		Expect(func() { requirement.Labels("CCP-S-99", requirement.Must) }).To(PanicWith(ContainSubstring("not in the catalogue")))
	})

	DescribeTable("ParseText reads back what Describe wrote",
		func(what string) {
			text := requirement.Describe("CCP-S-07/e-stdin-closes", requirement.Should, what)
			t, ok := requirement.ParseText(text)
			Expect(ok).To(BeTrue(), text)
			Expect(t).To(Equal(requirement.SpecText{ID: "CCP-S-07/e-stdin-closes", Requirement: "CCP-S-07", Level: requirement.Should, What: what}))
			Expect(requirement.SpecIDOf(text)).To(Equal("CCP-S-07/e-stdin-closes"))
		},
		Entry("with what", "E on a shim's stdin: closed"),
		Entry("what with ': ' and parentheses", "a (b): c"),
		Entry("without what", ""),
	)

	It("gives the requirement's text as the short text of a spec without what", func() {
		t, ok := requirement.ParseText(requirement.Describe("CCP-S-10/x", requirement.Must, ""))
		Expect(ok).To(BeTrue())
		Expect(t.Short()).To(Equal("Frames never interleave on one connection"))
	})

	DescribeTable("ParseText and SpecIDOf find nothing in a text Describe did not write",
		func(text string) {
			_, ok := requirement.ParseText(text)
			Expect(ok).To(BeFalse())
		},
		Entry(nil, "registers the VM"),
		Entry(nil, "CCP-S-05 (must): On HeaderLength < 3 the server closes that connection"),
		Entry(nil, "CCP-S-05/x (may): On HeaderLength < 3"),
		Entry(nil, "CCP-S-05/x (must): another requirement's text"),
	)

	It("finds a spec ID at the start of a text only", func() {
		Expect(requirement.SpecIDOf("CCP-S-05/x (must): anything")).To(Equal("CCP-S-05/x"))
		Expect(requirement.SpecIDOf("checks CCP-S-05/x")).To(BeEmpty())
		Expect(requirement.SpecIDOf("CCP-S-05 (must): anything")).To(BeEmpty())
	})

	DescribeTable("SuiteOf names the suite of a requirement or spec ID",
		func(id, want string) { Expect(requirement.SuiteOf(id)).To(Equal(want)) },
		Entry(nil, "CCP-S-05", "ccproxy-server"),
		Entry(nil, "CCP-C-01/session-with-terminal", "ccproxy-client"),
		Entry(nil, "SPC-S-01/net-in-process", "spacer-service"),
		Entry(nil, "SPC-C-02", "spacer-client"),
		Entry(nil, "(unlabelled)", ""),
	)

	It("has a suite for every requirement", func() {
		for _, r := range requirement.All("") {
			Expect(requirement.SuiteOf(r.ID)).NotTo(BeEmpty(), r.ID)
		}
	})
})
