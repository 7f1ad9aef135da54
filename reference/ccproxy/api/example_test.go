package api_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// A runtime registers a VM: the Writer sends the command as one frame, the
// proxy's Reader reads it back and decodes its payload.
func ExampleWriter() {
	runtime, proxy := net.Pipe()
	go func() {
		defer runtime.Close()
		w := api.NewWriter(runtime)
		_ = w.WriteJSON(api.TypeCommand, api.CmdRegisterVM, false, api.RegisterVM{
			ContainerID: "vm-1",
			CtlSerial:   "/run/vm-1/ctl.sock",
			IoSerial:    "/run/vm-1/io.sock",
		})
	}()

	r := api.NewReader(proxy)
	f, err := r.ReadFrame()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Header)
	var reg api.RegisterVM
	if err := api.UnmarshalPayload(f.Payload, &reg); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(reg.ContainerID, reg.CtlSerial, reg.IoSerial)
	_, err = r.ReadFrame()
	fmt.Println(err == io.EOF)
	// Output:
	// {Version:2 HeaderLength:3 Reserved3:0x0 Reserved45:0x0 ReservedBits:0x0 E:false Type:command Opcode:RegisterVM PayloadLength:86}
	// vm-1 /run/vm-1/ctl.sock /run/vm-1/io.sock
	// true
}

// WriteError answers a command with an error response.
func ExampleWriter_WriteError() {
	var buf bytes.Buffer
	_ = api.NewWriter(&buf).WriteError(api.CmdAttachVM, "unknown VM")
	fmt.Printf("% x\n%s\n", buf.Bytes()[:api.HeaderSize], buf.Bytes()[api.HeaderSize:])
	// Output:
	// 00 02 03 00 00 00 11 02 00 00 00 14
	// {"msg":"unknown VM"}
}

// The Reader rejects a frame no sender may send with an error naming the
// field, the value seen and the values allowed; errors.Is tells the kind.
func ExampleReader() {
	bad := []byte{0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0} // Version 1
	_, err := api.NewReader(bytes.NewReader(bad)).ReadFrame()
	fmt.Println(err)
	fmt.Println(errors.Is(err, api.ErrVersion))

	// A payload above the Reader's maximum is refused before it is read.
	huge := []byte{0, 2, 3, 0, 0, 0, 2, 0, 0xff, 0xff, 0xff, 0xff}
	_, err = api.NewReader(bytes.NewReader(huge), api.WithMaxPayload(1<<10)).ReadFrame()
	fmt.Println(errors.Is(err, api.ErrPayloadTooLong))
	// Output:
	// frame header [00 01 03 00 00 00 00 00 00 00 00 00]: Version is 1 (0x1), allowed 2: bad version
	// true
	// true
}
