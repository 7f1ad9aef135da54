// Package faultyproxy builds cc-proxies that break exactly one requirement,
// to prove that each conformance spec has teeth.
//
// A Proxy is a relay in front of the reference Server: clients connect to
// the Proxy, which forwards their frames to a private reference Server and
// its frames back. RegisterVM payloads are rewritten so the reference
// Server's agent channels run through the relay too. Everything passes
// untouched except where the one Fault hooks in: it may rewrite, drop, add
// or answer frames on any of the four paths (client, server, agent ctl,
// agent io), close a connection, or crash the whole proxy. The relay speaks
// the real wire on every side; nothing of the reference is mocked.
package faultyproxy
