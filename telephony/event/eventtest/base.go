package eventtest

import (
	"fmt"
	"reflect"

	"tracecall/telephony/event"
)

// WithBase returns e with its Base, the call id and time, set to b. A test
// can write a call's events once, without either, and put them on a call
// and at a moment as it publishes them. e must be a struct embedding
// event.Base, as every call event is; WithBase panics otherwise.
func WithBase(e event.Event, b event.Base) event.Event {
	t := reflect.TypeOf(e)
	if t.Kind() != reflect.Struct {
		panic(fmt.Sprintf("eventtest.WithBase: %T is no struct", e))
	}
	f, ok := t.FieldByName("Base")
	if !ok || !f.Anonymous || f.Type != reflect.TypeOf(b) {
		panic(fmt.Sprintf("eventtest.WithBase: %T does not embed event.Base", e))
	}
	v := reflect.New(t).Elem()
	v.Set(reflect.ValueOf(e))
	v.FieldByIndex(f.Index).Set(reflect.ValueOf(b))
	return v.Interface().(event.Event)
}
