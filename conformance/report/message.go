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

// plainMessage is a failure message without what Gomega adds that reads
// as noise to an implementer: under "Unexpected error:" it keeps the
// error's text and drops its Go type, address and struct dump, and the
// closing "occurred"; a value printed after its Go type ("<string>: x")
// keeps the value. Everything else is kept as it is.
func plainMessage(msg string) string {
	lines := strings.Split(msg, "\n")
	out := make([]string, 0, len(lines))
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "Unexpected error:" || i+2 >= len(lines) || !goValueLine.MatchString(lines[i+1]) {
			out = append(out, typedValueLine.ReplaceAllString(lines[i], "$1$2"))
			continue
		}
		indent := lines[i+1][:len(lines[i+1])-len(strings.TrimLeft(lines[i+1], " \t"))]
		text := []string{strings.TrimSpace(lines[i+2])}
		j := i + 3
		for ; j < len(lines) && strings.HasPrefix(lines[j], indent) && !dumpStart(strings.TrimPrefix(lines[j], indent)); j++ {
			text = append(text, strings.TrimSpace(lines[j]))
		}
		// Skip the dump, up to Gomega's closing "occurred".
		end := j
		for end < len(lines) && strings.TrimSpace(lines[end]) != "occurred" {
			end++
		}
		if end == len(lines) {
			out = append(out, lines[i]) // not Gomega's shape after all
			continue
		}
		out = append(out, lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " \t"))]+"Unexpected error: "+strings.Join(text, "\n"))
		i = end
	}
	return strings.Join(out, "\n")
}

// dumpStart tells whether a line at the value's indent starts Gomega's dump
// of the Go value (a struct, pointer, slice, string or number), not more
// of the error's text.
func dumpStart(line string) bool {
	if line == "" || line[0] == ' ' || line[0] == '\t' {
		return false
	}
	return strings.ContainsRune("{<[&\"0123456789-", rune(line[0]))
}
