// Package serving finds the process that really serves a target, and keeps
// track of every process a target started, so a suite judges the right
// process and leaves none behind.
//
// A target is often started through a wrapper (sh -c 'proxy ...; true', a
// launcher script) or daemonises (forks twice and calls setsid). The
// process the suite started is then not the one whose fds and memory a
// spec must inspect:
//
//   - Listener finds the process serving a unix socket path: the one
//     holding the listening socket (its inode from /proc/net/unix, its
//     holders from /proc/*/fd), preferring the pid SO_PEERCRED names (the
//     process that called listen) when that process still holds it.
//   - Peer finds the process holding the other end of a connected socket
//     (a socketpair end handed to a service on fd 3): among the processes
//     holding that inode, the one deepest in the process tree, since a
//     wrapper holds the inherited fd too.
//
// Group tracks one target's processes: the started process, everything
// carrying its marker in the environment (WIRECERT_TARGET=<id>, inherited
// by every descendant that keeps its environment), the descendants of
// those, and processes added once found (a serving process). Zombies show
// neither environment nor a live parent chain; one is the target's when
// it is in a process group or session of one of the target's processes.
// EnableSubreaper makes this process a child subreaper, so a daemonising
// target's orphans are reparented here rather than to init; Group.Kill
// then kills every process of the target and reaps the orphans that are
// this process's children (never a child that os/exec waits for).
package serving
