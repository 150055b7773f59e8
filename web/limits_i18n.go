package web

// limitsMessages are the strings of the line monitor's line about calls
// refused by the per-source limits; see messages.
var limitsMessages = map[string]map[string]string{
	"zh": {
		"refused_calls":          "因来源超限被拒绝的呼叫（不计入通话记录）：",
		"refused_top":            "拒绝最多的来源：",
		"refused_times":          "次",
		"refused_sep":            "；",
		"refused_comma":          "，",
		"refused_peer":           "对端",
		"refused_limit":          "所超限制：",
		"limit_source_calls":     "单个地址的同时通话数",
		"limit_source_call_rate": "单个地址每秒新呼叫数",
		"limit_network_calls":    "同一网段的同时通话数",
		"limit_unknown_calls":    "所有未登记地址的同时通话数",
		"limit_peer_calls":       "该对端的同时通话数",
		"limit_peer_call_rate":   "该对端每秒新呼叫数",
		"limit_other":            "其他限制",
	},
	"en": {
		"refused_calls":          "Calls refused by per-source limits (not in the call records):",
		"refused_top":            "refused most:",
		"refused_times":          "times",
		"refused_sep":            "; ",
		"refused_comma":          ", ",
		"refused_peer":           "peer",
		"refused_limit":          "limit:",
		"limit_source_calls":     "calls at once from one address",
		"limit_source_call_rate": "new calls a second from one address",
		"limit_network_calls":    "calls at once from one network",
		"limit_unknown_calls":    "calls at once from all unlisted addresses",
		"limit_peer_calls":       "the peer's calls at once",
		"limit_peer_call_rate":   "the peer's new calls a second",
		"limit_other":            "another limit",
	},
}
