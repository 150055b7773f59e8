package cdrtest

import (
	"tracecall/cdr"
	"tracecall/store"
)

// Figures are a queue's figures as the help defines them.
type Figures struct {
	Answered       int // records an agent answered
	AnsweredInTime int // of those, QueueWait <= ServiceLevelTime
	Abandoned      int // records abandoned in the queue
	ShortAbandoned int // of those, QueueWait <= ServiceLevelTime
	// ServiceLevel is AnsweredInTime / (Answered + Abandoned -
	// ShortAbandoned), worked out whatever the divisor.
	ServiceLevel float64
}

// Count returns the figures of queue's records; the records of other
// queues count nothing. Each record's own ServiceLevelTime is its limit.
func Count(records []store.CallRecord, queue string) Figures {
	var f Figures
	for _, r := range records {
		if r.Queue != queue {
			continue
		}
		inTime := r.QueueWait <= r.ServiceLevelTime
		switch r.Disposition {
		case cdr.Answered:
			f.Answered++
			if inTime {
				f.AnsweredInTime++
			}
		case cdr.AbandonedQueue:
			f.Abandoned++
			if inTime {
				f.ShortAbandoned++
			}
		}
	}
	f.ServiceLevel = float64(f.AnsweredInTime) / float64(f.Answered+f.Abandoned-f.ShortAbandoned)
	return f
}
