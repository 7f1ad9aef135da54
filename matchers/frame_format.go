package matchers

import (
	"github.com/onsi/gomega/format"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// Failure messages show cc-proxy frames and headers decoded (each header
// field named, the opcode by name, the payload as text) instead of Gomega's
// dump of the Go structs. Only these types are formatted: any other value
// a suite asserts on looks as Gomega shows it.
func init() {
	format.RegisterCustomFormatter(func(v any) (string, bool) {
		switch f := v.(type) {
		case api.Frame:
			return f.String(), true
		case *api.Frame:
			if f != nil {
				return f.String(), true
			}
		case api.FrameHeader:
			return f.String(), true
		case *api.FrameHeader:
			if f != nil {
				return f.String(), true
			}
		}
		return "", false
	})
}
