// Package hostile builds peers that speak just enough of the real wire to
// be believable and then misbehave the way a broken or malicious
// implementation does: they hang forever, trickle one byte per second, send
// garbage, announce a 0xFFFFFFFF length and send nothing more, close
// mid-frame, or exit the process mid-request.
//
// There are three roles, each a real peer on a real AF_UNIX socket:
//
//   - RoleProxyServer, a cc-proxy server listening on a unix socket
//     (ServeProxy): it accepts, reads whole frames and answers every
//     command with an error response, misbehaving as its Mode says;
//   - RoleProxyShim, a cc-proxy shim (RunShim): it dials the proxy and
//     sends ConnectShim with its token, misbehaving as its Mode says;
//   - RoleSpacerService, a spacer service on a connected socket
//     (ServeSpacer): it receives requests and answers ErrorResponses in
//     gob, misbehaving as its Mode says.
//
// Cases fakespacer already breaks (253 fds, a regular file or a socket
// where a namespace fd belongs, a crash on garbage, lingering after a
// disconnect) are not repeated here.
//
// The hostile command (cmd/hostile, Main) runs one role in one mode, for a
// harness to be pointed at; with --ignore-sigterm it also makes the
// harness use SIGKILL. The peers prove nothing about the protocol: they
// prove that a harness reports each of them as a failure within its
// timeouts, never hangs, and leaks nothing.
package hostile
