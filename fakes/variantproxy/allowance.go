package variantproxy

import (
	"fmt"
	"strings"
)

// Allowance is one thing the protocol lets a cc-proxy do that the
// reference proxy does not; every variant does each one it has.
type Allowance struct {
	// Name is what --without takes to leave it out (for telling which
	// allowance a failing spec trips over).
	Name string
	// What says what the variant does.
	What string
	// Sentence is the sentence of the cc-proxy protocol description that allows it.
	Sentence string
}

// The allowances every variant has, whatever its shape.
const (
	CloseUnaccepted = "close-unaccepted"
	RemarshalStarts = "remarshal-starts"
	JSONLayout      = "json-layout"
	EmptyTokens     = "empty-tokens"
	ErrorText       = "error-text"
	FragmentWrites  = "fragment-writes"
	RechunkStreams  = "rechunk-streams"
	ReadyBound      = "ready-bound"
)

// allowances lists them in the order doc.go gives them.
var allowances = []Allowance{
	{CloseUnaccepted,
		"a response, notification, stdout or stderr stream, stdin on a connection that is no shim, or an invalid log entry from a client closes that connection at once, answering nothing (after the answers to the commands before it)",
		"A frame the proxy never accepts from a client (a response, a notification, a stdout/stderr stream, stdin on a connection that is no shim, an invalid log entry) gets no answer; the proxy may close that connection."},
	{RemarshalStarts,
		"newcontainer and execcmd payloads reach the agent re-marshalled: keys reverse-sorted at every level, zero-valued members (false, 0, \"\", null, [], {}) dropped, zero-valued process.user, group and envs added where absent, every other value kept exactly",
		"Relocation re-encodes the data: a proxy may re-marshal the JSON (key order, zero-valued fields added or dropped); compare decoded values, never bytes."},
	{JSONLayout,
		"RegisterVM/AttachVM and error responses carry their JSON with keys reverse-sorted and a space after every ':' and ','; killcontainer and winsize reach the agent with keys reverse-sorted",
		"Payloads (JSON unless said)"},
	{EmptyTokens,
		`a RegisterVM or AttachVM that hands out no token answers "tokens":[] where the reference answers null`,
		"RegisterVM `{containerId, ctlSerial, ioSerial, console?, numIOStreams?}` -> `{\"io\":{\"URL\":\"unix://<proxy socket>\",\"tokens\":[...]|null}}`"},
	{ErrorText,
		"every error response carries a message of the variant's own wording, none of the reference's",
		"Error response: E set, `{\"msg\":\"...\"}`."},
	{FragmentWrites,
		"every frame to a client is written in parts (the header in two, the payload in two) a millisecond apart",
		"CCP-C-02 tolerates short reads"},
	{RechunkStreams,
		"agent output is delivered as two stdout/stderr frames per agent packet, and stdin reaches the agent as two packets per stdin frame (never an empty one, which would be EOF)",
		"stdin byte-exact in order, zero-length = EOF; [...] output byte-exact"},
	{ReadyBound,
		fmt.Sprintf("RegisterVM gives up on an agent that sends no READY after %v (the reference proxy as the suite runs it: 2 s)", readyTimeout),
		"CCP-S-16 SHOULD bound the READY wait."},
}

// Allowances lists every allowance, in a fixed order.
func Allowances() []Allowance { return append([]Allowance(nil), allowances...) }

// allowanceSet is the allowances a built variant has.
type allowanceSet map[string]bool

// allowedWithout is every allowance but those named in without; an
// unknown name is an error.
func allowedWithout(without []string) (allowanceSet, error) {
	set := allowanceSet{}
	names := make([]string, 0, len(allowances))
	for _, a := range allowances {
		set[a.Name] = true
		names = append(names, a.Name)
	}
	for _, n := range without {
		if !set[n] {
			return nil, fmt.Errorf("%w: %q, allowed one of: %s", ErrUnknownAllowance, n, strings.Join(names, ", "))
		}
		delete(set, n)
	}
	return set, nil
}
