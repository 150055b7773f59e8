package web

// auditMessages are the strings of the audit log page (audit.go) and of
// the refusals of customer reads (customers.go).
var auditMessages = map[string]map[string]string{
	"zh": {
		"nav_audit":   "个人信息查阅记录",
		"hint_audit":  "谁在何时按号码查找或打开了哪位客户的资料，包括被拒绝的查阅。",
		"title_audit": "个人信息查阅记录",
		"audit_intro": "每次按号码查找客户、每次打开客户资料（包括被拒绝的）都记录在此，最新的在前；时间为北京时间。坐席只能打开当前来电的客户，或自己按完整号码查到、自己保存的客户；坐席保存客户时若所填号码已属于其他客户，也记为一次查找。",

		"audit_user":     "用户",
		"audit_action":   "操作",
		"audit_at":       "时间",
		"audit_query":    "查询内容",
		"audit_result":   "结果",
		"audit_customer": "客户编号",
		"audit_remote":   "来源地址",
		"audit_older":    "更早的记录",
		"audit_none":     "没有符合条件的记录。",

		"audit_customer_search":  "按号码查找客户",
		"audit_customer_read":    "打开客户资料",
		"auditres_found":         "已查到",
		"auditres_not_found":     "无此客户",
		"auditres_denied":        "已拒绝（非本人来电的客户）",
		"auditres_throttled":     "已拒绝（查找过于频繁）",
		"auditres_found_by_save": "已查到（保存客户时所填号码已属于该客户）",

		"audit_msg_bad_user":   "用户名过长。",
		"audit_msg_bad_action": "未知的操作类型。",
		"audit_msg_bad_before": "翻页参数无效。",
		"audit_msg_bad_limit":  "条数应为 1 至 5000。",

		"err_too_many_searches": "按号码查找未找到客户的次数过多，请稍后再试。",
		"err_search_busy":       "您的另一次查找或保存正在进行，请稍候再试。",
		"op_read_audit":         "读取个人信息查阅记录",
	},
	"en": {
		"nav_audit":   "Personal data reads",
		"hint_audit":  "Who looked up or opened which customer's record, and when, refusals included.",
		"title_audit": "Personal data reads",
		"audit_intro": "Every search for a customer by number and every opening of a customer's record (refused ones too) is recorded here, newest first; times are Beijing time. An agent may open only the customer of their current call, or one they found by a whole number or saved themselves; an agent's save refused because a number belongs to another customer is recorded as a search too.",

		"audit_user":     "User",
		"audit_action":   "Action",
		"audit_at":       "Time",
		"audit_query":    "Asked for",
		"audit_result":   "Result",
		"audit_customer": "Customer",
		"audit_remote":   "From",
		"audit_older":    "Older entries",
		"audit_none":     "No entries match.",

		"audit_customer_search":  "Customer search by number",
		"audit_customer_read":    "Customer record opened",
		"auditres_found":         "found",
		"auditres_not_found":     "no such customer",
		"auditres_denied":        "refused (not the agent's caller)",
		"auditres_throttled":     "refused (too many searches)",
		"auditres_found_by_save": "found (a customer saved with a number this customer has)",

		"audit_msg_bad_user":   "The user name is too long.",
		"audit_msg_bad_action": "Unknown action.",
		"audit_msg_bad_before": "The page link is not valid.",
		"audit_msg_bad_limit":  "Show 1 to 5000 entries.",

		"err_too_many_searches": "Too many searches found nobody; try again in a while.",
		"err_search_busy":       "Another search or save of yours is in progress; try again in a moment.",
		"op_read_audit":         "read the personal data reads",
	},
}
