// Package eventtest helps tests wait for events on a bus without sleeping: Watch
// subscribes to everything, Expect waits for an event of a type that matches.
package eventtest
