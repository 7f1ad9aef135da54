// Package variantproxy builds legitimate cc-proxy variants, to prove that
// the server suite fails no implementation the protocol allows.
//
// A variant is the faultyproxy relay in front of a private reference
// Server (agent channels relayed too, the real wire on every side) with a
// set of hooks that break nothing: the relay's hook struct is called Fault
// for historical reasons, and a variant's Requirement is "". Where the
// protocol lets a proxy differ from the reference, a variant differs.
//
// Two deployment shapes, one variant each:
//
//   - pod: "a per-pod proxy (virtcontainers starts one with `-uri
//     unix://PATH` per pod) that serves one VM and, after UnregisterVM or
//     when that VM's agent goes, closes its listener, removes its socket and
//     exits." A RegisterVM while the slot is taken gets an error response; a
//     failed one leaves the slot free. After a successful UnregisterVM
//     response was delivered, or when the VM's agent closes its ctl or io
//     channel, the proxy closes its listener (removing the socket), every
//     connection, and its binary exits 0.
//   - system: "UnregisterVM removes the VM from the client-visible API; the
//     agent channels may stay connected until the VM itself goes." Many VMs
//     for its whole life; after UnregisterVM the agent's side of that VM's
//     channels stays connected (what the agent sends is dropped) until the
//     agent closes it or the proxy stops.
//
// Every variant has every allowance (Allowances; --without leaves some out
// to tell which one a failing spec trips over), each with the sentence of
// the cc-proxy protocol description that allows it:
//
//   - close-unaccepted: "A frame the proxy never accepts from a client (a
//     response, a notification, a stdout/stderr stream, stdin on a
//     connection that is no shim, an invalid log entry) gets no answer; the
//     proxy may close that connection." (CCP-S-09: "MAY close that
//     connection".) Such a frame closes the connection at once, answering
//     nothing, but in order: the answers to the commands before it are
//     delivered first, and stdin is judged after an earlier ConnectShim's
//     answer. A log entry is valid as {source: shim|runtime, containerId?,
//     level: debug|info|warn|error, msg}, leniently (other members, an empty
//     msg).
//   - remarshal-starts: "Relocation re-encodes the data: a proxy may
//     re-marshal the JSON (key order, zero-valued fields added or dropped);
//     compare decoded values, never bytes." newcontainer and execcmd reach
//     the agent with keys reverse-sorted at every level, zero-valued members
//     dropped, zero-valued process.user, group and envs added where absent;
//     numbers keep their literal (decoded with UseNumber).
//   - json-layout: "Payloads (JSON unless said)": JSON members have no order
//     and whitespace no meaning. RegisterVM/AttachVM and error responses are
//     written with reverse-sorted keys and spaces; the killcontainer and
//     winsize the proxy makes of a Signal reach the agent with reverse-sorted
//     keys. A client's Hyper data stays verbatim ("CCP-S-19 Hyper sends the
//     mapped code and the data (verbatim, except newcontainer/execcmd ...)"),
//     and so does the agent's ACK payload.
//   - empty-tokens: RegisterVM "-> `{"io":{"URL":"unix://<proxy
//     socket>","tokens":[...]|null}}`": no token is answered [] where the
//     reference answers null.
//   - error-text: "Error response: E set, `{"msg":"..."}`." (CCP-S-12:
//     "`{"msg":non-empty}`"): every error message is the variant's own
//     wording.
//   - fragment-writes: "CCP-C-02 tolerates short reads": a client must, on a
//     stream socket that keeps no write boundaries; every frame to a client
//     is written in up to four parts a millisecond apart.
//   - rechunk-streams: "stdin byte-exact in order, zero-length = EOF; [...]
//     output byte-exact" (CCP-S-31..35): bytes and their order, not packet
//     boundaries. Each agent output packet becomes two stdout/stderr
//     frames, each stdin frame two agent packets (never an empty one).
//   - ready-bound: "CCP-S-16 SHOULD bound the READY wait." gives no bound;
//     a variant waits 5 s, the reference as the suite runs it 2 s.
//
// A limit: a per-pod variant whose RegisterVM's connection ends before the
// answer keeps the slot taken, as it cannot learn the outcome.
package variantproxy
