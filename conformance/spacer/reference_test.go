package spacer_test

import (
	"github.com/wirecert/wirecert/conformance/spacer"
)

// The reference passes both suites.
var (
	_ = spacer.ServiceSpecs(spacer.ReferenceService())
)

var _ = spacer.ClientSpecs(spacer.ReferenceClient())
