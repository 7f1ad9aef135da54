// Package container runs scenario binaries in privileged Docker containers
// through testcontainers-go, on an engine that can pull nothing: images are
// built locally FROM scratch out of static binaries, containers run with
// every capability, their files are copied out, and every container and image
// made is labelled with the run's id and removed again, also on failure.
//
// Detect answers within DetectTimeout whether an engine answers at all, so a
// caller without one skips at once instead of hanging in the library's
// retries. The reaper (Ryuk) is never used: its image cannot be pulled, so
// Connect sets TESTCONTAINERS_RYUK_DISABLED and cleanup is the caller's,
// through Image.Remove and the removal Run and Started.Remove do themselves;
// Leftovers lists what a run id still has, to prove it.
//
// Privileged: an engine whose daemon lacks a capability in its own bounding
// set (seen: CAP_SYS_RESOURCE missing) cannot start a --privileged container
// ("unable to apply caps"). Run then retries once with the equivalent it can
// grant: every capability of this process's bounding set, no seccomp or
// AppArmor confinement and unmasked /proc and /sys paths, and says so in
// Result.Privilege.
package container
