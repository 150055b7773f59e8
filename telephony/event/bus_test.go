package event_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
)

func TestSubscribeFiltersByType(t *testing.T) {
	b := event.New(nil)
	pub := b.Client("test")
	said := event.Subscribe[event.Said](b.Client("said"))
	all := event.Subscribe[event.Event](b.Client("all"))
	pub.Publish(event.CallStarted{Base: event.Base{CallID: "c1"}})
	pub.Publish(event.Said{Base: event.Base{CallID: "c1"}, Text: "你好"})

	if got := <-said.Events(); got.Text != "你好" {
		t.Fatalf("said subscriber got %+v", got)
	}
	select {
	case e := <-said.Events():
		t.Fatalf("said subscriber got a second event %T", e)
	default:
	}
	if _, ok := (<-all.Events()).(event.CallStarted); !ok {
		t.Fatal("all subscriber: first event is not CallStarted")
	}
	if _, ok := (<-all.Events()).(event.Said); !ok {
		t.Fatal("all subscriber: second event is not Said")
	}
}

func TestSlowSubscriberIsCutOffNotWaitedFor(t *testing.T) {
	b := event.New(nil)
	pub := b.Client("test")
	slow := event.Subscribe[event.Event](b.Client("slow"), event.WithQueue(2))
	fast := event.Subscribe[event.Event](b.Client("fast"), event.WithQueue(100))
	for range 10 {
		pub.Publish(event.CallAnswered{}) // must never block
	}
	select {
	case <-slow.Done():
	case <-time.After(time.Second):
		t.Fatal("slow subscriber was not cut off")
	}
	if !errors.Is(slow.Err(), event.ErrSlow) {
		t.Fatalf("slow.Err() = %v, want ErrSlow", slow.Err())
	}
	if fast.Err() != nil || len(fast.Events()) != 10 {
		t.Fatalf("fast subscriber: err %v, %d events, want nil and 10", fast.Err(), len(fast.Events()))
	}
}

func TestFilterAndClose(t *testing.T) {
	b := event.New(nil)
	pub := b.Client("test")
	sub := event.Subscribe[event.Event](b.Client("one-call"),
		event.WithFilter(func(e event.Event) bool { return e.Call() == "keep" }))
	pub.Publish(event.CallAnswered{Base: event.Base{CallID: "drop"}})
	pub.Publish(event.CallAnswered{Base: event.Base{CallID: "keep"}})
	if e := <-sub.Events(); e.Call() != "keep" {
		t.Fatalf("got event of call %q", e.Call())
	}
	sub.Close()
	if !errors.Is(sub.Err(), event.ErrClosed) {
		t.Fatalf("after Close, Err() = %v", sub.Err())
	}
	pub.Publish(event.CallAnswered{Base: event.Base{CallID: "keep"}}) // no panic, not delivered
	if len(sub.Events()) != 0 {
		t.Fatal("closed subscriber received an event")
	}
}

func TestConcurrentPublishers(t *testing.T) {
	b := event.New(nil)
	w := eventtest.Watch(t, b)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := b.Client("pub")
			for j := range 100 {
				c.Publish(event.DigitReceived{Base: event.Base{CallID: event.CallID(rune('a' + i))}, Key: string(rune('0' + j%10))})
			}
		}()
	}
	wg.Wait()
	b.Client("end").Publish(event.CallEnded{By: "caller"})
	e := eventtest.Expect(w, time.Second, func(e event.CallEnded) bool { return e.By == "caller" })
	if e.Kind() != "hangup" {
		t.Fatalf("Kind() = %q", e.Kind())
	}
}

func BenchmarkPublish(b *testing.B) {
	bus := event.New(nil)
	pub := bus.Client("bench")
	for range 4 {
		s := event.Subscribe[event.Said](bus.Client("sub"), event.WithQueue(1))
		go func() {
			for range s.Events() {
			}
		}()
	}
	e := event.DigitReceived{Key: "1"}
	b.ReportAllocs()
	for b.Loop() {
		pub.Publish(e)
	}
}
