package store

import (
	"context"
	"fmt"
	"log/slog"

	bolt "go.etcd.io/bbolt"
)

// boltLogger passes bbolt's messages to slog. bbolt's Info messages (file
// opened) are routine and go to Debug.
type boltLogger struct{ log *slog.Logger }

func (l boltLogger) logf(level slog.Level, format string, v ...any) {
	if !l.log.Enabled(context.Background(), level) {
		return // skip formatting: bbolt logs every transaction at Debug
	}
	l.log.Log(context.Background(), level, fmt.Sprintf(format, v...))
}

func (l boltLogger) Debug(v ...any)                   { l.logf(slog.LevelDebug, "%s", fmt.Sprint(v...)) }
func (l boltLogger) Debugf(format string, v ...any)   { l.logf(slog.LevelDebug, format, v...) }
func (l boltLogger) Info(v ...any)                    { l.logf(slog.LevelDebug, "%s", fmt.Sprint(v...)) }
func (l boltLogger) Infof(format string, v ...any)    { l.logf(slog.LevelDebug, format, v...) }
func (l boltLogger) Warning(v ...any)                 { l.logf(slog.LevelWarn, "%s", fmt.Sprint(v...)) }
func (l boltLogger) Warningf(format string, v ...any) { l.logf(slog.LevelWarn, format, v...) }
func (l boltLogger) Error(v ...any)                   { l.logf(slog.LevelError, "%s", fmt.Sprint(v...)) }
func (l boltLogger) Errorf(format string, v ...any)   { l.logf(slog.LevelError, format, v...) }

// Fatal and Panic are part of bbolt's interface but bbolt does not call them;
// they log and panic rather than exit, so that a deferred Close still runs.
func (l boltLogger) Fatal(v ...any) { l.Panic(v...) }
func (l boltLogger) Fatalf(format string, v ...any) {
	l.Panicf(format, v...)
}
func (l boltLogger) Panic(v ...any) {
	msg := fmt.Sprint(v...)
	l.logf(slog.LevelError, "%s", msg)
	panic("bbolt: " + msg)
}
func (l boltLogger) Panicf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.logf(slog.LevelError, "%s", msg)
	panic("bbolt: " + msg)
}

var _ bolt.Logger = boltLogger{}
