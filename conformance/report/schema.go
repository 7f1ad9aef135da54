package report

import (
	_ "embed"
	"runtime/debug"
	"slices"
	"sync"
)

// SchemaVersion is the version of the JSON report's shape, Summary's
// schemaVersion and the const of schema/report.schema.json. Bump both
// together whenever a field is added, removed or changes meaning: the schema
// rejects unknown fields, so a consumer can tell which shape it reads.
const SchemaVersion = "4"

//go:embed schema/report.schema.json
var schema []byte

// Schema returns the JSON Schema (draft 2020-12) of the JSON report, a copy
// the caller may keep or change.
func Schema() []byte { return slices.Clone(schema) }

// Build is the wirecert build that wrote a report. Either field is empty
// when the Go build information does not say.
type Build struct {
	// Version is wirecert's module version: the main module's when
	// wirecert is the program, the dependency's when a vendored suite
	// imports it. Empty for "(devel)".
	Version string `json:"version,omitempty"`
	// Commit is the VCS revision (vcs.revision), stamped only when
	// wirecert itself is the main module built from a checkout.
	Commit string `json:"commit,omitempty"`
}

// modulePath is wirecert's module, to find it among a vendored suite's
// dependencies.
const modulePath = "github.com/wirecert/wirecert"

// wirecertBuild reads the build information once: it does not change while
// the process runs.
var wirecertBuild = sync.OnceValue(func() Build {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Build{}
	}
	return buildOf(info)
})

// buildOf picks wirecert's version and commit out of info.
func buildOf(info *debug.BuildInfo) Build {
	var b Build
	mod := &info.Main
	if mod.Path != modulePath {
		mod = nil
		for _, dep := range info.Deps {
			if dep.Path == modulePath {
				mod = dep
				break
			}
		}
	}
	if mod == nil {
		return b
	}
	if mod.Version != "(devel)" {
		b.Version = mod.Version
	}
	if mod == &info.Main {
		// vcs.* describe the main module's checkout only.
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				b.Commit = s.Value
			}
		}
	}
	return b
}
