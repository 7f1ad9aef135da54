package faultyshim

import (
	"bytes"
	"encoding/json"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// One fault per client requirement; all of them are must-level, so the
// names carry no suffix.
func init() {
	register("CCP-C-01", Fault{Requirement: "CCP-C-01",
		What: "every frame to the proxy has HeaderLength 4 (one extra zero word)",
		OnShimFrame: func(_ *Session, f api.Frame) []byte {
			f.Header.HeaderLength = api.MinHeaderLength + 1
			b := api.AppendHeader(nil, f.Header)
			b = append(b, 0, 0, 0, 0)
			return append(b, f.Payload...)
		}})

	register("CCP-C-02", Fault{Requirement: "CCP-C-02",
		What:        "after a bad header, resyncs a byte at a time onto the next valid header instead of closing",
		OnBadHeader: func(*Session, api.FrameHeader) Action { return Resync }})

	register("CCP-C-03", Fault{Requirement: "CCP-C-03",
		What:       "PayloadLength 0xFFFFFFFF wraps to an empty payload (PayloadLength+1 in 32 bits) and reading goes on",
		OnOversize: func(*Session, api.FrameHeader) Action { return Wrap }})

	register("CCP-C-04", Fault{Requirement: "CCP-C-04",
		What: "a log stream frame goes to the proxy before ConnectShim",
		OnConnect: func(s *Session) {
			entry, _ := json.Marshal(api.LogEntry{Source: "shim", Level: "info", Message: "faultyshim starting"})
			_ = s.ToProxy(api.AppendFrame(nil, api.NewFrame(api.TypeStream, api.StreamLog, false, entry)))
		}})

	register("CCP-C-05", Fault{Requirement: "CCP-C-05",
		What: "an error response to ConnectShim is handed to the shim as an empty success",
		OnProxyFrame: func(_ *Session, f api.Frame) []byte {
			if f.Header.Type == api.TypeResponse && f.Header.Opcode == api.CmdConnectShim && f.Header.Error {
				f = api.NewFrame(api.TypeResponse, api.CmdConnectShim, false, nil)
			}
			return api.AppendFrame(nil, f)
		}})

	register("CCP-C-06", Fault{Requirement: "CCP-C-06",
		What: "stdout and stderr payloads are copied as C strings: cut at the first zero byte",
		OnProxyFrame: func(_ *Session, f api.Frame) []byte {
			if isOutput(f) {
				if i := bytes.IndexByte(f.Payload, 0); i >= 0 {
					f = api.NewFrame(f.Header.Type, f.Header.Opcode, false, f.Payload[:i])
				}
			}
			return api.AppendFrame(nil, f)
		}})

	register("CCP-C-07", Fault{Requirement: "CCP-C-07",
		What: "the zero-length stdin frame (EOF) is sent twice",
		OnShimFrame: func(_ *Session, f api.Frame) []byte {
			b := api.AppendFrame(nil, f)
			if f.Header.Type == api.TypeStream && f.Header.Opcode == api.StreamStdin && len(f.Payload) == 0 {
				b = append(b, b...)
			}
			return b
		}})

	register("CCP-C-08", Fault{Requirement: "CCP-C-08",
		What: "SIGWINCH carries rows and columns swapped; any other signal carries rows 24 and columns 80",
		OnShimFrame: func(_ *Session, f api.Frame) []byte {
			var sig api.Signal
			if f.Header.Type == api.TypeCommand && f.Header.Opcode == api.CmdSignal &&
				api.UnmarshalPayload(f.Payload, &sig) == nil {
				if sig.SignalNumber == api.SIGWINCH {
					sig.Rows, sig.Columns = sig.Columns, sig.Rows
				} else {
					sig.Rows, sig.Columns = 24, 80
				}
				payload, _ := json.Marshal(sig)
				f = api.NewFrame(api.TypeCommand, api.CmdSignal, false, payload)
			}
			return api.AppendFrame(nil, f)
		}})

	register("CCP-C-09", Fault{Requirement: "CCP-C-09",
		What: "the exit code is ProcessExited's byte masked to 7 bits",
		OnProxyFrame: func(_ *Session, f api.Frame) []byte {
			if isProcessExited(f) && len(f.Payload) == 1 {
				f.Payload[0] &= 0x7f
			}
			return api.AppendFrame(nil, f)
		}})

	register("CCP-C-10", Fault{Requirement: "CCP-C-10",
		What: "a stream or notification while a command awaits its response closes the connection",
		OnProxyFrame: func(s *Session, f api.Frame) []byte {
			if _, waiting := s.Pending(); waiting && (f.Header.Type == api.TypeStream || f.Header.Type == api.TypeNotification) {
				s.Close()
				return nil
			}
			return api.AppendFrame(nil, f)
		}})

	register("CCP-C-11", Fault{Requirement: "CCP-C-11",
		What: "any response is taken for the awaited command's (its opcode rewritten), like the Go client",
		OnProxyFrame: func(s *Session, f api.Frame) []byte {
			if op, waiting := s.Pending(); waiting && f.Header.Type == api.TypeResponse {
				f.Header.Opcode = op
			}
			return api.AppendFrame(nil, f)
		}})

	register("CCP-C-12", Fault{Requirement: "CCP-C-12",
		What: "stdout and stderr are echoed back to the proxy",
		OnProxyFrame: func(s *Session, f api.Frame) []byte {
			b := api.AppendFrame(nil, f)
			if isOutput(f) {
				_ = s.ToProxy(b)
			}
			return b
		}})
}

// isOutput says whether f is a stdout or stderr stream frame.
func isOutput(f api.Frame) bool {
	return f.Header.Type == api.TypeStream && (f.Header.Opcode == api.StreamStdout || f.Header.Opcode == api.StreamStderr)
}

// isProcessExited says whether f is the ProcessExited notification.
func isProcessExited(f api.Frame) bool {
	return f.Header.Type == api.TypeNotification && f.Header.Opcode == api.NotificationProcessExited
}
