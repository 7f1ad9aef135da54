package ccproxy

import (
	"encoding/json"
	"fmt"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// RegisterVM asks the proxy to connect to a VM's agent; the response carries
// the proxy URL and the I/O tokens.
func (c *Client) RegisterVM(req api.RegisterVM) (*api.RegisterVMResponse, error) {
	payload, err := c.call(api.CmdRegisterVM, req)
	if err != nil {
		return nil, err
	}
	var resp api.RegisterVMResponse
	if err := api.UnmarshalPayload(payload, &resp); err != nil {
		return nil, fmt.Errorf("RegisterVM response: %w", err)
	}
	return &resp, nil
}

// AttachVM asks for I/O tokens of an already registered VM.
func (c *Client) AttachVM(req api.AttachVM) (*api.AttachVMResponse, error) {
	payload, err := c.call(api.CmdAttachVM, req)
	if err != nil {
		return nil, err
	}
	var resp api.AttachVMResponse
	if err := api.UnmarshalPayload(payload, &resp); err != nil {
		return nil, fmt.Errorf("AttachVM response: %w", err)
	}
	return &resp, nil
}

// UnregisterVM tells the proxy to let go of a VM.
func (c *Client) UnregisterVM(req api.UnregisterVM) error {
	_, err := c.call(api.CmdUnregisterVM, req)
	return err
}

// Hyper forwards a hyperstart command by name, with at most one token for a
// process-starting command; data is JSON-encoded (json.RawMessage and []byte
// pass verbatim, nil sends no data). It returns the agent's ACK payload
// verbatim, possibly empty.
func (c *Client) Hyper(name string, tokens []string, data any) (json.RawMessage, error) {
	raw, err := api.MarshalPayload(data)
	if err != nil {
		return nil, err
	}
	if tokens == nil {
		tokens = []string{} // "tokens":[] rather than null, as runtimes send
	}
	payload, err := c.call(api.CmdHyper, api.Hyper{HyperName: name, Tokens: tokens, Data: raw})
	if err != nil {
		return nil, err
	}
	return json.RawMessage(payload), nil
}
