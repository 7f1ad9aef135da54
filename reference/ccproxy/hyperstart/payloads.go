package hyperstart

// KillCommand is the killcontainer payload a proxy sends for a signal to a
// started process.
type KillCommand struct {
	// Container is the id of the container to signal.
	Container string `json:"container"`
	// Signal is the signal number.
	Signal int `json:"signal"`
	// AllProcesses signals every process of the container rather than
	// its first process only.
	AllProcesses bool `json:"allProcesses"`
}

// WindowSizeMessage is the winsize payload a proxy sends for SIGWINCH; Seq is
// the process's stdio sequence number.
type WindowSizeMessage struct {
	// Seq is the process's stdio sequence number.
	Seq uint64 `json:"seq"`
	// Row is the terminal's new height.
	Row uint16 `json:"row"`
	// Column is the terminal's new width.
	Column uint16 `json:"column"`
}

// ExecCommand is the execcmd payload: a new process in a running container.
type ExecCommand struct {
	// Container is the id of the running container.
	Container string `json:"container"`
	// Process is the process to start in it.
	Process Process `json:"process"`
}

// Container is the newcontainer payload, with the fields a proxy or a fake
// agent looks at. Decoding into it drops the other fields: to forward a
// payload, use RelocateProcess on the raw bytes instead.
type Container struct {
	// ID is the new container's id.
	ID string `json:"id"`
	// Rootfs is its root filesystem's path, relative to Image.
	Rootfs string `json:"rootfs"`
	// Fstype is the type of Image's filesystem, when it is a device.
	Fstype string `json:"fstype,omitempty"`
	// Image is the device or directory holding the root filesystem.
	Image string `json:"image"`
	// Process is the container's first process; a newcontainer without
	// one is refused.
	Process *Process `json:"process"`
}
