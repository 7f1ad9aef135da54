// Package wiretest builds what tests and fuzz targets send a spacer peer
// over a real socketpair: one input cut into the payloads of several
// sendmsgs (Chunks, and Seed for the input that cuts into given ones), a
// client's gob messages on one stream (Messages), a wait until the peer
// has read everything sent (Drained), and a reader of every response until
// the peer closes (Responses). What cannot be built fails the testing.TB
// given. It serves the fuzz targets of the reference
// service and of the fake one, which feed their peers the same way.
package wiretest
