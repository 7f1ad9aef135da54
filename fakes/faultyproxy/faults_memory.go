package faultyproxy

import (
	"sync"
	"syscall"
)

// hugeReservation is what the pre-allocating fault reserves per header
// announcing PayloadLength 0xFFFFFFFF: 4 GiB of address space.
const hugeReservation = 4 << 30

// The memory faults: the proxy serves as the reference does, but what a
// header announces costs it memory before a byte of payload came.
func init() {
	register("CCP-S-08-must-prealloc", Fault{Requirement: "CCP-S-08", What: "PayloadLength 0xFFFFFFFF reserves 4 GiB of address space (kept, as a Go heap keeps an arena, until the proxy ends), then the header is served as the reference does",
		OnClientHeader: func(l *Link, h *ClientHeader) Action {
			if h.PayloadLength == 0xFFFFFFFF {
				reservationsOf(l.Proxy()).reserve()
			}
			return Forward
		}})
}

// reservations are one proxy's mappings, unmapped when it ends.
type reservations struct {
	mu    sync.Mutex
	maps  [][]byte
	ended bool
}

func reservationsOf(p *Proxy) *reservations {
	return p.State("prealloc", func() any {
		r := &reservations{}
		go func() {
			<-p.Done()
			r.release()
		}()
		return r
	}).(*reservations)
}

// reserve maps 4 GiB that is never touched: VmSize shows it, RSS does
// not, and no overcommit policy refuses an inaccessible NORESERVE
// mapping. A failed mapping is the fault failing, not the proxy: ignored.
func (r *reservations) reserve() {
	m, err := syscall.Mmap(-1, 0, hugeReservation, syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		_ = syscall.Munmap(m)
		return
	}
	r.maps = append(r.maps, m)
}

func (r *reservations) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended = true
	for _, m := range r.maps {
		_ = syscall.Munmap(m)
	}
	r.maps = nil
}
