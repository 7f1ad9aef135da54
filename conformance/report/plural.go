package report

import "fmt"

// Count is n and noun, plural unless n is 1: "1 requirement", "2 specs".
// Every count the reports and the CLI print in words goes through it.
func Count(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
