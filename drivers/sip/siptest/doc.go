// Package siptest helps tests that run real SIP peers (SIPp, baresip) against
// the SIP driver or the daemon.
package siptest
