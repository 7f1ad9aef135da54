package fakespacer

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Variant names a legitimate way of serving that the reference does not
// take: the service suite must pass it, with should-level specs too. A
// variant is the unbroken fake with the choices the protocol leaves open
// made otherwise than by the reference.
type Variant string

// The variants of a fake service.
const (
	// NoVariant serves as the unbroken fake does.
	NoVariant Variant = ""
	// Allowances makes every allowance of Allowances() at once.
	Allowances Variant = "allowances"
)

// Allowance is one thing a variant does differently from the reference,
// with the sentence of the spacer protocol description (revision 2) that allows it.
type Allowance struct {
	// What says what the variant does differently.
	What string
	// Sentence is the protocol description's sentence that allows it.
	Sentence string
}

// VariantInfo says what a variant does.
type VariantInfo struct {
	// Variant is the variant described.
	Variant Variant
	// What says what the variant does.
	What string
	// Allowances are the things it does differently from the reference.
	Allowances []Allowance
}

// The allowances of the Allowances variant.
var (
	allowReversedRooms = Allowance{
		What:     "sends a RoomsResponse's fds in reverse field order (UTS, time, net, mnt, IPC, cgroup); the reference sends them in field order",
		Sentence: "fds in SCM_RIGHTS; the receiver sorts them by ioctl NS_GET_NSTYPE",
	}
	allowBareReasons = Allowance{
		What:     `answers invalid Spaces with the bare reasons "no space requested" and "out of space"; the reference adds the Spaces seen and allowed`,
		Sentence: `Empty -> ErrorResponse "no space requested"; any other bit -> "out of space"`,
	}
	allowCloseAfterError = Allowance{
		What:     "closes the connection after the ErrorResponse to a whole message it cannot decode (an unregistered type, a type mismatch, a value without its type definitions); the reference goes on serving",
		Sentence: "unknown or undecodable request (an unregistered type, ...): no crash, no leak; SHOULD answer ErrorResponse, MAY close",
	}
	allowCloseAfterValid = Allowance{
		What:     "answers the whole requests at the start of a recvmsg, then closes without a word on the bytes past their end; the reference refuses the whole recvmsg and closes without answering",
		Sentence: "MAY close (also after answering a valid request that came first)",
	}
	allowExactBuffer = Allowance{
		What:     "receives into exactly 8192 bytes, so a message above 8192 bytes is answered as far as its first 8192 bytes hold whole requests, then the connection closed; the reference reads one byte more, sees the oversize and closes without answering",
		Sentence: "ONE recvmsg of at most 8192 bytes; ... a message above 8192 bytes: no crash, no leak; ... MAY close (also after answering a valid request that came first)",
	}
	allowErrorBeforeClose = Allowance{
		What:     "answers a recvmsg without a single whole message (garbage, half a message) with an ErrorResponse before it closes; the reference closes without a word",
		Sentence: "undecodable request (... garbage ...): no crash, no leak; SHOULD answer ErrorResponse, MAY close",
	}
	allowFdsIgnored = Allowance{
		What:     "closes fds that come with a request and answers the request on its merits; the reference refuses it with an ErrorResponse about the fds",
		Sentence: "Ownership: the receiver owns every fd it gets and closes what it cannot use",
	}
	allowNonblockingPidfd = Allowance{
		What:     "hands out a PIDFd of its own from pidfd_open(PIDFD_NONBLOCK); the reference hands on the blocking pidfd clone returned",
		Sentence: "PIDFd a pidfd of that process",
	}
)

var variants = map[Variant]VariantInfo{
	Allowances: {Allowances, "every allowance below at once", []Allowance{
		allowReversedRooms, allowBareReasons, allowCloseAfterError, allowCloseAfterValid,
		allowExactBuffer, allowErrorBeforeClose, allowFdsIgnored, allowNonblockingPidfd,
	}},
}

// Errors of a variant's set-up.
var (
	ErrUnknownVariant  = errors.New("unknown variant")
	ErrBreakAndVariant = errors.New("a break and a variant at once")
)

// LookupVariant returns the variant called name.
func LookupVariant(name string) (VariantInfo, error) {
	info, ok := variants[Variant(name)]
	if !ok {
		return VariantInfo{}, fmt.Errorf("%w: --variant is %q, allowed one of: %s", ErrUnknownVariant, name, strings.Join(variantNames(), ", "))
	}
	return info, nil
}

// Variants lists every variant, sorted by name.
func Variants() []VariantInfo {
	var all []VariantInfo
	for _, info := range variants {
		all = append(all, info)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Variant < all[j].Variant })
	return all
}

func variantNames() []string {
	var names []string
	for _, info := range Variants() {
		names = append(names, string(info.Variant))
	}
	return names
}
