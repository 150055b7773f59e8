// Package cdrtest holds tests' figures to the call records: Count works out
// a queue's figures by the formulas of cdr.QueueFigures as the panel's help
// and the API doc write them, plainly and apart from cdr's own counting, so
// that a test compares the wallboard with the records by those words and
// not by the code under test. Only tests import it.
package cdrtest
