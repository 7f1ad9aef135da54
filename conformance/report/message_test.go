package report_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/wirecert/wirecert/conformance/report"
)

var _ = DescribeTable("a failure message keeps an error's text, not its Go dump",
	func(msg, want string) {
		Expect(report.PlainMessage(msg)).To(Equal(want))
	},
	Entry("a wrapped error with its struct dump",
		"runtime: expected a frame\nUnexpected error:\n    <*fmt.wrapError | 0x3ecebdd2e5c0>: \n    framepeer: read timed out: i/o timeout\n    {\n        msg: \"framepeer: read timed out: i/o timeout\",\n        err: <*poll.DeadlineExceededError | 0x8cb180>{},\n    }\noccurred",
		"runtime: expected a frame\nUnexpected error: framepeer: read timed out: i/o timeout"),
	Entry("errors.New, dumped on one line, then more text",
		"reading\nUnexpected error:\n    <*errors.errorString | 0xc000>: \n    plain\n    {s: \"plain\"}\noccurred\nIn [It] at x.go:3",
		"reading\nUnexpected error: plain\nIn [It] at x.go:3"),
	Entry("a number dump (syscall.Errno)",
		"dial\nUnexpected error:\n    <syscall.Errno>: \n    connection refused\n    0x6f\noccurred",
		"dial\nUnexpected error: connection refused"),
	Entry("an error text of two lines",
		"x\nUnexpected error:\n    <*errors.errorString | 0xc000>: \n    first line\n    second line\n    {s: \"first line\\nsecond line\"}\noccurred",
		"x\nUnexpected error: first line\nsecond line"),
	Entry("Succeed's shape: the dump is the rest of the message",
		"sending command AttachVM\nExpected success, but got an error:\n    <*fmt.wrapError | 0x31f6>: \n    framepeer: send: broken pipe\n    {\n        msg: \"framepeer: send: broken pipe\",\n        err: <*net.OpError | 0x31f7>{Op: \"write\"},\n    }",
		"sending command AttachVM\nExpected success, but got an error: framepeer: send: broken pipe"),
	Entry("Succeed's shape, then more text at the heading's indent",
		"  Expected success, but got an error:\n      <syscall.Errno>: \n      connection refused\n      0x6f\n  then this",
		"  Expected success, but got an error: connection refused\n  then this"),
	Entry("a heading without the value indented below it: as it is",
		"Expected success, but got an error:\n<*errors.errorString | 0xc000>: \nplain\nmore",
		"Expected success, but got an error:\n<*errors.errorString | 0xc000>: \nplain\nmore"),
	Entry("values after their Go types: the values",
		"the response payload\nExpected\n    <string>: {\"result\":1}\nto equal\n    <string>: {\"pong\":true}",
		"the response payload\nExpected\n    {\"result\":1}\nto equal\n    {\"pong\":true}"),
	Entry("a slice's length and capacity, a pointer's address: the value",
		"Expected\n    <[]int | len:2, cap:2>: [1, 2]\nto be empty\n    <*api.Frame | 0xc000>: {Opcode: 3}",
		"Expected\n    [1, 2]\nto be empty\n    {Opcode: 3}"),
	Entry("no Gomega shape: as it is", "expected 3 frames, got 2", "expected 3 frames, got 2"),
	Entry("an unterminated shape: as it is",
		"Unexpected error:\n    <*errors.errorString | 0xc000>: \n    cut",
		"Unexpected error:\n    <*errors.errorString | 0xc000>: \n    cut"),
)
