package hyperstart

import "strconv"

// Code is the command code of a ctl frame.
type Code uint32

// Ctl codes, as hyperstart numbers them.
const (
	Version           Code = 0
	StartPod          Code = 1
	DestroyPod        Code = 4
	ExecCmd           Code = 6
	Ready             Code = 8
	Ack               Code = 9
	Error             Code = 10
	WinSize           Code = 11
	Ping              Code = 12
	Next              Code = 14
	WriteFile         Code = 15
	ReadFile          Code = 16
	NewContainer      Code = 17
	KillContainer     Code = 18
	OnlineCPUMem      Code = 19
	SetupInterface    Code = 20
	SetupRoute        Code = 21
	RemoveContainer   Code = 22
	PsContainer       Code = 23
	ProcessAsyncEvent Code = 24
)

// codeNames are the names a runtime uses in a cc-proxy Hyper command
// (hyperName); String prints the same names.
var codeNames = map[string]Code{
	"version":           Version,
	"startpod":          StartPod,
	"destroypod":        DestroyPod,
	"execcmd":           ExecCmd,
	"ready":             Ready,
	"ack":               Ack,
	"error":             Error,
	"winsize":           WinSize,
	"ping":              Ping,
	"next":              Next,
	"writefile":         WriteFile,
	"readfile":          ReadFile,
	"newcontainer":      NewContainer,
	"killcontainer":     KillContainer,
	"onlinecpumem":      OnlineCPUMem,
	"setupinterface":    SetupInterface,
	"setuproute":        SetupRoute,
	"removecontainer":   RemoveContainer,
	"pscontainer":       PsContainer,
	"processasyncevent": ProcessAsyncEvent,
}

var nameOfCode = func() map[Code]string {
	m := make(map[Code]string, len(codeNames))
	for name, c := range codeNames {
		m[c] = name
	}
	return m
}()

// CodeByName maps a cc-proxy Hyper command name ("execcmd", ...) to its ctl
// code; names are case-sensitive, as in cc-proxy.
func CodeByName(name string) (Code, bool) {
	c, ok := codeNames[name]
	return c, ok
}

// CodeNames returns every Hyper command name CodeByName knows.
func CodeNames() []string {
	names := make([]string, 0, len(codeNames))
	for name := range codeNames {
		names = append(names, name)
	}
	return names
}

// String returns the Hyper command name of c, or "Code(n)" for a code
// hyperstart does not define.
func (c Code) String() string {
	if name, ok := nameOfCode[c]; ok {
		return name
	}
	return "Code(" + strconv.FormatUint(uint64(c), 10) + ")"
}
