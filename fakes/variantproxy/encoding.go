package variantproxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ErrNotOneJSONValue is what reencode gives for data that is not exactly
// one JSON value.
var ErrNotOneJSONValue = errors.New("not exactly one JSON value")

// jsonStyle is how a JSON value is written.
type jsonStyle struct {
	// reverseKeys writes object members in reverse-sorted key order (else
	// sorted), at every level.
	reverseKeys bool
	// spaced puts a space after every ':' and ',' (insignificant
	// whitespace).
	spaced bool
}

// reencode decodes data (numbers by their literal, so they stay exact) and
// writes it again in style. Strings are re-escaped without HTML escaping;
// every decoded value is kept.
func reencode(data []byte, style jsonStyle) ([]byte, error) {
	v, err := decodeOne(data)
	if err != nil {
		return nil, err
	}
	return style.encode(v)
}

// decodeOne decodes exactly one JSON value, numbers as json.Number.
func decodeOne(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotOneJSONValue, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the value", ErrNotOneJSONValue)
	}
	return v, nil
}

// encode writes v (a value as decodeOne gives, or built of the same
// types) in style.
func (s jsonStyle) encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := s.write(&buf, v)
	return buf.Bytes(), err
}

func (s jsonStyle) write(buf *bytes.Buffer, v any) error {
	sep, colon := ",", ":"
	if s.spaced {
		sep, colon = ", ", ": "
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if s.reverseKeys {
			sort.Sort(sort.Reverse(sort.StringSlice(keys)))
		}
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteString(sep)
			}
			writeString(buf, k)
			buf.WriteString(colon)
			if err := s.write(buf, x[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteString(sep)
			}
			if err := s.write(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case string:
		writeString(buf, x)
	case json.Number:
		buf.WriteString(x.String())
	case bool, nil:
		b, _ := json.Marshal(x)
		buf.Write(b)
	default:
		return fmt.Errorf("variantproxy: cannot encode a %T as JSON", v)
	}
	return nil
}

// writeString writes s as a JSON string, leaving <, > and & as they are.
func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // a string always encodes
	buf.Truncate(buf.Len() - 1) // Encode's newline
}

// withoutZeroMembers returns v without the object members whose value is
// zero (false, 0, "", null, [] or {}) at any level; judged on the value as
// it was, so an object emptied by this stays. Array elements stay: their
// position is their meaning.
func withoutZeroMembers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, m := range x {
			if !isZero(m) {
				out[k] = withoutZeroMembers(m)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutZeroMembers(e)
		}
		return out
	}
	return v
}

// isZero says whether a decoded value is a zero value: false, a number
// whose digits are all 0, "", null, [] or {}.
func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case json.Number:
		// By its digits, not by a float: 1e-400 parses to 0 but is not zero.
		mantissa, _, _ := strings.Cut(strings.ToLower(x.String()), "e")
		return strings.Trim(mantissa, "-+0.") == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
