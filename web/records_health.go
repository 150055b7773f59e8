package web

import (
	"net/http"
	"strconv"

	"tracecall/cdr"
	"tracecall/web/auth"
)

// RecordsHealth is the call record writer's state (the *cdr.Writer): the
// panel warns team leaders and up while records wait in memory for a
// failing store, or were lost, and /api/status carries it as "records".
type RecordsHealth interface {
	Health() cdr.Health
}

// recordsAlert is the warning the layout shows above every page for r's
// user while the records are not all on disk, "" otherwise: the cause in
// words, with how many records wait and how many were lost.
func (s *Server) recordsAlert(r *http.Request, m map[string]string) string {
	if s.deps.Records == nil {
		return ""
	}
	id, ok := auth.FromContext(r.Context())
	if !ok || !id.Role.AtLeast(auth.RoleTeamLeader) {
		return ""
	}
	h := s.deps.Records.Health()
	if h.OK {
		return ""
	}
	msg := m["records_lost"]
	if h.Reason != "" {
		msg = m["records_failing_"+h.Reason]
	}
	return msg + " " + m["records_counts"] + " " + strconv.Itoa(h.Held) + " / " + strconv.Itoa(h.Lost)
}

// recordsMessages are the strings of the records warning; see messages.
var recordsMessages = map[string]map[string]string{
	"zh": {
		"records_failing_disk_full":   "通话记录无法写入：数据盘已满。记录暂存在内存中，腾出空间后会自动写入。",
		"records_failing_read_only":   "通话记录无法写入：数据盘变为只读。记录暂存在内存中，恢复后会自动写入。",
		"records_failing_io_error":    "通话记录无法写入：数据盘读写出错。记录暂存在内存中，恢复后会自动写入。",
		"records_failing_write_error": "通话记录无法写入，详见系统日志。记录暂存在内存中，恢复后会自动写入。",
		"records_lost":                "有通话未能留下记录，详见系统日志。",
		"records_counts":              "待写入／已丢失：",
	},
	"en": {
		"records_failing_disk_full":   "Call records cannot be written: the data disk is full. They are kept in memory and written once there is space.",
		"records_failing_read_only":   "Call records cannot be written: the data disk went read-only. They are kept in memory and written once it recovers.",
		"records_failing_io_error":    "Call records cannot be written: the data disk reports I/O errors. They are kept in memory and written once it recovers.",
		"records_failing_write_error": "Call records cannot be written; see the daemon log. They are kept in memory and written once it recovers.",
		"records_lost":                "Some calls were left without a record; see the daemon log.",
		"records_counts":              "Waiting / lost:",
	},
}

// recordsHealth is /api/status's "records": the writer's Health, or null
// when the daemon runs none.
func (s *Server) recordsHealth() *cdr.Health {
	if s.deps.Records == nil {
		return nil
	}
	h := s.deps.Records.Health()
	return &h
}
