package main

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("an --in-container run's output", func() {
	It("drops the inner run's reports line, which names container paths", func() {
		logs := "39 requirements: 39 passed\nRESULT: PASS (exit 0)\nreports: /reports/wirecert.json, /reports/wirecert.junit.xml\n"
		Expect(string(withoutReportsLine([]byte(logs)))).To(Equal("39 requirements: 39 passed\nRESULT: PASS (exit 0)\n"))
	})

	It("names the host files in its own reports line", func() {
		argv, copyOut := containerArgv(runFlags{suites: "ccproxy-server", json: "out/r.json", junit: "out/r.xml", procs: 1}, []string{"/target/p", "{socket}"})
		Expect(copyOut).To(Equal(map[string]string{"/reports/wirecert.json": "out/r.json", "/reports/wirecert.junit.xml": "out/r.xml"}))
		Expect(argv).To(ContainElements("--json=/reports/wirecert.json", "--junit=/reports/wirecert.junit.xml"))
	})

	It("passes the selection on, --spec IDs included", func() {
		f := runFlags{suites: "ccproxy-server", require: "CCP-S-05", procs: 1}
		Expect(f.specs.Set("CCP-S-05/header-length-0,CCP-S-05/header-length-1")).To(Succeed())
		argv, _ := containerArgv(f, []string{"/target/p", "{socket}"})
		Expect(argv).To(ContainElements("--require", "CCP-S-05", "--spec", "CCP-S-05/header-length-0,CCP-S-05/header-length-1"))
	})
})
