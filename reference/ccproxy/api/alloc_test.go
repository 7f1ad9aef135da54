package api_test

import (
	"runtime"
	"testing"

	"github.com/wirecert/wirecert/reference/ccproxy/api"
)

// allocatedBytes reports the bytes f allocates on the heap.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// allocsPerFrame reports the allocations a ReadFrame of r makes on average
// once a first frame has grown r's buffers.
func allocsPerFrame(r *api.Reader) float64 {
	if _, err := r.ReadFrame(); err != nil {
		panic(err)
	}
	return testing.AllocsPerRun(100, func() {
		if _, err := r.ReadFrame(); err != nil {
			panic(err)
		}
	})
}
