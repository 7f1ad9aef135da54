package main

import (
	"errors"
	"fmt"
	"strings"
)

// errUnterminatedQuote is returned by splitCommand for a quote left open.
var errUnterminatedQuote = errors.New("unterminated quote")

// splitCommand splits a --command value into argv the way a POSIX shell
// splits words: blanks separate, single quotes keep everything, double
// quotes keep all but \" and \\, a backslash outside quotes escapes the next
// character. No expansion happens: {socket} and {token} stay for the target
// to replace.
func splitCommand(s string) ([]string, error) {
	var (
		argv    []string
		word    strings.Builder
		inWord  bool
		quote   rune // 0, '\'' or '"'
		escaped bool
	)
	for _, r := range s {
		switch {
		case escaped:
			word.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				word.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				escaped = true
			default:
				word.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				argv = append(argv, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || escaped {
		return nil, fmt.Errorf("%w in %q", errUnterminatedQuote, s)
	}
	if inWord {
		argv = append(argv, word.String())
	}
	return argv, nil
}
