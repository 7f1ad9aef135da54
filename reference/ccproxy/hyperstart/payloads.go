package hyperstart

// KillCommand is the killcontainer payload a proxy sends for a signal to a
// started process.
type KillCommand struct {
	Container    string `json:"container"`
	Signal       int    `json:"signal"`
	AllProcesses bool   `json:"allProcesses"`
}

// WindowSizeMessage is the winsize payload a proxy sends for SIGWINCH; Seq is
// the process's stdio sequence number.
type WindowSizeMessage struct {
	Seq    uint64 `json:"seq"`
	Row    uint16 `json:"row"`
	Column uint16 `json:"column"`
}

// ExecCommand is the execcmd payload: a new process in a running container.
type ExecCommand struct {
	Container string  `json:"container"`
	Process   Process `json:"process"`
}

// Container is the newcontainer payload, with the fields a proxy or a fake
// agent looks at. Decoding into it drops the other fields: to forward a
// payload, use RelocateProcess on the raw bytes instead.
type Container struct {
	ID      string   `json:"id"`
	Rootfs  string   `json:"rootfs"`
	Fstype  string   `json:"fstype,omitempty"`
	Image   string   `json:"image"`
	Process *Process `json:"process"`
}
