// Package wiretap records what the suites' peers put on and take off the
// wire, per spec: every chunk a fake read or wrote on a connection,
// socketpair or agent channel, with its direction, the channel's name, its
// time offset from the spec's start and a decoded form (a cc-proxy header
// and JSON payload, a hyperstart ctl or io frame, a spacer gob message and
// the fds passed with it).
//
// A conformance suite starts a Recorder per spec (Start) and takes its
// Transcript when the spec ends (Stop). The fakes open a Channel on the
// Recorder current when they make a connection (Open): nil when nothing
// records, and every method of a nil Channel returns at once, so recording
// off costs a pointer load per connection. A Channel keeps the Recorder it
// was opened on, so a goroutine of a fake that outlives its spec never
// records into the next one. Ginkgo runs the specs of one process one at a
// time, which is what makes one current Recorder per process enough; the
// Recorder itself is safe for the goroutines of fakes.
//
// A Transcript is bounded (Limits): at most so many events and bytes, the
// tail kept and the rest counted, each chunk cut to a maximum, each decoded
// form too. A frame split over chunks is decoded in the chunk that
// completes it; a chunk that ends inside one says how far it got.
//
// A Recorder starts no goroutines and holds no fds.
package wiretap
