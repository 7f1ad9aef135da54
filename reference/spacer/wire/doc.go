// Package wire moves spacer protocol messages over a connected AF_UNIX
// stream socket: one gob stream per direction for the connection's lifetime
// (one encoder, one decoder), each message exactly one sendmsg of at most
// MaxMessageSize bytes, fds as SCM_RIGHTS ancillary data.
//
// Conn owns every fd it receives until it hands it over: fds that arrive with
// a message that cannot carry them, or on any error path, are closed. Sent
// fds are closed after sendmsg, as the sender keeps no copies. Every receive
// and send has a deadline.
package wire
