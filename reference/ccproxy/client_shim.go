package ccproxy

import (
	"errors"
	"fmt"
	"time"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
	"github.com/wirecert/wirecert/reference/ccproxy/hyperstart"
)

// MaxStdinChunk is the largest stdin payload a Client sends in one frame:
// what fits in one hyperstart io frame, so no proxy has to split it.
const MaxStdinChunk = hyperstart.IOMaxData

// ConnectShim claims a token for this connection; it must be the shim's
// first command (CCP-C-04). Stdin, CloseStdin, Signal and DisconnectShim
// refuse to run before it succeeded.
func (c *Client) ConnectShim(token string) error {
	if _, err := c.call(api.CmdConnectShim, api.ConnectShim{Token: token}); err != nil {
		return err
	}
	c.mu.Lock()
	c.shimUp = true
	c.mu.Unlock()
	return nil
}

// DisconnectShim tells the proxy this shim is leaving. No response comes:
// the proxy closes the connection, which DisconnectShim waits for (up to the
// timeout). Output and notifications arriving meanwhile are still
// delivered.
func (c *Client) DisconnectShim() error {
	if err := c.checkShim("DisconnectShim"); err != nil {
		return err
	}
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	if err := c.send(api.TypeCommand, api.CmdDisconnectShim, []byte("{}")); err != nil {
		return err
	}
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	select {
	case <-c.done:
	case <-timer.C:
		err := fmt.Errorf("%w: proxy did not close the connection within %s of DisconnectShim", ErrClientTimeout, c.timeout)
		c.fail(err)
		return err
	}
	if err := c.Err(); !isProxyClosed(err) {
		return err
	}
	return nil
}

// Signal forwards a signal to the container process; the payload is
// validated first (0 <= n < 31, rows and columns only, and both, with
// SIGWINCH).
func (c *Client) Signal(sig api.Signal) error {
	if err := c.checkShim("Signal"); err != nil {
		return err
	}
	if err := sig.Validate(); err != nil {
		return err
	}
	_, err := c.call(api.CmdSignal, sig)
	return err
}

// Stdin sends data to the process's stdin verbatim, in frames of at most
// MaxStdinChunk bytes. Empty data sends nothing: only CloseStdin sends the
// zero-length frame that means EOF.
func (c *Client) Stdin(data []byte) error {
	if err := c.checkStdin(); err != nil {
		return err
	}
	for len(data) > 0 {
		n := min(len(data), MaxStdinChunk)
		if err := c.send(api.TypeStream, api.StreamStdin, data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// CloseStdin sends the one zero-length stdin frame that means EOF; later
// Stdin and CloseStdin calls give ErrStdinClosed.
func (c *Client) CloseStdin() error {
	if err := c.checkStdin(); err != nil {
		return err
	}
	c.mu.Lock()
	c.stdinEOF = true
	c.mu.Unlock()
	return c.send(api.TypeStream, api.StreamStdin, nil)
}

// Log sends a log entry to the proxy; no response comes.
func (c *Client) Log(entry api.LogEntry) error {
	payload, err := api.MarshalPayload(entry)
	if err != nil {
		return err
	}
	if err := c.Err(); err != nil {
		return err
	}
	return c.send(api.TypeStream, api.StreamLog, payload)
}

func (c *Client) checkShim(what string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	if !c.shimUp {
		return fmt.Errorf("%s: %w (ConnectShim must come first)", what, ErrShimNotConnected)
	}
	return nil
}

func (c *Client) checkStdin() error {
	if err := c.checkShim("stdin"); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stdinEOF {
		return ErrStdinClosed
	}
	return nil
}

func isProxyClosed(err error) bool { return errors.Is(err, ErrProxyClosed) }
