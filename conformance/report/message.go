package report

import (
	"regexp"
	"strings"
)

// goValueLine is the line Gomega starts a value with: its Go type and,
// for a pointer, its address ("<*fmt.wrapError | 0xc0001>: ").
var goValueLine = regexp.MustCompile(`^\s*<[^<>]+>: ?$`)

// typedValueLine is a line Gomega prints a value on after its Go type
// ("    <string>: pong", "    <[]int | len:2, cap:2>: [1, 2]"): the type
// is matcher internals, the value is what was seen.
var typedValueLine = regexp.MustCompile(`^(\s*)<[^<>]+>: (\S.*)$`)

// errorDumps are the shapes in which Gomega prints an error: a heading
// line, then the value's Go type and address, the error's text and its
// struct dump, one level indented, and a closing line where it has one.
var errorDumps = []struct{ heading, closing string }{
	{"Unexpected error:", "occurred"},           // HaveOccurred
	{"Expected success, but got an error:", ""}, // Succeed: the indented block ends it
}

// plainMessage is a failure message without what Gomega adds that reads
// as noise to an implementer: under "Unexpected error:" and "Expected
// success, but got an error:" it keeps the error's text and drops its Go
// type, address and struct dump, and the closing "occurred"; a value
// printed after its Go type ("<string>: x") keeps the value. Everything
// else is kept as it is.
func plainMessage(msg string) string {
	lines := strings.Split(msg, "\n")
	out := make([]string, 0, len(lines))
	for i := 0; i < len(lines); i++ {
		heading, closing, ok := errorDumpAt(lines, i)
		if !ok {
			out = append(out, typedValueLine.ReplaceAllString(lines[i], "$1$2"))
			continue
		}
		indent := lines[i+1][:leading(lines[i+1])]
		text := []string{strings.TrimSpace(lines[i+2])}
		j := i + 3
		for ; j < len(lines) && strings.HasPrefix(lines[j], indent) && !dumpStart(strings.TrimPrefix(lines[j], indent)); j++ {
			text = append(text, strings.TrimSpace(lines[j]))
		}
		// Skip the dump: up to the closing line, or to the end of the
		// indented block where there is none.
		end := j
		if closing == "" {
			for end < len(lines) && strings.HasPrefix(lines[end], indent) {
				end++
			}
			end-- // the dump's last line
		} else {
			for end < len(lines) && strings.TrimSpace(lines[end]) != closing {
				end++
			}
			if end == len(lines) {
				out = append(out, lines[i]) // not Gomega's shape after all
				continue
			}
		}
		out = append(out, lines[i][:leading(lines[i])]+heading+" "+strings.Join(text, "\n"))
		i = end
	}
	return strings.Join(out, "\n")
}

// errorDumpAt tells whether lines[i] starts one of the errorDumps: its
// heading, then a line with the value's Go type, indented below it, then
// the error's text.
func errorDumpAt(lines []string, i int) (heading, closing string, ok bool) {
	if i+2 >= len(lines) || !goValueLine.MatchString(lines[i+1]) || leading(lines[i+1]) <= leading(lines[i]) {
		return "", "", false
	}
	for _, d := range errorDumps {
		if strings.TrimSpace(lines[i]) == d.heading {
			return d.heading, d.closing, true
		}
	}
	return "", "", false
}

// leading is how many spaces and tabs line starts with.
func leading(line string) int { return len(line) - len(strings.TrimLeft(line, " \t")) }

// dumpStart tells whether a line at the value's indent starts Gomega's dump
// of the Go value (a struct, pointer, slice, string or number), not more
// of the error's text.
func dumpStart(line string) bool {
	if line == "" || line[0] == ' ' || line[0] == '\t' {
		return false
	}
	return strings.ContainsRune("{<[&\"0123456789-", rune(line[0]))
}
