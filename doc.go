// Package tracecall is the root of the tracecall repository: a call-center
// appliance for the meat and vegetable circulation traceability system. A caller
// keys the trace code from a receipt and hears where the food came from; agents
// take the calls that need a person.
//
// This package holds no code. Its tests prove the repository's conventions
// (conventions_test.go: package docs, file names, logging, test-only imports)
// and its architecture (deps_test.go: who may import bbolt, drivers and apps).
// The daemon is cmd/tracecalld, the installer's CLI cmd/tracectl; the layout is
// described in README.md.
package tracecall
