// Package variantshim builds cc-proxy shims that do what the protocol
// allows but the reference shim (ccproxy.RunShim, ccshim) does not, to
// prove that the client conformance suite fails no legitimate shim: the
// suite must pass every variant, so a failure is a false one.
//
// A Variant is a set of such allowances, each quoting the protocol text
// that allows it (Variant.Allowed): the window size read from stdin only,
// as cc-shim does, or from stderr only; log stream entries sent to the
// proxy; stdin cut into small frames; the terminal's size reported at
// start; every frame written in pieces. Run is one whole shim session on
// the reference Client, which does the framing and matches responses to
// commands, with the variant's own session around it. The binary
// cmd/variantshim runs one variant against a proxy, as ccshim does.
package variantshim
