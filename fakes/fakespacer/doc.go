// Package fakespacer holds spacer peers that speak the real wire (one gob
// stream per direction, one message per sendmsg, fds as SCM_RIGHTS) and
// misbehave on purpose, to prove that the spacer conformance specs have
// teeth and to give client specs a hostile service, or behave otherwise
// than the reference within the protocol, to prove that the specs fail no
// legitimate service.
//
// Serve is a fake service. Its namespaces come from an in-process reference
// service (new namespaces, needs root) or, with Config.OwnNamespaces, are
// the fake's own (no privileges needed, for client specs). A Config.Break
// departs from the protocol in exactly one way, such as extra fds, fds of
// the wrong type, the service's own time namespace, or no exit when the
// client goes away (see Breaks). A Config.Variant instead makes every
// choice the protocol leaves open otherwise than the reference does (see
// Variants): fds in another order, bare reasons, closing the connection
// after what it may close on; the service suite must pass it. A binary
// importing this package serves fd 3 as a fake when started with argv[0]
// ServiceArg0 (ServiceCommand and VariantCommand give the argv), and
// cmd/fakespacer does the same as a standalone program.
//
// RawClient is a client that sends what it is told: well-formed requests,
// garbage bytes, requests of types the protocol does not register, type
// mismatches, requests without their gob type definitions, pipelined
// requests, fds along with requests. It receives responses raw: every fd in
// arrival order, the recvmsg flags and how many gob messages came along.
//
// Client is a spacer client that can break one client requirement
// (ClientBreak), to give the client specs teeth.
//
// When the spec records its wire traffic (package wiretap), a RawClient and
// a fake service in the spec's process record every sendmsg and recvmsg as
// "spacer conn": the gob messages decoded and the fds passed. A Client,
// being a client under test, records nothing.
package fakespacer
