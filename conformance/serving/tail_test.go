package serving_test

import (
	"bytes"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/serving"
)

var _ = Describe("Tail", func() {
	DescribeTable("keeps the last bytes and counts the rest",
		func(size int, writes []string, kept string, dropped int64) {
			t := serving.NewTail(size)
			for _, w := range writes {
				Expect(t.Write([]byte(w))).To(Equal(len(w)))
			}
			Expect(string(t.Bytes())).To(Equal(kept))
			Expect(t.Dropped()).To(Equal(dropped))
			Expect(t.Total()).To(Equal(dropped + int64(len(kept))))
		},
		Entry("nothing", 4, nil, "", int64(0)),
		Entry("less than the size", 4, []string{"ab"}, "ab", int64(0)),
		Entry("exactly the size", 4, []string{"ab", "cd"}, "abcd", int64(0)),
		Entry("wrapping once", 4, []string{"abc", "def"}, "cdef", int64(2)),
		Entry("wrapping in small writes", 4, []string{"a", "b", "c", "d", "e", "f", "g"}, "defg", int64(3)),
		Entry("one write larger than the size", 4, []string{"ab", "0123456789"}, "6789", int64(8)),
		Entry("a large write, then a small one", 4, []string{"0123456789", "x"}, "789x", int64(7)),
	)

	It("says how much it dropped", func() {
		t := serving.NewTail(8)
		_, _ = t.Write(bytes.Repeat([]byte("x"), 100))
		_, _ = t.Write([]byte("the end\n"))
		Expect(t.String()).To(Equal("[100 bytes of output before these last 8 dropped]\nthe end\n"))
		Expect(strings.Count(serving.NewTail(0).String(), "")).To(Equal(1))
	})
})
