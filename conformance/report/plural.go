package report

import "fmt"

// count is n and noun, plural unless n is 1: "1 requirement", "2 specs".
func count(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
